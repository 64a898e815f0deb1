//! Counters and the request log of a running fleet: what every camera received, so tests can
//! check what a scanner sent (counts, operations, credentials used) without trusting it.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::auth::Rejection;

/// Entries kept in the log; later requests are counted in `log_dropped` only.
pub const LOG_CAPACITY: usize = 200_000;

/// What kind of credentials a request carried (never their values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    None,
    UsernameTokenDigest,
    /// UsernameToken with PasswordText or no Type: a plain-text password on the wire.
    UsernameTokenText,
    HttpDigest,
    HttpBasic,
    HttpOther,
}

/// The outcome of a camera's access check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "result", content = "reason")]
pub enum AuthOutcome {
    /// The operation is anonymous on this camera.
    NotRequired,
    Accepted,
    Rejected(Rejection),
}

impl AuthOutcome {
    pub fn name(&self) -> String {
        match self {
            Self::NotRequired => "not-required".into(),
            Self::Accepted => "accepted".into(),
            Self::Rejected(r) => format!(
                "rejected-{}",
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        }
    }
}

/// A discovery datagram as received (WS-Discovery, SADP or DHIP).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Datagram {
    Probe {
        message_id: Option<String>,
        types: Vec<String>,
    },
    /// A well-formed envelope that is not a 2005/04 Probe (Hello, Resolve, 2009 Probe…).
    Other {
        body: Option<String>,
        action: Option<String>,
    },
    Malformed {
        error: String,
    },
    /// A Hikvision SADP `<Probe>` (UDP 37020).
    Sadp {
        uuid: Option<String>,
        types: Option<String>,
    },
    /// A Dahua DHIP request (UDP 37810).
    Dhip {
        method: Option<String>,
    },
}

/// One received request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "transport")]
pub enum Request {
    Udp {
        /// `None` for the shared multicast socket.
        camera: Option<Ipv4Addr>,
        multicast: bool,
        bytes: usize,
        message: Datagram,
    },
    Http {
        camera: Ipv4Addr,
        method: String,
        path: String,
        operation: Option<String>,
        credentials: Credentials,
        auth: AuthOutcome,
        status: u16,
    },
    /// Bytes on an HTTP connection that were not a request this server could read.
    HttpInvalid { camera: Ipv4Addr, error: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Milliseconds since the fleet started.
    pub at_ms: u64,
    pub peer: SocketAddr,
    #[serde(flatten)]
    pub request: Request,
}

/// Live counters (atomics) and the log.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    datagrams: AtomicU64,
    probes: AtomicU64,
    duplicate_probes: AtomicU64,
    replies: AtomicU64,
    reply_errors: AtomicU64,
    http_connections: AtomicU64,
    http: Mutex<BTreeMap<(String, String), u64>>,
    log: Mutex<Vec<LogEntry>>,
    log_dropped: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// Datagrams read from any WS-Discovery socket.
    pub datagrams: u64,
    /// Probe deliveries to cameras (one multicast Probe reaching 50 cameras counts 50).
    pub probes: u64,
    /// Probes ignored because the camera had already answered that MessageID.
    pub duplicate_probes: u64,
    pub replies: u64,
    pub reply_errors: u64,
    pub http_connections: u64,
    /// HTTP requests by operation (or `method path` when not a device-service call) and outcome.
    pub http: BTreeMap<String, BTreeMap<String, u64>>,
    pub log_entries: u64,
    pub log_dropped: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            datagrams: AtomicU64::new(0),
            probes: AtomicU64::new(0),
            duplicate_probes: AtomicU64::new(0),
            replies: AtomicU64::new(0),
            reply_errors: AtomicU64::new(0),
            http_connections: AtomicU64::new(0),
            http: Mutex::new(BTreeMap::new()),
            log: Mutex::new(Vec::new()),
            log_dropped: AtomicU64::new(0),
        }
    }
}

impl Stats {
    pub(crate) fn datagram(&self, peer: SocketAddr, request: Request) {
        self.datagrams.fetch_add(1, Ordering::Relaxed);
        self.record(peer, request);
    }

    pub(crate) fn probe(&self, duplicate: bool) {
        self.probes.fetch_add(1, Ordering::Relaxed);
        if duplicate {
            self.duplicate_probes.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn reply(&self, ok: bool) {
        let counter = if ok {
            &self.replies
        } else {
            &self.reply_errors
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection(&self) {
        self.http_connections.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn http(&self, peer: SocketAddr, request: Request) {
        let key = match &request {
            Request::Http {
                method,
                path,
                operation,
                auth,
                ..
            } => {
                let op = operation
                    .clone()
                    .unwrap_or_else(|| format!("{method} {path}"));
                Some((op, auth.name()))
            }
            Request::HttpInvalid { .. } => Some(("invalid".to_owned(), "none".to_owned())),
            Request::Udp { .. } => None,
        };
        if let Some(key) = key {
            let mut map = self.http.lock().unwrap_or_else(|e| e.into_inner());
            *map.entry(key).or_insert(0) += 1;
        }
        self.record(peer, request);
    }

    fn record(&self, peer: SocketAddr, request: Request) {
        let at_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() < LOG_CAPACITY {
            log.push(LogEntry {
                at_ms,
                peer,
                request,
            });
        } else {
            self.log_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut http: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for ((op, outcome), n) in self.http.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            http.entry(op.clone())
                .or_default()
                .insert(outcome.clone(), *n);
        }
        let log_entries = self.log.lock().unwrap_or_else(|e| e.into_inner()).len() as u64;
        StatsSnapshot {
            datagrams: load(&self.datagrams),
            probes: load(&self.probes),
            duplicate_probes: load(&self.duplicate_probes),
            replies: load(&self.replies),
            reply_errors: load(&self.reply_errors),
            http_connections: load(&self.http_connections),
            http,
            log_entries,
            log_dropped: load(&self.log_dropped),
        }
    }

    pub fn log(&self) -> Vec<LogEntry> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
