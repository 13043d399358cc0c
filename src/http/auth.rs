//! Bearer-token authentication. The extractor only establishes who is calling; each handler
//! states the role it needs, so a missing token is 401 and a wrong role 403.

use super::AppState;
use super::error::ApiError;
use crate::problem::ProblemCode;
use crate::service::{Actor, Role, ServiceError, tokens};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

pub struct Caller(pub Actor);

impl Caller {
    pub fn require(&self, role: Role) -> Result<&Actor, ApiError> {
        tokens::require(&self.0, role).map_err(ApiError::from)?;
        Ok(&self.0)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::from(ServiceError::new(
                    crate::service::ErrorClass::Unauthenticated,
                    ProblemCode::Unauthenticated,
                    "a bearer token is required (Authorization: Bearer …)",
                ))
            })?;
        let actor = tokens::authenticate(state, presented).await?;
        Ok(Caller(actor))
    }
}
