//! What the agent scans with: the live scan pipeline, behind a trait so the agent's loop can be
//! driven by any source of scan reports.

use std::future::Future;
use std::net::Ipv4Addr;
use std::time::Duration;

use camaudit_attribution::PolicySet;
use camaudit_protocol::record::ScanReport;

use crate::config::Config;
use crate::interrogate::Ctx;
use crate::net::interfaces::{self, Interface};
use crate::scan::{self, ScanConfig};
use crate::scope::{Scope, Target};

/// A source of scan reports.
pub trait Scanner: Send + Sync + 'static {
    /// A full scan (`only` is `None`), or of one device after it announced itself.
    fn scan(
        &self,
        only: Option<Ipv4Addr>,
    ) -> impl Future<Output = Result<ScanReport, String>> + Send;
    /// The networks scanned: a Hello from outside them is ignored.
    fn scope(&self) -> Scope;
    /// Interfaces to listen on for Hello announcements.
    fn interfaces(&self) -> Vec<Interface>;
}

/// The real scan of `camaudit scan`, with the configuration's settings.
pub struct LiveScanner {
    cfg: ScanConfig,
    lists: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScannerError {
    #[error("scan.interfaces: {0}")]
    Interfaces(#[from] interfaces::InterfaceError),
}

impl LiveScanner {
    pub fn new(c: &Config) -> Result<Self, ScannerError> {
        let ifaces = if c.scan.all_interfaces || !c.scan.interfaces.is_empty() {
            interfaces::select(&c.scan.interfaces)?
        } else {
            Vec::new()
        };
        let limits = crate::http::Limits {
            connect_timeout: c.scan.timeout,
            total_timeout: c.scan.timeout,
            idle_timeout: c.scan.timeout,
            ..crate::http::Limits::default()
        };
        Ok(Self {
            cfg: ScanConfig {
                interfaces: ifaces,
                targets: c.scan.targets.clone(),
                wait: c.scan.wait,
                methods: c.scan.methods.clone(),
                interrogate: true,
                concurrency: c.scan.concurrency,
                rate: c.scan.rate,
                ctx: Ctx {
                    credentials: c.credentials.clone(),
                    limits,
                },
                agent: c.agent.id.clone(),
                site: Some(c.agent.site.clone()),
            },
            lists: c.policy.lists.clone(),
        })
    }
}

impl Scanner for LiveScanner {
    async fn scan(&self, only: Option<Ipv4Addr>) -> Result<ScanReport, String> {
        let mut cfg = self.cfg.clone();
        if let Some(ip) = only {
            cfg.interfaces.clear();
            cfg.targets = vec![Target::Host(ip, None)];
            cfg.wait = cfg.wait.min(Duration::from_secs(1));
        }
        let lists = self.lists.clone();
        // In its own task: a panic in a parser fed by a hostile device fails this scan, not
        // the agent.
        let task = tokio::spawn(async move {
            let policy = PolicySet::builtin()
                .select(&lists)
                .map_err(|e| format!("policy.lists: {e}"))?;
            scan::run(&cfg, &policy, &scan::Silent)
                .await
                .map(|(report, _)| report)
                .map_err(|e| format!("{e:#}"))
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(format!("the scan task failed: {e}")),
        }
    }

    fn scope(&self) -> Scope {
        self.cfg.scope()
    }

    fn interfaces(&self) -> Vec<Interface> {
        self.cfg.interfaces.clone()
    }
}
