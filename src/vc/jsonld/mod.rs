//! Our own JSON-LD 1.1 context processing and expansion (JSON-LD 1.1
//! Processing Algorithms and API, §4 "Context Processing Algorithms" and §5
//! "Expansion Algorithms"), with processed contexts cached and shared.
//!
//! This is the fast path of `vc::rdfc`: it turns a compact credential into
//! expanded JSON-LD, which the full processor (oxjsonld) then converts to RDF
//! without any context work. It covers what the embedded contexts (VC 2.0,
//! VC 1.1, Open Badges 3.0.3, Data Integrity v2, Multikey, Bitstring Status
//! List, examples and undefined-terms) use: protected terms, type- and
//! property-scoped contexts (type-scoped applied in code point order of the
//! types, not propagated), `@propagate`, `@vocab`, absolute `@base`,
//! compact IRIs and prefixes, `@type` coercion to `@id`/`@vocab`/`@json`/
//! datatypes, `@language`/`@direction` defaults and maps, and the `@set`,
//! `@list`, `@graph` and `@language` containers.
//!
//! Everything else — `@reverse`, `@included`, `@nest`, `@import`, `@index`/
//! `@id`/`@type` maps, relative `@vocab`/`@base`, any IRI a processor might
//! treat leniently — is [`ExpandError::Unsupported`]. Errors of any kind
//! send the document to the full processor, which stays the reference and
//! produces its own diagnostics.

mod cache;
mod context;
mod expand;
mod iri;
mod term;
mod value;

pub use cache::Cache;

/// Why the fast path declined a document. Every variant means "use the full
/// processor": none is reported to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("outside the fast path's JSON-LD subset: {0}")]
    Unsupported(&'static str),
    #[error("invalid JSON-LD: {0}")]
    Invalid(&'static str),
    #[error("context {0} is not in the registry")]
    UnknownContext(String),
}

/// The expanded form of `doc`: a top-level array of node objects, with no
/// `@context` left anywhere.
pub fn expand(doc: &serde_json::Value, cache: &Cache) -> Result<serde_json::Value, ExpandError> {
    expand::Expander { cache }.document(doc)
}
