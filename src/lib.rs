//! attest: turns exam results into signed W3C Verifiable Credentials (VC Data Model 2.0,
//! Open Badges 3.0) that anyone can verify.
//!
//! Layers point inward: [`http`] and [`cli`] call [`service`]; [`service`] calls [`domain`],
//! [`vc`], [`crypto`] and [`store`]; [`domain`] knows no framework. The library exposes
//! [`app::router`] and [`app::serve`] so tests and the CLI run exactly what production runs.

pub mod app;
pub mod badge;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod json;
pub mod problem;
pub mod render;

pub mod metrics;
pub mod service;
pub mod store;
pub mod vc;

/// Installs ring as the process's TLS provider (reqwest is built without a default one, to keep
/// SQLite the only C code); harmless when already installed.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
