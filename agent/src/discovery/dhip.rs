//! Dahua DHIP driver: the `DHDiscover.search` request to 239.255.255.251:37810 and the
//! interface's broadcast address on every selected interface and to each `--target` host, and
//! the acceptance rules for `client.notifyDevInfo` replies.
//!
//! Dahua and its OEMs (Amcrest, Lorex, Intelbras…) answer DHIP without a login with model,
//! serial, MAC, firmware and the OEM's vendor name. Accepted replies come from inside the scan
//! scope; each address is reported once. Replies on the group port (firmware answering to the
//! group) are accepted too: a DHIP reply names no request, and it is the device's own account
//! of itself whoever asked.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use camaudit_protocol::dhip::{self, Message};
use camaudit_protocol::record::Method;
use tokio::sync::mpsc;
use tracing::debug;

use super::engine::{self, Destinations, DiscoveryError, Driver, Gate, Plan, Receiver, Stats};
use super::{Found, VendorIdentity};
use crate::scope::Scope;

/// Most devices one scan accepts over DHIP.
pub const MAX_DEVICES: usize = 16_384;

struct Shared {
    gate: Gate,
    stats: Arc<Stats>,
    tx: mpsc::UnboundedSender<Found>,
}

/// Runs DHIP discovery to completion (see [`engine::run`]).
pub async fn discover(
    plan: Plan,
    scope: Scope,
    tx: mpsc::UnboundedSender<Found>,
    stats: Arc<Stats>,
) -> Result<(), DiscoveryError> {
    let probes = [dhip::search_request("")];
    let shared = Arc::new(Shared {
        gate: Gate::new(scope, MAX_DEVICES),
        stats: stats.clone(),
        tx,
    });
    let driver = Driver {
        name: "dhip",
        probes: &probes,
        destinations: Destinations {
            multicast: Some(SocketAddrV4::new(dhip::MULTICAST_V4, dhip::PORT)),
            broadcast_port: Some(dhip::PORT),
        },
        max_datagram: dhip::HEADER_LEN + dhip::MAX_BODY,
        group_listener: true,
    };
    engine::run(driver, &plan, shared, &stats).await
}

impl Receiver for Shared {
    fn datagram(&self, bytes: &[u8], from: SocketAddr, iface: Option<&str>) {
        let stats = &self.stats;
        let Some(ip) = self.gate.admit(from, stats) else {
            return;
        };
        let reply = match dhip::parse(bytes) {
            Ok(Message::DevInfo(r)) => r,
            Ok(_) => {
                Stats::count(&stats.unrelated);
                return;
            }
            Err(e) => {
                Stats::count(&stats.malformed);
                debug!(%from, error = %e, "malformed DHIP datagram");
                return;
            }
        };
        if !self.gate.first(ip, stats) {
            return;
        }
        let _ = self.tx.send(Found {
            ip,
            method: Method::Dhip,
            endpoint: None,
            xaddrs: Vec::new(),
            scopes: Vec::new(),
            interface: iface.map(str::to_owned),
            vendor: Some(VendorIdentity::from_dhip(&reply)),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../protocol/fixtures/real/",
                $name
            ))
        };
    }

    /// The JSON captures with the 32-byte header the device sends before them.
    fn datagram(body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(body.len()).unwrap().to_le_bytes();
        let mut d = vec![0x20, 0, 0, 0];
        d.extend_from_slice(b"DHIP");
        d.extend_from_slice(&[0; 8]);
        d.extend_from_slice(&len);
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&len);
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(body);
        d
    }

    #[test]
    fn accepts_real_replies_from_inside_the_scope_once_each() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let s = Shared {
            gate: Gate::new(
                Scope::new(["192.168.124.0/24".parse().unwrap()]),
                MAX_DEVICES,
            ),
            stats: Arc::new(Stats::default()),
            tx,
        };
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        let dahua = datagram(fixture!("dahua-ipc-hdw1431t1-s4-dhip-notifydevinfo.json"));
        let intelbras = datagram(fixture!(
            "intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json"
        ));
        let search = dhip::search_request("");
        let table: Vec<(&[u8], SocketAddr)> = vec![
            (&dahua, at("192.168.124.17:37810")),
            (&dahua, at("192.168.124.17:37810")),
            // Header and malformed JSON as captured (tolerant parse).
            (
                fixture!("anon-dahua-dhip-notifydevinfo-udp37810.bin"),
                at("192.168.124.18:37810"),
            ),
            (&intelbras, at("192.168.3.175:37810")),
            (&search, at("192.168.124.1:37810")),
            (b"DHIP", at("192.168.124.19:37810")),
        ];
        for (bytes, from) in table {
            s.datagram(bytes, from, None);
        }
        let a = rx.try_recv().unwrap();
        assert_eq!(a.method, Method::Dhip);
        let v = a.vendor.unwrap();
        assert_eq!(
            v.summary(),
            "manufacturer=Private; model=IPC-HDW1431T1-S4; serial=6C01E93PAG69A7D; \
             mac=08:ed:ed:87:42:7a; firmware=2.800.0000000.13.R"
        );
        assert_eq!(rx.try_recv().unwrap().ip.to_string(), "192.168.124.18");
        assert!(rx.try_recv().is_err());
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let st = &s.stats;
        assert_eq!(
            (
                n(&st.accepted),
                n(&st.duplicates),
                n(&st.out_of_scope),
                n(&st.unrelated),
                n(&st.malformed)
            ),
            (2, 1, 1, 1, 1)
        );
    }
}
