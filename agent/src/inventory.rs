//! The agent's inventory: every device it has seen, when, whether it is still there, and what
//! changed between scans. Pure: scans in, changes out; persistence is the queue's store.

use std::collections::BTreeMap;

use camaudit_protocol::record::Device;
use serde::{Deserialize, Serialize};

use crate::payload::{FieldChange, InventoryCounts, Presence, key_digest};

/// One device as the inventory knows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub device: Device,
    pub state: Presence,
    /// Consecutive full scans that did not see the device.
    pub missed: u32,
    /// The scan that last observed the device.
    pub scan_id: String,
}

/// What one observation did to one device.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// First time seen.
    New { key: String },
    /// Firmware, address, identity or presence changed.
    Changed {
        key: String,
        changes: Vec<FieldChange>,
    },
    /// Seen again, nothing worth an event changed (the record's `last_seen` and `scan_id` did).
    Seen { key: String },
    /// Missed by enough consecutive full scans: now absent.
    Lost { key: String },
    /// Absent for longer than the retention: dropped from the inventory.
    Forgotten { key: String },
}

impl Change {
    pub fn key(&self) -> &str {
        match self {
            Self::New { key }
            | Self::Changed { key, .. }
            | Self::Seen { key }
            | Self::Lost { key }
            | Self::Forgotten { key } => key,
        }
    }
}

/// Every device the agent knows, by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    entries: BTreeMap<String, Entry>,
}

impl Inventory {
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Self {
        Self {
            entries: entries
                .into_iter()
                .map(|e| (e.device.key.clone(), e))
                .collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records the devices of one scan. A `full` scan covered every network, so a known device
    /// it did not see counts as missed; `absent_after` consecutive misses make it absent. A
    /// partial scan (one device after a Hello) only updates what it saw.
    pub fn observe(
        &mut self,
        scan_id: &str,
        devices: &[Device],
        full: bool,
        absent_after: u32,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for d in devices {
            if !seen.insert(d.key.clone()) {
                continue;
            }
            changes.push(self.observe_one(scan_id, d));
        }
        if full {
            for (key, e) in &mut self.entries {
                if seen.contains(key) {
                    continue;
                }
                e.missed = e.missed.saturating_add(1);
                if e.state == Presence::Present && e.missed >= absent_after.max(1) {
                    e.state = Presence::Absent;
                    changes.push(Change::Lost { key: key.clone() });
                }
            }
        }
        changes
    }

    fn observe_one(&mut self, scan_id: &str, d: &Device) -> Change {
        let key = d.key.clone();
        let Some(old) = self.entries.get(&key) else {
            self.entries.insert(
                key.clone(),
                Entry {
                    device: d.clone(),
                    state: Presence::Present,
                    missed: 0,
                    scan_id: scan_id.to_owned(),
                },
            );
            return Change::New { key };
        };
        let merged = merge(&old.device, d);
        let mut diff = differences(&old.device, &merged);
        if old.state == Presence::Absent {
            diff.push(FieldChange {
                field: "state".into(),
                old: Some("absent".into()),
                new: Some("present".into()),
            });
        }
        self.entries.insert(
            key.clone(),
            Entry {
                device: merged,
                state: Presence::Present,
                missed: 0,
                scan_id: scan_id.to_owned(),
            },
        );
        if diff.is_empty() {
            Change::Seen { key }
        } else {
            Change::Changed { key, changes: diff }
        }
    }

    /// Drops absent devices last seen before `cutoff` (RFC 3339 UTC, as in `last_seen`).
    pub fn forget_before(&mut self, cutoff: &str) -> Vec<Change> {
        let old: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| e.state == Presence::Absent && e.device.last_seen.as_str() < cutoff)
            .map(|(k, _)| k.clone())
            .collect();
        old.into_iter()
            .map(|key| {
                self.entries.remove(&key);
                Change::Forgotten { key }
            })
            .collect()
    }

    /// Counts and key digest, as published in `status` and `event/scan-finished`.
    pub fn counts(&self) -> InventoryCounts {
        let mut c = InventoryCounts::default();
        for e in self.entries.values() {
            match e.state {
                Presence::Present => c.present += 1,
                Presence::Absent => c.absent += 1,
            }
            if e.device.policy.restricted {
                c.restricted += 1;
            }
        }
        c.digest = key_digest(self.entries.keys().map(String::as_str));
        c
    }
}

/// The new observation, keeping what the old record knew when this scan learned less (an
/// interrogation that timed out does not erase a device's identity).
fn merge(old: &Device, new: &Device) -> Device {
    let mut m = new.clone();
    m.first_seen.clone_from(&old.first_seen);
    if m.reported.manufacturer.is_none() && old.reported.manufacturer.is_some() {
        m.reported = old.reported.clone();
        m.attribution = old.attribution.clone();
        m.policy = old.policy.clone();
    }
    if m.mac.is_none() {
        m.mac = old.mac;
        m.mac_source.clone_from(&old.mac_source);
    }
    if m.endpoint.is_none() {
        m.endpoint.clone_from(&old.endpoint);
    }
    m
}

fn differences(old: &Device, new: &Device) -> Vec<FieldChange> {
    let pairs: [(&str, Option<String>, Option<String>); 9] = [
        ("ip", Some(old.ip.clone()), Some(new.ip.clone())),
        (
            "mac",
            old.mac.map(|m| m.to_string()),
            new.mac.map(|m| m.to_string()),
        ),
        ("endpoint", old.endpoint.clone(), new.endpoint.clone()),
        (
            "manufacturer",
            old.reported.manufacturer.clone(),
            new.reported.manufacturer.clone(),
        ),
        (
            "model",
            old.reported.model.clone(),
            new.reported.model.clone(),
        ),
        (
            "firmware",
            old.reported.firmware.clone(),
            new.reported.firmware.clone(),
        ),
        (
            "serial",
            old.reported.serial.clone(),
            new.reported.serial.clone(),
        ),
        (
            "hardware_id",
            old.reported.hardware_id.clone(),
            new.reported.hardware_id.clone(),
        ),
        (
            "maker",
            old.attribution.maker.clone(),
            new.attribution.maker.clone(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, o, n)| o != n)
        .map(|(field, old, new)| FieldChange {
            field: field.to_owned(),
            old,
            new,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use camaudit_protocol::mac::Mac;
    use camaudit_protocol::record::{Access, Attribution, Method, Policy, Reported};

    use super::*;

    fn device(mac: &str, ip: &str, firmware: Option<&str>, manufacturer: Option<&str>) -> Device {
        let mac = Mac::parse(mac).unwrap();
        Device {
            key: mac.key(),
            ip: ip.into(),
            mac: Some(mac),
            mac_source: Some("neighbour".into()),
            endpoint: None,
            xaddrs: vec![format!("http://{ip}/onvif/device_service")],
            discovered_by: vec![Method::WsDiscovery],
            reported: Reported {
                manufacturer: manufacturer.map(str::to_owned),
                firmware: firmware.map(str::to_owned),
                ..Reported::default()
            },
            attribution: Attribution::default(),
            policy: Policy {
                restricted: manufacturer == Some("HIKVISION"),
                lists: vec![],
            },
            access: Access::default(),
            first_seen: "2026-11-29T00:00:00Z".into(),
            last_seen: "2026-11-29T00:00:00Z".into(),
        }
    }

    const A: &str = "44:19:b6:00:00:01";
    const B: &str = "3c:ef:8c:00:00:02";

    #[test]
    fn scans_produce_new_seen_changed_and_lost_in_turn() {
        let mut inv = Inventory::default();
        let a = device(A, "10.0.0.1", Some("V5.5.0"), Some("HIKVISION"));
        let b = device(B, "10.0.0.2", Some("2.800"), Some("Dahua"));
        let c = inv.observe("s1", &[a.clone(), b.clone()], true, 2);
        assert_eq!(
            c,
            vec![
                Change::New { key: a.key.clone() },
                Change::New { key: b.key.clone() }
            ]
        );
        let mut a2 = a.clone();
        a2.reported.firmware = Some("V5.7.3".into());
        a2.ip = "10.0.0.9".into();
        a2.first_seen = "2026-11-30T00:00:00Z".into();
        let c = inv.observe("s2", &[a2, b.clone()], true, 2);
        let Change::Changed { changes, .. } = &c[0] else {
            panic!("{c:?}")
        };
        let fields: Vec<&str> = changes.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["ip", "firmware"]);
        assert_eq!(changes[1].old.as_deref(), Some("V5.5.0"));
        assert_eq!(changes[1].new.as_deref(), Some("V5.7.3"));
        assert_eq!(c[1], Change::Seen { key: b.key.clone() });
        let kept = inv.get(&a.key).unwrap();
        assert_eq!(kept.device.first_seen, "2026-11-29T00:00:00Z");
        assert_eq!(kept.scan_id, "s2");

        // b missed once: still present; twice: lost.
        assert_eq!(
            inv.observe("s3", std::slice::from_ref(&a), true, 2).len(),
            1
        );
        assert_eq!(inv.get(&b.key).unwrap().state, Presence::Present);
        let c = inv.observe("s4", std::slice::from_ref(&a), true, 2);
        assert_eq!(c[1], Change::Lost { key: b.key.clone() });
        assert_eq!(inv.get(&b.key).unwrap().state, Presence::Absent);
        // Lost only once.
        assert_eq!(
            inv.observe("s5", std::slice::from_ref(&a), true, 2).len(),
            1
        );
        let counts = inv.counts();
        assert_eq!(
            (counts.present, counts.absent, counts.restricted),
            (1, 1, 1)
        );
        assert_eq!(counts.digest, key_digest([a.key.as_str(), b.key.as_str()]));

        // Back again: a state change.
        let c = inv.observe("s6", &[a.clone(), b.clone()], true, 2);
        let Change::Changed { changes, .. } = &c[1] else {
            panic!("{c:?}")
        };
        assert_eq!(changes[0].field, "state");
    }

    #[test]
    fn partial_scans_miss_nothing_and_failed_interrogation_keeps_identity() {
        let mut inv = Inventory::default();
        let a = device(A, "10.0.0.1", Some("V5.5.0"), Some("HIKVISION"));
        let b = device(B, "10.0.0.2", None, None);
        inv.observe("s1", &[a.clone(), b.clone()], true, 1);
        let bare = device(A, "10.0.0.1", None, None);
        let c = inv.observe("s2", &[bare], false, 1);
        assert_eq!(c, vec![Change::Seen { key: a.key.clone() }]);
        assert_eq!(inv.get(&b.key).unwrap().missed, 0);
        let kept = &inv.get(&a.key).unwrap().device;
        assert_eq!(kept.reported.firmware.as_deref(), Some("V5.5.0"));
    }

    #[test]
    fn forgets_only_long_absent_devices() {
        let mut inv = Inventory::default();
        let a = device(A, "10.0.0.1", None, None);
        let b = device(B, "10.0.0.2", None, None);
        inv.observe("s1", &[a.clone(), b.clone()], true, 1);
        inv.observe("s2", std::slice::from_ref(&a), true, 1);
        assert!(inv.forget_before("2026-11-28T00:00:00Z").is_empty());
        let c = inv.forget_before("2026-12-01T00:00:00Z");
        assert_eq!(c, vec![Change::Forgotten { key: b.key.clone() }]);
        assert_eq!(inv.len(), 1);
    }
}
