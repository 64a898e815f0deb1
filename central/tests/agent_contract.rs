//! The simulated agents publish exactly what the real agent would: every kind of message the
//! simulator writes is read by the agent's own payload types (`camaudit::payload`) and written
//! back unchanged. So the ingest tests run on the project's own payloads.

use camaudit::payload::{DeviceMessage, EventMessage, StatusMessage};
use camaudit_central::sim;

#[test]
fn simulated_payloads_round_trip_through_the_agent_types() {
    let fleet = sim::plan(3, 12, 12, 8);
    let mut kinds = std::collections::BTreeSet::new();
    for (_, msgs) in sim::messages(&fleet, "camaudit") {
        for m in msgs {
            let ours: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
            let level = m.topic.rsplit('/').nth(1).unwrap_or_default();
            let theirs = match (level, m.topic.rsplit('/').next().unwrap_or_default()) {
                ("device", _) => serde_json::to_value(
                    serde_json::from_slice::<DeviceMessage>(&m.payload).unwrap(),
                ),
                ("event", kind) => {
                    kinds.insert(kind.to_owned());
                    serde_json::to_value(
                        serde_json::from_slice::<EventMessage>(&m.payload).unwrap(),
                    )
                }
                (_, "status") => serde_json::to_value(
                    serde_json::from_slice::<StatusMessage>(&m.payload).unwrap(),
                ),
                other => panic!("unexpected topic {other:?}"),
            }
            .unwrap();
            assert_eq!(ours, theirs, "{}", m.topic);
        }
    }
    let want = [
        "device-changed",
        "device-lost",
        "device-new",
        "scan-finished",
        "scan-started",
    ];
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), want);
}
