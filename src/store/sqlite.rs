//! The embedded default engine: one SQLite file in WAL mode (readers never block the writer),
//! `synchronous = FULL` so a committed revocation survives power loss, and write transactions
//! that take the lock up front.

use super::engine::store_engine;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

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
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migrations: {e}")))?;
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

store_engine! {
    db: sqlx::Sqlite,
    store: SqliteStore,
    tx: SqliteTx,
    begin: "BEGIN IMMEDIATE",
    for_update: "",
    audit_lock: "",
    key_lock: "",
}
