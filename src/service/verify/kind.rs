//! The checks a verdict reports (VC API "Verify Credential" `checks`), as a closed set: the
//! same names answer on the wire, select checks in `options.checks` and decide the headline.

use crate::domain::status::StatusPurpose;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = CheckName)]
pub enum CheckKind {
    Proof,
    Issuer,
    Validity,
    Revocation,
    Suspension,
    Schema,
    Lineage,
}

impl CheckKind {
    /// In the order a verdict lists them.
    pub const ALL: [Self; 7] = [
        Self::Proof,
        Self::Issuer,
        Self::Validity,
        Self::Revocation,
        Self::Suspension,
        Self::Schema,
        Self::Lineage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proof => "proof",
            Self::Issuer => "issuer",
            Self::Validity => "validity",
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
            Self::Schema => "schema",
            Self::Lineage => "lineage",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The check that reads a status list of this purpose.
    pub fn of_status(purpose: StatusPurpose) -> Self {
        match purpose {
            StatusPurpose::Revocation => Self::Revocation,
            StatusPurpose::Suspension => Self::Suspension,
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_wire() {
        for kind in CheckKind::ALL {
            assert_eq!(CheckKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.as_str())
            );
        }
        assert_eq!(CheckKind::parse("Proof"), None);
        for purpose in StatusPurpose::ALL {
            assert_eq!(CheckKind::of_status(purpose).as_str(), purpose.as_str());
        }
    }
}
