//! Offline JSON-LD context registry (the JSON-LD 1.1 API `documentLoader`,
//! <https://www.w3.org/TR/json-ld11-api/#loaddocumentcallback>).
//!
//! A signature made over RDFC-1.0 output is only as stable as the contexts
//! used to produce the RDF: fetching them at signing or verification time
//! would let whoever controls the URL change what a signature means, and
//! would make issuance depend on the network. So every context is embedded
//! in the binary and looked up by exact URL; an unknown URL is an error
//! ([`CanonError::UnknownContext`]), never a fetch.

use super::error::CanonError;
use super::seen::{CAPACITY as SEEN_CAPACITY, Seen};
use super::typefix::collect_scoped_terms;
use crate::cache::Bounded;
use crate::vc::jsonld::Cache as JsonLdCache;
use oxjsonld::{JsonLdLoadDocumentOptions, JsonLdRemoteDocument};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

// The registry is `vc::contexts` (one list of embedded files for the whole crate).
pub use crate::vc::contexts::{
    CITIZENSHIP_V4RC1, CREDENTIALS_EXAMPLES_V2, DATA_INTEGRITY_V2, MULTIKEY_V1,
    OB_V3 as OB_V3P0_3_0_3, UNDEFINED_TERMS_V2, VC_V2 as CREDENTIALS_V2,
};
use crate::vc::contexts::{EMBEDDED as PRODUCTION, TEST_VECTORS};

/// Context bytes as handed to the JSON-LD processor. Built-ins are borrowed
/// from the binary; extras are owned and shared behind an `Arc`.
#[derive(Debug, Clone)]
enum ContextBytes {
    Static(&'static str),
    Owned(Arc<str>),
}

impl ContextBytes {
    fn as_str(&self) -> &str {
        match self {
            Self::Static(s) => s,
            Self::Owned(s) => s,
        }
    }
}

/// Static URL → context registry, cheap to clone (one `Arc`).
///
/// The JSON-LD crate in use (oxjsonld 0.2) re-processes contexts for every
/// document and offers no way to share processed contexts between parses,
/// so what is cached here is the only thing that can be: the validated
/// context text, with no I/O or re-validation per credential — plus the set
/// of terms with scoped contexts, needed by the `typefix` work-around.
#[derive(Debug, Clone)]
pub struct ContextLoader {
    contexts: Arc<HashMap<String, ContextBytes>>,
    scoped_terms: Arc<HashSet<String>>,
    proof_configs: Arc<Mutex<ProofConfigMemo>>,
    /// Parsed contexts and processed-context cache of the JSON-LD fast path.
    jsonld: Arc<JsonLdCache>,
    /// `hashData` of documents already seen (see `seen`).
    seen: Arc<Bounded<[u8; 32], Seen>>,
    engine: Engine,
}

/// Which JSON-LD expansion `to_quads` uses. Only tests and benchmarks pick
/// anything but [`Engine::Auto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// Our expansion with cached contexts when the document is inside its
    /// subset, oxjsonld otherwise.
    #[default]
    Auto,
    /// oxjsonld alone (the reference the fast path is tested against).
    Library,
    /// Our expansion or an error: shows what the fast path covers.
    FastPath,
}

/// Canonical N-Quads of recent proof configurations, by (safe mode, JSON text). A proof
/// configuration costs a whole JSON-LD conversion (the document's contexts are processed
/// again for five statements) yet repeats exactly for every credential signed in the same
/// second — a batch shares one — and for every verification of them.
type ProofConfigMemo = HashMap<(bool, String), String>;

/// Entries kept before the memo starts again from empty.
const PROOF_CONFIG_MEMO_MAX: usize = 256;

impl Default for ContextLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl ContextLoader {
    /// The production registry: VC 2.0, undefined-terms, Data Integrity,
    /// Multikey, Open Badges 3.0.3, VC 1.1 and the W3C examples context.
    pub fn new() -> Self {
        Self::from_static(PRODUCTION.iter())
    }

    /// The production registry plus the context only the W3C vc-di-eddsa
    /// employment vector needs (citizenship v4rc1).
    pub fn with_test_vector_contexts() -> Self {
        Self::from_static(PRODUCTION.iter().chain(TEST_VECTORS))
    }

    fn from_static<'a>(entries: impl Iterator<Item = &'a (&'static str, &'static str)>) -> Self {
        Self::from_map(
            entries
                .map(|(url, text)| ((*url).to_owned(), ContextBytes::Static(text)))
                .collect(),
        )
    }

    fn from_map(contexts: HashMap<String, ContextBytes>) -> Self {
        let mut scoped_terms = HashSet::new();
        let mut parsed = HashMap::new();
        for (url, text) in &contexts {
            // Built-ins are checked to parse by the unit tests, extras on
            // registration, so nothing is skipped here in practice.
            if let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(text.as_str()) {
                collect_scoped_terms(&doc, &mut scoped_terms);
                if let Some(context) = doc.get_mut("@context") {
                    parsed.insert(url.clone(), Arc::new(context.take()));
                }
            }
        }
        Self {
            contexts: Arc::new(contexts),
            scoped_terms: Arc::new(scoped_terms),
            proof_configs: Arc::default(),
            jsonld: Arc::new(JsonLdCache::new(parsed)),
            seen: Arc::new(Bounded::new(SEEN_CAPACITY)),
            engine: Engine::Auto,
        }
    }

    /// The canonical form of proof configuration `config`, computed by `canonicalize` unless
    /// the same configuration was canonicalized recently (with these contexts and the same
    /// `safe` mode: the result is a pure function of the three). Errors are not kept.
    pub(super) fn canonical_proof_config(
        &self,
        config: &serde_json::Value,
        safe: bool,
        canonicalize: impl FnOnce() -> Result<String, CanonError>,
    ) -> Result<String, CanonError> {
        let key = (safe, config.to_string());
        let memo = || self.proof_configs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = memo().get(&key) {
            return Ok(hit.clone());
        }
        let canonical = canonicalize()?;
        let mut memo = memo();
        if memo.len() >= PROOF_CONFIG_MEMO_MAX {
            memo.clear();
        }
        memo.insert(key, canonical.clone());
        Ok(canonical)
    }

    /// The same registry with JSON-LD expansion pinned to `engine`, with a
    /// proof-configuration memo of its own and a cold context cache.
    pub fn with_engine(&self, engine: Engine) -> Self {
        let mut copy = Self::from_map((*self.contexts).clone());
        copy.engine = engine;
        copy
    }

    pub(super) fn engine(&self) -> Engine {
        self.engine
    }

    /// Context-processing runs of the fast path so far on this registry
    /// (cache misses; tests use it to tell a cold cache from a warm one).
    pub fn context_cache_misses(&self) -> u64 {
        self.jsonld.misses()
    }

    pub(super) fn seen(&self) -> &Bounded<[u8; 32], Seen> {
        &self.seen
    }

    /// The JSON-LD fast path's context cache for this registry.
    pub(super) fn jsonld(&self) -> &JsonLdCache {
        &self.jsonld
    }

    /// Terms that carry a scoped `@context` in some registered context.
    pub(super) fn scoped_terms(&self) -> &HashSet<String> {
        &self.scoped_terms
    }

    /// A new registry with `extra` URL → JSON text pairs added (the main
    /// crate's own context, for instance).
    ///
    /// Each extra document must be a JSON object with an `@context` entry.
    /// Re-registering an existing URL is refused rather than overriding it.
    pub fn with_extra<I, K, V>(&self, extra: I) -> Result<Self, CanonError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut contexts = (*self.contexts).clone();
        for (url, text) in extra {
            let url = url.into();
            let text = text.into();
            validate_context_document(&url, &text)?;
            if contexts.contains_key(&url) {
                return Err(CanonError::DuplicateContext(url));
            }
            contexts.insert(url, ContextBytes::Owned(Arc::from(text)));
        }
        Ok(Self::from_map(contexts))
    }

    /// A new registry in which the context at `url` (which must already be
    /// registered) is replaced by `text`.
    ///
    /// Meant for moving to a newer revision of a context published under the
    /// same URL — e.g. the corrected OB `context-3.0.3.json`, see the crate
    /// docs — after checking what the change does to existing signatures.
    pub fn with_replaced(&self, url: &str, text: impl Into<String>) -> Result<Self, CanonError> {
        let text = text.into();
        validate_context_document(url, &text)?;
        if !self.contains(url) {
            return Err(CanonError::UnknownContext(url.to_owned()));
        }
        let mut contexts = (*self.contexts).clone();
        contexts.insert(url.to_owned(), ContextBytes::Owned(Arc::from(text)));
        Ok(Self::from_map(contexts))
    }

    /// Whether `url` is registered.
    pub fn contains(&self, url: &str) -> bool {
        self.contexts.contains_key(url)
    }

    /// The registered URLs, in no particular order.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.contexts.keys().map(String::as_str)
    }

    /// The JSON text registered for `url`.
    pub fn get(&self, url: &str) -> Result<&str, CanonError> {
        self.contexts
            .get(url)
            .map(ContextBytes::as_str)
            .ok_or_else(|| CanonError::UnknownContext(url.to_owned()))
    }

    /// Builds the `documentLoader` callback handed to oxjsonld.
    ///
    /// oxjsonld turns a callback error into a generic processing error, so
    /// unknown URLs are also recorded in `misses` for the caller to report
    /// as [`CanonError::UnknownContext`].
    pub(super) fn callback(
        &self,
        misses: Arc<Mutex<Vec<String>>>,
    ) -> impl Fn(
        &str,
        &JsonLdLoadDocumentOptions,
    ) -> Result<JsonLdRemoteDocument, Box<dyn std::error::Error + Send + Sync>>
    + Send
    + Sync
    + std::panic::UnwindSafe
    + std::panic::RefUnwindSafe
    + 'static {
        let contexts = Arc::clone(&self.contexts);
        move |url, _options| match contexts.get(url) {
            Some(text) => Ok(JsonLdRemoteDocument {
                document: text.as_str().as_bytes().to_vec(),
                document_url: url.to_owned(),
            }),
            None => {
                if let Ok(mut m) = misses.lock() {
                    m.push(url.to_owned());
                }
                Err(format!("context {url} is not in the embedded registry").into())
            }
        }
    }
}

fn validate_context_document(url: &str, text: &str) -> Result<(), CanonError> {
    let invalid = |reason: String| CanonError::InvalidContextDocument {
        url: url.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
    match value.get("@context") {
        Some(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => Ok(()),
        _ => Err(invalid("expected an object with an @context entry".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_context_is_a_valid_context_document() {
        let loader = ContextLoader::with_test_vector_contexts();
        assert_eq!(loader.urls().count(), 8);
        for url in loader.urls() {
            let text = loader.get(url).expect("registered");
            validate_context_document(url, text).expect("valid context");
        }
    }

    #[test]
    fn production_registry_excludes_test_vector_contexts() {
        let loader = ContextLoader::new();
        assert!(loader.contains(CREDENTIALS_V2));
        assert!(loader.contains(OB_V3P0_3_0_3));
        assert!(loader.contains(CREDENTIALS_EXAMPLES_V2));
        assert!(loader.contains(crate::vc::contexts::VC_V1));
        assert!(!loader.contains(CITIZENSHIP_V4RC1));
        assert!(matches!(
            loader.get(CITIZENSHIP_V4RC1),
            Err(CanonError::UnknownContext(_))
        ));
    }

    #[test]
    fn extra_contexts_are_validated_and_never_override() {
        let base = ContextLoader::new();
        let ok = base
            .with_extra([(
                "https://example.org/ctx/v1",
                r#"{"@context":{"a":"https://example.org/a"}}"#,
            )])
            .expect("valid extra");
        assert!(ok.contains("https://example.org/ctx/v1"));
        assert!(!base.contains("https://example.org/ctx/v1"));
        assert!(matches!(
            base.with_extra([("https://example.org/x", "{}")]),
            Err(CanonError::InvalidContextDocument { .. })
        ));
        assert!(matches!(
            base.with_extra([(CREDENTIALS_V2, r#"{"@context":{}}"#)]),
            Err(CanonError::DuplicateContext(_))
        ));
    }
}
