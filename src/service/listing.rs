//! Reading issued credentials: one by id (served as issued, and the QR page), and pages of them,
//! newest first, for admins (`GET /api/v1/credentials`) and the CLI (`attest render --all`).
//! Keyset pagination on `(issued_at, credential_id)`: a batch of
//! 1,000 shares one `issued_at`, so a cursor of the time alone would skip or repeat
//! credentials at a page boundary inside that second.

use super::{Context, ServiceError, ServiceResult};
use crate::domain::ids::CredentialId;
use crate::domain::status::CredentialState;
use crate::problem::ProblemCode;
use crate::store::{CredentialQuery, CredentialRow};
use std::fmt;

/// Where the next page starts: just after this credential, in newest-first order.
/// Written `"{issued_at}:{credential_id}"`; clients pass it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    issued_at: i64,
    id: CredentialId,
}

impl Cursor {
    pub fn parse(text: &str) -> ServiceResult<Self> {
        let bad = || {
            ServiceError::invalid(
                ProblemCode::InvalidCursor,
                "`cursor` must be the `next_cursor` of a previous page",
            )
        };
        let (at, id) = text.split_once(':').ok_or_else(bad)?;
        Ok(Self {
            issued_at: at.parse().map_err(|_| bad())?,
            id: CredentialId::parse(id).map_err(|_| bad())?,
        })
    }

    fn after(row: &CredentialRow) -> Self {
        Self {
            issued_at: row.issued_at,
            id: row.credential_id,
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.issued_at, self.id)
    }
}

/// What to list; `before` (Unix seconds) keeps only credentials issued strictly earlier.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub candidate_id: Option<String>,
    pub achievement: Option<String>,
    pub state: Option<CredentialState>,
    pub before: Option<i64>,
}

pub struct Page {
    pub rows: Vec<CredentialRow>,
    /// `None` on the last page.
    pub next: Option<Cursor>,
}

/// The credential as stored, or `not_found`.
pub async fn get(ctx: &Context, id: &CredentialId) -> ServiceResult<CredentialRow> {
    ctx.store
        .credential(id)
        .await?
        .ok_or_else(|| ServiceError::not_found("credential"))
}

pub async fn page(
    ctx: &Context,
    filter: Filter,
    cursor: Option<&Cursor>,
    limit: i64,
) -> ServiceResult<Page> {
    // The cursor lies within `before` whenever it came from a page of the same filter.
    let (before, before_id) = match cursor {
        Some(c) => (Some(c.issued_at), Some(c.id.to_string())),
        None => (filter.before, None),
    };
    let rows = ctx
        .store
        .credentials_page(&CredentialQuery {
            candidate_id: filter.candidate_id,
            achievement: filter.achievement,
            state: filter.state,
            before,
            before_id,
            limit,
        })
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(Cursor::after))
        .flatten();
    Ok(Page { rows, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_writes_and_nothing_else() {
        let c = Cursor {
            issued_at: 1_795_186_800,
            id: CredentialId::random(),
        };
        assert_eq!(Cursor::parse(&c.to_string()).unwrap(), c);
        for bad in ["", "1795186800", "x:y", "1795186800:not-a-uuid", ":"] {
            let e = Cursor::parse(bad).unwrap_err();
            assert_eq!(e.code, ProblemCode::InvalidCursor, "{bad}");
        }
    }
}
