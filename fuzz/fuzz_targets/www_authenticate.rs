//! `WWW-Authenticate` parsing, the digest choice and the `Authorization` value built from any
//! challenge it returns: never panics, and the header value never carries a line break (no
//! header injection from a hostile challenge).
#![no_main]

use camaudit_protocol::auth::{self, Challenge};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(challenges) = auth::parse_www_authenticate(value) else {
        return;
    };
    assert!(!challenges.is_empty());
    let best = auth::best_digest(&challenges);
    if let Some(b) = best {
        assert!(
            challenges
                .iter()
                .any(|c| matches!(c, Challenge::Digest(d) if d == b))
        );
    }
    for c in &challenges {
        let Challenge::Digest(d) = c else { continue };
        for (user, uri) in [("admin", "/onvif/device_service"), ("üser\u{7f}", "/a b")] {
            let h =
                auth::digest_authorization(d, user, "pa\"ss\r\nword", "POST", uri, "0a1b2c3d", 1);
            assert!(h.starts_with("Digest "), "{h}");
            assert!(!h.contains(['\r', '\n', '\0']), "line break in {h:?}");
            assert!(!h.contains("pa\"ss"), "password in {h:?}");
        }
    }
});
