//! MAC parsing: never panics; whatever parses prints back to the same address.
#![no_main]

use camaudit_protocol::mac::Mac;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(mac) = Mac::parse(&text) else {
        return;
    };
    let shown = mac.to_string();
    assert_eq!(shown.len(), 17);
    assert_eq!(Mac::parse(&shown).ok(), Some(mac));
    assert_eq!(Mac::parse(&mac.key()).ok(), Some(mac));
    assert_eq!(mac.as_u64() >> 24, u64::from(mac.oui24()));
});
