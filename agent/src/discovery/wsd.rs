//! WS-Discovery driver: multicast Probes on every selected interface, unicast Probes to
//! `--target` hosts (sent and received by [`super::engine`]), and the acceptance rules for
//! ProbeMatches.
//!
//! Accepted replies are ProbeMatches that answer one of our MessageIDs (RelatesTo), come from
//! inside the scan scope, and name an ONVIF device. Each endpoint is reported once, whatever the
//! number of interfaces, probe variants and retransmissions it answered.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};

use camaudit_protocol::record::Method;
use camaudit_protocol::wsdiscovery::{self, Message, ProbeVariant};
use tokio::sync::mpsc;
use tracing::debug;

use super::Found;
use super::engine::{self, Destinations, DiscoveryError, Driver, Receiver};
pub use super::engine::{Plan, Stats};
use crate::scope::Scope;

/// Probe variants sent, in order. Some cameras answer only one of them.
const VARIANTS: [ProbeVariant; 2] = [ProbeVariant::NetworkVideoTransmitter, ProbeVariant::Device];
/// Most distinct endpoints one scan accepts; a flood beyond this is counted and dropped.
pub const MAX_ENDPOINTS: usize = 16_384;
/// Most distinct endpoints one address may claim (an NVR may front a few; a flood of made-up
/// endpoints from one host is not a fleet).
pub const MAX_ENDPOINTS_PER_IP: u16 = 8;

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
) -> Result<(), DiscoveryError> {
    let probes: Vec<Vec<u8>> = VARIANTS
        .iter()
        .zip(&ids)
        .map(|(v, id)| wsdiscovery::probe(id, *v))
        .collect();
    let shared = Arc::new(Shared {
        ids: ids.to_vec(),
        scope,
        seen: Mutex::new(Seen::default()),
        stats: stats.clone(),
        tx,
    });
    let driver = Driver {
        name: "ws-discovery",
        probes: &probes,
        destinations: Destinations {
            multicast: Some(SocketAddrV4::new(
                wsdiscovery::MULTICAST_V4,
                wsdiscovery::PORT,
            )),
            broadcast_port: None,
        },
        max_datagram: wsdiscovery::MAX_DATAGRAM,
        group_listener: false,
    };
    engine::run(driver, &plan, shared, &stats).await
}

impl Receiver for Shared {
    fn datagram(&self, bytes: &[u8], from: SocketAddr, iface: Option<&str>) {
        handle(bytes, from, iface, self);
    }
}

fn handle(datagram: &[u8], from: SocketAddr, iface: Option<&str>, shared: &Shared) {
    let stats = &shared.stats;
    let Some(ip) = engine::admit(&shared.scope, from, stats) else {
        return;
    };
    let (header, matches) = match wsdiscovery::parse(datagram) {
        Ok(Message::ProbeMatches { header, matches }) => (header, matches),
        Ok(Message::Fault { fault, .. }) => {
            debug!(%from, code = %fault.code, subcodes = ?fault.subcodes, "device faulted our probe");
            return;
        }
        Ok(_) => {
            Stats::count(&stats.unrelated);
            return;
        }
        Err(e) => {
            Stats::count(&stats.malformed);
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
        Stats::count(&stats.unrelated);
        debug!(%from, relates_to = ?header.relates_to, "ProbeMatches does not answer our probe");
        return;
    }
    for m in matches {
        if !m.is_onvif() {
            Stats::count(&stats.not_camera);
            continue;
        }
        let key = m.endpoint.clone().unwrap_or_else(|| format!("ip:{ip}"));
        {
            let Ok(mut seen) = shared.seen.lock() else {
                return;
            };
            if seen.endpoints.contains(&key) {
                Stats::count(&stats.duplicates);
                continue;
            }
            let per_ip = seen.per_ip.get(&ip).copied().unwrap_or(0);
            if seen.endpoints.len() >= MAX_ENDPOINTS || per_ip >= MAX_ENDPOINTS_PER_IP {
                Stats::count(&stats.over_cap);
                continue;
            }
            seen.per_ip.insert(ip, per_ip + 1);
            seen.endpoints.insert(key);
        }
        Stats::count(&stats.accepted);
        let _ = shared.tx.send(Found {
            ip,
            method: Method::WsDiscovery,
            endpoint: m.endpoint,
            xaddrs: m.xaddrs,
            scopes: m.scopes,
            interface: iface.map(str::to_owned),
            vendor: None,
        });
    }
}
