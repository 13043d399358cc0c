//! The problem+json answers (RFC 9457) the document names by reference — one response object
//! per kind, each pointing at the one `Problem` schema — for handlers' annotations and for the
//! layers' answers that `openapi::document` adds to every operation.

use crate::http::error::PROBLEM_JSON;
use utoipa::ToResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{ContentBuilder, Object, Ref, RefOr, Type};

/// A problem+json response; `headers` are always sent with it.
fn problem(description: &str, headers: &[(&str, Type, &str)]) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content);
    for (name, kind, about) in headers {
        let header = HeaderBuilder::new()
            .schema(Object::with_type(kind.clone()))
            .description(Some(*about))
            .build();
        response = response.header(*name, header);
    }
    response.build().into()
}

macro_rules! problem_responses {
    ($($name:ident: $description:literal $([$header:literal, $kind:expr, $about:literal])?;)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'s> ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<utoipa::openapi::Response>) {
                (stringify!($name), problem($description, &[$(($header, $kind, $about))?]))
            }
        }
    )*};
}

problem_responses! {
    BadRequest: "The request cannot be read (malformed_json, invalid_utf8, duplicate_key, \
                 too_deep, empty_body, invalid_id, invalid_query, schema_violation, …)";
    Unauthenticated: "No valid bearer token (unauthenticated)"
        ["WWW-Authenticate", Type::String, "Bearer"];
    Forbidden: "The token's role may not do this (forbidden)";
    NotFound: "No such resource (not_found)";
    Conflict: "Conflicts with what is stored (e.g. another body under the same attempt_id)";
    PayloadTooLarge: "The body is larger than this route accepts (payload_too_large)";
    UnsupportedMediaType: "The body is not labelled as JSON (or, on /credentials/verify, as a \
                           compact JWT) in Content-Type (unsupported_media_type)";
    Unprocessable: "Understood but refused (e.g. below_pass_mark, unknown_achievement)";
    RateLimited: "Too many requests from this client (rate_limited)"
        ["Retry-After", Type::Integer, "Seconds to wait"];
    InternalError: "The server failed; the cause is logged, not sent (internal_error)";
    Unavailable: "Not answered in time, busy, or the database is unavailable \
                  (timeout, busy, not_ready, unavailable)"
        ["Retry-After", Type::Integer, "Seconds to wait"];
}
