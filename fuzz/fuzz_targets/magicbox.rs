//! Dahua magicBox key=value parser.
#![no_main]

use camaudit_protocol::magicbox;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut info) = magicbox::parse(data) {
        let _ = info.model();
        info.merge(magicbox::MagicBoxInfo::default());
    }
});
