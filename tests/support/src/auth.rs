//! Camera-side credential checks: WS-UsernameToken PasswordDigest (with the camera's clock
//! window) and HTTP Digest (RFC 7616, MD5 and SHA-256, qop=auth).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha1::Digest;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::soap::{PASSWORD_DIGEST, UsernameToken};

/// How far a token's Created may be from the camera clock (seconds).
pub const TOKEN_WINDOW_SECS: i64 = 300;

/// Why a camera refused credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rejection {
    /// No credentials where they are needed.
    Missing,
    /// Credentials of the other kind (digest header to a WS-token camera, or the reverse).
    WrongScheme,
    /// A plain-text password (UsernameToken PasswordText or HTTP Basic).
    PlainText,
    Malformed,
    UnknownUser,
    BadDigest,
    /// Token Created outside the camera clock's window.
    ClockSkew,
    /// Digest nonce or realm not the camera's.
    WrongNonce,
    UnsupportedAlgorithm,
}

/// Checks a UsernameToken against the camera's credentials and clock.
pub fn verify_username_token(
    token: &UsernameToken,
    user: &str,
    pass: &str,
    camera_now: OffsetDateTime,
) -> Result<(), Rejection> {
    if token.password_type.as_deref() != Some(PASSWORD_DIGEST) {
        return Err(Rejection::PlainText);
    }
    if token.username != user {
        return Err(Rejection::UnknownUser);
    }
    let nonce = BASE64
        .decode(token.nonce.as_bytes())
        .map_err(|_| Rejection::Malformed)?;
    if nonce.is_empty() || nonce.len() > 128 {
        return Err(Rejection::Malformed);
    }
    let created =
        OffsetDateTime::parse(&token.created, &Rfc3339).map_err(|_| Rejection::Malformed)?;
    if (created - camera_now).whole_seconds().abs() > TOKEN_WINDOW_SECS {
        return Err(Rejection::ClockSkew);
    }
    if password_digest(&nonce, &token.created, pass) != token.password {
        return Err(Rejection::BadDigest);
    }
    Ok(())
}

/// `Base64(SHA1(nonce ‖ created ‖ password))` (WS-Security UsernameToken Profile 1.0).
pub fn password_digest(nonce: &[u8], created: &str, pass: &str) -> String {
    let mut sha = sha1::Sha1::new();
    sha.update(nonce);
    sha.update(created.as_bytes());
    sha.update(pass.as_bytes());
    BASE64.encode(sha.finalize())
}

/// One camera's digest challenge.
#[derive(Clone, Debug)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub sha256: bool,
}

impl DigestChallenge {
    /// Dahua-style: realm `Login to <serial>`, nonce `base64("onvif-digest:<n>")`.
    pub fn for_camera(serial: &str, nonce_seed: u64, sha256: bool) -> Self {
        Self {
            realm: format!("Login to {serial}"),
            nonce: BASE64.encode(format!("onvif-digest:{}", nonce_seed % 100_000_000_000)),
            sha256,
        }
    }

    /// `WWW-Authenticate` values, MD5 first.
    pub fn headers(&self) -> Vec<String> {
        let mut out = vec![self.header("MD5")];
        if self.sha256 {
            out.push(self.header("SHA-256"));
        }
        out
    }

    fn header(&self, algorithm: &str) -> String {
        format!(
            "Digest realm=\"{}\", qop=\"auth\", nonce=\"{}\", algorithm={algorithm}",
            self.realm, self.nonce
        )
    }

    /// Checks an `Authorization: Digest …` value for `method` on `request_uri`.
    pub fn verify(
        &self,
        authorization: &str,
        method: &str,
        request_uri: &str,
        user: &str,
        pass: &str,
    ) -> Result<(), Rejection> {
        let (scheme, rest) = authorization
            .trim()
            .split_once(' ')
            .unwrap_or((authorization, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Err(Rejection::PlainText);
        }
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(Rejection::WrongScheme);
        }
        let params = parse_params(rest).ok_or(Rejection::Malformed)?;
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        };
        let hash: fn(&str) -> String = match get("algorithm") {
            None => md5_hex,
            Some(a) if a.eq_ignore_ascii_case("MD5") => md5_hex,
            Some(a) if a.eq_ignore_ascii_case("SHA-256") && self.sha256 => sha256_hex,
            Some(_) => return Err(Rejection::UnsupportedAlgorithm),
        };
        let field = |key: &str| get(key).ok_or(Rejection::Malformed);
        if field("username")? != user {
            return Err(Rejection::UnknownUser);
        }
        if field("realm")? != self.realm || field("nonce")? != self.nonce {
            return Err(Rejection::WrongNonce);
        }
        let uri = field("uri")?;
        if uri != request_uri {
            return Err(Rejection::Malformed);
        }
        let ha1 = hash(&format!("{user}:{}:{pass}", self.realm));
        let ha2 = hash(&format!("{method}:{uri}"));
        let expected = match get("qop") {
            Some(qop) if qop.eq_ignore_ascii_case("auth") => {
                let (nc, cnonce) = (field("nc")?, field("cnonce")?);
                hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce))
            }
            Some(_) => return Err(Rejection::Malformed),
            None => hash(&format!("{ha1}:{}:{ha2}", self.nonce)),
        };
        if !field("response")?.eq_ignore_ascii_case(&expected) {
            return Err(Rejection::BadDigest);
        }
        Ok(())
    }
}

pub fn md5_hex(text: &str) -> String {
    hex(&md5::Md5::digest(text.as_bytes()))
}

pub fn sha256_hex(text: &str) -> String {
    hex(&sha2::Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `k=v, k="quoted \"v\""` → pairs; `None` on broken quoting. At most 32 pairs.
fn parse_params(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if out.len() >= 32 {
            return None;
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim().to_owned();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => v.push(chars.next()?.1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => v.push(c),
                }
            }
            value = v;
            rest = &quoted[end?..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        out.push((key, value));
        rest = rest
            .trim_start()
            .strip_prefix(',')
            .unwrap_or(rest)
            .trim_start();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn password_digest_matches_the_onvif_guide_vector() {
        // ONVIF Application Programmer's Guide vector (PROTOCOLS.md b2).
        let nonce = BASE64.decode("LKqI6G/AikKCQrN0zqZFlg==").unwrap();
        assert_eq!(
            password_digest(&nonce, "2010-09-16T07:50:45Z", "userpassword"),
            "tuOSpGlFlIXsozq4HFNeeGeFLEI="
        );
    }

    fn token(created: &str, pass: &str) -> UsernameToken {
        let nonce = b"0123456789abcdef";
        UsernameToken {
            username: "admin".into(),
            password: password_digest(nonce, created, pass),
            password_type: Some(PASSWORD_DIGEST.into()),
            nonce: BASE64.encode(nonce),
            created: created.into(),
        }
    }

    #[test]
    fn username_token_table() {
        let now = datetime!(2024-05-01 12:00:00 UTC);
        let mut text = token("2024-05-01T12:00:00Z", "pw");
        text.password_type = None;
        let cases = [
            (token("2024-05-01T12:00:00Z", "pw"), Ok(())),
            (token("2024-05-01T12:04:59.5Z", "pw"), Ok(())),
            (
                token("2024-05-01T12:05:01Z", "pw"),
                Err(Rejection::ClockSkew),
            ),
            (
                token("2024-05-01T11:54:00Z", "pw"),
                Err(Rejection::ClockSkew),
            ),
            (
                token("2024-05-01T12:00:00Z", "other"),
                Err(Rejection::BadDigest),
            ),
            (token("yesterday", "pw"), Err(Rejection::Malformed)),
            (text, Err(Rejection::PlainText)),
        ];
        for (tok, expected) in cases {
            assert_eq!(
                verify_username_token(&tok, "admin", "pw", now),
                expected,
                "{tok:?}"
            );
        }
    }

    /// A client-side digest, written independently of `verify`.
    fn authorization(ch: &DigestChallenge, algorithm: &str, pass: &str, uri: &str) -> String {
        let h: fn(&str) -> String = if algorithm == "SHA-256" {
            sha256_hex
        } else {
            md5_hex
        };
        let ha1 = h(&format!("admin:{}:{pass}", ch.realm));
        let ha2 = h(&format!("POST:{uri}"));
        let response = h(&format!("{ha1}:{}:00000001:c0ffee:auth:{ha2}", ch.nonce));
        format!(
            "Digest username=\"admin\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
             algorithm={algorithm}, response=\"{response}\", qop=auth, nc=00000001, \
             cnonce=\"c0ffee\"",
            ch.realm, ch.nonce
        )
    }

    #[test]
    fn digest_table() {
        let ch = DigestChallenge::for_camera("6C01E93PAG69A7D", 43_261_679_140, true);
        assert_eq!(ch.realm, "Login to 6C01E93PAG69A7D");
        // The nonce a real Dahua sent (http-banners-and-auth-challenges.txt).
        assert_eq!(ch.nonce, "b252aWYtZGlnZXN0OjQzMjYxNjc5MTQw");
        let md5_only = DigestChallenge {
            sha256: false,
            ..ch.clone()
        };
        let uri = "/onvif/device_service";
        let cases = [
            (&ch, authorization(&ch, "MD5", "pw", uri), Ok(())),
            (&ch, authorization(&ch, "SHA-256", "pw", uri), Ok(())),
            (
                &md5_only,
                authorization(&ch, "SHA-256", "pw", uri),
                Err(Rejection::UnsupportedAlgorithm),
            ),
            (
                &ch,
                authorization(&ch, "MD5", "bad", uri),
                Err(Rejection::BadDigest),
            ),
            (
                &ch,
                authorization(&ch, "MD5", "pw", "/other"),
                Err(Rejection::Malformed),
            ),
            (
                &ch,
                "Basic YWRtaW46cHc=".to_owned(),
                Err(Rejection::PlainText),
            ),
            (
                &ch,
                "Digest username=\"admin".to_owned(),
                Err(Rejection::Malformed),
            ),
        ];
        for (challenge, header, expected) in cases {
            assert_eq!(
                challenge.verify(&header, "POST", uri, "admin", "pw"),
                expected,
                "{header}"
            );
        }
        assert_eq!(ch.headers().len(), 2);
        assert!(ch.headers()[1].ends_with("algorithm=SHA-256"));
    }

    #[test]
    fn params_parse_quotes_and_escapes() {
        let p = parse_params(r#"a=1, b="x, \"y\"", c = "" "#).unwrap();
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x, \"y\"".into()),
                ("c".into(), String::new())
            ]
        );
    }
}
