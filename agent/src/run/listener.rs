//! The passive WS-Discovery listener: hears Hello announcements on UDP 3702 (group
//! 239.255.255.250 joined on the scanned interfaces) and reports the announcing address.
//! It never sends anything: the agent does not answer discovery (DESIGN.md section 6).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use camaudit_protocol::wsdiscovery::{self, Message};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{debug, warn};

use crate::net::interfaces::Interface;
use crate::scope::Scope;

const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// A Hello is a few KB; anything longer is not one.
const MAX_DATAGRAM: usize = 16 * 1024;
/// Datagrams parsed per second at most; the rest are dropped unread.
const MAX_PER_SECOND: u32 = 200;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListenerError {
    #[error("passive listener: cannot open UDP {port}: {source}")]
    Open { port: u16, source: std::io::Error },
}

/// Opens the listening socket: `0.0.0.0:port`, SO_REUSEADDR (so scans' own sockets and other
/// listeners coexist), the group joined on each interface.
pub fn open(port: u16, interfaces: &[Interface]) -> Result<UdpSocket, ListenerError> {
    let e = |source| ListenerError::Open { port, source };
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(e)?;
    s.set_reuse_address(true).map_err(e)?;
    s.set_nonblocking(true).map_err(e)?;
    s.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)).into())
        .map_err(e)?;
    for i in interfaces {
        if let Err(err) = s.join_multicast_v4(&GROUP, &i.addr) {
            warn!(interface = %i.name, error = %err, "cannot join the WS-Discovery group");
        }
    }
    UdpSocket::from_std(s.into()).map_err(e)
}

/// Reads Hellos until the receiver goes away; sends each in-scope announcer's address.
pub async fn listen(sock: UdpSocket, scope: Scope, tx: mpsc::Sender<Ipv4Addr>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut window = Instant::now();
    let mut count = 0u32;
    loop {
        let (len, from) = match sock.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(err) => {
                debug!(error = %err, "passive listener receive error");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if window.elapsed() >= Duration::from_secs(1) {
            window = Instant::now();
            count = 0;
        }
        count += 1;
        if count > MAX_PER_SECOND {
            continue;
        }
        let SocketAddr::V4(from) = from else { continue };
        // Scope first: a datagram from outside the scanned networks is not even parsed.
        if !scope.contains((*from.ip()).into()) {
            continue;
        }
        let Some(data) = buf.get(..len) else { continue };
        match wsdiscovery::parse(data) {
            Ok(Message::Hello { .. }) => {
                if tx.is_closed() {
                    return;
                }
                let _ = tx.try_send(*from.ip());
            }
            Ok(_) => {}
            Err(err) => debug!(%from, error = %err, "malformed WS-Discovery datagram"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listener_shares_the_port_and_reads_only_in_scope_datagrams() {
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        let a = open(port, &[]).unwrap();
        // SO_REUSEADDR: a second listener (another tool, a restarted agent) can bind as well.
        let b = open(port, &[]).unwrap();
        drop(b);
        let (tx, mut rx) = mpsc::channel(4);
        let task = tokio::spawn(listen(a, Scope::new([]), tx));
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.send_to(b"<not in scope>", ("127.0.0.1", port)).unwrap();
        let r = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
        assert!(r.is_err(), "an out-of-scope datagram must not be reported");
        task.abort();
    }
}
