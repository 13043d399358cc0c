//! W3C wire formats: the VC Data Model 2.0 credential with Open Badges 3.0 terms, Data
//! Integrity proofs, `application/vc+jwt`, DID documents and Bitstring Status List credentials.
//! Everything is built from embedded contexts; nothing is fetched at run time.

pub mod baking;
pub mod check;
pub mod contexts;
pub mod credential;
pub mod did;
pub mod jsonld;
pub mod jwt;
pub mod multibase;
pub mod presentation;
pub mod proof;
pub mod rdfc;
pub mod related;
pub mod status_list;
