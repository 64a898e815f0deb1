//! SSDP (UPnP discovery, UDP 1900): the `M-SEARCH` request and the `200 OK` / `NOTIFY`
//! messages devices send, reduced to the headers that identify a device (`SERVER`, `USN`,
//! `LOCATION`, `ST`/`NT`).
//!
//! Read-only by construction: [`m_search`] is the only builder. This module never builds a
//! `NOTIFY` (announcing ourselves) or any SOAP control request to a UPnP service.

use std::net::Ipv4Addr;

/// UDP port.
pub const PORT: u16 = 1900;
/// IPv4 multicast group.
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// Search target for every root device.
pub const ST_ROOT_DEVICE: &str = "upnp:rootdevice";
/// Largest datagram we read; SSDP messages are a few hundred bytes.
pub const MAX_DATAGRAM: usize = 16 * 1024;

/// Most header lines read.
const MAX_HEADERS: usize = 64;
/// Longest header value kept.
const MAX_VALUE: usize = 1024;

/// Why a datagram is not an SSDP message we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("SSDP datagram is empty")]
    Empty,
    #[error("SSDP datagram is {len} bytes, over the {MAX_DATAGRAM}-byte limit")]
    TooLarge { len: usize },
    #[error("not an SSDP message: start line {line:?}")]
    StartLine { line: String },
    #[error("SSDP response has status {status}, expected 200")]
    Status { status: u16 },
    #[error("SSDP message has more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
}

/// Builds an `M-SEARCH` for `st` (e.g. [`ST_ROOT_DEVICE`]). `mx`, the most seconds a device may
/// wait before answering, is clamped to 1..=5 as UPnP requires for multicast. Control characters
/// in `st` are dropped so a caller cannot inject header lines.
pub fn m_search(st: &str, mx: u8) -> Vec<u8> {
    let st: String = st.chars().filter(|c| !c.is_control()).collect();
    let mx = mx.clamp(1, 5);
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: {MULTICAST_V4}:{PORT}\r\nMAN: \"ssdp:discover\"\r\n\
         MX: {mx}\r\nST: {st}\r\n\r\n"
    )
    .into_bytes()
}

/// Which kind of device message this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `HTTP/1.1 200 OK`: an answer to a search.
    Response,
    /// `NOTIFY * HTTP/1.1`: an unsolicited announcement.
    Notify,
}

/// The identifying headers of a device's SSDP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsdpReply {
    pub kind: Kind,
    /// `SERVER`, e.g. `Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22`.
    pub server: Option<String>,
    pub usn: Option<String>,
    /// `LOCATION`: URL of the device description XML.
    pub location: Option<String>,
    /// `ST` of a response, or `NT` of a `NOTIFY`.
    pub st: Option<String>,
    /// `NTS` of a `NOTIFY` (`ssdp:alive`, `ssdp:byebye`).
    pub nts: Option<String>,
}

impl SsdpReply {
    /// The `uuid:…` part of the USN (`uuid:X::upnp:rootdevice` → `X`).
    pub fn uuid(&self) -> Option<&str> {
        let usn = self.usn.as_deref()?;
        let (scheme, rest) = (usn.get(..5)?, usn.get(5..)?);
        if !scheme.eq_ignore_ascii_case("uuid:") {
            return None;
        }
        let id = rest.split("::").next()?.trim();
        (!id.is_empty()).then_some(id)
    }
}

/// Every SSDP message that can arrive on the search socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    Reply(SsdpReply),
    /// An `M-SEARCH`: ours looped back, or another scanner's. Never answered.
    Search {
        st: Option<String>,
    },
}

/// Parses an SSDP datagram. Header names are case-insensitive; CRLF and bare LF both end lines.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    if datagram.is_empty() {
        return Err(Error::Empty);
    }
    if datagram.len() > MAX_DATAGRAM {
        return Err(Error::TooLarge {
            len: datagram.len(),
        });
    }
    let text = String::from_utf8_lossy(datagram);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start = lines.next().unwrap_or_default().trim();
    let kind = start_line(start)?;

    let mut reply = SsdpReply {
        kind: Kind::Response,
        server: None,
        usn: None,
        location: None,
        st: None,
        nts: None,
    };
    let mut count = 0usize;
    for line in lines {
        if line.trim().is_empty() {
            break;
        }
        count += 1;
        if count > MAX_HEADERS {
            return Err(Error::TooManyHeaders);
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = clean(value);
        let slot = match name.trim().to_ascii_uppercase().as_str() {
            "SERVER" => &mut reply.server,
            "USN" => &mut reply.usn,
            "LOCATION" => &mut reply.location,
            "ST" | "NT" => &mut reply.st,
            "NTS" => &mut reply.nts,
            _ => continue,
        };
        if slot.is_none() {
            *slot = value;
        }
    }
    match kind {
        StartLine::Search => Ok(Message::Search { st: reply.st }),
        StartLine::Response => Ok(Message::Reply(reply)),
        StartLine::Notify => Ok(Message::Reply(SsdpReply {
            kind: Kind::Notify,
            ..reply
        })),
    }
}

enum StartLine {
    Response,
    Notify,
    Search,
}

fn start_line(line: &str) -> Result<StartLine, Error> {
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("NOTIFY ") {
        return Ok(StartLine::Notify);
    }
    if upper.starts_with("M-SEARCH ") {
        return Ok(StartLine::Search);
    }
    let bad = || Error::StartLine {
        line: line.chars().take(64).collect(),
    };
    let mut parts = upper.split_ascii_whitespace();
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(bad());
    }
    let status: u16 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    if status != 200 {
        return Err(Error::Status { status });
    }
    Ok(StartLine::Response)
}

fn clean(value: &str) -> Option<String> {
    let v: String = value
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_VALUE)
        .collect();
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(d: &[u8]) -> SsdpReply {
        match parse(d) {
            Ok(Message::Reply(r)) => r,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn m_search_is_byte_exact_and_round_trips() {
        let d = m_search(ST_ROOT_DEVICE, 2);
        assert_eq!(
            d,
            b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n\
              MX: 2\r\nST: upnp:rootdevice\r\n\r\n"
        );
        assert_eq!(
            parse(&d),
            Ok(Message::Search {
                st: Some("upnp:rootdevice".into())
            })
        );
        // Injection attempts and out-of-range MX are neutralised.
        let d = String::from_utf8(m_search("ssdp:all\r\nMAN: x", 0)).unwrap();
        assert!(d.contains("MX: 1\r\nST: ssdp:allMAN: x\r\n\r\n"), "{d}");
        assert!(
            String::from_utf8(m_search("ssdp:all", 200))
                .unwrap()
                .contains("MX: 5\r\n")
        );
    }

    #[test]
    fn search_response_with_mixed_case_headers() {
        // Server string of a real Axis camera (rapid7/recog example, in the banners fixture).
        let d = b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n\
                  Location: http://192.168.0.90:49152/rootdesc1.xml\r\n\
                  server: Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22\r\n\
                  ST: upnp:rootdevice\r\n\
                  usn:uuid:Upnp-BasicDevice-1_0-ACCC8E3C0419::upnp:rootdevice\r\n\r\n";
        let r = reply(d);
        assert_eq!(r.kind, Kind::Response);
        assert_eq!(
            r.server.as_deref(),
            Some("Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22")
        );
        assert_eq!(
            r.location.as_deref(),
            Some("http://192.168.0.90:49152/rootdesc1.xml")
        );
        assert_eq!(r.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(r.uuid(), Some("Upnp-BasicDevice-1_0-ACCC8E3C0419"));
    }

    #[test]
    fn notify_with_bare_lf() {
        // Shape of UniversalScanner's SSDP.selftest: LF only, no space after colons, NT not ST.
        let d = b"NOTIFY * HTTP/1.1\nHOST:239.255.255.250:1900\nCACHE-CONTROL:max-age=1810\n\
                  LOCATION:http://240.0.1.0/rootDesc.xml\nSERVER: Universal Scanner/0.0, Virtual/1.0\n\
                  NT:uuid:unique-id-12345678\nUSN:uuid:unique-id-12345678\nNTS:ssdp:alive\n ";
        let r = reply(d);
        assert_eq!(r.kind, Kind::Notify);
        assert_eq!(
            r.server.as_deref(),
            Some("Universal Scanner/0.0, Virtual/1.0")
        );
        assert_eq!(r.st.as_deref(), Some("uuid:unique-id-12345678"));
        assert_eq!(r.nts.as_deref(), Some("ssdp:alive"));
        assert_eq!(r.uuid(), Some("unique-id-12345678"));
        assert_eq!(r.location.as_deref(), Some("http://240.0.1.0/rootDesc.xml"));
    }

    #[test]
    fn rejects_what_is_not_ssdp() {
        assert_eq!(parse(b""), Err(Error::Empty));
        assert_eq!(
            parse(b"HTTP/1.1 404 Not Found\r\n\r\n"),
            Err(Error::Status { status: 404 })
        );
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\n\r\n"),
            Err(Error::StartLine { .. })
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 OK\r\n"),
            Err(Error::StartLine { .. })
        ));
        assert!(matches!(parse(&[0xff; 10]), Err(Error::StartLine { .. })));
        let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(100));
        assert_eq!(parse(many.as_bytes()), Err(Error::TooManyHeaders));
        assert_eq!(
            parse(&vec![b'a'; MAX_DATAGRAM + 1]),
            Err(Error::TooLarge {
                len: MAX_DATAGRAM + 1
            })
        );
        // A header section with no identifying header is still a reply, with nothing in it.
        let r = reply(b"HTTP/1.1 200 OK\r\n\r\nSERVER: after the blank line\r\n");
        assert_eq!(r.server, None);
    }
}
