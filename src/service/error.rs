//! Service errors: each carries a stable machine `code` and a human message; the HTTP layer
//! maps the [`ErrorClass`] to a status once, and the CLI to an exit code.

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
    pub code: &'static str,
    pub message: String,
    /// Extra machine-readable facts (validation errors, missing prerequisites, …).
    pub details: Option<Value>,
}

impl ServiceError {
    pub fn new(class: ErrorClass, code: &'static str, message: impl Into<String>) -> Self {
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

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Invalid, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Unprocessable, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Conflict, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorClass::NotFound,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Internal, "internal_error", message)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => {
                Self::new(ErrorClass::Unavailable, "database_unavailable", m)
            }
            StoreError::Storage(m) => Self::new(ErrorClass::Unavailable, "storage_unavailable", m),
            StoreError::Conflict(m) => Self::new(ErrorClass::Conflict, "conflict", m),
            other => Self::internal(other.to_string()),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
