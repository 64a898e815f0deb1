//! The ledger against a simulated estate: the burn-down equals the plan's closed-form counts
//! week by week; the estate as at a date equals the replay stopped at that date; duplicates and
//! arrival order change nothing. No broker: facts go through the real parser and SQLite store.

use camaudit_central::fact::Fact;
use camaudit_central::ingest::parse::{self, Parsed};
use camaudit_central::ledger::Options;
use camaudit_central::sim::{self, Fleet};
use camaudit_central::state::Status;
use camaudit_central::store::Store;
use camaudit_central::store::conformance::TempDir;
use camaudit_central::store::sqlite::SqliteStore;
use camaudit_central::time::Ts;

fn facts(fleet: &Fleet) -> Vec<Fact> {
    let mut out = Vec::new();
    for (_, msgs) in sim::messages(fleet, "camaudit") {
        for m in msgs {
            match parse::message("camaudit", &m.topic, &m.payload, Ts(0)).unwrap() {
                Parsed::Fact(f) => out.push(*f),
                other => panic!("{}: {other:?}", m.topic),
            }
        }
    }
    out
}

fn store(dir: &TempDir, name: &str, fleet: &Fleet, facts: &[Fact]) -> SqliteStore {
    let mut s = SqliteStore::open(&dir.path().join(name)).unwrap();
    for a in fleet.actions() {
        s.append_action(&a).unwrap();
    }
    for chunk in facts.chunks(1000) {
        s.append_facts(chunk).unwrap();
    }
    s
}

fn named(c: &[u32; 9]) -> Vec<(&'static str, u32)> {
    Status::ALL
        .iter()
        .map(|s| (s.as_str(), c[s.index()]))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[test]
fn burn_down_matches_the_plan_and_time_travel_matches_replay() {
    let fleet = sim::plan(30, 20, 16, 7);
    let dir = TempDir::new("burndown");
    let all = facts(&fleet);
    let mut s = store(&dir, "a.db", &fleet, &all);
    let end = fleet.end_of(fleet.weeks - 1);
    let full = camaudit_central::build(&mut s, Options::new(end)).unwrap();
    // Every fate occurs, so every rule is exercised.
    let last = fleet.expected(fleet.weeks - 1);
    for st in [
        Status::Identified,
        Status::Isolated,
        Status::Verified,
        Status::Disposed,
        Status::NotSeen,
        Status::Regressed,
    ] {
        assert!(
            last[st.index()] > 0,
            "the plan has no {st:?}: {:?}",
            named(&last)
        );
    }
    for w in 0..fleet.weeks {
        let at = fleet.end_of(w);
        let point = camaudit_central::burndown::at(&full.series, at).unwrap();
        assert_eq!(
            point.at, at,
            "week {w}: the series has a point at the end of the day"
        );
        assert_eq!(
            named(&point.counts),
            named(&fleet.expected(w)),
            "week {w}: burn-down vs plan"
        );
        let then = camaudit_central::build(&mut s, Options::new(at)).unwrap();
        let last = then.series.last().unwrap();
        assert_eq!(
            last.counts, point.counts,
            "week {w}: as-at report vs the full series"
        );
        assert_eq!(
            last.verified_total, point.verified_total,
            "week {w}: verified so far"
        );
    }
    assert!(full.warnings.is_empty(), "{:?}", full.warnings);
    // Breaches: devices first seen after the no-new-deployments date, at sites scanned before.
    let breaches = full.devices.iter().filter(|d| d.breach).count();
    let planned = fleet
        .sites
        .iter()
        .flat_map(|s| &s.devices)
        .filter(|d| d.appears > 0)
        .count();
    assert_eq!(breaches, planned);
    assert!(planned > 0);
}

#[test]
fn duplicates_and_arrival_order_change_nothing() {
    let fleet = sim::plan(12, 15, 14, 11);
    let dir = TempDir::new("order");
    let all = facts(&fleet);
    let mut a = store(&dir, "a.db", &fleet, &all);
    // Reversed, every fact twice, in odd-sized batches.
    let mut shuffled: Vec<Fact> = all.iter().rev().cloned().collect();
    shuffled.extend(all.iter().step_by(3).cloned());
    let mut b = SqliteStore::open(&dir.path().join("b.db")).unwrap();
    for act in fleet.actions() {
        b.append_action(&act).unwrap();
    }
    let mut dup = 0;
    for chunk in shuffled.chunks(37) {
        dup += b.append_facts(chunk).unwrap().duplicate;
    }
    assert_eq!(dup, all.len().div_ceil(3));
    assert_eq!(b.fact_count().unwrap(), all.len() as u64);
    let end = fleet.end_of(fleet.weeks - 1);
    let ea =
        serde_json::to_value(camaudit_central::build(&mut a, Options::new(end)).unwrap()).unwrap();
    let eb =
        serde_json::to_value(camaudit_central::build(&mut b, Options::new(end)).unwrap()).unwrap();
    assert_eq!(ea, eb);
}
