//! The subcommands: each turns validated arguments into store writes or a report.

use std::io::Write;

use anyhow::{Context, Result, bail};
use camaudit_central::config::Config;
use camaudit_central::ledger::Options;
use camaudit_central::programme::{
    self, Action, Change, Claim, Exception, Lens, Programme, Scope, Step, Target, import,
};
use camaudit_central::redact::{self, Redact};
use camaudit_central::report::{self, Format, html::Detail};
use camaudit_central::store::{self, Store};
use camaudit_central::time::Ts;

use crate::cli::{ExceptionCmd, ImportCmd, ProgrammeCmd, ReportArgs, StatusCmd, Who};

fn now() -> Ts {
    Ts(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)))
}

fn open(db: &str) -> Result<Box<dyn Store>> {
    store::open(db).with_context(|| format!("opening the store {db}"))
}

fn ts(s: &str, what: &str) -> Result<Ts> {
    Ts::parse(s).with_context(|| format!("--{what}"))
}

fn record(
    s: &mut dyn Store,
    who: &Who,
    change: Change,
    before: Option<serde_json::Value>,
) -> Result<i64> {
    let recorded_at = now();
    let at = match &who.at {
        Some(a) => ts(a, "at")?,
        None => recorded_at,
    };
    if who.actor.trim().is_empty() || who.reason.trim().is_empty() {
        bail!("--actor and --reason must not be empty: every change is audit-logged");
    }
    let a = Action {
        id: 0,
        at,
        recorded_at,
        actor: who.actor.clone(),
        reason: who.reason.clone(),
        change,
        before,
    };
    Ok(s.append_action(&a)?)
}

pub(crate) async fn run(config: &std::path::Path, once: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let store = open(&cfg.db)?;
    let handle = camaudit_central::ingest::start(cfg, store);
    if once {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            if handle.progress().snapshot_done {
                break;
            }
        }
    } else {
        shutdown_signal().await;
    }
    let p = handle.stop().await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "received {} stored {} duplicates {} rejected {}",
        p.received, p.stored, p.duplicates, p.rejected
    )?;
    for c in &p.snapshot {
        writeln!(
            out,
            "snapshot {}/{}: {} ({} of {})",
            c.site,
            c.agent,
            c.verdict,
            c.received,
            c.expected.map_or_else(|| "?".into(), |e| e.to_string())
        )?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
    }
}

pub(crate) fn report(a: &ReportArgs) -> Result<()> {
    let format = Format::parse(&a.format).context("--format")?;
    let as_at = match &a.as_at {
        Some(s) => Ts::parse_end_of_day(s).context("--as-at")?,
        None => now(),
    };
    let redact = match &a.redact {
        Some(r) => Redact::parse(r)
            .map_err(anyhow::Error::msg)
            .context("--redact")?,
        None => Redact::default(),
    };
    let mut s = open(&a.db)?;
    let mut opts = Options::new(as_at);
    opts.silent_days = a.silent_days;
    let mut estate = camaudit_central::build(s.as_mut(), opts)?;
    redact::apply(&mut estate, redact);
    let detail = Detail {
        sites: a.sites.clone(),
        ..Detail::default()
    };
    let bytes = report::render(&estate, format, &a.table, &detail)?;
    match &a.output {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

pub(crate) fn programme(cmd: &ProgrammeCmd) -> Result<()> {
    let ProgrammeCmd::Set {
        who,
        name,
        lens,
        baseline,
        deadline,
        targets,
        scope,
        no_new_deployments,
    } = cmd;
    let mut ts_targets = Vec::new();
    for t in targets {
        let Some((d, p)) = t.rsplit_once(':') else {
            bail!("--target {t:?}: expected DATE:PERCENT");
        };
        let pct: u8 = p
            .trim_end_matches('%')
            .parse()
            .ok()
            .filter(|p| *p <= 100)
            .with_context(|| format!("--target {t:?}: percent"))?;
        ts_targets.push(Target {
            date: ts(d, "target")?,
            pct,
        });
    }
    let p = Programme {
        name: name.clone(),
        lens: Lens::parse(lens).context("--lens")?,
        baseline: ts(baseline, "baseline")?,
        deadline: ts(deadline, "deadline")?,
        no_new_deployments: no_new_deployments
            .as_deref()
            .map(|d| ts(d, "no-new-deployments"))
            .transpose()?,
        targets: ts_targets,
        scope: Scope::parse(scope)
            .map_err(anyhow::Error::msg)
            .context("--scope")?,
    };
    if p.deadline <= p.baseline {
        bail!("--deadline must be after --baseline");
    }
    let mut s = open(&who.db)?;
    let before = programme::Registry::from_actions(&s.actions()?, now())
        .programme
        .map(|p| serde_json::to_value(p).unwrap_or_default());
    let id = record(s.as_mut(), who, Change::ProgrammeSet(p), before)?;
    println!("programme set (audit #{id})");
    Ok(())
}

pub(crate) fn import_sites(cmd: &ImportCmd, contracts: bool) -> Result<()> {
    let ImportCmd::Import { who, file } = cmd;
    let f = std::fs::File::open(file).with_context(|| format!("{}", file.display()))?;
    let mut s = open(&who.db)?;
    let reg = programme::Registry::from_actions(&s.actions()?, now());
    let mut n = 0;
    if contracts {
        for c in import::contracts(f).with_context(|| format!("{}", file.display()))? {
            record(s.as_mut(), who, Change::ContractUpsert(c), None)?;
            n += 1;
        }
    } else {
        for site in import::sites(f).with_context(|| format!("{}", file.display()))? {
            let before = reg
                .sites
                .get(&site.site_id)
                .map(|b| serde_json::to_value(b).unwrap_or_default());
            if reg.sites.get(&site.site_id) == Some(&site) {
                continue;
            }
            record(s.as_mut(), who, Change::SiteUpsert(site), before)?;
            n += 1;
        }
    }
    println!("{n} row(s) recorded");
    Ok(())
}

fn claim(s: &mut dyn Store, who: &Who, at: Ts, step: Step) -> Result<()> {
    let ledger = camaudit_central::ledger_at(s, at)?;
    let Some((track, status)) = ledger.device(&step.site_id, &step.device_key) else {
        bail!(
            "{}/{}: central has not seen this device (as at {})",
            step.site_id,
            step.device_key,
            at.date()
        );
    };
    track
        .check(step.claim)
        .with_context(|| format!("{}/{}", step.site_id, step.device_key))?;
    let before = serde_json::json!({ "status": status.map(|s| s.as_str()) });
    let who = Who {
        at: Some(at.rfc3339()),
        db: who.db.clone(),
        actor: who.actor.clone(),
        reason: who.reason.clone(),
    };
    record(s, &who, Change::Step(step), Some(before))?;
    Ok(())
}

pub(crate) fn status(cmd: &StatusCmd) -> Result<()> {
    match cmd {
        StatusCmd::Set {
            who,
            site,
            device,
            status,
            reference,
            note,
        } => {
            let mut s = open(&who.db)?;
            let at = match &who.at {
                Some(a) => ts(a, "at")?,
                None => now(),
            };
            let step = Step {
                site_id: site.clone(),
                device_key: device.clone(),
                claim: Claim::parse(status).context("--status")?,
                reference: reference.clone(),
                note: note.clone(),
            };
            claim(s.as_mut(), who, at, step)?;
            println!("{site}/{device}: {status} recorded");
        }
        StatusCmd::Import { who, file } => {
            let f = std::fs::File::open(file).with_context(|| format!("{}", file.display()))?;
            let rows = import::steps(f).with_context(|| format!("{}", file.display()))?;
            let mut s = open(&who.db)?;
            for (at, step) in &rows {
                let at = at.unwrap_or_else(now);
                claim(s.as_mut(), who, at, step.clone())?;
            }
            println!("{} claim(s) recorded", rows.len());
        }
    }
    Ok(())
}

pub(crate) fn exception(cmd: &ExceptionCmd) -> Result<()> {
    match cmd {
        ExceptionCmd::Add {
            who,
            id,
            site,
            device,
            controls,
            owner,
            approver,
            expires,
            review,
        } => {
            let mut s = open(&who.db)?;
            let reg = programme::Registry::from_actions(&s.actions()?, Ts(i64::MAX));
            if reg.exceptions.contains_key(id) {
                bail!("exception {id} exists; renew or withdraw it");
            }
            let e = Exception {
                id: id.clone(),
                site_id: site.clone(),
                device_key: device.clone(),
                reason: who.reason.clone(),
                controls: controls.clone(),
                owner: owner.clone(),
                approver: approver.clone(),
                review_by: review.as_deref().map(|r| ts(r, "review")).transpose()?,
                expires_at: ts(expires, "expires")?,
            };
            record(s.as_mut(), who, Change::ExceptionAdd(e), None)?;
            println!("exception {id} added");
        }
        ExceptionCmd::Renew {
            who,
            id,
            expires,
            review,
        } => {
            let mut s = open(&who.db)?;
            let before = existing(s.as_mut(), id)?;
            let change = Change::ExceptionRenew {
                id: id.clone(),
                expires_at: ts(expires, "expires")?,
                review_by: review.as_deref().map(|r| ts(r, "review")).transpose()?,
            };
            record(s.as_mut(), who, change, Some(before))?;
            println!("exception {id} renewed");
        }
        ExceptionCmd::Withdraw { who, id } => {
            let mut s = open(&who.db)?;
            let before = existing(s.as_mut(), id)?;
            record(
                s.as_mut(),
                who,
                Change::ExceptionWithdraw { id: id.clone() },
                Some(before),
            )?;
            println!("exception {id} withdrawn");
        }
    }
    Ok(())
}

fn existing(s: &mut dyn Store, id: &str) -> Result<serde_json::Value> {
    let reg = programme::Registry::from_actions(&s.actions()?, Ts(i64::MAX));
    let Some(e) = reg.exceptions.get(id) else {
        bail!("no exception {id}");
    };
    Ok(serde_json::to_value(e).unwrap_or_default())
}

pub(crate) fn audit(db: &str) -> Result<()> {
    let mut s = open(db)?;
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record([
        "id",
        "at",
        "recorded_at",
        "actor",
        "action",
        "object",
        "reason",
        "before",
        "after",
    ])?;
    for a in s.actions()? {
        w.write_record([
            a.id.to_string(),
            a.at.rfc3339(),
            a.recorded_at.rfc3339(),
            a.actor.clone(),
            a.change.name().to_owned(),
            a.change.object(),
            a.reason.clone(),
            a.before.map(|b| b.to_string()).unwrap_or_default(),
            serde_json::to_string(&a.change).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
