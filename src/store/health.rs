//! Whether the database accepts writes, for `/readyz` (issue 15 §1): a disk that fills up,
//! a file that turns read-only or an I/O error makes writes fail while reads and `SELECT 1`
//! still work, so readiness needs a write. Every write transaction reports how its commit went
//! here; when none did within [`PROBE_EVERY`], a tiny committed write (the probe, table
//! `storage_probe`) answers. Readiness is thus at most a second stale either way, and comes
//! back by itself soon after space is freed. Under load the commits answer and the probe
//! never runs; an idle instance probes at most once a second however often it is asked.

use super::{StoreError, StoreResult};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the outcome of a commit (or probe) answers for the storage.
const PROBE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(crate) struct StorageHealth {
    last: Mutex<Option<(Instant, Option<String>)>>,
    /// One probe at a time; others wait for its answer instead of probing too.
    probing: tokio::sync::Mutex<()>,
}

impl StorageHealth {
    /// Notes a write's outcome: success clears a storage failure, a storage failure sets it;
    /// other errors (a constraint, a lost connection) say nothing about the storage.
    pub(crate) fn record<T>(&self, outcome: &StoreResult<T>) {
        let seen = match outcome {
            Ok(_) => None,
            Err(StoreError::Storage(cause)) => Some(cause.clone()),
            Err(_) => return,
        };
        if let Some(cause) = &seen {
            let was_failing = self.failing();
            if !was_failing {
                tracing::error!(%cause, "the database refuses writes (disk full, read-only or I/O error); answering 503 storage_unavailable until it accepts them again");
            }
        }
        *self.lock() = Some((Instant::now(), seen));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Option<String>)>> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn failing(&self) -> bool {
        matches!(&*self.lock(), Some((_, Some(_))))
    }

    /// The last outcome, if recent enough to answer without probing.
    fn fresh(&self) -> Option<StoreResult<()>> {
        let guard = self.lock();
        let (at, seen) = guard.as_ref()?;
        (at.elapsed() < PROBE_EVERY).then(|| match seen {
            None => Ok(()),
            Some(cause) => Err(StoreError::Storage(cause.clone())),
        })
    }

    /// The recent outcome, or that of `probe` (run by one caller at a time).
    pub(crate) async fn check<F>(&self, probe: F) -> StoreResult<()>
    where
        F: std::future::Future<Output = StoreResult<()>>,
    {
        if let Some(known) = self.fresh() {
            return known;
        }
        let _one = self.probing.lock().await;
        if let Some(known) = self.fresh() {
            return known;
        }
        let outcome = probe.await;
        if outcome.is_ok() && self.failing() {
            tracing::info!("the database accepts writes again");
        }
        self.record(&outcome);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_recent_outcome_answers_without_probing_and_a_failure_is_probed_again_soon() {
        let health = StorageHealth::default();
        health.record::<()>(&Err(StoreError::Storage("disk full".into())));
        let answer = health.check(async { panic!("probed too early") }).await;
        assert!(matches!(answer, Err(StoreError::Storage(_))));
        // Other errors say nothing about the storage.
        health.record::<()>(&Err(StoreError::Conflict("race".into())));
        assert!(health.failing());
        *health.lock() = Some((Instant::now() - PROBE_EVERY, Some("disk full".into())));
        assert!(health.check(async { Ok(()) }).await.is_ok());
        assert!(health.check(async { panic!("probed again") }).await.is_ok());
    }
}
