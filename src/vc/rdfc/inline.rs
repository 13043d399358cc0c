//! Inline `@context` objects in safe mode (VC Data Model 2.0 §4.3 allows them after the base
//! context; JSON-LD 1.1 §3.1, §4.1 "Advanced Context Usage").
//!
//! A well-formed inline context is ordinary JSON-LD: its terms expand like any other, and
//! the safe-mode probe sees what they expand to. What an inline context could do to hide data
//! from the probe itself is refused here: `@context: null` (drops the probe's sentinel with
//! every other context), a term mapped to `null` or to `{"@id": null}` (its values vanish
//! instead of expanding under the sentinel `@vocab`), `@vocab: null` and `@base: null` (clear
//! the sentinel's), a default `@direction` (applies a direction RDF does not carry), and a
//! non-string `@import`. Redefining a protected term is refused by the JSON-LD processor, and
//! an `@import` or nested context URL outside the registry by the loader, like any other.

use serde_json::Value;

/// Whether `@context` value `ctx` (a URL, an object or a list of them) is safe to process.
pub fn context_is_safe(ctx: &Value) -> bool {
    match ctx {
        Value::String(_) => true,
        Value::Array(items) => {
            items.iter().all(|i| i.is_string() || i.is_object())
                && items.iter().all(context_is_safe)
        }
        Value::Object(map) => map.iter().all(|(key, value)| entry_is_safe(key, value)),
        _ => false,
    }
}

fn entry_is_safe(key: &str, value: &Value) -> bool {
    match key {
        "@vocab" | "@base" | "@language" => !value.is_null(),
        "@direction" => false,
        "@import" => value.is_string(),
        "@version" | "@protected" | "@propagate" => !value.is_null(),
        _ => match value {
            Value::Null => false,
            Value::String(_) => true,
            Value::Object(def) => {
                !def.get("@id").is_some_and(Value::is_null)
                    && !def.contains_key("@direction")
                    && def.get("@context").is_none_or(context_is_safe)
            }
            _ => false,
        },
    }
}

/// `@direction` is accepted on the language value objects of the credential's and its
/// issuer's `name` and `description` (VC Data Model 2.0 §11.1). It is not carried into the
/// RDF (JSON-LD 1.1 toRdf with `rdfDirection` unset, as jsonld.js without safe mode), so an
/// `eddsa-rdfc-2022` signature does not cover it; `eddsa-jcs-2022` does.
pub fn direction_allowed(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('$') else {
        return false;
    };
    // A credential inside a presentation keeps what it was signed with.
    let rest = match rest.strip_prefix(".verifiableCredential") {
        Some(inner) => skip_index(inner).unwrap_or(inner),
        None => rest,
    };
    let rest = rest.strip_prefix(".issuer").unwrap_or(rest);
    let Some(rest) = rest
        .strip_prefix(".name")
        .or_else(|| rest.strip_prefix(".description"))
    else {
        return false;
    };
    let rest = match rest.strip_prefix('[') {
        Some(_) => match skip_index(rest) {
            Some(after) => after,
            None => return false,
        },
        None => rest,
    };
    rest == ".@direction"
}

/// `[n]` at the start of `path` skipped, if it is there.
fn skip_index(path: &str) -> Option<&str> {
    let (digits, after) = path.strip_prefix('[')?.split_once(']')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ordinary_inline_contexts_are_safe() {
        for ctx in [
            json!(["https://www.w3.org/ns/credentials/v2", {"a": "https://e.example/a"}]),
            json!({"@vocab": "https://e.example/#", "T": {"@id": "https://e.example/T",
                   "@context": {"b": {"@id": "https://e.example/b", "@type": "@id"}}}}),
            json!({"@version": 1.1, "@protected": true, "c": "https://e.example/c"}),
        ] {
            assert!(context_is_safe(&ctx), "{ctx}");
        }
    }

    #[test]
    fn contexts_that_would_hide_data_are_not() {
        for ctx in [
            json!(null),
            json!([null]),
            json!({"a": null}),
            json!({"a": {"@id": null}}),
            json!({"@vocab": null}),
            json!({"@base": null}),
            json!({"@direction": "rtl"}),
            json!({"@import": {"a": "https://e.example/a"}}),
            json!({"T": {"@id": "https://e.example/T", "@context": {"a": null}}}),
            json!({"a": 5}),
        ] {
            assert!(!context_is_safe(&ctx), "{ctx}");
        }
    }

    #[test]
    fn direction_only_on_credential_and_issuer_names() {
        for ok in [
            "$.name.@direction",
            "$.name[1].@direction",
            "$.description.@direction",
            "$.issuer.name[0].@direction",
            "$.issuer.description.@direction",
            "$.verifiableCredential[2].name.@direction",
        ] {
            assert!(direction_allowed(ok), "{ok}");
        }
        for no in [
            "$.credentialSubject.name.@direction",
            "$.name[x].@direction",
            "$.name.@direction.x",
            "$.@direction",
            "$.issuer.@direction",
        ] {
            assert!(!direction_allowed(no), "{no}");
        }
    }
}
