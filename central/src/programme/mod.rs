//! The human side of the programme: its definition (deadline, targets, lens, scope), the site
//! registry, contracts, removal claims and the exception register, each written as an
//! append-only [`Action`] that is also the audit log.
//!
//! [`Registry::from_actions`] folds the actions up to a date into what was in force then.

pub mod import;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Ts;

/// Which policy list decides "restricted" for the programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Lens {
    #[serde(rename = "uk-nil")]
    UkNil,
    #[serde(rename = "us-ndaa-889")]
    UsNdaa889,
}

impl Lens {
    pub const ALL: [Self; 2] = [Self::UkNil, Self::UsNdaa889];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UkNil => "uk-nil",
            Self::UsNdaa889 => "us-ndaa-889",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// An interim target: `pct` per cent of the in-scope devices removed by `date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub date: Ts,
    pub pct: u8,
}

/// Which sites the programme covers; an empty list means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default)]
    pub sensitivity: Vec<String>,
    #[serde(default)]
    pub kind: Vec<String>,
    #[serde(default)]
    pub region: Vec<String>,
    #[serde(default)]
    pub org: Vec<String>,
}

impl Scope {
    /// Whether `site` is covered. A site missing from the registry is covered only by an
    /// unrestricted scope: it cannot be shown to be outside it.
    pub fn covers(&self, site: Option<&Site>) -> bool {
        let any = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
        };
        any(&self.sensitivity, site.map(|s| s.sensitivity.as_str()))
            && any(&self.kind, site.map(|s| s.kind.as_str()))
            && any(&self.region, site.map(|s| s.region.as_str()))
            && any(&self.org, site.map(|s| s.org.as_str()))
    }

    /// `sensitivity=high|medium;kind=school`, as on the command line.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut scope = Self::default();
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(format!("scope part {part:?} is not key=value"));
            };
            let values: Vec<String> = v.split('|').map(|x| x.trim().to_owned()).collect();
            match k.trim() {
                "sensitivity" => scope.sensitivity = values,
                "kind" => scope.kind = values,
                "region" => scope.region = values,
                "org" => scope.org = values,
                other => {
                    return Err(format!(
                        "unknown scope key {other:?} (sensitivity, kind, region, org)"
                    ));
                }
            }
        }
        Ok(scope)
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("sensitivity", &self.sensitivity),
            ("kind", &self.kind),
            ("region", &self.region),
            ("org", &self.org),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k} {}", v.join("/")));
            }
        }
        if parts.is_empty() {
            "all sites".into()
        } else {
            parts.join(", ")
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub name: String,
    pub lens: Lens,
    pub baseline: Ts,
    pub deadline: Ts,
    pub no_new_deployments: Option<Ts>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub scope: Scope,
}

/// A site of the registry (imported from CSV).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub site_id: String,
    pub org: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub sensitivity: String,
    pub expected_agents: u32,
    pub deadline: Option<Ts>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub site_id: String,
    /// `None`: the contract covers the whole site.
    pub device_key: Option<String>,
    pub supplier: String,
    pub reference: String,
    pub maintenance_end: Option<Ts>,
    pub scheduled_upgrade: Option<Ts>,
    pub cost_estimate: Option<f64>,
}

/// A human removal step; `verified` is never a claim, it is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Claim {
    Isolated,
    Scheduled,
    Removed,
    Disposed,
}

impl Claim {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "isolated" => Some(Self::Isolated),
            "scheduled" => Some(Self::Scheduled),
            "removed" => Some(Self::Removed),
            "disposed" => Some(Self::Disposed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Isolated => "isolated",
            Self::Scheduled => "scheduled",
            Self::Removed => "removed",
            Self::Disposed => "disposed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub site_id: String,
    pub device_key: String,
    pub claim: Claim,
    /// Work order, engineer sign-off or disposal certificate.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
}

/// A risk acceptance: the device (or the whole site) stays, for a reason, until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub id: String,
    pub site_id: String,
    pub device_key: Option<String>,
    pub reason: String,
    pub controls: String,
    pub owner: String,
    pub approver: String,
    pub review_by: Option<Ts>,
    pub expires_at: Ts,
}

/// Everything a person can change, each a row of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Change {
    ProgrammeSet(Programme),
    SiteUpsert(Site),
    ContractUpsert(Contract),
    Step(Step),
    ExceptionAdd(Exception),
    ExceptionRenew {
        id: String,
        expires_at: Ts,
        review_by: Option<Ts>,
    },
    ExceptionWithdraw {
        id: String,
    },
}

impl Change {
    pub fn name(&self) -> &'static str {
        match self {
            Self::ProgrammeSet(_) => "programme-set",
            Self::SiteUpsert(_) => "site-upsert",
            Self::ContractUpsert(_) => "contract-upsert",
            Self::Step(_) => "step",
            Self::ExceptionAdd(_) => "exception-add",
            Self::ExceptionRenew { .. } => "exception-renew",
            Self::ExceptionWithdraw { .. } => "exception-withdraw",
        }
    }

    /// What the change is about, for the audit log's `object` column.
    pub fn object(&self) -> String {
        match self {
            Self::ProgrammeSet(p) => format!("programme:{}", p.name),
            Self::SiteUpsert(s) => format!("site:{}", s.site_id),
            Self::ContractUpsert(c) => match &c.device_key {
                Some(k) => format!("contract:{}/{k}", c.site_id),
                None => format!("contract:{}", c.site_id),
            },
            Self::Step(s) => format!("device:{}/{}", s.site_id, s.device_key),
            Self::ExceptionAdd(e) => format!("exception:{}", e.id),
            Self::ExceptionRenew { id, .. } | Self::ExceptionWithdraw { id } => {
                format!("exception:{id}")
            }
        }
    }
}

/// A change as recorded: who, when it takes effect, when it was written, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// Store-assigned, increasing; 0 before the store assigned one.
    pub id: i64,
    /// When the change takes effect (defaults to `recorded_at`).
    pub at: Ts,
    pub recorded_at: Ts,
    pub actor: String,
    pub reason: String,
    pub change: Change,
    /// The object as it was before, for the audit log (JSON), if it existed.
    pub before: Option<serde_json::Value>,
}

/// One version of an exception, in force from `from` until withdrawn, expired or renewed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExceptionEntry {
    pub exception: Exception,
    pub approved_at: Ts,
    pub withdrawn_at: Option<Ts>,
    /// `(effective at, new expiry, new review date)` for every renewal.
    pub renewals: Vec<(Ts, Ts, Option<Ts>)>,
    pub actor: String,
}

impl ExceptionEntry {
    /// The expiry in force at `t`.
    pub fn expires_at(&self, t: Ts) -> Ts {
        self.renewals
            .iter()
            .filter(|(at, _, _)| *at <= t)
            .map(|(_, e, _)| *e)
            .next_back()
            .unwrap_or(self.exception.expires_at)
    }

    pub fn active_at(&self, t: Ts) -> bool {
        self.approved_at <= t && self.withdrawn_at.is_none_or(|w| t < w) && t < self.expires_at(t)
    }

    /// Instants at which the exception may start or stop covering.
    pub fn boundaries(&self) -> Vec<Ts> {
        let mut b = vec![self.approved_at, self.exception.expires_at];
        b.extend(self.withdrawn_at);
        for (at, e, _) in &self.renewals {
            b.push(*at);
            b.push(*e);
        }
        b
    }

    pub fn covers(&self, site: &str, key: &str) -> bool {
        self.exception.site_id == site
            && self
                .exception
                .device_key
                .as_deref()
                .is_none_or(|k| k == key)
    }
}

/// The human reference data in force at a date.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub programme: Option<Programme>,
    pub sites: BTreeMap<String, Site>,
    pub contracts: Vec<Contract>,
    pub exceptions: BTreeMap<String, ExceptionEntry>,
    /// Removal claims, in effect order.
    pub steps: Vec<(Ts, Step, String)>,
}

impl Registry {
    /// Folds `actions` (any order) with `at <= as_at`.
    pub fn from_actions(actions: &[Action], as_at: Ts) -> Self {
        let mut sorted: Vec<&Action> = actions.iter().filter(|a| a.at <= as_at).collect();
        sorted.sort_by_key(|a| (a.at, a.id));
        let mut r = Self::default();
        for a in sorted {
            r.apply(a);
        }
        r
    }

    fn apply(&mut self, a: &Action) {
        match &a.change {
            Change::ProgrammeSet(p) => self.programme = Some(p.clone()),
            Change::SiteUpsert(s) => {
                self.sites.insert(s.site_id.clone(), s.clone());
            }
            Change::ContractUpsert(c) => {
                self.contracts
                    .retain(|x| !(x.site_id == c.site_id && x.device_key == c.device_key));
                self.contracts.push(c.clone());
            }
            Change::Step(s) => self.steps.push((a.at, s.clone(), a.actor.clone())),
            Change::ExceptionAdd(e) => {
                self.exceptions.insert(
                    e.id.clone(),
                    ExceptionEntry {
                        exception: e.clone(),
                        approved_at: a.at,
                        withdrawn_at: None,
                        renewals: Vec::new(),
                        actor: a.actor.clone(),
                    },
                );
            }
            Change::ExceptionRenew {
                id,
                expires_at,
                review_by,
            } => {
                if let Some(e) = self.exceptions.get_mut(id) {
                    e.renewals.push((a.at, *expires_at, *review_by));
                }
            }
            Change::ExceptionWithdraw { id } => {
                if let Some(e) = self.exceptions.get_mut(id) {
                    e.withdrawn_at.get_or_insert(a.at);
                }
            }
        }
    }

    pub fn contract_for(&self, site: &str, key: &str) -> Option<&Contract> {
        self.contracts
            .iter()
            .find(|c| c.site_id == site && c.device_key.as_deref() == Some(key))
            .or_else(|| {
                self.contracts
                    .iter()
                    .find(|c| c.site_id == site && c.device_key.is_none())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: i64, at: i64, change: Change) -> Action {
        Action {
            id,
            at: Ts(at),
            recorded_at: Ts(at),
            actor: "alice".into(),
            reason: "test".into(),
            change,
            before: None,
        }
    }

    fn exception(expires: i64) -> Exception {
        Exception {
            id: "E1".into(),
            site_id: "s1".into(),
            device_key: None,
            reason: "lift CCTV, no alternative".into(),
            controls: "isolated VLAN".into(),
            owner: "estates".into(),
            approver: "ciso".into(),
            review_by: None,
            expires_at: Ts(expires),
        }
    }

    #[test]
    fn exception_windows_follow_renewals_and_withdrawal() {
        let actions = [
            action(1, 100, Change::ExceptionAdd(exception(200))),
            action(
                2,
                150,
                Change::ExceptionRenew {
                    id: "E1".into(),
                    expires_at: Ts(300),
                    review_by: None,
                },
            ),
            action(3, 250, Change::ExceptionWithdraw { id: "E1".into() }),
        ];
        let r = Registry::from_actions(&actions, Ts(1000));
        let e = &r.exceptions["E1"];
        let cases = [
            (99, false),
            (100, true),
            (149, true),
            (199, true),
            (200, true),
            (249, true),
            (250, false),
            (299, false),
        ];
        for (t, want) in cases {
            assert_eq!(e.active_at(Ts(t)), want, "t={t}");
        }
        assert!(e.covers("s1", "any-device"));
        assert!(!e.covers("s2", "any-device"));
        // As at 120 the renewal and the withdrawal had not happened: the first expiry holds.
        let early = Registry::from_actions(&actions, Ts(120));
        assert!(!early.exceptions["E1"].active_at(Ts(200)));
    }

    #[test]
    fn scope_matches_registry_fields() {
        let scope = Scope::parse("sensitivity=high|medium;kind=school").unwrap();
        let mut site = Site {
            site_id: "s".into(),
            sensitivity: "high".into(),
            kind: "school".into(),
            ..Site::default()
        };
        assert!(scope.covers(Some(&site)));
        site.sensitivity = "low".into();
        assert!(!scope.covers(Some(&site)));
        assert!(!scope.covers(None));
        assert!(Scope::default().covers(None));
        assert!(Scope::parse("colour=red").is_err());
        assert_eq!(scope.describe(), "sensitivity high/medium, kind school");
    }
}
