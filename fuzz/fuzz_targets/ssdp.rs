//! SSDP parser; an M-SEARCH built from any search target parses back as a search.
#![no_main]

use camaudit_protocol::ssdp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ssdp::Message::Reply(r)) = ssdp::parse(data) {
        let _ = r.uuid();
    }
    let st = String::from_utf8_lossy(data);
    let mx = data.first().copied().unwrap_or(0);
    let built = ssdp::m_search(&st, mx);
    if built.len() <= ssdp::MAX_DATAGRAM {
        assert!(matches!(ssdp::parse(&built), Ok(ssdp::Message::Search { .. })));
    }
});
