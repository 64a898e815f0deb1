//! The `camaudit-central` binary end to end: programme, registry, claims and exceptions go
//! through the CLI into the audit log; reports come out in every format, redacted on request.

mod support;

use std::path::Path;
use std::process::Command;

use camaudit_central::ingest::parse::{self, Parsed};
use camaudit_central::sim;
use camaudit_central::store::Store;
use camaudit_central::store::sqlite::SqliteStore;
use camaudit_central::time::Ts;
use support::TempDir;

fn bin(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit-central"))
        .args(args)
        .env("CAMAUDIT_ACTOR", "alice@estates")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (good, out, err) = bin(args);
    assert!(good, "{args:?} failed: {err}");
    out
}

/// Agents' facts only (no human actions): the CLI adds those.
fn seed(db: &Path) -> sim::Fleet {
    let fleet = sim::plan(6, 10, 12, 42);
    let mut s = SqliteStore::open(db).unwrap();
    let mut facts = Vec::new();
    for (_, msgs) in sim::messages(&fleet, "camaudit") {
        for m in msgs {
            if let Ok(Parsed::Fact(f)) = parse::message("camaudit", &m.topic, &m.payload, Ts(0)) {
                facts.push(*f);
            }
        }
    }
    s.append_facts(&facts).unwrap();
    fleet
}

#[test]
fn human_changes_go_through_the_cli_into_the_audit_log() {
    let dir = TempDir::new("cli");
    let db_path = dir.path().join("central.db");
    let db = db_path.to_str().unwrap();
    let fleet = seed(&db_path);
    ok(&[
        "programme",
        "set",
        "--db",
        db,
        "--reason",
        "board decision 2026-01",
        "--at",
        "2026-01-01",
        "--name",
        "NIL removal",
        "--lens",
        "uk-nil",
        "--baseline",
        "2026-01-05",
        "--deadline",
        "2026-12-31",
        "--target",
        "2026-06-30:50",
        "--target",
        "2026-12-31:100",
        "--no-new-deployments",
        "2026-02-01",
    ]);
    let sites = dir.path().join("sites.csv");
    std::fs::write(&sites, "site_id,org,name,kind,region,sensitivity,expected_agents\nsite-00000,Home Office,Marsham Street,office,London,high,1\nsite-00001,DfE,Hill School,school,North,medium,1\n").unwrap();
    let out = ok(&[
        "sites",
        "import",
        "--db",
        db,
        "--reason",
        "registry v1",
        "--at",
        "2026-01-01",
        sites.to_str().unwrap(),
    ]);
    assert!(out.contains("2 row(s)"), "{out}");
    let site = &fleet.sites[0];
    let dev = site
        .devices
        .iter()
        .find(|d| {
            d.in_programme
                && matches!(
                    d.fate,
                    sim::Fate::Untouched | sim::Fate::Isolated(_) | sim::Fate::Scheduled(_)
                )
        })
        .expect("an untouched device");
    // A step that skips nothing but moves backwards is refused, with the reason.
    ok(&[
        "status",
        "set",
        "--db",
        db,
        "--reason",
        "WO-1 raised",
        "--at",
        "2026-03-30",
        "--site",
        &site.site,
        "--device",
        &dev.key,
        "--status",
        "scheduled",
        "--reference",
        "WO-1",
    ]);
    let (good, _, err) = bin(&[
        "status",
        "set",
        "--db",
        db,
        "--reason",
        "typo",
        "--at",
        "2026-03-31",
        "--site",
        &site.site,
        "--device",
        &dev.key,
        "--status",
        "isolated",
    ]);
    assert!(!good && err.contains("steps only move forward"), "{err}");
    let (good, _, err) = bin(&[
        "status",
        "set",
        "--db",
        db,
        "--reason",
        "x",
        "--site",
        &site.site,
        "--device",
        "no-such-device",
        "--status",
        "removed",
    ]);
    assert!(!good && err.contains("has not seen"), "{err}");
    ok(&[
        "exception",
        "add",
        "--db",
        db,
        "--reason",
        "lift CCTV, no alternative",
        "--at",
        "2026-02-01",
        "--id",
        "EX-1",
        "--site",
        "site-00001",
        "--controls",
        "isolated VLAN",
        "--owner",
        "head of estates",
        "--approver",
        "SIRO",
        "--expires",
        "2026-06-01",
    ]);
    ok(&[
        "exception",
        "renew",
        "--db",
        db,
        "--reason",
        "supplier delay",
        "--at",
        "2026-05-20",
        "--id",
        "EX-1",
        "--expires",
        "2026-09-01",
    ]);
    let audit = ok(&["audit", "--db", db]);
    let lines: Vec<&str> = audit.lines().collect();
    assert_eq!(lines.len(), 1 + 1 + 2 + 1 + 2, "{audit}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("alice@estates") || l.starts_with("id,")),
        "{audit}"
    );
    assert!(
        audit.contains("step")
            && audit.contains("exception-renew")
            && audit.contains("supplier delay")
    );

    let json = ok(&[
        "report",
        "--db",
        db,
        "--format",
        "json",
        "--as-at",
        "2026-03-31",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["programme"]["name"], "NIL removal");
    let d = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == dev.key.as_str())
        .unwrap();
    assert_eq!(d["status"], "scheduled");
    let site1_excepted = v["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["site_id"] == "site-00001")
        .unwrap()["excepted"]
        .as_u64()
        .unwrap();
    assert!(site1_excepted > 0, "the exception covers site-00001");
    // As at before the claim, the device was identified.
    let early: serde_json::Value = serde_json::from_str(&ok(&[
        "report",
        "--db",
        db,
        "--format",
        "json",
        "--as-at",
        "2026-03-01",
    ]))
    .unwrap();
    let d = early["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == dev.key.as_str())
        .unwrap();
    assert_eq!(d["status"], "identified");

    // Redaction reaches every format.
    let serial = dev.record.reported.serial.clone().unwrap();
    for format in ["html", "csv", "json"] {
        let out = ok(&[
            "report",
            "--db",
            db,
            "--format",
            format,
            "--redact",
            "sites,ips,serials",
            "--as-at",
            "2026-03-31",
        ]);
        for secret in ["Marsham Street", "site-00000", &serial, &dev.record.ip] {
            assert!(!out.contains(secret), "{format}: {secret} leaked");
        }
    }
    let xlsx = dir.path().join("r.xlsx");
    ok(&[
        "report",
        "--db",
        db,
        "--format",
        "xlsx",
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "Devices",
            "Sites",
            "Burndown",
            "Makers",
            "Exceptions",
            "Changes",
            "Agents"
        ]
    );
    let devices = wb.worksheet_range("Devices").unwrap();
    assert_eq!(
        devices.height(),
        1 + fleet.sites.iter().map(|s| s.devices.len()).sum::<usize>()
    );
    let csv = ok(&["report", "--db", db, "--format", "csv", "--table", "sites"]);
    assert!(csv.starts_with("site,name,org"), "{csv}");
    assert!(csv.contains("Marsham Street"));
}
