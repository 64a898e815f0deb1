//! Discovery: finding devices. Each method is a driver that sends its probes and reports every
//! in-scope device it hears from as a [`Found`]; the scan interrogates them as they arrive.
//! [`engine`] holds what the UDP drivers share (sockets, sending, receive loops, scope gate).

pub mod dhip;
pub mod engine;
pub mod sadp;
pub mod wsd;

use std::net::Ipv4Addr;

use camaudit_attribution::VendorReply;
use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::Method;

/// A device heard by a discovery method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The responder's own address (the datagram's source).
    pub ip: Ipv4Addr,
    pub method: Method,
    pub endpoint: Option<String>,
    pub xaddrs: Vec<String>,
    pub scopes: Vec<String>,
    /// The interface the reply came in on (`None` for unicast targets).
    pub interface: Option<String>,
    /// What a vendor discovery reply (SADP, DHIP) said about the device.
    pub vendor: Option<VendorIdentity>,
}

impl Found {
    /// A device known only by its address (`camaudit probe HOST`).
    pub fn direct(ip: Ipv4Addr, xaddrs: Vec<String>) -> Self {
        Self {
            ip,
            method: Method::Direct,
            endpoint: None,
            xaddrs,
            scopes: Vec::new(),
            interface: None,
            vendor: None,
        }
    }
}

/// Where a vendor identity was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdentitySource {
    /// Hikvision SADP reply (UDP 37020).
    Sadp,
    /// Dahua DHIP reply (UDP 37810).
    Dhip,
    /// Hikvision ISAPI `/ISAPI/System/deviceInfo`.
    Isapi,
    /// Dahua `magicBox.cgi?action=getSystemInfo`.
    MagicBox,
}

impl IdentitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sadp => "sadp",
            Self::Dhip => "dhip",
            Self::Isapi => "isapi",
            Self::MagicBox => "magicbox",
        }
    }

    /// In words, for evidence details.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Sadp => "Hikvision SADP reply (UDP 37020)",
            Self::Dhip => "Dahua DHIP reply (UDP 37810)",
            Self::Isapi => "Hikvision ISAPI /ISAPI/System/deviceInfo",
            Self::MagicBox => "Dahua magicBox.cgi getSystemInfo",
        }
    }
}

/// A device's identity as one vendor protocol or page reported it, verbatim (values are
/// trimmed and length-capped by the parsers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorIdentity {
    pub source: IdentitySource,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub mac: Option<Mac>,
    pub firmware: Option<String>,
    /// The device's web port, when the reply names it.
    pub http_port: Option<u16>,
    /// The reply as attribution evidence.
    pub reply: Option<VendorReply>,
}

impl VendorIdentity {
    pub fn from_sadp(r: &camaudit_protocol::sadp::SadpReply) -> Self {
        Self {
            source: IdentitySource::Sadp,
            manufacturer: None,
            model: r.model.clone(),
            serial: r.serial.clone(),
            mac: r.mac,
            firmware: r.firmware.clone(),
            http_port: r.http_port.filter(|p| *p != 0),
            reply: Some(VendorReply::Sadp {
                model: r.model.clone(),
                serial: r.serial.clone(),
                oem_info: r.oem_info.clone(),
            }),
        }
    }

    pub fn from_dhip(r: &camaudit_protocol::dhip::DhipReply) -> Self {
        Self {
            source: IdentitySource::Dhip,
            manufacturer: r.vendor.clone().or_else(|| r.manufacturer.clone()),
            model: r.model.clone(),
            serial: r.serial.clone(),
            mac: r.mac,
            firmware: r.firmware.clone(),
            http_port: r.http_port.filter(|p| *p != 0),
            reply: Some(VendorReply::Dhip {
                vendor: r.vendor.clone(),
                device_type: r.model.clone(),
                serial: r.serial.clone(),
            }),
        }
    }

    /// `model=…; serial=…; mac=…; firmware=…` with the fields present, for evidence.
    pub fn summary(&self) -> String {
        let mac = self.mac.map(|m| m.to_string());
        key_values(&[
            ("manufacturer", self.manufacturer.as_deref()),
            ("model", self.model.as_deref()),
            ("serial", self.serial.as_deref()),
            ("mac", mac.as_deref()),
            ("firmware", self.firmware.as_deref()),
        ])
    }
}

/// `key=value; key=value` for the pairs that have a value.
pub fn key_values(pairs: &[(&str, Option<&str>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_from_real_sadp_and_dhip_replies() {
        let sadp = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../protocol/fixtures/real/hikvision-ds-2cd2385g1-i-sadp-probematch.xml"
        ));
        let camaudit_protocol::sadp::Message::Reply(r) =
            camaudit_protocol::sadp::parse(sadp).unwrap()
        else {
            panic!("not a reply")
        };
        let id = VendorIdentity::from_sadp(&r);
        assert_eq!(
            id.summary(),
            "model=DS-2CD2385G1-I; serial=DS-2CD2385G1-I20200414AAWRE33842150; \
             mac=58:50:ed:1f:e3:85; firmware=V5.6.2 build 190701"
        );
        assert_eq!(id.http_port, Some(80));

        let dhip = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../protocol/fixtures/real/intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json"
        ));
        let camaudit_protocol::dhip::Message::DevInfo(r) =
            camaudit_protocol::dhip::parse_body(dhip).unwrap()
        else {
            panic!("not a reply")
        };
        let id = VendorIdentity::from_dhip(&r);
        assert_eq!(id.manufacturer.as_deref(), Some("Intelbras"));
        assert_eq!(id.model.as_deref(), Some("SS 3530 MF FACE W"));
        assert!(matches!(
            id.reply,
            Some(VendorReply::Dhip { vendor: Some(ref v), .. }) if v == "Intelbras"
        ));
    }
}
