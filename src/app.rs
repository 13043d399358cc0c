//! The application as a value: shared state, the router, and a server that shuts down
//! gracefully. Tests and the CLI use exactly these.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

pub use crate::http::AppState;

pub fn router(state: AppState) -> axum::Router {
    crate::http::routes(state)
}

/// How long the pool may take to close after a clean stop (it checkpoints SQLite's WAL).
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish
/// for at most `limits.shutdown_grace_seconds`. Work still running after that is dropped: its
/// transactions roll back, so a batch is committed whole or not at all. Returns `Ok` either
/// way (a bounded stop is a normal stop).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = Duration::from_secs(u64::from(state.config.limits.shutdown_grace_seconds));
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    };
    let upkeep = crate::metrics::spawn_upkeep();
    // Webhook deliveries and expiry notices; stopped with the server (a delivery cut short is
    // claimed again when its lease ends: at least once).
    let deliveries = crate::service::webhooks::worker::spawn(state.clone());
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(signal);
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let finished = tokio::select! {
        result = server => Some(result),
        () = deadline => None,
    };
    upkeep.abort();
    deliveries.abort();
    match finished {
        Some(result) => {
            if tokio::time::timeout(CLOSE_WAIT, state.store.close())
                .await
                .is_err()
            {
                tracing::warn!("the database pool did not close in time");
            }
            result
        }
        None => {
            tracing::warn!(
                grace_seconds = grace.as_secs(),
                "shutdown grace period over: abandoning requests still running (their transactions roll back)"
            );
            Ok(())
        }
    }
}
