//! Shutdown: SIGTERM (systemd stop) or SIGINT turns the shared flag on; every task watches it.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// Sets `tx` to true on the first SIGTERM or SIGINT.
pub async fn on_signal(tx: watch::Sender<bool>) {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing"),
        _ = int.recv() => tracing::info!("SIGINT: finishing"),
    }
    let _ = tx.send(true);
}
