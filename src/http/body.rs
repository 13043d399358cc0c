//! Reading JSON request bodies strictly: a size cap per route, UTF-8, well-formed JSON, no
//! duplicate member names (which parsers resolve differently, so a signed document could mean
//! two things) and a nesting limit. Each failure has its own stable code. The body must also
//! be labelled as what the route reads (RFC 9110 §15.5.16: `415 Unsupported Media Type`), so
//! a form or a plain-text body posted by a browser page on another site is never taken for JSON.

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

pub const MAX_DEPTH: usize = 64;

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
        "unsupported_media_type",
        format!("this route reads {expected}; say so with the Content-Type header"),
    )
}

async fn read_limited(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds {limit} bytes"),
            )
        })
}

pub fn parse_strict(bytes: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ApiError::bad_request("invalid_utf8", "the request body is not valid UTF-8")
    })?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_body",
            "the request body is empty",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Depth(0).deserialize(&mut de).map_err(|e| {
        let message = e.to_string();
        if message.contains("duplicate member") {
            ApiError::bad_request("duplicate_key", message)
        } else if message.contains("nested too deeply") || message.contains("recursion limit") {
            ApiError::bad_request(
                "too_deep",
                format!("JSON nesting is limited to {MAX_DEPTH} levels"),
            )
        } else {
            ApiError::bad_request(
                "malformed_json",
                format!("the request body is not JSON: {message}"),
            )
        }
    })?;
    de.end().map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("trailing data after the JSON value: {e}"),
        )
    })?;
    Ok(value)
}

/// Builds a `serde_json::Value`, refusing duplicate names and excessive depth.
struct Depth(usize);

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.0 >= MAX_DEPTH {
            return Err(A::Error::custom("nested too deeply"));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Depth(self.0 + 1))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        if self.0 >= MAX_DEPTH {
            return Err(A::Error::custom("nested too deeply"));
        }
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(A::Error::custom(format!("duplicate member `{key}`")));
            }
            let value = access.next_value_seed(Depth(self.0 + 1))?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_own_code() {
        assert_eq!(
            parse_strict(b"{\"a\":1,\"a\":2}").unwrap_err().code,
            "duplicate_key"
        );
        assert_eq!(
            parse_strict(&[0xff, 0xfe]).unwrap_err().code,
            "invalid_utf8"
        );
        assert_eq!(parse_strict(b"{\"a\":").unwrap_err().code, "malformed_json");
        assert_eq!(parse_strict(b"{} x").unwrap_err().code, "malformed_json");
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(parse_strict(deep.as_bytes()).unwrap_err().code, "too_deep");
        let ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
        assert!(parse_strict(ok.as_bytes()).is_ok());
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
        assert_eq!(
            parse_strict(b"{\"a\":{\"b\":[1,2]}}").unwrap(),
            serde_json::json!({"a":{"b":[1,2]}})
        );
    }
}
