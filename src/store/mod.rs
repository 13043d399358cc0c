//! The database contract. Services talk to [`Store`] and, for anything that must be atomic, to
//! a write transaction ([`Tx`]); SQLite and PostgreSQL implement both with the same SQL
//! (see `engine.rs`). Row types stay in this module: nothing above it sees sqlx.

mod decode;
mod engine;
mod engine_flush;
mod engine_keys;
mod engine_oid4vci;
mod engine_outbox;
mod engine_tx;
mod health;
mod oid4vci_rows;
mod postgres;
mod rows;
mod sqlite;
mod tx_state;
mod webhook_rows;

pub use oid4vci_rows::{OfferOrigin, OfferRow, WalletCopyRow};
pub use postgres::PgStore;
pub use rows::*;
pub use sqlite::SqliteStore;
pub use webhook_rows::{
    DeliveryJob, DeliveryResult, DeliveryRow, DeliveryState, OutboxEvent, OutboxStats,
    PrunedWebhooks, SubscriptionRow, events_column,
};

use crate::crypto::KeyRecord;
use crate::domain::attempt::AttemptOutcome;
use crate::domain::ids::{AttemptId, CredentialId, EventId, SubscriptionId};
use crate::domain::webhook::ExpiryNotice;
use async_trait::async_trait;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached right now; the request may be retried.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database answers but cannot store changes: disk full, read-only file or
    /// directory, I/O error. Retrying helps once an operator frees space or fixes the mount.
    #[error("storage refuses writes: {0}")]
    Storage(String),
    /// A uniqueness rule fired (a concurrent writer won a race).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(String),
    /// A row's deferred body could not be computed (see [`Tx::insert_credential_later`]).
    #[error("a deferred credential body failed: {0}")]
    Deferred(String),
}

/// The `json` and `jwt` of a credential row, computed when the row is sent (see
/// [`Tx::insert_credential_later`]).
pub type DeferredBody = Box<dyn FnOnce() -> BodyResult + Send>;
/// The body, or why it could not be made.
pub type BodyResult = Result<CredentialBody, String>;

/// PostgreSQL SQLSTATEs after which the whole transaction may simply be retried: a
/// serialization failure or a deadlock victim (the other transaction went through).
const PG_RETRY_STATES: [&str; 2] = ["40001", "40P01"];

/// PostgreSQL SQLSTATEs that mean the server or the connection went away, not that the
/// statement was wrong: class 08 (connection exception), admin/crash shutdown, "starting up",
/// too many connections.
fn pg_unavailable(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// PostgreSQL SQLSTATEs that mean the server cannot write: disk full, I/O error, a read-only
/// transaction (a standby, or `default_transaction_read_only`).
fn pg_storage(code: &str) -> bool {
    matches!(code, "53100" | "58030" | "25006")
}

/// SQLite result codes (primary part of an extended code) that mean the file cannot be
/// written: SQLITE_READONLY (8), SQLITE_IOERR (10), SQLITE_FULL (13), SQLITE_CANTOPEN (14).
fn sqlite_storage(code: &str) -> bool {
    code.parse::<u32>()
        .is_ok_and(|c| matches!(c & 0xff, 8 | 10 | 13 | 14))
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db)
                if db.code().is_some_and(|c| {
                    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                        sqlite_storage(&c)
                    } else {
                        pg_storage(&c)
                    }
                }) =>
            {
                Self::Storage(e.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(db.message().to_owned())
            }
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| PG_RETRY_STATES.contains(&c.as_ref())) =>
            {
                Self::Conflict(db.message().to_owned())
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|c| pg_unavailable(&c)) => {
                Self::Unavailable(e.to_string())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_) => Self::Unavailable(e.to_string()),
            sqlx::Error::Database(db) if db.message().contains("database is locked") => {
                Self::Unavailable(e.to_string())
            }
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_) => Self::Corrupt(e.to_string()),
            _ => Self::Other(e.to_string()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Connection pool usage, for the metrics endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections, idle or in use.
    pub size: u32,
    pub idle: u32,
    /// The most the pool will open.
    pub max: u32,
}
pub type SharedStore = Arc<dyn Store>;

/// Opens the engine named by the URL scheme and applies its migrations: `sqlite:` for the
/// embedded default, `postgres://` or `postgresql://` for a shared server.
pub async fn connect(url: &str) -> StoreResult<SharedStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::Other(format!(
            "unsupported database URL scheme in `{}`",
            crate::config::redact_url(url)
        )))
    }
}

/// Reads that need no transaction, and the way into one.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`) so
    /// concurrent writers queue instead of failing on lock upgrade; on PostgreSQL it is READ
    /// COMMITTED and the statements that must serialize take row or advisory locks.
    async fn begin(&self) -> StoreResult<Box<dyn Tx>>;
    async fn ping(&self) -> StoreResult<()>;
    /// Whether the database accepts writes now, for readiness: the outcome of the last write
    /// transaction or probe if recent, otherwise a small committed write (see `health.rs`).
    async fn writable(&self) -> StoreResult<()>;
    async fn credential(&self, id: &CredentialId) -> StoreResult<Option<CredentialRow>>;
    async fn issued_json(&self, id: &CredentialId) -> StoreResult<Option<IssuedJson>>;
    async fn credentials_page(&self, query: &CredentialQuery) -> StoreResult<Vec<CredentialRow>>;
    async fn keys(&self) -> StoreResult<Vec<KeyRecord>>;
    async fn token(&self, token_id: &str) -> StoreResult<Option<TokenRow>>;
    async fn tokens(&self) -> StoreResult<Vec<TokenRow>>;
    async fn attempt(&self, id: &AttemptId) -> StoreResult<Option<AttemptRow>>;
    async fn list_revision(&self, list_number: i64) -> StoreResult<Option<i64>>;
    async fn publication(&self, list_id: &str) -> StoreResult<Option<PublicationRow>>;
    async fn audit(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditRow>>;
    async fn lineage_of(&self, credential_id: &CredentialId) -> StoreResult<Vec<CredentialId>>;
    async fn attempts_with_outcome(
        &self,
        outcome: AttemptOutcome,
        limit: i64,
    ) -> StoreResult<Vec<AttemptRow>>;
    /// A consistent copy of the whole database at `path` (SQLite `VACUUM INTO`; PostgreSQL
    /// refuses and points to `pg_dump`).
    async fn backup(&self, path: &str) -> StoreResult<()>;
    /// Pool usage now (no I/O).
    fn pool_stats(&self) -> PoolStats;
    /// Closes the pool once the connections in use are returned; later calls fail as
    /// unavailable. Used at shutdown so SQLite can checkpoint its WAL.
    async fn close(&self);

    // OID4VCI (issue 18)
    /// Holder-bound copies given to wallets for this record, oldest first.
    async fn wallet_copies(&self, credential_id: &CredentialId) -> StoreResult<Vec<WalletCopyRow>>;
    // Webhooks (issue 19; SQL in `engine_outbox.rs`)
    /// Subscriptions not removed, oldest first.
    async fn webhook_subscriptions(&self) -> StoreResult<Vec<SubscriptionRow>>;
    async fn webhook_subscription(
        &self,
        id: &SubscriptionId,
    ) -> StoreResult<Option<SubscriptionRow>>;
    /// Claims up to `limit` due deliveries until `now_ms + lease_ms`, in their own committed
    /// transaction: only the oldest pending delivery per (subscription, ordering key), none
    /// claimed by a live lease; on PostgreSQL rows another instance is claiming are skipped
    /// (`SKIP LOCKED`), so two workers never hold one delivery at once.
    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryJob>>;
    /// Records an attempt's outcome, if the claim is still ours.
    async fn finish_delivery(&self, result: &DeliveryResult) -> StoreResult<()>;
    /// Makes a subscription's deliveries (failed ones, or all) pending again, due now; returns
    /// how many.
    async fn replay_deliveries(
        &self,
        subscription_id: &SubscriptionId,
        event_id: Option<&EventId>,
        failed_only: bool,
    ) -> StoreResult<u64>;
    /// A subscription's deliveries, newest first.
    async fn webhook_deliveries(
        &self,
        subscription_id: &SubscriptionId,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRow>>;
    async fn outbox_stats(&self) -> StoreResult<OutboxStats>;
    /// Credentials not revoked whose `valid_until` is in `[from, to)` and that have not had
    /// this notice yet, soonest first.
    async fn credentials_due_notice(
        &self,
        notice: ExpiryNotice,
        from: i64,
        to: i64,
        limit: i64,
    ) -> StoreResult<Vec<CredentialRow>>;
    async fn renewals(&self, id: &CredentialId) -> StoreResult<Renewals>;
    /// How far the scan for expired credentials has got (see `service::scheduler`); `None`
    /// before the first completed scan.
    async fn expired_scan_mark(&self) -> StoreResult<Option<i64>>;
    /// Moves that mark to `at`, never back (instances may race).
    async fn advance_expired_scan_mark(&self, at: i64) -> StoreResult<()>;
    /// Deletes delivered and failed deliveries of events older than `before`, then the events
    /// older than that which no delivery refers to; pending deliveries are kept.
    async fn prune_webhooks(&self, before: i64) -> StoreResult<PrunedWebhooks>;
}

/// One write transaction; dropped without `commit` it rolls back. Inserts may be held back and
/// sent together before the next statement that could observe them, or at `commit` (see
/// `tx_state.rs`): a broken uniqueness rule can therefore surface there, as `Conflict`, rather
/// than at the insert itself.
#[async_trait]
pub trait Tx: Send {
    async fn attempt(&mut self, id: &AttemptId) -> StoreResult<Option<AttemptRow>>;
    async fn insert_attempt(&mut self, row: &AttemptRow) -> StoreResult<()>;
    /// Reads these attempts in a few statements, so that `attempt` answers them without one
    /// each (a batch of 1,000).
    async fn prefetch_attempts(&mut self, ids: &[&str]) -> StoreResult<()>;
    async fn active_key(&mut self) -> StoreResult<Option<KeyRecord>>;
    async fn keys(&mut self) -> StoreResult<Vec<KeyRecord>>;
    /// Retires the active key (if any) at `at` and makes `key` the active one; the rotation's
    /// intent (if any) is settled with it.
    async fn rotate_key(&mut self, key: &KeyRecord) -> StoreResult<()>;
    /// The recorded intent to create `key_id`.
    async fn key_intent(&mut self, key_id: &str) -> StoreResult<Option<KeyIntent>>;
    /// Records (or takes over) the intent to create `key_id`.
    async fn put_key_intent(&mut self, key_id: &str, token: &str, at: i64) -> StoreResult<()>;
    /// The list new credentials go to: the newest one with room, or a new one.
    async fn open_status_list(&mut self, size: u32, now: i64) -> StoreResult<OpenSlot>;
    /// A free index of `list_number` not handed out before in this transaction: one that an
    /// earlier call found free, or else one of `candidates` (random draws, asked about in one
    /// query; the free ones left over serve later calls). `None` when all candidates are taken.
    async fn free_index(
        &mut self,
        list_number: i64,
        candidates: &[i64],
    ) -> StoreResult<Option<i64>>;
    async fn insert_credential(&mut self, row: &CredentialRow) -> StoreResult<()>;
    /// Inserts a credential whose `json` and `jwt` are computed by `body` when the row is
    /// sent: the bodies of a batch are then computed in parallel (signing is most of a
    /// credential's cost). A body that fails fails the transaction.
    async fn insert_credential_later(
        &mut self,
        row: CredentialRow,
        body: DeferredBody,
    ) -> StoreResult<()>;
    /// Indexes already taken in a list (the fallback when random probes keep colliding).
    async fn taken_indexes(&mut self, list_number: i64) -> StoreResult<Vec<i64>>;
    async fn insert_lineage(
        &mut self,
        credential_id: &CredentialId,
        prerequisite_id: &CredentialId,
    ) -> StoreResult<()>;
    /// Credentials whose lineage names `prerequisite_id` directly.
    async fn dependents(
        &mut self,
        prerequisite_id: &CredentialId,
    ) -> StoreResult<Vec<CredentialId>>;
    /// Every credential held by a candidate, newest first.
    async fn candidate_credentials(
        &mut self,
        candidate_id: &str,
    ) -> StoreResult<Vec<CredentialRow>>;
    async fn pending_attempts(&mut self, candidate_id: &str) -> StoreResult<Vec<AttemptRow>>;
    async fn set_attempt_outcome(
        &mut self,
        attempt_id: &AttemptId,
        outcome: AttemptOutcome,
        credential_id: Option<&CredentialId>,
        detail: Option<&str>,
    ) -> StoreResult<()>;
    async fn credential(&mut self, id: &CredentialId) -> StoreResult<Option<CredentialRow>>;
    async fn set_state(&mut self, id: &CredentialId, change: &StateChange) -> StoreResult<()>;
    async fn list_bits(&mut self, list_number: i64) -> StoreResult<ListBits>;
    async fn save_publication(&mut self, row: &PublicationRow) -> StoreResult<()>;
    async fn insert_token(&mut self, row: &TokenRow) -> StoreResult<()>;
    async fn revoke_token(&mut self, name: &str, at: i64) -> StoreResult<bool>;
    async fn last_audit(&mut self) -> StoreResult<Option<AuditHead>>;
    async fn insert_audit(&mut self, row: &AuditRow) -> StoreResult<()>;
    /// Removes a candidate's personal data (issue 15 §3): the holder name column of their
    /// credentials, their attempts' request bodies and emails (a pending attempt is
    /// cancelled: it cannot be issued without them). The signed credentials stay as issued.
    async fn erase_candidate(&mut self, candidate_id: &str) -> StoreResult<ErasedRows>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    // OID4VCI (issue 18)
    /// Records an offer (and drops offers whose code and token have both expired).
    async fn insert_offer(&mut self, row: &OfferRow) -> StoreResult<()>;
    /// The offer of this pre-authorized code hash, locked until the transaction ends.
    async fn offer_by_code(&mut self, code_hash: &str) -> StoreResult<Option<OfferRow>>;
    /// The offer whose access token has this hash, locked until the transaction ends.
    async fn offer_by_token(&mut self, token_hash: &str) -> StoreResult<Option<OfferRow>>;
    /// Writes back an offer's redemption, token and PIN failure count.
    async fn save_offer(&mut self, row: &OfferRow) -> StoreResult<()>;
    /// Records a c_nonce (and drops expired ones).
    async fn insert_nonce(
        &mut self,
        nonce_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// Uses up a live nonce; `false` when it is unknown, already used or expired.
    async fn take_nonce(&mut self, nonce_hash: &str, now: i64) -> StoreResult<bool>;
    /// A conflict when this offer already gave a copy of this configuration.
    async fn insert_wallet_copy(&mut self, row: &WalletCopyRow) -> StoreResult<()>;
    // Webhooks (issue 19; SQL in `engine_outbox.rs`)
    /// Adds an event to the outbox. It is written at commit, with a delivery row for every
    /// subscription to its type, so it exists exactly when the change it reports does.
    async fn enqueue_event(&mut self, event: &OutboxEvent) -> StoreResult<()>;
    async fn insert_subscription(&mut self, row: &SubscriptionRow) -> StoreResult<()>;
    /// Marks it removed (its pending deliveries are dropped); false when there was none.
    async fn remove_subscription(&mut self, id: &SubscriptionId, at: i64) -> StoreResult<bool>;
    /// Records that an expiry notice was emitted; false when it already was (by this or
    /// another instance).
    async fn record_expiry_notice(
        &mut self,
        id: &CredentialId,
        notice: ExpiryNotice,
        at: i64,
    ) -> StoreResult<bool>;
    async fn insert_renewal(
        &mut self,
        id: &CredentialId,
        previous: &CredentialId,
    ) -> StoreResult<()>;
    /// The candidate's newest active credential for `achievement` already in the database
    /// (not one written earlier in this transaction: its body may not exist yet).
    async fn latest_held(
        &mut self,
        candidate_id: &str,
        achievement: &str,
    ) -> StoreResult<Option<CredentialRow>>;
    /// Reads these candidates' active credentials in a few statements, so that `latest_held`
    /// answers them without one each (a batch), and the attempts behind them.
    async fn prefetch_held(&mut self, candidate_ids: &[&str]) -> StoreResult<()>;
}
