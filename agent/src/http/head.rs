//! Request encoding and response-head parsing (RFC 9112), without I/O: what goes on the wire,
//! what came back, and how the body is delimited.

use std::fmt::Write as _;

use super::Request;

const USER_AGENT: &str = concat!("camaudit/", env!("CARGO_PKG_VERSION"));

/// A parsed status line and header block.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Head {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
}

/// How the body after a head is delimited (RFC 9112 section 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum HeadError {
    TooManyHeaders,
    Malformed(String),
}

/// The request bytes, or the name of the field that cannot be sent safely.
pub(super) fn encode_request(req: &Request<'_>) -> Result<Vec<u8>, &'static str> {
    if !req.path.starts_with('/') || !req.path.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("path");
    }
    if req.host.is_empty() || !req.host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("host");
    }
    if req.content_type.is_some_and(|v| !is_field_value(v)) {
        return Err("content type");
    }
    if req.authorization.is_some_and(|v| !is_field_value(v)) {
        return Err("authorization");
    }
    let mut head = String::with_capacity(256);
    // Writing to a String cannot fail.
    let _ = write!(
        head,
        "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\n\
         Connection: close\r\n",
        req.method.as_str(),
        req.path,
        req.host,
    );
    if let Some(content_type) = req.content_type {
        let _ = write!(head, "Content-Type: {content_type}\r\n");
    }
    if !req.body.is_empty() || req.method == super::Method::Post {
        let _ = write!(head, "Content-Length: {}\r\n", req.body.len());
    }
    if let Some(authorization) = req.authorization {
        let _ = write!(head, "Authorization: {authorization}\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(req.body);
    Ok(bytes)
}

/// Visible ASCII, spaces and tabs: nothing that could end the header line.
fn is_field_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
}

/// Parses a response head from the start of `buf`: `None` until the blank line has arrived,
/// else the head and its length in bytes.
pub(super) fn parse_head(
    buf: &[u8],
    max_headers: usize,
) -> Result<Option<(Head, usize)>, HeadError> {
    let mut headers = vec![httparse::EMPTY_HEADER; max_headers];
    let mut response = httparse::Response::new(&mut headers);
    // Cameras' embedded servers are sloppy; these relaxations cost nothing in safety.
    let parsed = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .parse_response(&mut response, buf);
    let len = match parsed {
        Ok(httparse::Status::Partial) => return Ok(None),
        Ok(httparse::Status::Complete(len)) => len,
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(e) => return Err(HeadError::Malformed(e.to_string())),
    };
    let Some(status) = response.code else {
        return Err(HeadError::Malformed("no status code".into()));
    };
    let headers = response
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).replace(['\r', '\n'], " ");
            (h.name.to_owned(), value.trim().to_owned())
        })
        .collect();
    Ok(Some((Head { status, headers }, len)))
}

impl Head {
    /// 1xx responses other than 101 precede the real one.
    pub(super) fn is_interim(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }

    pub(super) fn framing(&self) -> Result<Framing, HeadError> {
        if (100..200).contains(&self.status) || self.status == 204 || self.status == 304 {
            return Ok(Framing::None);
        }
        let mut codings = self.values("transfer-encoding").peekable();
        if codings.peek().is_some() {
            // Transfer-Encoding overrides Content-Length; only a final `chunked` delimits.
            let chunked = codings
                .last()
                .is_some_and(|c| c.eq_ignore_ascii_case("chunked"));
            return Ok(if chunked {
                Framing::Chunked
            } else {
                Framing::UntilClose
            });
        }
        let mut length = None;
        for value in self.values("content-length") {
            let parsed = value
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| value.parse::<u64>().ok())
                .flatten()
                .ok_or_else(|| HeadError::Malformed(format!("Content-Length {value:?}")))?;
            if length.is_some_and(|l| l != parsed) {
                return Err(HeadError::Malformed(
                    "conflicting Content-Length values".into(),
                ));
            }
            length = Some(parsed);
        }
        Ok(length.map_or(Framing::UntilClose, Framing::Length))
    }

    /// Comma-separated elements of every header called `name`.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use crate::http::Method;

    fn head(raw: &str) -> Head {
        match parse_head(raw.as_bytes(), 64) {
            Ok(Some((head, len))) => {
                assert_eq!(len, raw.len(), "{raw:?}");
                head
            }
            other => panic!("{raw:?}: {other:?}"),
        }
    }

    #[test]
    fn framing_rules() {
        let cases = [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",
                Ok(Framing::Length(12)),
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n",
                Ok(Framing::Length(7)),
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                Ok(Framing::Chunked),
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n",
                Ok(Framing::Chunked),
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                Ok(Framing::UntilClose),
            ),
            ("HTTP/1.0 200 OK\r\n\r\n", Ok(Framing::UntilClose)),
            (
                "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                Ok(Framing::None),
            ),
            ("HTTP/1.1 304 Not Modified\r\n\r\n", Ok(Framing::None)),
            ("HTTP/1.1 100 Continue\r\n\r\n", Ok(Framing::None)),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
                Err(()),
            ),
            ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", Err(())),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                Err(()),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(head(raw).framing().map_err(|_| ()), expected, "{raw:?}");
        }
    }

    #[test]
    fn parse_head_partial_lenient_and_bounded() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nServer: x\r\n", 64),
            Ok(None)
        );
        assert_eq!(parse_head(b"", 64), Ok(None));
        let sloppy =
            head("HTTP/1.1  401  Unauthorized\r\nWWW-Authenticate : Basic realm=\"x\"\r\n\r\n");
        assert_eq!(sloppy.status, 401);
        assert_eq!(
            sloppy.headers,
            [(
                "WWW-Authenticate".to_owned(),
                "Basic realm=\"x\"".to_owned()
            )]
        );
        let folded = head("HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\r\n");
        assert_eq!(folded.headers[0].1, "a   b");
        let no_reason = head("HTTP/1.1 200\r\nLatin: caf\u{e9}\r\n\r\n");
        assert_eq!(no_reason.status, 200);
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", 1),
            Err(HeadError::TooManyHeaders)
        ));
        assert!(matches!(
            parse_head(b"RTSP/1.0 200 OK\r\n\r\n", 64),
            Err(HeadError::Malformed(_))
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 2000 OK\r\n\r\n", 64),
            Err(HeadError::Malformed(_))
        ));
    }

    #[test]
    fn encode_get_and_post() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 80));
        let get = encode_request(&Request::get(
            addr,
            "10.1.2.3",
            "/cgi-bin/magicBox.cgi?action=getSystemInfo",
        ))
        .expect("valid");
        let expected = format!(
            "GET /cgi-bin/magicBox.cgi?action=getSystemInfo HTTP/1.1\r\nHost: 10.1.2.3\r\n\
             User-Agent: camaudit/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(String::from_utf8(get).expect("ascii"), expected);

        let post = Request {
            authorization: Some("Digest username=\"a\""),
            ..Request::post(
                addr,
                "h",
                "/onvif/device_service",
                "application/soap+xml; charset=utf-8",
                b"<x/>",
            )
        };
        let bytes = String::from_utf8(encode_request(&post).expect("valid")).expect("ascii");
        assert!(bytes.starts_with("POST /onvif/device_service HTTP/1.1\r\n"));
        assert!(bytes.contains("\r\nContent-Type: application/soap+xml; charset=utf-8\r\n"));
        assert!(bytes.contains("\r\nContent-Length: 4\r\n"));
        assert!(bytes.ends_with("\r\nAuthorization: Digest username=\"a\"\r\n\r\n<x/>"));
        let empty_post = Request { body: b"", ..post };
        assert!(
            encode_request(&empty_post)
                .is_ok_and(|b| b.windows(19).any(|w| w == b"Content-Length: 0\r\n"))
        );
        assert_eq!(Method::Post.as_str(), "POST");
    }
}
