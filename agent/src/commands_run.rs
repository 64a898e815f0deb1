//! `camaudit run`, `camaudit report` and `camaudit config check` at the binary's edge: flags
//! and environment into configuration, signals, output, exit status.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use camaudit::cli::{ConfigCommand, ReportArgs, ReportFormat, RunArgs};
use camaudit::config::{self, BrokerUrl, Config, ConfigError, Overrides};
use camaudit::mqtt::rumqtt::RumqttLink;
use camaudit::mqtt::{Connection, tls};
use camaudit::report;
use camaudit::run::{self, scanner::LiveScanner};

/// A refused configuration: the message, and exit status 2.
fn refused(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("camaudit: configuration refused: {e}");
    ExitCode::from(2)
}

fn load(path: &Path, ov: &Overrides) -> Result<Config, ConfigError> {
    let required = path != Path::new(config::DEFAULT_PATH);
    config::load(path, required, ov)
}

/// Reads the CA, certificate and key now, so a bad file is refused at start.
fn check_tls(cfg: &Config) -> Result<(), tls::TlsError> {
    let Some(m) = &cfg.mqtt else { return Ok(()) };
    let Some(ca) = &m.ca_file else { return Ok(()) };
    let client = m.cert_file.as_deref().zip(m.key_file.as_deref());
    tls::client_config(ca, client).map(|_| ())
}

pub(crate) async fn run_cmd(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut ov = Overrides::from_env();
    let flags = [
        ("agent.site", "--site", args.site.clone()),
        ("agent.id", "--agent-id", args.agent_id.clone()),
        (
            "agent.state_dir",
            "--state-dir",
            args.state_dir.as_ref().map(|p| p.display().to_string()),
        ),
        ("mqtt.url", "--broker", args.broker.clone()),
        ("scan.interval", "--interval", args.interval.clone()),
    ];
    for (key, flag, value) in flags {
        if let Some(v) = value {
            ov.flags.push((key.into(), flag.into(), v));
        }
    }
    let cfg = match load(&args.config, &ov) {
        Ok(c) => c,
        Err(e) => return Ok(refused(&e)),
    };
    if let Err(e) = check_tls(&cfg) {
        return Ok(refused(&e));
    }
    let scanner = match LiveScanner::new(&cfg) {
        Ok(s) => s,
        Err(e) => return Ok(refused(&e)),
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(run::shutdown::on_signal(tx));
    run::run(&cfg, scanner, rx)
        .await
        .context("the agent stopped on an error")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn config_cmd(c: ConfigCommand) -> anyhow::Result<ExitCode> {
    let ConfigCommand::Check { config: path } = c;
    let cfg = match config::load(&path, true, &Overrides::from_env()) {
        Ok(c) => c,
        Err(e) => return Ok(refused(&e)),
    };
    if let Err(e) = check_tls(&cfg) {
        return Ok(refused(&e));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: OK", path.display())?;
    writeln!(
        out,
        "  site {} · agent {} · state {}",
        cfg.agent.site,
        cfg.agent.id,
        cfg.agent.state_dir.display()
    )?;
    let ifaces = if cfg.scan.all_interfaces {
        "every multicast-capable interface".to_owned()
    } else {
        format!(
            "interfaces {:?}, {} targets",
            cfg.scan.interfaces,
            cfg.scan.targets.len()
        )
    };
    writeln!(
        out,
        "  scan every {} (+ up to {} jitter) · {ifaces} · passive {}",
        humantime::format_duration(cfg.scan.interval),
        humantime::format_duration(cfg.scan.jitter),
        cfg.scan.passive
    )?;
    match &cfg.mqtt {
        Some(m) => writeln!(
            out,
            "  mqtt {} · client id {} · mutual TLS {} · password {} · commands {}",
            m.url,
            cfg.agent.id,
            m.cert_file.is_some(),
            if m.password.is_some() { "set" } else { "none" },
            m.commands
        )?,
        None => writeln!(out, "  no [mqtt]: inventory kept locally, changes logged")?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn report_cmd(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let conn = match report_connection(&args) {
        Ok(c) => c,
        Err(e) => return Ok(refused(&e)),
    };
    let mut link = match RumqttLink::start(&conn) {
        Ok(l) => l,
        Err(e) => return Ok(refused(&e)),
    };
    let opts = report::Options {
        prefix: args.prefix.clone(),
        sites: args.sites.clone(),
        settle: args.settle,
        site_timeout: args.timeout,
        connect_timeout: Duration::from_secs(15),
    };
    let estate = report::collect(&mut link, &opts).await?;
    let format = match args.format {
        ReportFormat::Table => report::Format::Table,
        ReportFormat::Json => report::Format::Json,
        ReportFormat::Csv => report::Format::Csv,
    };
    let mut out = std::io::stdout().lock();
    match report::write(&estate, format, &mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.context("cannot write to stdout")?,
    }
    for a in estate.incomplete() {
        tracing::warn!(site = %a.site, agent = %a.agent, received = a.received,
            expected = ?a.expected.as_ref().map(|e| e.total()), "snapshot incomplete or unverified");
    }
    Ok(ExitCode::SUCCESS)
}

/// Report flags, or the `[mqtt]` section of `--config` with flags on top.
fn report_connection(args: &ReportArgs) -> Result<Connection, String> {
    let from_file = match &args.config {
        Some(p) => Some(
            config::load(p, true, &Overrides::from_env())
                .map_err(|e| e.to_string())?
                .mqtt
                .ok_or_else(|| format!("{}: no [mqtt] section", p.display()))?,
        ),
        None => None,
    };
    let url = match (&args.broker, &from_file) {
        (Some(u), _) => BrokerUrl::parse(u).map_err(|e| format!("--broker: {e}"))?,
        (None, Some(m)) => m.url.clone(),
        (None, None) => return Err("give --broker URL or --config FILE".into()),
    };
    let pick =
        |flag: &Option<PathBuf>, file: Option<&PathBuf>| flag.clone().or_else(|| file.cloned());
    let ca_file = pick(
        &args.ca_file,
        from_file.as_ref().and_then(|m| m.ca_file.as_ref()),
    );
    let cert = pick(
        &args.cert_file,
        from_file.as_ref().and_then(|m| m.cert_file.as_ref()),
    );
    let key = pick(
        &args.key_file,
        from_file.as_ref().and_then(|m| m.key_file.as_ref()),
    );
    let username = args
        .username
        .clone()
        .or_else(|| from_file.as_ref().and_then(|m| m.username.clone()));
    let password = match &args.password_file {
        Some(p) => Some(camaudit::credentials::read_password_file(p).map_err(|e| e.to_string())?),
        None => from_file.as_ref().and_then(|m| m.password.clone()),
    };
    if url.tls && ca_file.is_none() {
        return Err("mqtts:// needs --ca-file (the broker's CA, PEM)".into());
    }
    Ok(Connection {
        url,
        client_id: format!("camaudit-report-{}", uuid::Uuid::now_v7().simple()),
        ca_file,
        client_cert: cert.zip(key),
        username,
        password,
        keep_alive: Duration::from_secs(30),
        reconnect_min: Duration::from_millis(500),
        reconnect_max: Duration::from_secs(5),
        last_will: None,
    })
}
