//! ONVIF scope decoding: never panics, every decoded value within its cap.
#![no_main]

use camaudit_protocol::onvif::MAX_FIELD_CHARS;
use camaudit_protocol::wsdiscovery::{MAX_SCOPES, Scopes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let raw: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let s = Scopes::parse(&raw);
    for v in [&s.name, &s.hardware, &s.mac, &s.serial]
        .into_iter()
        .flatten()
    {
        assert!(v.chars().count() <= MAX_FIELD_CHARS);
        assert!(!v.is_empty() && !v.chars().any(char::is_control), "{v:?}");
    }
    let lists = s.location.len() + s.profiles.len() + s.types.len() + s.other.len();
    assert!(lists <= MAX_SCOPES);
    for v in s.location.iter().chain(&s.profiles).chain(&s.types) {
        assert!(v.chars().count() <= MAX_FIELD_CHARS);
    }
});
