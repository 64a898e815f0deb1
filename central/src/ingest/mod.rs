//! MQTT ingest: subscribe to every site's events, status and device records, keep each message
//! once as a fact, and check retained snapshots against the agents' own counts.
//!
//! - Events and status arrive on a persistent session (`clean_session = false`, fixed client
//!   id) at QoS 1 with manual acknowledgement: a message is acknowledged only after the store
//!   committed it, so a crash of central loses nothing the broker still holds.
//! - Device records are retained. They are subscribed **site by site** in batches small enough
//!   for the broker's per-client queue, and what arrived per agent is compared with the
//!   agent's own count and key digest ([`snapshot`]). A short snapshot is retried once at
//!   QoS 0 and otherwise reported as incomplete, never taken for a quiet estate.
//! - Order and duplicates do not matter here: the store keeps each `msg_id` once and the
//!   ledger replays facts in their own order.

pub mod parse;
pub mod snapshot;
mod writer;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tracing::{debug, info, warn};

use crate::config::Config;
use crate::ingest::parse::{Parsed, TopicKind};
use crate::payload::InventoryCounts;
use crate::store::Store;
use crate::time::Ts;

pub use snapshot::AgentCheck;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("MQTT client: {0}")]
    Client(#[from] rumqttc::ClientError),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("the store writer stopped")]
    Writer,
}

/// Counters and the latest snapshot check, readable while ingest runs.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub received: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub connects: u64,
    /// Sites whose retained device records are subscribed.
    pub sites_subscribed: usize,
    /// Set once the first snapshot of every known site has been taken.
    pub snapshot_done: bool,
    pub snapshot: Vec<AgentCheck>,
}

/// What the receive loop learns that the snapshot controller needs.
#[derive(Default)]
pub(crate) struct Seen {
    /// Distinct device keys received per (site, agent) on device topics.
    pub keys: HashMap<(String, String), HashSet<String>>,
    /// The newest inventory counts per (site, agent), by (boot_id, seq).
    pub inventory: HashMap<(String, String), ((String, u64), InventoryCounts)>,
    pub sites: BTreeSet<String>,
    pub last_device_at: Option<Instant>,
}

pub(crate) struct Shared {
    pub progress: Mutex<Progress>,
    pub seen: Mutex<Seen>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running ingest.
pub struct Handle {
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), IngestError>>,
}

impl Handle {
    pub fn progress(&self) -> Progress {
        lock(&self.shared.progress).clone()
    }

    /// Stops, waits for the store to commit what it holds, and returns the final progress.
    pub async fn stop(self) -> Result<Progress, IngestError> {
        let _ = self.stop.send(true);
        match self.task.await {
            Ok(r) => r?,
            Err(_) => return Err(IngestError::Writer),
        }
        Ok(lock(&self.shared.progress).clone())
    }
}

/// Starts ingesting into `store`; returns at once.
pub fn start(cfg: Config, store: Box<dyn Store>) -> Handle {
    let shared = Arc::new(Shared {
        progress: Mutex::new(Progress::default()),
        seen: Mutex::new(Seen::default()),
    });
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(run(cfg, store, shared.clone(), stop_rx));
    Handle { shared, stop, task }
}

fn options(cfg: &Config) -> MqttOptions {
    let m = &cfg.mqtt;
    let mut o = MqttOptions::new(&m.client_id, &m.host, m.port);
    o.set_keep_alive(m.keep_alive)
        .set_clean_session(false)
        .set_manual_acks(true)
        .set_max_packet_size(parse::MAX_PAYLOAD + 1024, 64 * 1024)
        .set_inflight(100);
    if let (Some(u), Some(p)) = (&m.username, &m.password) {
        o.set_credentials(u, p);
    }
    o
}

async fn run(
    cfg: Config,
    store: Box<dyn Store>,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), IngestError> {
    let (client, mut eventloop) = AsyncClient::new(options(&cfg), 10_000);
    let (ack_tx, mut ack_rx) = tokio::sync::mpsc::unbounded_channel::<rumqttc::Publish>();
    let writer = writer::Writer::spawn(store, shared.clone(), ack_tx);
    let acker = {
        let client = client.clone();
        tokio::spawn(async move {
            while let Some(p) = ack_rx.recv().await {
                if client.ack(&p).await.is_err() {
                    break;
                }
            }
        })
    };
    let (connected_tx, connected_rx) = tokio::sync::watch::channel(0u64);
    let controller = tokio::spawn(snapshot::control(
        cfg.clone(),
        client.clone(),
        shared.clone(),
        connected_rx,
    ));
    let prefix = cfg.mqtt.prefix.clone();
    let mut backoff = Duration::from_millis(100);
    loop {
        let ev = tokio::select! {
            _ = stop.changed() => break,
            ev = eventloop.poll() => ev,
        };
        match ev {
            Ok(Event::Incoming(Packet::ConnAck(c))) => {
                backoff = Duration::from_millis(100);
                let n = {
                    let mut p = lock(&shared.progress);
                    p.connects += 1;
                    p.connects
                };
                info!(
                    session_present = c.session_present,
                    "connected to the broker"
                );
                let base = format!("{prefix}/v1/+/+");
                client
                    .subscribe(format!("{base}/event/#"), QoS::AtLeastOnce)
                    .await?;
                client
                    .subscribe(format!("{base}/status"), QoS::AtLeastOnce)
                    .await?;
                client
                    .subscribe(format!("{base}/heartbeat"), QoS::AtMostOnce)
                    .await?;
                let _ = connected_tx.send(n);
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                receive(&prefix, &shared, &writer, &client, p).await?;
            }
            Ok(_) => {}
            Err(e) => {
                warn!(error = %e, "broker connection lost; reconnecting");
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
    controller.abort();
    let result = writer.finish();
    acker.abort();
    let _ = client.disconnect().await;
    result
}

async fn receive(
    prefix: &str,
    shared: &Shared,
    writer: &writer::Writer,
    client: &AsyncClient,
    p: rumqttc::Publish,
) -> Result<(), IngestError> {
    lock(&shared.progress).received += 1;
    let now = Ts(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)));
    let topic = parse::topic(prefix, &p.topic);
    let parsed = parse::message(prefix, &p.topic, &p.payload, now);
    let parsed = match parsed {
        Ok(x) => x,
        Err(e) => {
            debug!(error = %e, "message refused");
            lock(&shared.progress).rejected += 1;
            let _ = client.ack(&p).await;
            return Ok(());
        }
    };
    if let Some(t) = &topic {
        note(shared, t, &parsed);
    }
    match parsed {
        Parsed::Fact(f) => writer.send(writer::Item::Fact(f, p)),
        Parsed::Heartbeat(h) => writer.send(writer::Item::Heartbeat(h, now, p)),
        Parsed::Ignored => {
            let _ = client.ack(&p).await;
            Ok(())
        }
    }
}

/// Records what the snapshot check needs: keys per agent and the agents' own counts.
fn note(shared: &Shared, t: &parse::Topic<'_>, parsed: &Parsed) {
    let mut seen = lock(&shared.seen);
    let id = (t.site.to_owned(), t.agent.to_owned());
    seen.sites.insert(t.site.to_owned());
    let Parsed::Fact(f) = parsed else {
        if let Parsed::Heartbeat(h) = parsed
            && let Some(inv) = &h.inventory
        {
            keep_inventory(
                &mut seen,
                id,
                (h.envelope.boot_id.clone(), h.envelope.seq),
                inv,
            );
        }
        return;
    };
    match (&t.kind, &f.body) {
        (TopicKind::Device(_), crate::fact::Body::Device { key, .. }) => {
            seen.keys.entry(id).or_default().insert(key.clone());
            seen.last_device_at = Some(Instant::now());
        }
        (TopicKind::Device(_), crate::fact::Body::Forgotten { key }) => {
            if let Some(k) = seen.keys.get_mut(&id) {
                k.remove(key);
            }
        }
        (
            _,
            crate::fact::Body::Status {
                inventory: Some(inv),
                ..
            },
        )
        | (
            _,
            crate::fact::Body::ScanFinished {
                inventory: Some(inv),
                ..
            },
        ) => {
            keep_inventory(&mut seen, id, (f.boot_id.clone(), f.seq), inv);
        }
        _ => {}
    }
}

fn keep_inventory(
    seen: &mut Seen,
    id: (String, String),
    order: (String, u64),
    inv: &InventoryCounts,
) {
    let newer = seen.inventory.get(&id).is_none_or(|(o, _)| order >= *o);
    if newer {
        seen.inventory.insert(id, (order, inv.clone()));
    }
}

/// The per-agent comparison of what arrived with what the agents count, by site.
pub(crate) fn checks(seen: &Seen) -> BTreeMap<String, Vec<AgentCheck>> {
    let mut agents: BTreeSet<(String, String)> = seen.keys.keys().cloned().collect();
    agents.extend(seen.inventory.keys().cloned());
    let mut out: BTreeMap<String, Vec<AgentCheck>> = BTreeMap::new();
    for (site, agent) in agents {
        let keys = seen.keys.get(&(site.clone(), agent.clone()));
        let inv = seen
            .inventory
            .get(&(site.clone(), agent.clone()))
            .map(|(_, i)| i);
        let check = snapshot::check(&site, &agent, keys, inv);
        out.entry(site).or_default().push(check);
    }
    out
}
