//! Bounded HTTP/1.1 client for camera web services: one request per connection, GET and POST
//! only, redirects never followed, hard caps on head and body size, a per-read idle timeout
//! and a total deadline. Cameras are untrusted: a hostile one costs at most `total_timeout`.
//!
//! hyper is deliberately not used: we need per-read idle timeouts, caps that hold while bytes
//! arrive, and full control of what is sent (no redirects, no pooling, `Connection: close`).
//!
//! - `head`: request encoding and response-head parsing (sans-IO).
//! - `chunked`: the bounded chunked-body decoder (sans-IO).
//! - `conn`: the socket, the timeouts and the body framing.
//! - `digest`: [`send_with_digest`], one HTTP Digest round trip.

mod chunked;
mod conn;
mod digest;
mod head;
#[cfg(test)]
mod test_server;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

pub use digest::{DigestOutcome, send_with_digest};

/// The only methods camaudit sends. The client is read-only by construction: there is no
/// way to express PUT, DELETE or anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    /// For SOAP: ONVIF `Get*` calls are POSTs that read, never write (DESIGN.md section 6).
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// Caps and timeouts for one exchange (connect, request, response).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time allowed for the TCP handshake.
    pub connect_timeout: Duration,
    /// Deadline over the whole exchange, connect included.
    pub total_timeout: Duration,
    /// Longest wait for any single read or write to make progress.
    pub idle_timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub max_body: usize,
    /// Largest response head (status line and headers) accepted, in bytes.
    pub max_head: usize,
    /// Most response headers accepted.
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_body: 256 * 1024,
            max_head: 16 * 1024,
            max_headers: 64,
        }
    }
}

/// One request. The connection goes to `addr` and nowhere else; `host` is only the `Host`
/// header value (include `:port` when it is not 80).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub method: Method,
    pub addr: SocketAddr,
    pub host: &'a str,
    /// Request target, starting with `/`; also the digest `uri`.
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    /// Full `Authorization` header value. Never logged or shown by `Debug`.
    pub authorization: Option<&'a str>,
}

impl<'a> Request<'a> {
    pub fn get(addr: SocketAddr, host: &'a str, path: &'a str) -> Self {
        Self {
            method: Method::Get,
            addr,
            host,
            path,
            content_type: None,
            body: &[],
            authorization: None,
        }
    }

    pub fn post(
        addr: SocketAddr,
        host: &'a str,
        path: &'a str,
        content_type: &'a str,
        body: &'a [u8],
    ) -> Self {
        Self {
            method: Method::Post,
            content_type: Some(content_type),
            body,
            ..Self::get(addr, host, path)
        }
    }
}

impl std::fmt::Debug for Request<'_> {
    /// The body may hold a WS-Security token and the authorization a digest response: only
    /// their presence and length are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("addr", &self.addr)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("authorization", &self.authorization.map(|_| "<redacted>"))
            .finish()
    }
}

/// A complete response. 3xx responses are returned as they are, never followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names and values as received (values trimmed, non-UTF-8 bytes replaced).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header called `name`, in order (e.g. one `WWW-Authenticate` per algorithm).
    pub fn headers_all<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s str> + use<'s, 'n> {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the client was doing when an exchange failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Connect,
    Write,
    Head,
    Body,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting",
            Self::Write => "sending the request",
            Self::Head => "reading the response head",
            Self::Body => "reading the response body",
        })
    }
}

/// Why an exchange failed. Never carries the `Authorization` value or a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    #[error("refusing to send an HTTP request whose {field} has characters not allowed there")]
    InvalidRequest { field: &'static str },
    #[error("could not connect to {addr}; is the device up and the port open?")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("connecting to {addr} timed out; the device may be down or the port filtered")]
    ConnectTimeout { addr: SocketAddr },
    #[error("HTTP exchange with {addr} ran past its total timeout while {stage}")]
    Timeout { addr: SocketAddr, stage: Stage },
    #[error("{addr} sent nothing for the idle timeout while {stage}")]
    Idle { addr: SocketAddr, stage: Stage },
    #[error("{addr} closed the connection early while {stage}")]
    Truncated { addr: SocketAddr, stage: Stage },
    #[error("response head from {addr} is over the {max}-byte limit")]
    HeadTooLarge { addr: SocketAddr, max: usize },
    #[error("response from {addr} has more than {max} headers")]
    TooManyHeaders { addr: SocketAddr, max: usize },
    #[error("response head from {addr} is malformed: {reason}")]
    BadHead { addr: SocketAddr, reason: String },
    #[error("response body from {addr} is over the {max}-byte limit")]
    BodyTooLarge { addr: SocketAddr, max: usize },
    #[error("chunked response body from {addr} is malformed: {reason}")]
    BadChunk {
        addr: SocketAddr,
        reason: &'static str,
    },
    #[error("I/O error with {addr} while {stage}")]
    Io {
        addr: SocketAddr,
        stage: Stage,
        #[source]
        source: io::Error,
    },
}

/// Sends `req` on a new connection and reads the whole response, within `limits`.
pub async fn send(req: &Request<'_>, limits: &Limits) -> Result<Response, HttpError> {
    conn::exchange(req, limits).await
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::test_server::{header_of, read_request, refused_addr, serve};
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::time::sleep;

    const HIKVISION_REPLY: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/fixtures/real/hikvision-ds-2df7286-a-getdeviceinformation.http"
    ));

    fn quick() -> Limits {
        Limits {
            connect_timeout: Duration::from_secs(1),
            total_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(1),
            ..Limits::default()
        }
    }

    /// Serves `reply` once, verbatim, and returns the request it saw.
    async fn reply_once(reply: Vec<u8>) -> (SocketAddr, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
        serve(1, move |_, mut stream| {
            let reply = reply.clone();
            async move {
                let request = read_request(&mut stream).await;
                let _ = stream.write_all(&reply).await;
                request
            }
        })
        .await
    }

    #[tokio::test]
    async fn content_length_reply_and_request_shape() {
        let (addr, server) = reply_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: one\r\nx-a: two\r\n\r\nhelloEXTRA"
                .to_vec(),
        )
        .await;
        let resp = send(
            &Request::get(addr, "cam.local", "/ISAPI/System/deviceInfo"),
            &quick(),
        )
        .await
        .expect("reply");
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, b"hello");
        assert_eq!(resp.header("x-A"), Some("one"));
        assert_eq!(resp.headers_all("X-A").collect::<Vec<_>>(), ["one", "two"]);
        assert_eq!(resp.header("missing"), None);

        let requests = server.await.expect("server");
        let request = String::from_utf8(requests[0].clone()).expect("ascii request");
        assert!(
            request.starts_with("GET /ISAPI/System/deviceInfo HTTP/1.1\r\n"),
            "{request}"
        );
        assert_eq!(
            header_of(&requests[0], "host").as_deref(),
            Some("cam.local")
        );
        assert_eq!(
            header_of(&requests[0], "connection").as_deref(),
            Some("close")
        );
        let agent = format!("camaudit/{}", env!("CARGO_PKG_VERSION"));
        assert_eq!(header_of(&requests[0], "user-agent"), Some(agent));
        assert_eq!(header_of(&requests[0], "authorization"), None);
        assert_eq!(header_of(&requests[0], "content-length"), None);
    }

    #[tokio::test]
    async fn post_sends_body_and_content_type() {
        let (addr, server) = reply_once(b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()).await;
        let body = b"<s:Envelope/>";
        let req = Request::post(
            addr,
            "10.0.0.5:8080",
            "/onvif/device_service",
            "application/soap+xml",
            body,
        );
        let resp = send(&req, &quick()).await.expect("reply");
        assert_eq!((resp.status, resp.body.len()), (204, 0));
        let requests = server.await.expect("server");
        let request = &requests[0];
        assert!(request.starts_with(b"POST /onvif/device_service HTTP/1.1\r\n"));
        assert!(request.ends_with(b"\r\n\r\n<s:Envelope/>"));
        assert_eq!(header_of(request, "content-length").as_deref(), Some("13"));
        assert_eq!(
            header_of(request, "content-type").as_deref(),
            Some("application/soap+xml")
        );
        assert_eq!(header_of(request, "host").as_deref(), Some("10.0.0.5:8080"));
    }

    #[tokio::test]
    async fn chunked_reply_split_across_writes() {
        let (addr, _server) = serve(1, |_, mut stream| async move {
            read_request(&mut stream).await;
            let pieces: [&[u8]; 6] = [
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n",
                b"\r\n5;name=\"ext\"\r\nhel",
                b"lo\r\n6\r\n world\r",
                b"\n0\r\nX-Trailer: t\r\n",
                b"\r\n",
                b"ignored after the last chunk",
            ];
            for piece in pieces {
                let _ = stream.write_all(piece).await;
                sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        let resp = send(&Request::get(addr, "h", "/"), &quick())
            .await
            .expect("reply");
        assert_eq!(resp.body, b"hello world");
    }

    #[tokio::test]
    async fn read_until_close() {
        let (addr, _server) = serve(1, |_, mut stream| async move {
            read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.0 200 OK\r\nServer: uc-httpd 1.0.0\r\n\r\npart one,")
                .await;
            sleep(Duration::from_millis(50)).await;
            let _ = stream.write_all(b" part two").await;
        })
        .await;
        let resp = send(&Request::get(addr, "h", "/"), &quick())
            .await
            .expect("reply");
        assert_eq!(resp.body, b"part one, part two");
        assert_eq!(resp.header("server"), Some("uc-httpd 1.0.0"));
    }

    #[tokio::test]
    async fn interim_100_continue_is_skipped() {
        let (addr, _server) = reply_once(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        )
        .await;
        let resp = send(&Request::get(addr, "h", "/"), &quick())
            .await
            .expect("reply");
        assert_eq!((resp.status, resp.body.as_slice()), (200, b"ok".as_slice()));
    }

    /// A real Hikvision DS-2DF7286-A GetDeviceInformation reply (status line without a reason
    /// phrase), replayed byte for byte.
    #[tokio::test]
    async fn real_hikvision_reply() {
        let (addr, _server) = reply_once(crlf_head(HIKVISION_REPLY)).await;
        let resp = send(&Request::get(addr, "h", "/onvif/device_service"), &quick())
            .await
            .expect("reply");
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("server"), Some("App-webs/"));
        assert_eq!(
            resp.header("content-type"),
            Some("application/soap+xml; charset=utf-8")
        );
        assert_eq!(resp.body.len(), 2247);
        let body = String::from_utf8(resp.body).expect("utf-8 body");
        assert!(body.starts_with("<?xml"), "{:?}", body.get(..80));
        assert!(body.contains("<tds:Model>DS-2DF7286-A</tds:Model>"));
        assert!(body.trim_end().ends_with("</env:Envelope>"));
    }

    /// The fixture head with every line ending made CRLF (the body is left alone).
    fn crlf_head(raw: &[u8]) -> Vec<u8> {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))
            .expect("fixture has a head");
        let (head, body) = raw.split_at(split);
        let mut out = Vec::with_capacity(raw.len() + 16);
        for line in head.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.is_empty() {
                out.extend_from_slice(line);
                out.extend_from_slice(b"\r\n");
            }
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        out
    }

    #[tokio::test]
    async fn redirect_is_returned_not_followed() {
        let (addr, server) = serve(2, |_, mut stream| async move {
            read_request(&mut stream).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
        })
        .await;
        let resp = send(&Request::get(addr, "h", "/"), &quick())
            .await
            .expect("reply");
        assert_eq!(resp.status, 301);
        assert_eq!(resp.header("location"), Some("/elsewhere"));
        let served = server.await.expect("server");
        assert_eq!(served.len(), 1, "the redirect must not be followed");
    }

    #[tokio::test]
    async fn trickling_server_hits_idle_then_total_timeout() {
        let trickle = |_, mut stream: tokio::net::TcpStream| async move {
            read_request(&mut stream).await;
            for &byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                .iter()
                .cycle()
                .take(50)
            {
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                sleep(Duration::from_millis(200)).await;
            }
        };
        let cases = [
            (
                Duration::from_millis(100),
                Duration::from_millis(2000),
                "idle",
            ),
            (
                Duration::from_millis(500),
                Duration::from_millis(700),
                "total",
            ),
        ];
        for (idle, total, expect) in cases {
            let (addr, _server) = serve(1, trickle).await;
            let limits = Limits {
                idle_timeout: idle,
                total_timeout: total,
                ..quick()
            };
            let start = Instant::now();
            let err = send(&Request::get(addr, "h", "/"), &limits)
                .await
                .expect_err("must time out");
            let elapsed = start.elapsed();
            match (expect, &err) {
                (
                    "idle",
                    HttpError::Idle {
                        stage: Stage::Head, ..
                    },
                ) => {
                    assert!(elapsed < Duration::from_millis(600), "{elapsed:?}")
                }
                (
                    "total",
                    HttpError::Timeout {
                        stage: Stage::Head, ..
                    },
                ) => {
                    assert!(elapsed >= total && elapsed < total * 2, "{elapsed:?}")
                }
                _ => panic!("{expect}: unexpected {err:?}"),
            }
        }
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let (addr, _server) = serve(1, |_, mut stream| async move {
            read_request(&mut stream).await;
            sleep(Duration::from_secs(10)).await;
            drop(stream);
        })
        .await;
        let limits = Limits {
            total_timeout: Duration::from_millis(300),
            ..quick()
        };
        let start = Instant::now();
        let err = send(&Request::get(addr, "h", "/"), &limits)
            .await
            .expect_err("must time out");
        assert!(
            matches!(err, HttpError::Timeout { stage: Stage::Head, addr: a } if a == addr),
            "{err:?}"
        );
        assert!(start.elapsed() < Duration::from_secs(1));
        assert!(err.to_string().contains(&addr.to_string()));
    }

    #[tokio::test]
    async fn endless_bodies_stop_at_the_cap() {
        let heads: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n",
        ];
        for (case, head) in heads.into_iter().enumerate() {
            let (addr, _server) = serve(1, move |_, mut stream| async move {
                read_request(&mut stream).await;
                let _ = stream.write_all(head).await;
                let block = if case == 1 {
                    [b"100\r\n".as_slice(), &[b'x'; 256], b"\r\n"].concat()
                } else {
                    vec![b'x'; 16 * 1024]
                };
                // Bounded: 4096 blocks, at most 64 MiB.
                for _ in 0..4096 {
                    if stream.write_all(&block).await.is_err() {
                        break;
                    }
                }
            })
            .await;
            let limits = Limits {
                max_body: 64 * 1024,
                ..quick()
            };
            let start = Instant::now();
            let err = send(&Request::get(addr, "h", "/"), &limits)
                .await
                .expect_err("over the cap");
            assert!(
                matches!(err, HttpError::BodyTooLarge { max: 65536, .. }),
                "case {case}: {err:?}"
            );
            assert!(start.elapsed() < Duration::from_secs(1));
        }
    }

    #[tokio::test]
    async fn oversized_and_malformed_heads_are_rejected() {
        let many_headers: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                [
                    b"HTTP/1.1 200 OK\r\nX-Big: ".as_slice(),
                    &[b'a'; 20_000],
                    b"\r\n\r\n",
                ]
                .concat(),
                "HeadTooLarge",
            ),
            (
                format!("HTTP/1.1 200 OK\r\n{many_headers}\r\n").into_bytes(),
                "TooManyHeaders",
            ),
            (b"garbage\r\n\r\n".to_vec(), "BadHead"),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".to_vec(),
                "BadHead",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n".to_vec(),
                "BadHead",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
                "BadChunk",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec(),
                "Truncated",
            ),
            (b"HTTP/1.1 200 OK\r\nContent-Le".to_vec(), "Truncated"),
            (Vec::new(), "Truncated"),
        ];
        for (reply, expected) in cases {
            let (addr, _server) = reply_once(reply).await;
            let err = send(&Request::get(addr, "h", "/"), &quick())
                .await
                .expect_err(expected);
            let got = match &err {
                HttpError::HeadTooLarge { max: 16384, .. } => "HeadTooLarge",
                HttpError::TooManyHeaders { max: 64, .. } => "TooManyHeaders",
                HttpError::BadHead { .. } => "BadHead",
                HttpError::BadChunk { .. } => "BadChunk",
                HttpError::Truncated { .. } => "Truncated",
                _ => "other",
            };
            assert_eq!(got, expected, "{err}");
        }
    }

    #[tokio::test]
    async fn connection_refused_is_fast() {
        let addr = refused_addr().await;
        let start = Instant::now();
        let err = send(&Request::get(addr, "h", "/"), &quick())
            .await
            .expect_err("refused");
        assert!(
            matches!(err, HttpError::Connect { addr: a, .. } if a == addr),
            "{err:?}"
        );
        assert!(start.elapsed() < Duration::from_millis(500));
    }

    #[tokio::test]
    async fn invalid_requests_are_refused_before_connecting() {
        let addr = refused_addr().await;
        let auth_value = "Digest secret\r\nX-Injected: 1";
        let cases: [(Request<'_>, &str); 5] = [
            (Request::get(addr, "h", "/a\r\nX-Injected: 1"), "path"),
            (Request::get(addr, "h", "no-slash"), "path"),
            (Request::get(addr, "h\r\n", "/"), "host"),
            (
                Request::post(addr, "h", "/", "text/xml\n", b""),
                "content type",
            ),
            (
                Request {
                    authorization: Some(auth_value),
                    ..Request::get(addr, "h", "/")
                },
                "authorization",
            ),
        ];
        for (req, field) in cases {
            let err = send(&req, &quick()).await.expect_err(field);
            assert!(
                matches!(err, HttpError::InvalidRequest { field: f } if f == field),
                "{err:?}"
            );
            assert!(!err.to_string().contains("secret"));
        }
    }

    #[test]
    fn request_debug_redacts_credentials() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 80));
        let req = Request {
            authorization: Some("Digest username=\"admin\", response=\"abc123\""),
            ..Request::post(
                addr,
                "h",
                "/",
                "application/soap+xml",
                b"<wsse:Password>pw</wsse:Password>",
            )
        };
        let shown = format!("{req:?}");
        assert!(
            shown.contains("<redacted>") && shown.contains("body_len: 33"),
            "{shown}"
        );
        for secret in ["abc123", "admin", "pw<"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
