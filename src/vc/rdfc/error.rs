//! Error type shared by every part of the RDFC / eddsa-rdfc-2022 pipeline.
//!
//! One enum keeps the caller's `match` simple: the issuer only needs to tell
//! "the credential itself is wrong" (undefined terms, unknown contexts,
//! malformed proof options) apart from "the processor failed" — both abort
//! issuance, but the former is reported back to whoever built the credential.

use std::fmt;

/// Everything that can go wrong while turning a JSON-LD document into the
/// bytes that an eddsa-rdfc-2022 signature covers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CanonError {
    /// The document (or one of the contexts it pulls in) names a context URL
    /// that is not in the [`ContextLoader`](super::ContextLoader) registry.
    /// Contexts are never fetched from the network.
    #[error("unknown JSON-LD context URL (not in the embedded registry): {0}")]
    UnknownContext(String),

    /// A context added through [`ContextLoader::with_extra`](super::ContextLoader::with_extra)
    /// is not a JSON object with an `@context` entry.
    #[error("context document for {url} is invalid: {reason}")]
    InvalidContextDocument {
        /// The URL the context was registered under.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Two contexts were registered under the same URL; silently replacing a
    /// W3C context would change the meaning of every credential using it.
    #[error("context URL registered twice: {0}")]
    DuplicateContext(String),

    /// Safe mode: the JSON-LD processor would silently drop data (undefined
    /// terms, relative or invalid IRIs, ignored keywords), so a signature
    /// would not cover it.
    #[error("JSON-LD safe mode: data would be dropped from the signed form: {0}")]
    UndefinedTerm(DroppedTerms),

    /// Safe mode: an inline context that could hide data from the signature
    /// (`@context: null`, a term, `@vocab` or `@base` mapped to `null`, a
    /// default `@direction`; see `inline.rs`).
    #[error(
        "JSON-LD safe mode: the @context at {path} could hide data from the signature (null context, term/@vocab/@base mapped to null, or a default @direction)"
    )]
    InlineContext {
        /// JSON path of the offending `@context` value.
        path: String,
    },

    /// A value whose RDF form implementations disagree on, so a signature
    /// over it would not verify everywhere: U+FFFE/U+FFFF in a string (the
    /// RDFC-1.0 implementation in use escapes them while hashing blank
    /// nodes, the canonical form does not) or an integer beyond ±2^53
    /// (jsonld.js rounds it through a double, oxjsonld keeps every digit).
    #[error("value at {path} has no portable canonical form: {reason}")]
    NotPortable {
        /// JSON path of the offending value.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A construct the underlying JSON-LD processor cannot handle correctly
    /// (see `typefix`); refused rather than signed wrongly.
    #[error("unsupported JSON-LD construct: {0}")]
    Unsupported(String),

    /// The JSON-LD processor rejected the document (JSON-LD 1.1 API error).
    #[error("JSON-LD processing error: {0}")]
    JsonLd(String),

    /// The input does not have the shape an algorithm requires (for example
    /// proof options with the wrong `type`, or a document that is not an object).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// RDFC-1.0 needed more blank node hashing work than the configured
    /// limit allows (a "poison graph", RDFC-1.0 "Dataset Poisoning"): refused rather
    /// than tying up a CPU for minutes. The message always contains
    /// [`LIMIT_MESSAGE`].
    #[error("canonicalization limit exceeded: {0}")]
    Limit(String),

    /// A multibase value (proof value, did:key) could not be decoded.
    #[error("invalid multibase value: {0}")]
    InvalidMultibase(String),
}

/// Text every [`CanonError::Limit`] message contains, for callers that only
/// see the message (a proof verdict, a wrapped signing error).
pub const LIMIT_MESSAGE: &str = "canonicalization limit";

/// Why a piece of data would be lost in the JSON-LD → RDF conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DropKind {
    /// A property or type name that no active context defines.
    UndefinedTerm,
    /// A relative IRI reference (the document has no base IRI, so it cannot
    /// become an RDF term).
    RelativeIri,
    /// A string used as an IRI that is not a valid IRI.
    InvalidIri,
    /// An invalid blank node identifier (`_:` followed by illegal characters).
    InvalidBlankNode,
    /// A language tag that is not well-formed BCP 47.
    InvalidLanguageTag,
    /// A key of keyword form (`@something`) that is not a JSON-LD keyword,
    /// which processors ignore.
    IgnoredKeyword,
    /// `@direction` or `@index`: kept by JSON-LD but not representable in the
    /// RDF produced for RDFC-1.0, so not covered by the signature.
    NotInRdf,
}

impl fmt::Display for DropKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UndefinedTerm => "undefined term",
            Self::RelativeIri => "relative IRI",
            Self::InvalidIri => "invalid IRI",
            Self::InvalidBlankNode => "invalid blank node id",
            Self::InvalidLanguageTag => "invalid language tag",
            Self::IgnoredKeyword => "ignored keyword-like key",
            Self::NotInRdf => "not representable in RDF",
        })
    }
}

/// One item that safe mode found would be dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedTerm {
    /// Why it would be dropped.
    pub kind: DropKind,
    /// The term, key or IRI as written (best effort for relative IRIs, which
    /// are reported after resolution against a placeholder base).
    pub term: String,
    /// JSON paths (`$.a.b[0].c`) where the term occurs as a key or string
    /// value. Empty if it could not be located.
    pub paths: Vec<String>,
}

/// The non-empty list carried by [`CanonError::UndefinedTerm`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DroppedTerms(pub Vec<DroppedTerm>);

impl DroppedTerms {
    /// The names of all dropped terms, in report order.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|t| t.term.as_str())
    }
}

impl std::ops::Deref for DroppedTerms {
    type Target = [DroppedTerm];
    fn deref(&self) -> &[DroppedTerm] {
        &self.0
    }
}

impl fmt::Display for DroppedTerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} `{}`", t.kind, t.term)?;
            if !t.paths.is_empty() {
                write!(f, " at {}", t.paths.join(", "))?;
            }
        }
        Ok(())
    }
}
