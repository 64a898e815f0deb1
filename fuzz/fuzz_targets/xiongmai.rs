//! Xiongmai datagram, NetCommon and SystemInfo parsers, and the hex IPv4 decoder.
#![no_main]

use camaudit_protocol::xiongmai;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xiongmai::parse(data);
    let _ = xiongmai::parse_net_common(data);
    if let Ok(si) = xiongmai::parse_system_info(data) {
        let _ = si.board_id();
    }
    let _ = xiongmai::hex_ipv4(&String::from_utf8_lossy(data));
});
