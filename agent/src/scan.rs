//! A scan: discovery and interrogation pipelined (a device is interrogated as soon as its reply
//! arrives), then one record per device with attribution and policy.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use camaudit_attribution::{Observation, PolicySet};
use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::{
    Access, Device, Method, Reported, SCAN_SCHEMA, ScanReport, Summary,
};
use camaudit_protocol::wsdiscovery::Scopes;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::discovery::{Found, wsd};
use crate::interrogate::{self, Ctx, Identity, rfc3339_seconds};
use crate::net::{interfaces::Interface, neighbour};
use crate::scope::{Scope, Target};
use crate::url::strip_userinfo;

/// Everything a scan needs, resolved and validated.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    pub interfaces: Vec<Interface>,
    pub targets: Vec<Target>,
    pub wait: Duration,
    pub methods: Vec<Method>,
    pub interrogate: bool,
    pub concurrency: usize,
    pub rate: u32,
    pub ctx: Ctx,
    pub agent: String,
    pub site: Option<String>,
}

impl ScanConfig {
    /// The networks this scan covers: the interfaces' subnets and the targets.
    pub fn scope(&self) -> Scope {
        Scope::new(
            self.interfaces
                .iter()
                .map(|i| ipnet::IpNet::V4(i.net))
                .chain(self.targets.iter().map(Target::net)),
        )
    }
}

/// Progress as devices come in, for the stderr progress line.
pub trait Progress: Send + Sync {
    fn found(&self, _total: usize) {}
    fn done(&self, _total: usize) {}
}

/// No progress reporting.
pub struct Silent;
impl Progress for Silent {}

/// Discovery counters, kept beside the report for logs and benchmarks.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ScanStats {
    pub probes_sent: u64,
    pub datagrams: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub out_of_scope: u64,
    pub unrelated: u64,
    pub malformed: u64,
    pub rcvbuf: u64,
}

/// Runs one scan to completion.
pub async fn run(
    cfg: &ScanConfig,
    policy: &PolicySet,
    progress: &dyn Progress,
) -> anyhow::Result<(ScanReport, ScanStats)> {
    let started = SystemTime::now();
    let scope = cfg.scope();
    let unicast: Vec<_> = cfg
        .targets
        .iter()
        .flat_map(|t| t.endpoints(wsd_port()))
        .collect();
    let plan = wsd::Plan {
        interfaces: cfg.interfaces.clone(),
        unicast,
        wait: cfg.wait,
        repeats: 2,
        repeat_gap: Duration::from_millis(50),
        rate: cfg.rate,
    };
    let ids = [new_message_id(), new_message_id()];
    let stats = Arc::new(wsd::Stats::default());
    let (tx, mut rx) = mpsc::unbounded_channel::<Found>();
    let discovery = tokio::spawn(wsd::discover(plan, scope.clone(), ids, tx, stats.clone()));

    let sem = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let ctx = Arc::new(cfg.ctx.clone());
    let mut tasks = JoinSet::new();
    let mut found_count = 0usize;
    while let Some(f) = rx.recv().await {
        found_count += 1;
        progress.found(found_count);
        let (sem, ctx, interrogate) = (sem.clone(), ctx.clone(), cfg.interrogate);
        tasks.spawn(async move {
            let id = if interrogate {
                let Ok(_permit) = sem.acquire_owned().await else {
                    return (f, Identity::default());
                };
                interrogate::interrogate(IpAddr::V4(f.ip), &f.xaddrs, &ctx).await
            } else {
                Identity::default()
            };
            (f, id)
        });
    }
    discovery.await??;
    let mut results = Vec::with_capacity(found_count);
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(pair) => {
                results.push(pair);
                progress.done(results.len());
            }
            Err(e) => warn!(error = %e, "interrogation task failed"),
        }
    }
    let finished = SystemTime::now();
    let arp = neighbour::table();
    let seen_at = rfc3339_seconds(finished);
    let mut devices: Vec<Device> = results
        .into_iter()
        .map(|(f, id)| assemble(f, id, &arp, policy, &seen_at))
        .collect();
    devices = merge_by_key(devices);
    devices.sort_by_key(|d| (d.ip.parse::<Ipv4Addr>().ok(), d.key.clone()));
    let summary = Summary::of(&devices);
    let report = ScanReport {
        schema: SCAN_SCHEMA.to_owned(),
        scan_id: uuid::Uuid::now_v7().to_string(),
        camaudit_version: env!("CARGO_PKG_VERSION").to_owned(),
        site: cfg.site.clone(),
        agent: cfg.agent.clone(),
        started_at: rfc3339_seconds(started),
        finished_at: seen_at,
        interfaces: cfg.interfaces.iter().map(|i| i.name.clone()).collect(),
        methods: cfg.methods.clone(),
        devices,
        summary,
    };
    let s = &stats;
    let scan_stats = ScanStats {
        probes_sent: s.probes_sent.load(Ordering::Relaxed),
        datagrams: s.datagrams.load(Ordering::Relaxed),
        accepted: s.accepted.load(Ordering::Relaxed),
        duplicates: s.duplicates.load(Ordering::Relaxed),
        out_of_scope: s.out_of_scope.load(Ordering::Relaxed),
        unrelated: s.unrelated.load(Ordering::Relaxed),
        malformed: s.malformed.load(Ordering::Relaxed),
        rcvbuf: s.rcvbuf.load(Ordering::Relaxed),
    };
    info!(devices = report.devices.len(), ?scan_stats, "scan finished");
    Ok((report, scan_stats))
}

fn wsd_port() -> u16 {
    camaudit_protocol::wsdiscovery::PORT
}

fn new_message_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// One device record from what discovery and interrogation learned.
pub fn assemble(
    f: Found,
    id: Identity,
    arp: &[(Ipv4Addr, Mac)],
    policy: &PolicySet,
    seen_at: &str,
) -> Device {
    let mut scopes = f.scopes.clone();
    for s in &id.scopes {
        if !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    let (mac, mac_source) = find_mac(&f, &id, &scopes, arp);
    let info = id.info.clone().unwrap_or_default();
    let decoded = Scopes::parse(&scopes);
    let reported = Reported {
        manufacturer: info.manufacturer.clone(),
        model: info.model.clone().or_else(|| decoded.hardware.clone()),
        firmware: info.firmware_version.clone(),
        serial: info.serial_number.clone(),
        hardware_id: info.hardware_id.clone(),
        hostname: id.hostname.clone(),
    };
    let mut xaddrs: Vec<String> = f.xaddrs.iter().map(|x| strip_userinfo(x)).collect();
    xaddrs.dedup();
    let mut all_xaddrs = xaddrs.clone();
    all_xaddrs.extend(id.capability_xaddrs.iter().map(|x| strip_userinfo(x)));
    let obs = Observation {
        mac,
        manufacturer: reported
            .manufacturer
            .clone()
            .or_else(|| decoded.name.clone()),
        model: reported.model.clone(),
        firmware: reported.firmware.clone(),
        serial: reported.serial.clone(),
        hardware_id: reported.hardware_id.clone(),
        scopes,
        xaddrs: all_xaddrs,
        namespaces: id.namespaces.clone(),
        realms: id.realms.clone(),
        http_servers: id.http_servers.clone(),
        endpoint: f.endpoint.clone(),
        vendor: Vec::new(),
    };
    let attribution = camaudit_attribution::attribute(&obs);
    let policy = policy.evaluate(&attribution);
    let ip = f.ip.to_string();
    Device {
        key: Device::key_for(mac.as_ref(), &ip),
        ip,
        mac,
        mac_source: mac_source.map(str::to_owned),
        endpoint: f.endpoint.map(|e| strip_userinfo(&e)),
        xaddrs,
        discovered_by: vec![f.method],
        reported,
        attribution,
        policy,
        access: Access {
            auth: id.auth,
            errors: id.errors,
        },
        first_seen: seen_at.to_owned(),
        last_seen: seen_at.to_owned(),
    }
}

/// MAC, in order of trust: the device's own GetNetworkInterfaces, the kernel neighbour table,
/// an ONVIF MAC scope, the EUI-64 of an IPv6 link-local XAddr, the endpoint-reference tail.
fn find_mac(
    f: &Found,
    id: &Identity,
    scopes: &[String],
    arp: &[(Ipv4Addr, Mac)],
) -> (Option<Mac>, Option<&'static str>) {
    let usable = |m: &Mac| m.0 != [0; 6] && !m.is_multicast();
    if let Some(ifs) = &id.interfaces {
        let m = ifs
            .interfaces
            .iter()
            .filter(|i| i.enabled != Some(false))
            .filter_map(|i| i.hw_address.as_deref().and_then(|h| Mac::parse(h).ok()))
            .find(usable);
        if let Some(m) = m {
            return (Some(m), Some("onvif"));
        }
    }
    // A MAC the neighbour table holds for several addresses is a router, a proxy-ARP box or a
    // bridge, not this device: using it would merge distinct devices into one record.
    let unique = |m: &Mac| arp.iter().filter(|(_, other)| other == m).count() == 1;
    if let Some((_, m)) = arp
        .iter()
        .find(|(ip, m)| *ip == f.ip && usable(m) && unique(m))
    {
        return (Some(*m), Some("neighbour"));
    }
    if let Some(m) = Scopes::parse(scopes)
        .mac
        .and_then(|s| Mac::parse(&s).ok())
        .filter(usable)
    {
        return (Some(m), Some("scope"));
    }
    if let Some(m) = f.xaddrs.iter().find_map(|x| eui64_mac(x)).filter(usable) {
        return (Some(m), Some("eui64"));
    }
    if let Some(m) = f.endpoint.as_deref().and_then(endpoint_mac).filter(usable) {
        return (Some(m), Some("endpoint"));
    }
    (None, None)
}

/// The MAC inside an EUI-64 IPv6 address (`fe80::b6a3:82ff:fe0f:d92d` → `b4:a3:82:0f:d9:2d`).
fn eui64_mac(xaddr: &str) -> Option<Mac> {
    let u = crate::url::DeviceUrl::parse(xaddr)?;
    let IpAddr::V6(v6) = u.ip()? else { return None };
    let o = v6.octets();
    if o[11] != 0xff || o[12] != 0xfe {
        return None;
    }
    Some(Mac([o[8] ^ 0x02, o[9], o[10], o[13], o[14], o[15]]))
}

/// Many cameras end their endpoint uuid with their MAC (`urn:uuid:…-b4a3820fd92d`).
fn endpoint_mac(endpoint: &str) -> Option<Mac> {
    let tail = endpoint.rsplit('-').next()?;
    if tail.len() != 12 {
        return None;
    }
    let m = Mac::parse(tail).ok()?;
    (!m.is_local()).then_some(m)
}

/// Merges records that turned out to be one device (same MAC key) across interfaces, probe
/// variants and endpoints.
fn merge_by_key(devices: Vec<Device>) -> Vec<Device> {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Device> = Vec::with_capacity(devices.len());
    for d in devices {
        match by_key.get(&d.key) {
            Some(&i) => {
                let kept = &mut out[i];
                for m in d.discovered_by {
                    if !kept.discovered_by.contains(&m) {
                        kept.discovered_by.push(m);
                    }
                }
                for x in d.xaddrs {
                    if !kept.xaddrs.contains(&x) {
                        kept.xaddrs.push(x);
                    }
                }
                if kept.reported.manufacturer.is_none() && d.reported.manufacturer.is_some() {
                    kept.reported = d.reported;
                    kept.attribution = d.attribution;
                    kept.policy = d.policy;
                    kept.access = d.access;
                }
            }
            None => {
                by_key.insert(d.key.clone(), out.len());
                out.push(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_neighbour_mac_shared_by_several_addresses_is_not_the_device() {
        let found = |ip: [u8; 4]| Found {
            ip: Ipv4Addr::from(ip),
            method: Method::WsDiscovery,
            endpoint: None,
            xaddrs: Vec::new(),
            scopes: Vec::new(),
            interface: None,
        };
        let shared = Mac([0x02, 0, 0, 0, 0, 1]);
        let own = Mac([0x44, 0x19, 0xb6, 1, 2, 3]);
        let arp = [
            (Ipv4Addr::new(10, 0, 0, 5), shared),
            (Ipv4Addr::new(10, 0, 0, 6), shared),
            (Ipv4Addr::new(10, 0, 0, 7), own),
        ];
        let id = Identity::default();
        assert_eq!(
            find_mac(&found([10, 0, 0, 5]), &id, &[], &arp),
            (None, None)
        );
        assert_eq!(
            find_mac(&found([10, 0, 0, 7]), &id, &[], &arp),
            (Some(own), Some("neighbour"))
        );
    }

    #[test]
    fn recovers_macs_from_eui64_and_endpoint_tails() {
        // hikvision-ds-2cd3955fwd-iws-probematch.xml: both carry b4:a3:82:0f:d9:2d.
        let m = eui64_mac("http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service").unwrap();
        assert_eq!(m.to_string(), "b4:a3:82:0f:d9:2d");
        let m = endpoint_mac("urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d").unwrap();
        assert_eq!(m.to_string(), "b4:a3:82:0f:d9:2d");
        assert!(eui64_mac("http://[fe80::1]/x").is_none());
        assert!(endpoint_mac("urn:uuid:abc").is_none());
    }
}
