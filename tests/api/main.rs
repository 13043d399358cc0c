//! The integration suite as one test binary: one link instead of one per file. Each module
//! is one former `tests/NAME.rs`; they share the harness in `tests/common/` (the real server
//! on 127.0.0.1:0, a fresh database per test), the RDFC helpers in `tests/rdfc_common/` and
//! the sample certificates in `tests/render_support/`. Run one file's tests with
//! `cargo test --test api verify_api::`.
//!
//! Binaries that need a process of their own stay beside this one, each saying why at its
//! top: `tests/metrics.rs` (the metrics recorder is process-wide and its counts are exact) and
//! `tests/verify_attacks.rs` (it starts a server with a raised `canonicalization_limit`, which
//! is process-wide, and times the cheap routes under load).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
#[path = "../oid4vci_support/mod.rs"]
mod oid4vci_support;
#[path = "../rdfc_common/mod.rs"]
mod rdfc_common;
#[path = "../render_support/mod.rs"]
mod render_support;
#[path = "../webhooks/support.rs"]
mod webhook_support;

mod backup;
mod badges;
mod browser;
mod certificate;
mod conformance;
mod first_run;
mod fuzz_regressions;
mod http_hardening;
mod idempotency;
mod issue_api;
mod jcs_vector;
mod keys_adopt;
mod keys_safety;
mod limits;
mod lineage;
mod logs;
mod metrics_token;
mod multi_instance;
mod oid4vci;
mod oid4vci_client;
mod oid4vci_refusals;
mod oid4vci_share_page;
mod openapi;
mod pg_connection_loss;
mod privacy;
mod rdfc_differential;
mod rdfc_fastpath;
mod rdfc_fastpath_generated;
mod rdfc_poison;
mod rdfc_reference;
mod rdfc_safe_mode;
mod rdfc_vectors;
mod recertification;
mod render_pdf_tools;
mod render_scripts;
mod render_structure;
mod shutdown;
mod status_lists;
mod storage_faults;
mod store_story;
mod vc_api;
mod verify_api;
mod webhooks;
mod webhooks_expiry;
mod webhooks_instances;
