//! Process lifecycle: the draining flag `/api/health` reports, and the stop signal every
//! long-running loop (HTTP listener, worker, heartbeat) waits on.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::watch;

/// A one-way latch: once triggered it stays triggered; every clone sees it.
#[derive(Clone, Debug)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Resolves once `trigger` has been called (immediately if it already was).
    pub async fn triggered(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives as long as `self`, so `wait_for` cannot fail while we wait.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}

/// Set when a stop signal arrives; health then answers 503 `draining` so load balancers move
/// traffic away before the listener closes.
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Resolves on the first SIGTERM or SIGINT; a second one exits the process at once.
pub async fn wait_for_stop_signal() {
    let first = stop_signal().await;
    tracing::info!(signal = first, "stop signal received; draining");
    tokio::spawn(async {
        let second = stop_signal().await;
        tracing::warn!(signal = second, "second stop signal; exiting immediately");
        std::process::exit(130);
    });
}

async fn stop_signal() -> &'static str {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
                "SIGTERM"
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<&'static str>();
    tokio::select! {
        name = ctrl_c => name,
        name = terminate => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_the_trigger() {
        let shutdown = Shutdown::new();
        let clone = shutdown.clone();
        assert!(!clone.is_triggered());
        let waiter = tokio::spawn(async move { clone.triggered().await });
        shutdown.trigger();
        waiter.await.unwrap();
        assert!(shutdown.is_triggered());
        // Already triggered: resolves immediately.
        shutdown.triggered().await;
    }
}
