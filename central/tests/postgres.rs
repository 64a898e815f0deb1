//! The PostgreSQL store passes the same conformance suite as SQLite, against a private
//! cluster started for the test; and a simulated estate reports the same from both stores.

mod support;

use camaudit_central::ingest::parse::{self, Parsed};
use camaudit_central::ledger::Options;
use camaudit_central::sim;
use camaudit_central::store::postgres::PgStore;
use camaudit_central::store::sqlite::SqliteStore;
use camaudit_central::store::{Store, conformance};
use camaudit_central::time::Ts;
use support::{Postgres, TempDir};

#[test]
fn postgres_store_passes_the_conformance_suite_and_agrees_with_sqlite() {
    let pg = Postgres::start();
    let mut admin = PgStore::connect(&pg.url("postgres")).unwrap();
    assert_eq!(
        admin.fact_count().unwrap(),
        0,
        "a fresh database holds no facts"
    );
    let mut n = 0;
    let mut client = postgres::Client::connect(&pg.url("postgres"), postgres::NoTls).unwrap();
    conformance::run(&mut || {
        n += 1;
        client
            .batch_execute(&format!("CREATE DATABASE conformance_{n}"))
            .unwrap();
        Box::new(PgStore::connect(&pg.url(&format!("conformance_{n}"))).unwrap())
    });

    // The same estate through both stores gives the same report.
    client.batch_execute("CREATE DATABASE estate").unwrap();
    let fleet = sim::plan(8, 12, 12, 3);
    let dir = TempDir::new("pg-vs-sqlite");
    let mut stores: Vec<Box<dyn Store>> = vec![
        Box::new(PgStore::connect(&pg.url("estate")).unwrap()),
        Box::new(SqliteStore::open(&dir.path().join("e.db")).unwrap()),
    ];
    let mut facts = Vec::new();
    for (_, msgs) in sim::messages(&fleet, "camaudit") {
        for m in msgs {
            if let Ok(Parsed::Fact(f)) = parse::message("camaudit", &m.topic, &m.payload, Ts(0)) {
                facts.push(*f);
            }
        }
    }
    let end = fleet.end_of(fleet.weeks - 1);
    let mut reports = Vec::new();
    for s in &mut stores {
        for a in fleet.actions() {
            s.append_action(&a).unwrap();
        }
        for chunk in facts.chunks(500) {
            s.append_facts(chunk).unwrap();
        }
        let e = camaudit_central::build(s.as_mut(), Options::new(end)).unwrap();
        reports.push(serde_json::to_value(e).unwrap());
    }
    assert_eq!(reports[0], reports[1], "PostgreSQL and SQLite disagree");
    let remaining = reports[0]["projection"]["remaining"].as_u64().unwrap();
    assert!(remaining > 0);
}
