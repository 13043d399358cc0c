//! Status list index allocation (W3C Bitstring Status List v1.0 §5.1 "Herd privacy"): each
//! credential takes a random free index, so its position tells nothing about when it was issued.

use crate::service::{Context, ServiceError, ServiceResult};
use crate::store::Tx;
use crate::vc::credential::StatusRef;
use rand::Rng;
use std::collections::HashSet;
use time::OffsetDateTime;

/// Rounds of random draws before falling back to listing what is taken (a nearly full list).
const RANDOM_PROBES: usize = 4;
/// Draws asked about in one query; the free ones left over serve the rest of a batch.
const DRAWS_PER_PROBE: usize = 32;

/// Picks a free index at random in the current list (opening a new list when it is full).
/// The credential row that takes it is inserted in the same transaction, and the
/// `(list_number, list_index)` unique constraint makes reuse impossible even across instances.
pub async fn allocate(
    ctx: &Context,
    tx: &mut dyn Tx,
    now: OffsetDateTime,
) -> ServiceResult<StatusRef> {
    let size = ctx.config.status_list_size;
    let list_number = tx
        .open_status_list(size, now.unix_timestamp())
        .await?
        .list_number;
    for _ in 0..RANDOM_PROBES {
        let draws: Vec<i64> = {
            let mut rng = rand::thread_rng();
            (0..DRAWS_PER_PROBE)
                .map(|_| i64::from(rng.gen_range(0..size)))
                .collect()
        };
        if let Some(index) = tx.free_index(list_number, &draws).await? {
            let index = u32::try_from(index)
                .map_err(|_| ServiceError::internal("status index out of range"))?;
            return Ok(StatusRef { list_number, index });
        }
    }
    // The list is nearly full: choose uniformly among what is left.
    let taken: HashSet<i64> = tx.taken_indexes(list_number).await?.into_iter().collect();
    let free: Vec<u32> = (0..size)
        .filter(|i| !taken.contains(&i64::from(*i)))
        .collect();
    let index = free
        .get(rand::thread_rng().gen_range(0..free.len().max(1)))
        .copied()
        .ok_or_else(|| ServiceError::internal("status list reported room but has none"))?;
    Ok(StatusRef { list_number, index })
}
