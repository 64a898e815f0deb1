//! SOAP 1.2 envelopes: building device-service requests and finding the body of a response.

use crate::auth::UsernameToken;
use crate::ns;
use crate::xml::{self, Element};

use super::{Error, Operation, Response, read_fault};

/// Builds the SOAP 1.2 envelope for `op`, with a WS-Security UsernameToken header when given.
pub fn request(op: Operation, token: Option<&UsernameToken>) -> Vec<u8> {
    let header = token.map(|t| format!("<s:Header>{}</s:Header>", t.header_xml()));
    let content = match op {
        Operation::GetCapabilities => Some("<tds:Category>All</tds:Category>"),
        Operation::GetServices => Some("<tds:IncludeCapability>false</tds:IncludeCapability>"),
        _ => None,
    };
    let name = op.name();
    let device = ns::ONVIF_DEVICE;
    let operation = match content {
        Some(content) => format!("<tds:{name} xmlns:tds=\"{device}\">{content}</tds:{name}>"),
        None => format!("<tds:{name} xmlns:tds=\"{device}\"/>"),
    };
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<s:Envelope xmlns:s="{soap}">{header}<s:Body>{operation}</s:Body></s:Envelope>"#,
        ),
        soap = ns::SOAP12,
        header = header.unwrap_or_default(),
        operation = operation,
    )
    .into_bytes()
}

/// The SOAP 1.2 `Body` of a parsed document, or [`Error::NotSoap`].
pub(crate) fn soap_body(doc: &xml::Document) -> Result<Element<'_>, Error> {
    let root = doc.root();
    if !root.is(ns::SOAP12, "Envelope") {
        return Err(Error::NotSoap);
    }
    root.child(ns::SOAP12, "Body").ok_or(Error::NotSoap)
}

/// Parses `body` as the response to `op` and reads it with `read`, or returns its Fault.
pub(crate) fn parse_response<T>(
    body: &[u8],
    op: Operation,
    read: impl FnOnce(Element<'_>) -> T,
) -> Result<Response<T>, Error> {
    let doc = xml::parse(body)?;
    let soap_body = soap_body(&doc)?;
    if let Some(fault) = soap_body.child(ns::SOAP12, "Fault") {
        return Ok(Response::Fault(read_fault(fault)));
    }
    let expected = op.response_name();
    let response = soap_body
        .child(ns::ONVIF_DEVICE, expected)
        .ok_or(Error::MissingBody { expected })?;
    Ok(Response::Body(read(response)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> UsernameToken {
        UsernameToken {
            username: "admin".into(),
            nonce_b64: "LKqI6G/AikKCQrN0zqZFlg==".into(),
            created: "2010-09-16T07:50:45Z".into(),
            digest_b64: "tuOSpGlFlIXsozq4HFNeeGeFLEI=".into(),
        }
    }

    #[test]
    fn every_request_is_a_parseable_envelope_with_one_operation() {
        for op in Operation::ALL {
            let bytes = request(op, None);
            let doc = xml::parse(&bytes).unwrap();
            let body = soap_body(&doc).unwrap();
            let children: Vec<_> = body.children().collect();
            assert_eq!(children.len(), 1, "{op:?}");
            assert!(children[0].is(ns::ONVIF_DEVICE, op.name()), "{op:?}");
            assert!(op.action().ends_with(op.name()) && op.action().starts_with(ns::ONVIF_DEVICE));
            assert!(doc.root().child(ns::SOAP12, "Header").is_none());
        }
    }

    #[test]
    fn request_parameters() {
        let cases = [
            (Operation::GetCapabilities, Some(("Category", "All"))),
            (Operation::GetServices, Some(("IncludeCapability", "false"))),
            (Operation::GetDeviceInformation, None),
        ];
        for (op, param) in cases {
            let bytes = request(op, None);
            let doc = xml::parse(&bytes).unwrap();
            let el = soap_body(&doc)
                .unwrap()
                .child(ns::ONVIF_DEVICE, op.name())
                .unwrap();
            let got = el.children().next().map(|c| {
                assert_eq!(c.namespace(), Some(ns::ONVIF_DEVICE));
                (c.local_name(), c.text())
            });
            assert_eq!(got, param, "{op:?}");
        }
    }

    #[test]
    fn request_embeds_security_header() {
        let token = token();
        let header = token.header_xml();
        let bytes = request(Operation::GetDeviceInformation, Some(&token));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(&format!("<s:Header>{header}</s:Header>")));
        let doc = xml::parse(&bytes).unwrap();
        let security = doc
            .root()
            .path(&[(ns::SOAP12, "Header"), (ns::WSSE, "Security")]);
        assert!(security.is_some());
    }
}
