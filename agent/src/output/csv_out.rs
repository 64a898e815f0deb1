//! CSV output: the columns of DESIGN.md section 2, one row per device, then the summary as
//! `#`-comment lines (skipped by `comment='#'` readers).

use std::io::Write;

use camaudit_protocol::record::{Device, ScanReport};

pub const COLUMNS: [&str; 16] = [
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
];

pub(super) fn write(report: &ScanReport, w: &mut dyn Write) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(&mut *w);
    c.write_record(COLUMNS)?;
    for d in &report.devices {
        let site = report.site.as_deref().unwrap_or_default();
        c.write_record(device_row(site, &report.agent, d))?;
    }
    c.flush()?;
    drop(c);
    let s = &report.summary;
    writeln!(
        w,
        "# summary: devices={} restricted={} rebrands={} unidentified={} errors={}",
        s.devices, s.restricted, s.rebrands, s.unidentified, s.errors
    )
}

/// One device as the cells of [`COLUMNS`], already defused.
pub fn device_row(site: &str, agent: &str, d: &Device) -> [String; 16] {
    let confidence = d
        .attribution
        .confidence
        .and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let methods: Vec<&str> = d.discovered_by.iter().map(|m| m.as_str()).collect();
    [
        site.to_owned(),
        agent.to_owned(),
        d.ip.clone(),
        d.mac.map(|m| m.to_string()).unwrap_or_default(),
        d.attribution.maker.clone().unwrap_or_default(),
        d.attribution.brand.clone().unwrap_or_default(),
        d.attribution.rebrand.to_string(),
        d.policy.restricted.to_string(),
        d.policy.lists.join(";"),
        confidence,
        d.reported.manufacturer.clone().unwrap_or_default(),
        d.reported.model.clone().unwrap_or_default(),
        d.reported.firmware.clone().unwrap_or_default(),
        d.reported.serial.clone().unwrap_or_default(),
        methods.join(";"),
        d.access.auth.as_str().to_owned(),
    ]
    .map(|f| defuse(&f))
}

/// Device-supplied strings can start with `=`, `+`, `-` or `@`; spreadsheets would run them as
/// formulas, so such cells get a leading apostrophe.
pub fn defuse(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}
