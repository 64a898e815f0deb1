//! The agent library against the simulator on loopback with every discovery method: Hikvision
//! and Dahua cameras (and their OEMs) with ONVIF switched off are found by SADP and DHIP alone,
//! one device is one record whatever the number of methods that heard it, and everything the
//! agent sent is on the read-only list.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use camaudit::credentials::{Credential, CredentialSet, Secret};
use camaudit::interrogate::Ctx;
use camaudit::scan::{self, DISCOVERY_METHODS, ScanConfig, Silent};
use camaudit::scope::Target;
use camaudit_attribution::PolicySet;
use camaudit_protocol::record::{AuthUsed, Device, Method, ScanReport};
use camaudit_test_support::fleet::{Behaviour, CameraSpec, FleetOptions, FleetSpec, Profile};
use camaudit_test_support::readonly;
use camaudit_test_support::sim::{Fleet, Mode, RunningFleet};
use camaudit_test_support::stats::Request;
use camaudit_test_support::vendor::{Protocol, protocol_of};

/// A /24 of loopback addresses no other test uses (scan_loopback.rs counts from 127.b.10).
fn unique_net() -> Ipv4Addr {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let b = 100 + (std::process::id() % 100) as u8;
    Ipv4Addr::new(127, b, 200 + n as u8, 0)
}

fn fleet_spec(net: Ipv4Addr, seed: u64, mix: &str) -> FleetSpec {
    let base = Ipv4Addr::new(net.octets()[0], net.octets()[1], net.octets()[2], 10);
    let opts = FleetOptions {
        auth_ratio: 0.3,
        max_delay: Duration::from_millis(300),
        vendor_mix: mix.parse().unwrap(),
        ..FleetOptions::default()
    };
    let mut spec = FleetSpec::generate(30, base, seed, &opts).unwrap();
    let off = spec.switch_onvif_off(3);
    assert!(off.len() >= 6, "{off:?}");
    spec
}

fn config(net: Ipv4Addr, creds: CredentialSet, interrogate: bool) -> ScanConfig {
    let t = Duration::from_secs(2);
    ScanConfig {
        interfaces: Vec::new(),
        targets: vec![Target::Net(ipnet::Ipv4Net::new(net, 24).unwrap())],
        wait: Duration::from_millis(800),
        methods: DISCOVERY_METHODS.to_vec(),
        interrogate,
        concurrency: 32,
        rate: 6000,
        ctx: Ctx {
            credentials: creds,
            limits: camaudit::http::Limits {
                connect_timeout: t,
                total_timeout: t,
                idle_timeout: t,
                ..camaudit::http::Limits::default()
            },
        },
        agent: "test".into(),
        site: None,
    }
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
    let map: HashMap<_, _> = report
        .devices
        .iter()
        .map(|d| (d.ip.parse().unwrap(), d))
        .collect();
    assert_eq!(map.len(), report.devices.len(), "one record per address");
    map
}

/// What the camera's own vendor reply says its firmware is (DHIP carries the version only).
fn vendor_firmware(cam: &CameraSpec) -> String {
    match protocol_of(cam.profile) {
        Some(Protocol::Dhip) => cam.identity.firmware.split(',').next().unwrap().to_owned(),
        _ => cam.identity.firmware.clone(),
    }
}

fn vendor_method(cam: &CameraSpec) -> Option<Method> {
    protocol_of(cam.profile).map(|p| match p {
        Protocol::Sadp => Method::Sadp,
        Protocol::Dhip => Method::Dhip,
    })
}

/// Checks a device against the camera's truth from the vendor reply alone.
fn assert_vendor_identity(cam: &CameraSpec, d: &Device) {
    let ctx = format!("{} {:?} {:?}", cam.ip, cam.profile, cam.behaviour);
    let method = vendor_method(cam).unwrap();
    let signal = format!("{}-identity", method.as_str());
    let raw = d
        .attribution
        .evidence
        .iter()
        .find(|e| e.signal == signal)
        .unwrap_or_else(|| panic!("{ctx}: no {signal} evidence: {:?}", d.attribution));
    let want = format!(
        "model={}; serial={}; mac={}; firmware={}",
        cam.identity.model,
        cam.identity.serial,
        cam.identity.mac_string(),
        vendor_firmware(cam)
    );
    assert!(raw.value.ends_with(&want), "{ctx}: {} vs {want}", raw.value);
    let maker = match method {
        Method::Sadp => "Hikvision",
        _ => "Dahua",
    };
    assert_eq!(d.attribution.maker.as_deref(), Some(maker), "{ctx}");
    assert!(d.policy.restricted, "{ctx}");
    assert_eq!(d.mac.map(|m| m.0), Some(cam.identity.mac), "{ctx}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_discovery_alone_identifies_cameras_with_onvif_off() {
    let net = unique_net();
    let spec = fleet_spec(
        net,
        21,
        "hikvision=3,trendnet-hik-oem=1,dahua=2,amcrest=1,axis=1",
    );
    let fleet = start(&spec).await;
    let (report, stats) = scan::run(
        &config(net, CredentialSet::default(), false),
        &PolicySet::builtin(),
        &Silent,
    )
    .await
    .unwrap();
    let found = by_ip(&report);
    assert_eq!(report.devices.len(), spec.cameras.len(), "{stats:?}");
    for cam in &spec.cameras {
        let d = found
            .get(&cam.ip)
            .unwrap_or_else(|| panic!("{} {:?} not found", cam.ip, cam.profile));
        let Some(method) = vendor_method(cam) else {
            assert_eq!(d.discovered_by, [Method::WsDiscovery]);
            continue;
        };
        let want: Vec<Method> = match cam.behaviour {
            Behaviour::OnvifOff => vec![method],
            _ => vec![Method::WsDiscovery, method],
        };
        assert_eq!(d.discovered_by, want, "{} {:?}", cam.ip, cam.behaviour);
        // Nothing was read over HTTP: the record is SADP's or DHIP's alone.
        let r = &d.reported;
        assert_eq!(r.model.as_deref(), Some(cam.identity.model.as_str()));
        assert_eq!(r.serial.as_deref(), Some(cam.identity.serial.as_str()));
        assert_eq!(r.firmware.as_deref(), Some(vendor_firmware(cam).as_str()));
        assert_eq!(d.access.auth, AuthUsed::NotTried);
        assert_vendor_identity(cam, d);
    }
    let log = fleet.log();
    assert!(log.iter().all(|e| matches!(e.request, Request::Udp { .. })));
    assert_eq!(readonly::violations(&log), Vec::<String>::new());
    let kinds = readonly::kinds(&log);
    assert!(kinds["udp sadp inquiry"] > 0 && kinds["udp dhip DHDiscover.search"] > 0);
    for m in DISCOVERY_METHODS {
        assert!(stats.by_method[&m].accepted > 0, "{m:?}: {stats:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_credentials_the_identity_pages_are_read_over_digest_and_nothing_else_is_sent() {
    let net = unique_net();
    // TRENDnet's short SADP reply names no web port: the agent asks port 80, which a loopback
    // simulator on free ports cannot offer (the namespace test covers it).
    let spec = fleet_spec(net, 22, "hikvision=3,dahua=2,amcrest=1,axis=1");
    let mut creds = CredentialSet::default();
    for c in &spec.cameras {
        if let Some((user, pass)) = c.auth.credentials() {
            creds.push(Credential {
                username: user.to_owned(),
                password: Secret::new(pass.to_owned()),
                networks: vec![ipnet::IpNet::from(IpAddr::V4(c.ip))],
            });
        }
    }
    let fleet = start(&spec).await;
    let (report, stats) = scan::run(&config(net, creds, true), &PolicySet::builtin(), &Silent)
        .await
        .unwrap();
    let found = by_ip(&report);
    assert_eq!(report.devices.len(), spec.cameras.len(), "{stats:?}");
    let mut onvif_off = 0;
    for cam in &spec.cameras {
        let d = found[&cam.ip];
        let ctx = format!(
            "{} {:?} {:?} {:?}",
            cam.ip, cam.profile, cam.behaviour, d.access
        );
        assert!(d.access.errors.is_empty(), "{ctx}");
        assert_eq!(
            d.reported.serial.as_deref(),
            Some(cam.identity.serial.as_str()),
            "{ctx}"
        );
        let Some(method) = vendor_method(cam) else {
            continue;
        };
        assert_vendor_identity(cam, d);
        let page = match method {
            Method::Sadp => "isapi-identity",
            _ => "magicbox-identity",
        };
        // A vendor reply always leads to the family's page (anonymously without credentials).
        let read = d.attribution.evidence.iter().any(|e| e.signal == page);
        assert!(read, "{ctx}: {page} missing");
        if cam.behaviour == Behaviour::OnvifOff {
            onvif_off += 1;
            let auth = match cam.auth.credentials() {
                Some(_) => AuthUsed::HttpDigest,
                None => AuthUsed::None,
            };
            assert_eq!(d.access.auth, auth, "{ctx}");
            // The only HTTP evidence such a device gives: its banner or realm.
            if cam.profile == Profile::Hikvision {
                let banner = d
                    .attribution
                    .evidence
                    .iter()
                    .any(|e| e.signal == "http-server");
                assert!(banner, "{ctx}: {:?}", d.attribution.evidence);
            }
        }
        if cam.profile == Profile::Amcrest {
            assert!(
                d.attribution
                    .evidence
                    .iter()
                    .any(|e| e.signal == "dahua-update-serial"),
                "{ctx}"
            );
        }
    }
    assert!(onvif_off >= 6);
    let log = fleet.log();
    assert_eq!(readonly::violations(&log), Vec::<String>::new());
    // ONVIF-off cameras are never asked over ONVIF; no page is read twice.
    let off: Vec<Ipv4Addr> = spec
        .cameras
        .iter()
        .filter(|c| c.behaviour == Behaviour::OnvifOff)
        .map(|c| c.ip)
        .collect();
    let mut pages: HashMap<Ipv4Addr, u32> = HashMap::new();
    for e in &log {
        if let Request::Http {
            camera,
            method,
            status,
            ..
        } = &e.request
        {
            assert!(
                !(method == "POST" && off.contains(camera)),
                "ONVIF request to ONVIF-off {camera}"
            );
            if method == "GET" && *status == 200 {
                *pages.entry(*camera).or_insert(0) += 1;
            }
        }
    }
    assert!(pages.values().all(|&n| n == 1), "{pages:?}");
    assert!(stats.pages_read >= off.len() as u64);
    println!("requests: {:?}", readonly::kinds(&log));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_a_login_page_is_evidence_not_an_error() {
    let net = unique_net();
    let spec = fleet_spec(net, 23, "hikvision=3,dahua=2,amcrest=1");
    let fleet = start(&spec).await;
    let (report, _) = scan::run(
        &config(net, CredentialSet::default(), true),
        &PolicySet::builtin(),
        &Silent,
    )
    .await
    .unwrap();
    let found = by_ip(&report);
    let mut locked = 0;
    for cam in spec
        .cameras
        .iter()
        .filter(|c| c.behaviour == Behaviour::OnvifOff)
    {
        let d = found[&cam.ip];
        let ctx = format!("{} {:?} {:?}", cam.ip, cam.profile, d.access);
        assert_vendor_identity(cam, d);
        assert!(d.access.errors.is_empty(), "{ctx}");
        if cam.auth.credentials().is_none() {
            assert_eq!(d.access.auth, AuthUsed::None, "{ctx}");
            continue;
        }
        locked += 1;
        assert_eq!(d.access.auth, AuthUsed::NotTried, "{ctx}");
        // The login realm is the page's contribution.
        let realm = d
            .attribution
            .evidence
            .iter()
            .find(|e| e.signal == "auth-realm");
        assert!(realm.is_some(), "{ctx}: {:?}", d.attribution.evidence);
    }
    assert!(locked > 0, "the fleet should lock some ONVIF-off pages");
    assert_eq!(readonly::violations(&fleet.log()), Vec::<String>::new());
}
