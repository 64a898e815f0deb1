//! Interface enumeration: the up, non-loopback, multicast-capable IPv4 interfaces to scan.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// One IPv4 address on one interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub index: Option<u32>,
    pub addr: Ipv4Addr,
    pub net: Ipv4Net,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InterfaceError {
    #[error("cannot list network interfaces: {0}")]
    List(#[source] std::io::Error),
    #[error("interface {name:?} does not exist or has no IPv4 address (have: {have})")]
    Unknown { name: String, have: String },
    #[error("interface {name:?} is down or not multicast-capable; bring it up or pick another")]
    NotUsable { name: String },
}

const IFF_UP: u32 = 0x1;
const IFF_LOOPBACK: u32 = 0x8;
const IFF_MULTICAST: u32 = 0x1000;

/// Interface flags from sysfs (`None` when unreadable, e.g. outside Linux).
fn flags(name: &str) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/flags")).ok()?;
    u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).ok()
}

fn usable(name: &str, is_loopback: bool) -> bool {
    match flags(name) {
        Some(f) => f & IFF_UP != 0 && f & IFF_MULTICAST != 0 && f & IFF_LOOPBACK == 0,
        None => !is_loopback,
    }
}

/// Every IPv4 address on the host, usable or not.
fn all() -> Result<Vec<(Interface, bool)>, InterfaceError> {
    let list = if_addrs::get_if_addrs().map_err(InterfaceError::List)?;
    let mut out = Vec::new();
    for i in list {
        let if_addrs::IfAddr::V4(v4) = &i.addr else {
            continue;
        };
        let Ok(net) = Ipv4Net::new(v4.ip, v4.prefixlen) else {
            continue;
        };
        let ok = usable(&i.name, i.is_loopback());
        out.push((
            Interface {
                name: i.name.clone(),
                index: i.index,
                addr: v4.ip,
                net,
            },
            ok,
        ));
    }
    Ok(out)
}

/// The interfaces to scan: the named ones (each must exist and be usable), or every usable one.
pub fn select(names: &[String]) -> Result<Vec<Interface>, InterfaceError> {
    let all = all()?;
    if names.is_empty() {
        return Ok(all
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(i, _)| i)
            .collect());
    }
    let mut out = Vec::new();
    for name in names {
        let matching: Vec<_> = all.iter().filter(|(i, _)| &i.name == name).collect();
        if matching.is_empty() {
            let mut have: Vec<_> = all.iter().map(|(i, _)| i.name.clone()).collect();
            have.dedup();
            return Err(InterfaceError::Unknown {
                name: name.clone(),
                have: have.join(", "),
            });
        }
        if !matching.iter().any(|(_, ok)| *ok) {
            return Err(InterfaceError::NotUsable { name: name.clone() });
        }
        out.extend(
            matching
                .into_iter()
                .filter(|(_, ok)| *ok)
                .map(|(i, _)| i.clone()),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_never_selected_by_default_and_unknown_names_are_refused() {
        let sel = select(&[]).unwrap();
        assert!(sel.iter().all(|i| !i.addr.is_loopback()), "{sel:?}");
        let err = select(&["no-such-if0".to_owned()]).unwrap_err().to_string();
        assert!(err.contains("no-such-if0") && err.contains("lo"), "{err}");
        assert!(matches!(
            select(&["lo".to_owned()]),
            Err(InterfaceError::NotUsable { .. })
        ));
    }
}
