//! axum extractors whose rejections are problem+json like every other error, instead of
//! axum's plain-text bodies (found by schemathesis: e.g. `/v/%FF` answered
//! `text/plain` "Invalid URL: Invalid UTF-8 in `id`").

use super::error::ApiError;
use crate::domain::ids::CredentialId;
use crate::problem::ProblemCode;
use axum::extract::FromRequestParts;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};

/// `axum::extract::Path` rejecting with `400 invalid_path`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(ProblemCode::InvalidPath, rejection.body_text())
    }
}

/// `axum::extract::Query` rejecting with `400 invalid_query`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(ProblemCode::InvalidQuery, rejection.body_text())
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(rejection: MultipartRejection) -> Self {
        Self::bad_request(ProblemCode::InvalidForm, rejection.body_text())
    }
}

/// A credential id from a path segment (`400 invalid_id` when it is not one).
pub fn parse_id(text: &str) -> Result<CredentialId, ApiError> {
    CredentialId::parse(text)
        .map_err(|e| ApiError::bad_request(ProblemCode::InvalidId, e.to_string()))
}
