//! WS-Discovery (2005/04 draft, as every ONVIF device speaks it): Probe builders and a parser for
//! every message a camera may send us (ProbeMatches, Hello, Bye, SOAP faults).
//! CONTRACT STUB: the public API below is fixed; bodies are being implemented.

use std::net::Ipv4Addr;

/// IPv4 multicast group for WS-Discovery.
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// UDP port for WS-Discovery.
pub const PORT: u16 = 3702;
/// Largest datagram we accept; anything longer is truncated by the kernel and rejected.
pub const MAX_DATAGRAM: usize = 65_507;

/// Which `Types` a Probe asks for. Cameras differ in which ones they answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeVariant {
    /// `dn:NetworkVideoTransmitter` (namespace `http://www.onvif.org/ver10/network/wsdl`).
    NetworkVideoTransmitter,
    /// `tds:Device` (namespace `http://www.onvif.org/ver10/device/wsdl`).
    Device,
    /// No Types element.
    Untyped,
}

/// Builds a Probe datagram. `message_id` is a full `urn:uuid:…` the caller generated.
pub fn probe(message_id: &str, variant: ProbeVariant) -> Vec<u8> {
    let _ = (message_id, variant);
    unimplemented!("contract stub")
}

/// A qualified name from a `Types` list, with its prefix resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QName {
    pub namespace: Option<String>,
    pub local: String,
}

/// One `ProbeMatch` (or the body of a Hello).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeMatch {
    /// `EndpointReference/Address`, trimmed.
    pub endpoint: Option<String>,
    pub types: Vec<QName>,
    /// Raw scope URIs (not yet percent-decoded), split on XML whitespace.
    pub scopes: Vec<String>,
    /// XAddrs URIs, split on XML whitespace, trimmed.
    pub xaddrs: Vec<String>,
    pub metadata_version: Option<u32>,
}

impl ProbeMatch {
    /// True when Types names an ONVIF NetworkVideoTransmitter or Device, or when Types is
    /// missing but the scopes are ONVIF scopes (the 631GA sends no Types).
    pub fn is_onvif(&self) -> bool {
        unimplemented!("contract stub")
    }
    /// The scopes decoded.
    pub fn onvif_scopes(&self) -> Scopes {
        Scopes::parse(&self.scopes)
    }
}

/// SOAP header fields we care about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub message_id: Option<String>,
    pub relates_to: Option<String>,
    pub action: Option<String>,
}

/// Every WS-Discovery message a device may send.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    ProbeMatches {
        header: Header,
        matches: Vec<ProbeMatch>,
    },
    Hello {
        header: Header,
        endpoint: ProbeMatch,
    },
    Bye {
        header: Header,
        endpoint: Option<String>,
    },
    /// Someone else's Probe (another scanner on the LAN). Never answered.
    Probe { header: Header },
    Fault {
        header: Header,
        fault: crate::onvif::Fault,
    },
    /// A well-formed SOAP message with some other action.
    Other { header: Header },
}

/// Parses one datagram. Leading whitespace and a UTF-8 BOM are tolerated; DTDs are refused.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    let _ = datagram;
    unimplemented!("contract stub")
}

/// True when `relates_to` (from a reply) names `message_id` (ours). Devices mix `uuid:` and
/// `urn:uuid:` and letter case; both sides are normalised before comparing.
pub fn relates_to_matches(relates_to: &str, message_id: &str) -> bool {
    let _ = (relates_to, message_id);
    unimplemented!("contract stub")
}

/// ONVIF scopes, percent-decoded (RFC 3986; invalid UTF-8 replaced).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes {
    pub name: Option<String>,
    pub hardware: Option<String>,
    pub mac: Option<String>,
    pub serial: Option<String>,
    pub location: Vec<String>,
    pub profiles: Vec<String>,
    pub types: Vec<String>,
    /// Every other scope, decoded, as `(key path, value)` e.g. `("extension/unique_identifier", "1")`
    /// or `("", uri)` for non-onvif schemes.
    pub other: Vec<(String, String)>,
}

impl Scopes {
    pub fn parse(raw: &[String]) -> Self {
        let _ = raw;
        unimplemented!("contract stub")
    }
}

/// Why a datagram is not a WS-Discovery message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("malformed XML: {0}")]
    Xml(#[from] crate::xml::Error),
    #[error("not a SOAP envelope")]
    NotSoap,
}
