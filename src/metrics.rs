//! Prometheus metrics, rendered by our own `GET /metrics` route (the exporter's HTTP listener
//! and push gateway are off: they would pull a second HTTP server and aws-lc).
//!
//! Every label value comes from a small fixed set (route templates, status codes, actions,
//! outcomes) so that no personal data and no client-chosen text can reach a label, and the
//! number of series stays bounded whatever clients send.

use crate::domain::status::{StatusAction, StatusPurpose};
use crate::store::PoolStats;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

pub const HTTP_REQUESTS: &str = "attest_http_requests_total";
pub const HTTP_DURATION: &str = "attest_http_request_duration_seconds";
pub const HTTP_IN_FLIGHT: &str = "attest_http_requests_in_flight";
pub const ISSUED: &str = "attest_credentials_issued_total";
pub const REVOKED: &str = "attest_credentials_revoked_total";
pub const SUSPENDED: &str = "attest_credentials_suspended_total";
pub const REINSTATED: &str = "attest_credentials_reinstated_total";
pub const VERIFICATIONS: &str = "attest_verifications_total";
pub const STATUS_LIST_PUBLISHES: &str = "attest_status_list_publishes_total";
pub const DB_POOL_CONNECTIONS: &str = "attest_db_pool_connections";
pub const DB_POOL_MAX: &str = "attest_db_pool_max_connections";

/// Latency buckets in seconds: from a cached status list (sub-millisecond) to a 1,000-item
/// batch (seconds).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once and returns its handle. Until this runs (e.g. in
/// CLI commands) every metric call is a no-op.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Only an empty bucket list is refused; should that ever change, summaries are
        // better than refusing to start.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (a test harness, an embedding program):
        // then ours stays empty and /metrics shows nothing, which is harmless.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by method, route template and status"
    );
    describe_gauge!(
        HTTP_IN_FLIGHT,
        "HTTP requests being handled now, by route template"
    );
    describe_counter!(ISSUED, "Credentials issued (committed)");
    describe_counter!(
        REVOKED,
        "Credentials revoked (committed), cascades included"
    );
    describe_counter!(SUSPENDED, "Credentials suspended (committed)");
    describe_counter!(REINSTATED, "Credentials reinstated (committed)");
    describe_counter!(VERIFICATIONS, "Verification verdicts, by outcome");
    describe_counter!(
        STATUS_LIST_PUBLISHES,
        "Status list credentials signed and stored, by purpose"
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database pool connections, by state (idle, in_use)"
    );
    describe_gauge!(DB_POOL_MAX, "Database pool size limit");
}

/// The exposition text, after folding recent histogram samples in.
pub fn render() -> String {
    let handle = install();
    handle.run_upkeep();
    handle.render()
}

/// Folds histogram samples into their buckets now and then, so memory stays bounded even when
/// nobody scrapes. Runs until the returned task is aborted.
pub fn spawn_upkeep() -> tokio::task::JoinHandle<()> {
    let handle = install();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}

/// The method as a label: the standard ones by name, anything else as `OTHER`.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// One answered request. `route` is a route template (`/credentials/{id}`), never a raw path.
pub fn http_request(method: &'static str, route: &str, status: u16, latency: Duration) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    counter!(HTTP_REQUESTS, &labels[..]).increment(1);
    histogram!(HTTP_DURATION, &labels[..]).record(latency.as_secs_f64());
}

/// Counts a request as in flight until the guard is dropped (also when its future is
/// cancelled by a timeout or a shutdown).
pub struct InFlight(String);

impl InFlight {
    pub fn enter(route: &str) -> Self {
        gauge!(HTTP_IN_FLIGHT, "route" => route.to_owned()).increment(1.0);
        Self(route.to_owned())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!(HTTP_IN_FLIGHT, "route" => self.0.clone()).decrement(1.0);
    }
}

/// Credentials that were committed to the database.
pub fn credentials_issued(count: usize) {
    if count > 0 {
        counter!(ISSUED).increment(count as u64);
    }
}

/// Committed status changes (`count` credentials changed by the same action).
pub fn status_changed(action: StatusAction, count: usize) {
    if count == 0 {
        return;
    }
    let name = match action {
        StatusAction::Revoke => REVOKED,
        StatusAction::Suspend => SUSPENDED,
        StatusAction::Reinstate => REINSTATED,
    };
    counter!(name).increment(count as u64);
}

/// The verdicts the verify service reports.
pub const VERIFICATION_OUTCOMES: &[&str] = &["verified", "failed", "unknown", "invalid"];

/// One verification verdict: `verified` (HTTP 200), `failed` (a check failed), `unknown` (a
/// check could not be made, e.g. a status list was unreachable) or `invalid` (the input could
/// not be read). Anything else is counted as `other`, so a caller's mistake cannot create
/// unbounded series.
pub fn verification(outcome: &str) {
    let outcome = VERIFICATION_OUTCOMES
        .iter()
        .find(|o| **o == outcome)
        .copied()
        .unwrap_or("other");
    counter!(VERIFICATIONS, "outcome" => outcome).increment(1);
}

/// A status list credential was signed and stored.
pub fn status_list_published(purpose: StatusPurpose) {
    counter!(STATUS_LIST_PUBLISHES, "purpose" => purpose.as_str()).increment(1);
}

/// Database pool usage, sampled when metrics are scraped.
pub fn db_pool(stats: PoolStats) {
    let in_use = stats.size.saturating_sub(stats.idle);
    gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(stats.idle));
    gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
    gauge!(DB_POOL_MAX).set(f64::from(stats.max));
}
