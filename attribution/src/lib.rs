//! camaudit-attribution: names the company that really made a device, with the evidence, and
//! applies the policy lists. Pure: observations in, verdict out; no I/O, no clock.
//! CONTRACT STUB: the public API below is fixed; bodies are being implemented.

use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::{Attribution, Policy};

/// Everything the agent learned about one device that may say who made it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    pub mac: Option<Mac>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub hardware_id: Option<String>,
    /// Raw ONVIF scope URIs (from WS-Discovery or GetScopes).
    pub scopes: Vec<String>,
    /// XAddrs from discovery and GetCapabilities/GetServices.
    pub xaddrs: Vec<String>,
    /// Namespace URIs declared in the device's SOAP replies.
    pub namespaces: Vec<String>,
    /// Realms of HTTP Digest/Basic challenges.
    pub realms: Vec<String>,
    /// HTTP `Server` header values.
    pub http_servers: Vec<String>,
    /// WS-Discovery endpoint reference.
    pub endpoint: Option<String>,
}

/// Attributes one device.
pub fn attribute(obs: &Observation) -> Attribution {
    let _ = obs;
    unimplemented!("contract stub")
}

/// The policy lists in force.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {}

impl PolicySet {
    /// The lists shipped with the binary (`us-ndaa-889`, `uk-nil`).
    pub fn builtin() -> Self {
        unimplemented!("contract stub")
    }
    /// Only the named lists.
    pub fn select(&self, names: &[String]) -> Result<Self, String> {
        let _ = names;
        unimplemented!("contract stub")
    }
    /// Restricted under which of the selected lists.
    pub fn evaluate(&self, attribution: &Attribution) -> Policy {
        let _ = attribution;
        unimplemented!("contract stub")
    }
}

/// The evidence in plain words, one line per signal.
pub fn explain(a: &Attribution) -> Vec<String> {
    let _ = a;
    unimplemented!("contract stub")
}
