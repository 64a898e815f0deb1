//! Minimal, bounded SOAP envelope reading for the simulator: the addressing headers, the
//! WS-Security UsernameToken, the Body's operation, a Probe's Types and a ProbeMatches' matches.
//!
//! Matches on namespace URI + local name, never on prefixes; refuses DTDs; tolerates a UTF-8 BOM
//! and leading whitespace. Requests are untrusted: every count and length is capped and no input
//! panics.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

pub const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const NS_SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const NS_WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
pub const NS_WSA_2005: &str = "http://www.w3.org/2005/08/addressing";
pub const NS_WSD: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
pub const NS_WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const NS_WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
pub const PASSWORD_DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

const MAX_INPUT: usize = 1 << 20;
const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 20_000;
const MAX_TEXT: usize = 8 * 1024;
const MAX_MATCHES: usize = 64;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SoapError {
    #[error("envelope of {len} bytes exceeds {max}")]
    TooLarge { len: usize, max: usize },
    #[error("envelope is not UTF-8 (at byte {valid_up_to})")]
    NotUtf8 { valid_up_to: usize },
    #[error("XML error at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("DTD refused")]
    Dtd,
    #[error("element nesting deeper than {0}")]
    TooDeep(usize),
    #[error("more than {0} elements")]
    TooManyElements(usize),
    #[error("text of {element} longer than {max} bytes")]
    TextTooLong { element: &'static str, max: usize },
    #[error("root element is {found:?}, not a SOAP Envelope")]
    NotEnvelope { found: String },
    #[error("document ended before the envelope closed")]
    Unterminated,
}

/// A namespace-qualified element name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualifiedName {
    pub namespace: Option<String>,
    pub local: String,
}

/// WS-Security UsernameToken fields as received (the Password is the digest text).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UsernameToken {
    pub username: String,
    pub password: String,
    pub password_type: Option<String>,
    pub nonce: String,
    pub created: String,
}

// Design: the password digest stays out of Debug output.
impl std::fmt::Debug for UsernameToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsernameToken")
            .field("username", &self.username)
            .field("password_type", &self.password_type)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

/// One ProbeMatch of a ProbeMatches message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeMatch {
    pub address: String,
    pub types: String,
    pub xaddrs: String,
}

/// What the simulator needs from an envelope.
#[derive(Clone, Debug, Default)]
pub struct Envelope {
    pub message_id: Option<String>,
    pub relates_to: Option<String>,
    pub action: Option<String>,
    pub token: Option<UsernameToken>,
    /// First child of Body: the operation (or WS-Discovery message).
    pub body: Option<QualifiedName>,
    /// Local names of a Probe's Types (prefixes dropped); `Some(empty)` for an untyped Probe.
    pub probe_types: Option<Vec<String>>,
    pub probe_matches: Vec<ProbeMatch>,
}

impl Envelope {
    pub fn is_probe(&self) -> bool {
        self.body_is(NS_WSD, "Probe")
    }

    pub fn body_is(&self, namespace: &str, local: &str) -> bool {
        self.body
            .as_ref()
            .is_some_and(|b| b.local == local && b.namespace.as_deref() == Some(namespace))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    MessageId,
    RelatesTo,
    Action,
    Username,
    Password,
    Nonce,
    Created,
    ProbeTypes,
    MatchAddress,
    MatchTypes,
    MatchXAddrs,
}

impl Slot {
    fn name(self) -> &'static str {
        match self {
            Self::MessageId => "MessageID",
            Self::RelatesTo => "RelatesTo",
            Self::Action => "Action",
            Self::Username => "Username",
            Self::Password => "Password",
            Self::Nonce => "Nonce",
            Self::Created => "Created",
            Self::ProbeTypes => "Types",
            Self::MatchAddress => "Address",
            Self::MatchTypes => "Types",
            Self::MatchXAddrs => "XAddrs",
        }
    }
}

/// Reads an envelope. Unknown elements are skipped; only structure errors are errors.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, SoapError> {
    if bytes.len() > MAX_INPUT {
        return Err(SoapError::TooLarge {
            len: bytes.len(),
            max: MAX_INPUT,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| SoapError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    Walker::default().run(text)
}

#[derive(Default)]
struct Walker {
    out: Envelope,
    /// (namespace, local) of every open element.
    stack: Vec<(Option<String>, String)>,
    elements: usize,
    slot: Option<(Slot, usize)>,
    buf: String,
    saw_root: bool,
}

impl Walker {
    fn run(mut self, text: &str) -> Result<Envelope, SoapError> {
        let mut reader = NsReader::from_str(text);
        loop {
            let xml_err = |e: quick_xml::Error, r: &NsReader<&[u8]>| SoapError::Xml {
                position: r.buffer_position(),
                message: e.to_string(),
            };
            let (ns, event) = match reader.read_resolved_event() {
                Ok((ns, event)) => (namespace_of(&ns), event),
                Err(e) => return Err(xml_err(e, &reader)),
            };
            match event {
                Event::Start(start) => {
                    let local = start.local_name().as_ref().to_owned();
                    let attrs = attributes(&reader, &start);
                    self.open(ns, local, attrs)?;
                }
                Event::Empty(start) => {
                    let local = start.local_name().as_ref().to_owned();
                    let attrs = attributes(&reader, &start);
                    self.open(ns, local, attrs)?;
                    self.close();
                }
                Event::End(_) => {
                    self.close();
                    if self.stack.is_empty() && self.saw_root {
                        return Ok(self.out);
                    }
                }
                Event::Text(t) => self.text(&t.xml10_content())?,
                Event::CData(t) => self.text(&t.xml10_content())?,
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            let name = r.xml10_content();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .unwrap_or_default()
                                .to_owned()
                        }
                    };
                    self.text(&resolved)?;
                }
                Event::DocType(_) => return Err(SoapError::Dtd),
                Event::Eof => return Err(SoapError::Unterminated),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
    }

    fn open(
        &mut self,
        ns: Option<String>,
        local: String,
        attrs: Vec<(Option<String>, String, String)>,
    ) -> Result<(), SoapError> {
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(SoapError::TooManyElements(MAX_ELEMENTS));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(SoapError::TooDeep(MAX_DEPTH));
        }
        if self.stack.is_empty() {
            let soap = matches!(ns.as_deref(), Some(NS_SOAP12 | NS_SOAP11));
            if self.saw_root || !soap || local != "Envelope" {
                return Err(SoapError::NotEnvelope { found: local });
            }
            self.saw_root = true;
        }
        let depth = self.stack.len() + 1;
        let slot = self.classify(ns.as_deref(), &local, depth);
        if slot == Some(Slot::Password) {
            let token = self.out.token.get_or_insert_with(UsernameToken::default);
            token.password_type = attrs
                .into_iter()
                .find(|(ans, name, _)| ans.is_none() && name == "Type")
                .map(|(_, _, value)| value);
        }
        if slot == Some(Slot::ProbeTypes) {
            self.out.probe_types.get_or_insert_with(Vec::new);
        }
        if let Some(slot) = slot {
            self.slot = Some((slot, depth));
            self.buf.clear();
        }
        self.stack.push((ns, local));
        Ok(())
    }

    /// What an element at `depth` means, given its ancestors.
    fn classify(&mut self, ns: Option<&str>, local: &str, depth: usize) -> Option<Slot> {
        let parent = |i: usize| self.stack.get(i).map(|(n, l)| (n.as_deref(), l.as_str()));
        let in_header = parent(1).is_some_and(|(n, l)| is_soap(n) && l == "Header");
        let in_body = parent(1).is_some_and(|(n, l)| is_soap(n) && l == "Body");
        let wsa = matches!(ns, Some(NS_WSA_2004 | NS_WSA_2005));
        match depth {
            3 if in_header && wsa && local == "MessageID" => Some(Slot::MessageId),
            3 if in_header && wsa && local == "RelatesTo" => Some(Slot::RelatesTo),
            3 if in_header && wsa && local == "Action" => Some(Slot::Action),
            3 if in_body => {
                if self.out.body.is_none() {
                    self.out.body = Some(QualifiedName {
                        namespace: ns.map(str::to_owned),
                        local: local.into(),
                    });
                    if ns == Some(NS_WSD) && local == "Probe" {
                        self.out.probe_types = Some(Vec::new());
                    }
                }
                None
            }
            5 if in_header && self.token_path() && ns == Some(NS_WSSE) => match local {
                "Username" => Some(Slot::Username),
                "Password" => Some(Slot::Password),
                "Nonce" => Some(Slot::Nonce),
                _ => None,
            },
            5 if in_header && self.token_path() && ns == Some(NS_WSU) && local == "Created" => {
                Some(Slot::Created)
            }
            4 if in_body && self.out.is_probe() && ns == Some(NS_WSD) && local == "Types" => {
                Some(Slot::ProbeTypes)
            }
            4 if in_body && self.in_probe_matches() && ns == Some(NS_WSD) => {
                if local == "ProbeMatch" && self.out.probe_matches.len() < MAX_MATCHES {
                    self.out.probe_matches.push(ProbeMatch::default());
                }
                None
            }
            5 if in_body && self.in_probe_matches() && ns == Some(NS_WSD) => match local {
                "Types" => Some(Slot::MatchTypes),
                "XAddrs" => Some(Slot::MatchXAddrs),
                _ => None,
            },
            6 if in_body && self.in_probe_matches() && wsa && local == "Address" => {
                Some(Slot::MatchAddress)
            }
            _ => None,
        }
    }

    fn token_path(&self) -> bool {
        let at = |i: usize, namespace: &str, local: &str| {
            self.stack
                .get(i)
                .is_some_and(|(n, l)| n.as_deref() == Some(namespace) && l == local)
        };
        at(2, NS_WSSE, "Security") && at(3, NS_WSSE, "UsernameToken")
    }

    fn in_probe_matches(&self) -> bool {
        self.out.body_is(NS_WSD, "ProbeMatches")
    }

    fn text(&mut self, text: &str) -> Result<(), SoapError> {
        let Some((slot, _)) = self.slot else {
            return Ok(());
        };
        if self.buf.len() + text.len() > MAX_TEXT {
            return Err(SoapError::TextTooLong {
                element: slot.name(),
                max: MAX_TEXT,
            });
        }
        self.buf.push_str(text);
        Ok(())
    }

    fn close(&mut self) {
        let depth = self.stack.len();
        self.stack.pop();
        let Some((slot, at)) = self.slot else { return };
        if at != depth {
            return;
        }
        self.slot = None;
        let value = self.buf.trim().to_owned();
        let token = || UsernameToken::default();
        match slot {
            Slot::MessageId => self.out.message_id = Some(value),
            Slot::RelatesTo => self.out.relates_to = Some(value),
            Slot::Action => self.out.action = Some(value),
            Slot::Username => self.out.token.get_or_insert_with(token).username = value,
            Slot::Password => self.out.token.get_or_insert_with(token).password = value,
            Slot::Nonce => self.out.token.get_or_insert_with(token).nonce = value,
            Slot::Created => self.out.token.get_or_insert_with(token).created = value,
            Slot::ProbeTypes => {
                let locals = value
                    .split_ascii_whitespace()
                    .take(MAX_MATCHES)
                    .map(|qname| qname.rsplit(':').next().unwrap_or(qname).to_owned());
                self.out
                    .probe_types
                    .get_or_insert_with(Vec::new)
                    .extend(locals);
            }
            Slot::MatchAddress | Slot::MatchTypes | Slot::MatchXAddrs => {
                if let Some(m) = self.out.probe_matches.last_mut() {
                    match slot {
                        Slot::MatchAddress => m.address = value,
                        Slot::MatchTypes => m.types = value,
                        _ => m.xaddrs = value,
                    }
                }
            }
        }
    }
}

fn is_soap(ns: Option<&str>) -> bool {
    matches!(ns, Some(NS_SOAP12 | NS_SOAP11))
}

fn namespace_of(ns: &ResolveResult<'_>) -> Option<String> {
    match ns {
        ResolveResult::Bound(n) => Some(n.as_ref().to_owned()),
        _ => None,
    }
}

/// (namespace, local name, value) of each attribute that is not a namespace declaration.
fn attributes(
    reader: &NsReader<&[u8]>,
    start: &quick_xml::events::BytesStart<'_>,
) -> Vec<(Option<String>, String, String)> {
    start
        .attributes()
        .take(32)
        .filter_map(Result::ok)
        .filter(|a| !a.key.as_ref().starts_with("xmlns"))
        .map(|a| {
            let (ns, local) = reader.resolver().resolve_attribute(a.key);
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            (namespace_of(&ns), local.as_ref().to_owned(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">
 <s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>
  <a:MessageID>uuid:0a6dc791-2be6-4991-9af1-454778a1917a</a:MessageID>
  <a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>
 <s:Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery">
  <d:Types xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dp0="http://www.onvif.org/ver10/network/wsdl">dp0:NetworkVideoTransmitter</d:Types>
 </Probe></s:Body></s:Envelope>"#;

    #[test]
    fn reads_probe_message_id_and_types_by_namespace() {
        let env = parse_envelope(PROBE.as_bytes()).unwrap();
        assert!(env.is_probe());
        assert_eq!(
            env.message_id.as_deref(),
            Some("uuid:0a6dc791-2be6-4991-9af1-454778a1917a")
        );
        assert_eq!(
            env.probe_types,
            Some(vec!["NetworkVideoTransmitter".to_owned()])
        );
    }

    #[test]
    fn probe_in_the_wrong_namespace_is_not_a_probe() {
        let other = PROBE.replace(
            "<Probe xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">",
            "<Probe xmlns=\"http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01\">",
        );
        let env = parse_envelope(other.as_bytes()).unwrap();
        assert!(!env.is_probe());
        assert_eq!(env.body.unwrap().local, "Probe");
    }

    #[test]
    fn reads_probe_matches_of_real_captures() {
        let axis = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../protocol/fixtures/real/axis-m2025-le-probematch.xml"
        ));
        let env = parse_envelope(axis).unwrap();
        assert_eq!(
            env.relates_to.as_deref(),
            Some("uuid:63a205c4-7eae-4dd5-99dc-75e38ff576b3")
        );
        assert_eq!(env.probe_matches.len(), 1);
        assert_eq!(
            env.probe_matches[0].address,
            "urn:uuid:3ea96f68-b845-4c0b-87cf-eee904c4be65"
        );
        assert!(
            env.probe_matches[0]
                .xaddrs
                .starts_with("http://192.168.0.209/onvif")
        );
    }

    #[test]
    fn reads_username_token_of_a_real_capture() {
        let sunba = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../protocol/fixtures/real/sunba-performance-series-fault-actionnotsupported.xml"
        ));
        let env = parse_envelope(sunba).unwrap();
        let token = env.token.unwrap();
        assert_eq!(token.username, "admin");
        assert_eq!(token.password, "PY2P9VGh0BwcRujcaYCU/laz7FY=");
        assert_eq!(token.password_type.as_deref(), Some(PASSWORD_DIGEST));
        assert_eq!(token.nonce, "kNS4M4IZGBLjkDotAMi5Ag==");
        assert_eq!(token.created, "2024-04-06T20:12:13.463862Z");
        assert!(!format!("{token:?}").contains("PY2P9"));
    }

    #[test]
    fn operation_with_bom_and_leading_space() {
        let req = "\u{feff}  <s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>\
                   <GetDeviceInformation xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/>\
                   </s:Body></s:Envelope>";
        let env = parse_envelope(req.as_bytes()).unwrap();
        assert!(env.body_is(
            "http://www.onvif.org/ver10/device/wsdl",
            "GetDeviceInformation"
        ));
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        let deep = format!(
            "<s:Envelope xmlns:s=\"{NS_SOAP12}\">{}",
            "<a>".repeat(MAX_DEPTH + 1)
        );
        type Check = fn(&SoapError) -> bool;
        let cases: Vec<(&[u8], Check)> = vec![
            (b"<!DOCTYPE x []><x/>", |e| matches!(e, SoapError::Dtd)),
            (b"<x/>", |e| matches!(e, SoapError::NotEnvelope { .. })),
            (b"\xff\xfe", |e| matches!(e, SoapError::NotUtf8 { .. })),
            (b"", |e| matches!(e, SoapError::Unterminated)),
            (deep.as_bytes(), |e| matches!(e, SoapError::TooDeep(_))),
            (
                b"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>",
                |e| matches!(e, SoapError::Unterminated),
            ),
        ];
        for (input, check) in cases {
            let err = parse_envelope(input).unwrap_err();
            assert!(check(&err), "{err:?}");
        }
        for fixture in std::fs::read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../protocol/fixtures/real"
        ))
        .unwrap()
        {
            let bytes = std::fs::read(fixture.unwrap().path()).unwrap();
            let _ = parse_envelope(&bytes);
            for cut in [1, bytes.len() / 2, bytes.len().saturating_sub(1)] {
                let _ = parse_envelope(&bytes[..cut.min(bytes.len())]);
            }
        }
    }
}
