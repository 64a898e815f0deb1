//! camaudit-sim: run a simulated camera fleet (loopback or, in a network namespace, multicast),
//! or send one test Probe and count the answers.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use camaudit_test_support::canary::RunningCanary;
use camaudit_test_support::fleet::{FleetOptions, FleetSpec, VendorMix};
use camaudit_test_support::probe;
use camaudit_test_support::sim::{Fleet, Mode, RunningFleet};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "camaudit-sim",
    version,
    about = "Simulated ONVIF cameras replaying real captured responses",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Send one WS-Discovery Probe and print a JSON report of the ProbeMatches that answer it.
    Probe(ProbeArgs),
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Number of cameras to generate.
    #[arg(long, default_value_t = 20)]
    count: usize,
    /// First camera address (following ones skip .0 and .255).
    #[arg(long, default_value = "127.77.0.10")]
    base: Ipv4Addr,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of cameras that require credentials.
    #[arg(long, default_value_t = 0.2)]
    auth_ratio: f64,
    /// Upper bound of the per-camera Probe reply delay.
    #[arg(long, default_value = "500ms", value_parser = humantime::parse_duration)]
    max_delay: Duration,
    /// Cameras with a hostile behaviour (slow, malformed, truncated, oversized, silent…).
    #[arg(long, default_value_t = 0)]
    hostile: usize,
    /// Vendor weights, e.g. `hikvision=30,dahua=15,axis=10`.
    #[arg(long)]
    vendors: Option<VendorMix>,
    #[arg(long, value_enum, default_value_t = ModeArg::Loopback)]
    mode: ModeArg,
    /// WS-Discovery port (loopback mode; multicast mode always uses 3702).
    #[arg(long, default_value_t = 3702)]
    ws_port: u16,
    #[arg(long, default_value_t = 80)]
    http_port: u16,
    /// Write the fleet (ground truth, with credentials) as JSON.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Load this fleet spec instead of generating one.
    #[arg(long)]
    fleet: Option<PathBuf>,
    /// Written once every socket is bound.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// Exit after this long (the run is always bounded).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Write counters as JSON on exit.
    #[arg(long)]
    stats: Option<PathBuf>,
    /// Write the request log (one JSON object per line) on exit.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Also listen at IP:PORT as a canary that must never be contacted (repeatable; TCP on
    /// PORT, UDP on PORT and 3702).
    #[arg(long = "canary", value_name = "IP:PORT")]
    canaries: Vec<SocketAddr>,
    /// Append every canary contact to FILE as it happens (one JSON object per line).
    #[arg(long, requires = "canaries")]
    canary_log: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    Loopback,
    Multicast,
}

#[derive(Args, Debug)]
struct ProbeArgs {
    /// Local address to send from (and, for multicast, the interface to send on).
    #[arg(long)]
    iface_addr: Ipv4Addr,
    /// Unicast target `IP[:PORT]` instead of the multicast group.
    #[arg(long)]
    target: Option<String>,
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    wait: Duration,
    /// Send an untyped Probe (no Types element).
    #[arg(long)]
    untyped: bool,
}

const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("camaudit-sim: tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Sub::Probe(args)) => run_probe(args).await,
            None => run_fleet(cli.run).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("camaudit-sim: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run_fleet(args: RunArgs) -> anyhow::Result<()> {
    if args.duration > MAX_DURATION {
        bail!(
            "--duration is capped at {}",
            humantime::format_duration(MAX_DURATION)
        );
    }
    if !(0.0..=1.0).contains(&args.auth_ratio) {
        bail!("--auth-ratio must be within 0.0..=1.0");
    }
    let spec = match &args.fleet {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            FleetSpec::from_json(&text).with_context(|| format!("parsing {}", path.display()))?
        }
        None => {
            let opts = FleetOptions {
                auth_ratio: args.auth_ratio,
                max_delay: args.max_delay,
                vendor_mix: args.vendors.clone().unwrap_or_default(),
                hostile: args.hostile,
            };
            FleetSpec::generate(args.count, args.base, args.seed, &opts)?
        }
    };
    if let Some(path) = &args.truth {
        write_private(path, &spec.to_json()?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let mode = match args.mode {
        ModeArg::Loopback => Mode::Loopback {
            ws_port: args.ws_port,
            http_port: args.http_port,
        },
        ModeArg::Multicast => Mode::Multicast {
            http_port: args.http_port,
        },
    };
    let fleet = Fleet::start(spec, mode).await?;
    let _canary = if args.canaries.is_empty() {
        None
    } else {
        let canary = RunningCanary::start(&args.canaries, args.canary_log.clone()).await?;
        println!("camaudit-sim: canaries at {:?}", canary.addrs());
        Some(canary)
    };
    if let Some(path) = &args.ready_file {
        std::fs::write(path, format!("{}\n", fleet.cameras().len()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{}", summary(&fleet, &args));
    let started = Instant::now();
    tokio::select! {
        () = tokio::time::sleep(args.duration) => {}
        () = terminated() => {}
    }
    let stats = fleet.stats();
    println!(
        "camaudit-sim: stopped after {:.1}s: {} datagrams, {} probe deliveries ({} duplicate), \
         {} replies, {} HTTP connections",
        started.elapsed().as_secs_f64(),
        stats.datagrams,
        stats.probes,
        stats.duplicate_probes,
        stats.replies,
        stats.http_connections
    );
    if let Some(path) = &args.stats {
        std::fs::write(path, serde_json::to_string_pretty(&stats)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.log {
        let mut text = String::new();
        for entry in fleet.log() {
            text.push_str(&serde_json::to_string(&entry)?);
            text.push('\n');
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn summary(fleet: &RunningFleet, args: &RunArgs) -> String {
    let spec = fleet.spec();
    let profiles: Vec<String> = spec
        .profile_counts()
        .iter()
        .map(|(p, n)| format!("{p}={n}"))
        .collect();
    let auth = spec
        .cameras
        .iter()
        .filter(|c| c.auth.credentials().is_some())
        .count();
    let hostile = spec
        .cameras
        .iter()
        .filter(|c| c.behaviour.name() != "normal")
        .count();
    let first = fleet
        .cameras()
        .first()
        .map(|c| c.ip.to_string())
        .unwrap_or_default();
    let last = fleet
        .cameras()
        .last()
        .map(|c| c.ip.to_string())
        .unwrap_or_default();
    format!(
        "camaudit-sim: {} cameras {first}..{last} ({}) mode={:?} ws={} http={} auth={auth} \
         hostile={hostile} ready in {} ms",
        fleet.cameras().len(),
        profiles.join(" "),
        args.mode,
        if args.mode == ModeArg::Multicast {
            3702
        } else {
            args.ws_port
        },
        args.http_port,
        fleet.started_in().as_millis()
    )
}

/// The truth file holds camera passwords: readable by the owner only.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn run_probe(args: ProbeArgs) -> anyhow::Result<()> {
    if args.wait > Duration::from_secs(60) {
        bail!("--wait is capped at 60s");
    }
    let target = match &args.target {
        None => None,
        Some(t) => Some(match t.parse::<SocketAddr>() {
            Ok(addr) => addr,
            Err(_) => SocketAddr::new(t.parse().context("--target IP[:PORT]")?, 3702),
        }),
    };
    let report = probe::probe(args.iface_addr, target, args.wait, !args.untyped)
        .await
        .context("sending the probe")?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
