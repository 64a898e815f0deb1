//! Hikvision SADP driver: the `inquiry` probe to 239.255.255.250:37020 and the interface's
//! broadcast address on every selected interface and to each `--target` host, and the
//! acceptance rules for `<ProbeMatch>` replies.
//!
//! Hikvision ships many models with ONVIF disabled; SADP answers without a login and names the
//! model, serial, MAC and firmware. Accepted replies come from inside the scan scope; each
//! address is reported once. A reply to our socket answers us whatever its `Uuid` (firmware
//! that imitates SADP echoes a fixed one); a reply on the group port (firmware answering to the
//! group) counts only when it echoes our inquiry's `Uuid`.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use camaudit_protocol::record::Method;
use camaudit_protocol::sadp::{self, Message};
use tokio::sync::mpsc;
use tracing::debug;

use super::engine::{self, Destinations, DiscoveryError, Driver, Gate, Plan, Receiver, Stats};
use super::{Found, VendorIdentity};
use crate::scope::Scope;

/// Most devices one scan accepts over SADP.
pub const MAX_DEVICES: usize = 16_384;

struct Shared {
    /// Our inquiry's Uuid, upper-case.
    uuid: String,
    gate: Gate,
    stats: Arc<Stats>,
    tx: mpsc::UnboundedSender<Found>,
}

/// Runs SADP discovery to completion (see [`engine::run`]). `uuid` identifies our inquiry.
pub async fn discover(
    plan: Plan,
    scope: Scope,
    uuid: &str,
    tx: mpsc::UnboundedSender<Found>,
    stats: Arc<Stats>,
) -> Result<(), DiscoveryError> {
    let probes = [sadp::inquiry(uuid)];
    let shared = Arc::new(Shared {
        uuid: uuid.to_ascii_uppercase(),
        gate: Gate::new(scope, MAX_DEVICES),
        stats: stats.clone(),
        tx,
    });
    let driver = Driver {
        name: "sadp",
        probes: &probes,
        destinations: Destinations {
            multicast: Some(SocketAddrV4::new(sadp::MULTICAST_V4, sadp::PORT)),
            broadcast_port: Some(sadp::PORT),
        },
        max_datagram: sadp::MAX_DATAGRAM,
        group_listener: true,
    };
    engine::run(driver, &plan, shared, &stats).await
}

impl Receiver for Shared {
    fn datagram(&self, bytes: &[u8], from: SocketAddr, iface: Option<&str>) {
        self.handle(bytes, from, iface, false);
    }

    /// On the group port only replies echoing our Uuid count: the rest answer other tools.
    fn group_datagram(&self, bytes: &[u8], from: SocketAddr) {
        self.handle(bytes, from, None, true);
    }
}

impl Shared {
    fn handle(&self, bytes: &[u8], from: SocketAddr, iface: Option<&str>, ours_only: bool) {
        let stats = &self.stats;
        let Some(ip) = self.gate.admit(from, stats) else {
            return;
        };
        let reply = match sadp::parse(bytes) {
            Ok(Message::Reply(r)) => r,
            Ok(_) => {
                Stats::count(&stats.unrelated);
                return;
            }
            Err(e) => {
                Stats::count(&stats.malformed);
                debug!(%from, error = %e, "malformed SADP datagram");
                return;
            }
        };
        let echoes = reply
            .uuid
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(&self.uuid));
        if ours_only && !echoes {
            Stats::count(&stats.unrelated);
            debug!(%from, uuid = ?reply.uuid, "SADP reply on the group answers another inquiry");
            return;
        }
        if !self.gate.first(ip, stats) {
            return;
        }
        let _ = self.tx.send(Found {
            ip,
            method: Method::Sadp,
            endpoint: None,
            xaddrs: Vec::new(),
            scopes: Vec::new(),
            interface: iface.map(str::to_owned),
            vendor: Some(VendorIdentity::from_sadp(&reply)),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    const HIKVISION: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/fixtures/real/hikvision-ds-2cd2385g1-i-sadp-probematch.xml"
    ));
    const EZVIZ: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/fixtures/real/ezviz-cs-c6tc-32wfr-sadp-probematch.xml"
    ));

    fn shared() -> (Shared, mpsc::UnboundedReceiver<Found>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let scope = Scope::new(["192.168.124.0/24".parse().unwrap()]);
        let s = Shared {
            uuid: "E8ECFE09-90E4-44C0-842B-703F46B58C81".into(),
            gate: Gate::new(scope, MAX_DEVICES),
            stats: Arc::new(Stats::default()),
            tx,
        };
        (s, rx)
    }

    #[test]
    fn accepts_real_replies_from_inside_the_scope_once_each() {
        let (s, mut rx) = shared();
        let cam: SocketAddr = "192.168.124.40:37020".parse().unwrap();
        let other: SocketAddr = "192.168.124.41:37020".parse().unwrap();
        let table: [(&[u8], SocketAddr); 6] = [
            (HIKVISION, cam),
            // The same device again (second interface, broadcast and multicast copies).
            (HIKVISION, cam),
            (EZVIZ, other),
            // Outside the scope: never parsed.
            (HIKVISION, "10.0.0.1:37020".parse().unwrap()),
            // Our own inquiry looped back, and garbage.
            (
                &sadp::inquiry("ABC"),
                "192.168.124.1:37020".parse().unwrap(),
            ),
            (b"<ProbeMatch><Uuid>", other),
        ];
        for (bytes, from) in table {
            s.datagram(bytes, from, Some("eth1"));
        }
        let a = rx.try_recv().unwrap();
        assert_eq!(
            (a.ip.to_string(), a.method),
            ("192.168.124.40".into(), Method::Sadp)
        );
        assert_eq!(a.interface.as_deref(), Some("eth1"));
        let v = a.vendor.unwrap();
        assert_eq!(v.model.as_deref(), Some("DS-2CD2385G1-I"));
        assert_eq!(v.firmware.as_deref(), Some("V5.6.2 build 190701"));
        assert_eq!(v.mac.unwrap().to_string(), "58:50:ed:1f:e3:85");
        let b = rx.try_recv().unwrap().vendor.unwrap();
        assert_eq!(
            b.serial.as_deref(),
            Some("CS-C6TC-32WFR0120170327CCCH738231995")
        );
        assert!(rx.try_recv().is_err());
        // On the group port: the DS-2CD2385G1-I's reply echoes our Uuid, EZVIZ's does not.
        let (g, mut grx) = shared();
        g.group_datagram(EZVIZ, other);
        g.group_datagram(HIKVISION, cam);
        assert_eq!(grx.try_recv().unwrap().ip, cam.ip());
        assert!(grx.try_recv().is_err());
        assert_eq!(g.stats.unrelated.load(Ordering::Relaxed), 1);
        let n = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        let st = &s.stats;
        assert_eq!(
            (
                n(&st.datagrams),
                n(&st.accepted),
                n(&st.duplicates),
                n(&st.out_of_scope),
                n(&st.unrelated),
                n(&st.malformed)
            ),
            (6, 2, 1, 1, 1, 1)
        );
    }
}
