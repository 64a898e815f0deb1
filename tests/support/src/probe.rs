//! A minimal WS-Discovery prober for tests: sends one hand-written 2005/04 Probe (multicast on
//! a chosen interface, or unicast) and counts the ProbeMatches that answer it.
//!
//! Test equipment only: the agent has its own discovery code. Sends exactly one datagram.

use std::collections::BTreeSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use crate::prng::SplitMix64;
use crate::sim::{WSD_GROUP, WSD_PORT};
use crate::soap::{NS_WSD, parse_envelope};

const RECV_BUFFER: usize = 8 << 20;
/// Replies read at most (a bound on one probe's work).
const MAX_REPLIES: usize = 100_000;

/// A Probe in the shape ONVIF clients send (AGSH-style, typed `dn:NetworkVideoTransmitter`).
pub fn probe_datagram(message_id: &str, typed: bool) -> Vec<u8> {
    let types = if typed {
        "<d:Types xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">\
         dn:NetworkVideoTransmitter</d:Types>"
    } else {
        ""
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" \
         xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
         xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><s:Header>\
         <a:Action s:mustUnderstand=\"1\">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe\
         </a:Action><a:MessageID>{message_id}</a:MessageID>\
         <a:To s:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\
         </s:Header><s:Body><d:Probe>{types}</d:Probe></s:Body></s:Envelope>"
    )
    .into_bytes()
}

/// A fresh `urn:uuid:` MessageID (time and pid seeded; no OS entropy needed).
pub fn new_message_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = SplitMix64::new(nanos ^ u64::from(std::process::id()) << 40);
    format!("urn:uuid:{}", rng.uuid_v4())
}

/// What came back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub message_id: String,
    pub datagrams: usize,
    /// ProbeMatches whose RelatesTo is our MessageID.
    pub matches: usize,
    /// Distinct source addresses among `matches`.
    pub distinct_responders: usize,
    /// Distinct EndpointReference addresses among `matches`.
    pub distinct_endpoints: usize,
    /// Replies that came from a port other than the one probed (3702 for multicast).
    pub foreign_source_port: usize,
    pub responders: BTreeSet<Ipv4Addr>,
    /// Growth of `Udp: RcvbufErrors` in this network namespace while listening.
    pub rcvbuf_errors: Option<u64>,
    /// Milliseconds from sending to the last matching reply.
    pub last_reply_ms: Option<u64>,
}

/// Sends one Probe to `target` (the WS-Discovery group when `None`) from `iface_addr` and
/// listens for `wait`.
pub async fn probe(
    iface_addr: Ipv4Addr,
    target: Option<SocketAddr>,
    wait: Duration,
    typed: bool,
) -> io::Result<ProbeReport> {
    let socket = socket(iface_addr)?;
    let message_id = new_message_id();
    let before = rcvbuf_errors();
    let dest = target.unwrap_or_else(|| SocketAddr::from((WSD_GROUP, WSD_PORT)));
    let sent = Instant::now();
    socket
        .send_to(&probe_datagram(&message_id, typed), dest)
        .await?;
    let mut report = ProbeReport {
        message_id,
        ..ProbeReport::default()
    };
    let mut endpoints = BTreeSet::new();
    let mut buf = vec![0u8; 65_536];
    let deadline = tokio::time::Instant::now() + wait;
    while report.datagrams < MAX_REPLIES {
        let received = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await;
        let Ok(Ok((len, from))) = received else { break };
        report.datagrams += 1;
        let Ok(envelope) = parse_envelope(buf.get(..len).unwrap_or_default()) else {
            continue;
        };
        let ours = envelope.relates_to.as_deref() == Some(report.message_id.as_str());
        if !ours || !envelope.body_is(NS_WSD, "ProbeMatches") {
            continue;
        }
        report.matches += 1;
        report.last_reply_ms = Some(u64::try_from(sent.elapsed().as_millis()).unwrap_or(0));
        if from.port() != dest.port() {
            report.foreign_source_port += 1;
        }
        if let SocketAddr::V4(v4) = from {
            report.responders.insert(*v4.ip());
        }
        endpoints.extend(envelope.probe_matches.into_iter().map(|m| m.address));
    }
    report.distinct_responders = report.responders.len();
    report.distinct_endpoints = endpoints.len();
    report.rcvbuf_errors = before
        .zip(rcvbuf_errors())
        .map(|(b, a)| a.saturating_sub(b));
    Ok(report)
}

fn socket(iface_addr: Ipv4Addr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    socket.set_multicast_if_v4(&iface_addr)?;
    socket.set_multicast_ttl_v4(1)?;
    socket.set_multicast_loop_v4(false)?;
    socket.set_nonblocking(true)?;
    socket.bind(&SocketAddr::from((iface_addr, 0)).into())?;
    UdpSocket::from_std(socket.into())
}

/// `Udp: RcvbufErrors` of this network namespace (`/proc/net/snmp`).
pub fn rcvbuf_errors() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp: "));
    let names = udp.next()?;
    let values = udp.next()?;
    let column = names.split_whitespace().position(|n| n == "RcvbufErrors")?;
    values.split_whitespace().nth(column)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_datagram_reads_back_as_a_typed_probe() {
        let id = new_message_id();
        assert!(id.starts_with("urn:uuid:") && id.len() == 45, "{id}");
        let env = parse_envelope(&probe_datagram(&id, true)).unwrap();
        assert!(env.is_probe());
        assert_eq!(env.message_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            env.probe_types,
            Some(vec!["NetworkVideoTransmitter".to_owned()])
        );
        let untyped = parse_envelope(&probe_datagram(&id, false)).unwrap();
        assert_eq!(untyped.probe_types, Some(vec![]));
    }
}
