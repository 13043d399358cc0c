//! The closed set of machine codes a problem carries (RFC 9457 §3.2 extension member `code`,
//! also the `type` suffix `urn:attest:problem:<code>`). One enum so the API, the CLI and the
//! code that branches on a failure (retry on `conflict`, wait on `rotation_in_progress`) agree
//! by construction: a typo is a compile error, not a silently different code on the wire.

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! problem_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// A stable machine code; the wire spelling is [`ProblemCode::as_str`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $($variant,)*
        }

        impl ProblemCode {
            /// Every code, for documentation and tests.
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

// Adding a code: one line here (kept sorted), then use the variant where it is produced.
problem_codes! {
    AttemptCancelled => "attempt_cancelled",
    AttemptConflict => "attempt_conflict",
    AttemptErased => "attempt_erased",
    BelowPassMark => "below_pass_mark",
    BakedCredentialTooLarge => "baked_credential_too_large",
    Busy => "busy",
    CanonicalizationLimit => "canonicalization_limit",
    CannotSign => "cannot_sign",
    Conflict => "conflict",
    CredentialIdTaken => "credential_id_taken",
    DatabaseUnavailable => "database_unavailable",
    DuplicateKey => "duplicate_key",
    EmptyBody => "empty_body",
    Forbidden => "forbidden",
    InternalError => "internal_error",
    InvalidBatch => "invalid_batch",
    InvalidCredential => "invalid_credential",
    InvalidCursor => "invalid_cursor",
    InvalidExamResult => "invalid_exam_result",
    InvalidForm => "invalid_form",
    InvalidId => "invalid_id",
    InvalidJwt => "invalid_jwt",
    InvalidName => "invalid_name",
    InvalidPath => "invalid_path",
    InvalidPresentation => "invalid_presentation",
    InvalidQuery => "invalid_query",
    InvalidReason => "invalid_reason",
    InvalidRequest => "invalid_request",
    InvalidUrl => "invalid_url",
    InvalidUtf8 => "invalid_utf8",
    IssuerMismatch => "issuer_mismatch",
    KeyFilesNotContiguous => "key_files_not_contiguous",
    KeysExist => "keys_exist",
    InvalidImage => "invalid_image",
    MalformedJson => "malformed_json",
    MethodNotAllowed => "method_not_allowed",
    NoBakedCredential => "no_baked_credential",
    NotFound => "not_found",
    NotOfferable => "not_offerable",
    NotPending => "not_pending",
    NotReady => "not_ready",
    PayloadTooLarge => "payload_too_large",
    PrerequisitesMissing => "prerequisites_missing",
    RateLimited => "rate_limited",
    RelatedResourceDigestMismatch => "related_resource_digest_mismatch",
    RevokedIsFinal => "revoked_is_final",
    RotationInProgress => "rotation_in_progress",
    SchemaViolation => "schema_violation",
    ScoreScaleMismatch => "score_scale_mismatch",
    StatusAssignedByIssuer => "status_assigned_by_issuer",
    StorageUnavailable => "storage_unavailable",
    Timeout => "timeout",
    TokenNameTaken => "token_name_taken",
    TooDeep => "too_deep",
    Unauthenticated => "unauthenticated",
    UndefinedTerm => "undefined_term",
    UnknownAchievement => "unknown_achievement",
    UnknownContext => "unknown_context",
    UnknownEventType => "unknown_event_type",
    UnknownExamVersion => "unknown_exam_version",
    UnknownKeyFiles => "unknown_key_files",
    UnsupportedCryptosuite => "unsupported_cryptosuite",
    UnsupportedMediaType => "unsupported_media_type",
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProblemCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{s} is not snake_case"
            );
        }
    }
}
