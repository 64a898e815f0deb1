//! Facts and human actions into the estate as at one instant. Pure and deterministic: the same
//! facts and actions give the same estate, whatever order they arrived in.
//!
//! Facts are replayed in [`crate::fact::replay_order`]; claims and exception boundaries are
//! merged in by time (a fact wins a tie). At the end of every day the counts by status are
//! kept, so the burn-down series and "as at" are the same computation: the estate as at D is
//! the replay stopped at D.

use std::collections::HashMap;
use std::sync::Arc;

use camaudit_attribution::PolicySet;
use camaudit_protocol::record::{Confidence, Device};

use crate::burndown::Point;
use crate::fact::{Body, DeviceEvent, Fact};
use crate::model::{RecordChange, Transition};
use crate::payload::{AgentState, InventoryCounts, Presence, Trigger};
use crate::programme::{Lens, Registry, Step};
use crate::state::{Status, Track};
use crate::time::{DAY, Ts};

/// Weekly points kept per site for the sparkline.
pub const SPARK_WEEKS: usize = 26;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub as_at: Ts,
    /// An agent not heard from for this many days is silent.
    pub silent_days: i64,
    /// A site scanned within this many days is fresh.
    pub fresh_days: i64,
}

impl Options {
    pub fn new(as_at: Ts) -> Self {
        Self {
            as_at,
            silent_days: 2,
            fresh_days: 7,
        }
    }
}

pub(crate) struct SiteAcc {
    pub id: String,
    pub counts: [u32; 9],
    pub sparkline: Vec<u32>,
    pub first_scan: Option<Ts>,
    pub last_scan: Option<Ts>,
    pub devices: Vec<u32>,
    pub agents: Vec<u32>,
}

pub(crate) struct AgentAcc {
    pub site: u32,
    pub name: String,
    pub state: Option<AgentState>,
    pub version: String,
    pub inventory: Option<InventoryCounts>,
    inventory_order: (String, u64),
    pub last_heard: Option<Ts>,
    pub last_completed: Option<Ts>,
    pub completed: u32,
    pub partial: u32,
    pub failed: u32,
    /// Distinct devices observed per scan still running.
    scan_obs: HashMap<String, usize>,
    pub devices: Vec<u32>,
}

pub(crate) struct Dev {
    pub site: u32,
    pub agent: u32,
    pub key: String,
    pub record: Arc<Device>,
    pub first_seen: Ts,
    last_fact: (String, u64),
    /// Indexed like [`Lens::ALL`].
    pub restricted: [bool; 2],
    pub in_scope: bool,
    pub track: Track,
    pub status: Option<Status>,
    pub status_since: Option<Ts>,
    pub history: Vec<Transition>,
    pub changes: Vec<RecordChange>,
    pub breach_candidate: bool,
    pub scan_id: String,
    /// The agent still holds a retained record for it.
    pub known: bool,
}

enum Timed {
    Step(usize),
    Exception(String),
}

/// The replay state.
pub struct Ledger {
    pub(crate) opts: Options,
    pub(crate) reg: Registry,
    pub(crate) lens: Lens,
    policies: [PolicySet; 2],
    maker_cache: HashMap<String, [bool; 2]>,
    site_index: HashMap<String, u32>,
    pub(crate) sites: Vec<SiteAcc>,
    agent_index: HashMap<(u32, String), u32>,
    pub(crate) agents: Vec<AgentAcc>,
    dev_index: HashMap<(u32, String), u32>,
    pub(crate) devs: Vec<Dev>,
    timed: Vec<(Ts, Timed)>,
    timed_pos: usize,
    exceptions_by_site: HashMap<String, Vec<String>>,
    counts: [u32; 9],
    verified_total: u32,
    pub(crate) series: Vec<Point>,
    next_tick: Option<Ts>,
    pub(crate) warnings: Vec<String>,
}

impl Ledger {
    /// A replay up to `opts.as_at` under the human actions folded in `reg` (as at the same
    /// instant).
    pub fn new(reg: Registry, opts: Options) -> Self {
        let lens = reg.programme.as_ref().map_or(Lens::UkNil, |p| p.lens);
        let policies = Lens::ALL.map(|l| {
            PolicySet::builtin()
                .select(&[l.as_str()])
                .unwrap_or_else(|_| PolicySet::builtin())
        });
        let mut timed: Vec<(Ts, Timed)> = Vec::new();
        for (i, (at, _, _)) in reg.steps.iter().enumerate() {
            timed.push((*at, Timed::Step(i)));
        }
        let mut exceptions_by_site: HashMap<String, Vec<String>> = HashMap::new();
        for (id, e) in &reg.exceptions {
            exceptions_by_site
                .entry(e.exception.site_id.clone())
                .or_default()
                .push(id.clone());
            for b in e.boundaries() {
                timed.push((b, Timed::Exception(id.clone())));
            }
        }
        timed.sort_by_key(|(t, _)| *t);
        let mut l = Self {
            opts,
            reg,
            lens,
            policies,
            maker_cache: HashMap::new(),
            site_index: HashMap::new(),
            sites: Vec::new(),
            agent_index: HashMap::new(),
            agents: Vec::new(),
            dev_index: HashMap::new(),
            devs: Vec::new(),
            timed,
            timed_pos: 0,
            exceptions_by_site,
            counts: [0; 9],
            verified_total: 0,
            series: Vec::new(),
            next_tick: None,
            warnings: Vec::new(),
        };
        let registered: Vec<String> = l.reg.sites.keys().cloned().collect();
        for s in registered {
            l.site(&s);
        }
        l
    }

    /// Applies one fact. Facts must come in replay order; those after the as-at instant are
    /// ignored.
    pub fn push(&mut self, f: &Fact) {
        if f.ts > self.opts.as_at {
            return;
        }
        self.advance(f.ts, false);
        self.apply(f);
    }

    /// The series so far (for tests and for [`crate::views`]).
    pub fn series(&self) -> &[Point] {
        &self.series
    }

    /// Runs the clock to the as-at instant and closes the series with a point at it.
    pub fn close(&mut self) {
        let end = self.opts.as_at;
        self.advance(end, true);
        let point = self.point(end);
        if self.series.last().map(|p| p.at) != Some(end) {
            self.series.push(point);
        }
    }

    /// The removal track and status of a device, if central has seen it.
    pub fn device(&self, site: &str, key: &str) -> Option<(&Track, Option<Status>)> {
        let s = *self.site_index.get(site)?;
        let d = *self.dev_index.get(&(s, key.to_owned()))?;
        self.devs.get(d as usize).map(|d| (&d.track, d.status))
    }

    /// Current counts by status.
    pub fn counts(&self) -> [u32; 9] {
        self.counts
    }

    fn point(&self, at: Ts) -> Point {
        Point {
            at,
            counts: self.counts,
            verified_total: self.verified_total,
        }
    }

    /// Processes timed inputs and day ends before `t` (or up to and including it).
    fn advance(&mut self, t: Ts, inclusive: bool) {
        let before = |x: Ts| if inclusive { x <= t } else { x < t };
        if self.next_tick.is_none() {
            let first = self.timed.first().map_or(t, |(x, _)| (*x).min(t));
            let start = self
                .reg
                .programme
                .as_ref()
                .map_or(first, |p| p.baseline.min(first));
            self.next_tick = Some(Ts(start.day_start().0 + DAY - 1));
        }
        loop {
            let timed_at = self.timed.get(self.timed_pos).map(|(x, _)| *x);
            let tick = self.next_tick.unwrap_or(t);
            match timed_at {
                Some(x) if before(x) && x <= tick => self.run_timed(x),
                _ if before(tick) && tick < self.opts.as_at => {
                    self.tick(tick);
                    self.next_tick = Some(Ts(tick.0 + DAY));
                }
                Some(x) if before(x) => self.run_timed(x),
                _ => break,
            }
        }
    }

    fn tick(&mut self, at: Ts) {
        self.series.push(self.point(at));
        let weeks_back = at.days_until(self.opts.as_at);
        if weeks_back % 7 == 0 && weeks_back / 7 < SPARK_WEEKS as i64 {
            for s in &mut self.sites {
                s.sparkline.push(remaining(&s.counts));
            }
        }
    }

    fn run_timed(&mut self, at: Ts) {
        let i = self.timed_pos;
        self.timed_pos += 1;
        let Some((_, item)) = self.timed.get(i) else {
            return;
        };
        match item {
            Timed::Step(i) => {
                let i = *i;
                self.step(at, i);
            }
            Timed::Exception(id) => {
                let Some(e) = self.reg.exceptions.get(id) else {
                    return;
                };
                let site = e.exception.site_id.clone();
                let key = e.exception.device_key.clone();
                let Some(&s) = self.site_index.get(&site) else {
                    return;
                };
                let devs: Vec<u32> = self
                    .sites
                    .get(s as usize)
                    .map(|s| s.devices.clone())
                    .unwrap_or_default();
                for d in devs {
                    let matches = self
                        .devs
                        .get(d as usize)
                        .is_some_and(|x| key.as_deref().is_none_or(|k| k == x.key));
                    if matches {
                        self.refresh(d, at, "auto", "exception boundary");
                    }
                }
            }
        }
    }

    fn step(&mut self, at: Ts, i: usize) {
        let Some((_, step, actor)) = self.reg.steps.get(i) else {
            return;
        };
        let (step, actor): (Step, String) = (step.clone(), actor.clone());
        let d = self
            .site_index
            .get(&step.site_id)
            .and_then(|&s| self.dev_index.get(&(s, step.device_key.clone())))
            .copied();
        let Some(d) = d else {
            self.warnings.push(format!(
                "{}: {} claimed for {}/{}, a device central has not seen",
                at.date(),
                step.claim.as_str(),
                step.site_id,
                step.device_key
            ));
            return;
        };
        let Some(dev) = self.devs.get_mut(d as usize) else {
            return;
        };
        if let Err(e) = dev.track.claim(step.claim, at) {
            self.warnings.push(format!(
                "{}: {}/{}: {e}",
                at.date(),
                step.site_id,
                step.device_key
            ));
            return;
        }
        let note = [step.reference.as_str(), step.note.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" — ");
        self.refresh(d, at, &actor, &note);
    }

    fn site(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.site_index.get(id) {
            return i;
        }
        let i = self.sites.len() as u32;
        self.sites.push(SiteAcc {
            id: id.to_owned(),
            counts: [0; 9],
            sparkline: Vec::new(),
            first_scan: None,
            last_scan: None,
            devices: Vec::new(),
            agents: Vec::new(),
        });
        self.site_index.insert(id.to_owned(), i);
        i
    }

    fn agent(&mut self, site: u32, name: &str) -> u32 {
        if let Some(&i) = self.agent_index.get(&(site, name.to_owned())) {
            return i;
        }
        let i = self.agents.len() as u32;
        self.agents.push(AgentAcc {
            site,
            name: name.to_owned(),
            state: None,
            version: String::new(),
            inventory: None,
            inventory_order: (String::new(), 0),
            last_heard: None,
            last_completed: None,
            completed: 0,
            partial: 0,
            failed: 0,
            scan_obs: HashMap::new(),
            devices: Vec::new(),
        });
        self.agent_index.insert((site, name.to_owned()), i);
        if let Some(s) = self.sites.get_mut(site as usize) {
            s.agents.push(i);
        }
        i
    }

    fn apply(&mut self, f: &Fact) {
        let site = self.site(&f.site);
        let agent = self.agent(site, &f.agent);
        if let Some(a) = self.agents.get_mut(agent as usize) {
            a.last_heard = Some(a.last_heard.map_or(f.ts, |h| h.max(f.ts)));
        }
        match &f.body {
            Body::Device {
                key,
                state,
                scan_id,
                ..
            } => {
                let Some(d) = self.device_for(f, site, agent, key) else {
                    return;
                };
                match state {
                    Presence::Present => self.observe(d, agent, f.ts, scan_id),
                    Presence::Absent => self.lose(d, f.ts),
                }
            }
            Body::DeviceEvent {
                event,
                key,
                scan_id,
                changes,
            } => {
                let Some(d) = self.device_for(f, site, agent, key) else {
                    return;
                };
                if let Some(dev) = self.devs.get_mut(d as usize) {
                    dev.changes.extend(changes.iter().map(|c| RecordChange {
                        at: f.ts,
                        field: c.field.clone(),
                        old: c.old.clone(),
                        new: c.new.clone(),
                    }));
                }
                match event {
                    DeviceEvent::New | DeviceEvent::Changed => {
                        self.observe(d, agent, f.ts, scan_id)
                    }
                    DeviceEvent::Lost => self.lose(d, f.ts),
                }
            }
            Body::ScanStarted { .. } => {}
            Body::ScanFinished {
                scan_id,
                trigger,
                started_at,
                finished_at,
                error,
                summary,
                inventory,
            } => {
                if let Some(inv) = inventory {
                    self.inventory(agent, f, inv);
                }
                let full = !matches!(trigger, Some(Trigger::Hello));
                let Some(a) = self.agents.get_mut(agent as usize) else {
                    return;
                };
                let observed = a.scan_obs.remove(scan_id).unwrap_or(0);
                if error.is_some() {
                    a.failed += 1;
                    return;
                }
                if !full {
                    return;
                }
                let finished = finished_at.unwrap_or(f.ts);
                let started = started_at.unwrap_or(finished);
                if let Some(s) = self.sites.get_mut(site as usize) {
                    s.first_scan.get_or_insert(finished);
                    s.last_scan = Some(s.last_scan.map_or(finished, |l| l.max(finished)));
                }
                a.last_completed = Some(finished);
                let witnessed = summary.as_ref().is_some_and(|s| observed >= s.devices);
                if !witnessed {
                    a.partial += 1;
                    return;
                }
                a.completed += 1;
                let devs = a.devices.clone();
                for d in devs {
                    let Some(dev) = self.devs.get_mut(d as usize) else {
                        continue;
                    };
                    if dev.agent != agent {
                        continue;
                    }
                    dev.track.scan_completed(started, finished, scan_id);
                    self.refresh(d, f.ts, "auto", "");
                }
            }
            Body::Status {
                state,
                version,
                inventory,
                ..
            } => {
                if let Some(a) = self.agents.get_mut(agent as usize) {
                    a.state = Some(*state);
                    a.version.clone_from(version);
                }
                if let Some(inv) = inventory {
                    self.inventory(agent, f, inv);
                }
            }
            Body::Forgotten { key } => {
                if let Some(&d) = self.dev_index.get(&(site, key.clone()))
                    && let Some(dev) = self.devs.get_mut(d as usize)
                    && dev.agent == agent
                {
                    dev.known = false;
                }
            }
        }
    }

    fn inventory(&mut self, agent: u32, f: &Fact, inv: &InventoryCounts) {
        let Some(a) = self.agents.get_mut(agent as usize) else {
            return;
        };
        let order = (f.boot_id.clone(), f.seq);
        if a.inventory.is_none() || order >= a.inventory_order {
            a.inventory = Some(inv.clone());
            a.inventory_order = order;
        }
    }

    /// The device a fact is about, created on first sight; `None` for a stale fact.
    fn device_for(&mut self, f: &Fact, site: u32, agent: u32, key: &str) -> Option<u32> {
        let order = (f.boot_id.clone(), f.seq);
        if let Some(&d) = self.dev_index.get(&(site, key.to_owned())) {
            let dev = self.devs.get_mut(d as usize)?;
            if dev.agent == agent && order < dev.last_fact {
                return None;
            }
            if dev.agent != agent
                && let Some(a) = self.agents.get_mut(agent as usize)
            {
                a.devices.push(d);
            }
            dev.agent = agent;
            dev.last_fact = order;
            dev.known = true;
            if let Some(r) = &f.record {
                dev.record = r.clone();
                self.classify(d);
            }
            return Some(d);
        }
        let record = f.record.clone()?;
        let d = self.devs.len() as u32;
        let nnd = self
            .reg
            .programme
            .as_ref()
            .and_then(|p| p.no_new_deployments);
        let site_first = self.sites.get(site as usize).and_then(|s| s.first_scan);
        let breach_candidate =
            nnd.is_some_and(|n| f.ts > n) && site_first.is_some_and(|s| s < f.ts);
        self.devs.push(Dev {
            site,
            agent,
            key: key.to_owned(),
            record,
            first_seen: f.ts,
            last_fact: order,
            restricted: [false; 2],
            in_scope: false,
            track: Track::default(),
            status: None,
            status_since: None,
            history: Vec::new(),
            changes: Vec::new(),
            breach_candidate,
            scan_id: String::new(),
            known: true,
        });
        self.dev_index.insert((site, key.to_owned()), d);
        if let Some(s) = self.sites.get_mut(site as usize) {
            s.devices.push(d);
        }
        if let Some(a) = self.agents.get_mut(agent as usize) {
            a.devices.push(d);
        }
        self.classify(d);
        Some(d)
    }

    /// Restriction under each lens (the agent's lists or central's policy data) and scope.
    fn classify(&mut self, d: u32) {
        let Some(dev) = self.devs.get(d as usize) else {
            return;
        };
        let maker = dev.record.attribution.maker.clone().unwrap_or_default();
        let by_maker = match self.maker_cache.get(&maker) {
            Some(v) => *v,
            None => {
                let v = [0, 1].map(|i| {
                    self.policies
                        .get(i)
                        .is_some_and(|p| p.evaluate_maker(Some(&maker)).restricted)
                });
                self.maker_cache.insert(maker, v);
                v
            }
        };
        let site_id = self
            .sites
            .get(dev.site as usize)
            .map(|s| s.id.as_str())
            .unwrap_or("");
        let site_reg = self.reg.sites.get(site_id);
        let scope_ok = self
            .reg
            .programme
            .as_ref()
            .is_none_or(|p| p.scope.covers(site_reg));
        let lens_i = Lens::ALL.iter().position(|l| *l == self.lens).unwrap_or(0);
        let Some(dev) = self.devs.get_mut(d as usize) else {
            return;
        };
        for (i, lens) in Lens::ALL.iter().enumerate() {
            let listed = dev.record.policy.lists.iter().any(|l| l == lens.as_str());
            dev.restricted[i] = listed || by_maker[i];
        }
        dev.in_scope = dev.restricted[lens_i] && scope_ok;
    }

    fn observe(&mut self, d: u32, agent: u32, at: Ts, scan_id: &str) {
        let Some(dev) = self.devs.get_mut(d as usize) else {
            return;
        };
        if dev.track.last_scan.as_deref() != Some(scan_id)
            && let Some(a) = self.agents.get_mut(agent as usize)
        {
            *a.scan_obs.entry(scan_id.to_owned()).or_insert(0) += 1;
        }
        dev.track.observe(at, scan_id);
        dev.scan_id = scan_id.to_owned();
        self.refresh(d, at, "auto", "");
    }

    fn lose(&mut self, d: u32, at: Ts) {
        if let Some(dev) = self.devs.get_mut(d as usize) {
            dev.track.lost();
        }
        self.refresh(d, at, "auto", "reported absent by the agent");
    }

    pub(crate) fn excepted(&self, d: &Dev, at: Ts) -> Option<&str> {
        let site = self.sites.get(d.site as usize)?;
        self.exceptions_by_site
            .get(&site.id)?
            .iter()
            .find_map(|id| {
                let e = self.reg.exceptions.get(id)?;
                (e.covers(&site.id, &d.key) && e.active_at(at)).then_some(id.as_str())
            })
    }

    fn refresh(&mut self, d: u32, at: Ts, by: &str, note: &str) {
        let Some(dev) = self.devs.get(d as usize) else {
            return;
        };
        let new = if dev.in_scope {
            let excepted = self.excepted(dev, at).is_some();
            Some(dev.track.status(excepted))
        } else {
            None
        };
        if new == dev.status {
            return;
        }
        let old = dev.status;
        let site = dev.site as usize;
        for (s, delta) in [(old, -1i64), (new, 1)] {
            let Some(s) = s else { continue };
            let i = s.index();
            if let Some(c) = self.counts.get_mut(i) {
                *c = (i64::from(*c) + delta).max(0) as u32;
            }
            if let Some(c) = self.sites.get_mut(site).and_then(|x| x.counts.get_mut(i)) {
                *c = (i64::from(*c) + delta).max(0) as u32;
            }
        }
        if new == Some(Status::Verified) {
            self.verified_total += 1;
        }
        let Some(dev) = self.devs.get_mut(d as usize) else {
            return;
        };
        dev.status = new;
        dev.status_since = Some(at);
        if let Some(status) = new {
            dev.history.push(Transition {
                at,
                status,
                by: by.to_owned(),
                note: note.to_owned(),
            });
        }
    }
}

pub(crate) fn remaining(counts: &[u32; 9]) -> u32 {
    Status::ALL
        .into_iter()
        .filter(|s| s.remaining())
        .filter_map(|s| counts.get(s.index()))
        .sum()
}

/// High or medium confidence: a confirmed attribution; low: suspected.
pub(crate) fn confirmed(d: &Device) -> bool {
    matches!(
        d.attribution.confidence,
        Some(Confidence::High | Confidence::Medium)
    )
}
