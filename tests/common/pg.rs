//! PostgreSQL for tests. With `TEST_DATABASE_URL` set (a role allowed to create databases),
//! every test gets a database of its own, created through that URL and dropped when the test
//! ends, so tests stay parallel and independent exactly as with one SQLite file each.
//!
//! Databases are named `attest_t_<pid>_<n>`; a test process that died before cleaning up leaves
//! one behind, and the next test process drops those whose process is gone (only when the
//! server is on loopback, where process ids are meaningful).

use sqlx::{Connection, PgConnection};
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

/// The maintenance URL, when PostgreSQL tests are enabled.
pub fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// Prints why a PostgreSQL-only test does nothing; true when it should run.
pub fn enabled(test: &str) -> bool {
    let on = test_database_url().is_some();
    if !on {
        eprintln!("{test}: skipped, TEST_DATABASE_URL is not set (see .ci/pg)");
    }
    on
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("URL with a scheme");
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{query}")
}

async fn admin() -> PgConnection {
    let url = test_database_url().expect("TEST_DATABASE_URL");
    PgConnection::connect(&url)
        .await
        .expect("connect with TEST_DATABASE_URL")
}

/// A database that exists for one test. Dropped (with its connections) when this is dropped,
/// unless [`TestDatabase::keep`] handed it on to a restarted server.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    armed: bool,
}

const NAME_FILE: &str = "test-database-name";

impl TestDatabase {
    pub async fn create() -> Self {
        static SWEEP: Once = Once::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut conn = admin().await;
        let mut sweep = false;
        SWEEP.call_once(|| sweep = true);
        if sweep && is_local(&test_database_url().unwrap_or_default()) {
            drop_orphans(&mut conn).await;
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("attest_t_{}_{n}", std::process::id());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE (the TEST_DATABASE_URL role needs CREATEDB)");
        let _ = conn.close().await;
        Self::named(name)
    }

    fn named(name: String) -> Self {
        let url = with_database(&test_database_url().expect("TEST_DATABASE_URL"), &name);
        Self {
            name,
            url,
            armed: true,
        }
    }

    /// The database of a test directory: the one recorded there (a restarted server), or a new
    /// one recorded for the next start.
    pub async fn for_dir(dir: &Path) -> Self {
        let file = dir.join(NAME_FILE);
        if let Ok(name) = std::fs::read_to_string(&file) {
            return Self::named(name.trim().to_owned());
        }
        let db = Self::create().await;
        std::fs::write(&file, &db.name).expect("record the test database name");
        db
    }

    /// Leaves the database in place (the directory's next server will own it).
    pub fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let name = self.name.clone();
        // Drop cannot await, and the test's runtime may be the one running it: use a thread
        // with a runtime of its own. FORCE ends the server's connections still open, but it
        // waits for every backend of the database to answer, and one the server is still
        // connecting (a worker's poll) answers only once its client finishes authenticating:
        // on the runtime this drop runs on. So the drop is never waited for here (joining
        // stalled both for PostgreSQL's 60 s authentication timeout, every few tests); one
        // left behind by a process that exits first is swept by the next run (`drop_orphans`).
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let dropped = runtime.block_on(async {
                let mut conn = admin().await;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
            });
            if let Err(e) = dropped {
                eprintln!("could not drop test database {name}: {e}");
            }
        });
    }
}

/// Process ids only mean something on this machine: a shared server is never swept.
fn is_local(url: &str) -> bool {
    ["@127.0.0.1", "@localhost", "@[::1]"]
        .iter()
        .any(|host| url.contains(host))
}

/// Drops test databases left by test processes that no longer run (killed or timed out).
async fn drop_orphans(conn: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'attest\\_t\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if pid.is_some() && !alive {
            // Without FORCE: a database someone is connected to is left alone.
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\"");
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await;
        }
    }
}
