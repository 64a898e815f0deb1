//! Canaries: listeners at addresses a scanner must never contact (the hosts hostile XAddrs and
//! redirects point at). Every contact, TCP or UDP, is recorded with whether it carried
//! credential material; with a log file, each contact is appended to it at once (one JSON object
//! per line), so a test can read it while the simulator still runs.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// Bytes of a contact read and kept (lossy text); a canary answers nothing.
const MAX_READ: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Contacts kept in memory; later ones are only counted.
const MAX_CONTACTS: usize = 10_000;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CanaryError {
    #[error("binding canary {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: io::Error,
    },
}

/// One contact with a canary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Milliseconds since the canary started.
    pub at_ms: u64,
    pub canary: SocketAddr,
    pub peer: SocketAddr,
    /// `tcp` or `udp`.
    pub transport: String,
    pub bytes: usize,
    /// An `Authorization` header, a WS-Security token or a password element was in the data.
    pub credentials: bool,
    /// The first bytes received, as lossy text (a canary is test infrastructure: nothing it
    /// receives is a real secret, and seeing it is the point).
    pub head: String,
}

struct Shared {
    started: Instant,
    contacts: Mutex<Vec<Contact>>,
    log: Option<PathBuf>,
}

impl Shared {
    fn record(&self, canary: SocketAddr, peer: SocketAddr, transport: &str, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let lower = text.to_ascii_lowercase();
        let contact = Contact {
            at_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            canary,
            peer,
            transport: transport.to_owned(),
            bytes: data.len(),
            credentials: ["authorization:", "usernametoken", "password"]
                .iter()
                .any(|n| lower.contains(n)),
            head: text.chars().take(512).collect(),
        };
        if let Some(path) = &self.log {
            let line = serde_json::to_string(&contact).unwrap_or_default();
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| writeln!(f, "{line}"));
        }
        let mut contacts = self.contacts.lock().unwrap_or_else(|e| e.into_inner());
        if contacts.len() < MAX_CONTACTS {
            contacts.push(contact);
        }
    }
}

/// Running canaries; dropping it closes every socket.
pub struct RunningCanary {
    shared: Arc<Shared>,
    bound: Vec<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningCanary {
    /// Listens at each address: TCP on its port, UDP on its port and on 3702 (WS-Discovery).
    /// `log`, if given, gets one JSON line per contact as it happens.
    pub async fn start(addrs: &[SocketAddr], log: Option<PathBuf>) -> Result<Self, CanaryError> {
        let shared = Arc::new(Shared {
            started: Instant::now(),
            contacts: Mutex::new(Vec::new()),
            log,
        });
        let mut tasks = Vec::new();
        let mut bound = Vec::new();
        for &addr in addrs {
            let bind = |what, addr, source| CanaryError::Bind { what, addr, source };
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|e| bind("TCP listener", addr, e))?;
            let tcp_addr = listener.local_addr().unwrap_or(addr);
            bound.push(tcp_addr);
            tasks.push(tokio::spawn(accept_loop(
                listener,
                tcp_addr,
                shared.clone(),
            )));
            let mut udp_ports = vec![tcp_addr.port(), 3702];
            udp_ports.dedup();
            for port in udp_ports {
                let at = SocketAddr::new(addr.ip(), port);
                let socket = bind_udp(at).map_err(|e| bind("UDP socket", at, e))?;
                tasks.push(tokio::spawn(udp_loop(socket, at, shared.clone())));
            }
        }
        Ok(Self {
            shared,
            bound,
            tasks,
        })
    }

    /// The TCP addresses listened on (port 0 resolved).
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.bound
    }

    /// Every contact so far.
    pub fn contacts(&self) -> Vec<Contact> {
        self.shared
            .contacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Contacts from anyone but `ip` (a test's own reachability check).
    pub fn contacts_except(&self, ip: IpAddr) -> Vec<Contact> {
        self.contacts()
            .into_iter()
            .filter(|c| c.peer.ip() != ip)
            .collect()
    }
}

impl Drop for RunningCanary {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// SO_REUSEADDR, like every WS-Discovery socket: the simulator's multicast socket holds
/// 0.0.0.0:3702 in the same namespace.
fn bind_udp(at: SocketAddr) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(at), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&at.into())?;
    UdpSocket::from_std(socket.into())
}

/// Reads a JSON-lines canary log written by [`RunningCanary`] (missing file: no contacts).
pub fn read_log(path: &std::path::Path) -> Vec<Contact> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

async fn accept_loop(listener: TcpListener, at: SocketAddr, shared: Arc<Shared>) {
    loop {
        let Ok((mut stream, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(READ_TIMEOUT, async {
                while data.len() < MAX_READ {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => data.extend_from_slice(buf.get(..n).unwrap_or_default()),
                    }
                }
            })
            .await;
            shared.record(at, peer, "tcp", &data);
        });
    }
}

async fn udp_loop(socket: UdpSocket, at: SocketAddr, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, peer)) => shared.record(at, peer, "udp", buf.get(..n).unwrap_or_default()),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn records_tcp_and_udp_contacts_with_credentials_flag() {
        let log = std::env::temp_dir().join(format!("canary-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&log);
        // An address of its own: other tests and simulators use 127.0.0.1 and 3702.
        let ip = std::net::Ipv4Addr::new(127, 20 + (std::process::id() % 200) as u8, 201, 1);
        let at = SocketAddr::new(ip.into(), 0);
        let canary = RunningCanary::start(&[at], Some(log.clone()))
            .await
            .unwrap();
        let addr = canary.addrs()[0];
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(ip.into(), 0)).unwrap();
        let mut s = socket.connect(addr).await.unwrap();
        s.write_all(b"POST / HTTP/1.1\r\nAuthorization: Digest x\r\n\r\n")
            .await
            .unwrap();
        drop(s);
        let udp = UdpSocket::bind(SocketAddr::new(ip.into(), 0))
            .await
            .unwrap();
        udp.send_to(b"<Probe/>", addr).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        while canary.contacts().len() < 2 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut contacts = canary.contacts();
        contacts.sort_by(|a, b| a.transport.cmp(&b.transport));
        assert_eq!(contacts.len(), 2, "{contacts:?}");
        assert_eq!(
            (contacts[0].transport.as_str(), contacts[0].credentials),
            ("tcp", true)
        );
        assert_eq!(
            (contacts[1].transport.as_str(), contacts[1].credentials),
            ("udp", false)
        );
        assert_eq!(read_log(&log).len(), 2);
        assert!(canary.contacts_except(ip.into()).is_empty());
        assert_eq!(canary.contacts_except([127, 0, 0, 1].into()).len(), 2);
        let _ = std::fs::remove_file(&log);
    }
}
