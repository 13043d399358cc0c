//! Rows decoded into [`super::rows`], once for both engines: the engine macros only run the
//! SQL and hand each result row here. Text that names a state, outcome or role, and ids, are
//! parsed into the domain's types; a value the schema's CHECKs would refuse is
//! `StoreError::Corrupt`, so no caller compares strings.

use super::{
    AttemptRow, AuditDetail, AuditHead, AuditRow, CredentialRow, IssuedJson, KeyIntent, ListBit,
    PublicationRow, StoreError, StoreResult, TokenRow,
};
use crate::crypto::KeyRecord;
use crate::domain::attempt::AttemptOutcome;
use crate::domain::ids::{AchievementCode, AttemptId, CandidateId, CredentialId, IdError};
use crate::domain::role::Role;
use crate::domain::status::CredentialState;
use time::OffsetDateTime;

/// The four column shapes the schema uses, read by name from either engine's row.
pub trait Columns {
    fn text(&self, name: &str) -> StoreResult<String>;
    fn opt_text(&self, name: &str) -> StoreResult<Option<String>>;
    fn int(&self, name: &str) -> StoreResult<i64>;
    fn opt_int(&self, name: &str) -> StoreResult<Option<i64>>;
}

impl<R> Columns for R
where
    R: sqlx::Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn text(&self, name: &str) -> StoreResult<String> {
        Ok(self.try_get(name)?)
    }
    fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(self.try_get(name)?)
    }
    fn int(&self, name: &str) -> StoreResult<i64> {
        Ok(self.try_get(name)?)
    }
    fn opt_int(&self, name: &str) -> StoreResult<Option<i64>> {
        Ok(self.try_get(name)?)
    }
}

pub(super) fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{column}: unexpected value `{value}`"))
}

fn id<T>(parsed: Result<T, IdError>) -> StoreResult<T> {
    parsed.map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn credential_id(text: &str) -> StoreResult<CredentialId> {
    CredentialId::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn state(text: &str) -> StoreResult<CredentialState> {
    CredentialState::parse(text).ok_or_else(|| corrupt("state", text))
}

pub fn outcome(text: &str) -> StoreResult<AttemptOutcome> {
    AttemptOutcome::parse(text).ok_or_else(|| corrupt("outcome", text))
}

pub fn role(text: &str) -> StoreResult<Role> {
    Role::parse(text).ok_or_else(|| corrupt("role", text))
}

pub fn credential_row(row: &impl Columns) -> StoreResult<CredentialRow> {
    Ok(CredentialRow {
        credential_id: credential_id(&row.text("credential_id")?)?,
        attempt_id: row
            .opt_text("attempt_id")?
            .map(|t| id(AttemptId::parse(&t)))
            .transpose()?,
        candidate_id: row
            .opt_text("candidate_id")?
            .map(|t| id(CandidateId::parse(&t)))
            .transpose()?,
        achievement: row
            .opt_text("achievement")?
            .map(|t| id(AchievementCode::parse(&t)))
            .transpose()?,
        holder_name: row.text("holder_name")?,
        issued_at: row.int("issued_at")?,
        valid_until: row.opt_int("valid_until")?,
        list_number: row.int("list_number")?,
        list_index: row.int("list_index")?,
        key_id: row.text("key_id")?,
        state: state(&row.text("state")?)?,
        state_reason: row.opt_text("state_reason")?,
        state_changed_at: row.opt_int("state_changed_at")?,
        json: row.text("json")?,
        jwt: row.text("jwt")?,
    })
}

pub fn key_record(row: &impl Columns) -> StoreResult<KeyRecord> {
    let public = row.text("public_key")?;
    let time = |t: i64| {
        OffsetDateTime::from_unix_timestamp(t).map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    Ok(KeyRecord {
        key_id: row.text("key_id")?,
        public_key: crate::vc::multibase::parse_ed25519_multikey(&public)
            .ok_or_else(|| StoreError::Corrupt("signing_keys.public_key".into()))?,
        created_at: time(row.int("created_at")?)?,
        retired_at: row.opt_int("retired_at")?.map(time).transpose()?,
    })
}

pub fn attempt_row(row: &impl Columns) -> StoreResult<AttemptRow> {
    Ok(AttemptRow {
        attempt_id: id(AttemptId::parse(&row.text("attempt_id")?))?,
        body_hash: row.text("body_hash")?,
        candidate_id: id(CandidateId::parse(&row.text("candidate_id")?))?,
        achievement: id(AchievementCode::parse(&row.text("achievement")?))?,
        outcome: outcome(&row.text("outcome")?)?,
        credential_id: row
            .opt_text("credential_id")?
            .map(|id| credential_id(&id))
            .transpose()?,
        body: row.text("body")?,
        received_at: row.int("received_at")?,
        detail: row.opt_text("detail")?,
        candidate_email: row.opt_text("candidate_email")?,
    })
}

pub fn token_row(row: &impl Columns) -> StoreResult<TokenRow> {
    Ok(TokenRow {
        token_id: row.text("token_id")?,
        name: row.text("name")?,
        role: role(&row.text("role")?)?,
        secret_hash: row.text("secret_hash")?,
        created_at: row.int("created_at")?,
        revoked_at: row.opt_int("revoked_at")?,
    })
}

pub fn audit_row(row: &impl Columns) -> StoreResult<AuditRow> {
    Ok(AuditRow {
        seq: row.int("seq")?,
        at: row.int("at")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        credential_id: row.opt_text("credential_id")?,
        reason: row.opt_text("reason")?,
        detail: AuditDetail::stored(row.text("detail")?),
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

pub fn issued_json(row: &impl Columns) -> StoreResult<IssuedJson> {
    Ok(IssuedJson {
        json: row.text("json")?,
        list_number: row.int("list_number")?,
        list_revision: row.int("revision")?,
    })
}

pub fn audit_head(row: &impl Columns) -> StoreResult<AuditHead> {
    Ok(AuditHead {
        seq: row.int("seq")?,
        hash: row.text("hash")?,
    })
}

pub fn publication_row(row: &impl Columns) -> StoreResult<PublicationRow> {
    Ok(PublicationRow {
        list_id: row.text("list_id")?,
        revision: row.int("revision")?,
        etag: row.text("etag")?,
        json: row.text("json")?,
        jwt: row.text("jwt")?,
        published_at: row.int("published_at")?,
        valid_until: row.int("valid_until")?,
    })
}

pub fn list_bit(row: &impl Columns) -> StoreResult<ListBit> {
    Ok(ListBit {
        index: row.int("list_index")?,
        state: state(&row.text("state")?)?,
    })
}

pub fn key_intent(row: &impl Columns) -> StoreResult<KeyIntent> {
    Ok(KeyIntent {
        token: row.text("token")?,
        started_at: row.int("started_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A result row as a map of column name to text or integer.
    struct Fake(HashMap<&'static str, Result<String, i64>>);

    impl Columns for Fake {
        fn text(&self, name: &str) -> StoreResult<String> {
            self.opt_text(name)?
                .ok_or_else(|| StoreError::Corrupt(format!("{name} is NULL")))
        }
        fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
            Ok(self.0.get(name).and_then(|v| v.clone().ok()))
        }
        fn int(&self, name: &str) -> StoreResult<i64> {
            self.opt_int(name)?
                .ok_or_else(|| StoreError::Corrupt(format!("{name} is NULL")))
        }
        fn opt_int(&self, name: &str) -> StoreResult<Option<i64>> {
            Ok(self.0.get(name).and_then(|v| v.clone().err()))
        }
    }

    fn audit(credential_id: &str, detail: &str) -> Fake {
        let text = |t: &str| Ok(t.to_owned());
        Fake(HashMap::from([
            ("seq", Err(1)),
            ("at", Err(1_700_000_000)),
            ("actor", text("cli")),
            ("action", text("credential.revoke")),
            ("credential_id", text(credential_id)),
            ("detail", text(detail)),
            ("prev_hash", text("0")),
            ("hash", text("1")),
        ]))
    }

    #[test]
    fn audit_rows_keep_the_stored_text_the_chain_hashes() {
        let id = "4f0c8a2e-1b3d-4c5e-8f70-9a1b2c3d4e5f";
        let row = audit_row(&audit(id, r#"{ "b": 1,  "a": [2] }"#)).unwrap();
        assert_eq!(row.detail.as_str(), r#"{ "b": 1,  "a": [2] }"#);
        assert_eq!(row.detail.value()["a"][0], 2);
        assert_eq!(row.credential_id.as_deref(), Some(id));
        // An entry edited outside the service still decodes, as stored, so that the chain
        // check reports it at its place instead of failing.
        let edited = audit_row(&audit("c-1", "{not json")).unwrap();
        assert_eq!(edited.detail.as_str(), "{not json");
        assert_eq!(edited.detail.value(), "{not json");
        assert_eq!(edited.credential_id.as_deref(), Some("c-1"));
    }

    #[test]
    fn unknown_column_values_are_corruption_not_strings() {
        assert!(matches!(state("archived"), Err(StoreError::Corrupt(_))));
        assert!(matches!(outcome("maybe"), Err(StoreError::Corrupt(_))));
        assert!(matches!(role("root"), Err(StoreError::Corrupt(_))));
        assert_eq!(state("revoked").ok(), Some(CredentialState::Revoked));
        assert_eq!(
            outcome("below_pass_mark").ok(),
            Some(AttemptOutcome::BelowPassMark)
        );
    }
}
