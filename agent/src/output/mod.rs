//! Output: the scan report as a table, JSON, NDJSON or CSV (DESIGN.md sections 1 and 2).

pub mod csv_out;
mod table;

use std::io::Write;

use camaudit_protocol::record::{Device, ScanReport, Summary};
use serde::Serialize;

pub use table::{device_detail, table};

use crate::cli::Format;

/// Writes `report` in `format`.
pub fn write(report: &ScanReport, format: Format, w: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, report)?;
            writeln!(w)
        }
        Format::Ndjson => ndjson(report, w),
        Format::Csv => csv_out::write(report, w),
        Format::Table => {
            write!(w, "{}", table(report))?;
            writeln!(w, "{}", summary_line(&report.summary))
        }
    }
}

/// One device per line, each tagged `"type":"device"`, then one `"type":"summary"` line.
fn ndjson(report: &ScanReport, w: &mut dyn Write) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Line<'a> {
        r#type: &'static str,
        scan_id: &'a str,
        #[serde(flatten)]
        device: &'a Device,
    }
    #[derive(Serialize)]
    struct End<'a> {
        r#type: &'static str,
        schema: &'a str,
        scan_id: &'a str,
        started_at: &'a str,
        finished_at: &'a str,
        summary: &'a Summary,
    }
    for d in &report.devices {
        serde_json::to_writer(
            &mut *w,
            &Line {
                r#type: "device",
                scan_id: &report.scan_id,
                device: d,
            },
        )?;
        writeln!(w)?;
    }
    serde_json::to_writer(
        &mut *w,
        &End {
            r#type: "summary",
            schema: &report.schema,
            scan_id: &report.scan_id,
            started_at: &report.started_at,
            finished_at: &report.finished_at,
            summary: &report.summary,
        },
    )?;
    writeln!(w)
}

/// `12 devices · 3 restricted · 2 rebrands · 1 unidentified · 0 with errors`.
pub fn summary_line(s: &Summary) -> String {
    format!(
        "{} devices · {} restricted · {} rebrands · {} unidentified · {} with errors",
        s.devices, s.restricted, s.rebrands, s.unidentified, s.errors
    )
}
