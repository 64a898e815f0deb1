//! Legacy Dahua UDP 5050 reply parser and packet view.
#![no_main]

use camaudit_protocol::dvrip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dvrip::parse(data);
    if let Ok(p) = dvrip::Packet::new_checked(data) {
        let _ = (p.version(), p.name(), p.mac_text(), p.model(), p.tcp_port());
        assert!(p.text().len() <= data.len());
    }
});
