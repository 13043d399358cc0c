//! Reading JSON strictly (RFC 8259 §4: member names SHOULD be unique; parsers that meet a
//! repeated name differ in which value they keep, so a signed document could mean two things):
//! well-formed UTF-8 JSON, no duplicate member names, and a nesting limit. The API's request
//! bodies and the CLI's input files read JSON here, so both refuse the same documents.

use crate::problem::ProblemCode;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Deeper documents are refused before they can exhaust the stack of a recursive reader.
pub const MAX_DEPTH: usize = 64;

/// Why a document was refused; each reason has its own stable [`JsonError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("not valid UTF-8")]
    InvalidUtf8,
    #[error("empty")]
    Empty,
    #[error("{0}")]
    DuplicateKey(String),
    #[error("JSON nesting is limited to {MAX_DEPTH} levels")]
    TooDeep,
    #[error("not JSON: {0}")]
    Malformed(String),
    #[error("trailing data after the JSON value: {0}")]
    Trailing(String),
}

impl JsonError {
    /// The machine code the API answers with and the CLI prints.
    pub fn code(&self) -> ProblemCode {
        match self {
            Self::InvalidUtf8 => ProblemCode::InvalidUtf8,
            Self::Empty => ProblemCode::EmptyBody,
            Self::DuplicateKey(_) => ProblemCode::DuplicateKey,
            Self::TooDeep => ProblemCode::TooDeep,
            Self::Malformed(_) | Self::Trailing(_) => ProblemCode::MalformedJson,
        }
    }
}

/// One JSON value from `bytes`, strictly.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|_| JsonError::InvalidUtf8)?;
    parse_strict_str(text)
}

/// One JSON value from `text`, strictly.
pub fn parse_strict_str(text: &str) -> Result<Value, JsonError> {
    if text.trim().is_empty() {
        return Err(JsonError::Empty);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Depth(0).deserialize(&mut de).map_err(|e| {
        let message = e.to_string();
        if message.contains("duplicate member") {
            JsonError::DuplicateKey(message)
        } else if message.contains("nested too deeply") || message.contains("recursion limit") {
            JsonError::TooDeep
        } else {
            JsonError::Malformed(message)
        }
    })?;
    de.end().map_err(|e| JsonError::Trailing(e.to_string()))?;
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
        let code = |bytes: &[u8]| parse_strict(bytes).unwrap_err().code().as_str();
        assert_eq!(code(b"{\"a\":1,\"a\":2}"), "duplicate_key");
        assert_eq!(code(&[0xff, 0xfe]), "invalid_utf8");
        assert_eq!(code(b" \n"), "empty_body");
        assert_eq!(code(b"{\"a\":"), "malformed_json");
        assert_eq!(code(b"{} x"), "malformed_json");
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(code(deep.as_bytes()), "too_deep");
        let ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
        assert!(parse_strict(ok.as_bytes()).is_ok());
        assert_eq!(
            parse_strict(b"{\"a\":{\"b\":[1,2]}}").unwrap(),
            serde_json::json!({"a":{"b":[1,2]}})
        );
    }
}
