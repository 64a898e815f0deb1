//! The command line, as clap structs only: no I/O, no defaults resolution beyond clap's own.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// camaudit finds the surveillance cameras on a network and who really made them.
#[derive(Debug, Parser)]
#[command(name = "camaudit", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// More logging (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Errors only on stderr; no progress line.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log line format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover the cameras on the local networks (and --target ranges) and read their identity.
    Scan(ScanArgs),
    /// Show everything camaudit can learn about one device.
    Probe(ProbeArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete_shell::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
    /// Run the site agent: scan on a schedule, keep the inventory, publish it over MQTT.
    Run(RunArgs),
    /// Print the estate from the broker's retained messages (per site, and every device).
    Report(ReportArgs),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `camaudit run`. Flags override `CAMAUDIT_*` variables, which override the file.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Configuration file (TOML, see deploy/config.example.toml).
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "/etc/camaudit/config.toml"
    )]
    pub config: PathBuf,
    /// Site name (agent.site).
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// Agent id (agent.id; default: the host name).
    #[arg(long, value_name = "NAME")]
    pub agent_id: Option<String>,
    /// State directory for the inventory and the durable queue (agent.state_dir).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Broker URL, mqtts://HOST[:PORT] or mqtt://HOST[:PORT] (mqtt.url).
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// Time between scans (scan.interval).
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file (and its secret files); exit 2 when it is refused.
    Check {
        #[arg(
            short,
            long,
            value_name = "FILE",
            default_value = "/etc/camaudit/config.toml"
        )]
        config: PathBuf,
    },
}

/// `camaudit report`.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Broker URL, mqtts://HOST[:PORT] or mqtt://HOST[:PORT].
    #[arg(long, value_name = "URL", required_unless_present = "config")]
    pub broker: Option<String>,
    /// Take the broker settings from this agent configuration's [mqtt] section.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// CA certificate of the broker (PEM), for mqtts://.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS.
    #[arg(long, value_name = "FILE", requires = "key_file")]
    pub cert_file: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS; must not be world-readable.
    #[arg(long, value_name = "FILE", requires = "cert_file")]
    pub key_file: Option<PathBuf>,
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// File holding the broker password (first line; must not be world-readable).
    #[arg(long, value_name = "FILE", requires = "username")]
    pub password_file: Option<PathBuf>,
    /// Topic prefix.
    #[arg(long, value_name = "PREFIX", default_value = "camaudit")]
    pub prefix: String,
    /// Only this site (repeatable). Default: every site with an agent status.
    #[arg(long = "site", value_name = "NAME")]
    pub sites: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// A site's snapshot is taken as complete after this long without a new message.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub settle: std::time::Duration,
    /// Most time spent reading one site.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

/// Options shared by `scan` and `probe`.
#[derive(Debug, Args, Clone)]
pub struct AccessArgs {
    /// Per-request timeout for device HTTP requests (connect, idle and total).
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Credentials file (TOML, [[credentials]] entries with networks, username, password_file).
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Username for every in-scope device (password from --password-file or CAMAUDIT_PASSWORD).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// File holding the password for --user (first line; must not be world-readable).
    #[arg(long, value_name = "FILE", requires = "user")]
    pub password_file: Option<PathBuf>,
    /// Policy list to apply (repeatable). Default: us-ndaa-889 and uk-nil.
    #[arg(long = "policy", value_name = "NAME")]
    pub policies: Vec<String>,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,
    /// Write the output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with status 3 when a device of this kind was found.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Args, Clone)]
pub struct ScanArgs {
    /// Interface to scan (repeatable). Default: every up, non-loopback, multicast-capable one.
    #[arg(short, long = "interface", value_name = "IF")]
    pub interfaces: Vec<String>,
    /// Unicast target: CIDR, IP or IP:PORT (repeatable). Routed subnets and single hosts.
    #[arg(short, long = "target", value_name = "CIDR|IP[:PORT]")]
    pub targets: Vec<String>,
    /// How long to listen for discovery replies after the last probe.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_duration)]
    pub wait: std::time::Duration,
    /// Discovery methods, comma separated: ws-discovery, sadp, dhip, or all.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub methods: Vec<String>,
    /// Only discover: do not contact the devices over HTTP.
    #[arg(long)]
    pub no_interrogate: bool,
    /// Most devices interrogated at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,
    /// Unicast probes per second for --target ranges.
    #[arg(long, value_name = "PPS", default_value_t = 2000)]
    pub rate: u32,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ProbeArgs {
    /// The device: IP, IP:PORT (WS-Discovery port), or an ONVIF device-service URL.
    pub host: String,
    /// How long to wait for the device's WS-Discovery reply.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub wait: std::time::Duration,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A device restricted under a selected policy list.
    Restricted,
}

/// Re-exported so `cli.rs` stays the one place that names clap types.
pub mod clap_complete_shell {
    pub use clap_complete::Shell;
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 500ms, 3s, 1m)"))
}
