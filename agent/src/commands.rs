//! Subcommands at the binary's edge: validate flags into configs, run, write output. `anyhow`
//! lives here and in `main.rs` only.

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use camaudit::cli::{AccessArgs, Cli, Command, FailOn, Format, ProbeArgs, ScanArgs};
use camaudit::credentials::{self, Credential, CredentialSet, Secret};
use camaudit::interrogate::Ctx;
use camaudit::net::interfaces;
use camaudit::output;
use camaudit::scan::{self, Progress, ScanConfig};
use camaudit::scope::Target;
use camaudit::{http, url::DeviceUrl};
use camaudit_attribution::PolicySet;
use camaudit_protocol::record::{Method, ScanReport};
use clap::CommandFactory;

/// A usage or configuration error: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(String);

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Exit status for an error: 2 for usage and configuration, 1 for everything else.
pub(crate) fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain()
        .any(|c| c.is::<UsageError>() || c.is::<credentials::CredentialError>())
    {
        2
    } else {
        1
    }
}

pub(crate) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let quiet = cli.log.quiet;
    match cli.command {
        Command::Scan(args) => scan_cmd(args, quiet).await,
        Command::Probe(args) => probe_cmd(args).await,
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "camaudit", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => crate::commands_run::run_cmd(args).await,
        Command::Report(args) => crate::commands_run::report_cmd(args).await,
        Command::Config(c) => crate::commands_run::config_cmd(c),
    }
}

fn parse_methods(names: &[String]) -> anyhow::Result<Vec<Method>> {
    let mut out = Vec::new();
    for n in names {
        let picked: &[Method] = match n.trim() {
            "ws-discovery" | "wsd" | "onvif" => &[Method::WsDiscovery],
            "sadp" => &[Method::Sadp],
            "dhip" => &[Method::Dhip],
            "all" => &scan::DISCOVERY_METHODS,
            other => {
                return Err(usage(format!(
                    "unknown discovery method {other:?}; available: ws-discovery, sadp, dhip, all"
                )));
            }
        };
        for &m in picked {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

fn policies(access: &AccessArgs) -> anyhow::Result<PolicySet> {
    let all = PolicySet::builtin();
    if access.policies.is_empty() {
        return Ok(all);
    }
    all.select(&access.policies)
        .map_err(|e| usage(e.to_string()))
}

/// Credentials from `--credentials` and `--user`; `--user` applies to `nets` only.
fn load_credentials(access: &AccessArgs, nets: &[ipnet::IpNet]) -> anyhow::Result<CredentialSet> {
    let mut set = match &access.credentials {
        Some(p) => CredentialSet::load(p)?,
        None => CredentialSet::default(),
    };
    if let Some(user) = &access.user {
        let password = match &access.password_file {
            Some(p) => credentials::read_password_file(p)?,
            None => match std::env::var("CAMAUDIT_PASSWORD") {
                Ok(p) if !p.is_empty() => Secret::new(p),
                _ => return Err(credentials::CredentialError::NoPassword.into()),
            },
        };
        set.push(Credential {
            username: user.clone(),
            password,
            networks: nets.to_vec(),
        });
    }
    Ok(set)
}

fn limits(timeout: Duration) -> http::Limits {
    http::Limits {
        connect_timeout: timeout,
        total_timeout: timeout,
        idle_timeout: timeout,
        ..http::Limits::default()
    }
}

fn agent_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "camaudit".to_owned())
}

/// Progress on stderr: `found 12 · interrogated 9`, redrawn in place.
struct Line {
    found: AtomicUsize,
    done: AtomicUsize,
}

impl Line {
    fn draw(&self) {
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r\x1b[2Kfound {} · interrogated {}",
            self.found.load(Ordering::Relaxed),
            self.done.load(Ordering::Relaxed)
        );
        let _ = e.flush();
    }
    fn clear(&self) {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

impl Progress for Line {
    fn found(&self, n: usize) {
        self.found.store(n, Ordering::Relaxed);
        self.draw();
    }
    fn done(&self, n: usize) {
        self.done.store(n, Ordering::Relaxed);
        self.draw();
    }
}

async fn scan_cmd(args: ScanArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let methods = parse_methods(&args.methods)?;
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t).map_err(|e| usage(e.to_string())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // With --target and no -i, only the targets are probed: multicast on every interface is
    // the default only when nothing narrower was asked for.
    let ifaces = if args.interfaces.is_empty() && !targets.is_empty() {
        Vec::new()
    } else {
        interfaces::select(&args.interfaces).map_err(|e| match e {
            interfaces::InterfaceError::List(_) => anyhow::Error::from(e),
            other => usage(other.to_string()),
        })?
    };
    if ifaces.is_empty() && targets.is_empty() {
        bail!(
            "no usable network interface (up, multicast-capable, with an IPv4 address) and no \
             --target; connect to the camera network or give --interface/--target"
        );
    }
    let policy = policies(&args.access)?;
    let mut cfg = ScanConfig {
        interfaces: ifaces,
        targets,
        wait: args.wait,
        methods,
        interrogate: !args.no_interrogate,
        concurrency: args.concurrency,
        rate: args.rate,
        ctx: Ctx {
            credentials: CredentialSet::default(),
            limits: limits(args.access.timeout),
        },
        agent: agent_name(),
        site: None,
    };
    let scope = cfg.scope();
    cfg.ctx.credentials = load_credentials(&args.access, scope.nets())?;
    let format = pick_format(&args.access);
    let line = Arc::new(Line {
        found: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
    });
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let progress: &dyn Progress = if show_progress {
        line.as_ref()
    } else {
        &scan::Silent
    };
    let result = scan::run(&cfg, &policy, progress).await;
    if show_progress {
        line.clear();
    }
    let (report, _stats) = result?;
    emit(&report, format, args.access.output.as_deref())?;
    Ok(status(&report, args.access.fail_on))
}

fn pick_format(access: &AccessArgs) -> Format {
    access.format.unwrap_or_else(|| {
        if access.output.is_none() && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    })
}

fn emit(report: &ScanReport, format: Format, path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(p)
                    .with_context(|| format!("cannot create {}", p.display()))?,
            );
            output::write(report, format, &mut f)
                .and_then(|()| f.flush())
                .with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match output::write(report, format, &mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to stdout"),
            }
        }
    }
}

fn status(report: &ScanReport, fail_on: Option<FailOn>) -> ExitCode {
    match fail_on {
        Some(FailOn::Restricted) if report.summary.restricted > 0 => ExitCode::from(3),
        _ => ExitCode::SUCCESS,
    }
}

/// `HOST`, `HOST:PORT` (WS-Discovery port) or an ONVIF device-service URL.
fn parse_host(s: &str) -> anyhow::Result<(Ipv4Addr, Option<u16>, Option<String>)> {
    if let Some(u) = DeviceUrl::parse(s) {
        let Some(IpAddr::V4(ip)) = u.ip() else {
            return Err(usage(format!(
                "{s}: give the device's IPv4 address, not a name"
            )));
        };
        return Ok((ip, None, Some(u.to_clean_string())));
    }
    match Target::parse(s) {
        Ok(Target::Host(ip, port)) => Ok((ip, port, None)),
        _ => Err(usage(format!(
            "{s:?} is not IP, IP:PORT or http://IP[:PORT]/path"
        ))),
    }
}

async fn probe_cmd(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let (ip, port, url) = parse_host(&args.host)?;
    let host_net = ipnet::IpNet::from(IpAddr::V4(ip));
    let policy = policies(&args.access)?;
    let ctx = Ctx {
        credentials: load_credentials(&args.access, &[host_net])?,
        limits: limits(args.access.timeout),
    };
    let device = scan::probe(ip, port, url, args.wait, &ctx, &policy).await?;
    let seen = device.last_seen.clone();
    let format = pick_format(&args.access);
    let text = match format {
        Format::Table => output::device_detail(&device),
        Format::Json => serde_json::to_string_pretty(&device)? + "\n",
        Format::Ndjson => serde_json::to_string(&device)? + "\n",
        Format::Csv => {
            let report = ScanReport {
                schema: camaudit_protocol::record::SCAN_SCHEMA.to_owned(),
                scan_id: uuid::Uuid::now_v7().to_string(),
                camaudit_version: env!("CARGO_PKG_VERSION").to_owned(),
                site: None,
                agent: agent_name(),
                started_at: seen.clone(),
                finished_at: seen,
                interfaces: Vec::new(),
                methods: device.discovered_by.clone(),
                summary: camaudit_protocol::record::Summary::of(std::slice::from_ref(&device)),
                devices: vec![device.clone()],
            };
            let mut buf = Vec::new();
            output::write(&report, Format::Csv, &mut buf)?;
            String::from_utf8_lossy(&buf).into_owned()
        }
    };
    match &args.access.output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
        }
    }
    let restricted = device.policy.restricted && args.access.fail_on == Some(FailOn::Restricted);
    if device.reported.manufacturer.is_none() && device.access.errors.iter().any(|_| true) {
        tracing::warn!("could not read the device's identity; see the errors above");
    }
    Ok(if restricted {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
