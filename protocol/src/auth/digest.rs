//! HTTP Digest responses (RFC 7616 section 3.4, with RFC 2617 and RFC 2069 compatibility): the
//! hash functions and the `Authorization` header value. Choosing a challenge is `challenge`'s job.

use std::fmt::Write as _;

use md5::Md5;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;

use super::DigestChallenge;

/// Digest algorithm (RFC 7616 section 3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    /// The token as it appears in `algorithm=` (RFC 7616 section 6.1).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Parses an `algorithm=` value, case-insensitively. `None` for algorithms we do not
    /// implement (e.g. `SHA-512-256`).
    pub fn from_token(token: &str) -> Option<Self> {
        [Self::Md5, Self::Md5Sess, Self::Sha256, Self::Sha256Sess]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(token))
    }

    pub fn is_session(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }

    /// Lowercase hex of the hash of `parts` joined by `:`.
    fn hex(self, parts: &[&str]) -> String {
        match self {
            Self::Md5 | Self::Md5Sess => hex_digest::<Md5>(parts),
            Self::Sha256 | Self::Sha256Sess => hex_digest::<Sha256>(parts),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn hex_digest<D: sha2::Digest>(parts: &[&str]) -> String {
    let mut hasher = D::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update(b":");
        }
        hasher.update(part.as_bytes());
    }
    let mut out = String::with_capacity(64);
    for byte in hasher.finalize() {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Builds the `Authorization` header value for `method` `uri`, with qop=auth when offered.
///
/// Without `qop` in the challenge the RFC 2069 response is computed (no `nc`/`cnonce`). `nc` is
/// the nonce count, written as 8 hex digits. Values that cannot travel in a quoted-string
/// (control characters) are dropped from `realm`, `nonce`, `uri` and `opaque`, which makes the
/// response fail rather than inject a header; a username that is not printable ASCII is sent as
/// `username*` (RFC 7616 section 3.4.4).
pub fn digest_authorization(
    challenge: &DigestChallenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> String {
    let alg = challenge.algorithm;
    let realm = printable(&challenge.realm);
    let nonce = printable(&challenge.nonce);
    let uri = printable(uri);
    let method = printable(method);
    let cnonce = printable(cnonce);
    let qop_auth = challenge.qop.iter().any(|q| q.eq_ignore_ascii_case("auth"));
    let nc = format!("{nc:08x}");

    let mut ha1 = alg.hex(&[username, &realm, password]);
    if alg.is_session() {
        ha1 = alg.hex(&[&ha1, &nonce, &cnonce]);
    }
    let ha2 = alg.hex(&[&method, &uri]);
    let response = if qop_auth {
        alg.hex(&[&ha1, &nonce, &nc, &cnonce, "auth", &ha2])
    } else {
        alg.hex(&[&ha1, &nonce, &ha2])
    };

    let mut out = String::from("Digest ");
    // Writing to a String cannot fail.
    if challenge.userhash {
        let _ = write!(out, "username=\"{}\"", alg.hex(&[username, &realm]));
    } else if username.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        let _ = write!(out, "username={}", Quoted(username));
    } else {
        let _ = write!(
            out,
            "username*=UTF-8''{}",
            utf8_percent_encode(username, ATTR_CHAR)
        );
    }
    let _ = write!(
        out,
        ", realm={}, uri={}, algorithm={alg}",
        Quoted(&realm),
        Quoted(&uri)
    );
    let _ = write!(out, ", nonce={}", Quoted(&nonce));
    if qop_auth {
        let _ = write!(out, ", nc={nc}, cnonce={}, qop=auth", Quoted(&cnonce));
    }
    let _ = write!(out, ", response=\"{response}\"");
    if let Some(opaque) = &challenge.opaque {
        let _ = write!(out, ", opaque={}", Quoted(&printable(opaque)));
    }
    if challenge.userhash {
        out.push_str(", userhash=true");
    }
    out
}

/// RFC 8187 `attr-char`: everything else is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// A quoted-string with `"` and `\` escaped (RFC 9110 section 5.6.4).
struct Quoted<'a>(&'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            if c == '"' || c == '\\' {
                f.write_char('\\')?;
            }
            f.write_char(c)?;
        }
        f.write_char('"')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Challenge, best_digest, parse_www_authenticate};

    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

    fn rfc7616_challenge(algorithm: &str) -> DigestChallenge {
        let header = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
             algorithm={algorithm}, nonce=\"{RFC7616_NONCE}\", opaque=\"{RFC7616_OPAQUE}\""
        );
        let challenges = parse_www_authenticate(&header).expect("RFC example parses");
        best_digest(&challenges)
            .expect("RFC example is usable")
            .clone()
    }

    /// Pulls `name=value` out of an Authorization value (test-side, independent of the parser).
    fn param(header: &str, name: &str) -> Option<String> {
        let rest = header.strip_prefix("Digest ")?;
        rest.split(", ").find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.trim_matches('"').to_owned())
        })
    }

    /// RFC 7616 section 3.9.1 (MD5 and SHA-256) and RFC 2617 section 3.5.
    #[test]
    fn rfc_vectors() {
        let rfc2617 = parse_www_authenticate(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .expect("RFC 2617 example parses");
        let Some(Challenge::Digest(rfc2617)) = rfc2617.into_iter().next() else {
            panic!("RFC 2617 example is a Digest challenge");
        };
        let cases = [
            (
                rfc7616_challenge("MD5"),
                ("Mufasa", "Circle of Life", RFC7616_CNONCE),
                "8ca523f5e9506fed4657c9700eebdbec",
            ),
            (
                rfc7616_challenge("SHA-256"),
                ("Mufasa", "Circle of Life", RFC7616_CNONCE),
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
            (
                rfc2617,
                ("Mufasa", "Circle Of Life", "0a4f113b"),
                "6629fae49393a05397450978507c4ef1",
            ),
        ];
        for (challenge, (user, password, cnonce), expected) in cases {
            let header = digest_authorization(
                &challenge,
                user,
                password,
                "GET",
                "/dir/index.html",
                cnonce,
                1,
            );
            assert_eq!(
                param(&header, "response").as_deref(),
                Some(expected),
                "{header}"
            );
            assert_eq!(param(&header, "username").as_deref(), Some("Mufasa"));
            assert_eq!(param(&header, "realm"), Some(challenge.realm.clone()));
            assert_eq!(param(&header, "nonce"), Some(challenge.nonce.clone()));
            assert_eq!(param(&header, "uri").as_deref(), Some("/dir/index.html"));
            assert_eq!(param(&header, "nc").as_deref(), Some("00000001"));
            assert_eq!(param(&header, "qop").as_deref(), Some("auth"));
            assert_eq!(param(&header, "cnonce").as_deref(), Some(cnonce));
            assert_eq!(param(&header, "opaque"), challenge.opaque.clone());
            assert_eq!(
                param(&header, "algorithm").as_deref(),
                Some(challenge.algorithm.as_str())
            );
            assert!(!header.contains(password));
        }
    }

    #[test]
    fn rfc7616_full_header_shape() {
        let header = digest_authorization(
            &rfc7616_challenge("SHA-256"),
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            RFC7616_CNONCE,
            1,
        );
        assert_eq!(
            header,
            format!(
                "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
                 uri=\"/dir/index.html\", algorithm=SHA-256, nonce=\"{RFC7616_NONCE}\", \
                 nc=00000001, cnonce=\"{RFC7616_CNONCE}\", qop=auth, \
                 response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", \
                 opaque=\"{RFC7616_OPAQUE}\""
            )
        );
    }

    /// Expected values recomputed with Python's hashlib from the RFC formulas.
    #[test]
    fn session_rfc2069_userhash_and_nc() {
        let base = DigestChallenge {
            realm: "Login to 2J01018PAA00813".into(),
            nonce: "b252aWYtZGlnZXN0OjQzMjYxNjc5MTQw".into(),
            opaque: Some(String::new()),
            algorithm: Algorithm::Md5,
            qop: vec!["auth".into()],
            stale: false,
            userhash: false,
        };
        let cases = [
            // MD5-sess: HA1 = MD5(MD5(user:realm:pw):nonce:cnonce).
            (
                DigestChallenge {
                    algorithm: Algorithm::Md5Sess,
                    ..base.clone()
                },
                0x1f,
                "response",
                "525350d526475f498011d9fcb921ffde",
            ),
            // SHA-256-sess.
            (
                DigestChallenge {
                    algorithm: Algorithm::Sha256Sess,
                    ..base.clone()
                },
                1,
                "response",
                "db8b305097d1aff523e12d25cf609e2d6626f651cc9286003eba03b105cdb4bf",
            ),
            // RFC 2069: no qop, response = MD5(HA1:nonce:HA2).
            (
                DigestChallenge {
                    qop: Vec::new(),
                    ..base.clone()
                },
                1,
                "response",
                "3431975e192edf022608023fb434766e",
            ),
            // userhash: username = H(user:realm).
            (
                DigestChallenge {
                    userhash: true,
                    ..base
                },
                1,
                "username",
                "b98110edd0ba32b4c2bc14cbf927b28d",
            ),
        ];
        for (challenge, nc, field, expected) in cases {
            let header = digest_authorization(
                &challenge,
                "admin",
                "pass word",
                "POST",
                "/onvif/device_service",
                "0a4f113b",
                nc,
            );
            assert_eq!(param(&header, field).as_deref(), Some(expected), "{header}");
        }
    }

    #[test]
    fn header_fields_are_quoted_and_cannot_inject() {
        let challenge = DigestChallenge {
            realm: "r\"e\\alm".into(),
            nonce: "n\r\nX-Evil: 1".into(),
            opaque: None,
            algorithm: Algorithm::Md5,
            qop: Vec::new(),
            stale: false,
            userhash: false,
        };
        let cases = [
            ("ad\"min", "username=\"ad\\\"min\""),
            ("back\\slash", "username=\"back\\\\slash\""),
            ("Jäsøn Doe", "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"),
            ("ev\r\nil", "username*=UTF-8''ev%0D%0Ail"),
        ];
        for (username, expected) in cases {
            let header = digest_authorization(&challenge, username, "pw", "GET", "/a\r\nb", "c", 1);
            assert!(
                header.starts_with(&format!("Digest {expected}, ")),
                "{header}"
            );
            assert!(header.contains(r#"realm="r\"e\\alm""#), "{header}");
            assert!(header.contains(r#"nonce="nX-Evil: 1""#), "{header}");
            assert!(header.contains(r#"uri="/ab""#), "{header}");
            assert!(!header.chars().any(char::is_control), "{header:?}");
            // RFC 2069 mode: no qop, nc or cnonce.
            for absent in ["qop=", "nc=", "cnonce=", "opaque=", "userhash"] {
                assert!(!header.contains(absent), "{absent} in {header}");
            }
        }
    }

    #[test]
    fn nc_is_eight_hex_digits_and_userhash_is_flagged() {
        let mut challenge = rfc7616_challenge("MD5");
        for (nc, expected) in [(0, "00000000"), (0x1f, "0000001f"), (u32::MAX, "ffffffff")] {
            let header = digest_authorization(&challenge, "u", "p", "GET", "/", "c", nc);
            assert_eq!(param(&header, "nc").as_deref(), Some(expected));
        }
        challenge.userhash = true;
        let header = digest_authorization(&challenge, "Mufasa", "p", "GET", "/", "c", 1);
        assert!(header.ends_with(", userhash=true"), "{header}");
        assert!(!header.contains("Mufasa"), "{header}");
    }
}
