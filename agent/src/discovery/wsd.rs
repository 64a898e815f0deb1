//! WS-Discovery driver: multicast Probes on every selected interface, unicast Probes to
//! `--target` hosts, and a receive loop per socket that drains fast and checks every reply.
//!
//! Accepted replies are ProbeMatches that answer one of our MessageIDs (RelatesTo), come from
//! inside the scan scope, and name an ONVIF device. Each endpoint is reported once, whatever the
//! number of interfaces, probe variants and retransmissions it answered.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use camaudit_protocol::record::Method;
use camaudit_protocol::wsdiscovery::{self, Message, ProbeVariant};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::Found;
use crate::net::interfaces::Interface;
use crate::net::udp::{self, UdpError};
use crate::scope::Scope;

/// Probe variants sent, in order. Some cameras answer only one of them.
const VARIANTS: [ProbeVariant; 2] = [ProbeVariant::NetworkVideoTransmitter, ProbeVariant::Device];
/// Most distinct endpoints one scan accepts; a flood beyond this is counted and dropped.
pub const MAX_ENDPOINTS: usize = 16_384;
/// Most distinct endpoints one address may claim (an NVR may front a few; a flood of made-up
/// endpoints from one host is not a fleet).
pub const MAX_ENDPOINTS_PER_IP: u16 = 8;

/// What to probe.
#[derive(Clone, Debug)]
pub struct Plan {
    pub interfaces: Vec<Interface>,
    pub unicast: Vec<SocketAddrV4>,
    /// Listen this long after the last probe.
    pub wait: Duration,
    /// Times each probe is sent (same MessageID: lost probes are recovered, answers are not
    /// repeated).
    pub repeats: u32,
    /// Gap between repeats.
    pub repeat_gap: Duration,
    /// Unicast probes per second.
    pub rate: u32,
}

/// Counters for one discovery run.
#[derive(Debug, Default)]
pub struct Stats {
    pub probes_sent: AtomicU64,
    pub datagrams: AtomicU64,
    pub accepted: AtomicU64,
    pub duplicates: AtomicU64,
    pub out_of_scope: AtomicU64,
    pub unrelated: AtomicU64,
    pub not_onvif: AtomicU64,
    pub malformed: AtomicU64,
    pub over_cap: AtomicU64,
    pub send_errors: AtomicU64,
    /// Smallest receive buffer the kernel granted across our sockets.
    pub rcvbuf: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WsdError {
    #[error(transparent)]
    Socket(#[from] UdpError),
    #[error("no interface to probe and no --target: nothing to scan")]
    NothingToScan,
}

#[derive(Default)]
struct Seen {
    endpoints: HashSet<String>,
    per_ip: HashMap<Ipv4Addr, u16>,
}

struct Shared {
    ids: Vec<String>,
    scope: Scope,
    seen: Mutex<Seen>,
    stats: Arc<Stats>,
    tx: mpsc::UnboundedSender<Found>,
}

/// Runs discovery to completion: sends every probe, then listens for `plan.wait`. Every new
/// device goes to `tx` as soon as its reply is read.
pub async fn discover(
    plan: Plan,
    scope: Scope,
    ids: [String; 2],
    tx: mpsc::UnboundedSender<Found>,
    stats: Arc<Stats>,
) -> Result<(), WsdError> {
    if plan.interfaces.is_empty() && plan.unicast.is_empty() {
        return Err(WsdError::NothingToScan);
    }
    let shared = Arc::new(Shared {
        ids: ids.to_vec(),
        scope,
        seen: Mutex::new(Seen::default()),
        stats: stats.clone(),
        tx,
    });
    let (deadline_tx, deadline_rx) = watch::channel(None::<Instant>);
    let mut sockets = Vec::new();
    let mut receivers = Vec::new();
    stats.rcvbuf.store(u64::MAX, Ordering::Relaxed);
    for iface in &plan.interfaces {
        let (sock, granted) =
            udp::discovery_socket(SocketAddrV4::new(iface.addr, 0), Some(iface.addr))?;
        note_rcvbuf(&stats, granted);
        let sock = Arc::new(sock);
        receivers.push(tokio::spawn(receive(
            sock.clone(),
            Some(iface.name.clone()),
            shared.clone(),
            deadline_rx.clone(),
        )));
        sockets.push((sock, iface.clone()));
    }
    let unicast_sock = if plan.unicast.is_empty() {
        None
    } else {
        let (sock, granted) =
            udp::discovery_socket(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0), None)?;
        note_rcvbuf(&stats, granted);
        let sock = Arc::new(sock);
        receivers.push(tokio::spawn(receive(
            sock.clone(),
            None,
            shared.clone(),
            deadline_rx,
        )));
        Some(sock)
    };

    let probes: Vec<Vec<u8>> = VARIANTS
        .iter()
        .zip(&ids)
        .map(|(v, id)| wsdiscovery::probe(id, *v))
        .collect();
    let group = SocketAddr::V4(SocketAddrV4::new(
        wsdiscovery::MULTICAST_V4,
        wsdiscovery::PORT,
    ));
    for round in 0..plan.repeats.max(1) {
        if round > 0 {
            tokio::time::sleep(plan.repeat_gap).await;
        }
        for (sock, iface) in &sockets {
            for p in &probes {
                send(sock, p, group, &stats, Some(&iface.name)).await;
            }
        }
        if let Some(sock) = &unicast_sock {
            send_unicast(sock, &probes, &plan.unicast, plan.rate, &stats).await;
        }
    }
    let deadline = Instant::now() + plan.wait;
    let _ = deadline_tx.send(Some(deadline));
    for r in receivers {
        let _ = r.await;
    }
    info!(
        sent = stats.probes_sent.load(Ordering::Relaxed),
        datagrams = stats.datagrams.load(Ordering::Relaxed),
        accepted = stats.accepted.load(Ordering::Relaxed),
        out_of_scope = stats.out_of_scope.load(Ordering::Relaxed),
        malformed = stats.malformed.load(Ordering::Relaxed),
        "ws-discovery finished"
    );
    Ok(())
}

fn note_rcvbuf(stats: &Stats, granted: usize) {
    stats.rcvbuf.fetch_min(granted as u64, Ordering::Relaxed);
    if granted < udp::WANT_RCVBUF {
        debug!(
            granted,
            wanted = udp::WANT_RCVBUF,
            "receive buffer smaller than requested"
        );
    }
}

async fn send(sock: &UdpSocket, p: &[u8], to: SocketAddr, stats: &Stats, iface: Option<&str>) {
    match sock.send_to(p, to).await {
        Ok(_) => {
            stats.probes_sent.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            stats.send_errors.fetch_add(1, Ordering::Relaxed);
            warn!(%to, interface = iface.unwrap_or("-"), error = %e, "cannot send WS-Discovery probe");
        }
    }
}

/// Sends every probe to every target at `rate` per second (in 10 ms slices).
async fn send_unicast(
    sock: &UdpSocket,
    probes: &[Vec<u8>],
    targets: &[SocketAddrV4],
    rate: u32,
    stats: &Stats,
) {
    let per_slice = (rate.max(100) / 100) as usize;
    let mut slice_start = Instant::now();
    let mut in_slice = 0usize;
    for t in targets {
        for p in probes {
            if in_slice >= per_slice {
                slice_start += Duration::from_millis(10);
                tokio::time::sleep_until(slice_start).await;
                in_slice = 0;
            }
            send(sock, p, SocketAddr::V4(*t), stats, None).await;
            in_slice += 1;
        }
    }
}

/// Reads datagrams until the deadline (set once sending is done) passes.
async fn receive(
    sock: Arc<UdpSocket>,
    iface: Option<String>,
    shared: Arc<Shared>,
    mut deadline: watch::Receiver<Option<Instant>>,
) {
    let mut buf = vec![0u8; wsdiscovery::MAX_DATAGRAM + 1];
    loop {
        let until = *deadline.borrow();
        let sleep = async {
            match until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, from)) => handle(&buf[..n], from, iface.as_deref(), &shared),
                // ICMP errors from earlier unicast sends surface here on some kernels.
                Err(e) => debug!(error = %e, "ws-discovery receive error"),
            },
            changed = deadline.changed(), if until.is_none() => {
                if changed.is_err() { return; }
            }
            () = sleep => return,
        }
    }
}

fn handle(datagram: &[u8], from: SocketAddr, iface: Option<&str>, shared: &Shared) {
    let stats = &shared.stats;
    stats.datagrams.fetch_add(1, Ordering::Relaxed);
    let ip = match from.ip() {
        IpAddr::V4(ip) if shared.scope.contains(from.ip()) => ip,
        _ => {
            stats.out_of_scope.fetch_add(1, Ordering::Relaxed);
            debug!(%from, "ignored ws-discovery reply from outside the scan scope");
            return;
        }
    };
    let (header, matches) = match wsdiscovery::parse(datagram) {
        Ok(Message::ProbeMatches { header, matches }) => (header, matches),
        Ok(Message::Fault { fault, .. }) => {
            debug!(%from, code = %fault.code, subcodes = ?fault.subcodes, "device faulted our probe");
            return;
        }
        Ok(_) => {
            stats.unrelated.fetch_add(1, Ordering::Relaxed);
            return;
        }
        Err(e) => {
            stats.malformed.fetch_add(1, Ordering::Relaxed);
            debug!(%from, error = %e, "malformed ws-discovery datagram");
            return;
        }
    };
    let ours = header.relates_to.as_deref().is_some_and(|r| {
        shared
            .ids
            .iter()
            .any(|id| wsdiscovery::relates_to_matches(r, id))
    });
    if !ours {
        stats.unrelated.fetch_add(1, Ordering::Relaxed);
        debug!(%from, relates_to = ?header.relates_to, "ProbeMatches does not answer our probe");
        return;
    }
    for m in matches {
        if !m.is_onvif() {
            stats.not_onvif.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let key = m.endpoint.clone().unwrap_or_else(|| format!("ip:{ip}"));
        {
            let Ok(mut seen) = shared.seen.lock() else {
                return;
            };
            if seen.endpoints.contains(&key) {
                stats.duplicates.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let per_ip = seen.per_ip.get(&ip).copied().unwrap_or(0);
            if seen.endpoints.len() >= MAX_ENDPOINTS || per_ip >= MAX_ENDPOINTS_PER_IP {
                stats.over_cap.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            seen.per_ip.insert(ip, per_ip + 1);
            seen.endpoints.insert(key);
        }
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        let _ = shared.tx.send(Found {
            ip,
            method: Method::WsDiscovery,
            endpoint: m.endpoint,
            xaddrs: m.xaddrs,
            scopes: m.scopes,
            interface: iface.map(str::to_owned),
        });
    }
}
