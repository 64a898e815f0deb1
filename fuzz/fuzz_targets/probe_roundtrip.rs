//! Probe builder against the parser: for any MessageID the builder is given, every variant parses
//! back as a Probe carrying that MessageID, cleaned the way every received header value is
//! (trimmed, control characters dropped, at most MAX_URI_CHARS characters).
#![no_main]

use camaudit_protocol::wsdiscovery::{self, MAX_URI_CHARS, Message, ProbeVariant};
use camaudit_protocol::xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let id = String::from_utf8_lossy(data);
    // Longer ids make a datagram the parser refuses by size; that is the size cap, not a bug.
    if id.chars().count() > MAX_URI_CHARS {
        return;
    }
    let want = xml::clean_value(&id, MAX_URI_CHARS);
    for variant in ProbeVariant::ALL {
        let bytes = wsdiscovery::probe(&id, variant);
        match wsdiscovery::parse(&bytes) {
            Ok(Message::Probe { header }) => {
                assert_eq!(header.message_id, want, "{variant:?}");
                assert_eq!(header.relates_to, None);
            }
            other => panic!("{variant:?} with id {id:?} parsed as {other:?}"),
        }
    }
});
