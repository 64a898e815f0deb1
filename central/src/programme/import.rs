//! Site registry, contracts and removal claims from CSV, as the central team keeps them in a
//! spreadsheet. Header names are fixed (see each function); unknown columns are an error, so a
//! typo does not silently drop a field.

use std::io::Read;

use crate::programme::{Claim, Contract, Site, Step};
use crate::time::Ts;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("line {line}: column {column:?}: {reason}")]
    Field {
        line: u64,
        column: &'static str,
        reason: String,
    },
    #[error("unknown column {column:?}; expected {expected}")]
    Column { column: String, expected: String },
    #[error("more than {max} rows")]
    TooMany { max: usize },
}

/// A registry of a national estate is tens of thousands of rows, not millions.
pub const MAX_ROWS: usize = 1_000_000;

pub const SITE_COLUMNS: [&str; 9] = [
    "site_id",
    "org",
    "name",
    "kind",
    "region",
    "sensitivity",
    "expected_agents",
    "deadline",
    "notes",
];
pub const CONTRACT_COLUMNS: [&str; 7] = [
    "site_id",
    "device_key",
    "supplier",
    "reference",
    "maintenance_end",
    "scheduled_upgrade",
    "cost_estimate",
];
pub const STEP_COLUMNS: [&str; 6] = ["site_id", "device_key", "status", "at", "reference", "note"];

struct Rows<R> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
}

impl<R: Read> Rows<R> {
    fn new(input: R, allowed: &[&str]) -> Result<Self, ImportError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
        for h in &headers {
            if !allowed.contains(&h.as_str()) {
                return Err(ImportError::Column {
                    column: h.chars().take(64).collect(),
                    expected: allowed.join(","),
                });
            }
        }
        Ok(Self { reader, headers })
    }

    fn each(
        mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        for (n, rec) in self.reader.records().enumerate() {
            if n >= MAX_ROWS {
                return Err(ImportError::TooMany { max: MAX_ROWS });
            }
            let rec = rec?;
            let line = rec.position().map_or(0, csv::Position::line);
            f(&Row {
                rec: &rec,
                headers: &self.headers,
                line,
            })?;
        }
        Ok(())
    }
}

struct Row<'a> {
    rec: &'a csv::StringRecord,
    headers: &'a [String],
    line: u64,
}

impl Row<'_> {
    fn text(&self, column: &'static str) -> String {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.rec.get(i))
            .unwrap_or("")
            .to_owned()
    }

    fn required(&self, column: &'static str) -> Result<String, ImportError> {
        let v = self.text(column);
        if v.is_empty() {
            return Err(self.err(column, "is required".into()));
        }
        Ok(v)
    }

    fn opt(&self, column: &'static str) -> Option<String> {
        Some(self.text(column)).filter(|v| !v.is_empty())
    }

    fn date(&self, column: &'static str) -> Result<Option<Ts>, ImportError> {
        self.opt(column)
            .map(|v| Ts::parse(&v).map_err(|e| self.err(column, e.to_string())))
            .transpose()
    }

    fn err(&self, column: &'static str, reason: String) -> ImportError {
        ImportError::Field {
            line: self.line,
            column,
            reason,
        }
    }
}

/// Columns: `site_id,org,name,kind,region,sensitivity,expected_agents,deadline,notes`.
pub fn sites(input: impl Read) -> Result<Vec<Site>, ImportError> {
    let mut out = Vec::new();
    Rows::new(input, &SITE_COLUMNS)?.each(|r| {
        let expected = r.opt("expected_agents").unwrap_or_else(|| "1".into());
        out.push(Site {
            site_id: r.required("site_id")?,
            org: r.text("org"),
            name: r.text("name"),
            kind: r.text("kind"),
            region: r.text("region"),
            sensitivity: r.text("sensitivity"),
            expected_agents: expected
                .parse()
                .map_err(|_| r.err("expected_agents", format!("{expected:?} is not a count")))?,
            deadline: r.date("deadline")?,
            notes: r.text("notes"),
        });
        Ok(())
    })?;
    Ok(out)
}

/// Columns: `site_id,device_key,supplier,reference,maintenance_end,scheduled_upgrade,cost_estimate`.
pub fn contracts(input: impl Read) -> Result<Vec<Contract>, ImportError> {
    let mut out = Vec::new();
    Rows::new(input, &CONTRACT_COLUMNS)?.each(|r| {
        let cost = r
            .opt("cost_estimate")
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|c| c.is_finite() && *c >= 0.0)
                    .ok_or_else(|| r.err("cost_estimate", format!("{v:?} is not an amount")))
            })
            .transpose()?;
        out.push(Contract {
            site_id: r.required("site_id")?,
            device_key: r.opt("device_key"),
            supplier: r.text("supplier"),
            reference: r.text("reference"),
            maintenance_end: r.date("maintenance_end")?,
            scheduled_upgrade: r.date("scheduled_upgrade")?,
            cost_estimate: cost,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Columns: `site_id,device_key,status,at,reference,note`; `at` may be empty (now).
pub fn steps(input: impl Read) -> Result<Vec<(Option<Ts>, Step)>, ImportError> {
    let mut out = Vec::new();
    Rows::new(input, &STEP_COLUMNS)?.each(|r| {
        let status = r.required("status")?;
        let claim = Claim::parse(&status).ok_or_else(|| {
            r.err(
                "status",
                format!("{status:?} is not isolated, scheduled, removed or disposed"),
            )
        })?;
        out.push((
            r.date("at")?,
            Step {
                site_id: r.required("site_id")?,
                device_key: r.required("device_key")?,
                claim,
                reference: r.text("reference"),
                note: r.text("note"),
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_a_site_registry() {
        let csv = "site_id,org,name,kind,region,sensitivity,expected_agents,deadline\n\
                   school-042,DfE,Hill School,school,North,high,2,2027-03-31\n\
                   hq,Cabinet Office,70 Whitehall,office,London,high,,\n";
        let sites = sites(csv.as_bytes()).unwrap();
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].expected_agents, 2);
        assert_eq!(sites[0].deadline, Some(Ts::parse("2027-03-31").unwrap()));
        assert_eq!(sites[1].expected_agents, 1);
        assert_eq!(sites[1].name, "70 Whitehall");
    }

    #[test]
    fn refuses_bad_rows_with_line_and_column() {
        let cases = [
            ("site_id,colour\ns,red\n", "unknown column \"colour\""),
            (
                "site_id,expected_agents\ns,many\n",
                "line 2: column \"expected_agents\"",
            ),
            ("site_id,deadline\ns,soon\n", "line 2: column \"deadline\""),
            ("org\nx\n", "column \"site_id\": is required"),
        ];
        for (input, want) in cases {
            let err = sites(input.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(want), "{input:?}: {err}");
        }
        let err = steps("site_id,device_key,status\ns,k,gone\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("\"gone\""), "{err}");
        let err = contracts("site_id,cost_estimate\ns,-5\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("cost_estimate"), "{err}");
    }

    #[test]
    fn imports_contracts_and_steps() {
        let c = contracts(
            "site_id,device_key,supplier,reference,maintenance_end,cost_estimate\n\
             s1,,Acme CCTV,PO-1,2027-01-31,12500.50\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(c[0].device_key, None);
        assert_eq!(c[0].cost_estimate, Some(12500.5));
        let s = steps(
            "site_id,device_key,status,at,reference\ns1,4419b6a1b2c3,removed,2026-12-01,WO-7\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(s[0].1.claim, Claim::Removed);
        assert_eq!(s[0].0, Some(Ts::parse("2026-12-01").unwrap()));
    }
}
