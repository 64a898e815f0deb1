//! Authentication for cameras: WS-UsernameToken PasswordDigest (ONVIF) and HTTP Digest (RFC 7616).
//! Nonces, cnonces and timestamps are arguments: nothing here reads a clock or a random source.
//!
//! - [`UsernameToken`]: the WS-Security header for SOAP requests (`username_token`).
//! - [`parse_www_authenticate`], [`best_digest`]: challenge parsing and choice (`challenge`).
//! - [`digest_authorization`]: the `Authorization` header answering a digest challenge (`digest`).

mod challenge;
mod digest;
mod username_token;

pub use challenge::{
    Challenge, DigestChallenge, MAX_HEADER_LEN, best_digest, parse_www_authenticate,
};
pub use digest::{Algorithm, digest_authorization};
pub use username_token::UsernameToken;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("WWW-Authenticate header is malformed: {0}")]
    Malformed(&'static str),
    #[error("WWW-Authenticate header is {len} bytes, over the {max}-byte limit")]
    TooLong { len: usize, max: usize },
}
