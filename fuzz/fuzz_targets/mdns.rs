//! DNS reader and Axis interpretation; a PTR query built from any valid name parses back.
#![no_main]

use camaudit_protocol::mdns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mdns::Message::Response(r)) = mdns::parse(data) {
        let _ = mdns::axis_devices(&r);
    }
    let name = String::from_utf8_lossy(data);
    if let Ok(q) = mdns::query(&name, false) {
        match mdns::parse(&q) {
            Ok(mdns::Message::Query { questions }) => {
                assert_eq!(questions.len(), 1);
                assert_eq!(questions[0].0, name.trim_end_matches('.'));
            }
            other => panic!("query did not round-trip: {other:?}"),
        }
    }
});
