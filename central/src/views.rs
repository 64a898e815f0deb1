//! The closed ledger into the [`Estate`] model: tiles, site rows, device rows, makers,
//! exceptions, changes, coverage and agents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use camaudit_protocol::record::AuthUsed;

use crate::burndown::{self, Projection};
use crate::ledger::{self, Dev, Ledger};
use crate::model::{
    AgentRow, ChangeRow, Changes, Coverage, DeviceRow, Estate, ExceptionRow, MakerRow, SCHEMA,
    SiteRow, Tiles,
};
use crate::payload::{AgentState, key_digest};
use crate::programme::Lens;
use crate::state::Status;
use crate::time::{DAY, Ts};

/// Builds the estate from a ledger that has been [`Ledger::close`]d.
pub fn estate(l: &Ledger) -> Estate {
    let as_at = l.opts.as_at;
    let projection = burndown::project(&l.series, l.reg.programme.as_ref());
    let agents = agents(l);
    let devices: Vec<DeviceRow> = l.devs.iter().map(|d| device_row(l, d)).collect();
    let sites = sites(l, &agents);
    let exceptions = exceptions(l);
    let coverage = coverage(l, &sites, &agents);
    let changes = changes(l, &devices, &agents);
    let tiles = tiles(l, &devices, &exceptions, &coverage, projection.as_ref());
    Estate {
        schema: SCHEMA,
        as_at,
        programme: l.reg.programme.clone(),
        redacted: Vec::new(),
        tiles,
        weekly_verified: burndown::weekly_verified(&l.series),
        series: l.series.clone(),
        projection,
        makers: makers(l),
        sites,
        devices,
        exceptions,
        changes,
        coverage,
        agents,
        warnings: l.warnings.clone(),
    }
}

fn site_id(l: &Ledger, d: &Dev) -> String {
    l.sites
        .get(d.site as usize)
        .map(|s| s.id.clone())
        .unwrap_or_default()
}

fn device_row(l: &Ledger, d: &Dev) -> DeviceRow {
    let r = &d.record;
    let site = site_id(l, d);
    let agent = l
        .agents
        .get(d.agent as usize)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let breach = d.breach_candidate && d.in_scope;
    DeviceRow {
        contract: l.reg.contract_for(&site, &d.key).cloned(),
        exception: l.excepted(d, l.opts.as_at).map(str::to_owned),
        site_id: site,
        agent,
        key: d.key.clone(),
        ip: r.ip.clone(),
        mac: r.mac.as_ref().map(|m| m.to_string()),
        hostname: r.reported.hostname.clone(),
        maker: r.attribution.maker.clone(),
        brand: r.attribution.brand.clone(),
        rebrand: r.attribution.rebrand,
        manufacturer: r.reported.manufacturer.clone(),
        model: r.reported.model.clone(),
        firmware: r.reported.firmware.clone(),
        serial: r.reported.serial.clone(),
        confidence: r
            .attribution
            .confidence
            .map(|c| format!("{c:?}").to_lowercase()),
        lists: r.policy.lists.clone(),
        restricted_under: Lens::ALL
            .iter()
            .zip(d.restricted)
            .filter(|(_, r)| *r)
            .map(|(l, _)| l.as_str().to_owned())
            .collect(),
        in_programme: d.in_scope,
        status: d.status,
        status_since: d.status_since,
        present: d.track.present,
        first_seen: d.first_seen,
        last_seen: d.track.last_seen,
        scan_id: d.scan_id.clone(),
        discovered_by: r
            .discovered_by
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        auth: r.access.auth.as_str().to_owned(),
        breach,
        evidence: r.attribution.evidence.clone(),
        history: d.history.clone(),
        record_changes: d.changes.clone(),
    }
}

fn agents(l: &Ledger) -> Vec<AgentRow> {
    let as_at = l.opts.as_at;
    l.agents
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let held: Vec<&str> = a
                .devices
                .iter()
                .filter_map(|&d| l.devs.get(d as usize))
                .filter(|d| d.agent as usize == i && d.known)
                .map(|d| d.key.as_str())
                .collect();
            let completeness = match &a.inventory {
                None => "unknown",
                Some(inv)
                    if inv.total() == held.len()
                        && inv.digest == key_digest(held.iter().copied()) =>
                {
                    "complete"
                }
                Some(_) => "incomplete",
            };
            let silent = a
                .last_heard
                .is_none_or(|h| h.0 < as_at.0 - l.opts.silent_days * DAY);
            AgentRow {
                site_id: l
                    .sites
                    .get(a.site as usize)
                    .map(|s| s.id.clone())
                    .unwrap_or_default(),
                agent: a.name.clone(),
                state: match a.state {
                    Some(AgentState::Online) => "online".into(),
                    Some(AgentState::Offline) => "offline".into(),
                    None => "unknown".into(),
                },
                version: a.version.clone(),
                last_heard: a.last_heard,
                last_completed_scan: a.last_completed,
                completed_scans: a.completed,
                partial_scans: a.partial,
                failed_scans: a.failed,
                reported_records: a.inventory.as_ref().map(|i| i.total()),
                held_records: held.len(),
                completeness,
                silent,
            }
        })
        .collect()
}

fn sites(l: &Ledger, agents: &[AgentRow]) -> Vec<SiteRow> {
    let as_at = l.opts.as_at;
    let deadline = l.reg.programme.as_ref().map(|p| p.deadline);
    l.sites
        .iter()
        .map(|s| {
            let reg = l.reg.sites.get(&s.id);
            let devs: Vec<&Dev> = s
                .devices
                .iter()
                .filter_map(|&d| l.devs.get(d as usize))
                .collect();
            let present: Vec<&&Dev> = devs.iter().filter(|d| d.track.present).collect();
            let mut makers: BTreeMap<&str, u32> = BTreeMap::new();
            for d in &present {
                if let Some(m) = d.record.attribution.maker.as_deref() {
                    *makers.entry(m).or_insert(0) += 1;
                }
            }
            let mut top: Vec<(&str, u32)> = makers.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let c = |st: Status| s.counts.get(st.index()).copied().unwrap_or(0);
            let remaining = ledger::remaining(&s.counts);
            let done = c(Status::Verified) + c(Status::Disposed);
            let in_progress = c(Status::Isolated) + c(Status::Scheduled) + c(Status::Removed);
            let restricted = devs.iter().filter(|d| d.in_scope).count() as u32;
            let site_agents: Vec<&AgentRow> = agents.iter().filter(|a| a.site_id == s.id).collect();
            let silent = !site_agents.is_empty() && site_agents.iter().all(|a| a.silent);
            let breaches = devs
                .iter()
                .filter(|d| d.breach_candidate && d.in_scope)
                .count() as u32;
            let site_deadline = reg.and_then(|r| r.deadline).or(deadline);
            let band = match (s.last_scan, restricted, remaining) {
                (None, _, _) => "unknown",
                (_, 0, _) => "none-found",
                (_, _, 0) if c(Status::Excepted) > 0 && done == 0 => "excepted",
                (_, _, 0) => "complete",
                _ if in_progress + done == 0 => "not-started",
                _ => "in-progress",
            };
            let overdue = site_deadline.is_some_and(|d| d < as_at);
            let rag = if s.last_scan.is_none() {
                "grey"
            } else if remaining > 0
                && (overdue || c(Status::Regressed) > 0 || breaches > 0 || silent)
            {
                "red"
            } else if remaining > 0 || silent {
                "amber"
            } else {
                "green"
            };
            let mut spark = s.sparkline.clone();
            spark.push(remaining);
            SiteRow {
                site_id: s.id.clone(),
                org: reg.map(|r| r.org.clone()).unwrap_or_default(),
                name: reg.map(|r| r.name.clone()).unwrap_or_default(),
                kind: reg.map(|r| r.kind.clone()).unwrap_or_default(),
                region: reg.map(|r| r.region.clone()).unwrap_or_default(),
                sensitivity: reg.map(|r| r.sensitivity.clone()).unwrap_or_default(),
                registered: reg.is_some(),
                in_scope: l.reg.programme.as_ref().is_none_or(|p| p.scope.covers(reg)),
                agents_expected: reg.map_or(0, |r| r.expected_agents),
                agents_seen: site_agents.len() as u32,
                agents_online: site_agents
                    .iter()
                    .filter(|a| !a.silent && a.state != "offline")
                    .count() as u32,
                last_scan: s.last_scan,
                cameras: present.len() as u32,
                restricted,
                top_makers: top
                    .iter()
                    .take(3)
                    .map(|(m, n)| format!("{m} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                rebrands: present
                    .iter()
                    .filter(|d| d.record.attribution.rebrand)
                    .count() as u32,
                unidentified: present
                    .iter()
                    .filter(|d| d.record.attribution.maker.is_none())
                    .count() as u32,
                in_progress,
                done,
                remaining,
                excepted: c(Status::Excepted),
                regressed: c(Status::Regressed),
                breaches,
                deadline: site_deadline,
                rag,
                band,
                sparkline: spark,
            }
        })
        .collect()
}

fn makers(l: &Ledger) -> Vec<MakerRow> {
    struct Acc {
        devices: u32,
        sites: BTreeSet<u32>,
        rebrands: u32,
        brands: BTreeMap<String, u32>,
        restricted: [bool; 2],
    }
    let mut by: BTreeMap<String, Acc> = BTreeMap::new();
    for d in l.devs.iter().filter(|d| d.track.present) {
        let maker = d
            .record
            .attribution
            .maker
            .clone()
            .unwrap_or_else(|| "(unidentified)".into());
        let a = by.entry(maker.clone()).or_insert_with(|| Acc {
            devices: 0,
            sites: BTreeSet::new(),
            rebrands: 0,
            brands: BTreeMap::new(),
            restricted: [false; 2],
        });
        a.devices += 1;
        a.sites.insert(d.site);
        if d.record.attribution.rebrand {
            a.rebrands += 1;
        }
        let brand = d
            .record
            .attribution
            .brand
            .clone()
            .unwrap_or_else(|| maker.clone());
        *a.brands.entry(brand).or_insert(0) += 1;
        for i in 0..2 {
            if let (Some(x), Some(y)) = (a.restricted.get_mut(i), d.restricted.get(i)) {
                *x |= *y;
            }
        }
    }
    let mut rows: Vec<MakerRow> = by
        .into_iter()
        .map(|(maker, a)| {
            let mut brands: Vec<(String, u32)> = a.brands.into_iter().collect();
            brands.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            MakerRow {
                maker,
                devices: a.devices,
                sites: a.sites.len() as u32,
                rebrands: a.rebrands,
                brands,
                restricted_uk_nil: a.restricted[0],
                restricted_us_ndaa_889: a.restricted[1],
            }
        })
        .collect();
    rows.sort_by(|a, b| b.devices.cmp(&a.devices).then(a.maker.cmp(&b.maker)));
    rows
}

fn exceptions(l: &Ledger) -> Vec<ExceptionRow> {
    let as_at = l.opts.as_at;
    let site_devs: HashMap<&str, Vec<&Dev>> = {
        let mut m: HashMap<&str, Vec<&Dev>> = HashMap::new();
        for d in &l.devs {
            if let Some(s) = l.sites.get(d.site as usize) {
                m.entry(s.id.as_str()).or_default().push(d);
            }
        }
        m
    };
    l.reg
        .exceptions
        .values()
        .map(|e| {
            let x = &e.exception;
            let state = if e.withdrawn_at.is_some_and(|w| w <= as_at) {
                "withdrawn"
            } else if e.active_at(as_at) {
                "active"
            } else {
                "expired"
            };
            let present = site_devs.get(x.site_id.as_str()).map_or(0, |v| {
                v.iter()
                    .filter(|d| d.in_scope && d.track.present && e.covers(&x.site_id, &d.key))
                    .count()
            }) as u32;
            let review_by = e
                .renewals
                .iter()
                .rev()
                .find_map(|(_, _, r)| *r)
                .or(x.review_by);
            ExceptionRow {
                id: x.id.clone(),
                site_id: x.site_id.clone(),
                device_key: x.device_key.clone(),
                reason: x.reason.clone(),
                controls: x.controls.clone(),
                owner: x.owner.clone(),
                approver: x.approver.clone(),
                approved_at: e.approved_at,
                approved_by: e.actor.clone(),
                review_by,
                expires_at: e.expires_at(as_at),
                state,
                devices_present: present,
                flag: state != "active" && present > 0,
            }
        })
        .collect()
}

fn changes(l: &Ledger, devices: &[DeviceRow], agents: &[AgentRow]) -> Changes {
    let nnd = l.reg.programme.as_ref().and_then(|p| p.no_new_deployments);
    let row = |d: &DeviceRow, at: Ts, note: String| ChangeRow {
        site_id: d.site_id.clone(),
        key: d.key.clone(),
        maker: d.maker.clone(),
        model: d.model.clone(),
        at,
        breach: d.breach,
        note,
    };
    let mut c = Changes::default();
    for d in devices.iter().filter(|d| d.in_programme) {
        if d.breach || nnd.is_none_or(|n| d.first_seen > n) {
            let note = if d.breach {
                "first seen after the no-new-deployments date".into()
            } else {
                String::new()
            };
            c.new_restricted.push(row(d, d.first_seen, note));
        }
        if d.status == Some(Status::Regressed) {
            let verified = d
                .history
                .iter()
                .rev()
                .find(|t| t.status.done())
                .map(|t| t.at.date());
            c.regressions.push(row(
                d,
                d.status_since.unwrap_or(d.first_seen),
                format!(
                    "removal verified on {}; seen again",
                    verified.unwrap_or_default()
                ),
            ));
        }
        if d.status == Some(Status::NotSeen) {
            c.disappearances.push(row(
                d,
                d.last_seen.unwrap_or(d.first_seen),
                "absent with no removal claim: not counted as removed".into(),
            ));
        }
    }
    for list in [
        &mut c.new_restricted,
        &mut c.regressions,
        &mut c.disappearances,
    ] {
        list.sort_by(|a, b| b.at.cmp(&a.at).then(a.site_id.cmp(&b.site_id)));
    }
    c.silent_agents = agents.iter().filter(|a| a.silent).cloned().collect();
    c
}

fn coverage(l: &Ledger, sites: &[SiteRow], agents: &[AgentRow]) -> Coverage {
    let as_at = l.opts.as_at;
    let mut c = Coverage {
        fresh_days: l.opts.fresh_days,
        silent_days: l.opts.silent_days,
        ..Coverage::default()
    };
    let mut ages: [(&str, u32); 5] = [
        ("< 1 day", 0),
        ("1–7 days", 0),
        ("7–30 days", 0),
        ("> 30 days", 0),
        ("never", 0),
    ];
    for s in sites {
        if s.registered {
            c.sites_registered += 1;
        } else {
            c.unregistered_sites.push(s.site_id.clone());
        }
        if s.agents_seen > 0 {
            c.sites_with_agent += 1;
        }
        let slot = match s.last_scan {
            None => 4,
            Some(t) => match as_at.0 - t.0 {
                x if x < DAY => 0,
                x if x < 7 * DAY => 1,
                x if x < 30 * DAY => 2,
                _ => 3,
            },
        };
        if let Some(a) = ages.get_mut(slot) {
            a.1 += 1;
        }
        if s.last_scan
            .is_some_and(|t| as_at.0 - t.0 < l.opts.fresh_days * DAY)
        {
            c.sites_scanned_fresh += 1;
        }
        if s.last_scan.is_none() {
            c.sites_never_scanned.push(s.site_id.clone());
        }
        let site_agents: Vec<&AgentRow> =
            agents.iter().filter(|a| a.site_id == s.site_id).collect();
        if !site_agents.is_empty() && site_agents.iter().all(|a| a.silent) {
            c.sites_silent.push(s.site_id.clone());
        }
    }
    c.scan_age = ages.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    let mut methods: BTreeMap<String, u32> = BTreeMap::new();
    for d in l.devs.iter().filter(|d| d.track.present) {
        for m in &d.record.discovered_by {
            *methods.entry(m.as_str().to_owned()).or_insert(0) += 1;
        }
        match d.record.access.auth {
            AuthUsed::None | AuthUsed::WsSecurity | AuthUsed::HttpDigest => c.auth_ok += 1,
            AuthUsed::Failed => c.auth_failed += 1,
            AuthUsed::NotTried => c.auth_not_tried += 1,
        }
    }
    c.methods = methods.into_iter().collect();
    c
}

fn tiles(
    l: &Ledger,
    devices: &[DeviceRow],
    exceptions: &[ExceptionRow],
    coverage: &Coverage,
    projection: Option<&Projection>,
) -> Tiles {
    let as_at = l.opts.as_at;
    let mut t = Tiles::default();
    for (d, dev) in devices.iter().zip(&l.devs) {
        if d.present && d.maker.is_none() {
            t.unidentified += 1;
        }
        match d.status {
            Some(s) if s.remaining() => {
                if ledger::confirmed(&dev.record) {
                    t.remaining_confirmed += 1;
                } else {
                    t.remaining_suspected += 1;
                }
            }
            Some(Status::Verified) => t.verified += 1,
            Some(Status::Disposed) => t.disposed += 1,
            _ => {}
        }
    }
    t.exceptions_active = exceptions.iter().filter(|e| e.state == "active").count() as u32;
    t.exceptions_expiring_30d = exceptions
        .iter()
        .filter(|e| e.state == "active" && e.expires_at.0 - as_at.0 <= 30 * DAY)
        .count() as u32;
    let known_sites = coverage
        .sites_registered
        .max(l.sites.len() as u32 - coverage.unregistered_sites.len() as u32);
    t.sites_registered = coverage.sites_registered;
    t.sites_reporting = coverage.sites_scanned_fresh;
    t.sites_silent = coverage.sites_silent.len() as u32;
    t.coverage_pct = burndown::pct(
        coverage.sites_scanned_fresh,
        known_sites.max(l.sites.len() as u32),
    );
    t.days_to_deadline = projection.and_then(|p| p.days_to_deadline);
    t.projected_completion = projection.and_then(|p| p.projected_completion);
    t.verdict = projection.map_or("no data", |p| p.verdict).to_owned();
    t
}
