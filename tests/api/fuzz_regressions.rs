//! Replays the fuzz corpora under `cargo test`: every committed seed (`fuzz/corpus/<target>/`)
//! and every reproducer of a past finding (`fuzz/regressions/<target>/`) goes through the same
//! harness function its fuzz target calls, so a regression fails the normal suite even where
//! cargo-fuzz is not installed. A harness panics on a finding (see `fuzz/src/lib.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs each file of `<root>/<target>/` through its harness; returns how many ran. A panic
/// names the file, so the failing input is one `cargo fuzz run <target> <file>` away.
fn replay(root: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mut ran = 0;
    for (target, harness) in harness::HARNESSES {
        for file in files(&root.join(target)) {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| harness(&data));
            assert!(outcome.is_ok(), "{} panicked on {}", target, file.display());
            ran += 1;
        }
    }
    ran
}

#[test]
fn every_seed_passes_its_harness() {
    let ran = replay("fuzz/corpus");
    assert!(
        ran >= harness::HARNESSES.len(),
        "only {ran} seed files found"
    );
}

#[test]
fn every_directory_names_a_harness() {
    for root in ["fuzz/corpus", "fuzz/regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let name = entry.unwrap().file_name();
            let name = name.to_string_lossy();
            assert!(
                harness::HARNESSES.iter().any(|(t, _)| *t == name),
                "{root}/{name} has no harness: its files would never be replayed"
            );
        }
    }
}

#[test]
fn every_past_finding_stays_fixed() {
    replay("fuzz/regressions");
}
