//! Processed contexts, reused: the JSON-LD 1.1 API leaves caching to the
//! implementation (§9.4.1 `LoadDocumentCallback` notes that processed
//! contexts may be cached). Results of the Context Processing algorithm
//! (§4.1.2) are kept by (identity of the active context they were applied
//! to, the local context, the options), so a credential's `@context` list
//! and every type- and property-scoped context are processed once per
//! distinct chain, not once per document.
//!
//! Identities come from one process-wide counter, never reused, so an entry
//! can only be found again through the very context it was computed from.

use super::ExpandError;
use super::context::{ActiveContext, Options, Scoped, process};
use crate::cache::Bounded;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Processed contexts kept before the cache starts again from empty. A
/// deployment uses a handful of `@context` lists, each with a few dozen
/// scoped contexts, so this is far above the working set.
const CAPACITY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Local {
    Scoped(u64),
    Inline(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    active: u64,
    local: Local,
    options: Options,
}

/// Context documents by URL (their `@context` values, parsed once) and the
/// processed-context cache. One per registry: a URL means what the registry
/// it was loaded from says.
#[derive(Debug)]
pub struct Cache {
    documents: HashMap<String, Arc<Value>>,
    root: Arc<ActiveContext>,
    /// Failures too: a document outside the subset costs one attempt per
    /// context chain, not one per document.
    processed: Bounded<Key, Result<Arc<ActiveContext>, ExpandError>>,
    misses: AtomicU64,
}

impl Cache {
    /// `documents`: URL → the `@context` value of the document at that URL.
    pub fn new(documents: HashMap<String, Arc<Value>>) -> Self {
        Self {
            documents,
            root: Arc::new(ActiveContext::empty()),
            processed: Bounded::new(CAPACITY),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn root(&self) -> Arc<ActiveContext> {
        Arc::clone(&self.root)
    }

    pub(crate) fn remote(&self, url: &str) -> Result<Arc<Value>, ExpandError> {
        self.documents
            .get(url)
            .cloned()
            .ok_or_else(|| ExpandError::UnknownContext(url.to_owned()))
    }

    /// A scoped context applied to `active` (§5.1.2 steps 4.1, 8 and 11).
    pub(crate) fn scoped(
        &self,
        active: &Arc<ActiveContext>,
        scoped: &Scoped,
        override_protected: bool,
        propagate: bool,
    ) -> Result<Arc<ActiveContext>, ExpandError> {
        let options = Options {
            override_protected,
            propagate,
        };
        self.apply(active, Local::Scoped(scoped.id), &scoped.value, options)
    }

    /// A document's own `@context` applied to `active` (§5.1.2 step 9).
    pub(crate) fn inline(
        &self,
        active: &Arc<ActiveContext>,
        local: &Value,
    ) -> Result<Arc<ActiveContext>, ExpandError> {
        let options = Options {
            override_protected: false,
            propagate: true,
        };
        self.apply(active, Local::Inline(local.to_string()), local, options)
    }

    fn apply(
        &self,
        active: &Arc<ActiveContext>,
        local: Local,
        value: &Value,
        options: Options,
    ) -> Result<Arc<ActiveContext>, ExpandError> {
        let key = Key {
            active: active.id,
            local,
            options,
        };
        if let Some(hit) = self.processed.get(&key) {
            return hit;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let processed = process(self, active, value, options, &mut Vec::new(), true);
        self.processed.put(key, processed.clone());
        processed
    }

    /// Context-processing runs so far (cache misses), for tests of cold and
    /// warm runs.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}
