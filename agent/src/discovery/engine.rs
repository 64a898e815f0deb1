//! What every UDP discovery driver shares: one socket per interface (multicast leaving by that
//! interface, directed broadcast allowed) and one for unicast targets, each probe sent to the
//! protocol's multicast group, the interface's broadcast address and the targets at a bounded
//! rate, and a receive loop per socket that hands every datagram to the driver until the
//! listening deadline. Drivers own only their wire format and their acceptance rules.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::net::interfaces::Interface;
use crate::net::udp::{self, UdpError};
use crate::scope::Scope;

/// What to probe, shared by every method of a scan.
#[derive(Clone, Debug)]
pub struct Plan {
    pub interfaces: Vec<Interface>,
    pub unicast: Vec<SocketAddrV4>,
    /// Listen this long after the last probe.
    pub wait: Duration,
    /// Times each probe is sent (same message id: lost probes are recovered, answers are not
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
    /// Well-formed messages that are not an answer to us (looped-back or foreign probes,
    /// replies to other requests).
    pub unrelated: AtomicU64,
    /// Answers that describe something we do not scan for (a non-ONVIF WS-Discovery target).
    pub not_camera: AtomicU64,
    pub malformed: AtomicU64,
    pub over_cap: AtomicU64,
    pub send_errors: AtomicU64,
    /// Smallest receive buffer the kernel granted across our sockets.
    pub rcvbuf: AtomicU64,
}

impl Stats {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    #[error(transparent)]
    Socket(#[from] UdpError),
    #[error("{method}: no interface to probe and no --target: nothing to scan")]
    NothingToScan { method: &'static str },
}

/// Where a protocol's probes go besides the unicast targets.
#[derive(Clone, Copy, Debug)]
pub struct Destinations {
    /// The multicast group and port, sent on every interface.
    pub multicast: Option<SocketAddrV4>,
    /// The port of the interface's directed broadcast (`10.20.15.255:37020`), when the protocol
    /// is also broadcast.
    pub broadcast_port: Option<u16>,
}

/// One driver's part: its name in logs, its probes, where they go, how big a reply may be.
pub struct Driver<'a> {
    pub name: &'static str,
    pub probes: &'a [Vec<u8>],
    pub destinations: Destinations,
    /// Largest datagram read; longer ones are truncated by the kernel and fail to parse.
    pub max_datagram: usize,
    /// Also listen on the multicast group's port, joined on every interface: some firmware
    /// answers to the group, or to our address on the protocol's port, rather than to the
    /// socket that asked. Skipped (with a warning) when the port cannot be shared.
    pub group_listener: bool,
}

/// A driver's handling of one received datagram (parse, check, report). Called from the
/// receive loops, so it must not block.
pub trait Receiver: Send + Sync + 'static {
    fn datagram(&self, bytes: &[u8], from: SocketAddr, iface: Option<&str>);

    /// A datagram read on the group listener ([`Driver::group_listener`]): it may answer
    /// someone else's probe.
    fn group_datagram(&self, bytes: &[u8], from: SocketAddr) {
        self.datagram(bytes, from, None);
    }
}

/// Which socket a datagram was read on.
#[derive(Clone, Debug)]
enum Via {
    /// An interface socket (its name) or the unicast socket (`None`).
    Socket(Option<String>),
    Group,
}

/// Sends every probe, then listens for `plan.wait`, handing each datagram to `receiver`.
pub async fn run(
    driver: Driver<'_>,
    plan: &Plan,
    receiver: Arc<dyn Receiver>,
    stats: &Stats,
) -> Result<(), DiscoveryError> {
    if plan.interfaces.is_empty() && plan.unicast.is_empty() {
        return Err(DiscoveryError::NothingToScan {
            method: driver.name,
        });
    }
    let (deadline_tx, deadline_rx) = watch::channel(None::<Instant>);
    let mut sockets = Vec::new();
    let mut receivers = Vec::new();
    stats.rcvbuf.store(u64::MAX, Ordering::Relaxed);
    let listen = |sock: &Arc<UdpSocket>, via: Via| {
        tokio::spawn(receive(
            sock.clone(),
            via,
            receiver.clone(),
            driver.max_datagram,
            deadline_rx.clone(),
        ))
    };
    for iface in &plan.interfaces {
        let (sock, granted) =
            udp::discovery_socket(SocketAddrV4::new(iface.addr, 0), Some(iface.addr))?;
        note_rcvbuf(stats, granted);
        if driver.destinations.broadcast_port.is_some()
            && let Err(e) = sock.set_broadcast(true)
        {
            warn!(interface = %iface.name, error = %e, "{}: cannot enable broadcast", driver.name);
        }
        let sock = Arc::new(sock);
        receivers.push(listen(&sock, Via::Socket(Some(iface.name.clone()))));
        sockets.push((sock, iface));
    }
    let unicast_sock = if plan.unicast.is_empty() {
        None
    } else {
        let (sock, granted) =
            udp::discovery_socket(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0), None)?;
        note_rcvbuf(stats, granted);
        let sock = Arc::new(sock);
        receivers.push(listen(&sock, Via::Socket(None)));
        Some(sock)
    };
    if let (true, Some(group)) = (driver.group_listener, driver.destinations.multicast) {
        let addrs: Vec<Ipv4Addr> = plan.interfaces.iter().map(|i| i.addr).collect();
        if !addrs.is_empty() {
            match udp::group_listener(group.port(), *group.ip(), &addrs) {
                Ok((sock, granted)) => {
                    note_rcvbuf(stats, granted);
                    receivers.push(listen(&Arc::new(sock), Via::Group));
                }
                Err(e) => warn!(error = %e, "{}: not listening on {group}", driver.name),
            }
        }
    }
    drop(deadline_rx);

    let out = Sender {
        name: driver.name,
        stats,
    };
    for round in 0..plan.repeats.max(1) {
        if round > 0 {
            tokio::time::sleep(plan.repeat_gap).await;
        }
        for (sock, iface) in &sockets {
            let mut to = Vec::with_capacity(2);
            to.extend(driver.destinations.multicast);
            if let Some(port) = driver.destinations.broadcast_port
                && let Some(b) = broadcast_of(iface)
            {
                to.push(SocketAddrV4::new(b, port));
            }
            for dest in to {
                for p in driver.probes {
                    out.send(sock, p, dest, Some(&iface.name)).await;
                }
            }
        }
        if let Some(sock) = &unicast_sock {
            out.unicast(sock, driver.probes, &plan.unicast, plan.rate)
                .await;
        }
    }
    let _ = deadline_tx.send(Some(Instant::now() + plan.wait));
    for r in receivers {
        let _ = r.await;
    }
    info!(
        sent = stats.probes_sent.load(Ordering::Relaxed),
        datagrams = stats.datagrams.load(Ordering::Relaxed),
        accepted = stats.accepted.load(Ordering::Relaxed),
        out_of_scope = stats.out_of_scope.load(Ordering::Relaxed),
        malformed = stats.malformed.load(Ordering::Relaxed),
        "{} finished",
        driver.name
    );
    Ok(())
}

/// The directed broadcast address of an interface's subnet; none for /31 and /32.
pub fn broadcast_of(iface: &Interface) -> Option<Ipv4Addr> {
    (iface.net.prefix_len() < 31).then(|| iface.net.broadcast())
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

struct Sender<'a> {
    name: &'static str,
    stats: &'a Stats,
}

impl Sender<'_> {
    async fn send(&self, sock: &UdpSocket, p: &[u8], to: SocketAddrV4, iface: Option<&str>) {
        match sock.send_to(p, SocketAddr::V4(to)).await {
            Ok(_) => Stats::count(&self.stats.probes_sent),
            Err(e) => {
                Stats::count(&self.stats.send_errors);
                warn!(%to, interface = iface.unwrap_or("-"), error = %e, "{}: cannot send probe", self.name);
            }
        }
    }

    /// Sends every probe to every target at `rate` per second (in 10 ms slices).
    async fn unicast(
        &self,
        sock: &UdpSocket,
        probes: &[Vec<u8>],
        targets: &[SocketAddrV4],
        rate: u32,
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
                self.send(sock, p, *t, None).await;
                in_slice += 1;
            }
        }
    }
}

/// Reads datagrams until the deadline (set once sending is done) passes.
async fn receive(
    sock: Arc<UdpSocket>,
    via: Via,
    receiver: Arc<dyn Receiver>,
    max_datagram: usize,
    mut deadline: watch::Receiver<Option<Instant>>,
) {
    let mut buf = vec![0u8; max_datagram + 1];
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
                Ok((n, from)) => {
                    let bytes = buf.get(..n).unwrap_or_default();
                    match &via {
                        Via::Socket(iface) => receiver.datagram(bytes, from, iface.as_deref()),
                        Via::Group => receiver.group_datagram(bytes, from),
                    }
                }
                // ICMP errors from earlier unicast sends surface here on some kernels.
                Err(e) => debug!(error = %e, "discovery receive error"),
            },
            changed = deadline.changed(), if until.is_none() => {
                if changed.is_err() { return; }
            }
            () = sleep => return,
        }
    }
}

/// The responder's address when it is inside the scan scope (checked before parsing, so
/// out-of-scope bytes are never parsed); counts the datagram either way.
pub fn admit(scope: &Scope, from: SocketAddr, stats: &Stats) -> Option<Ipv4Addr> {
    Stats::count(&stats.datagrams);
    match from.ip() {
        IpAddr::V4(ip) if scope.contains(from.ip()) => Some(ip),
        _ => {
            Stats::count(&stats.out_of_scope);
            debug!(%from, "ignored a discovery reply from outside the scan scope");
            None
        }
    }
}

/// The acceptance rules vendor drivers share: the responder must be inside the scan scope, and
/// each address is reported once, up to `max` addresses.
pub struct Gate {
    scope: Scope,
    max: usize,
    seen: Mutex<HashSet<Ipv4Addr>>,
}

impl Gate {
    pub fn new(scope: Scope, max: usize) -> Self {
        Self {
            scope,
            max,
            seen: Mutex::new(HashSet::new()),
        }
    }

    /// See [`admit`].
    pub fn admit(&self, from: SocketAddr, stats: &Stats) -> Option<Ipv4Addr> {
        admit(&self.scope, from, stats)
    }

    /// Records `ip` as reported; false (and counted) when it was already, or when the cap is
    /// reached.
    pub fn first(&self, ip: Ipv4Addr, stats: &Stats) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.contains(&ip) {
            Stats::count(&stats.duplicates);
            return false;
        }
        if seen.len() >= self.max {
            Stats::count(&stats.over_cap);
            return false;
        }
        seen.insert(ip);
        Stats::count(&stats.accepted);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the receive loops hand over.
    #[derive(Default)]
    struct Collect(Mutex<Vec<(Vec<u8>, SocketAddr)>>);

    impl Receiver for Collect {
        fn datagram(&self, bytes: &[u8], from: SocketAddr, _iface: Option<&str>) {
            self.0.lock().unwrap().push((bytes.to_vec(), from));
        }
    }

    /// A loopback "device" echoing every datagram back with a prefix, for `limit` datagrams.
    async fn echo(limit: usize) -> (SocketAddrV4, tokio::task::JoinHandle<usize>) {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let SocketAddr::V4(addr) = sock.local_addr().unwrap() else {
            unreachable!()
        };
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut n = 0;
            while n < limit {
                let Ok(Ok((len, from))) =
                    tokio::time::timeout(Duration::from_secs(2), sock.recv_from(&mut buf)).await
                else {
                    break;
                };
                let reply = [b"re:".as_slice(), &buf[..len]].concat();
                let _ = sock.send_to(&reply, from).await;
                n += 1;
            }
            n
        });
        (addr, task)
    }

    #[tokio::test]
    async fn sends_every_probe_each_round_and_listens_until_the_deadline() {
        let (device, echoed) = echo(4).await;
        let plan = Plan {
            interfaces: Vec::new(),
            unicast: vec![device],
            wait: Duration::from_millis(300),
            repeats: 2,
            repeat_gap: Duration::from_millis(10),
            rate: 1000,
        };
        let probes = vec![b"one".to_vec(), b"two".to_vec()];
        let collect = Arc::new(Collect::default());
        let stats = Stats::default();
        let driver = Driver {
            name: "test",
            probes: &probes,
            destinations: Destinations {
                multicast: None,
                broadcast_port: None,
            },
            max_datagram: 64,
            group_listener: false,
        };
        let start = std::time::Instant::now();
        run(driver, &plan, collect.clone(), &stats).await.unwrap();
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert_eq!(stats.probes_sent.load(Ordering::Relaxed), 4);
        assert_eq!(echoed.await.unwrap(), 4);
        let got = collect.0.lock().unwrap().clone();
        let mut texts: Vec<_> = got.iter().map(|(b, _)| b.clone()).collect();
        texts.sort();
        assert_eq!(
            texts,
            [
                b"re:one".to_vec(),
                b"re:one".to_vec(),
                b"re:two".to_vec(),
                b"re:two".to_vec()
            ]
        );
        assert!(got.iter().all(|(_, from)| *from == SocketAddr::V4(device)));
    }

    #[tokio::test]
    async fn nothing_to_probe_is_an_error() {
        let plan = Plan {
            interfaces: Vec::new(),
            unicast: Vec::new(),
            wait: Duration::ZERO,
            repeats: 1,
            repeat_gap: Duration::ZERO,
            rate: 100,
        };
        let driver = Driver {
            name: "sadp",
            probes: &[],
            destinations: Destinations {
                multicast: None,
                broadcast_port: None,
            },
            max_datagram: 64,
            group_listener: false,
        };
        let err = run(
            driver,
            &plan,
            Arc::new(Collect::default()),
            &Stats::default(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("sadp: no interface"), "{err}");
    }

    #[test]
    fn gate_checks_scope_then_reports_each_address_once_up_to_the_cap() {
        let scope = Scope::new(["10.20.0.0/24".parse().unwrap()]);
        let gate = Gate::new(scope, 2);
        let stats = Stats::default();
        let from = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(gate.admit(from("10.20.1.5:37020"), &stats), None);
        let ip = Ipv4Addr::new(10, 20, 0, 5);
        assert_eq!(gate.admit(from("10.20.0.5:37020"), &stats), Some(ip));
        assert!(gate.first(ip, &stats));
        assert!(!gate.first(ip, &stats));
        assert!(gate.first(Ipv4Addr::new(10, 20, 0, 6), &stats));
        assert!(!gate.first(Ipv4Addr::new(10, 20, 0, 7), &stats));
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        assert_eq!(
            (
                load(&stats.datagrams),
                load(&stats.out_of_scope),
                load(&stats.accepted),
                load(&stats.duplicates),
                load(&stats.over_cap)
            ),
            (2, 1, 2, 1, 1)
        );
    }

    #[test]
    fn broadcast_address_of_an_interface() {
        let iface = |net: &str| Interface {
            name: "eth0".into(),
            index: None,
            addr: Ipv4Addr::new(10, 37, 16, 1),
            net: net.parse().unwrap(),
        };
        assert_eq!(
            broadcast_of(&iface("10.37.16.1/20")),
            Some(Ipv4Addr::new(10, 37, 31, 255))
        );
        assert_eq!(broadcast_of(&iface("10.37.16.1/32")), None);
    }
}
