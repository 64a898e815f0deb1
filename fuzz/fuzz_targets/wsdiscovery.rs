//! WS-Discovery datagram parser: never panics, and every list and URI stays within its cap.
#![no_main]

use camaudit_protocol::wsdiscovery::{self, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = wsdiscovery::parse(data) else {
        return;
    };
    let header = message.header();
    for value in [&header.message_id, &header.relates_to, &header.action] {
        if let Some(v) = value {
            assert!(v.chars().count() <= wsdiscovery::MAX_URI_CHARS);
            assert!(!v.is_empty() && v.trim() == v);
        }
    }
    if let Some(r) = &header.relates_to {
        let _ = wsdiscovery::relates_to_matches(r, "urn:uuid:6f0c8c2e-3c57-4b8a-9d5f-0d2a6c1f4e11");
    }
    let _ = message.kind();
    let matches = match &message {
        Message::ProbeMatches { matches, .. } => matches.clone(),
        Message::Hello { endpoint, .. } => vec![endpoint.clone()],
        _ => Vec::new(),
    };
    assert!(matches.len() <= wsdiscovery::MAX_MATCHES);
    for m in &matches {
        assert!(m.scopes.len() <= wsdiscovery::MAX_SCOPES);
        assert!(m.xaddrs.len() <= wsdiscovery::MAX_XADDRS);
        assert!(m.types.len() <= wsdiscovery::MAX_TYPES);
        for uri in m.scopes.iter().chain(&m.xaddrs).chain(&m.endpoint) {
            assert!(uri.chars().count() <= wsdiscovery::MAX_URI_CHARS);
            assert!(!uri.chars().any(char::is_control), "{uri:?}");
        }
        let _ = m.is_onvif();
        let _ = m.onvif_scopes();
    }
});
