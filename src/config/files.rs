//! Files and directories the service creates hold graduates' data or secrets, so they are
//! created readable by the owner only: 0600 files, 0700 directories (issue 15 §3), whatever
//! the umask. And when the disk or the directory refuses, start-up says so in words a person
//! understands ("disk full", "read-only directory", "permission denied").

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Creates `dir` and missing parents with mode 0700 (existing ones are left as they are).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `path` with mode 0600 holding `contents`; fails if it exists.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        private_dir(parent)?;
    }
    let mut file = private_options().create_new(true).open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Creates `path` empty with mode 0600 unless it exists (SQLite then keeps those bits for the
/// database and gives its `-wal` and `-shm` files the same).
pub fn touch_private(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        private_dir(parent)?;
    }
    match private_options().create_new(true).open(path) {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        other => other.map(|_| ()),
    }
}

fn private_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// The file of a `sqlite:` URL (`None` for an in-memory database or another scheme).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The cause of an I/O error in plain words, when it is one an operator can fix.
pub fn plain_cause(e: &std::io::Error) -> Option<&'static str> {
    match e.kind() {
        ErrorKind::StorageFull => Some("disk full"),
        ErrorKind::ReadOnlyFilesystem => Some("read-only directory (the filesystem is read-only)"),
        ErrorKind::PermissionDenied => Some("permission denied"),
        ErrorKind::NotFound => Some("the directory does not exist"),
        _ => None,
    }
}

/// Why `dir` cannot hold a growing file, found by writing a small one there (removed at once);
/// `None` when that works.
pub fn diagnose_dir(dir: &Path) -> Option<String> {
    let probe = dir.join(format!(".attest-write-check-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 64 * 1024])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.err().map(|e| match plain_cause(&e) {
        Some(cause) => format!("{cause}: {}", dir.display()),
        None => format!("{}: {e}", dir.display()),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_files_and_directories_are_private_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/sub/attest.toml");
        write_private(&file, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("new/sub")), 0o700);
        assert_eq!(mode(&dir.path().join("new")), 0o700);
        let db = dir.path().join("db/attest.db");
        touch_private(&db).unwrap();
        touch_private(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/a.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/a.db"))
        );
        assert_eq!(sqlite_path("sqlite:a.db"), Some(PathBuf::from("a.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }
}
