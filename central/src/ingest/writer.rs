//! The store writer: a thread that commits facts in batches and hands the MQTT messages back
//! for acknowledgement only once they are committed.

use std::sync::Arc;
use std::sync::mpsc;

use tracing::error;

use crate::fact::Fact;
use crate::ingest::{IngestError, Shared, lock};
use crate::payload::HeartbeatMessage;
use crate::store::Store;
use crate::time::Ts;

/// Facts committed per transaction at most; the writer never waits to fill a batch, because the
/// broker sends only a few unacknowledged messages at a time.
const MAX_BATCH: usize = 5_000;

pub(crate) enum Item {
    Fact(Box<Fact>, rumqttc::Publish),
    Heartbeat(Box<HeartbeatMessage>, Ts, rumqttc::Publish),
}

pub(crate) struct Writer {
    tx: mpsc::Sender<Item>,
    thread: std::thread::JoinHandle<Result<(), IngestError>>,
}

impl Writer {
    pub(crate) fn spawn(
        mut store: Box<dyn Store>,
        shared: Arc<Shared>,
        acks: tokio::sync::mpsc::UnboundedSender<rumqttc::Publish>,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Item>();
        let thread = std::thread::spawn(move || {
            let r = write_loop(store.as_mut(), &shared, &rx, &acks);
            if let Err(e) = &r {
                error!(error = %e, "store writer stopped");
            }
            r
        });
        Self { tx, thread }
    }

    pub(crate) fn send(&self, item: Item) -> Result<(), IngestError> {
        self.tx.send(item).map_err(|_| IngestError::Writer)
    }

    /// Commits what is queued and stops.
    pub(crate) fn finish(self) -> Result<(), IngestError> {
        drop(self.tx);
        self.thread.join().map_err(|_| IngestError::Writer)?
    }
}

fn write_loop(
    store: &mut dyn Store,
    shared: &Shared,
    rx: &mpsc::Receiver<Item>,
    acks: &tokio::sync::mpsc::UnboundedSender<rumqttc::Publish>,
) -> Result<(), IngestError> {
    let mut facts = Vec::new();
    let mut done = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(item) = next.take() {
            match item {
                Item::Fact(f, p) => {
                    facts.push(*f);
                    done.push(p);
                }
                Item::Heartbeat(h, at, p) => {
                    store.put_heartbeat(&h.envelope.site, &h.envelope.agent, at, &h)?;
                    done.push(p);
                }
            }
            if facts.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        let appended = store.append_facts(&facts)?;
        {
            let mut p = lock(&shared.progress);
            p.stored += appended.new as u64;
            p.duplicates += appended.duplicate as u64;
        }
        facts.clear();
        for p in done.drain(..) {
            let _ = acks.send(p);
        }
    }
    Ok(())
}
