//! A scan source that plays back prepared reports, one per scan, then waits forever (so a test
//! decides how many scans happen).

use std::net::Ipv4Addr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use camaudit::net::interfaces::Interface;
use camaudit::run::scanner::Scanner;
use camaudit::scope::Scope;
use camaudit_protocol::record::ScanReport;

pub struct Scripted {
    reports: Mutex<Vec<ScanReport>>,
    /// Each scan takes this long (a scan is in progress while it sleeps).
    pub delay: Duration,
    pub done: std::sync::Arc<AtomicUsize>,
}

impl Scripted {
    pub fn new(reports: Vec<ScanReport>, delay: Duration) -> Self {
        let mut reports = reports;
        reports.reverse();
        Self {
            reports: Mutex::new(reports),
            delay,
            done: std::sync::Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Scanner for Scripted {
    async fn scan(&self, _only: Option<Ipv4Addr>) -> Result<ScanReport, String> {
        tokio::time::sleep(self.delay).await;
        let next = self.reports.lock().expect("lock").pop();
        match next {
            Some(r) => {
                self.done.fetch_add(1, Ordering::SeqCst);
                Ok(r)
            }
            None => std::future::pending().await,
        }
    }

    fn scope(&self) -> Scope {
        Scope::new([])
    }

    fn interfaces(&self) -> Vec<Interface> {
        Vec::new()
    }
}
