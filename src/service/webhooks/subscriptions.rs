//! Subscriptions, managed by admins (API and `attest webhooks add|list|remove|test|replay`):
//! a URL, the event types it wants, and a secret that is shown once, when it is added.

use super::{EventType, signature};
use crate::domain::ids::{EventId, SubscriptionId};
use crate::domain::webhook::EventSet;
use crate::problem::ProblemCode;
use crate::service::audit::{self, Entry};
use crate::service::{Actor, Context, ServiceError, ServiceResult};
use crate::store::{DeliveryRow, SubscriptionRow, events_column};
use serde_json::json;

/// A subscription as listed (never with its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: i64,
}

/// A new subscription with its secret: the only time the secret is shown.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub subscription: Subscription,
    pub secret: String,
}

impl From<&SubscriptionRow> for Subscription {
    fn from(r: &SubscriptionRow) -> Self {
        Self {
            id: r.subscription_id.to_string(),
            url: r.url.clone(),
            events: r.events.names().into_iter().map(String::from).collect(),
            created_at: r.created_at,
        }
    }
}

/// `events` empty or `["*"]`: every type.
pub async fn add(
    ctx: &Context,
    actor: &Actor,
    url: &str,
    events: &[String],
) -> ServiceResult<Created> {
    let url = url.trim();
    // Vetted now for its form (the address is vetted again at every delivery: DNS can change).
    let parsed = reqwest::Url::parse(url).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host().is_some()
            && u.username().is_empty()
            && u.password().is_none()
    });
    if parsed.is_none() || url.len() > 2000 {
        return Err(ServiceError::invalid(
            ProblemCode::InvalidUrl,
            "the webhook URL must be an http(s) URL with a host and no user name or password",
        ));
    }
    let events = EventSet::from_names(events).map_err(|e| {
        ServiceError::invalid(
            ProblemCode::UnknownEventType,
            format!("`{e}` is not an event type"),
        )
        .with_details(json!({"known": EventType::SUBSCRIBABLE.map(EventType::as_str)}))
    })?;
    let now = ctx.now().unix_timestamp();
    let row = SubscriptionRow {
        subscription_id: SubscriptionId::random(),
        url: url.to_owned(),
        events,
        secret: signature::new_secret(),
        created_at: now,
        removed_at: None,
    };
    let mut tx = ctx.store.begin().await?;
    tx.insert_subscription(&row).await?;
    audit::append(
        tx.as_mut(),
        now,
        Entry {
            actor,
            action: "webhook.add",
            credential_id: None,
            reason: None,
            detail: json!({"subscription_id": row.subscription_id, "url": row.url,
                           "events": events_column(&row.events)}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Created {
        subscription: Subscription::from(&row),
        secret: row.secret,
    })
}

pub async fn list(ctx: &Context) -> ServiceResult<Vec<Subscription>> {
    let rows = ctx.store.webhook_subscriptions().await?;
    Ok(rows.iter().map(Subscription::from).collect())
}

/// Removes it; deliveries not yet made are dropped.
pub async fn remove(ctx: &Context, actor: &Actor, id: &str) -> ServiceResult<()> {
    let id = known_form(id)?;
    let now = ctx.now().unix_timestamp();
    let mut tx = ctx.store.begin().await?;
    if !tx.remove_subscription(&id, now).await? {
        return Err(ServiceError::not_found("webhook subscription"));
    }
    audit::append(
        tx.as_mut(),
        now,
        Entry {
            actor,
            action: "webhook.remove",
            credential_id: None,
            reason: None,
            detail: json!({"subscription_id": id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a `webhook.test` event for this subscription only; returns its `webhook-id`.
pub async fn test(ctx: &Context, id: &str) -> ServiceResult<String> {
    let id = existing(ctx, id).await?.subscription_id;
    let now = ctx.now().unix_timestamp();
    let event = super::event(
        now,
        EventType::WebhookTest,
        format!("test:{id}"),
        &super::payload::TestEvent {
            subscription_id: &id,
        },
        Some(id.clone()),
    );
    let mut tx = ctx.store.begin().await?;
    tx.enqueue_event(&event).await?;
    tx.commit().await?;
    Ok(event.event_id.to_string())
}

/// Sends a subscription's failed deliveries again (or every delivery with `all`, or the one
/// event named): same `webhook-id`, so receivers can tell a replay from a new event.
pub async fn replay(
    ctx: &Context,
    id: &str,
    event_id: Option<&str>,
    all: bool,
) -> ServiceResult<u64> {
    let id = existing(ctx, id).await?.subscription_id;
    let event = match event_id.map(EventId::parse) {
        // Not of the form we give out: no event has it, so nothing is replayed.
        Some(Err(_)) => return Ok(0),
        Some(Ok(event)) => Some(event),
        None => None,
    };
    Ok(ctx
        .store
        .replay_deliveries(&id, event.as_ref(), !all && event.is_none())
        .await?)
}

pub async fn deliveries(ctx: &Context, id: &str, limit: i64) -> ServiceResult<Vec<DeliveryRow>> {
    let id = existing(ctx, id).await?.subscription_id;
    Ok(ctx.store.webhook_deliveries(&id, limit).await?)
}

async fn existing(ctx: &Context, id: &str) -> ServiceResult<SubscriptionRow> {
    ctx.store
        .webhook_subscription(&known_form(id)?)
        .await?
        .ok_or_else(|| ServiceError::not_found("webhook subscription"))
}

/// An id not of the form we give out names no subscription: not found, like an unknown one.
fn known_form(id: &str) -> ServiceResult<SubscriptionId> {
    SubscriptionId::parse(id).map_err(|_| ServiceError::not_found("webhook subscription"))
}
