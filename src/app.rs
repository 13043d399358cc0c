//! The application as a value: shared state, the router, and a server that shuts down
//! gracefully. Tests and the CLI use exactly these.

use crate::service::Context;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub type AppState = Arc<Context>;

pub fn router(state: AppState) -> axum::Router {
    crate::http::routes(state)
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
