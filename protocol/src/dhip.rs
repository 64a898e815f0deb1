//! Dahua DHIP discovery ("DHDiscover", UDP 37810): the search request and the
//! `client.notifyDevInfo` reply.
//!
//! Read-only by construction: [`search_request`] is the only builder. This module never builds
//! `DHDiscover.setConfig`, `DevInit.account`, `DevInit.access`, `PasswdFind.*` or
//! `Security.modifyPwdOutSession` (PROTOCOLS.md b4): they change device state.
//!
//! A datagram is a 32-byte header (smoltcp-style checked view: [`Packet`]) followed by JSON.
//! Devices get the details wrong in ways the parser forgives: the two length fields may disagree
//! with the datagram (the smaller, capped, wins), one or two junk bytes may follow the JSON,
//! slashes are escaped (`"\/0"`), and at least one captured reply has a string with no closing
//! quote. Well-formed JSON goes through `serde_json`; anything else goes through a bounded
//! tolerant scanner that only pulls out `"Key": value` pairs.

use std::net::Ipv4Addr;

use serde_json::Value;

use crate::mac::Mac;

/// UDP port devices listen on.
pub const PORT: u16 = 37810;
/// IPv4 multicast group the search is sent to (broadcast and unicast also work).
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 251);
/// Size of the binary header.
pub const HEADER_LEN: usize = 32;
/// Largest body we read; a UDP datagram cannot carry more anyway.
pub const MAX_BODY: usize = 64 * 1024;
/// The search method, the only one we send.
pub const METHOD_SEARCH: &str = "DHDiscover.search";
/// The reply method.
pub const METHOD_NOTIFY_DEV_INFO: &str = "client.notifyDevInfo";

const MAGIC: [u8; 4] = *b"DHIP";
/// Most `"key": value` pairs the tolerant scanner keeps.
const MAX_PAIRS: usize = 512;
/// Deepest object nesting the tolerant scanner follows.
const MAX_DEPTH: usize = 16;
/// Longest string value kept; device fields are short.
const MAX_VALUE: usize = 1024;

mod field {
    use std::ops::Range;

    /// Header size, always 0x20.
    pub(super) const HEADER_SIZE: Range<usize> = 0..4;
    /// `"DHIP"`.
    pub(super) const MAGIC: Range<usize> = 4..8;
    pub(super) const SESSION_ID: Range<usize> = 8..12;
    pub(super) const REQUEST_ID: Range<usize> = 12..16;
    pub(super) const BODY_LEN: Range<usize> = 16..20;
    pub(super) const BODY_LEN_COPY: Range<usize> = 24..28;
}

/// Why a datagram is not a DHIP message we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("DHIP datagram is {len} bytes, shorter than the {HEADER_LEN}-byte header")]
    Truncated { len: usize },
    #[error("DHIP header size field (bytes 0..4) is {found:#x}, expected 0x20")]
    HeaderSize { found: u32 },
    #[error("not DHIP: bytes 4..8 are {found:02x?}, expected \"DHIP\"")]
    Magic { found: [u8; 4] },
    #[error("DHIP body is {len} bytes, over the {MAX_BODY}-byte limit")]
    TooLarge { len: usize },
    #[error("DHIP body is empty")]
    EmptyBody,
    #[error("DHIP body is neither JSON nor holds any \"key\": value pair")]
    NotJson,
    #[error("DHIP JSON nests deeper than {MAX_DEPTH} objects")]
    TooDeep,
    #[error("DHIP message has no \"method\"")]
    NoMethod,
}

/// A read-only view of a DHIP datagram. Build it with [`Packet::new_checked`] for untrusted
/// input; every accessor is then infallible.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer after checking the length, the header size field and the magic.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let b = buffer.as_ref();
        let Some(header) = b.get(..HEADER_LEN) else {
            return Err(Error::Truncated { len: b.len() });
        };
        let size = le32(header, field::HEADER_SIZE);
        if size != HEADER_LEN as u32 {
            return Err(Error::HeaderSize { found: size });
        }
        let mut magic = [0u8; 4];
        magic.copy_from_slice(&header[field::MAGIC]);
        if magic != MAGIC {
            return Err(Error::Magic { found: magic });
        }
        Ok(Self { buffer })
    }

    pub fn session_id(&self) -> u32 {
        le32(self.buffer.as_ref(), field::SESSION_ID)
    }

    pub fn request_id(&self) -> u32 {
        le32(self.buffer.as_ref(), field::REQUEST_ID)
    }

    /// The body length the header claims (bytes 16..20).
    pub fn body_len(&self) -> u32 {
        le32(self.buffer.as_ref(), field::BODY_LEN)
    }

    /// The second copy of the body length (bytes 24..28).
    pub fn body_len_copy(&self) -> u32 {
        le32(self.buffer.as_ref(), field::BODY_LEN_COPY)
    }

    /// The body: the bytes after the header, cut to the smaller of the two claimed lengths when
    /// that is shorter than what arrived. A claim of zero (seen on hand-made senders) is ignored;
    /// when both are zero the body is the rest of the datagram.
    pub fn body(&self) -> &[u8] {
        let rest = self.buffer.as_ref().get(HEADER_LEN..).unwrap_or_default();
        let claimed = [self.body_len(), self.body_len_copy()]
            .into_iter()
            .filter(|&n| n != 0)
            .min()
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        match claimed {
            Some(n) => rest.get(..n).unwrap_or(rest),
            None => rest,
        }
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// Reads a little-endian u32 from a range the caller has checked is in bounds.
fn le32(b: &[u8], r: std::ops::Range<usize>) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(r) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

/// Builds the `DHDiscover.search` datagram. `mac_filter` is normally empty (every device answers);
/// a MAC asks only that device to answer.
pub fn search_request(mac_filter: &str) -> Vec<u8> {
    // Going through serde_json escapes anything a caller passes; the key order is fixed here
    // because some firmwares are said to be picky about it.
    let mac = Value::String(mac_filter.to_owned()).to_string();
    let body = format!(r#"{{"method":"{METHOD_SEARCH}","params":{{"mac":{mac},"uni":1}}}}"#);
    let mut out = header(body.len());
    out.extend_from_slice(body.as_bytes());
    out
}

/// The 32-byte header for a body of `len` bytes.
fn header(len: usize) -> Vec<u8> {
    let len = u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes();
    let mut h = Vec::with_capacity(HEADER_LEN + 64);
    h.extend_from_slice(&(HEADER_LEN as u32).to_le_bytes());
    h.extend_from_slice(&MAGIC);
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&len);
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(&len);
    h.extend_from_slice(&[0; 4]);
    h
}

/// Every DHIP message that can arrive on the discovery socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A device describing itself.
    DevInfo(Box<DhipReply>),
    /// A `DHDiscover.search`: ours looped back, or another scanner's. Never answered.
    Search { mac_filter: Option<String> },
    /// Any other method (for instance another tool's `DHDiscover.setConfig`). Ignored.
    Other { method: String },
}

/// What a `client.notifyDevInfo` reply says about a device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DhipReply {
    /// Top-level `mac`.
    pub mac: Option<Mac>,
    /// `DeviceType`: the model, e.g. `IPC-HDW1431T1-S4`.
    pub model: Option<String>,
    /// `DeviceClass`: `IPC`, `NVR`, `BSC` (access control)…
    pub device_class: Option<String>,
    /// `SerialNo`.
    pub serial: Option<String>,
    /// `Version`: the firmware, e.g. `2.800.0000000.13.R`.
    pub firmware: Option<String>,
    /// `Vendor` (`Dahua`, `Private`, `General`, `Intelbras`…): an OEM signal.
    pub vendor: Option<String>,
    /// `Manufacturer`: also an OEM signal.
    pub manufacturer: Option<String>,
    pub machine_name: Option<String>,
    pub device_id: Option<String>,
    pub http_port: Option<u16>,
    /// `Port`: the DVRIP/TCP service port (37777 by default).
    pub port: Option<u16>,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv4_mask: Option<Ipv4Addr>,
    pub ipv4_gateway: Option<Ipv4Addr>,
    pub dhcp: Option<bool>,
    /// `IPv6Address.IPAddress` as sent, unescaped (`/0` when unset).
    pub ipv6: Option<String>,
    pub ipv6_link_local: Option<String>,
    /// `Init`: initialisation (activation) state bits, meaning undocumented.
    pub init: Option<i64>,
    pub video_input_channels: Option<u32>,
    /// True when the JSON was malformed and the tolerant scanner produced these values.
    pub tolerant: bool,
}

/// Parses a DHIP datagram.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    let packet = Packet::new_checked(datagram)?;
    parse_body(packet.body())
}

/// Parses a DHIP JSON body (the bytes after the 32-byte header).
pub fn parse_body(body: &[u8]) -> Result<Message, Error> {
    if body.len() > MAX_BODY {
        return Err(Error::TooLarge { len: body.len() });
    }
    let body = trim_start(body);
    if body.is_empty() {
        return Err(Error::EmptyBody);
    }
    match first_json_value(body) {
        Some(v) => from_source(&JsonSource(&v), false),
        None => {
            let pairs = scan_pairs(body)?;
            if pairs.is_empty() {
                return Err(Error::NotJson);
            }
            from_source(&PairSource(&pairs), true)
        }
    }
}

/// Skips the NULs and whitespace some senders put before the JSON.
fn trim_start(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !matches!(c, 0 | b' ' | b'\t' | b'\r' | b'\n'));
    start.and_then(|s| b.get(s..)).unwrap_or_default()
}

/// The first complete JSON value, ignoring whatever follows it (junk bytes, a NUL, a newline).
fn first_json_value(body: &[u8]) -> Option<Value> {
    let mut it = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    match it.next() {
        Some(Ok(v @ Value::Object(_))) => Some(v),
        _ => None,
    }
}

fn from_source(src: &dyn Source, tolerant: bool) -> Result<Message, Error> {
    let Some(method) = src.text(Scope::Root, "method") else {
        return Err(Error::NoMethod);
    };
    if method == METHOD_SEARCH {
        return Ok(Message::Search {
            mac_filter: src.text(Scope::Params, "mac"),
        });
    }
    if method != METHOD_NOTIFY_DEV_INFO {
        return Ok(Message::Other { method });
    }
    let info = Scope::DeviceInfo;
    let v4 = Scope::Nested("IPv4Address");
    let v6 = Scope::Nested("IPv6Address");
    Ok(Message::DevInfo(Box::new(DhipReply {
        mac: src
            .text(Scope::Root, "mac")
            .and_then(|m| Mac::parse(&m).ok()),
        model: src.text(info, "DeviceType"),
        device_class: src.text(info, "DeviceClass"),
        serial: src.text(info, "SerialNo"),
        firmware: src.text(info, "Version"),
        vendor: src.text(info, "Vendor"),
        manufacturer: src.text(info, "Manufacturer"),
        machine_name: src.text(info, "MachineName"),
        device_id: src.text(info, "DeviceID"),
        http_port: src
            .int(info, "HttpPort")
            .and_then(|p| u16::try_from(p).ok()),
        port: src.int(info, "Port").and_then(|p| u16::try_from(p).ok()),
        ipv4: src.text(v4, "IPAddress").and_then(|s| s.parse().ok()),
        ipv4_mask: src.text(v4, "SubnetMask").and_then(|s| s.parse().ok()),
        ipv4_gateway: src.text(v4, "DefaultGateway").and_then(|s| s.parse().ok()),
        dhcp: src.boolean(v4, "DhcpEnable"),
        ipv6: src.text(v6, "IPAddress"),
        ipv6_link_local: src.text(v6, "LinkLocalAddress"),
        init: src.int(info, "Init"),
        video_input_channels: src
            .int(info, "VideoInputChannels")
            .and_then(|n| n.try_into().ok()),
        tolerant,
    })))
}

/// Where a key lives in a `client.notifyDevInfo` message.
#[derive(Clone, Copy)]
enum Scope {
    /// The top-level object (`method`, `mac`).
    Root,
    /// `params`.
    Params,
    /// `params.deviceInfo`.
    DeviceInfo,
    /// An object inside `params.deviceInfo`, such as `IPv4Address`.
    Nested(&'static str),
}

/// Values looked up by scope and key, from either parser.
trait Source {
    /// A non-empty string value, trimmed (numbers are rendered as text).
    fn text(&self, scope: Scope, key: &str) -> Option<String>;
    fn int(&self, scope: Scope, key: &str) -> Option<i64>;
    fn boolean(&self, scope: Scope, key: &str) -> Option<bool>;
}

struct JsonSource<'a>(&'a Value);

impl JsonSource<'_> {
    fn get(&self, scope: Scope, key: &str) -> Option<&Value> {
        let obj = match scope {
            Scope::Root => self.0,
            Scope::Params => self.0.get("params")?,
            Scope::DeviceInfo => self.0.get("params")?.get("deviceInfo")?,
            Scope::Nested(name) => self.0.get("params")?.get("deviceInfo")?.get(name)?,
        };
        obj.get(key)
    }
}

impl Source for JsonSource<'_> {
    fn text(&self, scope: Scope, key: &str) -> Option<String> {
        let s = match self.get(scope, key)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!s.is_empty()).then(|| truncate(s))
    }

    fn int(&self, scope: Scope, key: &str) -> Option<i64> {
        match self.get(scope, key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn boolean(&self, scope: Scope, key: &str) -> Option<bool> {
        match self.get(scope, key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => parse_bool(s),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            _ => None,
        }
    }
}

/// One `"key": value` pair found by the tolerant scanner, with the key of the object holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pair {
    parent: Option<String>,
    key: String,
    value: String,
    quoted: bool,
}

struct PairSource<'a>(&'a [Pair]);

impl PairSource<'_> {
    fn get(&self, scope: Scope, key: &str) -> Option<&Pair> {
        let parent = match scope {
            Scope::Root => None,
            Scope::Params => Some("params"),
            Scope::DeviceInfo => Some("deviceInfo"),
            Scope::Nested(name) => Some(name),
        };
        self.0
            .iter()
            .find(|p| p.key == key && p.parent.as_deref() == parent)
    }
}

impl Source for PairSource<'_> {
    fn text(&self, scope: Scope, key: &str) -> Option<String> {
        let p = self.get(scope, key)?;
        let s = p.value.trim();
        (!s.is_empty() && (p.quoted || s != "null")).then(|| s.to_owned())
    }

    fn int(&self, scope: Scope, key: &str) -> Option<i64> {
        self.get(scope, key)?.value.trim().parse().ok()
    }

    fn boolean(&self, scope: Scope, key: &str) -> Option<bool> {
        parse_bool(&self.get(scope, key)?.value)
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_VALUE {
        let mut end = MAX_VALUE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Pulls `"key": value` pairs out of JSON-ish text, one pass, bounded in pairs, depth and value
/// length. Object keys are tracked so `IPv4Address.IPAddress` and `IPv6Address.IPAddress` stay
/// apart.
fn scan_pairs(body: &[u8]) -> Result<Vec<Pair>, Error> {
    let mut pairs = Vec::new();
    // The key of each open object; `None` for the root and for array elements.
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut pending_key: Option<String> = None;
    let mut i = 0usize;
    while let Some(&c) = body.get(i) {
        match c {
            b'"' => {
                let (s, close) = read_string(body, i);
                let after = skip_ws(body, close.saturating_add(1));
                if body.get(after) == Some(&b':') {
                    pending_key = Some(s);
                    i = after.saturating_add(1);
                    continue;
                }
                let Some(key) = pending_key.take() else {
                    i = close.saturating_add(1);
                    continue;
                };
                // A value with no closing quote swallows `, ` and ends at the next key's opening
                // quote: `"Version" : "1.0000, "VideoInputChannels" : 1`. Cut it at the comma and
                // rescan from that quote so the next key is not lost.
                let (value, next) = match unterminated_cut(&s, body, close) {
                    Some(v) => (v, close),
                    None => (s, close.saturating_add(1)),
                };
                push_pair(&mut pairs, &stack, key, value, true)?;
                i = next;
            }
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::TooDeep);
                }
                let key = if c == b'{' { pending_key.take() } else { None };
                pending_key = None;
                stack.push(key);
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                pending_key = None;
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'-' || c == b'+' || c == b'.' => {
                let end = body
                    .iter()
                    .skip(i)
                    .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.')))
                    .map_or(body.len(), |n| i + n);
                if let Some(key) = pending_key.take() {
                    let lit = String::from_utf8_lossy(body.get(i..end).unwrap_or_default());
                    push_pair(&mut pairs, &stack, key, lit.into_owned(), false)?;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(pairs)
}

fn push_pair(
    pairs: &mut Vec<Pair>,
    stack: &[Option<String>],
    key: String,
    value: String,
    quoted: bool,
) -> Result<(), Error> {
    if pairs.len() >= MAX_PAIRS {
        // Enough to identify any device; stop collecting rather than fail.
        return Ok(());
    }
    let parent = stack.last().cloned().flatten();
    pairs.push(Pair {
        parent,
        key,
        value: truncate(value),
        quoted,
    });
    Ok(())
}

/// Reads a JSON string starting at the quote at `open`. Returns the unescaped text and the
/// index of the closing quote (or the end of input when there is none).
fn read_string(body: &[u8], open: usize) -> (String, usize) {
    let mut out = Vec::new();
    let mut i = open.saturating_add(1);
    while let Some(&c) = body.get(i) {
        match c {
            b'"' => return (String::from_utf8_lossy(&out).into_owned(), i),
            b'\\' => {
                let esc = body.get(i + 1).copied();
                match esc {
                    Some(b'n') => out.push(b'\n'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'r') => out.push(b'\r'),
                    // \uXXXX is kept as-is: device identity fields are ASCII.
                    Some(e @ (b'"' | b'\\' | b'/')) => out.push(e),
                    Some(e) => out.extend_from_slice(&[b'\\', e]),
                    None => {}
                }
                i += 2;
            }
            _ => {
                if out.len() < MAX_VALUE {
                    out.push(c);
                }
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), body.len())
}

fn skip_ws(body: &[u8], mut i: usize) -> usize {
    while matches!(body.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// If `value` (closed by the quote at `close`) is really an unterminated string followed by the
/// next key, returns the value cut before its trailing comma.
fn unterminated_cut(value: &str, body: &[u8], close: usize) -> Option<String> {
    let trimmed = value.trim_end();
    let cut = trimmed.strip_suffix(',')?;
    // After the quote: an identifier, a quote, optional whitespace, a colon.
    let start = close.checked_add(1)?;
    let ident_len = body
        .iter()
        .skip(start)
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if ident_len == 0 || body.get(start + ident_len) != Some(&b'"') {
        return None;
    }
    (body.get(skip_ws(body, start + ident_len + 1)) == Some(&b':')).then(|| cut.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/real/",
                $name
            ))
        };
    }

    /// Wraps a captured JSON body (the captures kept only the JSON) in a header we build.
    fn datagram(body: &[u8]) -> Vec<u8> {
        let mut d = header(body.len());
        d.extend_from_slice(body);
        d
    }

    fn dev_info(datagram: &[u8]) -> DhipReply {
        match parse(datagram) {
            Ok(Message::DevInfo(r)) => *r,
            other => panic!("expected DevInfo, got {other:?}"),
        }
    }

    #[test]
    fn header_layout_is_byte_exact() {
        let h = header(0x2a5);
        #[rustfmt::skip]
        let want: [u8; 32] = [
            0x20, 0x00, 0x00, 0x00, // header size 32, little endian
            0x44, 0x48, 0x49, 0x50, // "DHIP"
            0x00, 0x00, 0x00, 0x00, // session id
            0x00, 0x00, 0x00, 0x00, // request id
            0xa5, 0x02, 0x00, 0x00, // body length 677
            0x00, 0x00, 0x00, 0x00,
            0xa5, 0x02, 0x00, 0x00, // body length again
            0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(h, want);
    }

    #[test]
    fn search_request_is_the_documented_datagram() {
        let d = search_request("");
        let body = br#"{"method":"DHDiscover.search","params":{"mac":"","uni":1}}"#;
        assert_eq!(&d[..HEADER_LEN], header(body.len()).as_slice());
        assert_eq!(&d[HEADER_LEN..], body);
        // Looped back to us, it is recognised as a search, not a device.
        assert_eq!(parse(&d), Ok(Message::Search { mac_filter: None }));
        let d = search_request("08:ed:ed:87:42:7a");
        assert_eq!(
            parse(&d),
            Ok(Message::Search {
                mac_filter: Some("08:ed:ed:87:42:7a".into())
            })
        );
        // A hostile filter cannot break out of the JSON string.
        let d = search_request(r#"","method":"DHDiscover.setConfig"#);
        assert!(matches!(parse(&d), Ok(Message::Search { .. })));
    }

    #[test]
    fn packet_view_reads_header_fields() {
        let d = datagram(b"{}");
        let p = Packet::new_checked(d.as_slice()).unwrap();
        assert_eq!((p.session_id(), p.request_id()), (0, 0));
        assert_eq!((p.body_len(), p.body_len_copy()), (2, 2));
        assert_eq!(p.body(), b"{}");
    }

    #[test]
    fn real_replies() {
        struct Case {
            file: &'static [u8],
            mac: &'static str,
            model: &'static str,
            class: &'static str,
            serial: &'static str,
            firmware: &'static str,
            vendor: &'static str,
            manufacturer: &'static str,
            ipv4: [u8; 4],
            ipv6: &'static str,
        }
        let cases = [
            Case {
                file: fixture!("dahua-ipc-hdw1431t1-s4-dhip-notifydevinfo.json"),
                mac: "08:ed:ed:87:42:7a",
                model: "IPC-HDW1431T1-S4",
                class: "IPC",
                serial: "6C01E93PAG69A7D",
                firmware: "2.800.0000000.13.R",
                vendor: "Private",
                manufacturer: "Private",
                ipv4: [192, 168, 124, 17],
                ipv6: "/0",
            },
            Case {
                file: fixture!("dahua-ipc-hdw5421s-dhip-notifydevinfo.json"),
                mac: "4c:11:bf:c2:0b:9d",
                model: "IPC-HDW5421S",
                class: "IPC",
                serial: "1F006E4PAX00075",
                firmware: "2.400.0.8",
                vendor: "Dahua",
                manufacturer: "Private",
                ipv4: [218, 5, 136, 140],
                ipv6: "2001:250:3000:1::1:2/112",
            },
            Case {
                file: fixture!("intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json"),
                mac: "b4:4c:3b:f4:e3:01",
                model: "SS 3530 MF FACE W",
                class: "BSC",
                serial: "K3LJ3400209RH",
                firmware: "2.000.00IB004.0.R",
                vendor: "Intelbras",
                manufacturer: "Intelbras",
                ipv4: [192, 168, 3, 175],
                ipv6: "/0",
            },
        ];
        for c in cases {
            let r = dev_info(&datagram(c.file));
            assert_eq!(r.mac, Some(Mac::parse(c.mac).unwrap()), "{}", c.model);
            assert_eq!(r.model.as_deref(), Some(c.model));
            assert_eq!(r.device_class.as_deref(), Some(c.class));
            assert_eq!(r.serial.as_deref(), Some(c.serial));
            assert_eq!(r.firmware.as_deref(), Some(c.firmware));
            assert_eq!(r.vendor.as_deref(), Some(c.vendor));
            assert_eq!(r.manufacturer.as_deref(), Some(c.manufacturer));
            assert_eq!(r.ipv4, Some(Ipv4Addr::from(c.ipv4)));
            assert_eq!(r.ipv6.as_deref(), Some(c.ipv6));
            assert_eq!((r.http_port, r.port), (Some(80), Some(37777)));
            assert!(!r.tolerant);
        }
    }

    #[test]
    fn intelbras_details() {
        let r = dev_info(&datagram(fixture!(
            "intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json"
        )));
        assert_eq!(r.machine_name.as_deref(), Some("K3LJ3400209RH"));
        assert_eq!(r.device_id, None, "empty DeviceID is no value");
        assert_eq!(r.init, Some(2198));
        assert_eq!(r.dhcp, Some(true));
        assert_eq!(r.ipv4_gateway, Some(Ipv4Addr::new(192, 168, 3, 1)));
        assert_eq!(
            r.ipv6_link_local.as_deref(),
            Some("fe80::b64c:3bff:fef4:e301/64")
        );
    }

    #[test]
    fn anonymised_capture_with_broken_json_goes_through_the_tolerant_scanner() {
        let d = fixture!("anon-dahua-dhip-notifydevinfo-udp37810.bin");
        let r = dev_info(d);
        assert!(r.tolerant);
        assert_eq!(r.model.as_deref(), Some("Virtual (JSON)"));
        assert_eq!(r.device_class.as_deref(), Some("V"));
        assert_eq!(r.serial.as_deref(), Some("123456789"));
        assert_eq!(r.vendor.as_deref(), Some("General"));
        assert_eq!(
            r.firmware.as_deref(),
            Some("1.0000"),
            "value with no closing quote, cut"
        );
        assert_eq!(
            r.video_input_channels,
            Some(1),
            "the key after the broken value survives"
        );
        assert_eq!(r.mac, Some(Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55])));
        assert_eq!(r.ipv4, Some(Ipv4Addr::new(240, 0, 4, 0)));
        assert_eq!(r.ipv4_gateway, Some(Ipv4Addr::new(240, 0, 0, 1)));
        assert_eq!(
            r.ipv6.as_deref(),
            Some("fe80::1/64"),
            "IPv6 IPAddress kept apart from IPv4"
        );
        assert_eq!(r.dhcp, Some(false));
        assert_eq!(r.port, Some(37777));
    }

    #[test]
    fn trailing_junk_and_disagreeing_lengths_are_tolerated() {
        let body = fixture!("dahua-ipc-hdw1431t1-s4-dhip-notifydevinfo.json");
        let body = body.trim_ascii_end();
        for junk in [&b"\x00"[..], b"\n\x00", b"\xff\xfe"] {
            let mut d = datagram(body);
            d.extend_from_slice(junk);
            assert_eq!(dev_info(&d).serial.as_deref(), Some("6C01E93PAG69A7D"));
            // Header claims the junk too.
            let d2 = datagram(&[body, junk].concat());
            assert_eq!(dev_info(&d2).serial.as_deref(), Some("6C01E93PAG69A7D"));
        }
        // Header claims 4 GB: the datagram bounds the body.
        let mut d = datagram(body);
        d[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        d[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(dev_info(&d).model.as_deref(), Some("IPC-HDW1431T1-S4"));
        // The two claims disagree, or one is zero: the smaller non-zero one wins.
        let exact = u32::try_from(body.len()).unwrap();
        for (first, copy) in [
            (u32::MAX, exact),
            (exact, u32::MAX),
            (exact, 0),
            (0, exact),
            (0, 0),
        ] {
            let mut d = datagram(body);
            d[16..20].copy_from_slice(&first.to_le_bytes());
            d[24..28].copy_from_slice(&copy.to_le_bytes());
            let p = Packet::new_checked(d.as_slice()).unwrap();
            assert_eq!(p.body(), body, "claims {first:#x}/{copy:#x}");
        }
        // Header claims less than was sent: the claim wins, and the cut JSON is scanned leniently.
        let mut d = datagram(body);
        let short = u32::try_from(body.len() - 30).unwrap();
        d[16..20].copy_from_slice(&short.to_le_bytes());
        let r = dev_info(&d);
        assert!(r.tolerant);
        assert_eq!(r.model.as_deref(), Some("IPC-HDW1431T1-S4"));
    }

    #[test]
    fn rejects_what_is_not_dhip() {
        assert_eq!(parse(b""), Err(Error::Truncated { len: 0 }));
        assert_eq!(parse(&[0x20; 31]), Err(Error::Truncated { len: 31 }));
        let mut d = datagram(b"{}");
        d[4] = b'X';
        assert!(matches!(parse(&d), Err(Error::Magic { .. })));
        let mut d = datagram(b"{}");
        d[0] = 0x21;
        assert_eq!(parse(&d), Err(Error::HeaderSize { found: 0x21 }));
        assert_eq!(parse(&datagram(b"")), Err(Error::EmptyBody));
        assert_eq!(parse(&datagram(b"\x00\x00")), Err(Error::EmptyBody));
        assert_eq!(parse(&datagram(b"{}")), Err(Error::NoMethod));
        assert_eq!(parse(&datagram(b"hello world")), Err(Error::NotJson));
        assert_eq!(parse(&datagram(&[b'{'; 100])), Err(Error::TooDeep));
        assert_eq!(
            parse(&datagram(
                br#"{"method":"DHDiscover.setConfig","params":{}}"#
            )),
            Ok(Message::Other {
                method: "DHDiscover.setConfig".into()
            })
        );
    }
}
