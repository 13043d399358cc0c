//! What became of one submitted exam attempt (the idempotency record of issuance, DESIGN
//! "exam results"): the closed set the `exam_attempts.outcome` column allows.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// A credential was issued for it.
    Issued,
    /// Scored below the achievement's pass mark: recorded, nothing issued.
    BelowPassMark,
    /// Passed, waiting for a prerequisite credential.
    Pending,
    /// A pending attempt an operator (or an erasure) called off.
    Cancelled,
}

impl AttemptOutcome {
    pub const ALL: [Self; 4] = [
        Self::Issued,
        Self::BelowPassMark,
        Self::Pending,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::BelowPassMark => "below_pass_mark",
            Self::Pending => "pending",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_their_column_text() {
        for outcome in AttemptOutcome::ALL {
            assert_eq!(AttemptOutcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(AttemptOutcome::parse("Issued"), None);
    }
}
