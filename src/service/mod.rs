//! Use cases, one per file. Each owns its transactions; `http` and `cli` only translate.

pub mod audit;
pub mod badge;
pub mod batch;
pub mod capacity;
pub mod certificate;
pub mod context;
pub mod cpu;
pub mod erasure;
pub mod error;
pub mod idempotency;
pub mod issue;
pub mod keys;
pub mod lineage;
pub mod listing;
pub mod oid4vci;
pub mod outbound;
pub mod pending;
pub mod related;
pub mod scheduler;
pub mod share;
pub mod signing;
pub mod status;
pub mod threads;
pub mod tokens;
pub mod vc_api;
pub mod verify;
pub mod webhooks;

pub use crate::domain::role::Role;
pub use context::Context;
pub use error::{ErrorClass, ServiceError, ServiceResult};

/// Who is acting: a token's name and role, or the local CLI operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
}

impl Actor {
    /// The operator at the console (CLI commands run with local file access).
    pub fn cli() -> Self {
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Self {
            name: format!("cli:{user}"),
            role: Role::Admin,
        }
    }
}
