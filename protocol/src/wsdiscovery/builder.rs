//! Probe datagrams: SOAP 1.2, 2005/04 discovery, 2004/08 addressing, as ONVIF clients send them.

use quick_xml::escape::escape;

use super::ProbeVariant;
use crate::ns;

const ACTION_PROBE: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe";
const TO_DISCOVERY: &str = "urn:schemas-xmlsoap-org:ws:2005:04:discovery";

/// Builds a Probe datagram. `message_id` is a full `urn:uuid:…` the caller generated.
pub fn probe(message_id: &str, variant: ProbeVariant) -> Vec<u8> {
    // Some cameras ignore a Probe whose type prefix is declared on <Types> itself, so the
    // prefix is declared on the Envelope (openhab-addons#9022).
    let (type_decl, probe_body) = match variant {
        ProbeVariant::NetworkVideoTransmitter => (
            format!(" xmlns:dn=\"{}\"", ns::ONVIF_NETWORK),
            "<d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe>",
        ),
        ProbeVariant::Device => (
            format!(" xmlns:tds=\"{}\"", ns::ONVIF_DEVICE),
            "<d:Probe><d:Types>tds:Device</d:Types></d:Probe>",
        ),
        ProbeVariant::Untyped => (String::new(), "<d:Probe/>"),
    };
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<s:Envelope xmlns:s=\"{soap}\" xmlns:a=\"{wsa}\" xmlns:d=\"{wsd}\"{type_decl}>",
            "<s:Header>",
            "<a:Action s:mustUnderstand=\"1\">{action}</a:Action>",
            "<a:MessageID>{id}</a:MessageID>",
            "<a:To s:mustUnderstand=\"1\">{to}</a:To>",
            "</s:Header>",
            "<s:Body>{body}</s:Body>",
            "</s:Envelope>"
        ),
        soap = ns::SOAP12,
        wsa = ns::WSA_2004,
        wsd = ns::WSD_2005,
        type_decl = type_decl,
        action = ACTION_PROBE,
        id = escape(message_id),
        to = TO_DISCOVERY,
        body = probe_body,
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wsdiscovery::{Message, QName, parse};
    use crate::xml;

    const ID: &str = "urn:uuid:6f0c8c2e-3c57-4b8a-9d5f-0d2a6c1f4e11";

    #[test]
    fn round_trip_every_variant() {
        for variant in ProbeVariant::ALL {
            let bytes = probe(ID, variant);
            let Ok(Message::Probe { header }) = parse(&bytes) else {
                panic!("{variant:?} did not parse back as a Probe");
            };
            assert_eq!(header.message_id.as_deref(), Some(ID), "{variant:?}");
            assert_eq!(header.action.as_deref(), Some(ACTION_PROBE), "{variant:?}");
            assert_eq!(header.relates_to, None);
        }
    }

    #[test]
    fn shape_of_each_variant() {
        let cases = [
            (
                ProbeVariant::NetworkVideoTransmitter,
                Some(QName {
                    namespace: Some(ns::ONVIF_NETWORK.into()),
                    local: "NetworkVideoTransmitter".into(),
                }),
            ),
            (
                ProbeVariant::Device,
                Some(QName {
                    namespace: Some(ns::ONVIF_DEVICE.into()),
                    local: "Device".into(),
                }),
            ),
            (ProbeVariant::Untyped, None),
        ];
        for (variant, want_type) in cases {
            let bytes = probe(ID, variant);
            let doc = xml::parse(&bytes).unwrap();
            let root = doc.root();
            let header = root.child(ns::SOAP12, "Header").unwrap();
            assert_eq!(header.child_text(ns::WSA_2004, "To"), Some(TO_DISCOVERY));
            let probe_el = root
                .path(&[(ns::SOAP12, "Body"), (ns::WSD_2005, "Probe")])
                .unwrap();
            let types = probe_el.child(ns::WSD_2005, "Types");
            let got = types.map(|t| {
                let (ns, local) = t.resolve_qname(t.text());
                QName {
                    namespace: ns.map(str::to_owned),
                    local: local.to_owned(),
                }
            });
            assert_eq!(got, want_type, "{variant:?}");
            // The type prefix is declared on the Envelope, not on <Types>.
            if let Some(t) = types {
                assert_eq!(
                    t.parent().and_then(|p| p.parent()).map(|b| b.local_name()),
                    Some("Body")
                );
                let on_root = root.resolve_prefix(t.text().split(':').next());
                assert!(on_root.is_some(), "{variant:?}");
            }
        }
    }

    #[test]
    fn exact_bytes_of_the_nvt_probe() {
        let want = concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" "#,
            r#"xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" "#,
            r#"xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" "#,
            r#"xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"#,
            r#"<a:MessageID>urn:uuid:6f0c8c2e-3c57-4b8a-9d5f-0d2a6c1f4e11</a:MessageID>"#,
            r#"<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"#,
            r#"</s:Header><s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe>"#,
            r#"</s:Body></s:Envelope>"#,
        );
        let got = probe(ID, ProbeVariant::NetworkVideoTransmitter);
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }

    #[test]
    fn message_id_is_escaped() {
        let bytes = probe("urn:uuid:<&>", ProbeVariant::Untyped);
        let Ok(Message::Probe { header }) = parse(&bytes) else {
            panic!("not a probe")
        };
        assert_eq!(header.message_id.as_deref(), Some("urn:uuid:<&>"));
    }
}
