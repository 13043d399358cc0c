//! IRI Expansion — JSON-LD 1.1 Processing Algorithms and API §5.2.2 — and
//! the keyword and IRI predicates it relies on.
//!
//! Where a result would depend on how a processor treats a malformed IRI
//! (resolution failures, invalid text after a scheme), this returns
//! [`ExpandError::Unsupported`] rather than guess: the full processor then
//! decides, so the fast path can never disagree with it on such input.

use super::ExpandError;
use super::context::ActiveContext;
use super::term::{TermEnv, create_term};
use oxiri::{Iri, IriRef};

/// JSON-LD 1.1 keywords (JSON-LD 1.1 §1.7).
pub(crate) fn is_keyword(value: &str) -> bool {
    matches!(
        value,
        "@base"
            | "@container"
            | "@context"
            | "@direction"
            | "@graph"
            | "@id"
            | "@import"
            | "@included"
            | "@index"
            | "@json"
            | "@language"
            | "@list"
            | "@nest"
            | "@none"
            | "@prefix"
            | "@propagate"
            | "@protected"
            | "@reverse"
            | "@set"
            | "@type"
            | "@value"
            | "@version"
            | "@vocab"
    )
}

/// `@` followed by ASCII letters only: reserved, ignored unless a keyword.
pub(crate) fn has_keyword_form(value: &str) -> bool {
    value
        .strip_prefix('@')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()))
}

pub(crate) fn is_absolute_iri(value: &str) -> bool {
    Iri::parse(value).is_ok()
}

/// §5.2.2 IRI Expansion while defining terms: `env` holds the local context
/// whose terms are defined on demand (steps 3 and 6.3).
pub(crate) fn expand_iri_defining(
    active: &mut ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
    env: &mut TermEnv<'_>,
) -> Result<Option<String>, ExpandError> {
    if has_keyword_form(value) {
        return Ok(is_keyword(value).then(|| value.to_owned()));
    }
    // 3)
    if env.local.contains_key(value) && env.defined.get(value) != Some(&true) {
        create_term(env, active, value)?;
    }
    // 6.3), done ahead of steps 4 – 5: defining a term twice is a no-op.
    if let Some((prefix, _)) = value.split_once(':')
        && env.local.contains_key(prefix)
        && env.defined.get(prefix) != Some(&true)
    {
        create_term(env, active, prefix)?;
    }
    expand_iri(active, value, document_relative, vocab)
}

/// §5.2.2 IRI Expansion against a finished context. `Ok(None)` is the
/// spec's null (the value is dropped).
pub(crate) fn expand_iri(
    active: &ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
) -> Result<Option<String>, ExpandError> {
    // 1) – 2)
    if has_keyword_form(value) {
        return Ok(is_keyword(value).then(|| value.to_owned()));
    }
    if let Some(def) = active.term(value) {
        match &def.iri {
            // The reference processor drops a null-mapped term even where the
            // spec would go on to resolve it as a document-relative IRI.
            None if vocab => return Ok(None),
            None => return Err(ExpandError::Unsupported("null-mapped term as an IRI")),
            // 4) – 5)
            Some(iri) if vocab || is_keyword(iri) => return Ok(Some(iri.clone())),
            Some(_) => {}
        }
    }
    // 6)
    if let Some((prefix, suffix)) = value.split_once(':') {
        // 6.2)
        if prefix == "_" || suffix.starts_with("//") {
            return checked(value);
        }
        // 6.4)
        if let Some(def) = active.term(prefix)
            && def.prefix
            && let Some(iri) = &def.iri
        {
            return checked(&format!("{iri}{suffix}"));
        }
        // 6.5)
        if is_absolute_iri(value) {
            return Ok(Some(value.to_owned()));
        }
        return Err(ExpandError::Unsupported("malformed IRI"));
    }
    // 7)
    if vocab && let Some(v) = &active.vocab {
        return checked(&format!("{v}{value}"));
    }
    // 8)
    if document_relative {
        return match &active.base {
            Some(base) => {
                let base = Iri::parse(base.as_str())
                    .map_err(|_| ExpandError::Unsupported("malformed base IRI"))?;
                match base.resolve(value) {
                    Ok(iri) => Ok(Some(iri.into_inner())),
                    Err(_) => Err(ExpandError::Unsupported("unresolvable relative IRI")),
                }
            }
            None if IriRef::parse(value).is_ok() => Ok(Some(value.to_owned())),
            None => Err(ExpandError::Unsupported("malformed relative IRI")),
        };
    }
    // 9)
    Ok(Some(value.to_owned()))
}

/// A blank node identifier or an absolute IRI, else unsupported (a lenient
/// processor keeps such text, a strict one drops it: not ours to decide).
fn checked(value: &str) -> Result<Option<String>, ExpandError> {
    if value.starts_with("_:") || is_absolute_iri(value) {
        Ok(Some(value.to_owned()))
    } else {
        Err(ExpandError::Unsupported("malformed IRI"))
    }
}
