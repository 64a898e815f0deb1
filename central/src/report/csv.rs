//! The estate's tables as CSV: devices (the DESIGN.md columns plus the programme's), sites,
//! burn-down, makers, exceptions, changes and agents. Shared by the XLSX sheets.

use crate::model::Estate;
use crate::report::ReportError;

pub const TABLES: [&str; 7] = [
    "devices",
    "sites",
    "burndown",
    "makers",
    "exceptions",
    "changes",
    "agents",
];

/// One table: a header and rows of cells.
pub struct Table {
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell keeps numbers as numbers for the spreadsheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Num(f64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Num(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Self::Num(n) => format!("{n:.2}"),
        }
    }
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}
fn o(s: &Option<String>) -> Cell {
    Cell::Text(s.clone().unwrap_or_default())
}
fn n(v: impl Into<f64>) -> Cell {
    Cell::Num(v.into())
}
fn d(v: Option<crate::time::Ts>) -> Cell {
    Cell::Text(v.map(|t| t.date()).unwrap_or_default())
}

pub fn table(e: &Estate, name: &str) -> Option<Table> {
    Some(match name {
        "devices" => Table {
            name: "devices",
            header: vec![
                "site",
                "agent",
                "ip",
                "mac",
                "maker",
                "brand",
                "rebrand",
                "restricted",
                "lists",
                "confidence",
                "manufacturer",
                "model",
                "firmware",
                "serial",
                "discovered_by",
                "auth",
                "org",
                "region",
                "sensitivity",
                "in_programme",
                "status",
                "status_date",
                "present",
                "first_seen",
                "last_seen",
                "exception",
                "contract",
                "breach",
                "key",
            ],
            rows: e
                .devices
                .iter()
                .map(|x| {
                    let site = e.sites.iter().find(|s| s.site_id == x.site_id);
                    vec![
                        t(&x.site_id),
                        t(&x.agent),
                        t(&x.ip),
                        o(&x.mac),
                        o(&x.maker),
                        o(&x.brand),
                        t(x.rebrand.to_string()),
                        t((!x.restricted_under.is_empty()).to_string()),
                        t(x.restricted_under.join(";")),
                        o(&x.confidence),
                        o(&x.manufacturer),
                        o(&x.model),
                        o(&x.firmware),
                        o(&x.serial),
                        t(x.discovered_by.join(";")),
                        t(&x.auth),
                        t(site.map(|s| s.org.clone()).unwrap_or_default()),
                        t(site.map(|s| s.region.clone()).unwrap_or_default()),
                        t(site.map(|s| s.sensitivity.clone()).unwrap_or_default()),
                        t(x.in_programme.to_string()),
                        t(x.status.map(|s| s.as_str()).unwrap_or("")),
                        d(x.status_since),
                        t(x.present.to_string()),
                        t(x.first_seen.rfc3339()),
                        t(x.last_seen.map(|t| t.rfc3339()).unwrap_or_default()),
                        o(&x.exception),
                        t(x.contract
                            .as_ref()
                            .map(|c| c.reference.clone())
                            .unwrap_or_default()),
                        t(x.breach.to_string()),
                        t(&x.key),
                    ]
                })
                .collect(),
        },
        "sites" => Table {
            name: "sites",
            header: vec![
                "site",
                "name",
                "org",
                "region",
                "kind",
                "sensitivity",
                "registered",
                "in_scope",
                "agents_expected",
                "agents_seen",
                "agents_online",
                "last_scan",
                "cameras",
                "restricted",
                "top_makers",
                "rebrands",
                "unidentified",
                "in_progress",
                "done",
                "remaining",
                "excepted",
                "regressed",
                "breaches",
                "deadline",
                "rag",
                "band",
            ],
            rows: e
                .sites
                .iter()
                .map(|s| {
                    vec![
                        t(&s.site_id),
                        t(&s.name),
                        t(&s.org),
                        t(&s.region),
                        t(&s.kind),
                        t(&s.sensitivity),
                        t(s.registered.to_string()),
                        t(s.in_scope.to_string()),
                        n(s.agents_expected),
                        n(s.agents_seen),
                        n(s.agents_online),
                        d(s.last_scan),
                        n(s.cameras),
                        n(s.restricted),
                        t(&s.top_makers),
                        n(s.rebrands),
                        n(s.unidentified),
                        n(s.in_progress),
                        n(s.done),
                        n(s.remaining),
                        n(s.excepted),
                        n(s.regressed),
                        n(s.breaches),
                        d(s.deadline),
                        t(s.rag),
                        t(s.band),
                    ]
                })
                .collect(),
        },
        "burndown" => {
            let mut header = vec!["date"];
            header.extend(crate::state::Status::ALL.iter().map(|s| s.as_str()));
            header.extend(["remaining", "done", "verified_total"]);
            Table {
                name: "burndown",
                header,
                rows: e
                    .series
                    .iter()
                    .map(|p| {
                        let mut r = vec![t(p.at.date())];
                        r.extend(p.counts.iter().map(|c| n(*c)));
                        r.extend([n(p.remaining()), n(p.done()), n(p.verified_total)]);
                        r
                    })
                    .collect(),
            }
        }
        "makers" => Table {
            name: "makers",
            header: vec![
                "maker",
                "devices",
                "sites",
                "rebrands",
                "brands",
                "restricted_uk_nil",
                "restricted_us_ndaa_889",
            ],
            rows: e
                .makers
                .iter()
                .map(|m| {
                    let brands: Vec<String> =
                        m.brands.iter().map(|(b, c)| format!("{b} {c}")).collect();
                    vec![
                        t(&m.maker),
                        n(m.devices),
                        n(m.sites),
                        n(m.rebrands),
                        t(brands.join(";")),
                        t(m.restricted_uk_nil.to_string()),
                        t(m.restricted_us_ndaa_889.to_string()),
                    ]
                })
                .collect(),
        },
        "exceptions" => Table {
            name: "exceptions",
            header: vec![
                "id",
                "site",
                "device_key",
                "reason",
                "controls",
                "owner",
                "approver",
                "approved_at",
                "approved_by",
                "review_by",
                "expires_at",
                "state",
                "devices_present",
                "flag",
            ],
            rows: e
                .exceptions
                .iter()
                .map(|x| {
                    vec![
                        t(&x.id),
                        t(&x.site_id),
                        o(&x.device_key),
                        t(&x.reason),
                        t(&x.controls),
                        t(&x.owner),
                        t(&x.approver),
                        t(x.approved_at.date()),
                        t(&x.approved_by),
                        d(x.review_by),
                        t(x.expires_at.date()),
                        t(x.state),
                        n(x.devices_present),
                        t(x.flag.to_string()),
                    ]
                })
                .collect(),
        },
        "changes" => Table {
            name: "changes",
            header: vec![
                "change", "at", "site", "key", "maker", "model", "breach", "note",
            ],
            rows: [
                ("new-restricted", &e.changes.new_restricted),
                ("regression", &e.changes.regressions),
                ("disappearance", &e.changes.disappearances),
            ]
            .into_iter()
            .flat_map(|(kind, rows)| {
                rows.iter().map(move |r| {
                    vec![
                        t(kind),
                        t(r.at.rfc3339()),
                        t(&r.site_id),
                        t(&r.key),
                        o(&r.maker),
                        o(&r.model),
                        t(r.breach.to_string()),
                        t(&r.note),
                    ]
                })
            })
            .collect(),
        },
        "agents" => Table {
            name: "agents",
            header: vec![
                "site",
                "agent",
                "state",
                "version",
                "last_heard",
                "last_completed_scan",
                "completed_scans",
                "partial_scans",
                "failed_scans",
                "reported_records",
                "held_records",
                "completeness",
                "silent",
            ],
            rows: e
                .agents
                .iter()
                .map(|a| {
                    vec![
                        t(&a.site_id),
                        t(&a.agent),
                        t(&a.state),
                        t(&a.version),
                        t(a.last_heard.map(|t| t.rfc3339()).unwrap_or_default()),
                        d(a.last_completed_scan),
                        n(a.completed_scans),
                        n(a.partial_scans),
                        n(a.failed_scans),
                        t(a.reported_records
                            .map(|r| r.to_string())
                            .unwrap_or_default()),
                        n(a.held_records as f64),
                        t(a.completeness),
                        t(a.silent.to_string()),
                    ]
                })
                .collect(),
        },
        _ => return None,
    })
}

pub fn render(e: &Estate, name: &str) -> Result<Vec<u8>, ReportError> {
    let tbl = table(e, name).ok_or_else(|| ReportError::Table(name.to_owned()))?;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(&tbl.header)?;
    for r in &tbl.rows {
        w.write_record(r.iter().map(|c| defuse(&c.text())))?;
    }
    w.into_inner().map_err(|e| ReportError::Io(e.into_error()))
}

/// Spreadsheet formula injection: camera strings are attacker-controlled, and a cell starting
/// with `=`, `+`, `-` or `@` would be evaluated by the program that opens the file.
pub fn defuse(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => format!("'{s}"),
        Some('-') if s.parse::<f64>().is_err() => format!("'{s}"),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defuses_formulas_from_cameras() {
        let cases = [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-5", "-5"),
            ("-x", "'-x"),
            ("@A1", "'@A1"),
            ("DS-2CD", "DS-2CD"),
        ];
        for (input, want) in cases {
            assert_eq!(defuse(input), want);
        }
    }
}
