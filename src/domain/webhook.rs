//! What a webhook subscription asks for (DESIGN.md "Integrations"; issue 19): the event types,
//! and the set of them one subscription wants. Names are those of the `type` field of the
//! Standard Webhooks payload (<https://www.standardwebhooks.com/>, "Payload structure").

use std::fmt;

/// The event types a subscription can ask for, and the test event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    CredentialIssued,
    CredentialRevoked,
    CredentialSuspended,
    CredentialReinstated,
    CredentialExpiring,
    CredentialExpired,
    CredentialRenewed,
    ExamResultHeld,
    ExamResultReleased,
    ExamResultCancelled,
    /// Sent by `attest webhooks test` to one subscription.
    WebhookTest,
}

impl EventType {
    /// Every type a subscription may name (the test event always reaches its target).
    pub const SUBSCRIBABLE: [EventType; 10] = [
        Self::CredentialIssued,
        Self::CredentialRevoked,
        Self::CredentialSuspended,
        Self::CredentialReinstated,
        Self::CredentialExpiring,
        Self::CredentialExpired,
        Self::CredentialRenewed,
        Self::ExamResultHeld,
        Self::ExamResultReleased,
        Self::ExamResultCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CredentialIssued => "credential.issued",
            Self::CredentialRevoked => "credential.revoked",
            Self::CredentialSuspended => "credential.suspended",
            Self::CredentialReinstated => "credential.reinstated",
            Self::CredentialExpiring => "credential.expiring",
            Self::CredentialExpired => "credential.expired",
            Self::CredentialRenewed => "credential.renewed",
            Self::ExamResultHeld => "exam_result.held",
            Self::ExamResultReleased => "exam_result.released",
            Self::ExamResultCancelled => "exam_result.cancelled",
            Self::WebhookTest => "webhook.test",
        }
    }

    /// A type a subscription may name; `webhook.test` is not one.
    pub fn parse(text: &str) -> Option<Self> {
        Self::SUBSCRIBABLE.into_iter().find(|t| t.as_str() == text)
    }

    /// Any type an event can have, the test event included (an event as written).
    pub fn parse_any(text: &str) -> Option<Self> {
        Self::parse(text).or((text == Self::WebhookTest.as_str()).then_some(Self::WebhookTest))
    }

    /// The event an admin state change produces.
    pub fn for_action(action: crate::domain::status::StatusAction) -> Self {
        use crate::domain::status::StatusAction;
        match action {
            StatusAction::Revoke => Self::CredentialRevoked,
            StatusAction::Suspend => Self::CredentialSuspended,
            StatusAction::Reinstate => Self::CredentialReinstated,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A notice about the end of a credential's validity period (VC Data Model 2.0 §4.9), each
/// sent at most once per credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryNotice {
    /// `credential.expiring`, this many days ahead.
    Expiring { lead_days: u32 },
    /// `credential.expired`.
    Expired,
}

impl ExpiryNotice {
    pub fn event_type(self) -> EventType {
        match self {
            Self::Expiring { .. } => EventType::CredentialExpiring,
            Self::Expired => EventType::CredentialExpired,
        }
    }
}

/// The event types one subscription wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSet {
    /// Every type, present and future (`*`).
    All,
    /// These, in the order first named, without repeats.
    Only(Vec<EventType>),
}

impl EventSet {
    /// From the names an admin gives: none, or `*` among them, is every type. `Err` carries
    /// the first name that is not a subscribable type, as given.
    pub fn from_names(names: &[String]) -> Result<Self, &str> {
        if names.is_empty() || names.iter().any(|e| e == "*") {
            return Ok(Self::All);
        }
        let mut kinds = Vec::new();
        for name in names {
            let kind = EventType::parse(name.trim()).ok_or(name.as_str())?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(Self::Only(kinds))
    }

    /// As listed: `["*"]`, or the type names.
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Self::All => vec!["*"],
            Self::Only(kinds) => kinds.iter().map(|k| k.as_str()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_every_type_or_the_named_ones_once() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(EventSet::from_names(&[]), Ok(EventSet::All));
        assert_eq!(
            EventSet::from_names(&names(&["credential.issued", "*"])),
            Ok(EventSet::All)
        );
        let set = EventSet::from_names(&names(&[
            " exam_result.held",
            "credential.issued",
            "exam_result.held",
        ]))
        .unwrap();
        assert_eq!(set.names(), ["exam_result.held", "credential.issued"]);
        assert_eq!(
            EventSet::from_names(&names(&["credential.issued", "webhook.test"])),
            Err("webhook.test")
        );
        assert_eq!(
            EventType::parse_any("webhook.test"),
            Some(EventType::WebhookTest)
        );
        assert_eq!(EventType::parse_any("credential.nope"), None);
    }
}
