//! Bounded HTTP/1.1 client. CONTRACT STUB: being implemented.

use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_body: usize,
    pub max_head: usize,
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(3),
            idle_timeout: Duration::from_secs(3),
            max_body: 256 * 1024,
            max_head: 16 * 1024,
            max_headers: 64,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

pub struct Request<'a> {
    pub method: Method,
    pub addr: SocketAddr,
    pub host: &'a str,
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    pub authorization: Option<&'a str>,
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub struct DigestOutcome;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("stub")]
    Stub,
}

pub async fn send(req: &Request<'_>, limits: &Limits) -> Result<Response, HttpError> {
    let _ = (req, limits);
    Err(HttpError::Stub)
}

pub async fn send_with_digest(
    req: &Request<'_>,
    limits: &Limits,
    username: &str,
    password: &str,
    cnonce: &str,
) -> Result<(Response, DigestOutcome), HttpError> {
    let _ = (req, limits, username, password, cnonce);
    Err(HttpError::Stub)
}
