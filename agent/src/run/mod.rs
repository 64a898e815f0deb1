//! `camaudit run`: the site agent. Scans at start and then every interval (with jitter), scans
//! a device at once when it announces itself (passive listener), keeps the inventory, and
//! publishes it through the durable queue over one outbound MQTT connection.
//!
//!
//! Parts: [`scanner`] (where scan reports come from: the live scan, or anything else in
//! tests), [`outbox`] (inventory changes into queued messages, one transaction), [`listener`]
//! (the passive WS-Discovery Hello listener: UDP, never answers), [`heartbeat`] (sysinfo
//! figures), [`shutdown`] (signals).

pub mod heartbeat;
pub mod listener;
pub mod outbox;
pub mod scanner;
pub mod shared;
pub mod shutdown;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{mpsc, watch};
use tracing::{error, info, warn};

use crate::config::Config;
use crate::interrogate::rfc3339_seconds;
use crate::inventory::{Change, Inventory};
use crate::mqtt::delivery::{self, ScanRequest};
use crate::mqtt::rumqtt::RumqttLink;
use crate::mqtt::{Connection, LinkError, Publish, Qos, Topics, Will, backoff::unit_random};
use crate::payload::{
    AgentState, EventType, LastScan, Origin, STATUS_SCHEMA, StatusMessage, Trigger,
};
use crate::queue::{QueueError, Store};
use outbox::{Outbox, apply_scan};
use scanner::Scanner;
use shared::Shared;

/// Queue bound without an `[mqtt]` section (nothing is queued then).
const DEFAULT_QUEUE_BYTES: u64 = 64 << 20;
/// A device that announced itself is not interrogated again sooner than this.
const HELLO_COOLDOWN: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Link(#[from] LinkError),
}

/// Runs the agent until `shutdown` turns true.
pub async fn run<S: Scanner>(
    cfg: &Config,
    scanner: S,
    shutdown: watch::Receiver<bool>,
) -> Result<(), RunError> {
    let max = cfg
        .mqtt
        .as_ref()
        .map_or(DEFAULT_QUEUE_BYTES, |m| m.queue_max_bytes);
    let store = Store::open(&cfg.agent.state_dir, max)?;
    let inventory = Inventory::from_entries(store.inventory()?);
    let origin = Origin {
        agent: cfg.agent.id.clone(),
        site: cfg.agent.site.clone(),
        boot_id: uuid::Uuid::now_v7().to_string(),
    };
    let topics = cfg
        .mqtt
        .as_ref()
        .map(|m| Topics::new(&m.topic_prefix, &cfg.agent.site, &cfg.agent.id));
    let shared = Arc::new(Shared::new(
        store,
        origin,
        topics,
        cfg.agent.state_dir.clone(),
        inventory.counts(),
    ));
    info!(
        site = %cfg.agent.site, agent = %cfg.agent.id, devices = inventory.len(),
        boot_id = %shared.origin.boot_id, "camaudit agent starting"
    );
    let (cmd_tx, cmd_rx) = mpsc::channel::<ScanRequest>(1);
    let delivery = match &cfg.mqtt {
        Some(m) => {
            let conn = Connection {
                url: m.url.clone(),
                client_id: cfg.agent.id.clone(),
                ca_file: m.ca_file.clone(),
                client_cert: m.cert_file.clone().zip(m.key_file.clone()),
                username: m.username.clone(),
                password: m.password.clone(),
                keep_alive: m.keep_alive,
                reconnect_min: m.reconnect_min,
                reconnect_max: m.reconnect_max,
                last_will: last_will(&shared),
            };
            let link = RumqttLink::start(&conn)?;
            let settings = delivery::Settings {
                heartbeat: m.heartbeat,
                commands: m.commands.then_some(cmd_tx),
            };
            Some(tokio::spawn(delivery::run(
                link,
                shared.clone(),
                settings,
                shutdown.clone(),
            )))
        }
        None => None,
    };
    let (hello_tx, hello_rx) = mpsc::channel::<Ipv4Addr>(64);
    let listener = if cfg.scan.passive {
        match listener::open(camaudit_protocol::wsdiscovery::PORT, &scanner.interfaces()) {
            Ok(sock) => Some(tokio::spawn(listener::listen(
                sock,
                scanner.scope(),
                hello_tx,
            ))),
            Err(e) => {
                // Scheduled scans still find every device; only the immediate reaction to a
                // Hello is lost.
                warn!(error = %e, "passive listener disabled");
                None
            }
        }
    } else {
        drop(hello_tx);
        None
    };
    let mut s = Scheduler {
        cfg,
        scanner,
        shared: shared.clone(),
        inventory,
        hello_seen: HashMap::new(),
    };
    s.run(hello_rx, cmd_rx, shutdown).await;
    if let Some(l) = listener {
        l.abort();
    }
    if let Some(d) = delivery {
        let _ = d.await;
    }
    shared.store.sync()?;
    info!("camaudit agent stopped");
    Ok(())
}

/// The status the broker publishes if the connection dies: offline, for this boot.
fn last_will(shared: &Arc<Shared>) -> Option<Will> {
    shared.topics.as_ref()?;
    let shared = shared.clone();
    Some(Will(Arc::new(move || {
        let t = shared.topics.as_ref()?;
        let seq = shared.store.next_seq().ok()?;
        let m = StatusMessage {
            envelope: shared.origin.envelope(STATUS_SCHEMA, seq, &delivery::now()),
            state: AgentState::Offline,
            reason: Some("lwt".into()),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            inventory: None,
            degraded: false,
        };
        Some(Publish {
            topic: t.status(),
            payload: serde_json::to_vec(&m).ok()?,
            qos: Qos::AtLeastOnce,
            retain: true,
        })
    })))
}

struct Scheduler<'c, S> {
    cfg: &'c Config,
    scanner: S,
    shared: Arc<Shared>,
    inventory: Inventory,
    hello_seen: HashMap<Ipv4Addr, Instant>,
}

impl<S: Scanner> Scheduler<'_, S> {
    async fn run(
        &mut self,
        mut hello: mpsc::Receiver<Ipv4Addr>,
        mut cmds: mpsc::Receiver<ScanRequest>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut next = tokio::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let job = tokio::select! {
                () = tokio::time::sleep_until(next) => {
                    next = tokio::time::Instant::now() + self.next_wait();
                    Job { only: None, trigger: Trigger::Schedule, request: None }
                }
                Some(ip) = hello.recv() => {
                    if !self.hello_is_new(ip) {
                        continue;
                    }
                    Job { only: Some(ip), trigger: Trigger::Hello, request: None }
                }
                Some(r) = cmds.recv() => Job { only: None, trigger: Trigger::Command, request: Some(r) },
                () = stopped(&mut shutdown) => return,
            };
            tokio::select! {
                () = self.scan(job) => {}
                () = stopped(&mut shutdown) => {
                    info!("scan abandoned at shutdown");
                    return;
                }
            }
        }
    }

    fn next_wait(&self) -> Duration {
        self.cfg.scan.interval + self.cfg.scan.jitter.mul_f64(unit_random())
    }

    /// A Hello from an address not already in the inventory, not heard in the last minute.
    fn hello_is_new(&mut self, ip: Ipv4Addr) -> bool {
        let known = self
            .inventory
            .entries()
            .any(|e| e.device.ip == ip.to_string() && e.state == crate::payload::Presence::Present);
        if known {
            return false;
        }
        let now = Instant::now();
        self.hello_seen
            .retain(|_, t| now.duration_since(*t) < HELLO_COOLDOWN);
        if self.hello_seen.len() >= 4096 || self.hello_seen.contains_key(&ip) {
            return false;
        }
        self.hello_seen.insert(ip, now);
        true
    }

    async fn scan(&mut self, job: Job) {
        let scan_id = uuid::Uuid::now_v7().to_string();
        let started = Instant::now();
        info!(%scan_id, trigger = ?job.trigger, only = ?job.only, "scan starting");
        self.commit(|o, _| {
            o.event(EventType::ScanStarted, &scan_id, |m| {
                m.trigger = Some(job.trigger)
            })?;
            if let Some(r) = &job.request {
                o.cmd_result(&r.request_id, |m| m.scan_id = Some(scan_id.clone()))?;
            }
            Ok(Vec::<Change>::new())
        });
        let result = self.scanner.scan(job.only).await;
        let mut report = match result {
            Ok(r) => r,
            Err(e) => {
                error!(%scan_id, error = %e, "scan failed");
                self.commit(|o, _| {
                    o.event(EventType::ScanFinished, &scan_id, |m| {
                        m.trigger = Some(job.trigger);
                        m.error = Some(e.clone());
                    })?;
                    Ok(Vec::<Change>::new())
                });
                return;
            }
        };
        report.scan_id.clone_from(&scan_id);
        report.site = Some(self.cfg.agent.site.clone());
        let full = job.only.is_none();
        let absent_after = self.cfg.inventory.absent_after;
        let cutoff = SystemTime::now()
            .checked_sub(self.cfg.inventory.forget_after)
            .map(rfc3339_seconds);
        let changes = self.commit(|o, inv| {
            apply_scan(
                o,
                inv,
                &report,
                full,
                absent_after,
                cutoff.as_deref(),
                job.trigger,
            )
        });
        for c in changes.unwrap_or_default() {
            log_change(&c);
        }
        if let Ok(mut g) = self.shared.last_scan.lock() {
            *g = Some(LastScan {
                scan_id: scan_id.clone(),
                finished_at: report.finished_at.clone(),
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                devices: report.devices.len(),
            });
        }
        info!(%scan_id, devices = report.devices.len(), "scan finished");
    }

    /// Runs `f` against the inventory and the queue in one transaction. On failure the
    /// inventory is left as it was (so the next scan finds the same changes) and the agent is
    /// marked degraded.
    fn commit<T>(
        &mut self,
        f: impl FnOnce(&mut Outbox<'_, '_>, &mut Inventory) -> Result<Vec<T>, QueueError>,
    ) -> Option<Vec<T>> {
        let mut inv = self.inventory.clone();
        let ts = delivery::now();
        let shared = self.shared.clone();
        let result = shared.store.write(|batch| {
            let mut o = Outbox {
                batch,
                topics: shared.topics.as_ref(),
                origin: &shared.origin,
                ts: &ts,
            };
            f(&mut o, &mut inv)
        });
        match result {
            Ok(v) => {
                self.inventory = inv;
                self.shared
                    .degraded
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                self.shared.counts.send_if_modified(|c| {
                    let new = self.inventory.counts();
                    let changed = *c != new;
                    *c = new;
                    changed
                });
                self.shared.wake.notify_one();
                Some(v)
            }
            Err(e) => {
                error!(error = %e, "cannot write the inventory and queue; changes are held back");
                self.shared
                    .degraded
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                None
            }
        }
    }
}

/// Resolves once `rx` is true (or its sender is gone).
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

struct Job {
    only: Option<Ipv4Addr>,
    trigger: Trigger,
    request: Option<ScanRequest>,
}

fn log_change(c: &Change) {
    match c {
        Change::New { key } => info!(%key, "device-new"),
        Change::Changed { key, changes } => {
            let fields: Vec<&str> = changes.iter().map(|f| f.field.as_str()).collect();
            info!(%key, ?fields, "device-changed");
        }
        Change::Lost { key } => warn!(%key, "device-lost"),
        Change::Forgotten { key } => info!(%key, "device forgotten after its retention"),
        _ => {}
    }
}
