//! Revocation and suspension (W3C Bitstring Status List v1.0), in three rooms: random index
//! allocation for herd privacy (§5.1 "Herd privacy", [`allocate`]), admin state changes with
//! their audit entries ([`change`]), and the published list credentials — signed once per
//! change and served from cache (§2.2, §6.1 caching with `ttl`, [`publish`]). A list credential
//! is valid for `status_list_validity_seconds` only (VC DM 2.0 §4.9 `validUntil`), so a
//! superseded list replayed by someone stops passing soon.

mod allocate;
mod change;
mod publish;

pub use allocate::allocate;
pub use change::{ChangeOutcome, change};
pub use publish::{
    Publication, PublicationCache, parse_list_id, publication, publication_at, revision,
};
