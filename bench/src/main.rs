//! camaudit-fleetbench: scan speed, memory and correctness of camaudit and of peer tools
//! against the simulated camera fleet, in network namespaces this process creates.
//!
//! For each fleet size: a two-namespace LAN, the simulator with N cameras in the camera
//! namespace, then every tool run (warm-up + measured runs) in the scanner namespace under a
//! hard time limit. Manual only (root, minutes per size): see `bench/run.sh` and BENCHMARKS.md.

mod measure;
mod report;
mod scenario;
mod score;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use camaudit_test_support::netns::{Lan, LanError, Side};
use clap::{Parser, ValueEnum};

use crate::report::{Run, Series};
use crate::scenario::{Files, Shape};

#[derive(Parser, Debug)]
#[command(
    name = "camaudit-fleetbench",
    about = "camaudit and peers against the simulated fleet"
)]
struct Cli {
    /// Fleet sizes, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "50,250,1000")]
    sizes: Vec<usize>,
    /// Measured runs per tool and size.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Unmeasured runs first (page cache, neighbour table, Python bytecode).
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    #[arg(long, value_delimiter = ',', default_value = "camaudit")]
    tools: Vec<Tool>,
    /// Discovery window given to every tool (camaudit `--wait`, the peers' probe timeout).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    wait: Duration,
    /// Add a few slow and silent devices (1 slow per 100 cameras, 1 silent per 500).
    #[arg(long)]
    stragglers: bool,
    /// Delay of a slow device before each HTTP answer.
    #[arg(long, default_value = "300ms", value_parser = humantime::parse_duration)]
    slow_delay: Duration,
    #[arg(long, default_value_t = 0.2)]
    auth_ratio: f64,
    /// Upper bound of each camera's Probe reply delay.
    #[arg(long, default_value = "500ms", value_parser = humantime::parse_duration)]
    max_delay: Duration,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Per-request timeout given to every tool.
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
    request_timeout: Duration,
    /// Hard limit of one run of a peer (camaudit gets wait + 30 s).
    #[arg(long, default_value = "180s", value_parser = humantime::parse_duration)]
    peer_limit: Duration,
    /// The camaudit binary.
    #[arg(long, default_value = "target/release/camaudit")]
    camaudit: PathBuf,
    /// The simulator binary.
    #[arg(long, default_value = "target/release/camaudit-sim")]
    sim: PathBuf,
    /// Where the peers are installed (`venv/`, `node/node_modules`) and their `drivers/`.
    #[arg(long, default_value = "bench/peers")]
    peers: PathBuf,
    /// Results directory (every run as JSON, the table as Markdown).
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Label of this invocation (file names and the table's scenario column).
    #[arg(long)]
    label: Option<String>,
    /// Exit 1 unless every camaudit run found every camera, identified every identifiable one,
    /// reported no wrong identity and the kernel dropped nothing.
    #[arg(long)]
    check: bool,
    /// Run camaudit under this command (e.g. `valgrind --tool=massif --massif-out-file=/tmp/m`)
    /// to profile it on the fleet; the figures then measure the wrapper too.
    #[arg(long, allow_hyphen_values = true)]
    wrap: Option<String>,
    /// Keep the working directory (fleet spec, credentials, every tool's output) for reading.
    #[arg(long)]
    keep: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Tool {
    Camaudit,
    /// WSDiscovery + onvif-zeep-async (Python).
    WsdZeep,
    /// npm `onvif`.
    NodeOnvif,
    /// npm `onvif` with its `bufferSize` probe option at 4 MiB.
    NodeOnvifRcvbuf,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Self::Camaudit => "camaudit",
            Self::WsdZeep => "WSDiscovery + onvif-zeep-async",
            Self::NodeOnvif => "npm onvif",
            Self::NodeOnvifRcvbuf => "npm onvif, bufferSize 4 MiB",
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match bench(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("camaudit-fleetbench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A prepared invocation of one tool.
struct Invocation {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    limit: Duration,
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("resolving {}", p.display()))
}

fn invocation(cli: &Cli, tool: Tool, files: &Files) -> anyhow::Result<Invocation> {
    let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
    let wait = humantime::format_duration(cli.wait).to_string();
    let timeout = humantime::format_duration(cli.request_timeout).to_string();
    let peers = absolute(&cli.peers)?;
    let common = |driver: &str| -> Vec<String> {
        vec![
            peers.join("drivers").join(driver).display().to_string(),
            "--wait".into(),
            secs(cli.wait),
            "--credentials".into(),
            files.credentials_json.display().to_string(),
            "--timeout".into(),
            secs(cli.request_timeout),
        ]
    };
    Ok(match tool {
        Tool::Camaudit => {
            let args = vec![
                "scan".into(),
                "--wait".into(),
                wait,
                "--timeout".into(),
                timeout,
                "--format".into(),
                "json".into(),
                "--credentials".into(),
                files.credentials_toml.display().to_string(),
            ];
            let program = absolute(&cli.camaudit)?;
            match &cli.wrap {
                None => Invocation {
                    program,
                    args,
                    env: Vec::new(),
                    limit: cli.wait + Duration::from_secs(30),
                },
                Some(wrap) => {
                    let mut words = wrap.split_whitespace().map(str::to_owned);
                    let wrapper = words.next().context("--wrap is empty")?;
                    let mut all: Vec<String> = words.collect();
                    all.push(program.display().to_string());
                    all.extend(args);
                    Invocation {
                        program: which(&wrapper).unwrap_or_else(|_| PathBuf::from(wrapper)),
                        args: all,
                        env: Vec::new(),
                        limit: cli.peer_limit,
                    }
                }
            }
        }
        Tool::WsdZeep => Invocation {
            program: peers.join("venv/bin/python"),
            args: common("wsd_zeep.py"),
            env: Vec::new(),
            limit: cli.peer_limit,
        },
        Tool::NodeOnvif | Tool::NodeOnvifRcvbuf => Invocation {
            program: which("node")?,
            args: {
                let mut args = common("onvif_node.js");
                if tool == Tool::NodeOnvifRcvbuf {
                    args.extend(["--buffer-size".into(), (4 << 20).to_string()]);
                }
                args
            },
            env: vec![(
                "NODE_PATH".into(),
                peers.join("node/node_modules").display().to_string(),
            )],
            limit: cli.peer_limit,
        },
    })
}

fn which(program: &str) -> anyhow::Result<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .with_context(|| format!("{program} is not on PATH"))
}

fn check_installed(cli: &Cli) -> anyhow::Result<()> {
    for (tool, path) in [
        (Tool::Camaudit, cli.camaudit.clone()),
        (Tool::WsdZeep, cli.peers.join("venv/bin/python")),
        (Tool::NodeOnvif, cli.peers.join("node/node_modules/onvif")),
        (
            Tool::NodeOnvifRcvbuf,
            cli.peers.join("node/node_modules/onvif"),
        ),
    ] {
        if cli.tools.contains(&tool) && !path.exists() {
            bail!(
                "{} is not installed at {} (camaudit: cargo build --release -p camaudit; \
                 peers: bench/setup-peers.sh)",
                tool.name(),
                path.display()
            );
        }
    }
    if !cli.sim.exists() {
        bail!(
            "simulator not found at {} (cargo build --release -p camaudit-test-support)",
            cli.sim.display()
        );
    }
    Ok(())
}

fn bench(cli: &Cli) -> anyhow::Result<bool> {
    check_installed(cli)?;
    if cli.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let label = cli.label.clone().unwrap_or_else(|| {
        let kind = if cli.stragglers {
            "stragglers"
        } else {
            "clean"
        };
        format!("{kind}-wait{}", humantime::format_duration(cli.wait))
    });
    let work = std::env::temp_dir().join(format!("camaudit-fleetbench-{}", std::process::id()));
    let machine = machine();
    let load_before = loadavg();
    eprintln!("fleetbench: {label}: {machine}, load average {load_before}");
    let mut all = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for &n in &cli.sizes {
            all.extend(bench_size(cli, n, &label, &work.join(format!("n{n}")))?);
        }
        Ok(())
    })();
    if cli.keep {
        eprintln!("fleetbench: kept {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    result?;

    std::fs::create_dir_all(&cli.out).with_context(|| format!("creating {}", cli.out.display()))?;
    let json_path = cli.out.join(format!("{label}.json"));
    let load = format!("load average {load_before} before, {} after", loadavg());
    let doc = serde_json::json!({
        "label": label,
        "machine": machine,
        "load": load,
        "command": std::env::args().collect::<Vec<_>>(),
        "series": all,
    });
    std::fs::write(&json_path, serde_json::to_string_pretty(&doc)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    let table = report::table(&all);
    let md_path = cli.out.join(format!("{label}.md"));
    std::fs::write(&md_path, format!("{label} — {machine} ({load})\n\n{table}"))
        .with_context(|| format!("writing {}", md_path.display()))?;
    println!("{label} — {machine} ({load})\n\n{table}");
    eprintln!(
        "fleetbench: wrote {} and {}",
        json_path.display(),
        md_path.display()
    );

    if cli.check {
        let failed: Vec<String> = all
            .iter()
            .filter(|s| s.tool == Tool::Camaudit.name())
            .flat_map(|s| s.runs.iter().map(move |r| (s.cameras, r)))
            .filter_map(|(n, r)| {
                let s = &r.score;
                let ok = r.error.is_none()
                    && !r.usage.timed_out
                    && s.found == s.cameras
                    && s.identified == s.identifiable
                    && s.wrong == 0
                    && r.udp.rcvbuf_errors == 0;
                (!ok).then(|| {
                    format!(
                        "N={n}: found {}/{}, identified {}/{}, wrong {}, drops {}, error {:?}, \
                         incomplete {:?}",
                        s.found,
                        s.cameras,
                        s.identified,
                        s.identifiable,
                        s.wrong,
                        r.udp.rcvbuf_errors,
                        r.error,
                        s.incomplete_sample
                    )
                })
            })
            .collect();
        for f in &failed {
            eprintln!("fleetbench: check failed: {f}");
        }
        return Ok(failed.is_empty());
    }
    Ok(true)
}

fn bench_size(cli: &Cli, n: usize, label: &str, dir: &Path) -> anyhow::Result<Vec<Series>> {
    let mut lan = match Lan::new(n) {
        Ok(lan) => lan,
        Err(LanError::Skip(why)) => bail!("cannot build the namespaces: {why} (run as root)"),
        Err(e) => return Err(e).context("building the namespaces"),
    };
    for note in lan.notes() {
        eprintln!("fleetbench: note: {note}");
    }
    let shape = Shape {
        seed: cli.seed,
        auth_ratio: cli.auth_ratio,
        max_delay: cli.max_delay,
        stragglers: cli.stragglers,
        slow_delay: cli.slow_delay,
    };
    let spec = scenario::fleet(n, lan.camera_base(), &shape)?;
    let files = Files::write(dir, &spec)?;
    start_sim(cli, &mut lan, &files, n)?;
    let wire_mac = wire_mac(&lan);

    let mut out = Vec::new();
    for &tool in &cli.tools {
        let inv = invocation(cli, tool, &files)?;
        let mut series = Series {
            scenario: label.to_owned(),
            cameras: n,
            tool: tool.name().to_owned(),
            wait: humantime::format_duration(cli.wait).to_string(),
            runs: Vec::new(),
        };
        for i in 0..cli.warmup + cli.runs {
            let warm = i < cli.warmup;
            let out_file = dir.join(format!("{tool:?}-{i}.out").to_lowercase());
            let run = one_run(&lan, &inv, tool, (&spec, wire_mac), &out_file)?;
            eprintln!(
                "fleetbench: N={n} {} {} {}: wall {:.2}s cpu {:.2}s rss {:.1}MB found {} \
                 identified {}/{} wrong {} drops {}{}",
                tool.name(),
                if warm { "warm-up" } else { "run" },
                i + 1 - if warm { 0 } else { cli.warmup },
                run.usage.wall_s,
                run.usage.cpu_s(),
                run.usage.max_rss_kb as f64 / 1024.0,
                run.score.found,
                run.score.identified,
                run.score.identifiable,
                run.score.wrong,
                run.udp.rcvbuf_errors,
                run.error
                    .as_deref()
                    .map(|e| format!(" error: {e}"))
                    .unwrap_or_default()
            );
            if !warm {
                series.runs.push(run);
            }
            // Let the cameras' side of the last run's connections close.
            std::thread::sleep(Duration::from_millis(500));
        }
        out.push(series);
    }
    Ok(out)
}

fn one_run(
    lan: &Lan,
    inv: &Invocation,
    tool: Tool,
    (spec, wire_mac): (&camaudit_test_support::FleetSpec, Option<[u8; 6]>),
    out_file: &Path,
) -> anyhow::Result<Run> {
    let before = measure::udp_counters(lan)?;
    let usage = measure::run(lan, &inv.program, &inv.args, &inv.env, out_file, inv.limit)?;
    let after = measure::udp_counters(lan)?;
    let text = std::fs::read_to_string(out_file).unwrap_or_default();
    let (observed, error) = match tool {
        Tool::Camaudit => match score::from_camaudit(&text) {
            Ok(o) => (o, None),
            Err(e) => {
                let stderr =
                    std::fs::read_to_string(out_file.with_extension("stderr")).unwrap_or_default();
                let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
                (
                    Vec::new(),
                    Some(format!("{e}; exit {}; {tail}", usage.exit)),
                )
            }
        },
        Tool::WsdZeep | Tool::NodeOnvif | Tool::NodeOnvifRcvbuf => (score::from_lines(&text), None),
    };
    Ok(Run {
        score: score::score(spec, &observed, wire_mac),
        udp: measure::UdpCounters {
            rcvbuf_errors: after.rcvbuf_errors.saturating_sub(before.rcvbuf_errors),
            in_errors: after.in_errors.saturating_sub(before.in_errors),
        },
        usage,
        error,
    })
}

/// Starts the simulator in the camera namespace (multicast mode, HTTP on port 80) and waits,
/// bounded, until every socket is bound.
fn start_sim(cli: &Cli, lan: &mut Lan, files: &Files, n: usize) -> anyhow::Result<()> {
    let ready = files.dir.join("ready");
    let _ = std::fs::remove_file(&ready);
    let per_run = cli.peer_limit.max(cli.wait + Duration::from_secs(30));
    let runs = (cli.warmup + cli.runs) as u32 * cli.tools.len() as u32;
    let duration = per_run * runs + Duration::from_secs(120);
    let mut cmd = Command::new(absolute(&cli.sim)?);
    cmd.args(["--mode", "multicast", "--http-port", "80", "--fleet"])
        .arg(&files.spec)
        .arg("--ready-file")
        .arg(&ready)
        .arg("--duration")
        .arg(format!("{}s", duration.as_secs()));
    let pid = lan
        .spawn_in(Side::Cameras, &cmd)
        .context("starting the simulator")?
        .id();
    let started = Instant::now();
    while !ready.exists() {
        if let Some(status) = lan.try_wait(pid)? {
            bail!("the simulator exited before it was ready: {status}");
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the simulator was not ready within 60 s for {n} cameras");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// The MAC of the camera side of the veth pair, which every simulated camera answers ARP with.
fn wire_mac(lan: &Lan) -> Option<[u8; 6]> {
    let out = Command::new("ip")
        .args([
            "-n",
            lan.namespace(Side::Cameras),
            "-o",
            "link",
            "show",
            "dev",
        ])
        .arg(lan.interface(Side::Cameras))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mac = text
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)?;
    camaudit_test_support::fleet::parse_mac(mac)
}

/// The 1-minute load average: the machine is shared, and the figures move with it.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// `2 × AMD EPYC, Linux 6.18.44` from /proc.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpus} × {model}, Linux {}", kernel.trim())
}
