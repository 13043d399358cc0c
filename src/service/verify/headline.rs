//! The one word a person reads first on the verification page, derived from the checks.
//! VALID needs more than the API's `verified`: the issuer must be this service or a trusted
//! issuer, since anyone can make a valid signature with a key of their own.

use super::{CheckKind, Status, Verdict};

/// What a person should read first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    Valid,
    /// A sound signature by a key this service does not know: a forgery, as far as a person
    /// relying on this service can tell.
    UnknownIssuer,
    Revoked,
    Suspended,
    Expired,
    CannotVerify,
    Invalid,
}

impl Headline {
    pub fn text(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::UnknownIssuer => "SIGNED BY AN UNKNOWN ISSUER",
            Self::Revoked => "REVOKED",
            Self::Suspended => "SUSPENDED",
            Self::Expired => "EXPIRED",
            Self::CannotVerify => "CANNOT VERIFY",
            Self::Invalid => "NOT VALID",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Self::Valid => {
                "The signature is the issuer's, the credential is current, and it has not been revoked or suspended."
            }
            Self::UnknownIssuer => {
                "The signature is intact, but it was made by a key that belongs neither to this issuer nor to an issuer it trusts. Anyone can make such a signature: do not rely on this credential."
            }
            Self::Revoked => "The issuer has withdrawn this credential. It must not be relied on.",
            Self::Suspended => "The issuer has suspended this credential for now.",
            Self::Expired => "This credential was genuine but its validity period has ended.",
            Self::CannotVerify => {
                "Some checks could not be completed, so this credential cannot be confirmed as valid right now."
            }
            Self::Invalid => {
                "This credential failed verification: it may have been altered or was not issued by a trusted issuer."
            }
        }
    }
}

impl Headline {
    /// The headline as shown, naming this service where the credential is not its own.
    pub fn title(self, our_name: &str) -> String {
        match self {
            Self::UnknownIssuer => format!("{} — not issued by {our_name}", self.text()),
            other => other.text().to_owned(),
        }
    }
}

impl Verdict {
    pub fn headline(&self) -> Headline {
        let is = |kind: CheckKind, s: Status| self.status_of(kind) == Some(s);
        if is(CheckKind::Proof, Status::Failed) {
            Headline::Invalid
        } else if !is(CheckKind::Issuer, Status::Passed) {
            // Before revoked or expired: those would suggest the issuer once vouched for it.
            Headline::UnknownIssuer
        } else if self.verified {
            Headline::Valid
        } else if is(CheckKind::Revocation, Status::Failed) {
            Headline::Revoked
        } else if is(CheckKind::Suspension, Status::Failed) {
            Headline::Suspended
        } else if self.checks.iter().any(|c| c.expired) {
            Headline::Expired
        } else if self.checks.iter().any(|c| c.status == Status::Unknown) {
            Headline::CannotVerify
        } else {
            Headline::Invalid
        }
    }
}
