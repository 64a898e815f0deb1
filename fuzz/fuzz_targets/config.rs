//! The credentials file (`[[credentials]]` TOML, `camaudit::credentials::parse_file`), the only
//! configuration file on this branch: never panics; every accepted entry has a username and at
//! least one network.
#![no_main]

use std::path::Path;

use camaudit::credentials;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match credentials::parse_file(text, Path::new("/etc/camaudit/creds.toml")) {
        Ok(entries) => {
            for e in entries {
                assert!(!e.username.is_empty());
                assert!(!e.networks.is_empty());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
