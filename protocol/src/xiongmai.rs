//! Xiongmai "NetSurveillance" (XMEye, DVRIP-Sofia) discovery on UDP 34569: the 20-byte header,
//! the search request (message 1530), the `NetWork.NetCommon` reply (message 1531), and the
//! `SystemInfo` JSON a device returns on its TCP service.
//!
//! Read-only by construction: [`search_request`] (message 1530) is the only builder. This module
//! never builds message 1532 (set network config, which carries a password hash), login, or any
//! other command.

use std::net::Ipv4Addr;
use std::ops::Range;

use serde_json::Value;

use crate::mac::Mac;

/// UDP port the search is broadcast to and answered from.
pub const PORT: u16 = 34569;
/// Size of the binary header.
pub const HEADER_LEN: usize = 20;
/// Search request message id.
pub const MSG_SEARCH_REQUEST: u16 = 1530;
/// Search reply message id.
pub const MSG_SEARCH_REPLY: u16 = 1531;
/// Largest body we read.
pub const MAX_BODY: usize = 64 * 1024;

const HEAD: u8 = 0xff;
/// Longest string value kept.
const MAX_VALUE: usize = 1024;

mod field {
    use std::ops::Range;

    /// Always 0xff.
    pub(super) const HEAD: usize = 0;
    pub(super) const VERSION: usize = 1;
    pub(super) const SESSION: Range<usize> = 4..8;
    pub(super) const SEQUENCE: Range<usize> = 8..12;
    pub(super) const MSG_ID: Range<usize> = 14..16;
    pub(super) const BODY_LEN: Range<usize> = 16..20;
}

/// Why a datagram or body is not a Xiongmai message we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("Xiongmai datagram is {len} bytes, shorter than the {HEADER_LEN}-byte header")]
    Truncated { len: usize },
    #[error("not a Xiongmai datagram: byte 0 is {found:#04x}, expected 0xff")]
    Head { found: u8 },
    #[error("Xiongmai body is {len} bytes, over the {MAX_BODY}-byte limit")]
    TooLarge { len: usize },
    #[error("Xiongmai message {msg_id} has an empty body")]
    EmptyBody { msg_id: u16 },
    #[error("Xiongmai body is not a JSON object: {reason}")]
    Json { reason: String },
    #[error("Xiongmai JSON has no \"{key}\" object")]
    Missing { key: &'static str },
}

/// A read-only view of a Xiongmai datagram; build it with [`Packet::new_checked`].
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer after checking the header is complete and starts with 0xff.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let b = buffer.as_ref();
        let Some(header) = b.get(..HEADER_LEN) else {
            return Err(Error::Truncated { len: b.len() });
        };
        match header.get(field::HEAD) {
            Some(&HEAD) => Ok(Self { buffer }),
            Some(&found) => Err(Error::Head { found }),
            None => Err(Error::Truncated { len: b.len() }),
        }
    }

    fn bytes(&self, r: Range<usize>) -> &[u8] {
        self.buffer.as_ref().get(r).unwrap_or_default()
    }

    fn le32(&self, r: Range<usize>) -> u32 {
        match self.bytes(r) {
            [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
            _ => 0,
        }
    }

    pub fn version(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(field::VERSION)
            .copied()
            .unwrap_or(0)
    }

    pub fn session(&self) -> u32 {
        self.le32(field::SESSION)
    }

    pub fn sequence(&self) -> u32 {
        self.le32(field::SEQUENCE)
    }

    pub fn msg_id(&self) -> u16 {
        match self.bytes(field::MSG_ID) {
            [a, b] => u16::from_le_bytes([*a, *b]),
            _ => 0,
        }
    }

    /// The body length the header claims.
    pub fn body_len(&self) -> u32 {
        self.le32(field::BODY_LEN)
    }

    /// The body, cut to the claimed length when that is shorter than what arrived.
    pub fn body(&self) -> &[u8] {
        let rest = self.buffer.as_ref().get(HEADER_LEN..).unwrap_or_default();
        let claimed = usize::try_from(self.body_len()).unwrap_or(usize::MAX);
        rest.get(..claimed).unwrap_or(rest)
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// The header for a message with no session, sequence 0 and a body of `len` bytes.
fn header(msg_id: u16, len: u32) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[field::HEAD] = HEAD;
    h[field::MSG_ID].copy_from_slice(&msg_id.to_le_bytes());
    h[field::BODY_LEN].copy_from_slice(&len.to_le_bytes());
    h
}

/// Builds the search request: a bare header, message 1530, no body.
pub fn search_request() -> Vec<u8> {
    header(MSG_SEARCH_REQUEST, 0).to_vec()
}

/// Every message that can arrive on UDP 34569.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A device describing its network settings.
    SearchReply(Box<NetCommon>),
    /// A search request: ours looped back, or another scanner's. Never answered.
    SearchRequest,
    /// Any other message id (1532/1533 are another tool's set-config traffic). Ignored.
    Other { msg_id: u16 },
}

/// The `NetWork.NetCommon` object of a search reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetCommon {
    pub mac: Option<Mac>,
    /// `SN`: the 16-hex-digit Xiongmai serial.
    pub serial: Option<String>,
    pub host_name: Option<String>,
    /// `HostIP`, decoded from the little-endian hex string.
    pub ipv4: Option<Ipv4Addr>,
    pub ipv4_mask: Option<Ipv4Addr>,
    pub ipv4_gateway: Option<Ipv4Addr>,
    /// `TCPPort`: the DVRIP-Sofia service (34567 by default).
    pub tcp_port: Option<u16>,
    pub udp_port: Option<u16>,
    pub http_port: Option<u16>,
    pub ssl_port: Option<u16>,
    pub channel_num: Option<u32>,
    pub device_type: Option<i64>,
    /// `OtherFunction`, e.g. `D=2019-02-28 17:30:58 V=92a9902100ec7c4` (build date and hash).
    pub other_function: Option<String>,
    /// `Ret`: 100 means OK.
    pub ret: Option<i64>,
}

/// Parses a datagram received on the discovery socket.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    let p = Packet::new_checked(datagram)?;
    match p.msg_id() {
        MSG_SEARCH_REQUEST => Ok(Message::SearchRequest),
        MSG_SEARCH_REPLY => {
            let body = p.body();
            if trim(body).is_empty() {
                return Err(Error::EmptyBody {
                    msg_id: MSG_SEARCH_REPLY,
                });
            }
            Ok(Message::SearchReply(Box::new(parse_net_common(body)?)))
        }
        msg_id => Ok(Message::Other { msg_id }),
    }
}

/// Parses the JSON body of a search reply.
pub fn parse_net_common(body: &[u8]) -> Result<NetCommon, Error> {
    let root = json_object(body)?;
    let Some(nc) = root.get("NetWork.NetCommon").filter(|v| v.is_object()) else {
        return Err(Error::Missing {
            key: "NetWork.NetCommon",
        });
    };
    let port = |k| int(nc, k).and_then(|n| u16::try_from(n).ok());
    Ok(NetCommon {
        mac: text(nc, "MAC").and_then(|m| Mac::parse(&m).ok()),
        serial: text(nc, "SN"),
        host_name: text(nc, "HostName"),
        ipv4: text(nc, "HostIP").and_then(|s| hex_ipv4(&s)),
        ipv4_mask: text(nc, "Submask").and_then(|s| hex_ipv4(&s)),
        ipv4_gateway: text(nc, "GateWay").and_then(|s| hex_ipv4(&s)),
        tcp_port: port("TCPPort"),
        udp_port: port("UDPPort"),
        http_port: port("HttpPort"),
        ssl_port: port("SSLPort"),
        channel_num: int(nc, "ChannelNum").and_then(|n| u32::try_from(n).ok()),
        device_type: int(nc, "DeviceType"),
        other_function: text(nc, "OtherFunction"),
        ret: int(&root, "Ret"),
    })
}

/// Identity from a `SystemInfo` reply (message 1021 on TCP 34567).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemInfo {
    /// `DeviceModel`, e.g. `IPC_GK7201V300_G2-WR-V_S38` (board-style, not a retail model).
    pub model: Option<String>,
    /// `HardWare`: the board name.
    pub hardware: Option<String>,
    /// `SoftWareVersion`, e.g. `V5.00.R02.000529B2.10010.040600.0020000`.
    pub firmware: Option<String>,
    /// `SerialNo`: 16 hex digits.
    pub serial: Option<String>,
    pub build_time: Option<String>,
    /// `HardWareVersion`; the common `Unknown` is no value.
    pub hardware_version: Option<String>,
    /// `Pid` (newer firmware).
    pub pid: Option<String>,
    pub device_type: Option<i64>,
}

impl SystemInfo {
    /// The fourth dot-separated field of the firmware version: the Xiongmai hardware DEVID of the
    /// board (`000529B2` in `V5.00.R02.000529B2.10010…`).
    pub fn board_id(&self) -> Option<&str> {
        let f = self.firmware.as_deref()?.split('.').nth(3)?;
        (f.len() == 8 && f.bytes().all(|c| c.is_ascii_alphanumeric())).then_some(f)
    }
}

/// Parses a `SystemInfo` JSON document: either the full reply
/// (`{"Name":"SystemInfo","Ret":100,"SystemInfo":{…}}`) or the inner object alone.
pub fn parse_system_info(body: &[u8]) -> Result<SystemInfo, Error> {
    let root = json_object(body)?;
    let si = match root.get("SystemInfo") {
        Some(v @ Value::Object(_)) => v,
        _ if root.get("SerialNo").is_some() || root.get("DeviceModel").is_some() => &root,
        _ => return Err(Error::Missing { key: "SystemInfo" }),
    };
    Ok(SystemInfo {
        model: text(si, "DeviceModel"),
        hardware: text(si, "HardWare"),
        firmware: text(si, "SoftWareVersion"),
        serial: text(si, "SerialNo"),
        build_time: text(si, "BuildTime"),
        hardware_version: text(si, "HardWareVersion"),
        pid: text(si, "Pid"),
        device_type: int(si, "DeviceType"),
    })
}

/// Decodes a Xiongmai hex IPv4 string: `0x6D0BA8C0` is the little-endian u32 of 192.168.11.109.
pub fn hex_ipv4(s: &str) -> Option<Ipv4Addr> {
    let s = s.trim();
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some(Ipv4Addr::from(v.to_le_bytes()))
}

fn trim(b: &[u8]) -> &[u8] {
    let is_pad = |c: &u8| matches!(c, 0 | b' ' | b'\t' | b'\r' | b'\n');
    let start = b.iter().position(|c| !is_pad(c)).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

/// The first JSON value of `body`, which must be an object. Devices end the body with `\n\0`;
/// whatever follows the value is ignored.
fn json_object(body: &[u8]) -> Result<Value, Error> {
    if body.len() > MAX_BODY {
        return Err(Error::TooLarge { len: body.len() });
    }
    let mut it = serde_json::Deserializer::from_slice(trim(body)).into_iter::<Value>();
    match it.next() {
        Some(Ok(v @ Value::Object(_))) => Ok(v),
        Some(Ok(_)) => Err(Error::Json {
            reason: "top-level value is not an object".into(),
        }),
        Some(Err(e)) => Err(Error::Json {
            reason: e.to_string(),
        }),
        None => Err(Error::Json {
            reason: "no JSON value".into(),
        }),
    }
}

/// A non-empty, trimmed string (numbers rendered as text); `Unknown` counts as empty.
fn text(obj: &Value, key: &str) -> Option<String> {
    let s = match obj.get(key)? {
        Value::String(s) => s.trim(),
        Value::Number(n) => return Some(n.to_string()),
        _ => return None,
    };
    (!s.is_empty() && !s.eq_ignore_ascii_case("unknown"))
        .then(|| s.chars().take(MAX_VALUE).collect())
}

fn int(obj: &Value, key: &str) -> Option<i64> {
    match obj.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
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

    const NETCOMMON: &[u8] = fixture!("xiongmai-dvrip-udp34569-netcommon-search-reply.json");

    fn datagram(msg_id: u16, body: &[u8]) -> Vec<u8> {
        let mut d = header(msg_id, u32::try_from(body.len()).unwrap()).to_vec();
        d.extend_from_slice(body);
        d
    }

    #[test]
    fn search_request_is_byte_exact() {
        #[rustfmt::skip]
        let want: [u8; 20] = [
            0xff,                   // head
            0x00,                   // version
            0x00, 0x00,             // reserved
            0x00, 0x00, 0x00, 0x00, // session
            0x00, 0x00, 0x00, 0x00, // sequence
            0x00, 0x00,             // total / current packet
            0xfa, 0x05,             // message 1530, little endian
            0x00, 0x00, 0x00, 0x00, // body length 0
        ];
        assert_eq!(search_request(), want);
        assert_eq!(parse(&search_request()), Ok(Message::SearchRequest));
    }

    #[test]
    fn header_round_trips() {
        let d = datagram(MSG_SEARCH_REPLY, NETCOMMON);
        let p = Packet::new_checked(d.as_slice()).unwrap();
        assert_eq!((p.version(), p.session(), p.sequence()), (0, 0, 0));
        assert_eq!(p.msg_id(), 1531);
        assert_eq!(p.body_len() as usize, NETCOMMON.len());
        assert_eq!(p.body(), NETCOMMON);
    }

    #[test]
    fn real_search_reply() {
        // Devices end the body with "\n\0"; python-dvr strips NULs, we ignore what follows.
        let body = [NETCOMMON, b"\n\x00"].concat();
        let Ok(Message::SearchReply(nc)) = parse(&datagram(MSG_SEARCH_REPLY, &body)) else {
            panic!("not a search reply");
        };
        assert_eq!(nc.mac, Some(Mac([0x00, 0x12, 0x31, 0x08, 0xbb, 0x97])));
        assert_eq!(nc.serial.as_deref(), Some("41e6853ada5e9323"));
        assert_eq!(nc.host_name.as_deref(), Some("LocalHost"));
        assert_eq!(nc.ipv4, Some(Ipv4Addr::new(192, 168, 11, 109)));
        assert_eq!(nc.ipv4_gateway, Some(Ipv4Addr::new(192, 168, 11, 1)));
        assert_eq!(nc.ipv4_mask, Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!((nc.tcp_port, nc.udp_port), (Some(34567), Some(34568)));
        assert_eq!((nc.http_port, nc.ssl_port), (Some(80), Some(8443)));
        assert_eq!(
            nc.other_function.as_deref(),
            Some("D=2019-02-28 17:30:58 V=92a9902100ec7c4")
        );
        assert_eq!(
            (nc.device_type, nc.channel_num, nc.ret),
            (Some(1), Some(1), Some(100))
        );
    }

    #[test]
    fn hex_ipv4_is_little_endian() {
        let cases = [
            ("0x0A01A8C0", Some(Ipv4Addr::new(192, 168, 1, 10))),
            ("0x6D0BA8C0", Some(Ipv4Addr::new(192, 168, 11, 109))),
            ("0x00FFFFFF", Some(Ipv4Addr::new(255, 255, 255, 0))),
            ("0x0", Some(Ipv4Addr::UNSPECIFIED)),
            ("6D0BA8C0", None),
            ("0x", None),
            ("0x1FFFFFFFF", None),
            ("0xZZ", None),
        ];
        for (s, want) in cases {
            assert_eq!(hex_ipv4(s), want, "{s}");
        }
    }

    #[test]
    fn real_system_info() {
        let bare = parse_system_info(fixture!(
            "xiongmai-hi3516ev300-85h50ai-dvrip-systeminfo.json"
        ))
        .unwrap();
        assert_eq!(bare.model.as_deref(), Some("HI3516EV300_85H50AI"));
        assert_eq!(
            bare.firmware.as_deref(),
            Some("V5.00.R02.000529B2.10010.040600.0020000")
        );
        assert_eq!(bare.board_id(), Some("000529B2"));
        assert_eq!(bare.serial.as_deref(), Some("a166379674a3b447"));
        assert_eq!(bare.build_time.as_deref(), Some("2020-01-08 11:05:18"));
        assert_eq!(bare.hardware_version, None, "\"Unknown\" is no value");

        // The blog post printed the header before the JSON; keep only the JSON.
        let post = fixture!("xiongmai-ipc-gk7201v300-g2-wr-v-s38-dvrip-systeminfo.txt");
        let start = post.windows(2).position(|w| w == b"{\n").unwrap();
        let wrapped = parse_system_info(&post[start..]).unwrap();
        assert_eq!(wrapped.model.as_deref(), Some("IPC_GK7201V300_G2-WR-V_S38"));
        assert_eq!(
            wrapped.firmware.as_deref(),
            Some("V5.00.R02.000949U5.10000.141324.0000010")
        );
        assert_eq!(wrapped.board_id(), Some("000949U5"));
        assert_eq!(wrapped.serial.as_deref(), Some("bf7816d59506ec06"));
        assert_eq!(wrapped.pid.as_deref(), Some("A909409U5000000N"));
        assert_eq!(wrapped.device_type, Some(7));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(parse(b""), Err(Error::Truncated { len: 0 }));
        assert_eq!(parse(&[0xff; 19]), Err(Error::Truncated { len: 19 }));
        assert_eq!(parse(&[0xfe; 20]), Err(Error::Head { found: 0xfe }));
        assert_eq!(
            parse(&datagram(MSG_SEARCH_REPLY, b"\x00")),
            Err(Error::EmptyBody {
                msg_id: MSG_SEARCH_REPLY
            })
        );
        assert!(matches!(
            parse(&datagram(MSG_SEARCH_REPLY, b"[1]")),
            Err(Error::Json { .. })
        ));
        assert_eq!(
            parse(&datagram(MSG_SEARCH_REPLY, b"{\"Ret\":100}")),
            Err(Error::Missing {
                key: "NetWork.NetCommon"
            })
        );
        assert_eq!(
            parse(&datagram(1533, b"{}")),
            Ok(Message::Other { msg_id: 1533 })
        );
        assert_eq!(
            parse_system_info(b"{\"Ret\":100}"),
            Err(Error::Missing { key: "SystemInfo" })
        );
        // A header claiming 4 GB reads only what arrived.
        let mut d = datagram(MSG_SEARCH_REPLY, NETCOMMON);
        d[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(parse(&d), Ok(Message::SearchReply(_))));
        // Claiming less than arrived cuts the JSON: an error, not a guess.
        let mut d = datagram(MSG_SEARCH_REPLY, NETCOMMON);
        d[16..20].copy_from_slice(&40u32.to_le_bytes());
        assert!(matches!(parse(&d), Err(Error::Json { .. })));
    }
}
