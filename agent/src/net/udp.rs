//! UDP sockets for discovery: one per interface, multicast leaving by that interface only, and a
//! receive buffer big enough for a few hundred ProbeMatches arriving within half a second; and
//! a group listener for firmware that answers to the multicast group.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

/// Receive buffer we ask for: 250 Hikvision ProbeMatches of ~4 KB each are ~1 MB of payload and
/// about twice that in kernel accounting; 8 MiB leaves room for 1,000 cameras.
pub const WANT_RCVBUF: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UdpError {
    #[error("cannot open a UDP socket on {addr}: {source}")]
    Open {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot set {option} on the UDP socket on {addr}: {source}")]
    Option {
        addr: SocketAddr,
        option: &'static str,
        source: std::io::Error,
    },
}

/// Opens a UDP socket bound to `bind` (port 0 for an ephemeral port). When `multicast_if` is
/// given, multicast sent on it leaves by that interface with TTL 1 and does not loop back.
/// Returns the socket and the receive buffer size the kernel granted.
pub fn discovery_socket(
    bind: SocketAddrV4,
    multicast_if: Option<Ipv4Addr>,
) -> Result<(UdpSocket, usize), UdpError> {
    let addr = SocketAddr::V4(bind);
    let opt = |option| {
        move |source| UdpError::Option {
            addr,
            option,
            source,
        }
    };
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|source| UdpError::Open { addr, source })?;
    grow_receive_buffer(&s);
    if let Some(ifa) = multicast_if {
        s.set_multicast_if_v4(&ifa)
            .map_err(opt("IP_MULTICAST_IF"))?;
        s.set_multicast_ttl_v4(1).map_err(opt("IP_MULTICAST_TTL"))?;
        s.set_multicast_loop_v4(false)
            .map_err(opt("IP_MULTICAST_LOOP"))?;
        no_foreign_groups(&s);
    }
    s.set_nonblocking(true).map_err(opt("O_NONBLOCK"))?;
    s.bind(&addr.into())
        .map_err(|source| UdpError::Open { addr, source })?;
    let granted = s.recv_buffer_size().unwrap_or(0);
    let std: std::net::UdpSocket = s.into();
    let sock = UdpSocket::from_std(std).map_err(|source| UdpError::Open { addr, source })?;
    Ok((sock, granted))
}

/// Opens a receive-only socket on `0.0.0.0:port` joined to `group` on each of `ifaces` (every
/// other group stays out: IP_MULTICAST_ALL off). Shares the port with other listeners
/// (SO_REUSEADDR). Joins that fail are skipped; none succeeding is an error. Returns the socket
/// and the receive buffer size the kernel granted.
pub fn group_listener(
    port: u16,
    group: Ipv4Addr,
    ifaces: &[Ipv4Addr],
) -> Result<(UdpSocket, usize), UdpError> {
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port));
    let opt = |option| {
        move |source| UdpError::Option {
            addr,
            option,
            source,
        }
    };
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|source| UdpError::Open { addr, source })?;
    grow_receive_buffer(&s);
    s.set_reuse_address(true).map_err(opt("SO_REUSEADDR"))?;
    no_foreign_groups(&s);
    s.set_nonblocking(true).map_err(opt("O_NONBLOCK"))?;
    s.bind(&addr.into())
        .map_err(|source| UdpError::Open { addr, source })?;
    let mut joined = 0;
    let mut last = None;
    for iface in ifaces {
        match s.join_multicast_v4(&group, iface) {
            Ok(()) => joined += 1,
            Err(e) => last = Some(e),
        }
    }
    if joined == 0 {
        let source = last.unwrap_or_else(|| std::io::Error::other("no interface to join on"));
        return Err(UdpError::Option {
            addr,
            option: "IP_ADD_MEMBERSHIP",
            source,
        });
    }
    let granted = s.recv_buffer_size().unwrap_or(0);
    let std: std::net::UdpSocket = s.into();
    let sock = UdpSocket::from_std(std).map_err(|source| UdpError::Open { addr, source })?;
    Ok((sock, granted))
}

/// A socket bound to an address still gets every group any socket on the host joined unless
/// told not to (IP_MULTICAST_ALL, Linux). Not fatal when unsupported (qemu-user, old kernels):
/// such stray datagrams are scope-checked and parsed like any other.
fn no_foreign_groups(s: &Socket) {
    if let Err(e) = s.set_multicast_all_v4(false) {
        tracing::debug!(error = %e, "IP_MULTICAST_ALL not supported; continuing without it");
    }
}

/// Asks for [`WANT_RCVBUF`]: SO_RCVBUFFORCE when privileged (ignores `net.core.rmem_max`),
/// else SO_RCVBUF (capped by `rmem_max`). Failure is not fatal: we drain fast either way.
fn grow_receive_buffer(s: &Socket) {
    if force_rcvbuf(s, WANT_RCVBUF).is_err() {
        let _ = s.set_recv_buffer_size(WANT_RCVBUF);
    }
}

#[allow(unsafe_code)]
fn force_rcvbuf(s: &Socket, size: usize) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let v: libc::c_int = size.try_into().unwrap_or(libc::c_int::MAX);
    // SAFETY: valid fd owned by `s`; the option value is a c_int that outlives the call.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&raw const v).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_on_loopback_with_a_grown_buffer() {
        let (s, granted) =
            discovery_socket(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0), None).unwrap();
        assert!(s.local_addr().unwrap().port() != 0);
        // Unprivileged runs get at least the default; privileged ones get the full request.
        assert!(granted >= 200 * 1024, "granted {granted}");
    }

    #[tokio::test]
    async fn a_group_listener_needs_an_interface_to_join_on() {
        let err = group_listener(0, Ipv4Addr::new(239, 255, 255, 250), &[]).unwrap_err();
        assert!(err.to_string().contains("IP_ADD_MEMBERSHIP"), "{err}");
    }
}
