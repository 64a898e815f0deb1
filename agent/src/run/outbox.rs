//! Turns inventory changes and scan milestones into queued MQTT messages, committed in one
//! transaction with the inventory they describe.

use camaudit_protocol::record::{Device, ScanReport};

use crate::inventory::{Change, Entry, Inventory};
use crate::mqtt::{Topics, topic_level};
use crate::payload::{
    CMD_RESULT_SCHEMA, CmdResultMessage, DEVICE_SCHEMA, DeviceMessage, EVENT_SCHEMA, EventMessage,
    EventType, FieldChange, Origin, Trigger,
};
use crate::queue::{Batch, Message, QueueError};

/// Builds and queues messages inside one store transaction.
pub struct Outbox<'a, 'b> {
    pub batch: &'a mut Batch<'b>,
    pub topics: Option<&'a Topics>,
    pub origin: &'a Origin,
    pub ts: &'a str,
}

impl Outbox<'_, '_> {
    fn queue<T: serde::Serialize>(
        &mut self,
        seq: u64,
        topic: String,
        body: &T,
        state_key: Option<String>,
    ) -> Result<(), QueueError> {
        let payload = serde_json::to_vec(body).unwrap_or_default();
        let retain = state_key.is_some();
        self.batch.push(
            seq,
            &Message {
                topic,
                payload,
                retain,
                state_key,
            },
        )
    }

    pub fn event(
        &mut self,
        kind: EventType,
        scan_id: &str,
        fill: impl FnOnce(&mut EventMessage),
    ) -> Result<(), QueueError> {
        let Some(topics) = self.topics else {
            return Ok(());
        };
        let topic = topics.event(kind);
        let seq = self.batch.next_seq();
        let mut e = EventMessage::new(
            self.origin.envelope(EVENT_SCHEMA, seq, self.ts),
            kind,
            scan_id,
        );
        fill(&mut e);
        self.queue(seq, topic, &e, None)
    }

    /// The retained record of `e` (latest wins).
    pub fn device(&mut self, e: &Entry) -> Result<(), QueueError> {
        let Some(topics) = self.topics else {
            return Ok(());
        };
        let level = topic_level(&e.device.key);
        let seq = self.batch.next_seq();
        let m = DeviceMessage {
            envelope: self.origin.envelope(DEVICE_SCHEMA, seq, self.ts),
            device: e.device.clone(),
            state: e.state,
            scan_id: e.scan_id.clone(),
        };
        self.queue(
            seq,
            topics.device(&level),
            &m,
            Some(format!("device/{level}")),
        )
    }

    /// An empty retained message: the broker forgets the device's record.
    pub fn delete_device(&mut self, key: &str) -> Result<(), QueueError> {
        let Some(topics) = self.topics else {
            return Ok(());
        };
        let level = topic_level(key);
        let seq = self.batch.next_seq();
        self.batch.push(
            seq,
            &Message {
                topic: topics.device(&level),
                payload: Vec::new(),
                retain: true,
                state_key: Some(format!("device/{level}")),
            },
        )
    }

    pub fn cmd_result(
        &mut self,
        request_id: &str,
        fill: impl FnOnce(&mut CmdResultMessage),
    ) -> Result<(), QueueError> {
        let Some(topics) = self.topics else {
            return Ok(());
        };
        let seq = self.batch.next_seq();
        let mut m = CmdResultMessage {
            envelope: self.origin.envelope(CMD_RESULT_SCHEMA, seq, self.ts),
            request_id: request_id.to_owned(),
            command: "scan".into(),
            accepted: true,
            scan_id: None,
            error: None,
        };
        fill(&mut m);
        self.queue(seq, topics.cmd_result(request_id), &m, None)
    }
}

/// Applies a scan to the inventory and queues what it caused: the device events, every
/// observed device's record, and `scan-finished` with the new counts. Returns the changes.
pub fn apply_scan(
    out: &mut Outbox<'_, '_>,
    inv: &mut Inventory,
    report: &ScanReport,
    full: bool,
    absent_after: u32,
    forget_before: Option<&str>,
    trigger: Trigger,
) -> Result<Vec<Change>, QueueError> {
    let mut changes = inv.observe(&report.scan_id, &report.devices, full, absent_after);
    if let Some(cutoff) = forget_before {
        changes.extend(inv.forget_before(cutoff));
    }
    for c in &changes {
        let key = c.key().to_owned();
        let entry = inv.get(&key).cloned();
        match (c, &entry) {
            (Change::Forgotten { .. }, _) => {
                out.batch.remove_entry(&key)?;
                out.delete_device(&key)?;
                continue;
            }
            (_, Some(e)) => out.batch.put_entry(e)?,
            (_, None) => continue,
        }
        let Some(e) = entry else { continue };
        match c {
            Change::New { .. } => {
                device_event(out, EventType::DeviceNew, &e, &report.scan_id, Vec::new())?
            }
            Change::Changed { changes, .. } => {
                device_event(
                    out,
                    EventType::DeviceChanged,
                    &e,
                    &report.scan_id,
                    changes.clone(),
                )?;
            }
            Change::Lost { .. } => {
                device_event(out, EventType::DeviceLost, &e, &report.scan_id, Vec::new())?
            }
            _ => {}
        }
        out.device(&e)?;
    }
    // Missed-but-not-yet-absent devices changed their miss count only.
    if full {
        for e in inv.entries() {
            if e.missed > 0 && !changes.iter().any(|c| c.key() == e.device.key) {
                out.batch.put_entry(e)?;
            }
        }
    }
    let counts = inv.counts();
    out.event(EventType::ScanFinished, &report.scan_id, |m| {
        m.trigger = Some(trigger);
        m.summary = Some(report.summary.clone());
        m.inventory = Some(counts);
        m.started_at = Some(report.started_at.clone());
        m.finished_at = Some(report.finished_at.clone());
    })?;
    Ok(changes)
}

fn device_event(
    out: &mut Outbox<'_, '_>,
    kind: EventType,
    e: &Entry,
    scan_id: &str,
    changes: Vec<FieldChange>,
) -> Result<(), QueueError> {
    let device: Box<Device> = Box::new(e.device.clone());
    out.event(kind, scan_id, |m| {
        m.key = Some(e.device.key.clone());
        m.device = Some(device);
        m.changes = changes;
    })
}
