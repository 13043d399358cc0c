//! The engine for deployments that outgrow one machine: several `attest` instances share one
//! PostgreSQL database, so every guarantee comes from the database, never from process memory.
//!
//! - Write transactions run at READ COMMITTED (stated explicitly, so a server-wide default of
//!   SERIALIZABLE cannot turn ordinary contention into errors); correctness comes from row
//!   locks (`FOR UPDATE` on the open status list and on a credential whose state changes), the
//!   unique constraints (`credentials (list_number, list_index)`, `exam_attempts.attempt_id`,
//!   `signing_keys.active_marker`) and transaction-scoped advisory locks: one serializes
//!   appends to the hash-chained audit log, so the chain never forks; one serializes key
//!   creation, so instances starting or rotating together never pick the same key id.
//! - The pool pings a connection before handing it out and gives up acquiring after a few
//!   seconds, so after a PostgreSQL restart requests fail fast with 503 and the pool heals by
//!   itself (see `StoreError::from(sqlx::Error)` for how errors are classed).

use super::engine::store_engine;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Connections per instance. Several instances share the server's `max_connections` (100 by
/// default), so this stays modest.
const MAX_CONNECTIONS: u32 = 10;
/// How long a request waits for a connection (including reconnecting after a restart) before
/// it is answered with 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct PgStore {
    pool: sqlx::PgPool,
    health: std::sync::Arc<super::health::StorageHealth>,
}

impl PgStore {
    /// Writers are not queued in-process: PostgreSQL's row locks order them, across instances.
    async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        None
    }

    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("attest");
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection the server dropped (restart, pg_terminate_backend, failover) is
            // found dead here and replaced instead of failing the next request.
            .test_before_acquire(true)
            .idle_timeout(Duration::from_secs(300))
            .max_lifetime(Duration::from_secs(1800))
            // A transaction dropped without COMMIT or ROLLBACK (a failed COMMIT, a cancelled
            // request) queues its ROLLBACK; one still counted as open is closed instead of
            // reused (the release ping sends the queued ROLLBACK and closes on failure).
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .connect_with(options)
            .await?;
        // sqlx holds an advisory lock while migrating, so instances starting together are safe.
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrations: {e}")))?;
        Ok(Self {
            pool,
            health: Default::default(),
        })
    }

    /// The server's disk is its own business: a write that does not fit fails the probe.
    fn room_to_grow(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn backup_to(&self, _path: &str) -> StoreResult<()> {
        Err(StoreError::Other(
            "`attest backup` copies SQLite databases only; back up PostgreSQL with pg_dump \
             (for example `pg_dump --format=custom --file=attest.dump \"$ATTEST_DATABASE_URL\"`)"
                .into(),
        ))
    }
}

store_engine! {
    db: sqlx::Postgres,
    store: PgStore,
    tx: PgTx,
    begin: "BEGIN ISOLATION LEVEL READ COMMITTED",
    for_update: " FOR UPDATE",
    // Keys b"attest\0\x01" and b"attest\0\x02" as big-endian i64; released at commit. Key
    // rotation takes its own lock, not the audit one: it then waits for in-flight issuance
    // (which holds a key share on the active key's row) before touching the audit lock, in
    // the same order issuance takes them, so the two cannot deadlock.
    audit_lock: "SELECT pg_advisory_xact_lock(7022365698054946817)",
    key_lock: "SELECT pg_advisory_xact_lock(7022365698054946818)",
    probe: "UPDATE storage_probe SET writes = writes + 1 WHERE id = 1",
}
