//! camaudit-central: the estate view for the people who must answer for a removal programme.
//!
//! It ingests every site's MQTT messages (DESIGN.md section 4) into an append-only store,
//! replays them with the programme's human decisions into the estate as at any date, and
//! renders that as a self-contained HTML board pack, CSV, XLSX or JSON. It is a separate binary
//! so that none of it is linked into the agent.
//!
//! # Layout
//! - [`payload`], [`fact`]: what agents send, and what the store keeps of it.
//! - [`ingest`]: MQTT subscription, snapshot completeness, the writer thread (I/O).
//! - [`store`]: the [`store::Store`] trait, SQLite and PostgreSQL, and their shared suite.
//! - [`programme`]: deadline, targets, registry, claims, exceptions: the audit-logged actions.
//! - [`state`], [`ledger`], [`burndown`], [`views`]: the pure replay into [`model::Estate`].
//! - [`redact`], [`report`]: shared outputs.

pub mod burndown;
pub mod config;
pub mod fact;
pub mod ingest;
pub mod ledger;
pub mod model;
pub mod payload;
pub mod programme;
pub mod redact;
pub mod report;
pub mod sim;
pub mod state;
pub mod store;
pub mod time;
pub mod views;

use crate::ledger::{Ledger, Options};
use crate::programme::Registry;
use crate::store::{Store, StoreError};

/// The estate as at `opts.as_at`, replayed from the store.
pub fn build(store: &mut dyn Store, opts: Options) -> Result<model::Estate, StoreError> {
    let actions = store.actions()?;
    let reg = Registry::from_actions(&actions, opts.as_at);
    let mut ledger = Ledger::new(reg, opts);
    store.facts(Some(opts.as_at), &mut |f| ledger.push(&f))?;
    ledger.close();
    Ok(views::estate(&ledger))
}

/// The ledger replayed up to `at`, for checking a human change against the state then.
pub fn ledger_at(store: &mut dyn Store, at: time::Ts) -> Result<Ledger, StoreError> {
    let actions = store.actions()?;
    let reg = Registry::from_actions(&actions, at);
    let mut ledger = Ledger::new(reg, Options::new(at));
    store.facts(Some(at), &mut |f| ledger.push(&f))?;
    ledger.close();
    Ok(ledger)
}
