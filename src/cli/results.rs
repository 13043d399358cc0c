//! Reading `attest issue FILE`: one JSON object, a JSON list, or JSON Lines, each document read
//! by the same strict reader as the API's request bodies ([`crate::json`]), so a result the API
//! refuses (a repeated `attempt_id`, say) is refused here too.

use crate::json::{self, JsonError};
use serde_json::Value;

/// One result as read: the value, or why it was refused and where it stands in the file.
pub type Entry = Result<Value, Refused>;

#[derive(Debug)]
pub struct Refused {
    /// `line N`, or `FILE` when the whole file is one document.
    pub at: String,
    pub error: JsonError,
}

/// The file's results in order. A list is one document: refused whole (as the API refuses a
/// batch body); JSON Lines are read line by line, a refused line failing only itself.
pub fn read_results(name: &str, text: &str) -> anyhow::Result<Vec<Entry>> {
    if text.trim_start().starts_with('[') {
        return match json::parse_strict_str(text) {
            Ok(Value::Array(items)) => Ok(items.into_iter().map(Ok).collect()),
            Ok(_) => anyhow::bail!("{name}: not a JSON list"),
            Err(e) => anyhow::bail!("{name}: {}: {e}", e.code()),
        };
    }
    // One document (possibly spread over lines) if it is one JSON value at all; duplicate
    // names and depth are judged afterwards, so a refused object is reported as such.
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        let entry = json::parse_strict_str(text).map_err(|error| Refused {
            at: name.to_owned(),
            error,
        });
        return Ok(vec![entry]);
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            json::parse_strict_str(l).map_err(|error| Refused {
                at: format!("line {}", i + 1),
                error,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<Result<(), String>> {
        read_results("f.json", text)
            .unwrap()
            .into_iter()
            .map(|e| {
                e.map(|_| ())
                    .map_err(|r| format!("{} {}", r.at, r.error.code()))
            })
            .collect()
    }

    #[test]
    fn every_form_is_read_strictly() {
        let dup = r#"{"attempt_id":"A","attempt_id":"B"}"#;
        assert_eq!(codes(dup), [Err("f.json duplicate_key".into())]);
        assert_eq!(
            codes(&format!("{dup}\n")),
            [Err("f.json duplicate_key".into())]
        );
        assert_eq!(
            codes(&format!("{{\"a\":1}}\n\n{dup}\n{{\"b\":2}}\n")),
            [Ok(()), Err("line 3 duplicate_key".into()), Ok(())]
        );
        assert_eq!(codes(&format!("{dup}\n{{\"b\":2}}")).len(), 2);
        let err = read_results("f.json", &format!("[{{\"a\":1}}, {dup}]")).unwrap_err();
        assert!(err.to_string().contains("duplicate_key"), "{err}");
        assert_eq!(codes("[{\"a\":1},{\"b\":2}]"), [Ok(()), Ok(())]);
        assert_eq!(codes("{\n  \"a\": 1\n}\n"), [Ok(())]);
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(read_results("f.json", &deep).is_err());
    }
}
