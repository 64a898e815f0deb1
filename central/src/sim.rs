//! Simulated agents for tests and the scale benchmark: a planned estate whose devices are
//! isolated, removed, disposed, lost or re-installed on given weeks, the MQTT messages real
//! agents would publish for it (the payload types of [`crate::payload`], timestamps injected),
//! the claims a central team would record, and the burn-down that must result.
//!
//! The expected counts are computed from the plan alone (closed forms per fate), not by the
//! ledger, so a test comparing the two checks the ledger.

use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::{
    Access, Attribution, AuthUsed, Confidence, Device, Evidence, Method, Policy, Reported, Summary,
};

use crate::payload::{
    AgentState, DEVICE_SCHEMA, DeviceMessage, EVENT_SCHEMA, Envelope, EventMessage, EventType,
    InventoryCounts, Presence, STATUS_SCHEMA, StatusMessage, Trigger, key_digest,
};
use crate::programme::{Action, Change, Claim, Exception, Lens, Programme, Scope, Step, Target};
use crate::state::Status;
use crate::time::{DAY, Ts, WEEK};

/// The agent marks a device absent after this many missed full scans.
pub const ABSENT_AFTER: u32 = 2;

/// What happens to one device over the simulation (weeks count from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Untouched,
    Isolated(u32),
    Scheduled(u32),
    /// Claimed removed before the scan of week `r` and gone from it; `staged` adds isolated and
    /// scheduled claims on the two weeks before.
    Removed {
        r: u32,
        staged: bool,
    },
    Disposed {
        r: u32,
        d: u32,
    },
    /// Gone from week `r` with no claim.
    Vanished(u32),
    /// Removed on week `r`, back on week `b`.
    Regressed {
        r: u32,
        b: u32,
    },
}

#[derive(Clone, Debug)]
pub struct SimDevice {
    pub key: String,
    pub record: Device,
    pub in_programme: bool,
    pub fate: Fate,
    /// First week the device is on the network.
    pub appears: u32,
}

impl SimDevice {
    /// On the network at the scan of week `w`.
    pub fn present(&self, w: u32) -> bool {
        if w < self.appears {
            return false;
        }
        match self.fate {
            Fate::Removed { r, .. } | Fate::Disposed { r, .. } | Fate::Vanished(r) => w < r,
            Fate::Regressed { r, b } => w < r || w >= b,
            _ => true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SimSite {
    pub site: String,
    pub agent: String,
    pub devices: Vec<SimDevice>,
    /// A site-wide exception from the start of week `.0` until the start of week `.1`.
    pub exception: Option<(u32, u32)>,
}

#[derive(Clone, Debug)]
pub struct Fleet {
    pub start: Ts,
    pub weeks: u32,
    pub sites: Vec<SimSite>,
    pub no_new_deployments_week: u32,
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// `(maker, brand, oui, model, lists)`; `None` maker: unidentified.
type MakerRow = (
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);
const MAKERS: [MakerRow; 7] = [
    (
        Some("Hikvision"),
        "Hikvision",
        "44:19:b6",
        "DS-2CD2042WD-I",
        &["us-ndaa-889", "uk-nil"],
    ),
    (
        Some("Hikvision"),
        "LTS",
        "44:19:b6",
        "CMIP3042W-28M",
        &["us-ndaa-889", "uk-nil"],
    ),
    (
        Some("Dahua"),
        "Dahua",
        "3c:ef:8c",
        "IPC-HFW2431S",
        &["us-ndaa-889", "uk-nil"],
    ),
    (
        Some("Dahua"),
        "Lorex",
        "3c:ef:8c",
        "LNB4321",
        &["us-ndaa-889", "uk-nil"],
    ),
    (
        Some("Uniview"),
        "Uniview",
        "24:28:fd",
        "IPC2122LR3",
        &["uk-nil"],
    ),
    (Some("Axis"), "Axis", "00:40:8c", "P1448-LE", &[]),
    (None, "", "00:1a:2b", "IPCAM", &[]),
];

fn record(site_no: usize, dev_no: usize, n: usize, maker_i: usize, start: Ts) -> Device {
    let (maker, brand, oui, model, lists) = MAKERS.get(maker_i).copied().unwrap_or(MAKERS[6]);
    let mac_s = format!(
        "{oui}:{:02x}:{:02x}:{:02x}",
        (n >> 16) & 0xff,
        (n >> 8) & 0xff,
        n & 0xff
    );
    let mac = Mac::parse(&mac_s).ok();
    let key = mac
        .as_ref()
        .map_or_else(|| format!("dev-{site_no}-{dev_no}"), Mac::key);
    let ip = format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    let mut evidence = vec![Evidence {
        signal: "mac-oui".into(),
        value: oui.into(),
        indicates: maker.map(str::to_owned),
        detail: Some("IEEE MA-L".into()),
    }];
    if maker.is_some() {
        evidence.push(Evidence {
            signal: "onvif-model".into(),
            value: model.into(),
            indicates: maker.map(str::to_owned),
            detail: None,
        });
    }
    Device {
        key,
        ip: ip.clone(),
        mac,
        mac_source: Some("onvif".into()),
        endpoint: Some(format!(
            "urn:uuid:00000000-0000-4000-8000-{site_no:06x}{dev_no:06x}"
        )),
        xaddrs: vec![format!("http://{ip}/onvif/device_service")],
        discovered_by: vec![Method::WsDiscovery],
        reported: Reported {
            manufacturer: Some(brand.to_owned()).filter(|b| !b.is_empty()),
            model: Some(model.into()),
            firmware: Some("V5.5.0 build 170725".into()),
            serial: Some(format!("SN{site_no:05}{dev_no:04}")),
            hardware_id: None,
            hostname: None,
        },
        attribution: Attribution {
            maker: maker.map(str::to_owned),
            brand: Some(brand.to_owned()).filter(|b| !b.is_empty()),
            rebrand: maker.is_some_and(|m| m != brand),
            confidence: maker.map(|_| {
                if maker_i.is_multiple_of(2) {
                    Confidence::High
                } else {
                    Confidence::Medium
                }
            }),
            evidence,
        },
        policy: Policy {
            restricted: !lists.is_empty(),
            lists: lists.iter().map(|s| (*s).to_owned()).collect(),
        },
        access: Access {
            auth: if maker_i == 6 {
                AuthUsed::Failed
            } else {
                AuthUsed::WsSecurity
            },
            errors: vec![],
        },
        first_seen: start.rfc3339(),
        last_seen: start.rfc3339(),
    }
}

/// Plans `sites` sites of `per_site` devices over `weeks` weeks (at least 12).
pub fn plan(sites: usize, per_site: usize, weeks: u32, seed: u64) -> Fleet {
    let start = Ts::parse("2026-01-05").unwrap_or_default();
    let mut rng = Rng(seed);
    let weeks = weeks.max(12);
    let nnd = weeks / 2;
    let mut out = Vec::new();
    for s in 0..sites {
        let exception = (s % 10 == 7).then(|| (2 + (s as u32 % 3), 6 + (s as u32 % 4)));
        let mut devices = Vec::new();
        for d in 0..per_site {
            let maker_i = rng.below(MAKERS.len() as u64) as usize;
            let rec = record(s, d, s * per_site + d, maker_i, start);
            // The programme's lens is uk-nil: Hikvision, Dahua and Uniview are in it.
            let in_programme = maker_i <= 4;
            let last = weeks - 1;
            let fate = if !in_programme || exception.is_some() {
                Fate::Untouched
            } else {
                let r = 1 + rng.below(u64::from(weeks - 6)) as u32;
                match rng.below(8) {
                    0 => Fate::Untouched,
                    1 => Fate::Isolated(r),
                    2 => Fate::Scheduled(r),
                    3 => Fate::Removed {
                        r: r.max(3),
                        staged: true,
                    },
                    4 => Fate::Disposed {
                        r,
                        d: (r + 2 + rng.below(3) as u32).min(last),
                    },
                    5 => Fate::Vanished(r),
                    6 => Fate::Regressed {
                        r,
                        b: (r + 3 + rng.below(2) as u32).min(last),
                    },
                    _ => Fate::Removed { r, staged: false },
                }
            };
            // A few restricted devices are new installs after the no-new-deployments date.
            let appears = if in_programme && fate == Fate::Untouched && rng.below(10) == 0 {
                nnd + 1
            } else {
                0
            };
            devices.push(SimDevice {
                key: rec.key.clone(),
                record: rec,
                in_programme,
                fate,
                appears,
            });
        }
        out.push(SimSite {
            site: format!("site-{s:05}"),
            agent: format!("gw-{s:05}"),
            devices,
            exception,
        });
    }
    Fleet {
        start,
        weeks,
        sites: out,
        no_new_deployments_week: nnd,
    }
}

impl Fleet {
    pub fn week(&self, w: u32) -> Ts {
        Ts(self.start.0 + i64::from(w) * WEEK)
    }
    /// The scan of week `w` starts here (Monday 02:00) and takes ten minutes.
    pub fn scan_at(&self, w: u32) -> Ts {
        Ts(self.week(w).0 + 2 * 3600)
    }
    /// Claims of week `w` are recorded at Monday 01:00, before the scan.
    pub fn claim_at(&self, w: u32) -> Ts {
        Ts(self.week(w).0 + 3600)
    }
    /// The end of week `w` (Sunday 23:59:59), where the burn-down is checked.
    pub fn end_of(&self, w: u32) -> Ts {
        Ts(self.week(w + 1).0 - 1)
    }

    /// The programme, claims and exceptions a central team would record.
    pub fn actions(&self) -> Vec<Action> {
        let mut out = Vec::new();
        let mut add = |at: Ts, change: Change| {
            out.push(Action {
                id: 0,
                at,
                recorded_at: at,
                actor: "estates-team".into(),
                reason: "simulated".into(),
                change,
                before: None,
            });
        };
        add(
            Ts(self.start.0 - DAY),
            Change::ProgrammeSet(Programme {
                name: "Removal of restricted cameras".into(),
                lens: Lens::UkNil,
                baseline: self.start,
                deadline: self.week(self.weeks + 8),
                no_new_deployments: Some(self.week(self.no_new_deployments_week)),
                targets: vec![
                    Target {
                        date: self.week(self.weeks / 2),
                        pct: 30,
                    },
                    Target {
                        date: self.week(self.weeks + 8),
                        pct: 100,
                    },
                ],
                scope: Scope::default(),
            }),
        );
        for s in &self.sites {
            if let Some((from, to)) = s.exception {
                add(
                    self.claim_at(from),
                    Change::ExceptionAdd(Exception {
                        id: format!("EX-{}", s.site),
                        site_id: s.site.clone(),
                        device_key: None,
                        reason: "access control integration; replacement funded next year".into(),
                        controls: "isolated VLAN, no internet, no core network".into(),
                        owner: "head of estates".into(),
                        approver: "SIRO".into(),
                        review_by: None,
                        expires_at: self.claim_at(to),
                    }),
                );
            }
            for d in &s.devices {
                let mut step = |w: u32, claim: Claim| {
                    add(
                        self.claim_at(w),
                        Change::Step(Step {
                            site_id: s.site.clone(),
                            device_key: d.key.clone(),
                            claim,
                            reference: format!("WO-{}-{w}", d.key),
                            note: String::new(),
                        }),
                    );
                };
                match d.fate {
                    Fate::Untouched | Fate::Vanished(_) => {}
                    Fate::Isolated(a) => step(a, Claim::Isolated),
                    Fate::Scheduled(a) => step(a, Claim::Scheduled),
                    Fate::Removed { r, staged } => {
                        if staged {
                            step(r - 2, Claim::Isolated);
                            step(r - 1, Claim::Scheduled);
                        }
                        step(r, Claim::Removed);
                    }
                    Fate::Disposed { r, d: dw } => {
                        step(r, Claim::Removed);
                        step(dw, Claim::Disposed);
                    }
                    Fate::Regressed { r, .. } => step(r, Claim::Removed),
                }
            }
        }
        out
    }

    /// The status of a device at the end of week `w`, from its fate alone.
    pub fn expected_status(&self, s: &SimSite, d: &SimDevice, w: u32) -> Option<Status> {
        if !d.in_programme || w < d.appears {
            return None;
        }
        if let Some((from, to)) = s.exception
            && w >= from
            && w < to
        {
            return Some(Status::Excepted);
        }
        Some(match d.fate {
            Fate::Untouched => Status::Identified,
            Fate::Isolated(a) => {
                if w >= a {
                    Status::Isolated
                } else {
                    Status::Identified
                }
            }
            Fate::Scheduled(a) => {
                if w >= a {
                    Status::Scheduled
                } else {
                    Status::Identified
                }
            }
            Fate::Removed { r, staged } => match w {
                w if w + 2 == r && staged => Status::Isolated,
                w if w + 1 == r && staged => Status::Scheduled,
                w if w < r => Status::Identified,
                w if w == r => Status::Removed,
                _ => Status::Verified,
            },
            Fate::Disposed { r, d: dw } => match w {
                w if w < r => Status::Identified,
                w if w == r => Status::Removed,
                w if w < dw => Status::Verified,
                _ => Status::Disposed,
            },
            // Lost by the agent on the second missed scan.
            Fate::Vanished(r) => {
                if w > r {
                    Status::NotSeen
                } else {
                    Status::Identified
                }
            }
            Fate::Regressed { r, b } => match w {
                w if w < r => Status::Identified,
                w if w == r => Status::Removed,
                w if w < b => Status::Verified,
                _ => Status::Regressed,
            },
        })
    }

    /// Counts by status at the end of week `w`, indexed by [`Status::index`].
    pub fn expected(&self, w: u32) -> [u32; 9] {
        let mut c = [0u32; 9];
        for s in &self.sites {
            for d in &s.devices {
                if let Some(st) = self.expected_status(s, d, w)
                    && let Some(x) = c.get_mut(st.index())
                {
                    *x += 1;
                }
            }
        }
        c
    }
}

/// One MQTT message as an agent publishes it.
#[derive(Clone, Debug)]
pub struct Message {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

/// A simulated agent: its inventory and sequence, as the real agent keeps them.
pub struct SimAgent {
    pub site: String,
    pub agent: String,
    boot_id: String,
    seq: u64,
    prefix: String,
    /// key -> (present, missed, scan id, record)
    inventory: std::collections::BTreeMap<String, (bool, u32, String, Device)>,
}

fn uuid_v7(ms: i64, n: u64) -> String {
    let ms = u64::try_from(ms).unwrap_or(0) & 0xffff_ffff_ffff;
    let mut r = Rng(n ^ 0x5eed);
    let a = r.next();
    format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
        ms >> 16,
        ms & 0xffff,
        a & 0xfff,
        0x8000 | ((a >> 12) & 0x3fff),
        (a >> 26) & 0xffff_ffff_ffff
    )
}

impl SimAgent {
    pub fn new(prefix: &str, site: &SimSite, boot: Ts) -> Self {
        Self {
            site: site.site.clone(),
            agent: site.agent.clone(),
            boot_id: uuid_v7(boot.0 * 1000, 1),
            seq: 0,
            prefix: prefix.to_owned(),
            inventory: std::collections::BTreeMap::new(),
        }
    }

    fn envelope(&mut self, schema: &str, ts: Ts) -> Envelope {
        self.seq += 1;
        let salt = self
            .site
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        Envelope {
            schema: schema.into(),
            msg_id: uuid_v7(ts.0 * 1000, salt ^ self.seq.wrapping_mul(0x1000_0001)),
            agent: self.agent.clone(),
            site: self.site.clone(),
            boot_id: self.boot_id.clone(),
            seq: self.seq,
            ts: ts.rfc3339(),
        }
    }

    fn topic(&self, rest: &str) -> String {
        format!("{}/v1/{}/{}/{rest}", self.prefix, self.site, self.agent)
    }

    fn counts(&self) -> InventoryCounts {
        let mut c = InventoryCounts::default();
        for (present, _, _, d) in self.inventory.values() {
            if *present {
                c.present += 1
            } else {
                c.absent += 1
            }
            if d.policy.restricted {
                c.restricted += 1
            }
        }
        c.digest = key_digest(self.inventory.keys().map(String::as_str));
        c
    }

    /// The retained `status` birth message, with the inventory counts.
    pub fn status(&mut self, ts: Ts) -> Message {
        let inventory = Some(self.counts());
        let m = StatusMessage {
            envelope: self.envelope(STATUS_SCHEMA, ts),
            state: AgentState::Online,
            reason: None,
            version: "0.1.0".into(),
            inventory,
            degraded: false,
        };
        Message {
            topic: self.topic("status"),
            payload: serde_json::to_vec(&m).unwrap_or_default(),
            retain: true,
        }
    }

    fn event(
        &mut self,
        kind: EventType,
        scan_id: &str,
        ts: Ts,
        fill: impl FnOnce(&mut EventMessage),
    ) -> Message {
        let mut e = EventMessage::new(self.envelope(EVENT_SCHEMA, ts), kind, scan_id);
        fill(&mut e);
        Message {
            topic: self.topic(&format!("event/{}", kind.as_str())),
            payload: serde_json::to_vec(&e).unwrap_or_default(),
            retain: false,
        }
    }

    fn device(&mut self, key: &str, ts: Ts) -> Option<Message> {
        let (present, _, scan_id, d) = self.inventory.get(key)?.clone();
        let m = DeviceMessage {
            envelope: self.envelope(DEVICE_SCHEMA, ts),
            device: d,
            state: if present {
                Presence::Present
            } else {
                Presence::Absent
            },
            scan_id,
        };
        Some(Message {
            topic: self.topic(&format!("device/{key}")),
            payload: serde_json::to_vec(&m).unwrap_or_default(),
            retain: true,
        })
    }

    /// Everything the agent publishes for one full scan of the devices `seen`, started at
    /// `at`, in the order the agent queues it.
    pub fn scan(&mut self, at: Ts, seen: &[&Device]) -> Vec<Message> {
        let scan_id = uuid_v7(at.0 * 1000, self.seq + 77);
        let finished = Ts(at.0 + 600);
        let mut out = vec![self.event(EventType::ScanStarted, &scan_id, at, |m| {
            m.trigger = Some(Trigger::Schedule)
        })];
        let mut t = Ts(at.0 + 60);
        let seen_keys: std::collections::BTreeSet<&str> =
            seen.iter().map(|d| d.key.as_str()).collect();
        for d in seen {
            let mut rec = (*d).clone();
            rec.last_seen = t.rfc3339();
            let known = self.inventory.get(&d.key).cloned();
            if let Some((_, _, _, old)) = &known {
                rec.first_seen.clone_from(&old.first_seen);
            } else {
                rec.first_seen = t.rfc3339();
            }
            self.inventory
                .insert(d.key.clone(), (true, 0, scan_id.clone(), rec.clone()));
            match known {
                None => out.push(self.event(EventType::DeviceNew, &scan_id, t, |m| {
                    m.key = Some(rec.key.clone());
                    m.device = Some(Box::new(rec.clone()));
                })),
                Some((false, ..)) => {
                    out.push(self.event(EventType::DeviceChanged, &scan_id, t, |m| {
                        m.key = Some(rec.key.clone());
                        m.device = Some(Box::new(rec.clone()));
                        m.changes = vec![crate::payload::FieldChange {
                            field: "state".into(),
                            old: Some("absent".into()),
                            new: Some("present".into()),
                        }];
                    }))
                }
                Some(_) => {}
            }
            out.extend(self.device(&d.key, t));
            t = Ts(t.0 + 1);
        }
        let missed: Vec<String> = self
            .inventory
            .keys()
            .filter(|k| !seen_keys.contains(k.as_str()))
            .cloned()
            .collect();
        for k in missed {
            let lost = match self.inventory.get_mut(&k) {
                Some(e) => {
                    e.1 += 1;
                    let lost = e.0 && e.1 >= ABSENT_AFTER;
                    if lost {
                        e.0 = false;
                    }
                    lost
                }
                None => false,
            };
            if lost {
                let rec = self.inventory.get(&k).map(|e| e.3.clone());
                let sid = scan_id.clone();
                out.push(self.event(EventType::DeviceLost, &sid, t, |m| {
                    m.key = Some(k.clone());
                    m.device = rec.map(Box::new);
                }));
                out.extend(self.device(&k, t));
            }
        }
        let summary = Summary::of(&seen.iter().map(|d| (*d).clone()).collect::<Vec<_>>());
        let counts = self.counts();
        out.push(
            self.event(EventType::ScanFinished, &scan_id, finished, |m| {
                m.trigger = Some(Trigger::Schedule);
                m.summary = Some(summary);
                m.inventory = Some(counts);
                m.started_at = Some(at.rfc3339());
                m.finished_at = Some(finished.rfc3339());
            }),
        );
        out
    }
}

/// Every message of the whole simulation, site by site and week by week, as
/// `(week, messages)`: a status at boot, then each week's scan.
pub fn messages(fleet: &Fleet, prefix: &str) -> Vec<(u32, Vec<Message>)> {
    let mut agents: Vec<SimAgent> = fleet
        .sites
        .iter()
        .map(|s| SimAgent::new(prefix, s, fleet.start))
        .collect();
    let mut out = Vec::new();
    for w in 0..fleet.weeks {
        let mut week = Vec::new();
        for (s, a) in fleet.sites.iter().zip(agents.iter_mut()) {
            if w == 0 {
                week.push(a.status(fleet.start));
            }
            let seen: Vec<&Device> = s
                .devices
                .iter()
                .filter(|d| d.present(w))
                .map(|d| &d.record)
                .collect();
            week.extend(a.scan(fleet.scan_at(w), &seen));
            week.push(a.status(Ts(fleet.scan_at(w).0 + 601)));
        }
        out.push((w, week));
    }
    out
}
