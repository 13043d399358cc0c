//! Reading JSON request bodies strictly: a size cap per route, UTF-8, well-formed JSON, no
//! duplicate member names (which parsers resolve differently, so a signed document could mean
//! two things) and a nesting limit. Each failure has its own stable code. The body must also
//! be labelled as what the route reads (RFC 9110 §15.5.16: `415 Unsupported Media Type`), so
//! a form or a plain-text body posted by a browser page on another site is never taken for JSON.
//! The JSON itself is read by [`crate::json`], which the CLI shares.

use super::error::ApiError;
use crate::json::{self, JsonError};
use crate::problem::ProblemCode;
use crate::vc::baking::{ImageKind, kind_of};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::Value;

/// A JSON body of at most `LIMIT` bytes.
pub struct StrictJson<const LIMIT: usize>(pub Value);

/// The raw bytes of a body of at most `LIMIT` bytes, for endpoints that accept JSON or a
/// compact JWT: labelled JSON, `application/jwt`, `application/vc+jwt`, `text/plain`, or not
/// labelled at all (the content tells, as it always has on `POST /credentials/verify`).
pub struct LimitedBody<const LIMIT: usize>(pub Bytes);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for LimitedBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        match media_type(&req) {
            Ok(None) => {}
            Ok(Some(t)) if is_json(&t) || JWT_TYPES.contains(&t.as_str()) => {}
            _ => return Err(unsupported("JSON or a compact JWT (application/vc+jwt)")),
        }
        read_limited(req, LIMIT).await.map(Self)
    }
}

/// What [`LimitedBody`] takes, or a baked badge image (`image/png`, `image/svg+xml`: Open
/// Badges 3.0 §5.3), for the endpoints that verify a credential.
pub struct CredentialBody<const LIMIT: usize>(pub Bytes);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for CredentialBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let expected = "JSON, a compact JWT (application/vc+jwt) or a baked badge (image/png, \
                        image/svg+xml)";
        let image = match media_type(&req) {
            Ok(None) => None,
            Ok(Some(t)) if is_json(&t) || JWT_TYPES.contains(&t.as_str()) => None,
            Ok(Some(t)) if t == "image/png" => Some(ImageKind::Png),
            Ok(Some(t)) if t == "image/svg+xml" => Some(ImageKind::Svg),
            _ => return Err(unsupported(expected)),
        };
        let bytes = read_limited(req, LIMIT).await?;
        // An image label is a claim about the bytes: anything else under it is refused as
        // mislabelled, as a JSON body labelled `text/html` would be.
        if image.is_some() && kind_of(&bytes) != image {
            return Err(unsupported(expected));
        }
        Ok(Self(bytes))
    }
}

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for StrictJson<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !matches!(media_type(&req), Ok(Some(t)) if is_json(&t)) {
            return Err(unsupported("JSON"));
        }
        parse_strict(&read_limited(req, LIMIT).await?).map(Self)
    }
}

/// Media types a compact JWT may come as, besides JSON.
const JWT_TYPES: [&str; 3] = ["application/jwt", "application/vc+jwt", "text/plain"];

/// The `type/subtype` of the body's `Content-Type`, lower case, parameters (`charset`) dropped;
/// `Ok(None)` without the header, `Err` when it is not readable.
fn media_type(req: &Request) -> Result<Option<String>, ()> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ())?;
    let essence = text.split(';').next().unwrap_or_default().trim();
    Ok(Some(essence.to_ascii_lowercase()))
}

/// `application/json`, or any `application/…+json` (RFC 6839 §3.1) such as `application/ld+json`
/// and `application/vc+ld+json`.
fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .and_then(|s| s.strip_suffix("+json"))
            .is_some_and(|s| !s.is_empty() && !s.contains('/'))
}

fn unsupported(expected: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ProblemCode::UnsupportedMediaType,
        format!("this route reads {expected}; say so with the Content-Type header"),
    )
}

async fn read_limited(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ProblemCode::PayloadTooLarge,
                format!("the request body exceeds {limit} bytes"),
            )
        })
}

/// The strict reader of [`crate::json`], its refusals as `400` problems with the reader's code.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, ApiError> {
    json::parse_strict(bytes).map_err(|e| {
        let detail = match &e {
            JsonError::InvalidUtf8 | JsonError::Empty | JsonError::Malformed(_) => {
                format!("the request body is {e}")
            }
            _ => e.to_string(),
        };
        ApiError::bad_request(e.code(), detail)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_readers_code() {
        assert_eq!(
            parse_strict(b"{\"a\":1,\"a\":2}").unwrap_err().code,
            ProblemCode::DuplicateKey
        );
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(
            parse_strict(deep.as_bytes()).unwrap_err().code,
            ProblemCode::TooDeep
        );
    }

    #[test]
    fn json_media_types() {
        for json in [
            "application/json",
            "application/ld+json",
            "application/vc+ld+json",
        ] {
            assert!(is_json(json), "{json}");
        }
        for other in [
            "text/json",
            "application/jsonx",
            "application/+json",
            "text/plain",
        ] {
            assert!(!is_json(other), "{other}");
        }
    }
}
