//! A scan: every selected discovery method runs concurrently within the same listening window;
//! each device is read as soon as a method reports it (ONVIF for WS-Discovery replies, the
//! vendor identity page for Hikvision and Dahua families); then [`crate::assemble`] merges the
//! sightings of one device into one record with attribution and policy.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use camaudit_attribution::PolicySet;
use camaudit_protocol::record::{Device, Method, SCAN_SCHEMA, ScanReport, Summary};
use camaudit_protocol::{dhip as dhip_wire, sadp as sadp_wire};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::{info, warn};

pub use crate::assemble::{Sighting, assemble};
use crate::discovery::engine::{DiscoveryError, Plan, Stats};
use crate::discovery::{Found, dhip, sadp, wsd};
use crate::identity_pages::{self, Page};
use crate::interrogate::{self, Ctx, Identity, rfc3339_seconds};
use crate::net::{interfaces::Interface, neighbour};
use crate::scope::{Scope, Target};

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

/// Discovery counters of one method (or all of them summed).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DiscoveryCounts {
    pub probes_sent: u64,
    pub datagrams: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub out_of_scope: u64,
    pub unrelated: u64,
    pub malformed: u64,
    /// Smallest receive buffer granted.
    pub rcvbuf: u64,
}

impl DiscoveryCounts {
    fn of(s: &Stats) -> Self {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Self {
            probes_sent: n(&s.probes_sent),
            datagrams: n(&s.datagrams),
            accepted: n(&s.accepted),
            duplicates: n(&s.duplicates),
            out_of_scope: n(&s.out_of_scope),
            unrelated: n(&s.unrelated),
            malformed: n(&s.malformed),
            rcvbuf: n(&s.rcvbuf),
        }
    }

    fn add(&mut self, o: &Self) {
        self.probes_sent += o.probes_sent;
        self.datagrams += o.datagrams;
        self.accepted += o.accepted;
        self.duplicates += o.duplicates;
        self.out_of_scope += o.out_of_scope;
        self.unrelated += o.unrelated;
        self.malformed += o.malformed;
        self.rcvbuf = if self.rcvbuf == 0 {
            o.rcvbuf
        } else {
            self.rcvbuf.min(o.rcvbuf)
        };
    }
}

/// Discovery counters, kept beside the report for logs and benchmarks.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ScanStats {
    /// Every method summed.
    #[serde(flatten)]
    pub total: DiscoveryCounts,
    pub by_method: BTreeMap<Method, DiscoveryCounts>,
    /// Identity pages read (ISAPI, magicBox).
    pub pages_read: u64,
}

/// The discovery methods this agent implements, in the order they are listed.
pub const DISCOVERY_METHODS: [Method; 3] = [Method::WsDiscovery, Method::Sadp, Method::Dhip];

/// Runs one scan to completion.
pub async fn run(
    cfg: &ScanConfig,
    policy: &PolicySet,
    progress: &dyn Progress,
) -> anyhow::Result<(ScanReport, ScanStats)> {
    let started = SystemTime::now();
    let (sightings, scan_stats) = sightings(cfg, progress, None).await?;
    let finished = SystemTime::now();
    let seen_at = rfc3339_seconds(finished);
    let mut devices = crate::assemble::devices(sightings, &neighbour::table(), policy, &seen_at);
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
    info!(devices = report.devices.len(), ?scan_stats, "scan finished");
    Ok((report, scan_stats))
}

/// Everything about one device (`camaudit probe`): every method by unicast to `ip` (the
/// WS-Discovery probe to `wsd_port`), then ONVIF and the identity page. When WS-Discovery does
/// not answer, ONVIF is still asked at `url` (or the default device-service path).
pub async fn probe(
    ip: Ipv4Addr,
    wsd_port: Option<u16>,
    url: Option<String>,
    wait: Duration,
    ctx: &Ctx,
    policy: &PolicySet,
) -> anyhow::Result<Device> {
    let cfg = ScanConfig {
        interfaces: Vec::new(),
        targets: vec![Target::Host(ip, wsd_port)],
        wait,
        methods: DISCOVERY_METHODS.to_vec(),
        interrogate: true,
        concurrency: 4,
        rate: 100,
        ctx: ctx.clone(),
        agent: String::new(),
        site: None,
    };
    let direct = Found::direct(ip, url.into_iter().collect());
    let (sightings, _) = sightings(&cfg, &Silent, Some(direct)).await?;
    let seen_at = rfc3339_seconds(SystemTime::now());
    let devices = crate::assemble::devices(sightings, &neighbour::table(), policy, &seen_at);
    let wanted = ip.to_string();
    devices
        .into_iter()
        .find(|d| d.ip == wanted)
        .ok_or_else(|| anyhow::anyhow!("{ip}: no record assembled"))
}

/// Discovery with every selected method at once, each find read as it arrives. `direct`, when
/// given, is read over ONVIF too unless WS-Discovery found its address.
async fn sightings(
    cfg: &ScanConfig,
    progress: &dyn Progress,
    direct: Option<Found>,
) -> anyhow::Result<(Vec<Sighting>, ScanStats)> {
    let scope = cfg.scope();
    let methods: Vec<Method> = DISCOVERY_METHODS
        .into_iter()
        .filter(|m| cfg.methods.contains(m))
        .collect();
    // --rate bounds the scan's unicast probes, whatever the number of methods.
    let rate = cfg.rate / u32::try_from(methods.len().max(1)).unwrap_or(1);
    let (tx, mut rx) = mpsc::unbounded_channel::<Found>();
    let mut drivers = Vec::new();
    for &m in &methods {
        let stats = Arc::new(Stats::default());
        let plan = plan_for(cfg, m, rate);
        let (scope, tx, st) = (scope.clone(), tx.clone(), stats.clone());
        let task =
            match m {
                Method::Sadp => tokio::spawn(async move {
                    sadp::discover(plan, scope, &new_uuid_upper(), tx, st).await
                }),
                Method::Dhip => tokio::spawn(dhip::discover(plan, scope, tx, st)),
                _ => tokio::spawn(wsd::discover(
                    plan,
                    scope,
                    [new_message_id(), new_message_id()],
                    tx,
                    st,
                )),
            };
        drivers.push((m, stats, task));
    }
    drop(tx);

    let sem = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let ctx = Arc::new(cfg.ctx.clone());
    let claims = Arc::new(PageClaims::default());
    let mut tasks = JoinSet::new();
    let mut found_count = 0usize;
    let mut onvif_found = HashSet::new();
    let read = |f: Found, tasks: &mut JoinSet<Sighting>| {
        let (sem, ctx, claims, interrogate) =
            (sem.clone(), ctx.clone(), claims.clone(), cfg.interrogate);
        tasks.spawn(async move {
            if !interrogate {
                return Sighting::new(f, Identity::default());
            }
            let Ok(_permit) = sem.acquire_owned().await else {
                return Sighting::new(f, Identity::default());
            };
            examine(f, &ctx, &claims).await
        });
    };
    while let Some(f) = rx.recv().await {
        found_count += 1;
        progress.found(found_count);
        if f.method == Method::WsDiscovery {
            onvif_found.insert(f.ip);
        }
        read(f, &mut tasks);
    }
    if let Some(d) = direct.filter(|d| !onvif_found.contains(&d.ip)) {
        read(d, &mut tasks);
    }
    let mut scan_stats = ScanStats::default();
    for (m, stats, task) in drivers {
        let r: Result<(), DiscoveryError> = task.await?;
        r?;
        let counts = DiscoveryCounts::of(&stats);
        scan_stats.total.add(&counts);
        scan_stats.by_method.insert(m, counts);
    }
    let mut sightings = Vec::with_capacity(found_count);
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(s) => {
                scan_stats.pages_read += s.pages.len() as u64;
                sightings.push(s);
                progress.done(sightings.len());
            }
            Err(e) => warn!(error = %e, "interrogation task failed"),
        }
    }
    Ok((sightings, scan_stats))
}

/// The plan of one method: every interface, and the targets on that method's port (a
/// `--target IP:PORT` port is a WS-Discovery port).
fn plan_for(cfg: &ScanConfig, m: Method, rate: u32) -> Plan {
    let port = match m {
        Method::Sadp => Some(sadp_wire::PORT),
        Method::Dhip => Some(dhip_wire::PORT),
        _ => None,
    };
    let mut unicast: Vec<SocketAddrV4> = Vec::new();
    for t in &cfg.targets {
        match port {
            Some(p) => unicast.extend(
                t.endpoints(p)
                    .into_iter()
                    .map(|e| SocketAddrV4::new(*e.ip(), p)),
            ),
            None => unicast.extend(t.endpoints(wsd_port())),
        }
    }
    Plan {
        interfaces: cfg.interfaces.clone(),
        unicast,
        wait: cfg.wait,
        repeats: 2,
        repeat_gap: Duration::from_millis(50),
        rate,
    }
}

/// Identity pages already claimed by one sighting of a device, so a device found by several
/// methods is asked once.
#[derive(Default)]
struct PageClaims(Mutex<HashSet<(Ipv4Addr, Page)>>);

impl PageClaims {
    fn claim(&self, ip: Ipv4Addr, page: Page) -> bool {
        self.0.lock().is_ok_and(|mut s| s.insert((ip, page)))
    }
}

/// Reads one sighting: ONVIF for WS-Discovery (and direct) finds; then the identity page of
/// the device's maker family, once per device, when credentials are configured for it or when
/// only a vendor protocol found it (its banner and realm are then the only HTTP evidence).
/// Vendor discovery replies already carry the identity ONVIF would give, and a device
/// answering only them usually has ONVIF switched off, so they are not asked over ONVIF. A
/// device whose web server failed in transport is not asked again.
async fn examine(f: Found, ctx: &Ctx, claims: &PageClaims) -> Sighting {
    let onvif = match f.method {
        Method::WsDiscovery | Method::Direct => {
            interrogate::interrogate(IpAddr::V4(f.ip), &f.xaddrs, !f.scopes.is_empty(), ctx).await
        }
        _ => Identity::default(),
    };
    let mut s = Sighting::new(f, onvif);
    let page = match s.found.vendor.as_ref().map(|v| v.source) {
        Some(crate::discovery::IdentitySource::Sadp) => Some(Page::IsapiDeviceInfo),
        Some(crate::discovery::IdentitySource::Dhip) => Some(Page::MagicBoxSystemInfo),
        _ => crate::assemble::maker_hint(&s).and_then(|m| Page::for_maker(&m)),
    };
    let ip = s.found.ip;
    let worth_it = s.found.vendor.is_some() || ctx.credentials.for_ip(IpAddr::V4(ip)).is_some();
    if let Some(page) = page
        && worth_it
        && !s.onvif.transport_failed
        && claims.claim(ip, page)
    {
        let port = s
            .found
            .vendor
            .as_ref()
            .and_then(|v| v.http_port)
            .unwrap_or_else(|| {
                interrogate::service_url(IpAddr::V4(ip), &s.found.xaddrs)
                    .0
                    .port()
            });
        s.pages
            .push(identity_pages::read(ip, port, page, ctx).await);
    }
    s
}

fn wsd_port() -> u16 {
    camaudit_protocol::wsdiscovery::PORT
}

fn new_message_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// SADP tools send their inquiry's uuid upper-case.
fn new_uuid_upper() -> String {
    uuid::Uuid::new_v4().to_string().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_methods_probe_targets_on_their_own_port() {
        let cfg = ScanConfig {
            interfaces: Vec::new(),
            targets: vec![
                Target::parse("10.20.0.0/30").unwrap(),
                Target::parse("10.20.1.7:13702").unwrap(),
            ],
            wait: Duration::from_secs(1),
            methods: DISCOVERY_METHODS.to_vec(),
            interrogate: true,
            concurrency: 1,
            rate: 300,
            ctx: Ctx {
                credentials: Default::default(),
                limits: Default::default(),
            },
            agent: "t".into(),
            site: None,
        };
        let ports = |m| {
            plan_for(&cfg, m, 100)
                .unicast
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ports(Method::WsDiscovery),
            ["10.20.0.1:3702", "10.20.0.2:3702", "10.20.1.7:13702"]
        );
        assert_eq!(
            ports(Method::Sadp),
            ["10.20.0.1:37020", "10.20.0.2:37020", "10.20.1.7:37020"]
        );
        assert_eq!(ports(Method::Dhip)[2], "10.20.1.7:37810");
    }

    #[test]
    fn a_page_is_claimed_once_per_device() {
        let c = PageClaims::default();
        let ip = Ipv4Addr::new(10, 0, 0, 1);
        assert!(c.claim(ip, Page::IsapiDeviceInfo));
        assert!(!c.claim(ip, Page::IsapiDeviceInfo));
        assert!(c.claim(ip, Page::MagicBoxSystemInfo));
    }
}
