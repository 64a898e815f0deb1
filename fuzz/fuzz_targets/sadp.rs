//! SADP reply/probe parser; the version normaliser must be idempotent.
#![no_main]

use camaudit_protocol::sadp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sadp::Message::Reply(r)) = sadp::parse(data)
        && let Some(fw) = &r.firmware
    {
        assert_eq!(&sadp::normalize_version(fw), fw);
    }
    let text = String::from_utf8_lossy(data);
    let once = sadp::normalize_version(&text);
    assert_eq!(sadp::normalize_version(&once), once);
});
