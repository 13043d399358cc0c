//! Identifier newtypes. Each is built only through `parse`/`TryFrom`, so a value of the type is
//! known to be well-formed wherever it travels.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {message}")]
pub struct IdError {
    pub what: &'static str,
    pub message: String,
}

fn err(what: &'static str, message: impl Into<String>) -> IdError {
    IdError {
        what,
        message: message.into(),
    }
}

/// A credential's public id: a random (v4) UUID, so ids are neither guessable nor sequential.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct CredentialId(Uuid);

impl CredentialId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// Accepts the hyphenated UUID form only (what we publish), case-insensitively.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.len() != 36 {
            return Err(err("credential id", "expected a UUID like 4f0c…-…"));
        }
        Uuid::try_parse(text)
            .map(Self)
            .map_err(|_| err("credential id", "expected a UUID like 4f0c…-…"))
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A short code a person can read aloud or type from paper: the first 8 hex digits of the
    /// UUID, grouped. It identifies the credential together with the holder's name; the QR code
    /// and URL carry the full id.
    pub fn human_code(&self) -> String {
        let hex = self.0.simple().to_string().to_uppercase();
        format!("{}-{}", &hex[0..4], &hex[4..8])
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A holder-bound copy of a credential given to a wallet (OID4VCI 1.0 §8): a random UUID,
/// written as the `urn:uuid:` URI that is the copy's `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalletCopyId(Uuid);

impl WalletCopyId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn parse(text: &str) -> Result<Self, IdError> {
        text.strip_prefix("urn:uuid:")
            .filter(|u| u.len() == 36)
            .and_then(|u| Uuid::try_parse(u).ok())
            .map(Self)
            .ok_or_else(|| err("wallet copy id", "expected urn:uuid:4f0c…-…"))
    }
}

impl fmt::Display for WalletCopyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "urn:uuid:{}", self.0.hyphenated())
    }
}

impl Serialize for WalletCopyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What every text id shows of itself: its text, and the same text when displayed.
macro_rules! text_id_common {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// `prefix` and a random UUID as 32 lower-case hex digits, the form of the webhook ids.
macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn random() -> Self {
                Self(format!(concat!($prefix, "{}"), Uuid::new_v4().simple()))
            }

            pub fn parse(text: &str) -> Result<Self, IdError> {
                let hex = text.strip_prefix($prefix).unwrap_or_default();
                if hex.len() != 32 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(err($what, concat!("expected ", $prefix, " and 32 hex digits")));
                }
                Ok(Self(text.to_owned()))
            }
        }

        text_id_common!($name);
    };
}

prefixed_id!(
    /// A webhook subscription.
    SubscriptionId, "whsub_", "subscription id"
);
prefixed_id!(
    /// A webhook event: its `webhook-id` header, the same on every retry and replay.
    EventId, "msg_", "event id"
);

/// Validates a printable identifier of bounded length drawn from a safe alphabet.
fn check_token(what: &'static str, text: &str, max: usize, extra: &[char]) -> Result<(), IdError> {
    if text.is_empty() || text.len() > max {
        return Err(err(what, format!("must be 1 to {max} characters")));
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    {
        return Err(err(
            what,
            format!("may contain only letters, digits and {extra:?}"),
        ));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr, $extra:expr, $lower:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, IdError> {
                check_token($what, text, $max, $extra)?;
                if $lower && text.chars().any(|c| c.is_ascii_uppercase()) {
                    return Err(err($what, "must be lower case"));
                }
                Ok(Self(text.to_owned()))
            }
        }

        text_id_common!($name);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// The exam platform's id for one exam attempt: the idempotency key of issuance.
    AttemptId, "attempt_id", 128, &['-', '_', '.', ':'], false
);
string_id!(
    /// A catalog code such as `mlops-professional`: lower-case slug.
    AchievementCode, "achievement code", 64, &['-'], true
);
string_id!(
    /// The exam platform's stable id for a person; lineage is checked against it.
    CandidateId, "candidate.id", 128, &['-', '_', '.', ':', '@'], false
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_ids_are_random_and_round_trip() {
        let a = CredentialId::random();
        let b = CredentialId::random();
        assert_ne!(a, b);
        assert_eq!(CredentialId::parse(&a.to_string()).unwrap(), a);
        assert!(CredentialId::parse("not-a-uuid").is_err());
        assert!(CredentialId::parse("4f0c").is_err());
        assert_eq!(a.human_code().len(), 9);
        let copy = WalletCopyId::random();
        assert!(copy.to_string().starts_with("urn:uuid:"));
        assert_eq!(WalletCopyId::parse(&copy.to_string()).unwrap(), copy);
        assert!(WalletCopyId::parse(&a.to_string()).is_err());
        let sub = SubscriptionId::random();
        assert_eq!(SubscriptionId::parse(sub.as_str()).unwrap(), sub);
        assert!(SubscriptionId::parse(&sub.as_str().to_uppercase()).is_err());
        assert!(SubscriptionId::parse("whsub_").is_err());
        let event = EventId::random();
        assert!(event.as_str().starts_with("msg_"));
        assert_eq!(EventId::parse(event.as_str()).unwrap(), event);
        assert!(EventId::parse(sub.as_str()).is_err());
    }

    #[test]
    fn codes_refuse_what_would_break_urls() {
        assert!(AchievementCode::parse("mlops-foundation").is_ok());
        assert!(AchievementCode::parse("MLOps").is_err());
        assert!(AchievementCode::parse("a/b").is_err());
        assert!(AchievementCode::parse("").is_err());
        assert!(AttemptId::parse("EXM-2026-000123").is_ok());
        assert!(AttemptId::parse("bad id").is_err());
        assert!(AttemptId::parse(&"x".repeat(129)).is_err());
    }
}
