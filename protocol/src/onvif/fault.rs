//! SOAP 1.2 Faults: reading `Code`/`Subcode`/`Reason`, and telling "not authorized" apart.

use crate::ns;
use crate::xml::{self, Element};

use super::{Error, MAX_FIELD_CHARS, envelope::soap_body};

/// Deepest `Subcode` chain read; real devices nest one or two levels.
const MAX_SUBCODES: usize = 8;

/// A SOAP 1.2 Fault. Codes are local names with their namespace URI resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    /// `Sender`, `Receiver`, … (local name of `Code/Value`).
    pub code: String,
    /// Subcode local names, outermost first (`NotAuthorized`, `ActionNotSupported`, …).
    pub subcodes: Vec<String>,
    /// `Reason/Text`, if non-empty.
    pub reason: Option<String>,
}

impl Fault {
    /// True for `ter:NotAuthorized` anywhere in the subcode chain (and the common
    /// `Sender` + "not authorized"/"authority failure" reason variants).
    pub fn is_not_authorized(&self) -> bool {
        if self
            .subcodes
            .iter()
            .any(|s| s.eq_ignore_ascii_case("NotAuthorized"))
        {
            return true;
        }
        let Some(reason) = &self.reason else {
            return false;
        };
        let reason = reason.to_ascii_lowercase();
        self.code.eq_ignore_ascii_case("Sender")
            && [
                "not authorized",
                "authority failure",
                "unauthorized",
                "not authorised",
            ]
            .iter()
            .any(|needle| reason.contains(needle))
    }
}

/// Parses any SOAP envelope as a Fault, if it is one (for error bodies of any operation).
pub fn parse_fault(body: &[u8]) -> Result<Option<Fault>, Error> {
    let doc = xml::parse(body)?;
    let soap_body = soap_body(&doc)?;
    Ok(soap_body.child(ns::SOAP12, "Fault").map(read_fault))
}

/// Reads a `{soap-envelope}Fault` element.
pub(crate) fn read_fault(fault: Element<'_>) -> Fault {
    let code_el = fault.child(ns::SOAP12, "Code");
    let code = code_el.and_then(|c| code_value(c)).unwrap_or_default();
    let mut subcodes = Vec::new();
    let mut at = code_el.and_then(|c| c.child(ns::SOAP12, "Subcode"));
    while let Some(subcode) = at {
        if subcodes.len() >= MAX_SUBCODES {
            break;
        }
        if let Some(value) = code_value(subcode) {
            subcodes.push(value);
        }
        at = subcode.child(ns::SOAP12, "Subcode");
    }
    let reason = fault
        .child(ns::SOAP12, "Reason")
        .into_iter()
        .flat_map(|r| r.children_named(ns::SOAP12, "Text"))
        .find_map(|t| xml::clean_value(t.text(), MAX_FIELD_CHARS));
    Fault {
        code,
        subcodes,
        reason,
    }
}

/// Local name of the QName in `el/Value` (`ter:NotAuthorized` → `NotAuthorized`).
fn code_value(el: Element<'_>) -> Option<String> {
    let raw = el.child_text(ns::SOAP12, "Value")?.trim();
    let (_, local) = el.resolve_qname(raw);
    xml::clean_value(local, MAX_FIELD_CHARS)
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
            .as_slice()
        };
    }

    use crate::onvif::http_body;

    struct Case {
        body: &'static [u8],
        code: &'static str,
        subcodes: &'static [&'static str],
        reason: Option<&'static str>,
        not_authorized: bool,
    }

    #[test]
    fn real_faults() {
        let cases = [
            Case {
                body: http_body(fixture!("hikvision-fault-notauthorized-http400.http")),
                code: "Sender",
                subcodes: &["NotAuthorized"],
                reason: Some(
                    "The action requested requires authorization and the sender is not authorized",
                ),
                not_authorized: true,
            },
            Case {
                body: http_body(fixture!("hikvision-fault-actionnotsupported-http500.http")),
                code: "Receiver",
                subcodes: &["ActionNotSupported", "InvalidOperation"],
                reason: Some("Optional Action Not Implemented"),
                not_authorized: false,
            },
            Case {
                body: http_body(fixture!(
                    "hikvision-fault-invalidargval-noprofile-http500.http"
                )),
                code: "Sender",
                subcodes: &["InvalidArgVal", "NoProfile"],
                reason: Some("The requested profile token ProfileToken does not exist."),
                not_authorized: false,
            },
            Case {
                body: fixture!("axis-q6045-e-fault-sender-empty-reason.xml"),
                code: "Sender",
                subcodes: &[],
                reason: None,
                not_authorized: false,
            },
            Case {
                body: fixture!("axis-fault-receiver-audionotsupported.xml"),
                code: "Receiver",
                subcodes: &["ActionNotSupported", "AudioNotSupported"],
                reason: Some("No audio support"),
                not_authorized: false,
            },
            Case {
                body: fixture!("onvif-enp1a14-ir-25x-fault-weakpassword.xml"),
                code: "Sender",
                subcodes: &["OperationProhibited", "Password"],
                reason: Some("Too weak password."),
                not_authorized: false,
            },
            Case {
                body: fixture!("hikvision-fault-sender-invalidargval.xml"),
                code: "Sender",
                subcodes: &["InvalidArgVal", "InvalidParameter"],
                reason: Some("the parameter value is illegal"),
                not_authorized: false,
            },
            Case {
                body: fixture!("pelco-d6230l-fault-actionnotsupported.xml"),
                code: "Receiver",
                subcodes: &["ActionNotSupported"],
                reason: Some("Optional Action Not Implemented"),
                not_authorized: false,
            },
            Case {
                body: fixture!("trendnet-tv-ip320pi-fault-actionnotsupported.xml"),
                code: "Receiver",
                subcodes: &["ActionNotSupported", "InvalidOperation"],
                reason: Some("Optional Action Not Implemented"),
                not_authorized: false,
            },
            Case {
                body: fixture!("sunba-performance-series-fault-actionnotsupported.xml"),
                code: "Receiver",
                subcodes: &["ActionNotSupported"],
                reason: Some("Optional Action Not Implemented"),
                not_authorized: false,
            },
        ];
        for (
            i,
            Case {
                body,
                code,
                subcodes,
                reason,
                not_authorized,
            },
        ) in cases.into_iter().enumerate()
        {
            let fault = parse_fault(body)
                .unwrap()
                .unwrap_or_else(|| panic!("case {i}: no fault"));
            assert_eq!(fault.code, code, "case {i}");
            assert_eq!(fault.subcodes, subcodes, "case {i}");
            assert_eq!(fault.reason.as_deref(), reason, "case {i}");
            assert_eq!(fault.is_not_authorized(), not_authorized, "case {i}");
        }
    }

    #[test]
    fn not_a_fault_and_not_soap() {
        let ok = fixture!("hikvision-ds-2cd2012-i-getdeviceinformation.xml");
        assert_eq!(parse_fault(ok).unwrap(), None);
        let html = b"<html><body>Document Error: Unauthorized</body></html>";
        assert!(matches!(parse_fault(html), Err(Error::NotSoap)));
    }

    #[test]
    fn reason_only_not_authorized_variants() {
        let cases = [
            ("Sender", "Sender not Authorized", true),
            ("Sender", "Authority failure", true),
            ("Receiver", "Sender not Authorized", false),
            ("Sender", "Invalid argument", false),
        ];
        for (code, reason, want) in cases {
            let fault = Fault {
                code: code.into(),
                subcodes: vec![],
                reason: Some(reason.into()),
            };
            assert_eq!(fault.is_not_authorized(), want, "{code} {reason}");
        }
    }
}
