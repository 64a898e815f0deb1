//! `camaudit report`: the estate as the broker's retained messages show it. Reads every agent's
//! `status`, then each site's `device/+` snapshot at QoS 0 (a QoS 1 snapshot is cut by the
//! broker's per-client queue limit), and checks what arrived against the counts and key digest
//! each agent publishes, naming the agents whose snapshot is incomplete.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::mqtt::{Link, LinkEvent, Qos};
use crate::output::csv_out;
use crate::payload::{DeviceMessage, InventoryCounts, Presence, StatusMessage, key_digest};

pub const REPORT_SCHEMA: &str = "camaudit.report/1";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("no connection to the broker within {0:?}: {1}")]
    Connect(Duration, String),
    #[error("the MQTT link stopped")]
    Closed,
    #[error("MQTT: {0}")]
    Link(#[from] crate::mqtt::LinkError),
}

/// How long to listen.
#[derive(Clone, Debug)]
pub struct Options {
    pub prefix: String,
    /// Only these sites; empty: every site that has a status.
    pub sites: Vec<String>,
    /// A snapshot is taken as complete after this long without a new message.
    pub settle: Duration,
    /// Most time spent on one site's snapshot.
    pub site_timeout: Duration,
    pub connect_timeout: Duration,
}

/// One agent's part of the estate.
#[derive(Clone, Debug, Serialize)]
pub struct AgentView {
    pub site: String,
    pub agent: String,
    /// `online`/`offline` from the retained status; `None` when it has none.
    pub state: Option<String>,
    /// What the agent says it has.
    pub expected: Option<InventoryCounts>,
    pub received: usize,
    pub complete: Option<bool>,
    #[serde(skip)]
    pub devices: Vec<DeviceMessage>,
}

/// Counts for one site.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SiteSummary {
    pub site: String,
    pub agents: usize,
    pub devices: usize,
    pub absent: usize,
    pub restricted: usize,
    pub rebrands: usize,
}

/// The estate.
#[derive(Clone, Debug, Serialize)]
pub struct Estate {
    pub agents: Vec<AgentView>,
}

impl Estate {
    pub fn devices(&self) -> usize {
        self.agents.iter().map(|a| a.devices.len()).sum()
    }

    /// Agents whose snapshot differs from their own counts, or that published no counts.
    pub fn incomplete(&self) -> Vec<&AgentView> {
        self.agents
            .iter()
            .filter(|a| a.complete != Some(true))
            .collect()
    }

    pub fn sites(&self) -> Vec<SiteSummary> {
        let mut by: BTreeMap<&str, SiteSummary> = BTreeMap::new();
        for a in &self.agents {
            let s = by.entry(&a.site).or_insert_with(|| SiteSummary {
                site: a.site.clone(),
                ..SiteSummary::default()
            });
            s.agents += 1;
            for d in &a.devices {
                if d.state == Presence::Absent {
                    s.absent += 1;
                    continue;
                }
                s.devices += 1;
                s.restricted += usize::from(d.device.policy.restricted);
                s.rebrands += usize::from(d.device.attribution.rebrand);
            }
        }
        by.into_values().collect()
    }
}

/// Reads the estate through `link`.
pub async fn collect<L: Link>(link: &mut L, opts: &Options) -> Result<Estate, ReportError> {
    wait_connected(link, opts.connect_timeout).await?;
    let mut agents: BTreeMap<(String, String), AgentView> = BTreeMap::new();
    let status_filter = format!("{}/v1/+/+/status", opts.prefix);
    link.subscribe(&status_filter, Qos::AtMostOnce)?;
    let deadline = Instant::now() + opts.site_timeout;
    listen(link, opts.settle, deadline, |topic, payload| {
        on_status(&opts.prefix, topic, payload, &mut agents);
        false
    })
    .await?;
    link.unsubscribe(&status_filter)?;
    let mut sites: BTreeSet<String> = agents.keys().map(|(s, _)| s.clone()).collect();
    if !opts.sites.is_empty() {
        sites = opts.sites.iter().cloned().collect();
    }
    for site in &sites {
        let filter = format!("{}/v1/{site}/+/device/+", opts.prefix);
        link.subscribe(&filter, Qos::AtMostOnce)?;
        let deadline = Instant::now() + opts.site_timeout;
        listen(link, opts.settle, deadline, |topic, payload| {
            on_device(&opts.prefix, topic, payload, &mut agents);
            site_complete(site, &agents)
        })
        .await?;
        link.unsubscribe(&filter)?;
    }
    let mut out: Vec<AgentView> = agents
        .into_values()
        .filter(|a| sites.contains(&a.site))
        .collect();
    for a in &mut out {
        a.received = a.devices.len();
        a.complete = a.expected.as_ref().map(|e| matches(e, &a.devices));
        a.devices.sort_by(|x, y| x.device.key.cmp(&y.device.key));
    }
    Ok(Estate { agents: out })
}

async fn wait_connected<L: Link>(link: &mut L, timeout: Duration) -> Result<(), ReportError> {
    let mut last = String::from("no answer");
    let r = tokio::time::timeout(timeout, async {
        loop {
            match link.next().await {
                Some(LinkEvent::Connected) => return Ok(()),
                Some(LinkEvent::Disconnected { reason }) => last = reason,
                Some(_) => {}
                None => return Err(ReportError::Closed),
            }
        }
    })
    .await;
    match r {
        Ok(r) => r,
        Err(_) => Err(ReportError::Connect(timeout, last)),
    }
}

/// Feeds messages to `on` until `settle` passes without one after the SUBACK, `on` says it
/// has everything, or `deadline`.
async fn listen<L: Link>(
    link: &mut L,
    settle: Duration,
    deadline: Instant,
    mut on: impl FnMut(&str, &[u8]) -> bool,
) -> Result<(), ReportError> {
    let mut subscribed = false;
    loop {
        let until = if subscribed {
            (Instant::now() + settle).min(deadline)
        } else {
            deadline
        };
        match tokio::time::timeout_at(until, link.next()).await {
            Err(_) => return Ok(()),
            Ok(None) => return Err(ReportError::Closed),
            Ok(Some(LinkEvent::Subscribed)) => subscribed = true,
            Ok(Some(LinkEvent::Message { topic, payload, .. })) => {
                if on(&topic, &payload) {
                    return Ok(());
                }
            }
            Ok(Some(LinkEvent::Disconnected { reason })) => {
                return Err(ReportError::Connect(Duration::ZERO, reason));
            }
            Ok(Some(_)) => {}
        }
    }
}

/// `<prefix>/v1/<site>/<agent>/<rest>` → (site, agent, rest).
fn split<'t>(prefix: &str, topic: &'t str) -> Option<(&'t str, &'t str, &'t str)> {
    let rest = topic.strip_prefix(prefix)?.strip_prefix("/v1/")?;
    let mut it = rest.splitn(3, '/');
    Some((it.next()?, it.next()?, it.next()?))
}

fn view<'a>(
    agents: &'a mut BTreeMap<(String, String), AgentView>,
    site: &str,
    agent: &str,
) -> &'a mut AgentView {
    agents
        .entry((site.to_owned(), agent.to_owned()))
        .or_insert_with(|| AgentView {
            site: site.to_owned(),
            agent: agent.to_owned(),
            state: None,
            expected: None,
            received: 0,
            complete: None,
            devices: Vec::new(),
        })
}

fn on_status(
    prefix: &str,
    topic: &str,
    payload: &[u8],
    agents: &mut BTreeMap<(String, String), AgentView>,
) {
    let Some((site, agent, "status")) = split(prefix, topic) else {
        return;
    };
    let Ok(s) = serde_json::from_slice::<StatusMessage>(payload) else {
        return;
    };
    let v = view(agents, site, agent);
    v.state = Some(match s.state {
        crate::payload::AgentState::Online => "online".into(),
        crate::payload::AgentState::Offline => "offline".into(),
    });
    // The last will carries no counts; keep those of the last status that had them.
    if s.inventory.is_some() {
        v.expected = s.inventory;
    }
}

fn on_device(
    prefix: &str,
    topic: &str,
    payload: &[u8],
    agents: &mut BTreeMap<(String, String), AgentView>,
) {
    let Some((site, agent, rest)) = split(prefix, topic) else {
        return;
    };
    if !rest.starts_with("device/") || payload.is_empty() {
        return;
    }
    let Ok(d) = serde_json::from_slice::<DeviceMessage>(payload) else {
        tracing::warn!(topic, "unreadable device record");
        return;
    };
    let v = view(agents, site, agent);
    match v.devices.iter_mut().find(|x| x.device.key == d.device.key) {
        Some(old) => *old = d,
        None => v.devices.push(d),
    }
}

fn matches(expected: &InventoryCounts, devices: &[DeviceMessage]) -> bool {
    devices.len() == expected.total()
        && key_digest(devices.iter().map(|d| d.device.key.as_str())) == expected.digest
}

fn site_complete(site: &str, agents: &BTreeMap<(String, String), AgentView>) -> bool {
    agents.values().filter(|a| a.site == site).all(|a| {
        a.expected
            .as_ref()
            .is_some_and(|e| a.devices.len() >= e.total())
    })
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn write(estate: &Estate, format: Format, w: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table => write_table(estate, w),
        Format::Json => write_json(estate, w),
        Format::Csv => write_csv(estate, w),
    }
}

fn write_json(estate: &Estate, w: &mut dyn Write) -> std::io::Result<()> {
    let devices: Vec<serde_json::Value> = estate
        .agents
        .iter()
        .flat_map(|a| a.devices.iter())
        .filter_map(|d| serde_json::to_value(d).ok())
        .collect();
    let incomplete: Vec<serde_json::Value> = estate
        .incomplete()
        .iter()
        .map(|a| {
            serde_json::json!({"site": a.site, "agent": a.agent, "received": a.received,
            "expected": a.expected.as_ref().map(InventoryCounts::total)})
        })
        .collect();
    let doc = serde_json::json!({
        "schema": REPORT_SCHEMA,
        "generated_at": crate::mqtt::delivery::now(),
        "sites": estate.sites(),
        "agents": estate.agents,
        "incomplete": incomplete,
        "devices": devices,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn write_table(estate: &Estate, w: &mut dyn Write) -> std::io::Result<()> {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header([
        "site",
        "agents",
        "devices",
        "absent",
        "restricted",
        "rebrands",
    ]);
    for s in estate.sites() {
        t.add_row([
            s.site,
            s.agents.to_string(),
            s.devices.to_string(),
            s.absent.to_string(),
            s.restricted.to_string(),
            s.rebrands.to_string(),
        ]);
    }
    writeln!(w, "{t}")?;
    let mut d = comfy_table::Table::new();
    d.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    d.set_header([
        "site",
        "agent",
        "ip",
        "mac",
        "maker",
        "brand",
        "restricted",
        "model",
        "firmware",
        "state",
    ]);
    for a in &estate.agents {
        for m in &a.devices {
            let x = &m.device;
            d.add_row([
                a.site.clone(),
                a.agent.clone(),
                x.ip.clone(),
                x.mac.map(|m| m.to_string()).unwrap_or_default(),
                x.attribution.maker.clone().unwrap_or_default(),
                x.attribution.brand.clone().unwrap_or_default(),
                if x.policy.restricted {
                    x.policy.lists.join(",")
                } else {
                    String::new()
                },
                x.reported.model.clone().unwrap_or_default(),
                x.reported.firmware.clone().unwrap_or_default(),
                state_name(m.state).into(),
            ]);
        }
    }
    writeln!(w, "{d}")?;
    writeln!(
        w,
        "{} devices from {} agents",
        estate.devices(),
        estate.agents.len()
    )?;
    for a in estate.incomplete() {
        match &a.expected {
            Some(e) => writeln!(
                w,
                "INCOMPLETE {}/{}: received {} of {} device records",
                a.site,
                a.agent,
                a.received,
                e.total()
            )?,
            None => writeln!(
                w,
                "UNVERIFIED {}/{}: no inventory counts published (received {})",
                a.site, a.agent, a.received
            )?,
        }
    }
    Ok(())
}

fn state_name(p: Presence) -> &'static str {
    match p {
        Presence::Present => "present",
        Presence::Absent => "absent",
    }
}

fn write_csv(estate: &Estate, w: &mut dyn Write) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(&mut *w);
    c.write_record(csv_out::COLUMNS.iter().chain(&["state"]))?;
    for a in &estate.agents {
        for m in &a.devices {
            let row = csv_out::device_row(&a.site, &a.agent, &m.device);
            c.write_record(row.iter().map(String::as_str).chain([state_name(m.state)]))?;
        }
    }
    c.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_split_into_site_agent_rest() {
        assert_eq!(
            split("camaudit", "camaudit/v1/s1/gw-1/device/abc"),
            Some(("s1", "gw-1", "device/abc"))
        );
        assert_eq!(
            split("camaudit", "camaudit/v1/s1/gw-1/status"),
            Some(("s1", "gw-1", "status"))
        );
        assert_eq!(split("camaudit", "other/v1/s1/gw-1/status"), None);
        assert_eq!(split("camaudit", "camaudit/v1/s1"), None);
    }
}
