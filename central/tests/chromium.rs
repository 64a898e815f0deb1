//! The HTML board pack in headless Chromium: every view renders (a screenshot that is not
//! blank), the page loads nothing from the network, and it prints to PDF.
//!
//! Set `CAMAUDIT_KEEP_SCREENSHOTS=DIR` to keep the PNGs and the PDF for a person to look at.

mod support;

use std::path::Path;

use camaudit_central::ingest::parse::{self, Parsed};
use camaudit_central::ledger::Options;
use camaudit_central::programme::{Action, Change, Contract, Site};
use camaudit_central::report::html::{self, Detail};
use camaudit_central::sim;
use camaudit_central::store::Store;
use camaudit_central::store::sqlite::SqliteStore;
use camaudit_central::time::Ts;
use support::{TempDir, chromium};

/// A simulated estate with a site registry (some sites never scanned, some not registered)
/// and contracts, as at the end of its last week.
pub fn estate_html(dir: &Path) -> (String, Vec<String>) {
    let fleet = sim::plan(40, 12, 20, 99);
    let mut s = SqliteStore::open(&dir.join("e.db")).unwrap();
    let mut actions = fleet.actions();
    let regions = ["North", "South", "London", "Wales"];
    let at = Ts(fleet.start.0 - 86_400);
    let mut add = |change| {
        actions.push(Action {
            id: 0,
            at,
            recorded_at: at,
            actor: "registry-import".into(),
            reason: "2026 register".into(),
            change,
            before: None,
        });
    };
    for (i, site) in fleet.sites.iter().enumerate().take(36) {
        add(Change::SiteUpsert(Site {
            site_id: site.site.clone(),
            org: if i % 3 == 0 {
                "Department for Education".into()
            } else {
                "Home Office".into()
            },
            name: format!("Building {i}"),
            kind: if i % 2 == 0 {
                "school".into()
            } else {
                "office".into()
            },
            region: regions[i % 4].into(),
            sensitivity: if i % 5 == 0 {
                "high".into()
            } else {
                "medium".into()
            },
            expected_agents: 1,
            deadline: None,
            notes: String::new(),
        }));
        if i % 4 == 0 {
            add(Change::ContractUpsert(Contract {
                site_id: site.site.clone(),
                device_key: None,
                supplier: "Acme Security Ltd".into(),
                reference: format!("PO-{i:04}"),
                maintenance_end: Some(fleet.week(30)),
                scheduled_upgrade: Some(fleet.week(24)),
                cost_estimate: Some(1200.0 * i as f64),
            }));
        }
    }
    for extra in ["site-unscanned-a", "site-unscanned-b"] {
        add(Change::SiteUpsert(Site {
            site_id: extra.into(),
            org: "Home Office".into(),
            name: "No agent yet".into(),
            kind: "office".into(),
            region: "North".into(),
            sensitivity: "high".into(),
            expected_agents: 1,
            deadline: None,
            notes: String::new(),
        }));
    }
    for a in &actions {
        s.append_action(a).unwrap();
    }
    let mut facts = Vec::new();
    for (_, msgs) in sim::messages(&fleet, "camaudit") {
        for m in msgs {
            if let Ok(Parsed::Fact(f)) = parse::message("camaudit", &m.topic, &m.payload, Ts(0)) {
                facts.push(*f);
            }
        }
    }
    s.append_facts(&facts).unwrap();
    // The simulated agents scan weekly; real ones heartbeat every few minutes.
    let mut opts = Options::new(fleet.end_of(fleet.weeks - 1));
    opts.silent_days = 8;
    let e = camaudit_central::build(&mut s, opts).unwrap();
    let page = html::render(&e, &Detail::default());
    let site = e
        .sites
        .iter()
        .filter(|s| s.restricted > 0)
        .max_by_key(|s| (s.regressed + s.breaches, s.remaining))
        .unwrap();
    let device = e
        .devices
        .iter()
        .find(|d| d.site_id == site.site_id && d.in_programme)
        .unwrap();
    let views = vec![
        "programme".to_owned(),
        "sites".to_owned(),
        html::site_anchor(&site.site_id),
        html::device_anchor(&device.site_id, &device.key),
        "makers".to_owned(),
        "exceptions".to_owned(),
        "changes".to_owned(),
        "coverage".to_owned(),
    ];
    (page, views)
}

/// Share of pixels that are not near-white, and the number of distinct colours seen.
fn ink(png_bytes: &[u8]) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let mut inked = 0usize;
    let mut colours = std::collections::HashSet::new();
    let px = buf[..info.buffer_size()].chunks(channels);
    let total = px.len();
    for p in px {
        let (r, g, b) = (p[0], p[1.min(channels - 1)], p[2.min(channels - 1)]);
        if r < 235 || g < 235 || b < 235 {
            inked += 1;
        }
        if colours.len() < 1000 {
            colours.insert((r >> 3, g >> 3, b >> 3));
        }
    }
    (inked as f64 / total.max(1) as f64, colours.len())
}

/// The hosts of every http(s)/ws(s) URL in a net log.
fn hosts(log: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for scheme in ["\"http://", "\"https://", "\"ws://", "\"wss://"] {
        for (i, _) in log.match_indices(scheme) {
            let rest = &log[i + scheme.len()..];
            let end = rest.find(['/', '"', ' ', ':', '?']).unwrap_or(rest.len());
            out.insert(rest[..end].to_owned());
        }
    }
    out
}

#[test]
fn every_view_renders_offline_and_prints() {
    let dir = TempDir::new("chromium");
    let (page, views) = estate_html(dir.path());
    assert!(page.contains(&format!(
        r#"<meta http-equiv="Content-Security-Policy" content="{}">"#,
        html::CSP
    )));
    assert!(html::CSP.starts_with("default-src 'none'"));
    for needle in [
        "http://", "https://", "<script", "<link", "<img", "@import", "url(",
    ] {
        assert!(!page.contains(needle), "the document contains {needle:?}");
    }
    let file = dir.path().join("report.html");
    std::fs::write(&file, &page).unwrap();
    let keep = std::env::var_os("CAMAUDIT_KEEP_SCREENSHOTS").map(std::path::PathBuf::from);
    // Chromium talks to its own services even with background networking off; what it does
    // for an empty page is the baseline the report page must not add to.
    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><title>blank</title>").unwrap();
    let blank_log = dir.path().join("blank.netlog.json");
    chromium(&[
        format!("--log-net-log={}", blank_log.display()),
        "--dump-dom".into(),
        format!("file://{}", blank.display()),
    ]);
    let baseline = hosts(&std::fs::read_to_string(&blank_log).unwrap_or_default());
    for view in &views {
        let png_path = dir.path().join(format!("{view}.png"));
        let netlog = dir.path().join(format!("{view}.netlog.json"));
        let out = chromium(&[
            "--window-size=1280,1000".into(),
            format!("--screenshot={}", png_path.display()),
            format!("--log-net-log={}", netlog.display()),
            format!("file://{}#{view}", file.display()),
        ]);
        let png_bytes = std::fs::read(&png_path).unwrap_or_else(|e| {
            panic!(
                "{view}: no screenshot ({e}); chromium said: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let (share, colours) = ink(&png_bytes);
        assert!(
            share > 0.03 && colours > 8,
            "{view}: looks blank ({:.1}% inked, {colours} colours)",
            share * 100.0
        );
        let log = std::fs::read_to_string(&netlog).unwrap_or_default();
        assert!(
            log.contains("file://"),
            "{view}: the net log did not record the page load"
        );
        let extra: Vec<String> = hosts(&log).difference(&baseline).cloned().collect();
        assert!(extra.is_empty(), "{view}: the page reached {extra:?}");
        if let Some(k) = &keep {
            std::fs::create_dir_all(k).unwrap();
            std::fs::copy(&png_path, k.join(format!("{view}.png"))).unwrap();
        }
    }
    let pdf = dir.path().join("report.pdf");
    let out = chromium(&[
        format!("--print-to-pdf={}", pdf.display()),
        "--no-pdf-header-footer".into(),
        format!("file://{}", file.display()),
    ]);
    let bytes = std::fs::read(&pdf)
        .unwrap_or_else(|e| panic!("no PDF ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let pages = bytes
        .windows(11)
        .filter(|w| w == b"/Type /Page" || w == b"/Type/Page/")
        .count();
    assert!(
        pages >= views.len(),
        "{pages} page(s) for {} views",
        views.len()
    );
    if let Some(k) = &keep {
        std::fs::copy(&pdf, k.join("report.pdf")).unwrap();
        std::fs::copy(&file, k.join("report.html")).unwrap();
    }
}
