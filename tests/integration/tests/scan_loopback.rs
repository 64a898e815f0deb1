//! The agent library scanning the camera simulator on loopback: unicast discovery of a routed
//! range, the auth ladder, credentials scoped to networks, and hostile devices that must cost at
//! most their own timeout.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use camaudit::credentials::{Credential, CredentialSet, Secret};
use camaudit::interrogate::Ctx;
use camaudit::scan::{self, ScanConfig, Silent};
use camaudit::scope::Target;
use camaudit_attribution::PolicySet;
use camaudit_protocol::record::{AuthUsed, Device, Method, ScanReport};
use camaudit_test_support::fleet::{AuthMode, Behaviour, FleetOptions, FleetSpec};
use camaudit_test_support::sim::{Fleet, Mode, RunningFleet};
use camaudit_test_support::stats::{Credentials, Request};

/// A /24 of loopback addresses no other test in this binary uses.
fn unique_net() -> Ipv4Addr {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let b = 100 + (std::process::id() % 100) as u8;
    Ipv4Addr::new(127, b, 10 + n as u8, 0)
}

fn config(net: Ipv4Addr, creds: CredentialSet, timeout: Duration) -> ScanConfig {
    let limits = camaudit::http::Limits {
        connect_timeout: timeout,
        total_timeout: timeout,
        idle_timeout: timeout,
        ..camaudit::http::Limits::default()
    };
    ScanConfig {
        interfaces: Vec::new(),
        targets: vec![Target::Net(ipnet::Ipv4Net::new(net, 24).unwrap())],
        wait: Duration::from_millis(800),
        methods: vec![Method::WsDiscovery],
        interrogate: true,
        concurrency: 32,
        rate: 5000,
        ctx: Ctx {
            credentials: creds,
            limits,
        },
        agent: "test".into(),
        site: None,
    }
}

/// One credential per camera, each bound to that camera's /32 only.
fn per_camera_credentials(spec: &FleetSpec, skip: &[Ipv4Addr]) -> CredentialSet {
    let mut set = CredentialSet::default();
    for c in &spec.cameras {
        if skip.contains(&c.ip) {
            continue;
        }
        if let Some((user, pass)) = c.auth.credentials() {
            set.push(Credential {
                username: user.to_owned(),
                password: Secret::new(pass.to_owned()),
                networks: vec![ipnet::IpNet::from(IpAddr::V4(c.ip))],
            });
        }
    }
    set
}

async fn start(spec: &FleetSpec) -> RunningFleet {
    Fleet::start(
        spec.clone(),
        Mode::Loopback {
            ws_port: 3702,
            http_port: 0,
        },
    )
    .await
    .expect("start simulator")
}

fn by_ip(report: &ScanReport) -> HashMap<Ipv4Addr, &Device> {
    report
        .devices
        .iter()
        .map(|d| (d.ip.parse().unwrap(), d))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_and_identifies_every_camera_it_has_credentials_for() {
    let net = unique_net();
    let base = Ipv4Addr::new(net.octets()[0], net.octets()[1], net.octets()[2], 10);
    let opts = FleetOptions {
        auth_ratio: 0.4,
        max_delay: Duration::from_millis(300),
        ..FleetOptions::default()
    };
    let spec = FleetSpec::generate(40, base, 7, &opts).unwrap();
    let needs_auth: Vec<_> = spec
        .cameras
        .iter()
        .filter(|c| c.auth != AuthMode::None)
        .collect();
    assert!(
        needs_auth.len() >= 8,
        "fleet should exercise the auth ladder"
    );
    // One authenticating camera gets no credential: it must end up `failed`, and must never see
    // anyone else's password.
    let withheld = needs_auth[0].ip;
    let fleet = start(&spec).await;
    let cfg = config(
        net,
        per_camera_credentials(&spec, &[withheld]),
        Duration::from_secs(2),
    );
    let (report, stats) = scan::run(&cfg, &PolicySet::builtin(), &Silent)
        .await
        .unwrap();

    assert_eq!(report.devices.len(), spec.cameras.len(), "stats: {stats:?}");
    let found = by_ip(&report);
    for cam in &spec.cameras {
        let d = found
            .get(&cam.ip)
            .unwrap_or_else(|| panic!("{} not found", cam.ip));
        assert_eq!(d.discovered_by, vec![Method::WsDiscovery]);
        if cam.ip == withheld {
            assert_eq!(d.access.auth, AuthUsed::Failed, "{}", cam.ip);
            assert!(d.reported.serial.is_none());
            assert!(!d.access.errors.is_empty());
            continue;
        }
        let want = &cam.identity;
        let r = &d.reported;
        let ctx = format!(
            "{} ({:?}, {:?}): {:?}",
            cam.ip, cam.profile, cam.auth, d.access.errors
        );
        assert_eq!(
            r.manufacturer.as_deref(),
            Some(want.manufacturer.as_str()),
            "{ctx}"
        );
        assert_eq!(r.model.as_deref(), Some(want.model.as_str()), "{ctx}");
        assert_eq!(r.firmware.as_deref(), Some(want.firmware.as_str()), "{ctx}");
        assert_eq!(r.serial.as_deref(), Some(want.serial.as_str()), "{ctx}");
        assert_eq!(d.mac.map(|m| m.0), Some(want.mac), "{ctx}");
        assert_eq!(
            d.key,
            want.mac
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let auth = match cam.auth {
            AuthMode::None => AuthUsed::None,
            AuthMode::WsUsernameToken { .. } => AuthUsed::WsSecurity,
            AuthMode::Digest { .. } => AuthUsed::HttpDigest,
        };
        assert_eq!(d.access.auth, auth, "{ctx}");
        assert!(d.access.errors.is_empty(), "{ctx}");
    }
    // Credentials were sent only where they were configured.
    for e in fleet.log() {
        if let Request::Http {
            camera,
            credentials,
            ..
        } = e.request
        {
            if camera == withheld {
                assert_eq!(
                    credentials,
                    Credentials::None,
                    "credential sent out of scope"
                );
            }
            assert!(
                !matches!(
                    credentials,
                    Credentials::HttpBasic | Credentials::UsernameTokenText
                ),
                "plain-text credentials on the wire to {camera}"
            );
        }
    }
    assert_eq!(report.summary.devices, spec.cameras.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_devices_are_recorded_with_errors_and_cost_only_their_timeout() {
    let net = unique_net();
    let base = Ipv4Addr::new(net.octets()[0], net.octets()[1], net.octets()[2], 10);
    let opts = FleetOptions {
        auth_ratio: 0.0,
        max_delay: Duration::from_millis(200),
        hostile: 14,
        ..FleetOptions::default()
    };
    let spec = FleetSpec::generate(24, base, 11, &opts).unwrap();
    let kinds: std::collections::HashSet<_> =
        spec.cameras.iter().map(|c| c.behaviour.name()).collect();
    for k in [
        "slow-http",
        "malformed",
        "truncated",
        "oversized",
        "silent",
        "no-http",
        "no-discovery",
    ] {
        assert!(kinds.contains(k), "fleet lacks a {k} camera");
    }
    let _fleet = start(&spec).await;
    let timeout = Duration::from_millis(700);
    let cfg = config(net, CredentialSet::default(), timeout);
    let t0 = Instant::now();
    let (report, _) = scan::run(&cfg, &PolicySet::builtin(), &Silent)
        .await
        .unwrap();
    let took = t0.elapsed();
    let found = by_ip(&report);
    for cam in &spec.cameras {
        let d = found.get(&cam.ip);
        match &cam.behaviour {
            Behaviour::NoDiscovery => assert!(d.is_none(), "{} answered no probe", cam.ip),
            Behaviour::Normal => {
                let d = d.unwrap_or_else(|| panic!("{} not found", cam.ip));
                assert_eq!(
                    d.reported.serial.as_deref(),
                    Some(cam.identity.serial.as_str())
                );
            }
            Behaviour::SlowHttp(delay) if *delay < timeout => {
                let d = d.unwrap();
                assert_eq!(
                    d.reported.serial.as_deref(),
                    Some(cam.identity.serial.as_str())
                );
            }
            other => {
                let d = d.unwrap_or_else(|| panic!("{} ({other:?}) not found", cam.ip));
                assert!(
                    !d.access.errors.is_empty() && d.reported.serial.is_none(),
                    "{} ({other:?}) should carry an error: {:?}",
                    cam.ip,
                    d.access
                );
            }
        }
    }
    // Discovery window, then at most one request timeout per device (they run concurrently),
    // plus scheduling slack on a busy 2-core machine.
    let bound = Duration::from_millis(800 + 300) + timeout * 2 + Duration::from_secs(2);
    assert!(took < bound, "scan took {took:?}, bound {bound:?}");
}
