//! The command line: clap definitions only; no I/O, no defaults resolution beyond clap's.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "camaudit-central",
    version,
    about = "The central estate view: ingest every site's camaudit messages, track the removal programme, report it with evidence."
)]
pub(crate) struct Cli {
    /// More logging (-v, -vv); RUST_LOG is honoured.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Ingest from the broker into the store (runs until SIGINT/SIGTERM).
    Run {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Take the retained snapshot, print its per-agent completeness, and exit.
        #[arg(long)]
        once: bool,
    },
    /// The board pack (HTML) or the same data as CSV, XLSX or JSON.
    Report(ReportArgs),
    /// Set the programme: deadline, targets, lens, scope, no-new-deployments date.
    Programme {
        #[command(subcommand)]
        cmd: ProgrammeCmd,
    },
    /// The site registry.
    Sites {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Supplier and maintenance contracts.
    Contracts {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Removal claims: isolated, scheduled, removed, disposed (verified is automatic).
    Status {
        #[command(subcommand)]
        cmd: StatusCmd,
    },
    /// The exception (risk acceptance) register.
    Exception {
        #[command(subcommand)]
        cmd: ExceptionCmd,
    },
    /// Print the audit log of every human change.
    Audit {
        #[arg(long, value_name = "DB")]
        db: String,
    },
}

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// SQLite file or postgres:// URL.
    #[arg(long, value_name = "DB")]
    pub db: String,
    #[arg(long, default_value = "html", value_parser = ["html", "csv", "xlsx", "json"])]
    pub format: String,
    /// The estate as at this date (end of day) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    pub as_at: Option<String>,
    /// Redact any of: sites, ips, serials.
    #[arg(long, value_name = "LIST")]
    pub redact: Option<String>,
    /// CSV table: devices, sites, burndown, makers, exceptions, changes, agents.
    #[arg(long, default_value = "devices")]
    pub table: String,
    /// Sites to give their own view in the HTML (default: those with most remaining).
    #[arg(long = "site", value_name = "SITE")]
    pub sites: Vec<String>,
    /// An agent not heard from for this many days is silent.
    #[arg(long, default_value_t = 2)]
    pub silent_days: i64,
    /// Output file (default stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Who makes a change and why: every change is audit-logged with both.
#[derive(Args, Debug)]
pub(crate) struct Who {
    #[arg(long, value_name = "DB")]
    pub db: String,
    #[arg(long, env = "CAMAUDIT_ACTOR")]
    pub actor: String,
    /// Why, for the audit log.
    #[arg(long)]
    pub reason: String,
    /// When the change takes effect (date or RFC 3339); default now.
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ProgrammeCmd {
    Set {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["uk-nil", "us-ndaa-889"])]
        lens: String,
        #[arg(long, value_name = "DATE")]
        baseline: String,
        #[arg(long, value_name = "DATE")]
        deadline: String,
        /// Interim target DATE:PERCENT, repeatable (e.g. 2026-12-31:50).
        #[arg(long = "target", value_name = "DATE:PCT")]
        targets: Vec<String>,
        /// e.g. "sensitivity=high|medium;kind=school" (default all sites).
        #[arg(long, default_value = "")]
        scope: String,
        #[arg(long, value_name = "DATE")]
        no_new_deployments: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ImportCmd {
    /// Import rows from a CSV file.
    Import {
        #[command(flatten)]
        who: Who,
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum StatusCmd {
    Set {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        site: String,
        #[arg(long)]
        device: String,
        #[arg(long, value_parser = ["isolated", "scheduled", "removed", "disposed"])]
        status: String,
        /// Work order, sign-off or disposal certificate.
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Import claims from CSV: site_id,device_key,status,at,reference,note.
    Import {
        #[command(flatten)]
        who: Who,
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExceptionCmd {
    Add {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        id: String,
        #[arg(long)]
        site: String,
        /// One device; default the whole site.
        #[arg(long)]
        device: Option<String>,
        /// Compensating controls (isolated VLAN, no internet, no core network).
        #[arg(long)]
        controls: String,
        /// The risk owner.
        #[arg(long)]
        owner: String,
        #[arg(long)]
        approver: String,
        #[arg(long, value_name = "DATE")]
        expires: String,
        #[arg(long, value_name = "DATE")]
        review: Option<String>,
    },
    Renew {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        id: String,
        #[arg(long, value_name = "DATE")]
        expires: String,
        #[arg(long, value_name = "DATE")]
        review: Option<String>,
    },
    Withdraw {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        id: String,
    },
}
