//! No secret ever leaks: the `camaudit` binary scans loopback cameras that need WS-UsernameToken
//! and HTTP Digest (MD5 and SHA-256) at the most verbose log level, with credentials set, and
//! neither its logs (text and JSON), its output files (JSON, CSV), stdout nor any panic message
//! holds the password, a digest response, a token or the whole `Authorization` value the cameras
//! received; URIs a device hands out with `user:pass@` are recorded without it.

mod common;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::process::Command;
use std::time::Duration;

use camaudit_protocol::record::{AuthUsed, ScanReport};
use camaudit_test_support::fleet::Redacted;
use camaudit_test_support::secrets::Secrets;
use camaudit_test_support::sim::{Fleet, Mode};
use camaudit_test_support::stats::{AuthOutcome, Credentials, Request};
use camaudit_test_support::{AuthMode, Behaviour, FleetOptions, FleetSpec};
use common::{AgentRun, Scratch, assert_no_secrets_in_run, run_agent, workspace_bin};

const PASSWORD: &str = "Sup3r-Secret-Pw/7q";
const WRONG_PASSWORD: &str = "Not-The-Configured-Pw";
const XADDR_PASSWORD: &str = "XAddr-Leaked-Pw-93";

/// A loopback /24 of its own (the other loopback tests use third octets below 100).
fn unique_net() -> Ipv4Addr {
    Ipv4Addr::new(127, 20 + (std::process::id() % 80) as u8, 200, 0)
}

/// Runs one scan; `extra` selects format, output file and log format.
fn scan(
    dir: &Scratch,
    tag: &str,
    net: Ipv4Addr,
    pw_file: &std::path::Path,
    extra: &[&str],
) -> AgentRun {
    let mut cmd = Command::new(workspace_bin("camaudit"));
    cmd.env("RUST_LOG", "trace")
        .env_remove("CAMAUDIT_PASSWORD")
        .args(["-vv", "scan", "--target"])
        .arg(format!("{net}/24"))
        .args([
            "--wait",
            "1s",
            "--timeout",
            "2s",
            "--user",
            "admin",
            "--password-file",
        ])
        .arg(pw_file)
        .args(extra);
    let run = run_agent(cmd, dir, tag, Duration::from_secs(60));
    assert!(
        run.status.success(),
        "{tag}: {} {}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_scan_with_credentials_leaks_no_secret() {
    let net = unique_net();
    let base = Ipv4Addr::new(net.octets()[0], net.octets()[1], net.octets()[2], 10);
    let opts = FleetOptions {
        auth_ratio: 1.0,
        max_delay: Duration::from_millis(100),
        ..FleetOptions::default()
    };
    let mut spec = FleetSpec::generate(8, base, 23, &opts).unwrap();
    for (i, cam) in spec.cameras.iter_mut().enumerate() {
        let (user, pass) = ("admin".to_owned(), PASSWORD.to_owned());
        cam.clock_skew_secs = cam.clock_skew_secs.clamp(-30, 30);
        cam.auth = match i % 3 {
            0 => AuthMode::WsUsernameToken { user, pass },
            1 => AuthMode::Digest {
                user,
                pass,
                sha256: false,
            },
            _ => AuthMode::Digest {
                user,
                pass,
                sha256: true,
            },
        };
    }
    // One camera whose password differs: the credentials go out and are refused.
    spec.cameras[6].auth = AuthMode::Digest {
        user: "admin".into(),
        pass: WRONG_PASSWORD.into(),
        sha256: true,
    };
    // One camera advertising XAddrs with its own credentials in them.
    spec.cameras[7].auth = AuthMode::None;
    spec.cameras[7].behaviour = Behaviour::XAddrUserinfo {
        user: "root".into(),
        pass: Redacted(XADDR_PASSWORD.into()),
    };
    let fleet = Fleet::start(
        spec.clone(),
        Mode::Loopback {
            ws_port: 3702,
            http_port: 0,
        },
    )
    .await
    .expect("start the simulator");

    let dir = Scratch::new("secrets");
    let pw = dir.write_private("pw", &format!("{PASSWORD}\n"));
    let json_out = dir.path("out.json");
    let csv_out = dir.path("out.csv");
    let json_run = tokio::task::spawn_blocking({
        let (pw, out) = (pw.clone(), json_out.clone());
        move || {
            let d = Scratch::new("secrets-json");
            let mut r = scan(
                &d,
                "json",
                net,
                &pw,
                &["--format", "json", "-o", out.to_str().unwrap()],
            );
            r.files.push(out);
            r
        }
    })
    .await
    .unwrap();
    let csv_run = tokio::task::spawn_blocking({
        let (pw, out) = (pw.clone(), csv_out.clone());
        move || {
            let d = Scratch::new("secrets-csv");
            let mut r = scan(
                &d,
                "csv",
                net,
                &pw,
                &[
                    "--log-format",
                    "json",
                    "--format",
                    "csv",
                    "-o",
                    out.to_str().unwrap(),
                ],
            );
            r.files.push(out);
            r
        }
    })
    .await
    .unwrap();

    // The scans really were verbose and really used the credentials.
    for run in [&json_run, &csv_run] {
        let stderr = String::from_utf8_lossy(&run.stderr);
        // The agent has no trace-level events; debug lines prove the filter let everything by.
        assert!(stderr.contains("DEBUG"), "not verbose");
        assert!(
            stderr.lines().count() > 20,
            "too few log lines to mean anything"
        );
    }
    let log = fleet.log();
    let accepted = |kind: Credentials| {
        log.iter().any(|e| {
            matches!(&e.request, Request::Http { credentials, auth: AuthOutcome::Accepted, .. }
                if *credentials == kind)
        })
    };
    assert!(
        accepted(Credentials::UsernameTokenDigest),
        "no UsernameToken was accepted"
    );
    assert!(
        accepted(Credentials::HttpDigest),
        "no HTTP Digest was accepted"
    );
    let report: ScanReport =
        serde_json::from_slice(&std::fs::read(&json_out).unwrap()).expect("scan JSON");
    let by_ip: HashMap<Ipv4Addr, _> = report
        .devices
        .iter()
        .map(|d| (d.ip.parse().unwrap(), d))
        .collect();
    for (i, cam) in spec.cameras.iter().enumerate() {
        let d = by_ip
            .get(&cam.ip)
            .unwrap_or_else(|| panic!("{} not found", cam.ip));
        let want = match (i, &cam.auth) {
            (6, _) => AuthUsed::Failed,
            (_, AuthMode::None) => AuthUsed::None,
            (_, AuthMode::WsUsernameToken { .. }) => AuthUsed::WsSecurity,
            (_, AuthMode::Digest { .. }) => AuthUsed::HttpDigest,
        };
        assert_eq!(d.access.auth, want, "{}: {:?}", cam.ip, d.access.errors);
        if want != AuthUsed::Failed {
            assert_eq!(
                d.reported.serial.as_deref(),
                Some(cam.identity.serial.as_str())
            );
        }
    }
    // The userinfo camera: its XAddrs are recorded, without userinfo.
    let leaky = by_ip[&spec.cameras[7].ip];
    assert!(!leaky.xaddrs.is_empty());
    assert!(
        leaky.xaddrs.iter().all(|x| !x.contains('@')),
        "{:?}",
        leaky.xaddrs
    );

    let mut secrets = Secrets::new();
    secrets
        .add_password("admin", PASSWORD)
        .add_password("admin", WRONG_PASSWORD)
        .add_password("root", XADDR_PASSWORD);
    let received = fleet.received_secrets();
    assert!(
        received.len() >= 10,
        "only {} credential values on the wire",
        received.len()
    );
    secrets.add_all("credential value a camera received", &received);
    assert_no_secrets_in_run(&secrets, &json_run, &[]);
    assert_no_secrets_in_run(&secrets, &csv_run, &[]);
}
