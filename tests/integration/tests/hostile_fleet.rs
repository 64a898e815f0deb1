//! Hostile cameras on a simulated LAN (root only; skips otherwise): `camaudit-sim` in the camera
//! namespace serves good cameras beside an entity bomb, a 100 MiB body, a one-byte-per-second
//! trickle, 10,000-deep nesting, invalid UTF-8, a 10,000/s ProbeMatches flood, XAddrs naming a
//! host outside the scan (a canary on a second subnet the scanner can reach but is not told
//! about) and inside it, a redirect to that canary, an endless body and XAddrs carrying userinfo;
//! Debian's `wsdd` answers WS-Discovery there too. The `camaudit` binary scans from the scanner
//! namespace with credentials set. Asserted: the scan ends within wait + per-device timeout +
//! slack, every good camera is fully identified, peak RSS stays bounded, no canary sees a byte.

mod common;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use camaudit_protocol::record::{Device, Method, ScanReport};
use camaudit_test_support::canary::{Contact, read_log};
use camaudit_test_support::fleet::Redacted;
use camaudit_test_support::netns::{Lan, LanError, Side};
use camaudit_test_support::stats::StatsSnapshot;
use camaudit_test_support::{AuthMode, Behaviour, FleetOptions, FleetSpec, Profile, VendorMix};
use common::{Scratch, run_agent, workspace_bin};

const GOOD: usize = 8;
const PASSWORD: &str = "Hostile-Fleet-Pw-41";
const WAIT: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(3);
/// Scheduling slack on a shared two-core machine (process start, namespace entry, output).
const SLACK: Duration = Duration::from_secs(4);
/// Peak resident set size allowed to the agent for this fleet.
const MAX_RSS_KIB: u64 = 32 * 1024;
const FLOOD_RATE: u32 = 10_000;
const FLOOD_FOR: Duration = Duration::from_secs(2);
const CONTROL: &str = "reachability-control";

fn lan_or_skip(hosts: usize) -> Option<Lan> {
    match Lan::new(hosts) {
        Ok(lan) => Some(lan),
        Err(LanError::Skip(reason)) => {
            println!("skipped: {reason}");
            None
        }
        Err(e) => panic!("building the LAN: {e}"),
    }
}

fn offset(ip: Ipv4Addr, by: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(ip) + by)
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what} not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every hostile behaviour, in camera order after the good ones.
fn hostile(canary_out: Ipv4Addr, canary_in: Ipv4Addr) -> Vec<Behaviour> {
    vec![
        Behaviour::EntityBomb,
        Behaviour::HugeBody,
        Behaviour::Trickle,
        Behaviour::DeepNesting,
        Behaviour::InvalidUtf8,
        Behaviour::ProbeFlood {
            per_second: FLOOD_RATE,
            duration: FLOOD_FOR,
        },
        Behaviour::ForeignXAddrs(canary_out),
        Behaviour::ForeignXAddrs(canary_in),
        Behaviour::Redirect(format!("http://{canary_out}/onvif/device_service")),
        Behaviour::EndlessBody,
        Behaviour::XAddrUserinfo {
            user: "admin".into(),
            pass: Redacted("Userinfo-Pw-77".into()),
        },
    ]
}

fn fleet(lan: &Lan, canary_out: Ipv4Addr, canary_in: Ipv4Addr) -> FleetSpec {
    let behaviours = hostile(canary_out, canary_in);
    let opts = FleetOptions {
        auth_ratio: 0.5,
        max_delay: Duration::from_millis(300),
        vendor_mix: VendorMix::default(),
        hostile: 0,
    };
    let n = GOOD + behaviours.len();
    let mut spec = FleetSpec::generate(n, lan.camera_base(), 41, &opts).expect("fleet");
    for (cam, b) in spec.cameras.iter_mut().skip(GOOD).zip(behaviours) {
        cam.behaviour = b;
    }
    for cam in &mut spec.cameras {
        // One password for the whole fleet: the scan is given one credential.
        cam.auth = match &cam.auth {
            AuthMode::None => AuthMode::None,
            AuthMode::WsUsernameToken { user, .. } => AuthMode::WsUsernameToken {
                user: user.clone(),
                pass: PASSWORD.into(),
            },
            AuthMode::Digest { user, sha256, .. } => AuthMode::Digest {
                user: user.clone(),
                pass: PASSWORD.into(),
                sha256: *sha256,
            },
        };
        // Tokens are stamped with the camera's clock; keep every camera inside the window.
        cam.clock_skew_secs = cam.clock_skew_secs.clamp(-60, 60);
    }
    // The camera pointing at the outside canary needs credentials: if its XAddr were followed,
    // the canary would see them.
    if let Some(cam) = spec
        .cameras
        .iter_mut()
        .find(|c| c.behaviour == Behaviour::ForeignXAddrs(canary_out))
    {
        cam.profile = Profile::Dahua;
        cam.auth = AuthMode::Digest {
            user: "admin".into(),
            pass: PASSWORD.into(),
            sha256: true,
        };
    }
    spec
}

fn foreign_contacts(contacts: Vec<Contact>) -> Vec<Contact> {
    contacts
        .into_iter()
        .filter(|c| !c.head.starts_with(CONTROL))
        .collect()
}

fn assert_identified(d: &Device, cam: &camaudit_test_support::CameraSpec) {
    let id = &cam.identity;
    let ctx = format!(
        "{} ({}): {:?}",
        cam.ip,
        cam.behaviour.name(),
        d.access.errors
    );
    assert_eq!(
        d.reported.manufacturer.as_deref(),
        Some(id.manufacturer.as_str()),
        "{ctx}"
    );
    assert_eq!(
        d.reported.model.as_deref(),
        Some(id.model.as_str()),
        "{ctx}"
    );
    assert_eq!(
        d.reported.firmware.as_deref(),
        Some(id.firmware.as_str()),
        "{ctx}"
    );
    assert_eq!(
        d.reported.serial.as_deref(),
        Some(id.serial.as_str()),
        "{ctx}"
    );
    assert_eq!(d.mac.map(|m| m.0), Some(id.mac), "{ctx}");
}

#[test]
fn hostile_fleet_beside_good_cameras() {
    let Some(mut lan) = lan_or_skip(GOOD + 11) else {
        return;
    };
    let camaudit = workspace_bin("camaudit");
    let sim = workspace_bin("camaudit-sim");
    let wsdd = ["/usr/sbin/wsdd", "/usr/bin/wsdd"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .expect("wsdd is not installed: apt-get install -y wsdd");

    let (subnet, prefix) = lan.subnet();
    // Inside the scanned /20 but no camera: a canary and wsdd's own address.
    let canary_in = offset(subnet, 0x0f00 + 7);
    let wsdd_addr = offset(subnet, 0x0f00 + 8);
    // The next /20 over: on the camera side, routed from the scanner, never scanned.
    let canary_out = Ipv4Addr::from((u32::from(subnet) ^ 0x1000) + 7);
    lan.add_camera_addrs(&[(canary_in, prefix), (wsdd_addr, prefix), (canary_out, 24)])
        .expect("extra addresses");

    let spec = fleet(&lan, canary_out, canary_in);
    let dir = Scratch::new("hostile");
    std::fs::write(dir.path("fleet.json"), spec.to_json().unwrap()).unwrap();
    let pw = dir.write_private("pw", &format!("{PASSWORD}\n"));
    let (ready, canary_log, stats) = (
        dir.path("ready"),
        dir.path("canary.jsonl"),
        dir.path("stats.json"),
    );

    let mut cmd = lan.command_in(Side::Cameras, &sim);
    cmd.args([
        "--mode",
        "multicast",
        "--http-port",
        "80",
        "--duration",
        "5m",
    ])
    .arg("--fleet")
    .arg(dir.path("fleet.json"))
    .arg("--ready-file")
    .arg(&ready)
    .arg("--stats")
    .arg(&stats)
    .arg("--canary-log")
    .arg(&canary_log)
    .args(["--canary", &format!("{canary_out}:80")])
    .args(["--canary", &format!("{canary_in}:80")])
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(dir.path("sim.out")).unwrap())
    .stderr(std::fs::File::create(dir.path("sim.err")).unwrap());
    let sim_pid = lan.spawn(cmd).expect("spawn the simulator").id();
    let start = Instant::now();
    while !ready.exists() {
        if let Ok(Some(status)) = lan.try_wait(sim_pid) {
            let err = std::fs::read_to_string(dir.path("sim.err")).unwrap_or_default();
            panic!("simulator exited ({status}): {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "simulator not ready"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut cmd = lan.command_in(Side::Cameras, wsdd);
    cmd.args([
        "-4",
        "-i",
        &wsdd_addr.to_string(),
        "-n",
        "NOT-A-CAMERA",
        "-s",
        "-v",
    ])
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(dir.path("wsdd.out")).unwrap())
    .stderr(std::fs::File::create(dir.path("wsdd.err")).unwrap());
    lan.spawn(cmd).expect("spawn wsdd");

    // Positive control: the scanner namespace can reach the outside canary, so "never
    // contacted" below means "chose not to", not "could not".
    let control = lan
        .command_in(Side::Scanner, "timeout")
        .args(["5", "bash", "-c"])
        .arg(format!(
            "exec 3<>/dev/tcp/{canary_out}/80 && printf '{CONTROL}' >&3"
        ))
        .output()
        .expect("control connection");
    assert!(control.status.success(), "canary unreachable: {control:?}");
    wait_until("the control contact", Duration::from_secs(5), || {
        !read_log(&canary_log).is_empty()
    });
    // wsdd announces itself once up; give it a moment so it is on the LAN during the scan.
    wait_until("wsdd startup", Duration::from_secs(10), || {
        std::fs::read_to_string(dir.path("wsdd.err"))
            .unwrap_or_default()
            .contains("Hello")
            || std::fs::read_to_string(dir.path("wsdd.out"))
                .unwrap_or_default()
                .contains("Hello")
    });

    let out = dir.path("scan.json");
    let mut cmd = lan.command_in(Side::Scanner, &camaudit);
    cmd.env("RUST_LOG", "camaudit=info")
        .args(["scan", "-i", lan.interface(Side::Scanner)])
        .args(["--wait", &format!("{}s", WAIT.as_secs())])
        .args(["--timeout", &format!("{}s", TIMEOUT.as_secs())])
        .args(["--user", "admin", "--password-file"])
        .arg(&pw)
        .args(["--format", "json", "-o"])
        .arg(&out);
    let run = run_agent(cmd, &dir, "scan", Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{}: {stderr}", run.status);

    // Stop the simulator politely so it writes its counters.
    let _ = Command::new("kill")
        .args(["-TERM", &sim_pid.to_string()])
        .status();
    wait_until("simulator exit", Duration::from_secs(10), || {
        matches!(lan.try_wait(sim_pid), Ok(Some(_)))
    });
    let sim_stats: StatsSnapshot =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap_or_default())
            .unwrap_or_default();

    let report: ScanReport =
        serde_json::from_slice(&std::fs::read(&out).expect("scan output")).expect("scan JSON");
    let by_ip: HashMap<Ipv4Addr, &Device> = report
        .devices
        .iter()
        .map(|d| (d.ip.parse().unwrap(), d))
        .collect();
    let scan_stats = stderr
        .lines()
        .find(|l| l.contains("scan finished"))
        .unwrap_or("")
        .to_owned();
    let hwm = run.peak_rss_kib.unwrap_or(0);
    println!(
        "hostile fleet: {} cameras ({GOOD} good), scan {:.2}s, peak RSS {} KiB, \
         simulator sent {} ProbeMatches, {} HTTP connections; agent: {scan_stats}",
        spec.cameras.len(),
        run.elapsed.as_secs_f64(),
        hwm,
        sim_stats.replies,
        sim_stats.http_connections,
    );
    for d in &report.devices {
        println!("  {} {:?} {:?}", d.ip, d.reported.serial, d.access.errors);
    }

    // Every camera answered discovery; the flood and its made-up endpoints are one device.
    assert_eq!(report.devices.len(), spec.cameras.len(), "{scan_stats}");
    assert!(!by_ip.contains_key(&wsdd_addr), "wsdd is not a camera");
    for cam in &spec.cameras {
        let d = by_ip
            .get(&cam.ip)
            .unwrap_or_else(|| panic!("{} ({}) not found", cam.ip, cam.behaviour.name()));
        match &cam.behaviour {
            Behaviour::Normal
            | Behaviour::ProbeFlood { .. }
            | Behaviour::ForeignXAddrs(_)
            | Behaviour::XAddrUserinfo { .. } => assert_identified(d, cam),
            Behaviour::InvalidUtf8 => {
                assert_eq!(
                    d.reported.serial.as_deref(),
                    Some(cam.identity.serial.as_str())
                );
                let model = d.reported.model.as_deref().unwrap_or("");
                assert!(
                    model.starts_with(&cam.identity.model) && model.contains('\u{fffd}'),
                    "{model:?}"
                );
            }
            other => {
                // The hostile HTTP answer is recorded as an error; the identity may still come,
                // correct, from the vendor's own discovery reply (SADP/DHIP) or identity page.
                assert!(!d.access.errors.is_empty(), "{}: no error", other.name());
                let by_vendor = d
                    .discovered_by
                    .iter()
                    .any(|m| matches!(m, Method::Sadp | Method::Dhip));
                match &d.reported.serial {
                    Some(s) if by_vendor => assert_eq!(s, &cam.identity.serial, "{}", other.name()),
                    serial => assert!(serial.is_none(), "{}: {d:?}", other.name()),
                }
            }
        }
        if let Behaviour::ForeignXAddrs(host) = &cam.behaviour {
            assert!(
                d.access
                    .errors
                    .iter()
                    .any(|e| e.contains(&host.to_string()) && e.contains("another host")),
                "{:?}",
                d.access.errors
            );
        }
        assert!(d.xaddrs.iter().all(|x| !x.contains('@')), "{:?}", d.xaddrs);
    }

    // Bounded time: discovery wait, then at most one request timeout for any device.
    let bound = WAIT + TIMEOUT + SLACK;
    assert!(
        run.elapsed < bound,
        "scan took {:?}, bound {bound:?}",
        run.elapsed
    );
    // Bounded memory.
    assert!(hwm > 0, "no RSS sample");
    assert!(hwm < MAX_RSS_KIB, "peak RSS {hwm} KiB");
    // The canaries saw nothing but the control connection.
    let canary_out_addr = SocketAddr::from((canary_out, 80));
    let seen = foreign_contacts(read_log(&canary_log));
    assert!(seen.is_empty(), "canary contacted: {seen:?}");
    let control_seen = read_log(&canary_log)
        .into_iter()
        .filter(|c| c.canary == canary_out_addr)
        .count();
    assert_eq!(control_seen, 1);
    // The flood really happened (at least half its datagrams left the simulator).
    let flood_total = u64::from(FLOOD_RATE) * FLOOD_FOR.as_secs();
    assert!(
        sim_stats.replies >= flood_total / 2,
        "flood sent only {} datagrams",
        sim_stats.replies
    );
    assert!(
        report
            .devices
            .iter()
            .all(|d| d.ip != canary_out.to_string())
    );
    // The userinfo a device advertised is nowhere in what the agent wrote.
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    for place in [written.as_str(), stderr.as_str()] {
        assert!(
            !place.contains("Userinfo-Pw-77"),
            "userinfo password recorded"
        );
    }
    // wsdd was on the LAN and saw the agent's multicast Probes (and answered none of them: it
    // only answers `wsdp:Device` probes, and it is not in the report).
    let wsdd_log = std::fs::read_to_string(dir.path("wsdd.err")).unwrap_or_default()
        + &std::fs::read_to_string(dir.path("wsdd.out")).unwrap_or_default();
    let scanner = lan.scanner_addr().to_string();
    assert!(
        wsdd_log
            .lines()
            .any(|l| l.contains(&scanner) && l.contains("Probe")),
        "wsdd saw no probe from the scanner:\n{wsdd_log}"
    );
}
