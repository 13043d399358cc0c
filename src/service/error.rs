//! Service errors: each carries a stable machine `code` and a human message; the HTTP layer
//! maps the [`ErrorClass`] to a status once, and the CLI to an exit code.

use crate::problem::ProblemCode;
use crate::store::StoreError;
use serde_json::Value;

/// What kind of failure, independent of transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The input cannot be used as sent (400).
    Invalid,
    /// Well-formed input the rules refuse (422).
    Unprocessable,
    /// Clashes with what exists (409).
    Conflict,
    NotFound,
    Unauthenticated,
    Forbidden,
    /// Retry later: the database is unreachable or busy (503).
    Unavailable,
    /// Our fault; the message is logged, never shown (500).
    Internal,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ServiceError {
    pub class: ErrorClass,
    pub code: ProblemCode,
    pub message: String,
    /// Extra machine-readable facts (validation errors, missing prerequisites, …).
    pub details: Option<Value>,
}

impl ServiceError {
    pub fn new(class: ErrorClass, code: ProblemCode, message: impl Into<String>) -> Self {
        Self {
            class,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn invalid(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Invalid, code, message)
    }

    pub fn unprocessable(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Unprocessable, code, message)
    }

    pub fn conflict(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Conflict, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorClass::NotFound,
            ProblemCode::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Internal, ProblemCode::InternalError, message)
    }

    /// A transaction lost a race (unique key taken by a concurrent writer, a deadlock victim or
    /// a serialization failure): nothing was written, so the whole unit may run again.
    pub fn is_conflict(&self) -> bool {
        self.code == ProblemCode::Conflict
    }
}

/// How many times a transaction that lost a race is run in all.
const RACE_ATTEMPTS: usize = 3;

/// Runs `unit` (one whole transaction) again when it loses a race ([`ServiceError::is_conflict`]),
/// up to [`RACE_ATTEMPTS`] times in all; the rerun reads what the winner wrote.
///
/// `unit` makes a fresh future per run (an `async move` block over references): an async
/// closure's future is not provably `Send` for the axum handlers that await this.
pub async fn retry_on_conflict<T, F, Fut>(mut unit: F) -> ServiceResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ServiceResult<T>>,
{
    let mut attempt = 1;
    loop {
        match unit().await {
            Err(e) if e.is_conflict() && attempt < RACE_ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => {
                Self::new(ErrorClass::Unavailable, ProblemCode::DatabaseUnavailable, m)
            }
            StoreError::Storage(m) => {
                Self::new(ErrorClass::Unavailable, ProblemCode::StorageUnavailable, m)
            }
            StoreError::Conflict(m) => Self::new(ErrorClass::Conflict, ProblemCode::Conflict, m),
            other => Self::internal(other.to_string()),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
