//! Responses that carry a representation: each says what it is and how long it may be cached,
//! so no handler can forget one of the two.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub fn typed(body: impl IntoResponse, content_type: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
