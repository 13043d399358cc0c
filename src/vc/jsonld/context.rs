//! Active contexts and term definitions — JSON-LD 1.1 Processing Algorithms
//! and API §4.1 "Context Processing Algorithm" and §4.2 "Create Term
//! Definition", restricted to the subset described in [`super`].
//!
//! Step numbers in comments are those of the two algorithms. Everything the
//! subset leaves out returns [`ExpandError::Unsupported`], so the caller can
//! hand the document to the full processor instead.

use super::ExpandError;
use super::cache::{Cache, next_id};
use super::iri::{expand_iri, is_absolute_iri};
use super::term::{TermEnv, create_term};
use foldhash::{HashMap, HashMapExt};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Container mapping bits (§4.2.2 step 19), the subset supported.
pub(crate) const SET: u8 = 1;
pub(crate) const LIST: u8 = 2;
pub(crate) const GRAPH: u8 = 4;
pub(crate) const LANGUAGE: u8 = 8;

/// A scoped (`@context` inside a term definition) context, with an identity
/// that keys the processed-context cache.
#[derive(Debug)]
pub(crate) struct Scoped {
    pub id: u64,
    pub value: Value,
}

/// A term definition (§4.2.2); fields the subset never sets are absent.
#[derive(Debug)]
pub(crate) struct TermDef {
    /// `None`: the term maps to null (its values are dropped).
    pub iri: Option<String>,
    pub prefix: bool,
    pub protected: bool,
    pub type_mapping: Option<String>,
    pub container: u8,
    /// `Some(None)`: explicitly no language.
    pub language: Option<Option<String>>,
    pub direction: Option<Option<String>>,
    pub context: Option<Arc<Scoped>>,
}

impl TermDef {
    /// §4.2.2 step 27: same definition apart from `@protected`.
    pub(crate) fn same_as(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.language == other.language
            && self.direction == other.direction
            && match (&self.context, &other.context) {
                (None, None) => true,
                (Some(a), Some(b)) => a.value == b.value,
                _ => false,
            }
    }
}

/// An active context. Shared behind `Arc`: expansion never copies one, and
/// processing a context copies only the term table (of `Arc`ed definitions).
#[derive(Debug, Default)]
pub(crate) struct ActiveContext {
    /// Identity in the processed-context cache.
    pub id: u64,
    pub terms: HashMap<String, Arc<TermDef>>,
    pub base: Option<String>,
    pub vocab: Option<String>,
    pub language: Option<String>,
    pub direction: Option<String>,
    pub previous: Option<Arc<ActiveContext>>,
}

impl ActiveContext {
    pub(crate) fn empty() -> Self {
        Self {
            id: next_id(),
            ..Self::default()
        }
    }

    pub(crate) fn copy(&self) -> Self {
        Self {
            id: next_id(),
            terms: self.terms.clone(),
            base: self.base.clone(),
            vocab: self.vocab.clone(),
            language: self.language.clone(),
            direction: self.direction.clone(),
            previous: self.previous.clone(),
        }
    }

    pub(crate) fn term(&self, term: &str) -> Option<&Arc<TermDef>> {
        self.terms.get(term)
    }
}

/// Options of one context-processing call that change its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Options {
    pub override_protected: bool,
    pub propagate: bool,
}

/// Remote contexts nested deeper than this are refused (the spec's
/// "context overflow").
const MAX_REMOTE_DEPTH: usize = 16;

/// §4.1.2 Context Processing. `remote` lists the URLs being processed
/// (cycle and depth guard); `validate_scoped` is false only while checking
/// a scoped context at definition time (step 21 of §4.2.2).
pub(crate) fn process(
    cache: &Cache,
    active: &Arc<ActiveContext>,
    local: &Value,
    opts: Options,
    remote: &mut Vec<String>,
    validate_scoped: bool,
) -> Result<Arc<ActiveContext>, ExpandError> {
    // 1)
    let mut result = active.copy();
    // 2)
    let mut propagate = opts.propagate;
    if let Some(p) = local.get("@propagate") {
        propagate = p.as_bool().ok_or(ExpandError::Invalid("@propagate"))?;
    }
    // 3)
    if !propagate && result.previous.is_none() {
        result.previous = Some(Arc::clone(active));
    }
    // 4)
    let items: &[Value] = match local {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    };
    for context in items {
        match context {
            // 5.1)
            Value::Null => {
                if !opts.override_protected && result.terms.values().any(|d| d.protected) {
                    return Err(ExpandError::Invalid("invalid context nullification"));
                }
                let previous = Arc::new(result);
                result = ActiveContext::empty();
                if !propagate {
                    result.previous = Some(previous);
                }
            }
            // 5.2)
            Value::String(url) => {
                if !is_absolute_iri(url) {
                    return Err(ExpandError::Unsupported("relative context URL"));
                }
                if !validate_scoped && remote.iter().any(|u| u == url) {
                    continue;
                }
                if remote.len() >= MAX_REMOTE_DEPTH {
                    return Err(ExpandError::Invalid("context overflow"));
                }
                let loaded = cache.remote(url)?;
                remote.push(url.clone());
                let current = Arc::new(result);
                let processed = process(
                    cache,
                    &current,
                    &loaded,
                    // 5.2.6) passes neither option on.
                    Options {
                        override_protected: false,
                        propagate: true,
                    },
                    remote,
                    validate_scoped,
                )?;
                remote.pop();
                result = Arc::try_unwrap(processed).unwrap_or_else(|shared| shared.copy());
            }
            // 5.3) – 5.13)
            Value::Object(map) => {
                result = process_map(cache, result, map, opts, remote)?;
            }
            _ => return Err(ExpandError::Invalid("invalid local context")),
        }
    }
    Ok(Arc::new(result))
}

fn process_map(
    cache: &Cache,
    mut result: ActiveContext,
    map: &Map<String, Value>,
    opts: Options,
    remote: &mut [String],
) -> Result<ActiveContext, ExpandError> {
    // 5.5)
    if let Some(version) = map.get("@version")
        && version.as_f64() != Some(1.1)
    {
        return Err(ExpandError::Invalid("invalid @version value"));
    }
    // 5.6)
    if map.contains_key("@import") {
        return Err(ExpandError::Unsupported("@import"));
    }
    // 5.7)
    if let Some(base) = map.get("@base")
        && remote.is_empty()
    {
        match base {
            Value::Null => result.base = None,
            Value::String(b) if is_absolute_iri(b) => result.base = Some(b.clone()),
            _ => return Err(ExpandError::Unsupported("relative @base")),
        }
    }
    // 5.8)
    if let Some(vocab) = map.get("@vocab") {
        result.vocab = match vocab {
            Value::Null => None,
            Value::String(v) => match expand_iri(&result, v, true, true)? {
                Some(iri) if is_absolute_iri(&iri) => Some(iri),
                _ => return Err(ExpandError::Unsupported("relative or blank @vocab")),
            },
            _ => return Err(ExpandError::Invalid("invalid vocab mapping")),
        };
    }
    // 5.9)
    if let Some(language) = map.get("@language") {
        result.language = match language {
            Value::Null => None,
            Value::String(l) => Some(l.clone()),
            _ => return Err(ExpandError::Invalid("invalid default language")),
        };
    }
    // 5.10)
    if let Some(direction) = map.get("@direction") {
        result.direction = match direction.as_str() {
            None if direction.is_null() => None,
            Some(d @ ("ltr" | "rtl")) => Some(d.to_owned()),
            _ => return Err(ExpandError::Invalid("invalid base direction")),
        };
    }
    // 5.11)
    if let Some(p) = map.get("@propagate")
        && !p.is_boolean()
    {
        return Err(ExpandError::Invalid("invalid @propagate value"));
    }
    let protected = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ExpandError::Invalid("invalid @protected value")),
    };
    // 5.12) – 5.13)
    let mut defined = HashMap::new();
    let mut env = TermEnv {
        cache,
        local: map,
        defined: &mut defined,
        protected,
        override_protected: opts.override_protected,
    };
    for key in map.keys() {
        if matches!(
            key.as_str(),
            "@base"
                | "@direction"
                | "@import"
                | "@language"
                | "@propagate"
                | "@protected"
                | "@version"
                | "@vocab"
        ) {
            continue;
        }
        create_term(&mut env, &mut result, key)?;
    }
    Ok(result)
}
