//! RDF canonicalization for Data Integrity proofs: the `eddsa-rdfc-2022`
//! cryptosuite of W3C Data Integrity EdDSA Cryptosuites v1.0 (§3.2), built on
//! JSON-LD 1.1 → RDF (JSON-LD 1.1 Processing Algorithms and API, "Deserialize
//! JSON-LD to RDF") and RDF Dataset Canonicalization RDFC-1.0.
//!
//! Pipeline, and where each step lives:
//! 1. [`ContextLoader`] — contexts come only from an embedded registry; no
//!    network access, unknown URLs are errors.
//! 2. [`check_safe`] — safe mode: refuse documents from which JSON-LD would
//!    silently drop data (undefined terms, relative IRIs, ...), since dropped
//!    data is not covered by the signature. Inside the fast path's subset the
//!    verdict comes from the same conversion as the canonical input (`onepass`).
//! 3. [`canonicalize`] / [`canonicalize_unchecked`] — toRdf (oxjsonld) and
//!    RDFC-1.0 ([`canonicalize_quads`], ours, bounded by
//!    [`canonicalization_limit`] against poison graphs) into the canonical
//!    N-Quads string that is hashed. oxrdf's RDFC-1.0 ([`canonical_nquads`])
//!    is kept as the oracle of the differential tests.
//! 4. [`rdfc_hash_data`] — eddsa-rdfc-2022 transformation, proof
//!    configuration and hashing: the 64 bytes an Ed25519 key signs.
//! 5. Proof sets and chains (VC Data Integrity §4.5) are handled for every
//!    cryptosuite by `vc::proof::verify_proofs`.
//!
//! Signing and signature verification are left to the caller's key store.
//!
//! Known issues in the inputs this module depends on (details in the docs of
//! the modules named):
//! * oxjsonld 0.2.7 applies only the last of several type-scoped contexts on
//!   one node (W3C employment vector); `typefix` rewrites such nodes into a
//!   spec-equivalent form it handles, and refuses three or more.
//! * An early revision of the OB `context-3.0.3.json` redefined the protected
//!   term `image` in its `AchievementSubject`/`Profile` scoped contexts, which
//!   every JSON-LD 1.1 processor rejects; we embed the corrected revision
//!   published at the same URL (see `assets/contexts/SOURCES.md`).
//!
//! Test data: `tests/rdfc_*.rs` compare against jsonld.js 9 + rdf-canonize 5
//! output stored under `tests/fixtures/rdfc/` and the W3C vectors.

mod canon;
mod eddsa;
mod error;
mod inline;
mod loader;
mod nquads;
mod onepass;
mod rdfc10;
mod safe;
mod seen;
mod tordf;
mod typefix;

pub use canon::{canonicalize, canonicalize_unchecked, to_dataset, to_rdf};
pub use eddsa::{
    CRYPTOSUITE, CanonicalForms, PROOF_TYPE, decode_multibase, encode_multibase, hash,
    proof_configuration, rdfc_canonical_forms, rdfc_hash_data, transform,
};
pub use error::{CanonError, DropKind, DroppedTerm, DroppedTerms, LIMIT_MESSAGE};
pub use loader::{
    CITIZENSHIP_V4RC1, CREDENTIALS_EXAMPLES_V2, CREDENTIALS_V2, ContextLoader, DATA_INTEGRITY_V2,
    Engine, MULTIKEY_V1, OB_V3P0_3_0_3, UNDEFINED_TERMS_V2,
};
pub use nquads::canonical_nquads;
pub use rdfc10::{
    DEFAULT_CANONICALIZATION_LIMIT, canonicalization_limit, canonicalize_quads,
    canonicalize_quads_within, set_canonicalization_limit, with_canonicalization_limit,
};
pub use safe::check_safe;
pub use seen::{rdfc_hash_data_cached, rdfc_hash_data_issued};
