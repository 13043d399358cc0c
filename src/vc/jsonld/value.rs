//! Value objects — JSON-LD 1.1 Processing Algorithms and API §5.3.2 "Value
//! Expansion", and the value-object, language-map and clean-up steps (13.7,
//! 15 – 19) of §5.1.2 — for the subset described in [`super`].

use super::ExpandError;
use super::context::{ActiveContext, TermDef};
use super::expand::one;
use super::iri::expand_iri;
use serde_json::{Map, Value};

/// §5.1.2 step 13.7: a language map.
pub(crate) fn language_map(
    active: &ActiveContext,
    def: Option<&TermDef>,
    v: &Value,
) -> Result<Value, ExpandError> {
    let direction = match def.and_then(|d| d.direction.clone()) {
        Some(d) => d,
        None => active.direction.clone(),
    };
    let mut out = Vec::new();
    for (language, values) in v.as_object().into_iter().flatten() {
        let none = language == "@none"
            || expand_iri(active, language, false, true)?.as_deref() == Some("@none");
        let items: &[Value] = match values {
            Value::Array(items) => items,
            other => std::slice::from_ref(other),
        };
        for item in items {
            match item {
                Value::Null => continue,
                Value::String(_) => {
                    let mut m = Map::new();
                    m.insert("@value".into(), item.clone());
                    if !none {
                        m.insert("@language".into(), Value::String(language.clone()));
                    }
                    if let Some(d) = &direction {
                        m.insert("@direction".into(), Value::String(d.clone()));
                    }
                    out.push(Value::Object(m));
                }
                _ => return Err(ExpandError::Invalid("invalid language map value")),
            }
        }
    }
    Ok(Value::Array(out))
}

/// §5.1.2 steps 15 – 19.
pub(crate) fn finish(
    mut result: Map<String, Value>,
    prop: Option<&str>,
) -> Result<Option<Value>, ExpandError> {
    let invalid = ExpandError::Invalid;
    if let Some(value) = result.get("@value") {
        // 15)
        let value_is_null = value.is_null();
        let value_is_string = value.is_string();
        let other_keys = result.keys().any(|k| {
            !matches!(
                k.as_str(),
                "@direction" | "@index" | "@language" | "@type" | "@value"
            )
        });
        let has_type = result.contains_key("@type");
        let has_language = result.contains_key("@language");
        if other_keys || (has_type && (has_language || result.contains_key("@direction"))) {
            return Err(invalid("invalid value object"));
        }
        let ty = match result.remove("@type") {
            Some(Value::Array(mut items)) if items.len() == 1 => Some(items.remove(0)),
            Some(other) => Some(other),
            None => None,
        };
        if ty.as_ref().and_then(Value::as_str) == Some("@json") {
            result.insert("@type".into(), "@json".into());
            return Ok(Some(Value::Object(result)));
        }
        if value_is_null {
            return Ok(None);
        }
        if !value_is_string && has_language {
            return Err(invalid("invalid language-tagged value"));
        }
        if let Some(t) = ty {
            match t.as_str() {
                Some(s) if s.contains(':') && !s.starts_with("_:") => {
                    result.insert("@type".into(), t);
                }
                _ => return Err(invalid("invalid typed value")),
            }
        }
    } else if result.contains_key("@set") || result.contains_key("@list") {
        // 17)
        if result.len() > 2 || (result.len() == 2 && !result.contains_key("@index")) {
            return Err(invalid("invalid set or list object"));
        }
        if let Some(set) = result.remove("@set") {
            return Ok(Some(set));
        }
    }
    // 18) drops a lone @language; oxjsonld 0.2.7 rejects @language or @direction outside a
    // value object instead, so leave such documents to it.
    if !result.contains_key("@value")
        && (result.contains_key("@language") || result.contains_key("@direction"))
    {
        return Err(ExpandError::Unsupported("@language outside a value object"));
    }
    // 19)
    if prop.is_none_or(|p| p == "@graph")
        && (result.is_empty()
            || result.contains_key("@value")
            || result.contains_key("@list")
            || (result.len() == 1 && result.contains_key("@id")))
    {
        return Ok(None);
    }
    Ok(Some(Value::Object(result)))
}

/// §5.3.2 Value Expansion.
pub(crate) fn value(active: &ActiveContext, prop: &str, v: &Value) -> Result<Value, ExpandError> {
    let def = active.term(prop);
    let type_mapping = def.and_then(|d| d.type_mapping.as_deref());
    if let Value::String(s) = v {
        // 1) – 2)
        let vocab = match type_mapping {
            Some("@id") => Some(false),
            Some("@vocab") => Some(true),
            _ => None,
        };
        if let Some(vocab) = vocab {
            return match expand_iri(active, s, true, vocab)? {
                Some(iri) => Ok(one("@id", Value::String(iri))),
                None => Err(ExpandError::Unsupported("@id value expanding to null")),
            };
        }
    }
    // 3)
    let mut m = Map::new();
    m.insert("@value".into(), v.clone());
    match type_mapping {
        // 4)
        Some(t) if !matches!(t, "@id" | "@vocab" | "@none") => {
            m.insert("@type".into(), Value::String(t.to_owned()));
        }
        // 5)
        _ if v.is_string() => {
            let language = match def.and_then(|d| d.language.clone()) {
                Some(l) => l,
                None => active.language.clone(),
            };
            let direction = match def.and_then(|d| d.direction.clone()) {
                Some(d) => d,
                None => active.direction.clone(),
            };
            if let Some(l) = language {
                m.insert("@language".into(), Value::String(l));
            }
            if let Some(d) = direction {
                m.insert("@direction".into(), Value::String(d));
            }
        }
        _ => {}
    }
    Ok(Value::Object(m))
}
