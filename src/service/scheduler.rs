//! Expiry notices (issue 19): `credential.expiring` at each configured lead time before a
//! credential's `validUntil` (VC Data Model 2.0 §4.9 "Validity Period") and
//! `credential.expired` once it has passed, each once per credential; then webhook retention. Runs in every instance's
//! worker loop; "once" holds across instances because the notice is recorded (a primary key)
//! in the same transaction as its event, and a second recorder finds it taken.
//!
//! A credential found late (a clock jump, a new lead time) gets only the nearest notice that
//! still applies: one with five days left is told "7 days", not "90", "30" and "7" at once.
//!
//! The expiring windows are bounded by time (lead times ahead of now). The expired one is not:
//! its scan starts at a persisted mark, where the last completed scan ended, less a day of
//! overlap. So a credential that comes to exist already expired by more than that day (a VC
//! API caller's `validUntil` in the past) gets no `credential.expired` notice; one that expires
//! while the service is down gets it when the service is back.

use crate::domain::webhook::ExpiryNotice;
use crate::service::webhooks;
use crate::service::{Context, ServiceResult};
use crate::vc::credential::achievement_url;

const DAY: i64 = 86_400;
/// Credentials noticed per transaction.
const BATCH: i64 = 100;
/// How far behind its mark the scan for expired credentials starts again: a credential whose
/// transaction commits after a scan but whose `validUntil` fell before that scan's end (a
/// transaction in flight, an issuer clock a little behind) is still found.
const EXPIRED_SCAN_OVERLAP: i64 = DAY;

/// Queues the notices due at the service clock's now; returns how many.
pub async fn run_once(ctx: &Context) -> ServiceResult<usize> {
    let now = ctx.now().unix_timestamp();
    let mut leads = ctx.config.webhooks.expiry_lead_days.clone();
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.dedup();
    let mut sent = 0;
    for (i, lead) in leads.iter().enumerate() {
        let nearer = leads.get(i + 1).copied().unwrap_or(0);
        let window = (now + i64::from(nearer) * DAY, now + i64::from(*lead) * DAY);
        let notice = ExpiryNotice::Expiring { lead_days: *lead };
        sent += notify(ctx, now, notice, window).await?;
    }
    // Expired credentials only accumulate, so this scan starts where the last completed one
    // ended (less an overlap) instead of walking every credential that ever expired.
    let from = ctx
        .store
        .expired_scan_mark()
        .await?
        .map_or(0, |mark| mark - EXPIRED_SCAN_OVERLAP);
    sent += notify(ctx, now, ExpiryNotice::Expired, (from, now)).await?;
    ctx.store.advance_expired_scan_mark(now).await?;
    prune(ctx, now).await?;
    Ok(sent)
}

/// Webhook retention: settled deliveries and the events no delivery waits for go after
/// `webhook_retention_days`, so the outbox does not grow for ever; pending ones stay.
async fn prune(ctx: &Context, now: i64) -> ServiceResult<()> {
    let days = ctx.config.webhooks.retention_days;
    if days == 0 {
        return Ok(());
    }
    let pruned = ctx
        .store
        .prune_webhooks(now - i64::from(days) * DAY)
        .await?;
    if pruned.deliveries + pruned.events > 0 {
        tracing::info!(
            deliveries = pruned.deliveries,
            events = pruned.events,
            "webhook retention: deleted what is older than {days} days"
        );
    }
    Ok(())
}

async fn notify(
    ctx: &Context,
    now: i64,
    notice: ExpiryNotice,
    (from, to): (i64, i64),
) -> ServiceResult<usize> {
    let mut sent = 0;
    loop {
        let rows = ctx
            .store
            .credentials_due_notice(notice, from, to, BATCH)
            .await?;
        if rows.is_empty() {
            return Ok(sent);
        }
        let mut tx = ctx.store.begin().await?;
        for row in &rows {
            if !tx
                .record_expiry_notice(&row.credential_id, notice, now)
                .await?
            {
                continue;
            }
            let mut data = webhooks::credential_data(ctx.base_url(), row.into(), row.state, None);
            if let ExpiryNotice::Expiring { lead_days } = notice {
                data.lead_days = Some(lead_days);
            }
            // Where the program says how to recertify.
            data.recertification = row
                .achievement
                .as_ref()
                .map(|code| achievement_url(ctx.base_url(), code.as_str()));
            webhooks::enqueue(
                tx.as_mut(),
                now,
                notice.event_type(),
                webhooks::credential_key(&row.credential_id),
                &data,
            )
            .await?;
            sent += 1;
        }
        tx.commit().await?;
        if (rows.len() as i64) < BATCH {
            return Ok(sent);
        }
    }
}
