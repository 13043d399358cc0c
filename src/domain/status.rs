//! Credential status rules: the states a credential can be in, the admin actions between them,
//! and the bitstring that publishes them (W3C Bitstring Status List v1.0 §2.1: index 0 is the
//! left-most bit, i.e. the most significant bit of the first byte).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusPurpose {
    Revocation,
    Suspension,
}

impl StatusPurpose {
    pub const ALL: [StatusPurpose; 2] = [StatusPurpose::Revocation, StatusPurpose::Suspension];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "revocation" => Some(Self::Revocation),
            "suspension" => Some(Self::Suspension),
            _ => None,
        }
    }
}

impl fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a credential is in its life. Revocation is final; suspension can be lifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialState {
    Active,
    Suspended,
    Revoked,
}

impl CredentialState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }

    /// The bit this state sets in the list of the given purpose.
    pub fn bit(self, purpose: StatusPurpose) -> bool {
        matches!(
            (self, purpose),
            (Self::Revoked, StatusPurpose::Revocation)
                | (Self::Suspended, StatusPurpose::Suspension)
        )
    }

    /// Applies an admin action. Repeating an action is harmless (`Unchanged`); the only refusal
    /// is reinstating (or suspending) what was revoked.
    pub fn apply(self, action: StatusAction) -> Result<Transition, ActionRefused> {
        use CredentialState::*;
        use StatusAction::*;
        match (self, action) {
            (Revoked, Revoke) => Ok(Transition::Unchanged(Revoked)),
            (Revoked, Suspend | Reinstate) => Err(ActionRefused::RevokedIsFinal),
            (_, Revoke) => Ok(Transition::Changed(Revoked)),
            (Suspended, Suspend) => Ok(Transition::Unchanged(Suspended)),
            (Active, Suspend) => Ok(Transition::Changed(Suspended)),
            (Suspended, Reinstate) => Ok(Transition::Changed(Active)),
            (Active, Reinstate) => Ok(Transition::Unchanged(Active)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusAction {
    Revoke,
    Suspend,
    Reinstate,
}

impl StatusAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Changed(CredentialState),
    Unchanged(CredentialState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActionRefused {
    #[error("the credential is revoked; revocation is final")]
    RevokedIsFinal,
}

/// A fixed-size bitstring; index 0 is the left-most bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// `bits` must be a multiple of 8.
    pub fn zeroed(bits: u32) -> Self {
        Self {
            bytes: vec![0; bits.div_ceil(8) as usize],
        }
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    pub fn len_bits(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    pub fn set(&mut self, index: u32, value: bool) {
        let (byte, mask) = Self::locate(index);
        if let Some(b) = self.bytes.get_mut(byte) {
            if value {
                *b |= mask;
            } else {
                *b &= !mask;
            }
        }
    }

    /// `None` when the index lies outside the list.
    pub fn get(&self, index: u64) -> Option<bool> {
        let byte = usize::try_from(index / 8).ok()?;
        let mask = 0x80u8 >> (index % 8);
        self.bytes.get(byte).map(|b| b & mask != 0)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn locate(index: u32) -> (usize, u8) {
        ((index / 8) as usize, 0x80u8 >> (index % 8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_zero_is_the_leftmost_bit() {
        let mut b = Bitstring::zeroed(16);
        b.set(0, true);
        b.set(9, true);
        assert_eq!(b.as_bytes(), &[0b1000_0000, 0b0100_0000]);
        assert_eq!(b.get(9), Some(true));
        assert_eq!(b.get(10), Some(false));
        assert_eq!(b.get(16), None);
    }

    #[test]
    fn revocation_is_final_and_repeats_are_harmless() {
        use CredentialState::*;
        use StatusAction::*;
        assert_eq!(Active.apply(Revoke), Ok(Transition::Changed(Revoked)));
        assert_eq!(Revoked.apply(Revoke), Ok(Transition::Unchanged(Revoked)));
        assert_eq!(Revoked.apply(Reinstate), Err(ActionRefused::RevokedIsFinal));
        assert_eq!(Suspended.apply(Reinstate), Ok(Transition::Changed(Active)));
        assert_eq!(Active.apply(Reinstate), Ok(Transition::Unchanged(Active)));
        assert_eq!(Suspended.apply(Revoke), Ok(Transition::Changed(Revoked)));
        assert!(Revoked.bit(StatusPurpose::Revocation) && !Revoked.bit(StatusPurpose::Suspension));
    }
}
