//! ISAPI deviceInfo parser and namespace rule.
#![no_main]

use camaudit_protocol::isapi;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(isapi::Response::DeviceInfo(d)) = isapi::parse_device_info(data) {
        let _ = d.firmware();
    }
    let _ = isapi::is_isapi_namespace(&String::from_utf8_lossy(data));
});
