//! Scan scope: the networks a scan covers. Replies from outside them are ignored, and nothing
//! outside them is ever contacted.

use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};

use ipnet::{IpNet, Ipv4Net};

/// Largest unicast sweep one `--target` may expand to (a /16).
pub const MAX_TARGET_HOSTS: u64 = 65_536;

/// A `--target` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every host address of a subnet, probed on the WS-Discovery port.
    Net(Ipv4Net),
    /// One host, optionally on a non-default WS-Discovery port.
    Host(Ipv4Addr, Option<u16>),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetError {
    #[error("target {0:?} is not CIDR, IP or IP:PORT (IPv4)")]
    Syntax(String),
    #[error("target {value} covers {hosts} hosts; split it into ranges of at most {max} (/16)")]
    TooLarge { value: String, hosts: u64, max: u64 },
}

impl Target {
    pub fn parse(s: &str) -> Result<Self, TargetError> {
        let s = s.trim();
        if s.contains('/') {
            let net: Ipv4Net = s.parse().map_err(|_| TargetError::Syntax(s.to_owned()))?;
            let hosts = 1u64 << (32 - u32::from(net.prefix_len()));
            if hosts > MAX_TARGET_HOSTS {
                return Err(TargetError::TooLarge {
                    value: s.to_owned(),
                    hosts,
                    max: MAX_TARGET_HOSTS,
                });
            }
            return Ok(Self::Net(net.trunc()));
        }
        if let Ok(sa) = s.parse::<SocketAddrV4>() {
            return Ok(Self::Host(*sa.ip(), Some(sa.port())));
        }
        s.parse::<Ipv4Addr>()
            .map(|ip| Self::Host(ip, None))
            .map_err(|_| TargetError::Syntax(s.to_owned()))
    }

    /// The addresses to probe, with `default_port` where none was given. Subnets larger than
    /// a /31 skip their network and broadcast addresses.
    pub fn endpoints(&self, default_port: u16) -> Vec<SocketAddrV4> {
        match self {
            Self::Host(ip, port) => vec![SocketAddrV4::new(*ip, port.unwrap_or(default_port))],
            Self::Net(net) => net
                .hosts()
                .map(|ip| SocketAddrV4::new(ip, default_port))
                .collect(),
        }
    }

    pub fn net(&self) -> IpNet {
        match self {
            Self::Net(n) => IpNet::V4(*n),
            Self::Host(ip, _) => IpNet::from(IpAddr::V4(*ip)),
        }
    }
}

/// The set of networks a scan covers.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    nets: Vec<IpNet>,
}

impl Scope {
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> Self {
        let mut nets: Vec<IpNet> = nets.into_iter().map(|n| n.trunc()).collect();
        nets.sort();
        nets.dedup();
        Self { nets }
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&ip))
    }
    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_target_form() {
        assert_eq!(
            Target::parse("10.20.0.0/24").unwrap(),
            Target::Net("10.20.0.0/24".parse().unwrap())
        );
        assert_eq!(
            Target::parse("10.20.0.7/24").unwrap(),
            Target::Net("10.20.0.0/24".parse().unwrap())
        );
        assert_eq!(
            Target::parse("10.20.0.31").unwrap(),
            Target::Host(Ipv4Addr::new(10, 20, 0, 31), None)
        );
        assert_eq!(
            Target::parse("127.0.0.1:13702").unwrap(),
            Target::Host(Ipv4Addr::LOCALHOST, Some(13702))
        );
        assert!(matches!(
            Target::parse("10.0.0.0/8"),
            Err(TargetError::TooLarge { .. })
        ));
        assert!(matches!(
            Target::parse("camera.local"),
            Err(TargetError::Syntax(_))
        ));
        assert!(matches!(
            Target::parse("10.0.0.0/33"),
            Err(TargetError::Syntax(_))
        ));
    }

    #[test]
    fn expands_subnets_without_network_and_broadcast() {
        let e = Target::parse("10.1.2.0/30").unwrap().endpoints(3702);
        assert_eq!(
            e,
            vec![
                SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 1), 3702),
                SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 2), 3702)
            ]
        );
        assert_eq!(
            Target::parse("10.1.2.0/24").unwrap().endpoints(3702).len(),
            254
        );
        let s = Scope::new([Target::parse("10.1.2.0/24").unwrap().net()]);
        assert!(s.contains("10.1.2.9".parse().unwrap()));
        assert!(!s.contains("10.1.3.9".parse().unwrap()));
    }
}
