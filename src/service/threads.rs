//! A small set of long-lived threads for one kind of heavy work (PDF rendering). Work that
//! allocates a lot and often — a certificate builds fonts subsets, content streams and a
//! compressed file, several MB for a page of 50 KB — keeps its memory in the heaps of the
//! threads that ran it, and the allocator gives such memory back to the system only lazily.
//! On tokio's blocking pool, whichever idle thread is free runs the next page, so over time
//! every blocking thread (also those that verified credentials) holds a page's worth; here
//! the same few threads run every page and reuse what the last page freed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

type Job = Box<dyn FnOnce() + Send>;

/// Cheap to clone: clones share the threads, which end when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct WorkThreads {
    jobs: Sender<Job>,
}

/// The threads are gone (the process is shutting down) or the work panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the work did not complete")]
pub struct Lost;

impl WorkThreads {
    /// `count` threads (at least one) named `{name}-{i}`; they end when this is dropped.
    pub fn new(name: &str, count: u32) -> std::io::Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on one of the threads; callers bound how many wait (the PDF gate).
    pub async fn run<T, F>(&self, work: F) -> Result<T, Lost>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| Lost)?;
        answer.await.map_err(|_| Lost)
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        // A panic ends that page (its caller sees `Lost`), not the thread.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_work_on_its_own_threads_and_survives_a_panic() {
        let threads = WorkThreads::new("test-work", 2).unwrap();
        let name = threads
            .run(|| std::thread::current().name().map(String::from))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("test-work-"));
        assert_eq!(threads.run(|| panic!("boom")).await, Err::<(), _>(Lost));
        for i in 0..4 {
            assert_eq!(threads.run(move || i * 2).await, Ok(i * 2));
        }
    }
}
