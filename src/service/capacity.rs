//! Bounds on expensive work that every caller shares. PDF rendering is CPU work on its own
//! threads (~4 ms a page, more with fonts and QR codes): without a bound, a burst of
//! downloads would take every core and starve issuance and verification. A request is first
//! *admitted* (a bounded number may run or wait; beyond that it is refused at once, so a burst
//! gets an answer instead of a growing queue), then waits for one of the rendering slots.

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug)]
pub struct RenderGate {
    /// Renders running at once.
    slots: Arc<Semaphore>,
    /// Renders running or waiting.
    admissions: Arc<Semaphore>,
}

/// No room: the caller should answer 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many PDF renderings are running or waiting")]
pub struct Busy;

/// Admitted to the queue; [`Admission::wait`] for a slot.
#[derive(Debug)]
pub struct Admission {
    admitted: OwnedSemaphorePermit,
    slots: Arc<Semaphore>,
}

/// Held while rendering; dropping it frees the slot and the admission.
#[derive(Debug)]
pub struct RenderPermit {
    _slot: OwnedSemaphorePermit,
    _admitted: OwnedSemaphorePermit,
}

impl RenderGate {
    /// `concurrent` renders at once (at least one) and up to `queued` more waiting.
    pub fn new(concurrent: u32, queued: u32) -> Self {
        let concurrent = usize::try_from(concurrent.max(1)).unwrap_or(1);
        let queued = usize::try_from(queued).unwrap_or(0);
        Self {
            slots: Arc::new(Semaphore::new(concurrent)),
            admissions: Arc::new(Semaphore::new(concurrent.saturating_add(queued))),
        }
    }

    /// Takes a place in the queue now, or refuses without waiting.
    pub fn admit(&self) -> Result<Admission, Busy> {
        let admitted = self
            .admissions
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        Ok(Admission {
            admitted,
            slots: self.slots.clone(),
        })
    }

    /// Waits for a place in the queue, then for a slot: for a caller that owns its whole
    /// workload (`attest render --all`) and would rather wait than be refused.
    pub async fn enter(&self) -> Result<RenderPermit, Busy> {
        let admitted = self
            .admissions
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        Admission {
            admitted,
            slots: self.slots.clone(),
        }
        .wait()
        .await
    }

    /// Renders that could start right now.
    pub fn free_slots(&self) -> usize {
        self.slots.available_permits()
    }
}

impl Admission {
    /// Waits for a rendering slot (the request timeout bounds the wait).
    pub async fn wait(self) -> Result<RenderPermit, Busy> {
        let slot = self.slots.acquire_owned().await.map_err(|_| Busy)?;
        Ok(RenderPermit {
            _slot: slot,
            _admitted: self.admitted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_beyond_slots_and_queue_is_refused_and_room_comes_back() {
        let gate = RenderGate::new(1, 1);
        let running = gate.admit().unwrap().wait().await.unwrap();
        assert_eq!(gate.free_slots(), 0);
        let waiting = gate.admit().expect("one may wait");
        assert_eq!(
            gate.admit().unwrap_err(),
            Busy,
            "the third is refused at once"
        );
        drop(running);
        let second = waiting.wait().await.expect("the waiting one gets the slot");
        let third = gate.admit().expect("the queue has room again");
        assert_eq!(gate.admit().unwrap_err(), Busy);
        drop(second);
        third.wait().await.expect("and the slot");
    }

    #[tokio::test]
    async fn enter_waits_for_room_instead_of_refusing() {
        let gate = Arc::new(RenderGate::new(1, 0));
        let held = gate.admit().unwrap().wait().await.unwrap();
        assert_eq!(gate.admit().unwrap_err(), Busy);
        let entering = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop) }
        });
        drop(held);
        assert_eq!(entering.await.unwrap(), Ok(()));
    }
}
