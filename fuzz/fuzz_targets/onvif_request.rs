//! ONVIF request builder against the XML reader: every operation's envelope, with or without a
//! UsernameToken made of arbitrary username/password/nonce/created, is a SOAP 1.2 envelope whose
//! body names the operation and whose token fields read back as built; the password itself never
//! appears in the request. `UsernameToken::header_xml` parses standing alone. The input length
//! picks the operation.
#![no_main]

use camaudit_protocol::auth::UsernameToken;
use camaudit_protocol::onvif::{self, Operation};
use camaudit_protocol::{ns, xml};
use libfuzzer_sys::fuzz_target;

/// What the XML reader gives back for text the builder wrote: C0 controls other than tab and
/// line ends are dropped by the builder, line ends are normalised by the reader.
fn as_read(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    kept.replace("\r\n", "\n").replace('\r', "\n")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{1}');
    let username = parts.next().unwrap_or_default();
    let password = parts.next().unwrap_or_default();
    let nonce = parts.next().unwrap_or_default().as_bytes();
    let created = parts.next().unwrap_or_default();
    if username.len() > 1024 || created.len() > 1024 || nonce.len() > 1024 {
        return;
    }
    let token = UsernameToken::new(username, password, nonce, created);
    let reference = UsernameToken::new(username, "", nonce, created);

    let header = token.header_xml();
    let doc = xml::parse(header.as_bytes()).expect("header_xml is well-formed");
    assert!(doc.root().is(ns::WSSE, "Security"));

    let op = Operation::ALL[data.len() % Operation::ALL.len()];
    for with_token in [false, true] {
        let bytes = onvif::request(op, with_token.then_some(&token));
        let doc = xml::parse(&bytes).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        let root = doc.root();
        assert!(root.is(ns::SOAP12, "Envelope"));
        let body = root.child(ns::SOAP12, "Body").expect("Body");
        assert!(body.child(ns::ONVIF_DEVICE, op.name()).is_some(), "{op:?}");
        let security = root
            .child(ns::SOAP12, "Header")
            .and_then(|h| h.child(ns::WSSE, "Security"));
        assert_eq!(security.is_some(), with_token);
        let Some(security) = security else { continue };
        let ut = security
            .child(ns::WSSE, "UsernameToken")
            .expect("UsernameToken");
        assert_eq!(
            ut.child_text(ns::WSSE, "Username"),
            Some(as_read(username).as_str())
        );
        assert_eq!(
            ut.child_text(ns::WSSE, "Password"),
            Some(token.digest_b64.as_str())
        );
        assert_eq!(
            ut.child_text(ns::WSSE, "Nonce"),
            Some(token.nonce_b64.as_str())
        );
        assert_eq!(
            ut.child_text(ns::WSU, "Created"),
            Some(as_read(created).as_str())
        );
        // A password that is not part of the surrounding request must not be in it.
        let without = onvif::request(op, Some(&reference));
        let haystack = String::from_utf8_lossy(&bytes);
        if password.len() >= 8
            && !String::from_utf8_lossy(&without).contains(password)
            && !token.digest_b64.contains(password)
        {
            assert!(!haystack.contains(password), "password in the request");
        }
    }
});
