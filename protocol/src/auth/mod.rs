//! Authentication for cameras: WS-UsernameToken PasswordDigest (ONVIF) and HTTP Digest (RFC 7616).
//! Nonces, cnonces and timestamps are arguments: nothing here reads a clock or a random source.
//! CONTRACT STUB: the public API below is fixed; bodies are being implemented.

/// A WS-Security UsernameToken with PasswordDigest.
#[derive(Clone)]
pub struct UsernameToken {
    pub username: String,
    /// Base64 of the raw nonce.
    pub nonce_b64: String,
    /// `wsu:Created`, UTC, e.g. `2010-09-16T07:50:45Z`.
    pub created: String,
    /// Base64(SHA1(nonce ‖ created ‖ password)).
    pub digest_b64: String,
}

impl UsernameToken {
    pub fn new(username: &str, password: &str, nonce: &[u8], created: &str) -> Self {
        let _ = (username, password, nonce, created);
        unimplemented!("contract stub")
    }
    /// The `<wsse:Security>` header element (namespaces declared on it).
    pub fn header_xml(&self) -> String {
        unimplemented!("contract stub")
    }
}

impl std::fmt::Debug for UsernameToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsernameToken").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Digest algorithm (RFC 7616 section 3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

/// One `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    Digest(DigestChallenge),
    /// `Basic realm=…`: recorded (the realm is evidence), never answered over plain HTTP.
    Basic { realm: Option<String> },
    Other { scheme: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `qop` options offered (e.g. `["auth", "auth-int"]`); empty for RFC 2069 style.
    pub qop: Vec<String>,
    pub stale: bool,
    pub userhash: bool,
}

/// Parses one `WWW-Authenticate` header value (which may hold several challenges).
pub fn parse_www_authenticate(value: &str) -> Result<Vec<Challenge>, Error> {
    let _ = value;
    unimplemented!("contract stub")
}

/// Picks the strongest digest challenge we support (SHA-256 over MD5; qop=auth required
/// unless none offered).
pub fn best_digest(challenges: &[Challenge]) -> Option<&DigestChallenge> {
    let _ = challenges;
    unimplemented!("contract stub")
}

/// Builds the `Authorization` header value for `method` `uri`, with qop=auth when offered.
pub fn digest_authorization(
    challenge: &DigestChallenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> String {
    let _ = (challenge, username, password, method, uri, cnonce, nc);
    unimplemented!("contract stub")
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("WWW-Authenticate header is malformed: {0}")]
    Malformed(&'static str),
    #[error("WWW-Authenticate header is {len} bytes, over the {max}-byte limit")]
    TooLong { len: usize, max: usize },
}
