//! Hikvision SADP (Search Active Devices Protocol, UDP 37020): the `inquiry` probe and the
//! `<ProbeMatch>` reply.
//!
//! Read-only by construction: [`inquiry`] is the only builder. This module never builds any other
//! SADP `Types` — `activate`, `update`, `reboot`, `restore`, `resetpassword`, `exchangecode`,
//! `getencryptstring`, `getqrcodes`, `getbindlist`, `securitycode`, `setmailbox`, `ezvizunbind`
//! (PROTOCOLS.md b3) — they change device state or start a password reset.
//!
//! Replies are un-namespaced XML with CRLF or tab indentation, dashed MACs, firmware strings like
//! `V5.6.2build 190701` and boolean typos (`flase`). Element names are matched case-insensitively
//! and unknown elements are ignored, so firmware that adds fields still parses.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::mac::Mac;
use crate::xml;

/// UDP port devices listen on and answer from.
pub const PORT: u16 = 37020;
/// IPv4 multicast group (the SSDP/WS-Discovery group, on a different port). Broadcast and
/// unicast also work.
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// Largest datagram we read.
pub const MAX_DATAGRAM: usize = 64 * 1024;

/// A SADP reply is one flat element with a few dozen children.
const LIMITS: xml::Limits = xml::Limits {
    max_bytes: MAX_DATAGRAM,
    max_depth: 8,
    max_elements: 512,
    max_text: 4096,
};
/// Longest value kept.
const MAX_VALUE: usize = 256;

/// Why a datagram is not a SADP message we can read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("SADP datagram is not well-formed XML: {0}")]
    Xml(#[from] xml::Error),
    #[error("SADP datagram has root element <{found}>, expected <ProbeMatch> or <Probe>")]
    UnexpectedRoot { found: String },
}

/// Builds the `inquiry` probe. `uuid_upper` is a fresh UUID the caller generated (Hikvision's
/// tools send it upper-case); anything but hex digits and dashes is dropped, so the value can
/// never break out of the element.
pub fn inquiry(uuid_upper: &str) -> Vec<u8> {
    let uuid: String = uuid_upper
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .map(|c| c.to_ascii_uppercase())
        .take(36)
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{uuid}</Uuid><Types>inquiry</Types></Probe>"#
    )
    .into_bytes()
}

/// Every SADP message that can arrive on the discovery socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A device describing itself.
    Reply(Box<SadpReply>),
    /// A `<Probe>`: our inquiry looped back, or another tool's. Never answered.
    Probe {
        uuid: Option<String>,
        types: Option<String>,
    },
}

/// The per-device salt SADP uses in its activation and password-reset exchanges. Kept for
/// completeness, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(String);

impl Salt {
    /// The salt itself. Callers must not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}

/// What a `<ProbeMatch>` says about a device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SadpReply {
    pub uuid: Option<String>,
    pub types: Option<String>,
    /// `DeviceType`: a numeric device-class code, e.g. `141945`.
    pub device_type: Option<String>,
    /// `DeviceDescription`: the model, e.g. `DS-2CD2385G1-I`.
    pub model: Option<String>,
    /// `DeviceSN`: the full serial, which embeds the model and a date.
    pub serial: Option<String>,
    pub command_port: Option<u16>,
    pub http_port: Option<u16>,
    pub mac: Option<Mac>,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv4_mask: Option<Ipv4Addr>,
    pub ipv4_gateway: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
    pub dhcp: Option<bool>,
    /// `SoftwareVersion` as sent, e.g. `V5.6.2build 190701`.
    pub software_version: Option<String>,
    /// `SoftwareVersion` normalised ([`normalize_version`]), e.g. `V5.6.2 build 190701`.
    pub firmware: Option<String>,
    pub dsp_version: Option<String>,
    pub boot_time: Option<String>,
    /// `Activated`: false on a device still waiting for its first password.
    pub activated: Option<bool>,
    pub oem_info: Option<String>,
    pub detail_oem_code: Option<String>,
    pub analog_channels: Option<u32>,
    pub digital_channels: Option<u32>,
    pub salt: Option<Salt>,
}

/// Parses a datagram received on the SADP socket.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    let doc = xml::parse_with(datagram, LIMITS)?;
    let root = doc.root();
    let field = |name: &str| {
        root.children()
            .find(|c| c.local_name().eq_ignore_ascii_case(name))
            .and_then(|c| xml::clean_value(c.text(), MAX_VALUE))
    };
    match root.local_name() {
        n if n.eq_ignore_ascii_case("Probe") => {
            return Ok(Message::Probe {
                uuid: field("Uuid"),
                types: field("Types"),
            });
        }
        n if n.eq_ignore_ascii_case("ProbeMatch") => {}
        n => {
            return Err(Error::UnexpectedRoot {
                found: n.chars().take(64).collect(),
            });
        }
    }
    let software_version = field("SoftwareVersion");
    Ok(Message::Reply(Box::new(SadpReply {
        uuid: field("Uuid"),
        types: field("Types"),
        device_type: field("DeviceType"),
        model: field("DeviceDescription"),
        serial: field("DeviceSN"),
        command_port: field("CommandPort").and_then(|s| s.parse().ok()),
        http_port: field("HttpPort").and_then(|s| s.parse().ok()),
        mac: field("MAC").and_then(|s| Mac::parse(&s).ok()),
        ipv4: field("IPv4Address").and_then(|s| s.parse().ok()),
        ipv4_mask: field("IPv4SubnetMask").and_then(|s| s.parse().ok()),
        ipv4_gateway: field("IPv4Gateway").and_then(|s| s.parse().ok()),
        ipv6: field("IPv6Address").and_then(|s| s.parse().ok()),
        dhcp: field("DHCP").and_then(|s| parse_bool(&s)),
        firmware: software_version.as_deref().map(normalize_version),
        software_version,
        dsp_version: field("DSPVersion"),
        boot_time: field("BootTime"),
        activated: field("Activated").and_then(|s| parse_bool(&s)),
        oem_info: field("OEMInfo"),
        detail_oem_code: field("DetailOEMCode"),
        analog_channels: field("AnalogChannelNum").and_then(|s| s.parse().ok()),
        digital_channels: field("DigitalChannelNum").and_then(|s| s.parse().ok()),
        salt: field("Salt").map(Salt),
    })))
}

/// Reads a SADP boolean, forgiving the firmware typos `flase` and `ture` and any case.
/// Anything else is `None`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "ture" => Some(true),
        "false" | "flase" => Some(false),
        _ => None,
    }
}

/// Puts single spaces around `build` in a Hikvision version string and collapses whitespace:
/// `V5.6.2build 190701` → `V5.6.2 build 190701`, `V7.3 build 190626` unchanged.
pub fn normalize_version(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = s.to_ascii_lowercase();
    let Some(at) = lower.find("build") else {
        return s;
    };
    // `find` on the ASCII-lowercased copy gives byte offsets valid in `s`: lowering ASCII keeps
    // every byte's position.
    let (Some(before), Some(word), Some(after)) = (s.get(..at), s.get(at..at + 5), s.get(at + 5..))
    else {
        return s;
    };
    let mut out = before.trim_end().to_owned();
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
    let after = after.trim_start();
    if !after.is_empty() {
        out.push(' ');
        out.push_str(after);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/real/",
                $name
            ))
        };
    }

    fn reply(d: &[u8]) -> SadpReply {
        match parse(d) {
            Ok(Message::Reply(r)) => *r,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn inquiry_is_the_documented_probe_and_is_recognised_when_looped_back() {
        let d = inquiry("E8ECFE09-90E4-44C0-842B-703F46B58C81");
        assert_eq!(
            d,
            br#"<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>E8ECFE09-90E4-44C0-842B-703F46B58C81</Uuid><Types>inquiry</Types></Probe>"#
        );
        assert_eq!(
            parse(&d).unwrap(),
            Message::Probe {
                uuid: Some("E8ECFE09-90E4-44C0-842B-703F46B58C81".into()),
                types: Some("inquiry".into())
            }
        );
        // Nothing but hex and dashes gets in: no way to smuggle another Types.
        let d = String::from_utf8(inquiry("ab</Uuid><Types>activate</Types><Uuid>")).unwrap();
        assert!(
            !d.contains("activate") && d.matches("<Types>").count() == 1,
            "{d}"
        );
    }

    #[test]
    fn hikvision_ds_2cd2385g1_i() {
        let r = reply(fixture!("hikvision-ds-2cd2385g1-i-sadp-probematch.xml"));
        assert_eq!(r.model.as_deref(), Some("DS-2CD2385G1-I"));
        assert_eq!(
            r.serial.as_deref(),
            Some("DS-2CD2385G1-I20200414AAWRE33842150")
        );
        assert_eq!(
            r.mac.map(|m| m.to_string()).as_deref(),
            Some("58:50:ed:1f:e3:85")
        );
        assert_eq!(r.software_version.as_deref(), Some("V5.6.2build 190701"));
        assert_eq!(r.firmware.as_deref(), Some("V5.6.2 build 190701"));
        assert_eq!(r.dsp_version.as_deref(), Some("V7.3 build 190626"));
        assert_eq!(r.device_type.as_deref(), Some("141945"));
        assert_eq!(r.detail_oem_code.as_deref(), Some("1"));
        assert_eq!(r.oem_info, None);
        assert_eq!(
            r.uuid.as_deref(),
            Some("e8ecfe09-90e4-44c0-842b-703f46b58c81")
        );
        assert_eq!(r.types.as_deref(), Some("inquiry"));
        assert_eq!((r.command_port, r.http_port), (Some(8000), Some(80)));
        assert_eq!(r.ipv4, Some(Ipv4Addr::new(192, 168, 124, 40)));
        assert_eq!(r.ipv4_mask, Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!(r.ipv4_gateway, Some(Ipv4Addr::new(192, 168, 124, 1)));
        assert_eq!(r.ipv6, Some(Ipv6Addr::UNSPECIFIED));
        assert_eq!((r.dhcp, r.activated), (Some(true), Some(true)));
        assert_eq!(r.boot_time.as_deref(), Some("1970-01-15 02:44:11"));
        assert_eq!((r.analog_channels, r.digital_channels), (Some(0), Some(1)));
        let salt = r.salt.as_ref().unwrap();
        assert_eq!(salt.expose().len(), 64);
        let debug = format!("{r:?}");
        assert!(!debug.contains(salt.expose()), "salt leaked into Debug");
        assert!(debug.contains("Salt(<redacted>)"));
    }

    #[test]
    fn ezviz_short_variant_on_one_line() {
        let r = reply(fixture!("ezviz-cs-c6tc-32wfr-sadp-probematch.xml"));
        assert_eq!(r.model.as_deref(), Some("CS-C6TC-32WFR"));
        assert_eq!(
            r.serial.as_deref(),
            Some("CS-C6TC-32WFR0120170327CCCH738231995")
        );
        assert_eq!(
            r.mac.map(|m| m.to_string()).as_deref(),
            Some("54:c4:15:9a:38:74")
        );
        assert_eq!(r.firmware.as_deref(), Some("V5.2.3 build 180804"));
        assert_eq!(r.ipv4, Some(Ipv4Addr::new(172, 20, 20, 100)));
        assert_eq!(r.command_port, Some(8000));
        assert_eq!(
            (r.http_port, r.device_type, r.activated),
            (None, None, None)
        );
        assert!(r.salt.is_none());
    }

    #[test]
    fn anonymised_capture_shape_with_crlf_and_typo() {
        let r = reply(fixture!("anon-hikvision-sadp-probematch-udp37020.xml"));
        assert_eq!(r.model.as_deref(), Some("Virtual"));
        assert_eq!(r.mac, Some(Mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])));
        assert_eq!(r.firmware.as_deref(), Some("V1.0 build 200101"));
        assert_eq!(r.dhcp, Some(false));
        assert_eq!(r.activated, Some(true));
    }

    #[test]
    fn booleans_forgive_typos_and_case() {
        let cases = [
            ("true", Some(true)),
            ("TRUE", Some(true)),
            ("ture", Some(true)),
            (" True ", Some(true)),
            ("false", Some(false)),
            ("flase", Some(false)),
            ("FLASE", Some(false)),
            ("", None),
            ("yes", None),
            ("1", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_bool(s), want, "{s:?}");
        }
    }

    #[test]
    fn versions_normalise() {
        let cases = [
            ("V5.6.2build 190701", "V5.6.2 build 190701"),
            ("V5.4.5build 260429", "V5.4.5 build 260429"),
            ("V7.3 build 190626", "V7.3 build 190626"),
            ("V5.6.2build190701", "V5.6.2 build 190701"),
            ("  V5.6.2   Build  190701 ", "V5.6.2 Build 190701"),
            ("V5.6.2", "V5.6.2"),
            ("build 1", "build 1"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_version(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn case_insensitive_names_and_unknown_fields() {
        let d = b"\xEF\xBB\xBF<probematch><devicedescription>DS-X</devicedescription>\
                  <NewField><Nested>1</Nested></NewField><mac>58-50-ED-1F-E3-85</mac>\
                  <Activated>flase</Activated></probematch>";
        let r = reply(d);
        assert_eq!(r.model.as_deref(), Some("DS-X"));
        assert_eq!(
            r.mac.map(|m| m.to_string()).as_deref(),
            Some("58:50:ed:1f:e3:85")
        );
        assert_eq!(r.activated, Some(false));
    }

    #[test]
    fn rejects_what_is_not_sadp() {
        assert!(matches!(parse(b""), Err(Error::Xml(_))));
        assert!(matches!(parse(b"<ProbeMatch><Uuid>"), Err(Error::Xml(_))));
        assert!(matches!(
            parse(b"<!DOCTYPE x [<!ENTITY a 'b'>]><ProbeMatch/>"),
            Err(Error::Xml(xml::Error::Dtd))
        ));
        let err = parse(b"<Envelope/>").unwrap_err();
        assert!(matches!(&err, Error::UnexpectedRoot { found } if found == "Envelope"));
        let deep = format!(
            "<ProbeMatch>{}{}</ProbeMatch>",
            "<a>".repeat(20),
            "</a>".repeat(20)
        );
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(Error::Xml(xml::Error::TooDeep { .. }))
        ));
    }
}
