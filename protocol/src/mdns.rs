//! Multicast DNS (UDP 5353) as Axis cameras use it: a PTR query for `_axis-video._tcp.local`,
//! a minimal bounded DNS message reader (PTR, SRV, TXT, A, AAAA), and the Axis reading of the
//! answer (model and serial in the instance name, MAC in TXT `macaddress=`).
//!
//! Read-only by construction: [`query`] (a PTR question) is the only builder. This module never
//! builds a response, a probe for a name we would claim, or an announcement: the agent never
//! answers or advertises on mDNS.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::mac::Mac;

/// UDP port.
pub const PORT: u16 = 5353;
/// IPv4 multicast group.
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
/// IPv6 link-local multicast group.
pub const MULTICAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb);
/// Axis cameras and encoders.
pub const AXIS_VIDEO: &str = "_axis-video._tcp.local";
/// Axis recorders.
pub const AXIS_NVR: &str = "_axis-nvr._tcp.local";
/// Largest datagram we read.
pub const MAX_DATAGRAM: usize = 64 * 1024;

/// Record types this reader decodes.
pub mod rtype {
    pub const A: u16 = 1;
    pub const PTR: u16 = 12;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const SRV: u16 = 33;
}

const HEADER_LEN: usize = 12;
const CLASS_IN: u16 = 1;
/// The top bit of a question's class asks for a unicast reply (QU); of a record's class, it
/// flushes caches.
const CLASS_TOP_BIT: u16 = 0x8000;
/// Most questions plus records read from one message.
const MAX_ENTRIES: usize = 256;
/// Most compression pointers followed in one name: a pointer loop ends here.
const MAX_JUMPS: usize = 32;
const MAX_NAME: usize = 255;
/// Most strings kept from one TXT record.
const MAX_TXT_STRINGS: usize = 64;

/// Why a datagram is not a DNS message we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("DNS message is {len} bytes, shorter than the 12-byte header")]
    Truncated { len: usize },
    #[error("DNS message is {len} bytes, over the {MAX_DATAGRAM}-byte limit")]
    TooLarge { len: usize },
    #[error("DNS message ends inside {what} at byte {at}")]
    Cut { what: &'static str, at: usize },
    #[error("DNS message claims {count} entries, over the {MAX_ENTRIES} limit")]
    TooManyEntries { count: usize },
    #[error("DNS name at byte {at} is malformed: {reason}")]
    BadName { at: usize, reason: &'static str },
    #[error("cannot query {name:?}: {reason}")]
    BadQueryName { name: String, reason: &'static str },
}

/// Builds a one-question PTR query for `service` (e.g. [`AXIS_VIDEO`]), id 0 as mDNS wants.
/// `unicast_response` sets the QU bit, asking devices to answer the sender directly.
pub fn query(service: &str, unicast_response: bool) -> Result<Vec<u8>, Error> {
    let bad = |reason| Error::BadQueryName {
        name: service.chars().take(64).collect(),
        reason,
    };
    let name = service.trim_end_matches('.');
    if name.is_empty() || name.len() > MAX_NAME - 2 {
        return Err(bad("empty or longer than 253 characters"));
    }
    let mut out = vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        let len = u8::try_from(label.len())
            .ok()
            .filter(|l| (1..=63).contains(l));
        let Some(len) = len else {
            return Err(bad("label empty or over 63 bytes"));
        };
        if label.bytes().any(|b| b.is_ascii_control()) {
            return Err(bad("control character in label"));
        }
        out.push(len);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&rtype::PTR.to_be_bytes());
    let class = if unicast_response {
        CLASS_IN | CLASS_TOP_BIT
    } else {
        CLASS_IN
    };
    out.extend_from_slice(&class.to_be_bytes());
    Ok(out)
}

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Owner name, labels joined with `.`, no trailing dot.
    pub name: String,
    pub rtype: u16,
    /// Class without the cache-flush bit.
    pub class: u16,
    pub cache_flush: bool,
    pub ttl: u32,
    pub data: RData,
}

/// Decoded record data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Ptr(String),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// Character strings, lossily decoded.
    Txt(Vec<String>),
    /// A type this reader does not decode, or data of the wrong size for its type.
    Other,
}

/// A DNS response: answers, authority and additional records, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    pub records: Vec<Record>,
}

/// Every DNS message that can arrive on the mDNS socket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    Response(Response),
    /// A query: ours looped back, or another host's. Never answered.
    Query {
        questions: Vec<(String, u16)>,
    },
}

/// Parses a DNS message.
pub fn parse(datagram: &[u8]) -> Result<Message, Error> {
    if datagram.len() > MAX_DATAGRAM {
        return Err(Error::TooLarge {
            len: datagram.len(),
        });
    }
    let Some(header) = datagram.get(..HEADER_LEN) else {
        return Err(Error::Truncated {
            len: datagram.len(),
        });
    };
    let count = |i: usize| usize::from(u16::from_be_bytes([header[i], header[i + 1]]));
    let is_response = header[2] & 0x80 != 0;
    let (qd, an, ns, ar) = (count(4), count(6), count(8), count(10));
    let total = qd + an + ns + ar;
    if total > MAX_ENTRIES {
        return Err(Error::TooManyEntries { count: total });
    }
    let mut pos = HEADER_LEN;
    let mut questions = Vec::new();
    for _ in 0..qd {
        let (name, next) = read_name(datagram, pos)?;
        let fixed = datagram.get(next..next + 4).ok_or(Error::Cut {
            what: "question",
            at: next,
        })?;
        questions.push((name, u16::from_be_bytes([fixed[0], fixed[1]])));
        pos = next + 4;
    }
    if !is_response {
        return Ok(Message::Query { questions });
    }
    let mut records = Vec::new();
    for _ in 0..an + ns + ar {
        let (record, next) = read_record(datagram, pos)?;
        records.push(record);
        pos = next;
    }
    Ok(Message::Response(Response { records }))
}

fn read_record(msg: &[u8], pos: usize) -> Result<(Record, usize), Error> {
    let (name, next) = read_name(msg, pos)?;
    let cut = || Error::Cut {
        what: "record",
        at: next,
    };
    let fixed = msg.get(next..next + 10).ok_or_else(cut)?;
    let be16 = |i: usize| u16::from_be_bytes([fixed[i], fixed[i + 1]]);
    let (rtype, class) = (be16(0), be16(2));
    let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let start = next + 10;
    let end = start + usize::from(be16(8));
    let rdata = msg.get(start..end).ok_or_else(cut)?;
    let data = match (rtype, rdata) {
        (rtype::A, &[a, b, c, d]) => RData::A(Ipv4Addr::new(a, b, c, d)),
        (rtype::AAAA, r) => <[u8; 16]>::try_from(r).map_or(RData::Other, |b| RData::Aaaa(b.into())),
        (rtype::PTR, _) => RData::Ptr(read_name(msg, start)?.0),
        (rtype::SRV, &[p0, p1, w0, w1, o0, o1, ..]) => RData::Srv {
            priority: u16::from_be_bytes([p0, p1]),
            weight: u16::from_be_bytes([w0, w1]),
            port: u16::from_be_bytes([o0, o1]),
            target: read_name(msg, start + 6)?.0,
        },
        (rtype::TXT, r) => RData::Txt(txt_strings(r)),
        _ => RData::Other,
    };
    let record = Record {
        name,
        rtype,
        class: class & !CLASS_TOP_BIT,
        cache_flush: class & CLASS_TOP_BIT != 0,
        ttl,
        data,
    };
    Ok((record, end))
}

/// Reads a possibly compressed name at `pos`. Returns it and the position after it in the
/// original (uncompressed) stream.
fn read_name(msg: &[u8], mut pos: usize) -> Result<(String, usize), Error> {
    let start = pos;
    let mut out = String::new();
    let mut after: Option<usize> = None;
    let mut jumps = 0usize;
    loop {
        let len = *msg.get(pos).ok_or(Error::Cut {
            what: "name",
            at: pos,
        })?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                return Ok((out, after.unwrap_or(pos + 1)));
            }
            0x00 => {
                let label = msg
                    .get(pos + 1..pos + 1 + usize::from(len))
                    .ok_or(Error::Cut {
                        what: "label",
                        at: pos,
                    })?;
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&String::from_utf8_lossy(label));
                if out.len() > MAX_NAME {
                    return Err(Error::BadName {
                        at: start,
                        reason: "longer than 255 bytes",
                    });
                }
                pos += 1 + usize::from(len);
            }
            0xc0 => {
                let low = *msg.get(pos + 1).ok_or(Error::Cut {
                    what: "pointer",
                    at: pos,
                })?;
                jumps += 1;
                if jumps > MAX_JUMPS {
                    return Err(Error::BadName {
                        at: start,
                        reason: "compression pointer loop",
                    });
                }
                after.get_or_insert(pos + 2);
                pos = usize::from(u16::from_be_bytes([len & 0x3f, low]));
            }
            _ => {
                return Err(Error::BadName {
                    at: pos,
                    reason: "reserved label type",
                });
            }
        }
    }
}

fn txt_strings(mut r: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = r.split_first() {
        if out.len() >= MAX_TXT_STRINGS {
            break;
        }
        let n = usize::from(len).min(rest.len());
        let (s, tail) = rest.split_at(n);
        out.push(String::from_utf8_lossy(s).into_owned());
        r = tail;
    }
    out
}

/// An Axis device read from an mDNS response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisDevice {
    /// The service the instance was announced under ([`AXIS_VIDEO`] or [`AXIS_NVR`]).
    pub service: String,
    /// The instance label, e.g. `AXIS M5014 - ACCC8E3C0419`.
    pub instance: String,
    /// Before ` - `: `AXIS M5014` (user-renamed units put their own name here).
    pub model: Option<String>,
    /// After ` - `: the serial, which on Axis is the MAC in hex.
    pub serial: Option<String>,
    /// TXT `macaddress=`, else the serial when it is 12 hex digits.
    pub mac: Option<Mac>,
    pub port: Option<u16>,
    pub ipv4: Vec<Ipv4Addr>,
    pub ipv6: Vec<Ipv6Addr>,
}

/// The Axis devices a response announces. Records are tied to an instance by name; when the
/// response holds a single instance, unowned TXT/A/AAAA records are credited to it too (some
/// responders name them after the host or the service).
pub fn axis_devices(resp: &Response) -> Vec<AxisDevice> {
    let instances: Vec<(&str, &str)> = resp
        .records
        .iter()
        .filter_map(|r| match &r.data {
            RData::Ptr(target) => {
                let service = [AXIS_VIDEO, AXIS_NVR]
                    .into_iter()
                    .find(|s| r.name.eq_ignore_ascii_case(s))?;
                Some((service, target.as_str()))
            }
            _ => None,
        })
        .collect();
    let single = instances.len() == 1;
    instances
        .iter()
        .map(|&(service, full)| {
            let owned = |r: &&Record| single || r.name.eq_ignore_ascii_case(full);
            let srv = resp.records.iter().find_map(|r| match &r.data {
                RData::Srv { port, target, .. } if r.name.eq_ignore_ascii_case(full) => {
                    Some((*port, target.as_str()))
                }
                _ => None,
            });
            let on_host = |r: &&Record| {
                owned(r) || srv.is_some_and(|(_, host)| r.name.eq_ignore_ascii_case(host))
            };
            let instance = strip_suffix_ci(full, service).unwrap_or(full).to_owned();
            let (model, serial) = match instance.split_once(" - ") {
                Some((m, s)) => (non_empty(m), non_empty(s)),
                None => (non_empty(&instance), None),
            };
            let txt_mac = resp
                .records
                .iter()
                .filter(owned)
                .find_map(|r| match &r.data {
                    RData::Txt(strings) => strings.iter().find_map(|s| {
                        let (k, v) = s.split_once('=')?;
                        k.eq_ignore_ascii_case("macaddress")
                            .then(|| Mac::parse(v).ok())
                            .flatten()
                    }),
                    _ => None,
                });
            let serial_mac = serial
                .as_deref()
                .filter(|s| s.len() == 12)
                .and_then(|s| Mac::parse(s).ok());
            AxisDevice {
                service: service.to_owned(),
                model,
                serial,
                mac: txt_mac.or(serial_mac),
                port: srv.map(|(p, _)| p),
                ipv4: addresses(resp, on_host, |d| match d {
                    RData::A(a) => Some(*a),
                    _ => None,
                }),
                ipv6: addresses(resp, on_host, |d| match d {
                    RData::Aaaa(a) => Some(*a),
                    _ => None,
                }),
                instance,
            }
        })
        .collect()
}

fn addresses<T: PartialEq>(
    resp: &Response,
    keep: impl Fn(&&Record) -> bool,
    pick: impl Fn(&RData) -> Option<T>,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for a in resp
        .records
        .iter()
        .filter(keep)
        .filter_map(|r| pick(&r.data))
    {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// `name` without `.suffix` (ASCII case-insensitive).
fn strip_suffix_ci<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = name.len().checked_sub(suffix.len() + 1)?;
    let (head, tail) = (name.get(..cut)?, name.get(cut..)?);
    (tail.starts_with('.') && tail.get(1..)?.eq_ignore_ascii_case(suffix)).then_some(head)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AXIS: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/anon-axis-mdns-axis-video-reply.bin"
    ));

    fn response(d: &[u8]) -> Response {
        match parse(d) {
            Ok(Message::Response(r)) => r,
            other => panic!("expected a response, got {other:?}"),
        }
    }

    #[test]
    fn query_is_byte_exact_and_round_trips() {
        let q = query(AXIS_VIDEO, false).unwrap();
        #[rustfmt::skip]
        let want: &[u8] = &[
            0x00, 0x00, // id 0
            0x00, 0x00, // flags: standard query
            0x00, 0x01, // one question
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // no records
            11, b'_', b'a', b'x', b'i', b's', b'-', b'v', b'i', b'd', b'e', b'o',
            4, b'_', b't', b'c', b'p',
            5, b'l', b'o', b'c', b'a', b'l',
            0,
            0x00, 0x0c, // PTR
            0x00, 0x01, // IN, multicast reply wanted
        ];
        assert_eq!(q, want);
        assert_eq!(
            parse(&q),
            Ok(Message::Query {
                questions: vec![(AXIS_VIDEO.into(), rtype::PTR)]
            })
        );
        let qu = query("_axis-nvr._tcp.local.", true).unwrap();
        assert_eq!(qu[qu.len() - 2..], [0x80, 0x01], "QU bit set");
        for bad in ["", "a..local", &"x".repeat(64), "a\nb.local"] {
            assert!(
                matches!(query(bad, false), Err(Error::BadQueryName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn anonymised_axis_answer_records() {
        let r = response(AXIS);
        assert_eq!(r.records.len(), 5);
        assert_eq!(r.records[0].name, AXIS_VIDEO);
        assert_eq!(
            r.records[0].data,
            RData::Ptr("Virtual - 001122334455._axis-video._tcp.local".into())
        );
        assert_eq!(r.records[1].name, "_rtsp._tcp.local");
        assert_eq!(
            r.records[1].data,
            RData::Ptr("AXIS M5014 - ACCC8E3C0419 H.264._axis-video._tcp.local".into())
        );
        assert_eq!(
            r.records[2].data,
            RData::Txt(vec!["macaddress=001122334455".into()])
        );
        assert!(r.records[2].cache_flush);
        assert_eq!(r.records[2].ttl, 4500);
        assert_eq!(r.records[3].data, RData::A(Ipv4Addr::new(240, 0, 6, 0)));
        assert_eq!(
            r.records[4].data,
            RData::A(Ipv4Addr::new(169, 254, 65, 120))
        );
    }

    #[test]
    fn anonymised_axis_device() {
        let devices = axis_devices(&response(AXIS));
        assert_eq!(devices.len(), 1);
        let d = &devices[0];
        assert_eq!(d.service, AXIS_VIDEO);
        assert_eq!(d.instance, "Virtual - 001122334455");
        assert_eq!(d.model.as_deref(), Some("Virtual"));
        assert_eq!(d.serial.as_deref(), Some("001122334455"));
        assert_eq!(d.mac, Some(Mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])));
        assert_eq!(
            d.ipv4,
            [
                Ipv4Addr::new(240, 0, 6, 0),
                Ipv4Addr::new(169, 254, 65, 120)
            ]
        );
        assert_eq!(d.port, None);
    }

    /// A response as a real Axis camera sends it, encoded here: PTR, SRV, TXT and A records tied
    /// by name, no compression.
    #[test]
    fn well_formed_axis_response_with_srv() {
        fn name(out: &mut Vec<u8>, n: &str) {
            for l in n.split('.') {
                out.push(l.len() as u8);
                out.extend_from_slice(l.as_bytes());
            }
            out.push(0);
        }
        fn rr(out: &mut Vec<u8>, owner: &str, t: u16, data: &[u8]) {
            name(out, owner);
            out.extend_from_slice(&t.to_be_bytes());
            out.extend_from_slice(&[0x80, 0x01, 0, 0, 0x11, 0x94]);
            out.extend_from_slice(&(data.len() as u16).to_be_bytes());
            out.extend_from_slice(data);
        }
        let inst = "AXIS M3045-V - ACCC8E123456._axis-video._tcp.local";
        let mut d = vec![0, 0, 0x84, 0, 0, 0, 0, 4, 0, 0, 0, 0];
        let mut ptr = Vec::new();
        name(&mut ptr, inst);
        rr(&mut d, AXIS_VIDEO, rtype::PTR, &ptr);
        let mut srv = vec![0, 0, 0, 0, 0, 80];
        name(&mut srv, "axis-accc8e123456.local");
        rr(&mut d, inst, rtype::SRV, &srv);
        rr(
            &mut d,
            inst,
            rtype::TXT,
            b"\x17macaddress=ACCC8E123456\x0dsomethingelse",
        );
        rr(
            &mut d,
            "axis-accc8e123456.local",
            rtype::A,
            &[192, 168, 0, 90],
        );
        let devices = axis_devices(&response(&d));
        assert_eq!(devices.len(), 1);
        let dev = &devices[0];
        assert_eq!(dev.model.as_deref(), Some("AXIS M3045-V"));
        assert_eq!(dev.serial.as_deref(), Some("ACCC8E123456"));
        assert_eq!(
            dev.mac.map(|m| m.to_string()).as_deref(),
            Some("ac:cc:8e:12:34:56")
        );
        assert_eq!(dev.port, Some(80));
        assert_eq!(dev.ipv4, [Ipv4Addr::new(192, 168, 0, 90)]);
    }

    #[test]
    fn hostile_messages() {
        assert_eq!(parse(b""), Err(Error::Truncated { len: 0 }));
        assert_eq!(parse(&AXIS[..11]), Err(Error::Truncated { len: 11 }));
        // Header promises 65535 answers.
        let mut d = AXIS.to_vec();
        d[6..8].copy_from_slice(&[0xff, 0xff]);
        assert!(matches!(parse(&d), Err(Error::TooManyEntries { .. })));
        // Every cut of the real message is an error or a shorter response, never a panic.
        for n in 0..AXIS.len() {
            let _ = parse(&AXIS[..n]);
        }
        // A pointer to itself.
        let d = [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12];
        assert_eq!(
            parse(&d),
            Err(Error::BadName {
                at: 12,
                reason: "compression pointer loop"
            })
        );
        // Reserved label type 0x40.
        let d = [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x40];
        assert!(matches!(parse(&d), Err(Error::BadName { .. })));
        // rdlength past the end.
        let mut d = AXIS[..0x2e].to_vec();
        d[0x2c..0x2e].copy_from_slice(&[0xff, 0xff]);
        assert!(matches!(parse(&d), Err(Error::Cut { .. })));
    }
}
