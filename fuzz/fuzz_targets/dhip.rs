//! DHIP datagram and body parsers; the search request must round-trip whatever filter it gets.
#![no_main]

use camaudit_protocol::dhip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dhip::parse(data);
    let _ = dhip::parse_body(data);
    if let Ok(p) = dhip::Packet::new_checked(data) {
        assert!(p.body().len() <= data.len() - dhip::HEADER_LEN);
    }
    let filter = String::from_utf8_lossy(data);
    let filter = filter.trim();
    if !filter.is_empty() && filter.len() <= 512 {
        match dhip::parse(&dhip::search_request(filter)) {
            Ok(dhip::Message::Search { mac_filter }) => {
                assert_eq!(mac_filter.as_deref(), Some(filter));
            }
            other => panic!("search request did not round-trip: {other:?}"),
        }
    }
});
