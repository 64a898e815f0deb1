//! The board pack: one self-contained HTML file with every view, inline CSS and SVG, no script
//! and no external resource (a `default-src 'none'` Content-Security-Policy enforces it). Views
//! are sections shown one at a time by URL fragment (`#sites`); print shows them all, one per
//! page.

use std::fmt::Write;

use crate::burndown;
use crate::model::{AgentRow, ChangeRow, DeviceRow, Estate, SiteRow};
use crate::report::svg;
use crate::state::Status;
use crate::time::Ts;

/// Which sites and devices get their own view in the file.
#[derive(Clone, Debug)]
pub struct Detail {
    /// Sites named by the caller; empty: the sites with the most remaining.
    pub sites: Vec<String>,
    pub max_sites: usize,
    pub max_devices: usize,
}

impl Default for Detail {
    fn default() -> Self {
        Self {
            sites: Vec::new(),
            max_sites: 25,
            max_devices: 200,
        }
    }
}

pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The whole report.
pub fn render(e: &Estate, detail: &Detail) -> String {
    let mut h = String::with_capacity(256 * 1024);
    let title = e
        .programme
        .as_ref()
        .map_or_else(|| "Camera estate".to_owned(), |p| p.name.clone());
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{CSP}"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} — as at {}</title><style>{CSS}</style></head><body>"#,
        esc(&title),
        e.as_at.date()
    );
    let sites = detailed_sites(e, detail);
    let devices = detailed_devices(e, &sites, detail);
    nav(&mut h, e, &title);
    programme(&mut h, e);
    sites_view(&mut h, e);
    for s in &sites {
        site_view(&mut h, e, s);
    }
    for d in &devices {
        device_view(&mut h, d);
    }
    makers(&mut h, e);
    exceptions(&mut h, e);
    changes(&mut h, e);
    coverage(&mut h, e);
    h.push_str("</body></html>\n");
    h
}

/// The anchor of a site's view.
pub fn site_anchor(site: &str) -> String {
    format!("site-{}", slug(site))
}

/// The anchor of a device's view.
pub fn device_anchor(site: &str, key: &str) -> String {
    format!("device-{}-{}", slug(site), slug(key))
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn detailed_sites<'e>(e: &'e Estate, d: &Detail) -> Vec<&'e SiteRow> {
    if !d.sites.is_empty() {
        return e
            .sites
            .iter()
            .filter(|s| d.sites.contains(&s.site_id))
            .collect();
    }
    let mut v: Vec<&SiteRow> = e.sites.iter().filter(|s| s.restricted > 0).collect();
    v.sort_by(|a, b| {
        (b.regressed + b.breaches, b.remaining)
            .cmp(&(a.regressed + a.breaches, a.remaining))
            .then(a.site_id.cmp(&b.site_id))
    });
    v.truncate(d.max_sites);
    v
}

fn detailed_devices<'e>(e: &'e Estate, sites: &[&SiteRow], d: &Detail) -> Vec<&'e DeviceRow> {
    let mut v: Vec<&DeviceRow> = e
        .devices
        .iter()
        .filter(|x| x.in_programme && sites.iter().any(|s| s.site_id == x.site_id))
        .collect();
    v.truncate(d.max_devices);
    v
}

/// HTML-escapes untrusted text (camera strings included). `://` is written with an entity so
/// the document text holds no URL a checker or a careless reader could take for a resource.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            ':' => o.push_str("&#58;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "—".to_owned(), esc)
}

fn date(t: Option<Ts>) -> String {
    t.map_or_else(|| "—".to_owned(), Ts::date)
}

fn status_badge(s: Option<Status>) -> String {
    match s {
        Some(s) => format!(r#"<span class="st st-{0}">{0}</span>"#, s.as_str()),
        None => "—".into(),
    }
}

fn unknown_note(h: &mut String, e: &Estate) {
    let never = e.coverage.sites_never_scanned.len();
    let silent = e.coverage.sites_silent.len();
    let _ = write!(
        h,
        r#"<p class="unknown"><b>Unknown is not zero.</b> {never} site(s) have never completed a scan and {silent} are silent; their cameras are not in these counts. Restricted means restricted under the programme's lens; a device without an identified maker is unidentified, not clean.</p>"#
    );
}

fn nav(h: &mut String, e: &Estate, title: &str) {
    let redacted = if e.redacted.is_empty() {
        String::new()
    } else {
        format!(
            r#" <span class="redacted">redacted: {}</span>"#,
            esc(&e.redacted.join(", "))
        )
    };
    let _ = write!(
        h,
        r##"<header><h1>{}</h1><p class="asat">As at {} UTC{redacted}</p><nav><a href="#programme">Programme</a><a href="#sites">Sites</a><a href="#makers">Makers</a><a href="#exceptions">Exceptions</a><a href="#changes">Changes</a><a href="#coverage">Coverage</a></nav></header>"##,
        esc(title),
        esc(&e.as_at.rfc3339())
    );
}

fn tile(h: &mut String, label: &str, value: &str, class: &str) {
    let _ = write!(
        h,
        r#"<div class="tile {class}"><div class="v">{value}</div><div class="l">{label}</div></div>"#
    );
}

fn programme(h: &mut String, e: &Estate) {
    h.push_str(r#"<section class="view" id="programme"><h2>Programme</h2>"#);
    match &e.programme {
        Some(p) => {
            let targets: Vec<String> = p.targets.iter().map(|t| format!("{}% by {}", t.pct, t.date.date())).collect();
            let _ = write!(
                h,
                r#"<p class="meta">Lens <b>{}</b> · scope {} · baseline {} · deadline <b>{}</b> · no new deployments after {} · targets {}</p>"#,
                p.lens.as_str(),
                esc(&p.scope.describe()),
                p.baseline.date(),
                p.deadline.date(),
                date(p.no_new_deployments),
                if targets.is_empty() { "none".into() } else { targets.join(", ") }
            );
        }
        None => h.push_str(r#"<p class="warn">No programme is set: counts use the uk-nil lens over all sites, with no deadline.</p>"#),
    }
    let t = &e.tiles;
    h.push_str(r#"<div class="tiles">"#);
    tile(
        h,
        "remaining, confirmed (high/medium)",
        &t.remaining_confirmed.to_string(),
        "bad",
    );
    tile(
        h,
        "remaining, suspected (low)",
        &t.remaining_suspected.to_string(),
        "warn",
    );
    tile(h, "unidentified devices", &t.unidentified.to_string(), "");
    tile(h, "removals verified", &t.verified.to_string(), "good");
    tile(h, "disposed", &t.disposed.to_string(), "good");
    tile(
        h,
        "exceptions active (expiring ≤30 days)",
        &format!("{} ({})", t.exceptions_active, t.exceptions_expiring_30d),
        "",
    );
    tile(
        h,
        "sites reporting (fresh scan)",
        &format!("{:.0}% · {} silent", t.coverage_pct, t.sites_silent),
        "",
    );
    tile(
        h,
        "days to deadline",
        &t.days_to_deadline
            .map_or_else(|| "—".into(), |d| d.to_string()),
        "",
    );
    tile(
        h,
        "projected completion",
        &format!("{} · {}", date(t.projected_completion), esc(&t.verdict)),
        if t.verdict == "at-risk" {
            "bad"
        } else {
            "good"
        },
    );
    h.push_str("</div>");
    h.push_str(&svg::burndown(
        &e.series,
        e.programme.as_ref(),
        e.projection.as_ref(),
    ));
    legend(h);
    if let Some(p) = &e.projection {
        let _ = write!(
            h,
            r#"<p class="meta">Done {} of {} ({:.1}%). Trailing rate {:.1}/week over {:.1} weeks; required {}/week to meet the deadline.</p>"#,
            p.done,
            p.done + p.remaining,
            p.pct_done,
            p.rate_per_week,
            p.window_weeks,
            p.required_per_week
                .map_or_else(|| "—".into(), |r| format!("{r:.1}"))
        );
        if !p.targets.is_empty() {
            h.push_str(
                "<table><tr><th>target</th><th>by</th><th>achieved</th><th>outcome</th></tr>",
            );
            for t in &p.targets {
                let _ = write!(
                    h,
                    r#"<tr><td>{}%</td><td>{}</td><td>{:.1}%</td><td class="o-{}">{}</td></tr>"#,
                    t.pct,
                    t.date.date(),
                    t.achieved_pct,
                    t.outcome,
                    t.outcome
                );
            }
            h.push_str("</table>");
        }
    }
    h.push_str(&svg::weekly(
        &e.weekly_verified,
        e.projection.as_ref().and_then(|p| p.required_per_week),
    ));
    let mut counts: Vec<(&str, u32, &str)> = Vec::new();
    for (band, colour) in [
        ("not-started", "#c0392b"),
        ("in-progress", "#f39c12"),
        ("complete", "#27ae60"),
        ("excepted", "#7f8c8d"),
        ("none-found", "#abebc6"),
        ("unknown", "#d5d8dc"),
    ] {
        counts.push((
            band,
            e.sites.iter().filter(|s| s.band == band).count() as u32,
            colour,
        ));
    }
    h.push_str("<h3>Sites by progress band</h3>");
    h.push_str(&svg::bands(&counts));
    if !e.warnings.is_empty() {
        h.push_str(r#"<h3>Inputs not applied</h3><ul class="warnings">"#);
        for w in e.warnings.iter().take(50) {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul>");
    }
    unknown_note(h, e);
    h.push_str("</section>");
}

fn legend(h: &mut String) {
    h.push_str(r#"<p class="legend">"#);
    for (s, c) in svg::STACK {
        let _ = write!(
            h,
            r#"<span><i style="background:{c}"></i>{}</span>"#,
            s.as_str()
        );
    }
    h.push_str(r#"<span><i class="l-ideal"></i>ideal</span><span><i class="l-proj"></i>projection</span><span><i class="l-dead"></i>deadline</span></p>"#);
}

fn sites_view(h: &mut String, e: &Estate) {
    h.push_str(r#"<section class="view" id="sites"><h2>Sites</h2><table class="wide"><tr><th>site</th><th>org</th><th>region</th><th>type</th><th>sensitivity</th><th>agents online/expected</th><th>last scan</th><th>cameras</th><th>restricted</th><th>top makers</th><th>rebrands</th><th>unidentified</th><th>in progress</th><th>done</th><th>remaining</th><th>excepted</th><th>deadline</th><th>RAG</th><th>trend</th><th>registered</th></tr>"#);
    for s in &e.sites {
        let name = if s.name.is_empty() {
            s.site_id.clone()
        } else {
            format!("{} ({})", s.name, s.site_id)
        };
        let link = if s.restricted > 0 {
            format!(
                r##"<a href="#{}">{}</a>"##,
                site_anchor(&s.site_id),
                esc(&name)
            )
        } else {
            esc(&name)
        };
        let _ = write!(
            h,
            r#"<tr><td>{link}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="rag rag-{}">{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&s.org),
            esc(&s.region),
            esc(&s.kind),
            esc(&s.sensitivity),
            s.agents_online,
            s.agents_expected,
            date(s.last_scan),
            s.cameras,
            s.restricted,
            esc(&s.top_makers),
            s.rebrands,
            s.unidentified,
            s.in_progress,
            s.done,
            s.remaining,
            s.excepted,
            date(s.deadline),
            s.rag,
            s.rag,
            svg::sparkline(&s.sparkline),
            if s.registered { "yes" } else { "<b>no</b>" }
        );
    }
    h.push_str("</table>");
    unknown_note(h, e);
    h.push_str("</section>");
}

fn site_view(h: &mut String, e: &Estate, s: &SiteRow) {
    let _ = write!(
        h,
        r#"<section class="view" id="{}"><h2>Site {}</h2><p class="meta">{} · {} · {} · sensitivity {} · last scan {} · RAG <span class="rag rag-{}">{}</span></p>"#,
        site_anchor(&s.site_id),
        esc(&s.site_id),
        esc(&s.name),
        esc(&s.org),
        esc(&s.region),
        esc(&s.sensitivity),
        date(s.last_scan),
        s.rag,
        s.rag
    );
    h.push_str(r#"<div class="tiles">"#);
    tile(h, "restricted", &s.restricted.to_string(), "");
    tile(h, "remaining", &s.remaining.to_string(), "bad");
    tile(h, "in progress", &s.in_progress.to_string(), "warn");
    tile(h, "done", &s.done.to_string(), "good");
    tile(h, "excepted", &s.excepted.to_string(), "");
    h.push_str("</div><h3>Remaining, weekly</h3>");
    h.push_str(&svg::sparkline(&s.sparkline).replace(r#"class="spark""#, r#"class="spark big""#));
    h.push_str(r#"<table class="wide"><tr><th>device</th><th>maker</th><th>brand</th><th>model</th><th>serial</th><th>MAC</th><th>firmware</th><th>IP</th><th>first seen</th><th>last seen</th><th>confidence</th><th>lists</th><th>status</th><th>exception</th><th>contract</th></tr>"#);
    let mut timeline: Vec<(Ts, String)> = Vec::new();
    for d in e.devices.iter().filter(|d| d.site_id == s.site_id) {
        let key = if d.in_programme {
            format!(
                r##"<a href="#{}">{}</a>"##,
                device_anchor(&d.site_id, &d.key),
                esc(&d.key)
            )
        } else {
            esc(&d.key)
        };
        let _ = write!(
            h,
            "<tr><td>{key}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            opt(&d.maker),
            opt(&d.brand),
            opt(&d.model),
            opt(&d.serial),
            opt(&d.mac),
            opt(&d.firmware),
            esc(&d.ip),
            d.first_seen.date(),
            date(d.last_seen),
            opt(&d.confidence),
            esc(&d.restricted_under.join(", ")),
            status_badge(d.status),
            opt(&d.exception),
            d.contract
                .as_ref()
                .map_or_else(|| "—".into(), |c| esc(&c.reference))
        );
        for t in &d.history {
            timeline.push((
                t.at,
                format!(
                    "{} → {} ({}{})",
                    esc(&d.key),
                    t.status.as_str(),
                    esc(&t.by),
                    if t.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", esc(&t.note))
                    }
                ),
            ));
        }
    }
    h.push_str("</table><h3>Timeline</h3><ol class=\"timeline\">");
    timeline.sort_by_key(|t| std::cmp::Reverse(t.0));
    for (at, text) in timeline.iter().take(100) {
        let _ = write!(h, "<li><time>{}</time> {text}</li>", at.date());
    }
    h.push_str("</ol>");
    unknown_note(h, e);
    h.push_str("</section>");
}

fn device_view(h: &mut String, d: &DeviceRow) {
    let _ = write!(
        h,
        r#"<section class="view" id="{}"><h2>Device {} at {}</h2><div class="tiles">"#,
        device_anchor(&d.site_id, &d.key),
        esc(&d.key),
        esc(&d.site_id)
    );
    tile(h, "maker", &opt(&d.maker), "");
    tile(
        h,
        "brand",
        &format!(
            "{}{}",
            opt(&d.brand),
            if d.rebrand { " (rebrand)" } else { "" }
        ),
        "",
    );
    tile(h, "status", &status_badge(d.status), "");
    tile(h, "confidence", &opt(&d.confidence), "");
    h.push_str("</div><table><tr><th>model</th><td>");
    let _ = write!(
        h,
        "{}</td></tr><tr><th>manufacturer reported</th><td>{}</td></tr><tr><th>serial</th><td>{}</td></tr><tr><th>MAC</th><td>{}</td></tr><tr><th>firmware</th><td>{}</td></tr><tr><th>IP</th><td>{}</td></tr><tr><th>agent</th><td>{}</td></tr><tr><th>discovered by</th><td>{}</td></tr><tr><th>authentication</th><td>{}</td></tr><tr><th>restricted under</th><td>{}</td></tr><tr><th>first / last seen</th><td>{} / {}</td></tr><tr><th>last scan</th><td>{}</td></tr><tr><th>exception</th><td>{}</td></tr><tr><th>contract</th><td>{}</td></tr></table>",
        opt(&d.model),
        opt(&d.manufacturer),
        opt(&d.serial),
        opt(&d.mac),
        opt(&d.firmware),
        esc(&d.ip),
        esc(&d.agent),
        esc(&d.discovered_by.join(", ")),
        esc(&d.auth),
        esc(&d.restricted_under.join(", ")),
        d.first_seen.rfc3339(),
        d.last_seen.map_or_else(|| "—".into(), Ts::rfc3339),
        esc(&d.scan_id),
        opt(&d.exception),
        d.contract.as_ref().map_or_else(
            || "—".into(),
            |c| format!(
                "{} {} (maintenance end {}, upgrade {})",
                esc(&c.supplier),
                esc(&c.reference),
                date(c.maintenance_end),
                date(c.scheduled_upgrade)
            )
        )
    );
    h.push_str("<h3>Attribution evidence</h3><table><tr><th>signal</th><th>value</th><th>indicates</th><th>detail</th></tr>");
    for ev in &d.evidence {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&ev.signal),
            esc(&ev.value),
            opt(&ev.indicates),
            opt(&ev.detail)
        );
    }
    h.push_str("</table><h3>Status history</h3><table><tr><th>at</th><th>status</th><th>by</th><th>note</th></tr>");
    for t in &d.history {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            t.at.rfc3339(),
            status_badge(Some(t.status)),
            esc(&t.by),
            esc(&t.note)
        );
    }
    h.push_str("</table><h3>Record changes</h3><table><tr><th>at</th><th>field</th><th>old</th><th>new</th></tr>");
    for c in &d.record_changes {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.at.rfc3339(),
            esc(&c.field),
            opt(&c.old),
            opt(&c.new)
        );
    }
    h.push_str("</table></section>");
}

fn makers(h: &mut String, e: &Estate) {
    h.push_str(r#"<section class="view" id="makers"><h2>Makers</h2><p class="meta">Devices present, by the company that made the hardware. Brands are what the devices call themselves: a brand other than the maker is a rebrand, unmasked. Both policy lenses are shown.</p><table class="wide"><tr><th>maker</th><th>devices</th><th>sites</th><th>rebrands</th><th>sold as</th><th>uk-nil</th><th>us-ndaa-889</th></tr>"#);
    for m in &e.makers {
        let brands: Vec<String> = m
            .brands
            .iter()
            .map(|(b, n)| format!("{} {n}", esc(b)))
            .collect();
        let unmask = if m.rebrands > 0 {
            format!("{} ← {}", esc(&m.maker), brands.join(", "))
        } else {
            brands.join(", ")
        };
        let yes = |b: bool| {
            if b {
                r#"<span class="st st-identified">restricted</span>"#
            } else {
                "—"
            }
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{unmask}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.maker),
            m.devices,
            m.sites,
            m.rebrands,
            yes(m.restricted_uk_nil),
            yes(m.restricted_us_ndaa_889)
        );
    }
    h.push_str("</table>");
    unknown_note(h, e);
    h.push_str("</section>");
}

fn exceptions(h: &mut String, e: &Estate) {
    h.push_str(r#"<section class="view" id="exceptions"><h2>Exceptions</h2><p class="meta">Risk acceptances. An excepted device is shown apart and never counted as done.</p><table class="wide"><tr><th>id</th><th>site</th><th>device</th><th>reason</th><th>compensating controls</th><th>risk owner</th><th>approver</th><th>approved</th><th>review by</th><th>expires</th><th>state</th><th>devices present</th></tr>"#);
    for x in &e.exceptions {
        let _ = write!(
            h,
            r#"<tr class="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>"#,
            if x.flag { "flag" } else { "" },
            esc(&x.id),
            esc(&x.site_id),
            opt(&x.device_key),
            esc(&x.reason),
            esc(&x.controls),
            esc(&x.owner),
            esc(&x.approver),
            x.approved_at.date(),
            esc(&x.approved_by),
            date(x.review_by),
            x.expires_at.date(),
            x.state,
            if x.flag { " — still present" } else { "" },
            x.devices_present
        );
    }
    if e.exceptions.is_empty() {
        h.push_str(r#"<tr><td colspan="12">No exceptions recorded.</td></tr>"#);
    }
    h.push_str("</table></section>");
}

fn change_table(h: &mut String, title: &str, rows: &[ChangeRow], empty: &str) {
    let _ = write!(h, "<h3>{title} ({})</h3>", rows.len());
    if rows.is_empty() {
        let _ = write!(h, "<p>{empty}</p>");
        return;
    }
    h.push_str("<table class=\"wide\"><tr><th>when</th><th>site</th><th>device</th><th>maker</th><th>model</th><th>note</th></tr>");
    for r in rows.iter().take(500) {
        let _ = write!(
            h,
            r#"<tr class="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>"#,
            if r.breach { "flag" } else { "" },
            r.at.date(),
            esc(&r.site_id),
            esc(&r.key),
            opt(&r.maker),
            opt(&r.model),
            if r.breach { "<b>BREACH</b> " } else { "" },
            esc(&r.note)
        );
    }
    h.push_str("</table>");
}

fn agent_table(h: &mut String, rows: &[AgentRow]) {
    h.push_str("<table class=\"wide\"><tr><th>site</th><th>agent</th><th>state</th><th>version</th><th>last heard</th><th>last completed scan</th><th>scans counted</th><th>partial</th><th>failed</th><th>records: agent / central</th><th>completeness</th></tr>");
    for a in rows.iter().take(2000) {
        let _ = write!(
            h,
            r#"<tr class="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td class="c-{}">{}</td></tr>"#,
            if a.silent { "flag" } else { "" },
            esc(&a.site_id),
            esc(&a.agent),
            esc(&a.state),
            esc(&a.version),
            a.last_heard.map_or_else(|| "—".into(), Ts::rfc3339),
            date(a.last_completed_scan),
            a.completed_scans,
            a.partial_scans,
            a.failed_scans,
            a.reported_records
                .map_or_else(|| "—".into(), |n| n.to_string()),
            a.held_records,
            a.completeness,
            a.completeness
        );
    }
    h.push_str("</table>");
}

fn changes(h: &mut String, e: &Estate) {
    h.push_str(r#"<section class="view" id="changes"><h2>Changes</h2>"#);
    let breaches = e.changes.new_restricted.iter().filter(|r| r.breach).count();
    let _ = write!(h, r#"<div class="tiles">"#);
    tile(
        h,
        "new installs breaching the ban",
        &breaches.to_string(),
        if breaches > 0 { "bad" } else { "good" },
    );
    tile(
        h,
        "regressions",
        &e.changes.regressions.len().to_string(),
        if e.changes.regressions.is_empty() {
            "good"
        } else {
            "bad"
        },
    );
    tile(
        h,
        "unexplained disappearances",
        &e.changes.disappearances.len().to_string(),
        "warn",
    );
    tile(
        h,
        "silent agents",
        &e.changes.silent_agents.len().to_string(),
        "warn",
    );
    h.push_str("</div>");
    change_table(
        h,
        "New restricted devices",
        &e.changes.new_restricted,
        "None since the no-new-deployments date.",
    );
    change_table(
        h,
        "Regressions: seen again after removal",
        &e.changes.regressions,
        "None.",
    );
    change_table(
        h,
        "Unexplained disappearances (not counted as removed)",
        &e.changes.disappearances,
        "None.",
    );
    let _ = write!(
        h,
        "<h3>Silent agents ({})</h3>",
        e.changes.silent_agents.len()
    );
    agent_table(h, &e.changes.silent_agents);
    unknown_note(h, e);
    h.push_str("</section>");
}

fn coverage(h: &mut String, e: &Estate) {
    let c = &e.coverage;
    h.push_str(r#"<section class="view" id="coverage"><h2>Coverage</h2>"#);
    h.push_str(r#"<p class="unknown big"><b>Unknown is not zero.</b> A site with no completed scan has an unknown number of restricted cameras, not none.</p><div class="tiles">"#);
    tile(h, "sites registered", &c.sites_registered.to_string(), "");
    tile(
        h,
        "sites with an agent",
        &c.sites_with_agent.to_string(),
        "",
    );
    tile(
        h,
        &format!("scanned within {} days", c.fresh_days),
        &c.sites_scanned_fresh.to_string(),
        "good",
    );
    tile(
        h,
        "never scanned",
        &c.sites_never_scanned.len().to_string(),
        "bad",
    );
    tile(
        h,
        &format!("silent > {} days", c.silent_days),
        &c.sites_silent.len().to_string(),
        "warn",
    );
    tile(
        h,
        "discovered, not registered",
        &c.unregistered_sites.len().to_string(),
        "warn",
    );
    let auth_total = c.auth_ok + c.auth_failed;
    tile(
        h,
        "identity read (auth success)",
        &format!("{:.0}%", burndown::pct(c.auth_ok, auth_total)),
        "",
    );
    h.push_str("</div><h3>Last completed scan</h3><table><tr><th>age</th><th>sites</th></tr>");
    for (k, v) in &c.scan_age {
        let _ = write!(h, "<tr><td>{}</td><td>{v}</td></tr>", esc(k));
    }
    h.push_str("</table><h3>Discovery methods (devices present)</h3><table><tr><th>method</th><th>devices</th></tr>");
    for (k, v) in &c.methods {
        let _ = write!(h, "<tr><td>{}</td><td>{v}</td></tr>", esc(k));
    }
    let _ = write!(
        h,
        "</table><p class=\"meta\">Authentication: {} read, {} refused, {} not tried.</p>",
        c.auth_ok, c.auth_failed, c.auth_not_tried
    );
    for (title, list) in [
        ("Never scanned", &c.sites_never_scanned),
        ("Silent", &c.sites_silent),
        ("Discovered but not in the registry", &c.unregistered_sites),
    ] {
        let _ = write!(h, "<h3>{title} ({})</h3><p class=\"list\">", list.len());
        let shown: Vec<String> = list.iter().take(300).map(|s| esc(s)).collect();
        h.push_str(&shown.join(", "));
        if list.len() > 300 {
            let _ = write!(h, " … and {} more", list.len() - 300);
        }
        h.push_str("</p>");
    }
    h.push_str("<h3>Agents: snapshot completeness</h3><p class=\"meta\">Central's held records per agent against the agent's own count and key digest.</p>");
    agent_table(h, &e.agents);
    h.push_str("</section>");
}

const CSS: &str = r#"
:root{--ink:#1c2833;--mute:#5d6d7e;--line:#d5d8dc;--bg:#fff}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg);margin:0 24px 24px}
header{border-bottom:2px solid var(--ink);margin-bottom:12px}
h1{font-size:22px;margin:12px 0 2px}h2{font-size:19px;margin:8px 0}h3{font-size:15px;margin:16px 0 6px}
.asat{color:var(--mute);margin:0 0 6px}.redacted{background:#fdebd0;padding:1px 6px;border-radius:3px}
nav a{display:inline-block;margin:0 12px 8px 0;color:#1f618d;text-decoration:none;font-weight:600}
.view{display:none}.view:target{display:block}
body:not(:has(.view:target)) #programme{display:block}
.tiles{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.tile{border:1px solid var(--line);border-left:5px solid #85929e;padding:6px 10px;min-width:150px;border-radius:4px}
.tile .v{font-size:20px;font-weight:700}.tile .l{font-size:12px;color:var(--mute)}
.tile.bad{border-left-color:#c0392b}.tile.warn{border-left-color:#f39c12}.tile.good{border-left-color:#27ae60}
table{border-collapse:collapse;margin:6px 0;font-size:12px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f6f7}
table.wide{width:100%}
tr.flag td{background:#fdedec}
.chart{width:100%;max-width:900px;height:auto;display:block;margin:6px 0}
.chart .axis{stroke:#566573}.chart .lbl{font-size:11px;fill:#566573}
.chart .ideal{stroke:#27ae60;stroke-width:2;stroke-dasharray:6 4}
.chart .deadline{stroke:#c0392b;stroke-width:2}
.chart .now{stroke:#566573;stroke-dasharray:2 3}
.chart .projection{stroke:#1f618d;stroke-width:2;stroke-dasharray:3 3}
.chart .target{fill:#fff;stroke:#1c2833;stroke-width:2}.chart .target.missed{fill:#c0392b}.chart .target.met{fill:#27ae60}
.chart .bar{fill:#27ae60}.chart .required{stroke:#c0392b;stroke-width:2;stroke-dasharray:5 3}
.chart .inbar{font-size:12px;fill:#fff;font-weight:600}
.spark{width:80px;height:20px}.spark.big{width:320px;height:80px}
.spark polyline{fill:none;stroke:#c0392b;stroke-width:1.5;vector-effect:non-scaling-stroke}
.legend span{margin-right:12px;font-size:12px}.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
.legend .l-ideal{border-top:2px dashed #27ae60;height:0}.legend .l-proj{border-top:2px dashed #1f618d;height:0}.legend .l-dead{background:#c0392b;width:3px}
.st{padding:1px 6px;border-radius:3px;font-size:11px;background:#eaecee;white-space:nowrap}
.st-identified,.st-regressed,.st-not-seen{background:#f5b7b1}.st-isolated,.st-scheduled{background:#fdebd0}
.st-removed{background:#d6eaf8}.st-verified,.st-disposed{background:#d5f5e3}.st-excepted{background:#e5e8e8}
.rag{font-weight:700;text-transform:uppercase}.rag-red{color:#c0392b}.rag-amber{color:#b9770e}.rag-green{color:#1e8449}.rag-grey{color:#7f8c8d}
.o-missed{color:#c0392b;font-weight:700}.o-met{color:#1e8449;font-weight:700}
.c-incomplete{color:#c0392b;font-weight:700}.c-complete{color:#1e8449}
.unknown{border-left:4px solid #f39c12;background:#fef9e7;padding:6px 10px;font-size:12px}
.unknown.big{font-size:14px}.warn{color:#b9770e}.meta{color:var(--mute)}
.timeline{font-size:12px}.timeline time{color:var(--mute);margin-right:6px}
.list{font-size:12px;color:var(--mute)}
@media print{
  body{margin:0}nav{display:none}
  .view{display:block!important;break-before:page}
  #programme{break-before:auto}
  table{page-break-inside:auto}tr{break-inside:avoid}
  .chart{max-width:100%}
}
@page{size:A4 landscape;margin:12mm}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_camera_strings_and_urls() {
        let cases = [
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("a\"b'c&d", "a&quot;b&#39;c&amp;d"),
            ("http://10.0.0.1/x", "http&#58;//10.0.0.1/x"),
            ("bell\u{7}", "bell "),
        ];
        for (input, want) in cases {
            assert_eq!(esc(input), want);
        }
        assert_eq!(
            device_anchor("Site 1", "ip-10.0.0.1"),
            "device-site_1-ip-10_0_0_1"
        );
    }
}
