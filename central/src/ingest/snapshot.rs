//! The retained device snapshot: subscribed site by site, in batches the broker can queue, and
//! checked per agent against the agent's own count and key digest.
//!
//! Mosquitto's default `max_queued_messages 1000` silently cuts a QoS 1 subscriber's retained
//! snapshot (DESIGN.md section 4). A short snapshot is retried once at QoS 0; what is still
//! short is reported incomplete, agent by agent, and never read as a quiet estate.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, QoS, SubscribeFilter};
use serde::Serialize;
use tracing::{info, warn};

use crate::config::Config;
use crate::ingest::{Shared, checks, lock};
use crate::payload::{InventoryCounts, key_digest};

/// Devices assumed for an agent that has not said how many it holds.
const UNKNOWN_AGENT_DEVICES: usize = 50;
/// The longest a batch may take.
const BATCH_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentCheck {
    pub site: String,
    pub agent: String,
    /// The agent's own count of retained records, if it reported one.
    pub expected: Option<usize>,
    pub received: usize,
    pub digest_match: Option<bool>,
    /// `complete`, `incomplete` or `unknown`.
    pub verdict: &'static str,
}

/// Compares what arrived for one agent with its own counts.
pub fn check(
    site: &str,
    agent: &str,
    keys: Option<&HashSet<String>>,
    inv: Option<&InventoryCounts>,
) -> AgentCheck {
    let received = keys.map_or(0, HashSet::len);
    let digest_match = match (keys, inv) {
        (Some(k), Some(i)) => Some(key_digest(k.iter().map(String::as_str)) == i.digest),
        (None, Some(i)) => Some(i.total() == 0 && key_digest([]) == i.digest),
        _ => None,
    };
    let verdict = match (inv, digest_match) {
        (None, _) => "unknown",
        (Some(i), Some(true)) if i.total() == received => "complete",
        _ => "incomplete",
    };
    AgentCheck {
        site: site.to_owned(),
        agent: agent.to_owned(),
        expected: inv.map(InventoryCounts::total),
        received,
        digest_match,
        verdict,
    }
}

fn device_filter(prefix: &str, site: &str) -> String {
    format!("{prefix}/v1/{site}/+/device/+")
}

fn expected(shared: &Shared, site: &str) -> (usize, bool) {
    let seen = lock(&shared.seen);
    let mut total = 0;
    let mut all_known = true;
    let mut any = false;
    for ((s, _), (_, inv)) in &seen.inventory {
        if s == site {
            total += inv.total();
            any = true;
        }
    }
    if !any {
        total = UNKNOWN_AGENT_DEVICES;
        all_known = false;
    }
    (total, all_known)
}

fn received(shared: &Shared, sites: &[String]) -> usize {
    let seen = lock(&shared.seen);
    seen.keys
        .iter()
        .filter(|((s, _), _)| sites.contains(s))
        .map(|(_, k)| k.len())
        .sum()
}

/// Waits until the batch's sites have what their agents count, or until device messages have
/// been quiet for `settle`.
async fn wait_batch(shared: &Shared, sites: &[String], want: usize, known: bool, settle: Duration) {
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let got = received(shared, sites);
        if known && got >= want {
            return;
        }
        let last = lock(&shared.seen).last_device_at;
        let quiet = last.map_or_else(|| start.elapsed(), |l| l.elapsed().min(start.elapsed()));
        if quiet >= settle || start.elapsed() >= BATCH_TIMEOUT {
            return;
        }
    }
}

async fn take(
    cfg: &Config,
    client: &AsyncClient,
    shared: &Shared,
    sites: &[String],
    qos: QoS,
) -> Result<(), rumqttc::ClientError> {
    let mut batch: Vec<String> = Vec::new();
    let mut want = 0;
    let mut known = true;
    for (i, site) in sites.iter().enumerate() {
        let (n, k) = expected(shared, site);
        batch.push(site.clone());
        want += n;
        known &= k;
        let last = i + 1 == sites.len();
        if want >= cfg.snapshot.batch_devices || last {
            let filters = batch
                .iter()
                .map(|s| SubscribeFilter::new(device_filter(&cfg.mqtt.prefix, s), qos));
            client.subscribe_many(filters).await?;
            wait_batch(shared, &batch, want, known, cfg.snapshot.settle).await;
            batch.clear();
            want = 0;
            known = true;
        }
    }
    Ok(())
}

/// Takes the snapshot after each connection without a session, then keeps subscribing sites
/// that appear later.
pub(crate) async fn control(
    cfg: Config,
    client: AsyncClient,
    shared: Arc<Shared>,
    mut connected: tokio::sync::watch::Receiver<u64>,
) -> Result<(), rumqttc::ClientError> {
    let qos = if cfg.snapshot.qos == 1 {
        QoS::AtLeastOnce
    } else {
        QoS::AtMostOnce
    };
    let mut subscribed: BTreeSet<String> = BTreeSet::new();
    loop {
        if connected.changed().await.is_err() {
            return Ok(());
        }
        // Retained status messages name the sites; give them time to arrive.
        tokio::time::sleep(cfg.snapshot.settle).await;
        // Re-subscribing every site re-sends its retained records: duplicates the store drops,
        // and the only way to see devices that changed while the session was gone.
        let sites: Vec<String> = lock(&shared.seen).sites.iter().cloned().collect();
        take(&cfg, &client, &shared, &sites, qos).await?;
        subscribed.extend(sites);
        lock(&shared.progress).sites_subscribed = subscribed.len();
        let short: Vec<String> = checks(&lock(&shared.seen))
            .into_iter()
            .filter(|(_, v)| v.iter().any(|c| c.verdict == "incomplete"))
            .map(|(s, _)| s)
            .collect();
        if !short.is_empty() {
            warn!(
                sites = short.len(),
                "retained snapshot short; retrying those sites at QoS 0"
            );
            for s in &short {
                client
                    .unsubscribe(device_filter(&cfg.mqtt.prefix, s))
                    .await?;
            }
            take(&cfg, &client, &shared, &short, QoS::AtMostOnce).await?;
            // Live updates for those sites stay at QoS 0: the snapshot at QoS 1 could not fit.
        }
        publish_checks(&shared);
        loop {
            tokio::select! {
                r = connected.changed() => {
                    if r.is_err() { return Ok(()); }
                    connected.mark_changed();
                    break;
                }
                _ = tokio::time::sleep(cfg.snapshot.settle * 2) => {}
            }
            let new: Vec<String> = lock(&shared.seen)
                .sites
                .iter()
                .filter(|s| !subscribed.contains(*s))
                .cloned()
                .collect();
            if !new.is_empty() {
                take(&cfg, &client, &shared, &new, qos).await?;
                subscribed.extend(new);
                lock(&shared.progress).sites_subscribed = subscribed.len();
            }
            publish_checks(&shared);
        }
    }
}

fn publish_checks(shared: &Shared) {
    let all: Vec<AgentCheck> = checks(&lock(&shared.seen))
        .into_values()
        .flatten()
        .collect();
    let incomplete = all.iter().filter(|c| c.verdict == "incomplete").count();
    let mut p = lock(&shared.progress);
    if !p.snapshot_done || p.snapshot != all {
        for c in all.iter().filter(|c| c.verdict == "incomplete") {
            warn!(site = %c.site, agent = %c.agent, received = c.received, expected = ?c.expected, "snapshot incomplete for this agent");
        }
        info!(agents = all.len(), incomplete, "snapshot check");
    }
    p.snapshot = all;
    p.snapshot_done = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(keys: &[&str]) -> InventoryCounts {
        InventoryCounts {
            present: keys.len(),
            absent: 0,
            restricted: 0,
            digest: key_digest(keys.iter().copied()),
        }
    }

    #[test]
    fn verdicts() {
        let set = |k: &[&str]| {
            k.iter()
                .map(|s| (*s).to_owned())
                .collect::<HashSet<String>>()
        };
        let cases = [
            (
                Some(set(&["a", "b"])),
                Some(inv(&["a", "b"])),
                "complete",
                Some(true),
            ),
            (
                Some(set(&["a"])),
                Some(inv(&["a", "b"])),
                "incomplete",
                Some(false),
            ),
            (
                Some(set(&["a", "c"])),
                Some(inv(&["a", "b"])),
                "incomplete",
                Some(false),
            ),
            (Some(set(&["a"])), None, "unknown", None),
            (None, Some(inv(&[])), "complete", Some(true)),
            (None, Some(inv(&["a"])), "incomplete", Some(false)),
        ];
        for (keys, counts, verdict, digest) in cases {
            let c = check("s", "a", keys.as_ref(), counts.as_ref());
            assert_eq!(
                (c.verdict, c.digest_match),
                (verdict, digest),
                "{keys:?} {counts:?}"
            );
        }
    }
}
