//! The estate as a workbook: a Summary sheet and one sheet per CSV table, each with a frozen
//! header row and an autofilter.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::model::Estate;
use crate::report::csv::{self, Cell, TABLES};

pub fn render(e: &Estate) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    summary(&mut wb, e, &bold)?;
    for name in TABLES {
        let Some(t) = csv::table(e, name) else {
            continue;
        };
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(title(name))?;
        ws.set_freeze_panes(1, 0)?;
        let last = u32::try_from(t.rows.len()).unwrap_or(u32::MAX);
        ws.autofilter(0, 0, last, col(t.header.len().saturating_sub(1)))?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(0, col(c), *h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Num(n) => ws.write_number(r, col(c), *n)?,
                    Cell::Text(s) => ws.write_string(r, col(c), csv::defuse(s))?,
                };
            }
        }
    }
    wb.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn title(name: &str) -> String {
    let mut s = name.to_owned();
    if let Some(f) = s.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    s
}

fn summary(wb: &mut Workbook, e: &Estate, bold: &Format) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Summary")?;
    let p = e.projection.as_ref();
    let rows: Vec<(&str, String)> = vec![
        (
            "programme",
            e.programme
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "(none)".into()),
        ),
        (
            "lens",
            e.programme
                .as_ref()
                .map(|p| p.lens.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("as at", e.as_at.rfc3339()),
        (
            "deadline",
            e.programme
                .as_ref()
                .map(|p| p.deadline.date())
                .unwrap_or_default(),
        ),
        (
            "remaining (confirmed)",
            e.tiles.remaining_confirmed.to_string(),
        ),
        (
            "remaining (suspected)",
            e.tiles.remaining_suspected.to_string(),
        ),
        ("verified", e.tiles.verified.to_string()),
        ("disposed", e.tiles.disposed.to_string()),
        ("exceptions active", e.tiles.exceptions_active.to_string()),
        (
            "rate per week (trailing)",
            p.map(|p| format!("{:.2}", p.rate_per_week))
                .unwrap_or_default(),
        ),
        (
            "required per week",
            p.and_then(|p| p.required_per_week)
                .map(|r| format!("{r:.2}"))
                .unwrap_or_default(),
        ),
        (
            "projected completion",
            e.tiles
                .projected_completion
                .map(|t| t.date())
                .unwrap_or_default(),
        ),
        ("verdict", e.tiles.verdict.clone()),
        (
            "sites never scanned (unknown, not zero)",
            e.coverage.sites_never_scanned.len().to_string(),
        ),
        ("redacted", e.redacted.join(", ")),
    ];
    ws.write_string_with_format(0, 0, "item", bold)?;
    ws.write_string_with_format(0, 1, "value", bold)?;
    for (i, (k, v)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string(r, 0, *k)?;
        ws.write_string(r, 1, csv::defuse(v))?;
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 30)?;
    Ok(())
}
