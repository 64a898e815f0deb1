//! Human output: the scan table and the `probe` detail view. Device strings are shown with
//! control characters replaced, so a hostile camera cannot drive the terminal.

use std::fmt::Write as _;

use camaudit_protocol::record::{Device, ScanReport};
use comfy_table::{ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};

fn clean(s: Option<&str>) -> String {
    s.map(|s| {
        s.chars()
            .map(|c| if c.is_control() { '·' } else { c })
            .collect()
    })
    .unwrap_or_else(|| "-".to_owned())
}

/// The scan as a table, one row per device, readable at 100 devices.
pub fn table(report: &ScanReport) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header([
        "IP",
        "MAC",
        "Maker",
        "Rebrand",
        "Restricted",
        "Manufacturer",
        "Model",
        "Firmware",
        "Serial",
        "Found by",
        "Auth",
    ]);
    for d in &report.devices {
        let restricted = if d.policy.restricted {
            format!("YES ({})", d.policy.lists.join(", "))
        } else {
            "no".to_owned()
        };
        let rebrand = if d.attribution.rebrand { "yes" } else { "" };
        let found: Vec<&str> = d.discovered_by.iter().map(|m| m.as_str()).collect();
        let mut auth = d.access.auth.as_str().to_owned();
        if !d.access.errors.is_empty() {
            auth.push_str(" !");
        }
        t.add_row([
            d.ip.clone(),
            d.mac.map_or_else(|| "-".to_owned(), |m| m.to_string()),
            clean(d.attribution.maker.as_deref()),
            rebrand.to_owned(),
            restricted,
            clean(d.reported.manufacturer.as_deref()),
            clean(d.reported.model.as_deref()),
            clean(d.reported.firmware.as_deref()),
            clean(d.reported.serial.as_deref()),
            found.join(","),
            auth,
        ]);
    }
    format!("{t}\n")
}

/// Everything about one device, with the attribution evidence in words.
pub fn device_detail(d: &Device) -> String {
    let mut s = String::new();
    let r = &d.reported;
    let _ = writeln!(s, "Device {}", d.ip);
    let mac = d.mac.map_or_else(|| "-".to_owned(), |m| m.to_string());
    let src = d
        .mac_source
        .as_deref()
        .map(|x| format!(" (from {x})"))
        .unwrap_or_default();
    let _ = writeln!(s, "  MAC           {mac}{src}");
    let _ = writeln!(s, "  Endpoint      {}", clean(d.endpoint.as_deref()));
    for x in &d.xaddrs {
        let _ = writeln!(s, "  XAddr         {}", clean(Some(x)));
    }
    let found: Vec<&str> = d.discovered_by.iter().map(|m| m.as_str()).collect();
    let _ = writeln!(s, "  Found by      {}", found.join(", "));
    let _ = writeln!(s, "  Manufacturer  {}", clean(r.manufacturer.as_deref()));
    let _ = writeln!(s, "  Model         {}", clean(r.model.as_deref()));
    let _ = writeln!(s, "  Firmware      {}", clean(r.firmware.as_deref()));
    let _ = writeln!(s, "  Serial        {}", clean(r.serial.as_deref()));
    let _ = writeln!(s, "  Hardware id   {}", clean(r.hardware_id.as_deref()));
    let _ = writeln!(s, "  Hostname      {}", clean(r.hostname.as_deref()));
    let _ = writeln!(s, "  Access        {}", d.access.auth.as_str());
    for e in &d.access.errors {
        let _ = writeln!(s, "  Error         {}", clean(Some(e)));
    }
    let a = &d.attribution;
    let conf = a
        .confidence
        .map(|c| format!("{c:?}").to_lowercase())
        .unwrap_or_else(|| "-".into());
    let _ = writeln!(
        s,
        "\nAttribution: maker {}, brand {}{}, confidence {conf}",
        clean(a.maker.as_deref()),
        clean(a.brand.as_deref()),
        if a.rebrand { " (rebrand)" } else { "" }
    );
    for line in camaudit_attribution::explain(a) {
        let _ = writeln!(s, "  - {}", clean(Some(&line)));
    }
    let verdict = if d.policy.restricted {
        format!("RESTRICTED under {}", d.policy.lists.join(", "))
    } else {
        "not restricted under the selected lists".to_owned()
    };
    let _ = writeln!(s, "Policy: {verdict}");
    s
}
