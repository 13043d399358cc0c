//! The delivery worker: an in-process task started by `serve` and stopped with it. It claims
//! due deliveries (a lease in the database, `SKIP LOCKED` on PostgreSQL, so instances never
//! send one delivery at the same time), POSTs each signed per Standard Webhooks, and records
//! the outcome: delivered on a 2xx, else a retry with exponential backoff and jitter, until the
//! failure horizon marks it failed. A delivery interrupted by a stop is claimed again once its
//! lease ends: delivery is at least once, and the unchanged `webhook-id` tells duplicates.
//!
//! Delivery times (`webhook-timestamp`, backoff, leases) come from the wall clock, not the
//! service clock: receivers check the timestamp against their own clocks (the specification's
//! replay protection), and a retry waits real time. Event times stay on the service clock.

use super::signature;
use crate::clock::{Clock, SystemClock};
use crate::service::Context;
use crate::store::{DeliveryJob, DeliveryResult, DeliveryState};
use metrics::{counter, gauge};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

pub const DELIVERIES: &str = "attest_webhook_deliveries_total";
pub const QUEUE_DEPTH: &str = "attest_webhook_queue_depth";
pub const OLDEST_AGE: &str = "attest_webhook_oldest_undelivered_seconds";

/// The expiry scheduler runs once per this many worker rounds (10 s with the default poll).
const SCHEDULER_EVERY: u32 = 10;
/// Deliveries claimed at once by one worker.
const CLAIM_BATCH: i64 = 32;
/// Error texts kept with a delivery are cut here (they never include the receiver's body).
const ERROR_CHARS: usize = 200;

/// Starts the worker (deliveries and expiry notices); abort the handle to stop it.
pub fn spawn(ctx: Arc<Context>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let poll = Duration::from_millis(u64::from(ctx.config.webhooks.poll_ms));
        let mut rounds: u32 = 0;
        loop {
            // Expiry notices every SCHEDULER_EVERY rounds: their scan is the larger query, and
            // a notice a few seconds late is as good as one on time.
            if rounds.is_multiple_of(SCHEDULER_EVERY)
                && let Err(e) = crate::service::scheduler::run_once(&ctx).await
            {
                tracing::warn!(error = %e.message, "expiry notices could not be queued");
            }
            rounds = rounds.wrapping_add(1);
            let sent = match run_once(&ctx).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries could not be claimed");
                    0
                }
            };
            record_queue(&ctx).await;
            if sent == 0 {
                tokio::time::sleep(poll).await;
            }
        }
    })
}

/// Claims due deliveries and makes them, concurrently; returns how many were attempted.
pub async fn run_once(ctx: &Arc<Context>) -> Result<usize, crate::store::StoreError> {
    let settings = &ctx.config.webhooks;
    let now_ms = wall_ms();
    // Longer than a delivery can take, so a live worker's claim never lapses mid-request.
    let lease_ms = (i64::from(settings.timeout_seconds) + 5) * 1000;
    let jobs = ctx
        .store
        .claim_deliveries(now_ms, lease_ms, CLAIM_BATCH)
        .await?;
    let n = jobs.len();
    let mut running = tokio::task::JoinSet::new();
    for job in jobs {
        let ctx = ctx.clone();
        running.spawn(async move { deliver(&ctx, job).await });
    }
    while running.join_next().await.is_some() {}
    Ok(n)
}

fn wall_ms() -> i64 {
    SystemClock.now().unix_timestamp() * 1000
}

async fn deliver(ctx: &Context, job: DeliveryJob) {
    let settings = &ctx.config.webhooks;
    let timestamp = SystemClock.now().unix_timestamp();
    let attempt = match signature::sign(&job.secret, job.event_id.as_str(), timestamp, &job.payload)
    {
        Ok(sig) => {
            let headers = [
                ("webhook-id", job.event_id.to_string()),
                ("webhook-timestamp", timestamp.to_string()),
                ("webhook-signature", sig),
            ];
            let timeout = Duration::from_secs(u64::from(settings.timeout_seconds));
            ctx.outbound
                .post(&job.url, &headers, job.payload.clone(), timeout)
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    let now_ms = wall_ms();
    let (status, error) = match attempt {
        Ok(code) if (200..300).contains(&code) => (Some(code), None),
        Ok(code) => (Some(code), Some(format!("HTTP {code}"))),
        Err(e) => (None, Some(e.chars().take(ERROR_CHARS).collect())),
    };
    let first = job.first_attempt_at.unwrap_or(now_ms);
    let horizon_ms = i64::from(settings.failure_horizon_seconds) * 1000;
    let (state, next) = if error.is_none() {
        (DeliveryState::Delivered, now_ms)
    } else if now_ms - first >= horizon_ms {
        (DeliveryState::Failed, now_ms)
    } else {
        (
            DeliveryState::Pending,
            now_ms + backoff_ms(settings, job.attempts + 1),
        )
    };
    let outcome = match state {
        DeliveryState::Delivered => "delivered",
        DeliveryState::Failed => "failed",
        DeliveryState::Pending => "retry",
    };
    counter!(DELIVERIES, "outcome" => outcome).increment(1);
    if let Some(e) = &error {
        tracing::info!(subscription = %job.subscription_id, event = %job.event_id,
                       attempt = job.attempts + 1, outcome, error = %e, "webhook delivery not accepted");
    }
    let result = DeliveryResult {
        subscription_id: job.subscription_id,
        event_seq: job.event_seq,
        claim_token: job.claim_token,
        state,
        attempted_at: now_ms,
        next_attempt_at: next,
        status: status.map(i64::from),
        error,
    };
    if let Err(e) = ctx.store.finish_delivery(&result).await {
        // The lease runs out and the delivery is made again: at least once.
        tracing::warn!(error = %e, "a webhook delivery outcome could not be recorded");
    }
}

/// The wait before attempt `attempts + 1`: base × 2^(attempts − 1), capped, of which a random
/// half at most is taken off ("equal jitter").
pub fn backoff_ms(settings: &crate::config::WebhookSettings, attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = i64::from(settings.backoff_base_ms)
        .saturating_mul(1_i64 << exponent)
        .min(i64::from(settings.backoff_max_seconds) * 1000);
    let half = full / 2;
    half + rand::thread_rng().gen_range(0..=half.max(0))
}

async fn record_queue(ctx: &Context) {
    if let Ok(stats) = ctx.store.outbox_stats().await {
        gauge!(QUEUE_DEPTH).set(stats.pending as f64);
        let age = stats
            .oldest_pending_at
            .map_or(0, |t| (ctx.now().unix_timestamp() - t).max(0));
        gauge!(OLDEST_AGE).set(age as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let s = crate::config::WebhookSettings {
            backoff_base_ms: 1000,
            backoff_max_seconds: 10,
            ..Default::default()
        };
        for (attempts, full) in [(1, 1000), (2, 2000), (3, 4000), (5, 10_000), (40, 10_000)] {
            for _ in 0..50 {
                let d = backoff_ms(&s, attempts);
                assert!((full / 2..=full).contains(&d), "{attempts}: {d}");
            }
        }
    }
}
