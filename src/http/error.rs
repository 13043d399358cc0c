//! RFC 9457 problem details. Every error leaves the server as `application/problem+json` with a
//! stable `code`; 5xx bodies are generic (the cause is logged, never sent).

use crate::problem::ProblemCode;
use crate::service::{ErrorClass, ServiceError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 9457 problem details. `code` is stable and is what clients branch on; some codes add
/// members (e.g. `errors` for `schema_violation`, `attempt_id` for `below_pass_mark`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:attest:problem:{code}`.
    #[schema(example = "urn:attest:problem:not_found")]
    pub r#type: String,
    /// The HTTP reason phrase of `status`.
    pub title: &'static str,
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    #[schema(value_type = String, pattern = "^[a-z][a-z0-9_]*$", example = "not_found")]
    pub code: ProblemCode,
    pub detail: String,
    /// The members a code adds; never one of the five above.
    #[serde(flatten)]
    #[schema(ignore)]
    pub extra: Map<String, Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ProblemCode,
    pub detail: String,
    pub extra: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            extra: None,
        }
    }

    pub fn bad_request(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ProblemCode::NotFound,
            format!("{what} not found"),
        )
    }
}

pub fn status_of(class: ErrorClass) -> StatusCode {
    match class {
        ErrorClass::Invalid => StatusCode::BAD_REQUEST,
        ErrorClass::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorClass::Conflict => StatusCode::CONFLICT,
        ErrorClass::NotFound => StatusCode::NOT_FOUND,
        ErrorClass::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorClass::Forbidden => StatusCode::FORBIDDEN,
        ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let status = status_of(e.class);
        match e.class {
            ErrorClass::Internal => {
                tracing::error!(code = %e.code, cause = %e.message, "internal error");
                Self::new(
                    status,
                    ProblemCode::InternalError,
                    "the server could not complete the request",
                )
            }
            ErrorClass::Unavailable if e.code == ProblemCode::StorageUnavailable => {
                tracing::warn!(cause = %e.message, "storage refuses writes");
                Self::new(
                    status,
                    e.code,
                    "the database cannot store changes now (disk full, read-only or failing \
                     storage); nothing was saved; retry later",
                )
            }
            ErrorClass::Unavailable => {
                tracing::warn!(cause = %e.message, "database unavailable");
                Self::new(status, e.code, "the database is unavailable; retry shortly")
            }
            _ => Self {
                status,
                code: e.code,
                detail: e.message,
                extra: e.details,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut extra = match self.extra {
            Some(Value::Object(extra)) => extra,
            _ => Map::new(),
        };
        extra.retain(|k, _| !["type", "title", "status", "code", "detail"].contains(&k.as_str()));
        let body = Problem {
            r#type: format!("urn:attest:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            code: self.code,
            detail: self.detail,
            extra,
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ServiceError::from(e).into()
    }
}
