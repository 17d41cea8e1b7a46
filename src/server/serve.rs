//! The pieces `main` assembles for `serve`: the worker, the listener and graceful shutdown
//! (operations.md §8, §9).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    serve::{ListenerExt as _, TapIo},
};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use super::{
    jobs::{ClaimedJob, DeadJob, JobKind, Registry, Worker, WorkerOptions, maintenance},
    observability::Alert,
    shutdown::{Shutdown, wait_for_stop_signal},
    state::AppState,
};

/// One `jobs.dead` alert per job kind in this window; the rest are counted as suppressed.
const ALERT_WINDOW: Duration = Duration::from_secs(5 * 60);

/// How long `/api/health` reports `draining` before the listener stops accepting.
const DRAIN_NOTICE: Duration = Duration::from_secs(2);

/// Every job kind this build can run.
pub fn job_registry(state: &AppState) -> Registry {
    let (deleting, finalizing) = (state.clone(), state.clone());
    let (sending, nudging, billing) = (state.clone(), state.clone(), state.clone());
    let (reconciling, mirroring, delivering) = (state.clone(), state.clone(), state.clone());
    let mourning = state.clone();
    let registry = Registry::new().with_metrics(state.metrics.clone());
    maintenance::register(registry, state.pool.clone(), state.clock.clone())
        .register(JobKind::DeleteBusiness, move |job: ClaimedJob| {
            let state = deleting.clone();
            async move { crate::server::businesses::deletion::run(&state, &job).await }
        })
        .register(JobKind::FinalizeCall, move |job: ClaimedJob| {
            let state = finalizing.clone();
            async move { crate::server::calls::finalize::run(&state, &job).await }
        })
        .register(JobKind::SendSms, move |job: ClaimedJob| {
            let state = sending.clone();
            async move { crate::server::messaging::send_job::run(&state, &job).await }
        })
        .register(JobKind::StallNudge, move |job: ClaimedJob| {
            let state = nudging.clone();
            async move { crate::server::conversation::nudge::run(&state, &job).await }
        })
        .register(JobKind::ProcessStripeEvent, move |job: ClaimedJob| {
            let state = billing.clone();
            async move { crate::server::billing::stripe_inbox::run(&state, &job).await }
        })
        .register(JobKind::TwilioReconcile, move |job: ClaimedJob| {
            let state = reconciling.clone();
            async move { crate::server::twilio_reconcile::run(&state, &job).await }
        })
        .register(JobKind::AirtablePush, move |job: ClaimedJob| {
            let state = mirroring.clone();
            async move { crate::server::airtable::push::run(&state, &job).await }
        })
        .register(JobKind::WebhookDeliver, move |job: ClaimedJob| {
            let state = delivering.clone();
            async move { crate::server::outbound_webhooks::deliver::run(&state, &job).await }
        })
        .on_dead(move |dead: DeadJob| {
            let state = mourning.clone();
            async move { on_dead_job(&state, dead).await }
        })
}

/// A dead job is an operator alert (throttled per kind), and the work it stood for is closed
/// visibly: a text that will never be sent is marked failed on its lead.
async fn on_dead_job(state: &AppState, dead: DeadJob) {
    state.alerts.report(
        Alert::new(
            "jobs",
            "dead",
            format!("A {} job failed for good", dead.kind.as_str()),
        )
        .metadata(serde_json::json!({
            "kind": dead.kind.as_str(),
            "key": dead.key,
            "business_id": dead.business_id,
            "error": dead.error,
        }))
        .correlation_id(dead.correlation_id.clone().unwrap_or_default())
        .throttle(dead.kind.as_str(), ALERT_WINDOW),
    );
    if dead.kind == JobKind::SendSms
        && let Err(err) = crate::server::messaging::send_job::abandon(state, &dead).await
    {
        tracing::warn!(error = %err, key = dead.key, "could not mark the abandoned text failed");
    }
}

/// Keeps the tracking-number cache in step with `numbers_changed` notifications.
pub fn start_line_cache_listener(state: &AppState, shutdown: &Shutdown) -> JoinHandle<()> {
    tokio::spawn(crate::server::webhooks::twilio::lines::listen_for_changes(
        state.pool.clone(),
        state.lines.clone(),
        shutdown.clone(),
    ))
}

/// Starts the worker (unless `WORKER_ENABLED=false`) and schedules this period's housekeeping.
pub async fn start_worker(state: &AppState, shutdown: &Shutdown) -> Option<JoinHandle<()>> {
    if !state.config.worker.enabled {
        tracing::info!("job worker disabled (WORKER_ENABLED=false)");
        return None;
    }
    if let Err(err) = maintenance::schedule_current_periods(&state.pool, state.clock.now()).await {
        tracing::warn!(error = %err, "could not schedule housekeeping jobs; the next instance will");
    }
    // Before this worker's first heartbeat: a stale one means nothing was running.
    if state.config.twilio.account_sid.is_some() {
        match crate::server::twilio_reconcile::enqueue_after_downtime(
            &state.pool,
            state.clock.now(),
        )
        .await
        {
            Ok(Some(window)) => {
                tracing::info!(event = "twilio.reconcile_enqueued", start = %window.start, end = %window.end, "no worker ran for a while; reconciling Twilio's logs for the gap")
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "could not check for downtime to reconcile"),
        }
    }
    let mut options = WorkerOptions::new(
        state.instance_id.to_string(),
        state.config.worker.concurrency as usize,
    );
    options.urgent_concurrency = state.config.worker.urgent_concurrency as usize;
    options.drain_deadline = state.config.shutdown_grace;
    let worker = Worker::new(
        state.pool.clone(),
        state.clock.clone(),
        job_registry(state),
        options,
    );
    let shutdown = shutdown.clone();
    Some(tokio::spawn(async move { worker.run(shutdown).await }))
}

/// Serves until SIGTERM/SIGINT, then: health answers `draining`, after 2 s the listener stops
/// accepting and the worker stops claiming, in-flight requests get the grace period.
pub async fn serve_http(state: AppState, app: Router, shutdown: Shutdown) -> std::io::Result<()> {
    let listener = bind_without_nagle(state.config.site_addr).await?;
    let grace = state.config.shutdown_grace;
    let stop = {
        let (state, shutdown) = (state.clone(), shutdown.clone());
        async move {
            wait_for_stop_signal().await;
            state.draining.start();
            tokio::time::sleep(DRAIN_NOTICE).await;
            shutdown.trigger();
        }
    };
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop);
    let server = tokio::spawn(async move { server.await });
    shutdown.triggered().await;
    match tokio::time::timeout(grace, server).await {
        Ok(joined) => joined.map_err(std::io::Error::other)?,
        Err(_) => {
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "requests still running at the grace deadline were cut"
            );
            Ok(())
        }
    }
}

/// A listener whose connections have `TCP_NODELAY` set. Pages stream in several small writes;
/// with Nagle's algorithm on, each write after the first waits for the client's delayed ACK
/// (~40 ms on Linux), which dominated the lead list's latency (docs/performance.md).
pub async fn bind_without_nagle(
    addr: SocketAddr,
) -> std::io::Result<TapIo<TcpListener, fn(&mut TcpStream)>> {
    fn disable_nagle(stream: &mut TcpStream) {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY on a connection");
        }
    }
    Ok(TcpListener::bind(addr)
        .await?
        .tap_io(disable_nagle as fn(&mut TcpStream)))
}

/// The address to print: `0.0.0.0` is not something a browser can open.
pub fn display_address(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// A clock that reads the system time (the production clock).
pub fn system_clock() -> super::clock::SharedClock {
    Arc::new(super::clock::SystemClock)
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener as _;

    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_disabled() {
        let mut listener = bind_without_nagle("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr);
        let ((accepted, _), client) = tokio::join!(listener.accept(), client);
        client.unwrap();
        assert!(accepted.nodelay().unwrap());
    }
}
