//! The one word a person reads first on the verification page, derived from the checks.

use super::{Status, Verdict};

/// What a person should read first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    Valid,
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

impl Verdict {
    pub fn headline(&self) -> Headline {
        let is = |name: &str, s: Status| self.status_of(name) == Some(s);
        if self.verified {
            Headline::Valid
        } else if is("proof", Status::Failed) {
            Headline::Invalid
        } else if is("revocation", Status::Failed) {
            Headline::Revoked
        } else if is("suspension", Status::Failed) {
            Headline::Suspended
        } else if self.checks.iter().any(|c| {
            c.check == "validity" && c.status == Status::Failed && c.detail.starts_with("expired")
        }) {
            Headline::Expired
        } else if self.checks.iter().any(|c| c.status == Status::Unknown) {
            Headline::CannotVerify
        } else {
            Headline::Invalid
        }
    }
}
