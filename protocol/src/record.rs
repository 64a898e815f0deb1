//! The scan record and device record: the JSON contract of DESIGN.md section 2.
//!
//! These types are what `camaudit scan --format json` prints and, with the MQTT envelope fields,
//! what the agent publishes. Field names and shapes are a public contract: change them only with
//! DESIGN.md and a schema version bump.

use serde::{Deserialize, Serialize};

use crate::mac::Mac;

/// Schema name of a whole scan document.
pub const SCAN_SCHEMA: &str = "camaudit.scan/1";

/// A discovery method, as named on the command line and in `discovered_by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Method {
    /// ONVIF WS-Discovery (multicast or unicast Probe, or a passive Hello).
    WsDiscovery,
    /// Hikvision SADP.
    Sadp,
    /// Dahua DHIP.
    Dhip,
    /// A single host named on the command line (`camaudit probe HOST`).
    Direct,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WsDiscovery => "ws-discovery",
            Self::Sadp => "sadp",
            Self::Dhip => "dhip",
            Self::Direct => "direct",
        }
    }
}

/// One scan: the document `scan --format json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema: String,
    pub scan_id: String,
    pub camaudit_version: String,
    pub site: Option<String>,
    pub agent: String,
    pub started_at: String,
    pub finished_at: String,
    pub interfaces: Vec<String>,
    pub methods: Vec<Method>,
    pub devices: Vec<Device>,
    pub summary: Summary,
}

/// Counts over a scan's devices, present in every output format.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub devices: usize,
    pub restricted: usize,
    pub rebrands: usize,
    pub unidentified: usize,
    pub errors: usize,
}

impl Summary {
    /// Counts `devices`. A device is unidentified when no maker could be attributed.
    pub fn of(devices: &[Device]) -> Self {
        let mut s = Self {
            devices: devices.len(),
            ..Self::default()
        };
        for d in devices {
            if d.policy.restricted {
                s.restricted += 1;
            }
            if d.attribution.rebrand {
                s.rebrands += 1;
            }
            if d.attribution.maker.is_none() {
                s.unidentified += 1;
            }
            if !d.access.errors.is_empty() {
                s.errors += 1;
            }
        }
        s
    }
}

/// One device: the scan's element and the MQTT device payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// Lowercase MAC without separators; `ip-<addr>` when the MAC is unknown.
    pub key: String,
    pub ip: String,
    pub mac: Option<Mac>,
    /// Where the MAC came from: `onvif`, `sadp`, `dhip`, `isapi`, `neighbour`, `scope`, `eui64`,
    /// `endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_source: Option<String>,
    pub endpoint: Option<String>,
    pub xaddrs: Vec<String>,
    pub discovered_by: Vec<Method>,
    pub reported: Reported,
    pub attribution: Attribution,
    pub policy: Policy,
    pub access: Access,
    pub first_seen: String,
    pub last_seen: String,
}

impl Device {
    /// The device key for a MAC, or for an IP when the MAC is unknown.
    pub fn key_for(mac: Option<&Mac>, ip: &str) -> String {
        match mac {
            Some(m) => m.key(),
            None => format!("ip-{ip}"),
        }
    }
}

/// What the device says about itself, verbatim (trimmed, control characters removed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub hardware_id: Option<String>,
    pub hostname: Option<String>,
}

/// Who made the hardware, and why we think so.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// Canonical name of the company that made the hardware; `None` when unknown, never a guess.
    pub maker: Option<String>,
    /// What the device calls itself.
    pub brand: Option<String>,
    /// True when `brand` and `maker` differ.
    pub rebrand: bool,
    pub confidence: Option<Confidence>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One signal and what it indicates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Signal name: `mac-oui`, `onvif-manufacturer`, `model-family`, `firmware-format`, …
    pub signal: String,
    pub value: String,
    /// The maker this signal points at, if any.
    pub indicates: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Policy verdict: restricted under which lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub restricted: bool,
    pub lists: Vec<String>,
}

/// How we got in, and what went wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub auth: AuthUsed,
    pub errors: Vec<String>,
}

/// Which authentication the device needed for its identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthUsed {
    /// Answered anonymously.
    None,
    WsSecurity,
    HttpDigest,
    /// Needed credentials; ours were refused or none matched its network.
    Failed,
    /// We never asked (no address to ask, or discovery-only method).
    #[default]
    NotTried,
}

impl AuthUsed {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::WsSecurity => "ws-security",
            Self::HttpDigest => "http-digest",
            Self::Failed => "failed",
            Self::NotTried => "not-tried",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_serialises_to_the_design_contract() {
        let d = Device {
            key: "4419b6a1b2c3".into(),
            ip: "10.20.0.31".into(),
            mac: Some(Mac::parse("44:19:b6:a1:b2:c3").unwrap()),
            mac_source: None,
            endpoint: Some("urn:uuid:x".into()),
            xaddrs: vec!["http://10.20.0.31/onvif/device_service".into()],
            discovered_by: vec![Method::WsDiscovery],
            reported: Reported {
                manufacturer: Some("LTS".into()),
                ..Reported::default()
            },
            attribution: Attribution::default(),
            policy: Policy::default(),
            access: Access {
                auth: AuthUsed::WsSecurity,
                errors: vec![],
            },
            first_seen: "2026-11-29T00:00:00Z".into(),
            last_seen: "2026-11-29T00:00:00Z".into(),
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["mac"], "44:19:b6:a1:b2:c3");
        assert_eq!(v["discovered_by"][0], "ws-discovery");
        assert_eq!(v["access"]["auth"], "ws-security");
        assert_eq!(v["attribution"]["maker"], serde_json::Value::Null);
        assert!(v.get("mac_source").is_none());
        let back: Device = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
    }
}
