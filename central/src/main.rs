//! `camaudit-central`: parse the command line, set up logging, run the subcommand.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn,camaudit_central=info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match dispatch(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("camaudit-central: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(c: &Command) -> anyhow::Result<()> {
    match c {
        Command::Run { config, once } => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(commands::run(config, *once))
        }
        Command::Report(a) => commands::report(a),
        Command::Programme { cmd } => commands::programme(cmd),
        Command::Sites { cmd } => commands::import_sites(cmd, false),
        Command::Contracts { cmd } => commands::import_sites(cmd, true),
        Command::Status { cmd } => commands::status(cmd),
        Command::Exception { cmd } => commands::exception(cmd),
        Command::Audit { db } => commands::audit(db),
    }
}
