//! What one write transaction remembers between its statements, so that a batch of 1,000
//! results costs a few dozen database round trips instead of eight per credential.
//!
//! Why this is safe: from its first read of a cached item the transaction holds the lock that
//! keeps other writers from changing it (SQLite's write lock for the whole transaction; on
//! PostgreSQL the open status list's row lock and the audit advisory lock), and every row the
//! transaction itself writes goes through here. Rows are kept unsent ("write-behind") only until
//! a statement that could observe them runs: every such statement flushes first, and commit
//! flushes last, so the transaction's own reads never miss its writes.
//!
//! Plain data and decisions; the SQL lives in `engine_tx.rs` and `engine_flush.rs`.

use super::{
    AttemptRow, AuditRow, BodyResult, CredentialBody, CredentialRow, DeferredBody, StoreError,
};
use crate::crypto::KeyRecord;
use std::collections::{HashMap, HashSet};

/// The status list new credentials go to, as this transaction sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenList {
    pub number: i64,
    /// Allocated indexes, counting this transaction's unsent credentials.
    pub allocated: i64,
    pub size: i64,
}

impl OpenList {
    /// Where the next credential on this list goes.
    pub fn slot(self) -> super::OpenSlot {
        super::OpenSlot {
            list_number: self.number,
            next_index: self.allocated,
        }
    }
}

#[derive(Default)]
pub(crate) struct TxState {
    pub active_key: Option<Option<KeyRecord>>,
    pub audit_head: Option<Option<super::AuditHead>>,
    /// Attempts by id that this transaction read, prefetched (`None`: absent) or wrote.
    pub attempts: HashMap<String, Option<AttemptRow>>,
    pub open_list: Option<OpenList>,
    /// `Some(false)` once the transaction has seen that no attempt is pending anywhere (and it
    /// has held none itself since): the common case, which then costs no query per credential.
    pub any_pending: Option<bool>,
    /// `(list, indexes)` found free by one query and not yet handed out.
    pub free: Option<(i64, Vec<i64>)>,
    pub unsent: Unsent,
    /// Webhook events for the outbox, sent at commit (see `engine_outbox.rs`).
    pub outbox: Vec<super::OutboxEvent>,
    /// Candidates whose active credentials were read for recertification, and those
    /// credentials (newest first): `Tx::latest_held` answers from here.
    pub held: HashMap<String, Vec<CredentialRow>>,
}

/// A deferred credential body: not started, or being computed on a worker thread.
pub(crate) enum Body {
    Waiting(DeferredBody),
    Started(std::sync::mpsc::Receiver<BodyResult>),
}

/// Rows written by the transaction and not yet sent to the database.
#[derive(Default)]
pub(crate) struct Unsent {
    pub credentials: Vec<CredentialRow>,
    /// Bodies not yet filled in, by position in `credentials`.
    pub bodies: Vec<(usize, Body)>,
    pub lineage: Vec<(String, String)>,
    pub attempts: Vec<AttemptRow>,
    pub audit: Vec<AuditRow>,
    /// `(list, index)` of the unsent credentials: taken, though the database cannot tell yet.
    pub claimed: HashSet<(i64, i64)>,
}

impl Unsent {
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
            && self.lineage.is_empty()
            && self.attempts.is_empty()
            && self.audit.is_empty()
    }

    /// Waits for the bodies being computed and computes those not started (alone, one is
    /// simply run here: a single credential gains nothing from another thread).
    pub fn complete_bodies(&mut self) -> Result<(), StoreError> {
        for (i, body) in std::mem::take(&mut self.bodies) {
            let CredentialBody { json, jwt } = match body {
                Body::Waiting(compute) => compute(),
                Body::Started(done) => done
                    .recv()
                    .unwrap_or_else(|_| Err("the computation was lost".into())),
            }
            .map_err(StoreError::Deferred)?;
            let row = &mut self.credentials[i];
            row.json = json;
            row.jwt = jwt;
        }
        Ok(())
    }

    /// Starts every waiting body on the worker threads: from the second one on, the bodies
    /// of a batch are computed on the other cores while the transaction goes on.
    fn start_bodies(&mut self) {
        self.bodies = std::mem::take(&mut self.bodies)
            .into_iter()
            .map(|(i, body)| match body {
                Body::Waiting(compute) => (i, Body::Started(start(compute))),
                started => (i, started),
            })
            .collect();
    }

    /// Unsent credentials per list, for the `allocated` counters.
    pub fn allocations(&self) -> Vec<(i64, i64)> {
        let mut per_list: Vec<(i64, i64)> = Vec::new();
        for c in &self.credentials {
            match per_list.iter_mut().find(|(list, _)| *list == c.list_number) {
                Some((_, n)) => *n += 1,
                None => per_list.push((c.list_number, 1)),
            }
        }
        per_list
    }
}

impl TxState {
    pub fn remember_attempt(&mut self, row: &AttemptRow) {
        if row.outcome == crate::domain::attempt::AttemptOutcome::Pending {
            self.any_pending = Some(true);
        }
        self.attempts
            .insert(row.attempt_id.as_str().to_owned(), Some(row.clone()));
    }

    pub fn add_credential_later(&mut self, row: CredentialRow, body: DeferredBody) {
        self.unsent
            .bodies
            .push((self.unsent.credentials.len(), Body::Waiting(body)));
        if self.unsent.bodies.len() > 1 {
            self.unsent.start_bodies();
        }
        self.add_credential(row);
    }

    pub fn add_credential(&mut self, row: CredentialRow) {
        if let Some(open) = self
            .open_list
            .as_mut()
            .filter(|o| o.number == row.list_number)
        {
            open.allocated += 1;
        }
        if let Some((list, indexes)) = &mut self.free
            && *list == row.list_number
        {
            indexes.retain(|i| *i != row.list_index);
        }
        self.unsent
            .claimed
            .insert((row.list_number, row.list_index));
        self.unsent.credentials.push(row);
    }

    /// An index known free in `list`, if one is left from an earlier query.
    pub fn take_free(&mut self, list: i64) -> Option<i64> {
        match &mut self.free {
            Some((known, indexes)) if *known == list => indexes.pop(),
            _ => {
                self.free = None;
                None
            }
        }
    }

    /// Candidates worth asking the database about: distinct, and not claimed by an unsent row.
    pub fn unclaimed(&self, list: i64, candidates: &[i64]) -> Vec<i64> {
        let mut out: Vec<i64> = Vec::with_capacity(candidates.len());
        for &c in candidates {
            if !self.unsent.claimed.contains(&(list, c)) && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Keeps what the database said is free (in the caller's random order) and hands out one.
    pub fn keep_free(&mut self, list: i64, free: Vec<i64>) -> Option<i64> {
        self.free.insert((list, free)).1.pop()
    }
}

/// Runs `compute` on a worker thread; its result arrives on the returned channel.
fn start(compute: DeferredBody) -> std::sync::mpsc::Receiver<BodyResult> {
    let (sender, done) = std::sync::mpsc::sync_channel(1);
    rayon::spawn(move || {
        // A panic must not take the process down (rayon aborts on a panicking spawned job):
        // it fails the transaction instead.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(compute))
            .unwrap_or_else(|_| Err("the computation panicked".into()));
        let _ = sender.send(result);
    });
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(list: i64, index: i64) -> CredentialRow {
        CredentialRow {
            credential_id: crate::domain::ids::CredentialId::random(),
            attempt_id: None,
            candidate_id: None,
            achievement: None,
            holder_name: "A".into(),
            issued_at: 0,
            valid_until: None,
            list_number: list,
            list_index: index,
            key_id: "key-1".into(),
            state: crate::domain::status::CredentialState::Active,
            state_reason: None,
            state_changed_at: None,
            json: "{}".into(),
            jwt: String::new(),
        }
    }

    #[test]
    fn unsent_credentials_claim_their_index_and_count_against_the_open_list() {
        let mut s = TxState {
            open_list: Some(OpenList {
                number: 1,
                allocated: 5,
                size: 8,
            }),
            ..TxState::default()
        };
        assert_eq!(s.keep_free(1, vec![3, 4, 7]), Some(7));
        s.add_credential(credential(1, 7));
        s.add_credential(credential(1, 4));
        assert_eq!(s.open_list.map(|o| o.allocated), Some(7));
        assert_eq!(s.take_free(1), Some(3), "4 was claimed by a row meanwhile");
        assert_eq!(s.take_free(1), None);
        assert_eq!(s.unclaimed(1, &[4, 4, 5, 7]), vec![5]);
        assert_eq!(s.unclaimed(2, &[4]), vec![4], "claims are per list");
        assert_eq!(s.unsent.allocations(), vec![(1, 2)]);
    }

    #[test]
    fn deferred_bodies_fill_their_own_rows_or_fail_the_flush() {
        let mut s = TxState::default();
        s.add_credential(credential(1, 1));
        for n in 2..5 {
            s.add_credential_later(
                credential(1, n),
                Box::new(move || {
                    Ok(CredentialBody {
                        json: format!("json-{n}"),
                        jwt: format!("jwt-{n}"),
                    })
                }),
            );
        }
        s.unsent.complete_bodies().unwrap();
        let bodies: Vec<(&str, &str)> = s
            .unsent
            .credentials
            .iter()
            .map(|c| (c.json.as_str(), c.jwt.as_str()))
            .collect();
        assert_eq!(
            bodies,
            [
                ("{}", ""),
                ("json-2", "jwt-2"),
                ("json-3", "jwt-3"),
                ("json-4", "jwt-4")
            ]
        );
        s.add_credential_later(credential(1, 9), Box::new(|| Err("no key".into())));
        assert!(matches!(
            s.unsent.complete_bodies(),
            Err(StoreError::Deferred(m)) if m == "no key"
        ));
    }

    #[test]
    fn a_panicking_body_fails_the_flush_instead_of_the_process() {
        let mut s = TxState::default();
        s.add_credential_later(
            credential(1, 1),
            Box::new(|| {
                Ok(CredentialBody {
                    json: "a".into(),
                    jwt: "b".into(),
                })
            }),
        );
        s.add_credential_later(credential(1, 2), Box::new(|| panic!("bug in signing")));
        assert!(matches!(
            s.unsent.complete_bodies(),
            Err(StoreError::Deferred(m)) if m.contains("panicked")
        ));
    }

    #[test]
    fn free_indexes_of_another_list_are_forgotten() {
        let mut s = TxState::default();
        s.keep_free(1, vec![1, 2]);
        assert_eq!(s.take_free(2), None);
        assert_eq!(s.take_free(1), None);
    }

    #[test]
    fn a_held_attempt_means_pending_attempts_must_be_read_again() {
        let mut s = TxState {
            any_pending: Some(false),
            ..TxState::default()
        };
        let row = AttemptRow {
            attempt_id: crate::domain::ids::AttemptId::parse("a").unwrap(),
            body_hash: String::new(),
            candidate_id: crate::domain::ids::CandidateId::parse("c").unwrap(),
            achievement: crate::domain::ids::AchievementCode::parse("x").unwrap(),
            outcome: crate::domain::attempt::AttemptOutcome::Pending,
            credential_id: None,
            body: "{}".into(),
            received_at: 0,
            detail: None,
            candidate_email: None,
        };
        s.remember_attempt(&row);
        assert_eq!(s.any_pending, Some(true));
        assert_eq!(s.attempts.get("a"), Some(&Some(row)));
    }
}
