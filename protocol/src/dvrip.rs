//! Legacy Dahua discovery over DVRIP on UDP 5050: the 32-byte broadcast request and the binary
//! reply (header, fixed network block, MAC and model, then `Key:Value` text).
//!
//! Read-only by construction: [`search_request`] is the only builder. This module never builds
//! DVRIP login, configuration or any other command; PROTOCOLS.md b4 lists the state-changing
//! Dahua methods that must never be sent.
//!
//! Reply layout (DahuaConsole `net.py`, UniversalScanner `Dahua1.cs`, checked against the
//! anonymised capture): byte 0 is `0xb3`, byte 2 the length of the MAC+model block, then at fixed
//! offsets a version, a 16-byte name, IPv4 address/mask/gateway/DNS in network order, little-endian
//! ports, the MAC as 17 ASCII characters at 120..137, the model right after it, and `Key:Value`
//! lines (`Name:`, `Device:`, `SerialNo:`…) to the end.

use std::net::Ipv4Addr;
use std::ops::Range;

use crate::mac::Mac;

/// UDP port devices listen on; the request is broadcast.
pub const PORT: u16 = 5050;
/// Size of the request, and of the reply header.
pub const HEADER_LEN: usize = 32;
/// Start of the MAC text: the end of the fixed part of a reply.
pub const FIXED_LEN: usize = 120;
/// Largest datagram we read.
pub const MAX_DATAGRAM: usize = 64 * 1024;

const REPLY_MAGIC: u8 = 0xb3;
const REQUEST_MAGIC: [u8; 2] = [0xa3, 0x01];
const MAC_TEXT_LEN: usize = 17;
/// Most `Key:Value` lines kept from the text part.
const MAX_LINES: usize = 64;
/// Longest text value kept.
const MAX_VALUE: usize = 256;

mod field {
    use std::ops::Range;

    /// Length of the MAC + model block that starts at [`super::FIXED_LEN`].
    pub(super) const MAC_MODEL_LEN: usize = 2;
    /// Four little-endian u16 version parts.
    pub(super) const VERSION: Range<usize> = 32..40;
    /// NUL-padded name (the device type on some firmwares).
    pub(super) const NAME: Range<usize> = 40..56;
    pub(super) const IPV4: Range<usize> = 56..60;
    pub(super) const MASK: Range<usize> = 60..64;
    pub(super) const GATEWAY: Range<usize> = 64..68;
    pub(super) const DNS: Range<usize> = 68..72;
    pub(super) const HTTP_PORT: Range<usize> = 94..96;
    pub(super) const HTTPS_PORT: Range<usize> = 96..98;
    pub(super) const TCP_PORT: Range<usize> = 98..100;
    pub(super) const MAX_CONNECTIONS: Range<usize> = 100..102;
    pub(super) const SSL_PORT: Range<usize> = 102..104;
    pub(super) const UDP_PORT: Range<usize> = 104..106;
}

/// Why a datagram is not a legacy DVRIP discovery message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("DVRIP datagram is {len} bytes, shorter than the {min}-byte minimum")]
    Truncated { len: usize, min: usize },
    #[error("DVRIP datagram is {len} bytes, over the {MAX_DATAGRAM}-byte limit")]
    TooLarge { len: usize },
    #[error("not a DVRIP discovery message: byte 0 is {found:#04x}, expected 0xb3 (reply) or 0xa3")]
    Magic { found: u8 },
}

/// Builds the discovery request: `a3 01 00 01`, zeros, `0x02` at offset 16, zeros.
pub fn search_request() -> Vec<u8> {
    let mut d = vec![0u8; HEADER_LEN];
    d[..4].copy_from_slice(&[0xa3, 0x01, 0x00, 0x01]);
    d[16] = 0x02;
    d
}

/// A read-only view of a reply. [`Packet::new_checked`] guarantees the fixed part is present, so
/// every accessor is infallible.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a reply after checking the magic and that the fixed 120 bytes are there.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let b = buffer.as_ref();
        if b.len() > MAX_DATAGRAM {
            return Err(Error::TooLarge { len: b.len() });
        }
        match b.first() {
            None => {
                return Err(Error::Truncated {
                    len: 0,
                    min: FIXED_LEN,
                });
            }
            Some(&REPLY_MAGIC) => {}
            Some(&found) => return Err(Error::Magic { found }),
        }
        if b.len() < FIXED_LEN {
            return Err(Error::Truncated {
                len: b.len(),
                min: FIXED_LEN,
            });
        }
        Ok(Self { buffer })
    }

    fn bytes(&self, r: Range<usize>) -> &[u8] {
        self.buffer.as_ref().get(r).unwrap_or_default()
    }

    fn le16(&self, r: Range<usize>) -> u16 {
        match self.bytes(r) {
            [a, b] => u16::from_le_bytes([*a, *b]),
            _ => 0,
        }
    }

    fn ipv4(&self, r: Range<usize>) -> Ipv4Addr {
        match self.bytes(r) {
            [a, b, c, d] => Ipv4Addr::new(*a, *b, *c, *d),
            _ => Ipv4Addr::UNSPECIFIED,
        }
    }

    /// Four version parts, e.g. `[2, 0, 0, 0]`.
    pub fn version(&self) -> [u16; 4] {
        let v = field::VERSION.start;
        [0, 1, 2, 3].map(|i| self.le16(v + 2 * i..v + 2 * i + 2))
    }

    /// The NUL-padded name at 40..56.
    pub fn name(&self) -> Option<String> {
        c_string(self.bytes(field::NAME))
    }

    pub fn ipv4_address(&self) -> Ipv4Addr {
        self.ipv4(field::IPV4)
    }

    pub fn ipv4_mask(&self) -> Ipv4Addr {
        self.ipv4(field::MASK)
    }

    pub fn ipv4_gateway(&self) -> Ipv4Addr {
        self.ipv4(field::GATEWAY)
    }

    pub fn dns(&self) -> Ipv4Addr {
        self.ipv4(field::DNS)
    }

    pub fn http_port(&self) -> u16 {
        self.le16(field::HTTP_PORT)
    }

    pub fn https_port(&self) -> u16 {
        self.le16(field::HTTPS_PORT)
    }

    /// The DVRIP TCP service port (37777 by default).
    pub fn tcp_port(&self) -> u16 {
        self.le16(field::TCP_PORT)
    }

    pub fn max_connections(&self) -> u16 {
        self.le16(field::MAX_CONNECTIONS)
    }

    pub fn ssl_port(&self) -> u16 {
        self.le16(field::SSL_PORT)
    }

    pub fn udp_port(&self) -> u16 {
        self.le16(field::UDP_PORT)
    }

    /// The MAC + model block, as long as byte 2 says and the datagram allows.
    fn mac_model(&self) -> &[u8] {
        let claimed = self.bytes(field::MAC_MODEL_LEN..field::MAC_MODEL_LEN + 1);
        let n = claimed.first().copied().map_or(0, usize::from);
        let rest = self.bytes(FIXED_LEN..self.buffer.as_ref().len());
        rest.get(..n).unwrap_or(rest)
    }

    /// The MAC text at 120..137.
    pub fn mac_text(&self) -> Option<String> {
        let block = self.mac_model();
        c_string(block.get(..MAC_TEXT_LEN).unwrap_or(block))
    }

    /// The model after the MAC text.
    pub fn model(&self) -> Option<String> {
        c_string(self.mac_model().get(MAC_TEXT_LEN..).unwrap_or_default())
    }

    /// The `Key:Value` text after the MAC + model block.
    pub fn text(&self) -> &[u8] {
        let start = FIXED_LEN.saturating_add(self.mac_model().len());
        self.bytes(start..self.buffer.as_ref().len())
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// Every message that can arrive on UDP 5050.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    Reply(Box<DvripReply>),
    /// A discovery request (`a3 01 …`): ours looped back, or another scanner's. Never answered.
    Request,
}

/// What a legacy discovery reply says about a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DvripReply {
    pub version: [u16; 4],
    /// The 16-byte name field (UniversalScanner reads it as the device type).
    pub name: Option<String>,
    pub mac: Option<Mac>,
    /// The model after the MAC.
    pub model: Option<String>,
    pub ipv4: Ipv4Addr,
    pub ipv4_mask: Ipv4Addr,
    pub ipv4_gateway: Ipv4Addr,
    pub dns: Ipv4Addr,
    pub http_port: u16,
    pub https_port: u16,
    pub tcp_port: u16,
    pub udp_port: u16,
    pub ssl_port: u16,
    /// `SerialNo:` from the text part.
    pub serial: Option<String>,
    /// `Device:` from the text part.
    pub device: Option<String>,
    /// `Name:` from the text part (`Dahua` on genuine units).
    pub vendor_name: Option<String>,
    /// Every `Key:Value` line of the text part, in order (bounded).
    pub text: Vec<(String, String)>,
}

/// Parses a datagram received on the discovery socket.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    if datagram.starts_with(&REQUEST_MAGIC) {
        return if datagram.len() >= HEADER_LEN {
            Ok(Message::Request)
        } else {
            Err(Error::Truncated {
                len: datagram.len(),
                min: HEADER_LEN,
            })
        };
    }
    let p = Packet::new_checked(datagram)?;
    let text = key_values(p.text());
    let find = |k: &str| {
        text.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    Ok(Message::Reply(Box::new(DvripReply {
        version: p.version(),
        name: p.name(),
        mac: p.mac_text().and_then(|m| Mac::parse(&m).ok()),
        model: p.model(),
        ipv4: p.ipv4_address(),
        ipv4_mask: p.ipv4_mask(),
        ipv4_gateway: p.ipv4_gateway(),
        dns: p.dns(),
        http_port: p.http_port(),
        https_port: p.https_port(),
        tcp_port: p.tcp_port(),
        udp_port: p.udp_port(),
        ssl_port: p.ssl_port(),
        serial: find("SerialNo"),
        device: find("Device"),
        vendor_name: find("Name"),
        text,
    })))
}

/// Text up to the first NUL, lossily decoded, trimmed; `None` when empty.
fn c_string(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = String::from_utf8_lossy(b.get(..end).unwrap_or_default());
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(MAX_VALUE).collect())
}

/// `Key:Value` lines (CRLF or LF), split on the first colon, bounded in count and length.
fn key_values(text: &[u8]) -> Vec<(String, String)> {
    let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
    let text = String::from_utf8_lossy(text.get(..end).unwrap_or_default());
    text.lines()
        .filter_map(|line| {
            let (k, v) = line.split_once(':')?;
            let (k, v) = (k.trim(), v.trim());
            (!k.is_empty() && !v.is_empty()).then(|| {
                (
                    k.chars().take(MAX_VALUE).collect(),
                    v.chars().take(MAX_VALUE).collect(),
                )
            })
        })
        .take(MAX_LINES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANON: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/anon-dahua-legacy-udp5050-reply.bin"
    ));

    fn reply(d: &[u8]) -> DvripReply {
        match parse(d) {
            Ok(Message::Reply(r)) => *r,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn request_is_byte_exact_and_recognised_when_looped_back() {
        #[rustfmt::skip]
        let want: [u8; 32] = [
            0xa3, 0x01, 0x00, 0x01, // discovery request
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
            0x02, 0x00, 0x00, 0x00, // 0x02 at offset 16
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(search_request(), want);
        assert_eq!(parse(&search_request()), Ok(Message::Request));
    }

    #[test]
    fn anonymised_capture_shape() {
        let r = reply(ANON);
        assert_eq!(r.name.as_deref(), Some("Virtual"));
        assert_eq!(r.mac, Some(Mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])));
        assert_eq!(r.model.as_deref(), Some("Virtual"));
        assert_eq!(r.ipv4, Ipv4Addr::new(240, 0, 3, 0));
        assert_eq!(r.ipv4_mask, Ipv4Addr::new(255, 0, 0, 0));
        assert_eq!(r.ipv4_gateway, Ipv4Addr::new(127, 0, 0, 1));
        assert_eq!((r.http_port, r.https_port), (80, 443));
        assert_eq!((r.tcp_port, r.ssl_port, r.udp_port), (37777, 37776, 37778));
        assert_eq!(r.vendor_name.as_deref(), Some("Dahua"));
        assert_eq!(r.device.as_deref(), Some("Virtual"));
        assert_eq!(r.serial.as_deref(), Some("123456789"));
        // Split on the first colon only: IPv6 values keep theirs.
        assert!(
            r.text
                .contains(&("IPv6Addr".into(), "fe80::1/64;gateway:fe80::".into()))
        );
    }

    #[test]
    fn packet_view_on_a_hand_built_reply() {
        let mut d = vec![0u8; FIXED_LEN];
        d[0] = 0xb3; // reply magic
        d[2] = 17 + 5; // MAC text + "MODEL"
        d[32..34].copy_from_slice(&2u16.to_le_bytes()); // version 2.1.0.0
        d[34..36].copy_from_slice(&1u16.to_le_bytes());
        d[56..60].copy_from_slice(&[192, 168, 1, 108]); // IPv4, network order
        d[98..100].copy_from_slice(&37777u16.to_le_bytes());
        d.extend_from_slice(b"3c:ef:8c:01:02:03MODELSerialNo:ABC\r\n");
        let p = Packet::new_checked(d.as_slice()).unwrap();
        assert_eq!(p.version(), [2, 1, 0, 0]);
        assert_eq!(p.ipv4_address(), Ipv4Addr::new(192, 168, 1, 108));
        assert_eq!(p.tcp_port(), 37777);
        assert_eq!(p.mac_text().as_deref(), Some("3c:ef:8c:01:02:03"));
        assert_eq!(p.model().as_deref(), Some("MODEL"));
        assert_eq!(p.text(), b"SerialNo:ABC\r\n");
        // Byte 2 claiming more than was sent is bounded by the datagram.
        d[2] = 0xff;
        let r = reply(&d);
        assert_eq!(
            r.mac.map(|m| m.to_string()).as_deref(),
            Some("3c:ef:8c:01:02:03")
        );
        assert_eq!(
            r.serial, None,
            "the text part was swallowed by the block, never read past it"
        );
    }

    #[test]
    fn rejects_short_or_foreign_datagrams() {
        assert_eq!(
            parse(b""),
            Err(Error::Truncated {
                len: 0,
                min: FIXED_LEN
            })
        );
        assert_eq!(
            parse(&[0xb3]),
            Err(Error::Truncated {
                len: 1,
                min: FIXED_LEN
            })
        );
        assert_eq!(
            parse(&ANON[..119]),
            Err(Error::Truncated {
                len: 119,
                min: FIXED_LEN
            })
        );
        assert_eq!(
            parse(&[0xa3, 0x01]),
            Err(Error::Truncated {
                len: 2,
                min: HEADER_LEN
            })
        );
        assert_eq!(parse(b"{\"json\"}"), Err(Error::Magic { found: b'{' }));
        // Exactly the fixed part: a reply with no MAC, model or text.
        let r = reply(&ANON[..FIXED_LEN]);
        assert_eq!((r.mac, r.model, r.serial), (None, None, None));
    }
}
