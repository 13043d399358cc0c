//! The `relatedResource` part of the schema check (VC Data Model 2.0 §5.3): a digest of a
//! resource we hold that does not match fails the check; resources we do not hold are not
//! fetched, and the detail says their digests were not checked (that alone does not make a
//! credential unverified: they are for whoever retrieves the resource).

use super::{Check, CheckKind, Status, check};
use crate::service::Context;
use crate::service::related::{HeldRows, Outcome, compare};
use serde_json::Value;

pub async fn with_related(
    ctx: &Context,
    credential: &Value,
    schema: Check,
    rows: &mut HeldRows,
) -> Check {
    if schema.status != Status::Passed {
        return schema;
    }
    let outcomes = compare(ctx, credential, rows).await;
    let mut unchecked = Vec::new();
    let mut matched = 0;
    for outcome in outcomes {
        match outcome {
            Outcome::Mismatch(url) => {
                return check(
                    CheckKind::Schema,
                    Status::Failed,
                    format!("the digest of relatedResource `{url}` does not match the resource"),
                );
            }
            Outcome::NotHeld(url) => unchecked.push(url),
            Outcome::Matches(_) => matched += 1,
        }
    }
    let mut detail = schema.detail;
    if matched > 0 {
        detail.push_str(&format!("; {matched} relatedResource digest(s) match"));
    }
    if !unchecked.is_empty() {
        detail.push_str(&format!(
            "; could not check the digest of relatedResource {} (not held here, not fetched)",
            unchecked.join(", ")
        ));
    }
    check(CheckKind::Schema, Status::Passed, detail)
}
