//! The estate as at one instant: the data every view and export is rendered from.
//!
//! Built by [`crate::ledger`], redacted by [`crate::redact`], rendered by [`crate::report`].
//! Every format renders this one structure, so the spreadsheet and the board pack agree.

use camaudit_protocol::record::Evidence;
use serde::Serialize;

use crate::burndown::{Point, Projection};
use crate::programme::{Contract, Programme};
use crate::state::Status;
use crate::time::Ts;

#[derive(Clone, Debug, Serialize)]
pub struct Estate {
    pub schema: &'static str,
    pub as_at: Ts,
    pub programme: Option<Programme>,
    /// What was redacted (`sites`, `ips`, `serials`).
    pub redacted: Vec<String>,
    pub tiles: Tiles,
    pub series: Vec<Point>,
    pub weekly_verified: Vec<(Ts, u32)>,
    pub projection: Option<Projection>,
    pub sites: Vec<SiteRow>,
    pub devices: Vec<DeviceRow>,
    pub makers: Vec<MakerRow>,
    pub exceptions: Vec<ExceptionRow>,
    pub changes: Changes,
    pub coverage: Coverage,
    pub agents: Vec<AgentRow>,
    /// Inputs the ledger could not apply (a claim for an unknown device, a refused step).
    pub warnings: Vec<String>,
}

pub const SCHEMA: &str = "camaudit.central.estate/1";

#[derive(Clone, Debug, Default, Serialize)]
pub struct Tiles {
    /// Remaining restricted devices attributed with high or medium confidence.
    pub remaining_confirmed: u32,
    /// Remaining restricted devices attributed with low confidence only.
    pub remaining_suspected: u32,
    pub unidentified: u32,
    pub verified: u32,
    pub disposed: u32,
    pub exceptions_active: u32,
    pub exceptions_expiring_30d: u32,
    pub sites_registered: u32,
    pub sites_reporting: u32,
    pub sites_silent: u32,
    pub coverage_pct: f64,
    pub days_to_deadline: Option<i64>,
    pub projected_completion: Option<Ts>,
    pub verdict: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiteRow {
    pub site_id: String,
    pub org: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub sensitivity: String,
    pub registered: bool,
    pub in_scope: bool,
    pub agents_expected: u32,
    pub agents_seen: u32,
    pub agents_online: u32,
    pub last_scan: Option<Ts>,
    pub cameras: u32,
    pub restricted: u32,
    pub top_makers: String,
    pub rebrands: u32,
    pub unidentified: u32,
    pub in_progress: u32,
    pub done: u32,
    pub remaining: u32,
    pub excepted: u32,
    pub regressed: u32,
    pub breaches: u32,
    pub deadline: Option<Ts>,
    /// `red`, `amber`, `green` or `grey` (no completed scan: unknown, not zero).
    pub rag: &'static str,
    /// `unknown`, `none-found`, `not-started`, `in-progress`, `complete`, `excepted`.
    pub band: &'static str,
    /// Remaining at weekly points, oldest first.
    pub sparkline: Vec<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Transition {
    pub at: Ts,
    pub status: Status,
    /// `auto` or the actor of the claim.
    pub by: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordChange {
    pub at: Ts,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DeviceRow {
    pub site_id: String,
    pub agent: String,
    pub key: String,
    pub ip: String,
    pub mac: Option<String>,
    pub hostname: Option<String>,
    pub maker: Option<String>,
    pub brand: Option<String>,
    pub rebrand: bool,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub confidence: Option<String>,
    /// Lists the agent named in the record.
    pub lists: Vec<String>,
    /// Lenses under which central finds the maker restricted (record lists and policy data).
    pub restricted_under: Vec<String>,
    pub in_programme: bool,
    pub status: Option<Status>,
    pub status_since: Option<Ts>,
    pub present: bool,
    pub first_seen: Ts,
    pub last_seen: Option<Ts>,
    pub scan_id: String,
    pub discovered_by: Vec<String>,
    pub auth: String,
    pub exception: Option<String>,
    pub contract: Option<Contract>,
    /// Restricted and first seen after the no-new-deployments date at an already-scanned site.
    pub breach: bool,
    pub evidence: Vec<Evidence>,
    pub history: Vec<Transition>,
    pub record_changes: Vec<RecordChange>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MakerRow {
    pub maker: String,
    pub devices: u32,
    pub sites: u32,
    pub rebrands: u32,
    /// `(brand, devices)`, most first; the maker's own name included.
    pub brands: Vec<(String, u32)>,
    pub restricted_uk_nil: bool,
    pub restricted_us_ndaa_889: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExceptionRow {
    pub id: String,
    pub site_id: String,
    pub device_key: Option<String>,
    pub reason: String,
    pub controls: String,
    pub owner: String,
    pub approver: String,
    pub approved_at: Ts,
    pub approved_by: String,
    pub review_by: Option<Ts>,
    pub expires_at: Ts,
    /// `active`, `expired`, `withdrawn`.
    pub state: &'static str,
    /// Devices the exception covers that are still present.
    pub devices_present: u32,
    /// Expired or withdrawn while a covered device is still present.
    pub flag: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Changes {
    pub new_restricted: Vec<ChangeRow>,
    pub regressions: Vec<ChangeRow>,
    pub disappearances: Vec<ChangeRow>,
    pub silent_agents: Vec<AgentRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChangeRow {
    pub site_id: String,
    pub key: String,
    pub maker: Option<String>,
    pub model: Option<String>,
    pub at: Ts,
    pub breach: bool,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentRow {
    pub site_id: String,
    pub agent: String,
    pub state: String,
    pub version: String,
    pub last_heard: Option<Ts>,
    pub last_completed_scan: Option<Ts>,
    pub completed_scans: u32,
    /// Completed scans central did not see every device message of (not used to verify).
    pub partial_scans: u32,
    pub failed_scans: u32,
    /// The agent's own count of retained records, and central's.
    pub reported_records: Option<usize>,
    pub held_records: usize,
    /// `complete`, `incomplete` or `unknown` (the agent has not reported its counts).
    pub completeness: &'static str,
    pub silent: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Coverage {
    pub sites_registered: u32,
    pub sites_with_agent: u32,
    pub sites_scanned_fresh: u32,
    pub sites_never_scanned: Vec<String>,
    pub sites_silent: Vec<String>,
    pub unregistered_sites: Vec<String>,
    /// Last-scan age buckets: `(label, sites)`.
    pub scan_age: Vec<(String, u32)>,
    pub methods: Vec<(String, u32)>,
    /// Devices whose identity needed and got authentication, needed and failed, or was not tried.
    pub auth_ok: u32,
    pub auth_failed: u32,
    pub auth_not_tried: u32,
    pub fresh_days: i64,
    pub silent_days: i64,
}
