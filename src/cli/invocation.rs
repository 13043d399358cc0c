//! How the person at the console runs this program again: the banner and the error messages
//! that suggest a command must give one that works from where they stand. After `cargo run`
//! there is no `attest` on the PATH, so "attest token create" would only confuse.

use std::path::{Path, PathBuf};

/// The command prefix that runs this same binary from the current directory: `attest` when
/// the PATH finds this binary, `cargo run --release --` under cargo, else the binary's path.
pub fn self_command() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "attest".into();
    };
    let exe = exe.canonicalize().unwrap_or(exe);
    if on_path("attest").is_some_and(|found| found == exe) {
        return "attest".into();
    }
    // `cargo run` sets CARGO for the program it starts; the profile shows in the path.
    if std::env::var_os("CARGO").is_some() {
        let release = exe.components().any(|c| c.as_os_str() == "release");
        return if release {
            "cargo run --release --".into()
        } else {
            "cargo run --".into()
        };
    }
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|cwd| exe.strip_prefix(cwd).ok()) {
        Some(rel) => format!("./{}", rel.display()),
        None => exe.display().to_string(),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
            .and_then(|p| p.canonicalize().ok())
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
