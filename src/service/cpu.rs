//! The bounded pool for CPU-heavy work a request asks for: verifying proofs (canonicalization
//! and hashing, RDFC-1.0 §4 can be expensive by design of the input) and signing one
//! credential. The work runs on tokio's blocking threads, at most `cpu_workers` at once, so
//! the async workers stay free for `/healthz`, `/readyz`, `did.json`, status lists and stored
//! credentials however much verification is asked for. Up to `cpu_max_queued` more wait;
//! beyond that a request is refused at once with `503 busy` (see [`super::capacity`]).

use super::capacity::RenderGate;
use super::{ErrorClass, ServiceError, ServiceResult};
use crate::problem::ProblemCode;

#[derive(Debug)]
pub struct CpuPool {
    gate: RenderGate,
    /// This server's `canonicalization_limit`, applied to every job it runs.
    canonicalization_limit: u64,
}

impl CpuPool {
    /// `workers` 0: one per core.
    pub fn new(workers: u32, queued: u32, canonicalization_limit: u64) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| u32::try_from(n.get()).unwrap_or(1))
            .unwrap_or(1);
        let workers = if workers == 0 { cores } else { workers };
        Self {
            gate: RenderGate::new(workers, queued),
            canonicalization_limit,
        }
    }

    /// Runs `work` on a blocking thread once a worker is free.
    pub async fn run<T, F>(&self, work: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let busy = || {
            ServiceError::new(
                ErrorClass::Unavailable,
                ProblemCode::Busy,
                "the server is busy with other verifications; try again shortly",
            )
        };
        let admission = self.gate.admit().map_err(|_| busy())?;
        let permit = admission.wait().await.map_err(|_| busy())?;
        let limit = self.canonicalization_limit;
        let result = tokio::task::spawn_blocking(move || {
            let out = crate::vc::rdfc::with_canonicalization_limit(limit, work);
            drop(permit);
            out
        })
        .await;
        result.map_err(|e| ServiceError::internal(format!("a CPU task failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_beyond_the_queue_is_refused_not_queued_forever() {
        let pool = std::sync::Arc::new(CpuPool::new(1, 0, 1));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let p = pool.clone();
        let first = tokio::spawn(async move { p.run(move || rx.recv().is_ok()).await });
        while pool.gate.free_slots() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(|| 1).await;
        assert_eq!(refused.err().map(|e| e.code), Some(ProblemCode::Busy));
        tx.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(pool.run(|| 2).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn each_job_runs_under_its_own_servers_canonicalization_limit() {
        let strict = CpuPool::new(1, 4, 7);
        let lenient = CpuPool::new(1, 4, 1_000_000);
        let limit = crate::vc::rdfc::canonicalization_limit;
        assert_eq!(strict.run(limit).await.unwrap(), 7);
        assert_eq!(lenient.run(limit).await.unwrap(), 1_000_000);
        assert_eq!(strict.run(limit).await.unwrap(), 7);
    }
}
