//! Fixture sweep: every real capture, every half of one, and generated hostile documents go
//! through every XML-based parser of the crate. None may panic; hostile ones must be refused.

use std::path::PathBuf;

use camaudit_protocol::{onvif, wsdiscovery, xml};

/// Runs every parser over `input`; returns whether each accepted it (for the asserts below).
fn run_all(input: &[u8]) -> Accepted {
    let doc = xml::parse(input);
    if let Ok(doc) = &doc {
        for el in doc.elements() {
            let _ = (
                el.namespace(),
                el.local_name(),
                el.text(),
                el.attributes().count(),
            );
            let _ = (
                el.parent(),
                el.children().count(),
                el.resolve_qname(el.text()),
            );
        }
        let _ = doc.namespaces().count();
    }
    let _ = xml::declared_namespaces(input, xml::Limits::default());

    let wsd = wsdiscovery::parse(input);
    if let Ok(message) = &wsd {
        let _ = (message.kind(), message.header());
        if let wsdiscovery::Message::ProbeMatches { matches, .. } = message {
            for m in matches {
                let _ = (m.is_onvif(), m.onvif_scopes());
            }
        }
        if let Some(relates_to) = &message.header().relates_to {
            let _ = wsdiscovery::relates_to_matches(relates_to, "urn:uuid:x");
        }
    }
    let words: Vec<String> = xml::split_whitespace(&String::from_utf8_lossy(input))
        .map(str::to_owned)
        .collect();
    let _ = wsdiscovery::Scopes::parse(&words);
    let _ = wsdiscovery::relates_to_matches(&String::from_utf8_lossy(input), "uuid:x");

    let onvif_ok = [
        onvif::parse_device_information(input).is_ok(),
        onvif::parse_system_date_and_time(input)
            .map(|r| {
                if let onvif::Response::Body(b) = r {
                    let _ = b.utc.map(|d| d.unix_seconds());
                }
            })
            .is_ok(),
        onvif::parse_network_interfaces(input).is_ok(),
        onvif::parse_scopes(input).is_ok(),
        onvif::parse_hostname(input).is_ok(),
        onvif::parse_capabilities(input).is_ok(),
        onvif::parse_services(input).is_ok(),
        onvif::parse_fault(input).is_ok(),
    ];
    let _ = onvif::declared_namespaces(input);
    Accepted {
        xml: doc.is_ok(),
        wsd: wsd.is_ok(),
        onvif: onvif_ok.iter().any(|ok| *ok),
    }
}

struct Accepted {
    xml: bool,
    wsd: bool,
    onvif: bool,
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/real");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_and_every_half() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() > 100,
        "fixture directory looks empty: {}",
        fixtures.len()
    );
    let mut xml_ok = 0;
    for (name, bytes) in &fixtures {
        if run_all(bytes).xml {
            xml_ok += 1;
        }
        let mid = bytes.len() / 2;
        let (head, tail) = bytes.split_at(mid);
        for half in [head, tail] {
            let got = run_all(half);
            // Half a SOAP document is never a whole one.
            if name.ends_with(".xml") && bytes.starts_with(b"<?xml") {
                assert!(!got.wsd && !got.onvif, "{name}: half accepted");
            }
        }
        // Prefixes of small captures, as truncated datagrams (every 5th length: the debug-build
        // sweep stays around a second).
        if bytes.len() < 1500 {
            for end in (0..bytes.len()).step_by(5) {
                run_all(bytes.get(..end).unwrap());
            }
        }
    }
    assert!(xml_ok > 60, "only {xml_ok} fixtures parsed as XML");
}

fn soap(body: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>{body}</s:Body></s:Envelope>"
    )
}

#[test]
fn hostile_documents_are_refused() {
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let deep_soap = soap(&format!(
        "{}{}",
        "<x>".repeat(10_000),
        "</x>".repeat(10_000)
    ));
    let unclosed = "<a>".repeat(10_000);
    let big_text = soap(&format!("<m>{}</m>", "A".repeat(1 << 20)));
    let bomb = concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">",
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">",
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>",
        "<lolz>&lol3;</lolz>"
    );
    let xxe = "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
    let undefined_entity = soap("<m>&lol3;</m>");
    let many_elements = soap(&"<e/>".repeat(20_000));
    let many_namespaces = soap(
        &(0..400)
            .map(|i| format!("<p{i}:e xmlns:p{i}=\"urn:ns:{i}\"/>"))
            .collect::<String>(),
    );
    let many_attrs = soap(&format!(
        "<e {}/>",
        (0..200)
            .map(|i| format!("xmlns:p{i}=\"u\""))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("10k deep", deep.into_bytes(), "TooDeep"),
        ("10k deep in soap", deep_soap.into_bytes(), "TooDeep"),
        ("10k unclosed", unclosed.into_bytes(), "TooDeep"),
        ("1 MiB text", big_text.into_bytes(), "TooLarge"),
        ("entity bomb", bomb.as_bytes().to_vec(), "Dtd"),
        ("external entity", xxe.as_bytes().to_vec(), "Dtd"),
        ("undefined entity", undefined_entity.into_bytes(), "Syntax"),
        (
            "20k elements",
            many_elements.into_bytes(),
            "TooManyElements",
        ),
        (
            "400 namespaces",
            many_namespaces.into_bytes(),
            "TooManyNamespaces",
        ),
        (
            "200 declarations in scope (quick-xml caps 128)",
            many_attrs.into_bytes(),
            "Syntax",
        ),
        ("nul bytes", vec![0; 4096], "Syntax"),
        ("lone bom", b"\xEF\xBB\xBF".to_vec(), "Empty"),
        ("empty", Vec::new(), "Empty"),
        ("only whitespace", b" \r\n\t ".repeat(1000), "Empty"),
    ];
    for (name, input, want) in cases {
        let got = run_all(&input);
        assert!(!got.xml && !got.wsd && !got.onvif, "{name} was accepted");
        let err = format!("{:?}", xml::parse(&input).err());
        assert!(err.starts_with(&format!("Some({want}")), "{name}: {err}");
    }
}

/// Plain attributes are read on demand: many of them cost parse time only in proportion to the
/// (size-capped) input, and every one is still there.
#[test]
fn many_plain_attributes_are_bounded_by_size_only() {
    let attrs = (0..21_000)
        .map(|i| format!("a{i}=\"\""))
        .collect::<Vec<_>>()
        .join(" ");
    let input = format!("<e {attrs}/>");
    let doc = xml::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.root().attributes().count(), 21_000);
}

#[test]
fn invalid_utf8_markup_is_not_soap() {
    // Decoded lossily, the names become U+FFFD: well-formed XML, but no SOAP namespace.
    let input =
        b"<\xff\xfe:Envelope xmlns:\xff\xfe=\"\xc3\x28\"><\xff\xfe:Body/></\xff\xfe:Envelope>";
    let got = run_all(input);
    assert!(got.xml && !got.wsd && !got.onvif);
}

#[test]
fn invalid_utf8_in_values_is_replaced_not_fatal() {
    let doc = soap(concat!(
        "<GetDeviceInformationResponse xmlns=\"http://www.onvif.org/ver10/device/wsdl\">",
        "<Manufacturer>Caf\u{0}</Manufacturer></GetDeviceInformationResponse>"
    ))
    .replace("Caf\u{0}", "Caf\u{FFFD}");
    let mut bytes = doc.into_bytes();
    // Swap the replacement character for a raw Latin-1 byte.
    let at = bytes
        .windows(3)
        .position(|w| w == "\u{FFFD}".as_bytes())
        .unwrap();
    bytes.splice(at..at + 3, [0xE9]);
    let Ok(onvif::Response::Body(info)) = onvif::parse_device_information(&bytes) else {
        panic!("latin-1 byte rejected the whole reply");
    };
    assert_eq!(info.manufacturer.as_deref(), Some("Caf\u{FFFD}"));
}
