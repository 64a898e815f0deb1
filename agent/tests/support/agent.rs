//! Running the agent in-process against a test broker.

use std::path::Path;
use std::time::Duration;

use camaudit::config::{self, Config, Overrides};
use camaudit::run::{self, RunError, scanner::Scanner};
use tokio::sync::watch;

use super::broker::Broker;

/// An agent configuration for `broker`; `extra` is appended (more keys for [mqtt]).
pub fn config_text(
    broker: &Broker,
    state: &Path,
    site: &str,
    id: &str,
    interval: &str,
    extra: &str,
) -> String {
    let mut t = format!(
        "[agent]\nsite = \"{site}\"\nid = \"{id}\"\nstate_dir = \"{}\"\n\
         [scan]\ninterval = \"{interval}\"\njitter = \"0s\"\ntargets = [\"127.0.0.1\"]\npassive = false\n\
         [inventory]\nabsent_after = 2\n\
         [mqtt]\nurl = \"{}\"\nheartbeat = \"1s\"\nkeep_alive = \"5s\"\nreconnect_min = \"100ms\"\nreconnect_max = \"1s\"\n",
        state.display(),
        broker.url()
    );
    if let Some(p) = &broker.pki {
        let (cert, key) = p.client(id);
        t.push_str(&format!(
            "ca_file = \"{}\"\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
            p.ca.display(),
            cert.display(),
            key.display()
        ));
    }
    t.push_str(extra);
    t
}

pub fn load(text: &str, dir: &Path) -> Config {
    let p = dir.join("config.toml");
    std::fs::write(&p, text).expect("write config");
    config::load(&p, true, &Overrides::default()).expect("config loads")
}

pub struct Running {
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<Result<(), RunError>>,
}

pub fn spawn<S: Scanner>(cfg: Config, scanner: S) -> Running {
    let (stop, rx) = watch::channel(false);
    let handle = tokio::spawn(async move { run::run(&cfg, scanner, rx).await });
    Running { stop, handle }
}

impl Running {
    /// Stops as SIGTERM would, and waits (at most 15 s).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(15), self.handle)
            .await
            .expect("agent stops within 15s")
            .expect("agent task")
            .expect("agent ran without error");
    }
}
