//! The embedded default engine: one SQLite file in WAL mode (readers never block the writer),
//! `synchronous = FULL` so a committed revocation survives power loss, and write transactions
//! that take the lock up front.

use super::engine::store_engine;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How often the WAL is copied back into the database file, off the request path.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// SQLite's own checkpoint-on-commit, left as a safety net for when the background one falls
/// behind or does not run (a CLI command): at 16,384 pages (64 MiB) instead of the default
/// 1,000, which made the commit that crossed 4 MiB (one batch of 1,000 does) pay for
/// copying it, 10–30 ms.
const WAL_AUTOCHECKPOINT_PAGES: &str = "16384";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    /// SQLite has one writer at a time. Writers of this process queue here, first come first
    /// served, instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms
    /// (the lock sat idle while waiters slept; tail latency under concurrent issuance was
    /// seconds) and holds a pool connection per waiter. Other processes (the CLI) still meet
    /// the busy handler.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrations: {e}")))?;
        spawn_checkpointer(pool.clone());
        Ok(Self {
            pool,
            writer: Arc::default(),
        })
    }

    async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        Some(self.writer.clone().lock_owned().await)
    }

    async fn backup_to(&self, path: &str) -> StoreResult<()> {
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Checkpoints every second while the pool is open. PASSIVE never waits for readers or
/// writers; a WAL already copied back costs it next to nothing.
fn spawn_checkpointer(pool: sqlx::SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "background WAL checkpoint failed");
            }
        }
    });
}

store_engine! {
    db: sqlx::Sqlite,
    store: SqliteStore,
    tx: SqliteTx,
    begin: "BEGIN IMMEDIATE",
    for_update: "",
    audit_lock: "",
    key_lock: "",
}
