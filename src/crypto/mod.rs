//! Issuer keys. A private key lives in one place ([`IssuerKey`]), is usable only through
//! `sign()`, never prints (its `Debug` shows the key id), and is zeroized on drop by
//! ed25519-dalek's `zeroize` support.

mod key;
mod keyring;

pub use key::{IssuerKey, KeyError};
pub use keyring::{KeyRecord, Keyring};
