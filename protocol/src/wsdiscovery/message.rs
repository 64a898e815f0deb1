//! Parsing WS-Discovery datagrams into [`Message`]s.

use super::Scopes;
use super::{Error, MAX_DATAGRAM, MAX_MATCHES, MAX_SCOPES, MAX_TYPES, MAX_URI_CHARS, MAX_XADDRS};
use crate::ns;
use crate::onvif::{Fault, read_fault};
use crate::xml::{self, Element, Limits};

const WSD: [&str; 2] = [ns::WSD_2005, ns::WSD_2009];
const WSA: [&str; 2] = [ns::WSA_2004, ns::WSA_2005];
const ONVIF_SCOPE_PREFIX: &str = "onvif://www.onvif.org/";

/// Limits for one datagram: a ProbeMatches with a 40-namespace preamble is ~4 KiB and ~30
/// elements, so these leave ample room while keeping a hostile datagram cheap.
const LIMITS: Limits = Limits {
    max_bytes: MAX_DATAGRAM,
    max_depth: 32,
    max_elements: 4096,
    max_text: 16 * 1024,
};

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
    ///
    /// Any `onvif://www.onvif.org/` scope counts, whatever Types says (one 631GA-style device
    /// puts a UUID there); a type whose prefix the device forgot to declare counts by local name.
    pub fn is_onvif(&self) -> bool {
        let onvif_type = self.types.iter().any(|t| {
            matches!(
                (t.namespace.as_deref(), t.local.as_str()),
                (Some(ns::ONVIF_NETWORK) | None, "NetworkVideoTransmitter")
                    | (Some(ns::ONVIF_DEVICE) | None, "Device")
            )
        });
        onvif_type
            || self.scopes.iter().any(|s| {
                s.get(..ONVIF_SCOPE_PREFIX.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(ONVIF_SCOPE_PREFIX))
            })
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
    Probe {
        header: Header,
    },
    Fault {
        header: Header,
        fault: Fault,
    },
    /// A well-formed SOAP message with some other action.
    Other {
        header: Header,
    },
}

impl Message {
    pub fn header(&self) -> &Header {
        match self {
            Self::ProbeMatches { header, .. }
            | Self::Hello { header, .. }
            | Self::Bye { header, .. }
            | Self::Probe { header }
            | Self::Fault { header, .. }
            | Self::Other { header } => header,
        }
    }

    /// Short name for logs: `ProbeMatches`, `Hello`, `Bye`, `Probe`, `Fault` or `Other`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ProbeMatches { .. } => "ProbeMatches",
            Self::Hello { .. } => "Hello",
            Self::Bye { .. } => "Bye",
            Self::Probe { .. } => "Probe",
            Self::Fault { .. } => "Fault",
            Self::Other { .. } => "Other",
        }
    }
}

/// Parses one datagram. Leading whitespace and a UTF-8 BOM are tolerated; DTDs are refused.
///
/// The message kind comes from the first element of the SOAP Body (by namespace URI and local
/// name), not from `Action`, which devices wrap in whitespace or get wrong.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    let doc = xml::parse_with(datagram, LIMITS)?;
    let root = doc.root();
    if !root.is(ns::SOAP12, "Envelope") {
        return Err(Error::NotSoap);
    }
    let body = root.child(ns::SOAP12, "Body").ok_or(Error::NotSoap)?;
    let header = root
        .child(ns::SOAP12, "Header")
        .map(read_header)
        .unwrap_or_default();
    let Some(content) = body.children().next() else {
        return Ok(Message::Other { header });
    };
    let wsd = |local| content.is_any(&WSD, local);
    let message = if wsd("ProbeMatches") {
        let matches = content
            .children()
            .filter(|c| c.is_any(&WSD, "ProbeMatch"))
            .take(MAX_MATCHES)
            .map(probe_match)
            .collect();
        Message::ProbeMatches { header, matches }
    } else if wsd("Hello") {
        Message::Hello {
            header,
            endpoint: probe_match(content),
        }
    } else if wsd("Bye") {
        Message::Bye {
            header,
            endpoint: endpoint(content),
        }
    } else if wsd("Probe") {
        Message::Probe { header }
    } else if content.is(ns::SOAP12, "Fault") {
        Message::Fault {
            header,
            fault: read_fault(content),
        }
    } else {
        Message::Other { header }
    };
    Ok(message)
}

fn read_header(header: Element<'_>) -> Header {
    let value = |local| {
        header
            .children()
            .find(|c| c.is_any(&WSA, local))
            .and_then(|c| xml::clean_value(c.text(), MAX_URI_CHARS))
    };
    Header {
        message_id: value("MessageID"),
        relates_to: value("RelatesTo"),
        action: value("Action"),
    }
}

fn probe_match(el: Element<'_>) -> ProbeMatch {
    let child = |local| el.children().find(|c| c.is_any(&WSD, local));
    let types = child("Types")
        .map(|t| {
            xml::split_whitespace(t.text())
                .filter(|q| is_uri_sized(q))
                .take(MAX_TYPES)
                .map(|q| {
                    let (namespace, local) = t.resolve_qname(q);
                    QName {
                        namespace: namespace.map(str::to_owned),
                        local: local.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ProbeMatch {
        endpoint: endpoint(el),
        types,
        scopes: uri_list(child("Scopes"), MAX_SCOPES),
        xaddrs: uri_list(child("XAddrs"), MAX_XADDRS),
        metadata_version: child("MetadataVersion").and_then(|m| m.text().trim().parse().ok()),
    }
}

/// `EndpointReference/Address`, in either addressing namespace.
fn endpoint(el: Element<'_>) -> Option<String> {
    let epr = el
        .children()
        .find(|c| c.is_any(&WSA, "EndpointReference"))?;
    let address = epr.children().find(|c| c.is_any(&WSA, "Address"))?;
    xml::clean_value(address.text(), MAX_URI_CHARS)
}

/// Whitespace-separated URIs; control characters make a URI invalid, over-long ones are dropped.
fn uri_list(el: Option<Element<'_>>, max: usize) -> Vec<String> {
    let Some(el) = el else { return Vec::new() };
    // Sized up front: growing from empty was a third of this function's cost.
    let mut out = Vec::with_capacity(max.min(16));
    let uris = xml::split_whitespace(el.text())
        .filter(|u| is_uri_sized(u))
        .take(max);
    out.extend(uris.map(str::to_owned));
    out
}

/// At most [`MAX_URI_CHARS`] characters and no control characters.
fn is_uri_sized(u: &str) -> bool {
    // Printable ASCII (the usual case) is checked byte-wise; anything else char by char.
    if u.len() <= MAX_URI_CHARS && u.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return true;
    }
    u.chars().count() <= MAX_URI_CHARS && !u.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wsdiscovery::relates_to_matches;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/real/",
                $name
            ))
            .as_slice()
        };
    }

    fn qname(namespace: &str, local: &str) -> QName {
        QName {
            namespace: Some(namespace.into()),
            local: local.into(),
        }
    }

    fn nvt() -> QName {
        qname(ns::ONVIF_NETWORK, "NetworkVideoTransmitter")
    }

    fn device() -> QName {
        qname(ns::ONVIF_DEVICE, "Device")
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn single_match(bytes: &[u8]) -> (Header, ProbeMatch) {
        match parse(bytes) {
            Ok(Message::ProbeMatches {
                header,
                mut matches,
            }) => {
                assert_eq!(matches.len(), 1);
                (header, matches.remove(0))
            }
            other => panic!("not a single ProbeMatches: {other:?}"),
        }
    }

    #[test]
    fn hikvision_probematch() {
        let (header, m) = single_match(fixture!("hikvision-ds-2cd3955fwd-iws-probematch.xml"));
        let id = "urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d";
        assert_eq!(header.message_id.as_deref(), Some(id));
        assert_eq!(
            header.relates_to.as_deref(),
            Some("uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649")
        );
        assert_eq!(
            header.action.as_deref(),
            Some("http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches")
        );
        assert_eq!(m.endpoint.as_deref(), Some(id));
        assert_eq!(m.types, [nvt(), device()]);
        assert_eq!(
            m.xaddrs,
            strings(&[
                "http://192.168.0.218/onvif/device_service",
                "http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service",
            ])
        );
        assert_eq!(m.scopes.len(), 8);
        assert_eq!(m.metadata_version, Some(10));
        assert!(m.is_onvif());
        let scopes = m.onvif_scopes();
        assert_eq!(scopes.name.as_deref(), Some("HIKVISION DS-2CD3955FWD-IWS"));
        assert_eq!(scopes.hardware.as_deref(), Some("DS-2CD3955FWD-IWS"));
        assert_eq!(scopes.location, ["city/hangzhou"]);
        assert_eq!(scopes.profiles, ["Streaming", "G"]);
        assert_eq!(scopes.types, ["video_encoder", "audio_encoder", "ptz"]);
    }

    #[test]
    fn axis_probematch_wrapped_lists() {
        let (header, m) = single_match(fixture!("axis-m2025-le-probematch.xml"));
        // Action has a newline + indent inside the element: trimmed.
        assert_eq!(
            header.action.as_deref(),
            Some("http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches")
        );
        assert_eq!(
            m.endpoint.as_deref(),
            Some("urn:uuid:3ea96f68-b845-4c0b-87cf-eee904c4be65")
        );
        assert_eq!(m.types, [device(), nvt()]);
        assert_eq!(
            m.xaddrs,
            strings(&[
                "http://192.168.0.209/onvif/device_service",
                "https://192.168.0.209/onvif/device_service",
                "http://169.254.251.249/onvif/device_service",
                "https://169.254.251.249/onvif/device_service",
            ])
        );
        assert_eq!(m.scopes.len(), 6);
        let scopes = m.onvif_scopes();
        assert_eq!(scopes.name.as_deref(), Some("AXIS M2025-LE"));
        assert_eq!(scopes.hardware.as_deref(), Some("M2025-LE"));
        assert!(
            scopes.location.is_empty(),
            "empty location/ scope is skipped"
        );
        assert_eq!(scopes.profiles, ["Streaming", "G", "T"]);
    }

    #[test]
    fn dahua_family_probematches() {
        let cases = [
            (
                fixture!("amcrest-ip2m-841b-probematch-singleline.xml"),
                "uuid:Device",
                "uuid:8eceb0ca-564e-4436-bec5-e63ea243c529",
                "IP2M-841B",
                "http://192.168.1.235/onvif/device_service",
            ),
            (
                fixture!("amcrest-ip5m-b1186e-probematch.xml"),
                "uuid:44f881db-4b2e-43b6-913c-123d771d2f19",
                "uuid:2a46daf1-86f6-91ad-5458-3d184eb186f6",
                "IP5M-B1186E",
                "http://192.168.0.205/onvif/device_service",
            ),
        ];
        for (bytes, relates_to, endpoint, hardware, xaddr) in cases {
            let (header, m) = single_match(bytes);
            assert_eq!(header.relates_to.as_deref(), Some(relates_to));
            assert_eq!(m.endpoint.as_deref(), Some(endpoint));
            assert_eq!(m.types, [nvt(), device()]);
            assert_eq!(m.xaddrs, [xaddr]);
            let scopes = m.onvif_scopes();
            assert_eq!(scopes.name.as_deref(), Some("Amcrest"));
            assert_eq!(scopes.hardware.as_deref(), Some(hardware));
            assert_eq!(scopes.location, ["country/china"]);
            assert_eq!(scopes.types, ["Network_Video_Transmitter"]);
            assert_eq!(
                scopes.other,
                [("extension".to_owned(), "unique_identifier".to_owned())]
            );
        }
    }

    #[test]
    fn ipcam_631ga_without_types() {
        let (header, m) = single_match(fixture!("generic-ipcam-631ga-probematch.xml"));
        assert!(relates_to_matches(
            header.relates_to.as_deref().unwrap(),
            "uuid:2DE9F5AD-ABD2-4C0E-9BA8-178098D67F01"
        ));
        assert!(m.types.is_empty());
        assert!(m.is_onvif(), "ONVIF scopes make it ONVIF without Types");
        assert_eq!(m.xaddrs, ["http://192.168.1.104:80/onvif/device_service"]);
        let scopes = m.onvif_scopes();
        assert_eq!(
            scopes.name.as_deref(),
            Some("IPCAM"),
            "capitalised Name key"
        );
        assert_eq!(scopes.hardware, None);
        assert_eq!(scopes.other, [("Model".to_owned(), "631GA".to_owned())]);
    }

    #[test]
    fn generic_probematches_unresolved_type() {
        let (_, m) = single_match(fixture!("anon-wsdiscovery-probematches-generic.xml"));
        assert_eq!(
            m.types,
            [
                QName {
                    namespace: None,
                    local: "Virtual".into()
                },
                device()
            ]
        );
        assert!(m.scopes.is_empty());
        assert_eq!(m.xaddrs, ["http://240.0.2.0/", "http://[::1]/"]);
        assert_eq!(m.metadata_version, Some(2));
        assert!(m.is_onvif());
    }

    #[test]
    fn dahua_hello() {
        let Ok(Message::Hello { header, endpoint }) =
            parse(fixture!("dahua-ipc-hfw2228m-i1-v2-hello.xml"))
        else {
            panic!("not a Hello");
        };
        assert_eq!(
            header.message_id.as_deref(),
            Some("uuid:7dffd1ac-a95b-4479-ae60-0128450c7104")
        );
        assert_eq!(header.relates_to, None);
        assert_eq!(
            endpoint.endpoint.as_deref(),
            Some("uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464")
        );
        assert_eq!(endpoint.types, [nvt(), device()]);
        assert_eq!(
            endpoint.xaddrs,
            ["http://192.168.1.45/onvif/device_service"]
        );
        let scopes = endpoint.onvif_scopes();
        assert_eq!(scopes.name.as_deref(), Some("Dahua"));
        assert_eq!(scopes.hardware.as_deref(), Some("IPC-HFW2228M-I1-V2"));
    }

    #[test]
    fn bye_fault_other_and_2009_namespace() {
        let envelope = |header: &str, body: &str| {
            format!(
                "<s:Envelope xmlns:s=\"{}\" xmlns:a=\"{}\" xmlns:d=\"{}\" xmlns:ter=\"{}\"><s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>",
                ns::SOAP12,
                ns::WSA_2005,
                ns::WSD_2009,
                ns::ONVIF_ERROR
            )
        };
        let bye = envelope(
            "<a:MessageID>urn:uuid:1</a:MessageID>",
            "<d:Bye><a:EndpointReference><a:Address> urn:uuid:dev </a:Address></a:EndpointReference></d:Bye>",
        );
        let Ok(Message::Bye { header, endpoint }) = parse(bye.as_bytes()) else {
            panic!("bye")
        };
        assert_eq!(header.message_id.as_deref(), Some("urn:uuid:1"));
        assert_eq!(endpoint.as_deref(), Some("urn:uuid:dev"));

        let fault = envelope(
            "",
            "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:MatchingRuleNotSupported</s:Value></s:Subcode></s:Code><s:Reason><s:Text>the xml format error</s:Text></s:Reason></s:Fault>",
        );
        let Ok(Message::Fault { fault, .. }) = parse(fault.as_bytes()) else {
            panic!("fault")
        };
        assert_eq!(fault.code, "Sender");
        assert_eq!(fault.subcodes, ["MatchingRuleNotSupported"]);
        assert_eq!(fault.reason.as_deref(), Some("the xml format error"));

        let other = envelope("<a:Action>urn:x</a:Action>", "<d:Resolve/>");
        let Ok(Message::Other { header }) = parse(other.as_bytes()) else {
            panic!("other")
        };
        assert_eq!(header.action.as_deref(), Some("urn:x"));
        let empty = envelope("", "");
        assert!(matches!(parse(empty.as_bytes()), Ok(Message::Other { .. })));
    }

    #[test]
    fn fragments_and_non_soap_are_errors() {
        let cases: [(&[u8], &str); 6] = [
            // Undeclared prefixes: the root has no namespace, so it is not a SOAP Envelope.
            (
                fixture!("hikvision-ds-2cd2385g1-i-probematch-body-fragment.xml"),
                "NotSoap",
            ),
            // `//`-prefixed lines between undeclared-prefix elements: well-formed, not SOAP.
            (
                fixture!("hikvision-dfi6256te-probematch-fragment.xml"),
                "NotSoap",
            ),
            (fixture!("tplink-tapo-probematch-fragment.xml"), "NotSoap"),
            // Backslash-escaped quotes from a Go string literal: the declarations are unreadable,
            // so nothing is in the SOAP namespace.
            (
                fixture!("amcrest-ip5m-t1179e-probematch-go-comment.xml"),
                "NotSoap",
            ),
            // SADP uses its own root element.
            (
                fixture!("anon-hikvision-sadp-probematch-udp37020.xml"),
                "NotSoap",
            ),
            (b"\x00\x01garbage", "Xml("),
        ];
        for (i, (bytes, want)) in cases.into_iter().enumerate() {
            let got = format!("{:?}", parse(bytes));
            assert!(got.starts_with(&format!("Err({want}")), "case {i}: {got}");
        }
    }

    #[test]
    fn caps_on_matches_and_lists() {
        let xaddrs = (0..40)
            .map(|i| format!("http://10.0.0.{i}/"))
            .collect::<Vec<_>>()
            .join(" ");
        let long = format!("http://x/{}", "a".repeat(MAX_URI_CHARS));
        let one = format!(
            "<d:ProbeMatch><d:XAddrs>{long} {xaddrs}</d:XAddrs><d:Scopes>{}</d:Scopes></d:ProbeMatch>",
            "onvif://www.onvif.org/type/x ".repeat(300)
        );
        let doc = format!(
            "<s:Envelope xmlns:s=\"{}\" xmlns:d=\"{}\"><s:Body><d:ProbeMatches>{}</d:ProbeMatches></s:Body></s:Envelope>",
            ns::SOAP12,
            ns::WSD_2005,
            one + &"<d:ProbeMatch/>".repeat(70)
        );
        let Ok(Message::ProbeMatches { matches, .. }) = parse(doc.as_bytes()) else {
            panic!()
        };
        assert_eq!(matches.len(), MAX_MATCHES);
        let first = matches.first().unwrap();
        assert_eq!(first.xaddrs.len(), MAX_XADDRS);
        assert_eq!(
            first.xaddrs.first().map(String::as_str),
            Some("http://10.0.0.0/")
        );
        assert_eq!(first.scopes.len(), MAX_SCOPES);
    }
}
