//! The embedded default engine: one SQLite file in WAL mode (readers never block the writer),
//! `synchronous = FULL` so a committed revocation survives power loss, and write transactions
//! that take the lock up front.

use super::engine::store_engine;
use sqlx::Connection as _;
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
/// Below this much free space beside the database, readiness fails: a small probe may still
/// fit in the WAL's slack while every issuance fails with "database or disk is full".
const MIN_FREE_BYTES: u64 = 1024 * 1024;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    /// SQLite has one writer at a time. Writers of this process queue here, first come first
    /// served, instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms
    /// (the lock sat idle while waiters slept; tail latency under concurrent issuance was
    /// seconds) and holds a pool connection per waiter. Other processes (the CLI) still meet
    /// the busy handler.
    writer: Arc<tokio::sync::Mutex<()>>,
    health: Arc<super::health::StorageHealth>,
    /// The database file (`None` in memory), for the free-space check.
    file: Option<std::path::PathBuf>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let file = crate::config::files::sqlite_path(url);
        if let Some(path) = &file {
            // Created here, 0600, so that SQLite (which copies the database's mode to its
            // -wal and -shm files) never makes them world-readable (issue 15 §3).
            crate::config::files::touch_private(path).map_err(|e| {
                let cause = crate::config::files::plain_cause(&e)
                    .map_or_else(|| e.to_string(), str::to_owned);
                StoreError::Storage(format!("{cause}: cannot create {}", path.display()))
            })?;
        }
        let mut store = Self::open(url)
            .await
            .map_err(|e| explain_start(file.as_deref(), e))?;
        store.file = file;
        Ok(store)
    }

    /// Free space on the database's filesystem, as readiness sees it.
    fn room_to_grow(&self) -> StoreResult<()> {
        #[cfg(unix)]
        if let Some(dir) = self.file.as_deref().and_then(std::path::Path::parent) {
            let dir = if dir.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                dir
            };
            if let Ok(fs) = rustix::fs::statvfs(dir) {
                let free = fs.f_bavail.saturating_mul(fs.f_frsize);
                if free < MIN_FREE_BYTES {
                    return Err(StoreError::Storage(format!(
                        "disk full: {free} bytes free beside {}",
                        dir.display()
                    )));
                }
            }
        }
        Ok(())
    }

    async fn open(url: &str) -> StoreResult<Self> {
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
            // A connection whose COMMIT failed (disk full) could come back still inside a
            // transaction when the rollback queued on drop failed too (SQLite had already
            // rolled back): reused, every later BEGIN on it failed. The ping lets the queued
            // rollback run first; a connection still in a transaction is then closed.
            .after_release(|conn, _| {
                Box::pin(async move {
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
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
            health: Arc::default(),
            file: None,
        })
    }

    async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        Some(self.writer.clone().lock_owned().await)
    }

    async fn backup_to(&self, path: &str) -> StoreResult<()> {
        // VACUUM INTO accepts an empty file: made first, so the copy is 0600 too.
        let target = std::path::Path::new(path);
        let existed = target.exists();
        crate::config::files::touch_private(target)
            .map_err(|e| StoreError::Other(format!("{path}: {e}")))?;
        let copied = sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await;
        if copied.is_err() && !existed {
            let _ = std::fs::remove_file(target);
        }
        copied?;
        Ok(())
    }
}

/// A start-up failure in plain words when the directory is the cause (full, read-only, not
/// ours): found by writing a small file beside the database.
fn explain_start(file: Option<&std::path::Path>, e: StoreError) -> StoreError {
    let dir = file.and_then(std::path::Path::parent).map(|d| {
        if d.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            d
        }
    });
    let file_cause = file.and_then(|f| {
        let opened = std::fs::OpenOptions::new().write(true).open(f);
        let e = opened.err()?;
        let cause = crate::config::files::plain_cause(&e)?;
        Some(format!("{cause}: {}", f.display()))
    });
    match file_cause.or_else(|| dir.and_then(crate::config::files::diagnose_dir)) {
        Some(cause) => {
            let detail = match &e {
                StoreError::Storage(m) | StoreError::Other(m) | StoreError::Unavailable(m) => {
                    m.clone()
                }
                other => other.to_string(),
            };
            let db = file.map(|f| f.display().to_string()).unwrap_or_default();
            StoreError::Storage(format!("{cause} (database {db}: {detail})"))
        }
        None => e,
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
    // 16 KiB of padding: the probe then needs a few fresh WAL pages, as a real write
    // does, instead of fitting in the slack a failed write left.
    probe: "UPDATE storage_probe SET writes = writes + 1, pad = zeroblob(16384) WHERE id = 1",
}
