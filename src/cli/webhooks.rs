//! `attest webhooks add|list|remove|test|replay|deliveries` (issue 19): the same services as
//! the admin API's `/api/v1/webhooks` routes.

use crate::service::webhooks::subscriptions;
use crate::service::{Actor, Context};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Subscribe a URL; the signing secret (`whsec_…`) is printed once, alone on the last line.
    Add {
        url: String,
        /// Event types, comma-separated (e.g. credential.revoked,exam_result.released); default
        /// every type.
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
    },
    List,
    /// Remove a subscription; its undelivered events are dropped.
    Remove {
        id: String,
    },
    /// Send a `webhook.test` event to one subscription.
    Test {
        id: String,
    },
    /// Send failed deliveries again (same webhook-id); --all for every delivery, --event for one.
    Replay {
        id: String,
        #[arg(long)]
        event: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// A subscription's deliveries, newest first.
    Deliveries {
        id: String,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

pub async fn run(
    ctx: &Context,
    actor: &Actor,
    command: WebhooksCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        WebhooksCommand::Add { url, events } => {
            let created = subscriptions::add(ctx, actor, &url, &events).await?;
            let s = &created.subscription;
            eprintln!(
                "subscription {} for {} ({}); its secret is shown once:",
                s.id,
                s.url,
                s.events.join(",")
            );
            println!("{}", created.secret);
        }
        WebhooksCommand::List => {
            for s in subscriptions::list(ctx).await? {
                println!("{}\t{}\t{}", s.id, s.url, s.events.join(","));
            }
        }
        WebhooksCommand::Remove { id } => {
            subscriptions::remove(ctx, actor, &id).await?;
            println!("subscription {id} removed");
        }
        WebhooksCommand::Test { id } => {
            let event = subscriptions::test(ctx, &id).await?;
            println!("test event {event} queued for {id}");
        }
        WebhooksCommand::Replay { id, event, all } => {
            let n = subscriptions::replay(ctx, &id, event.as_deref(), all).await?;
            println!("{n} deliveries queued again for {id}");
        }
        WebhooksCommand::Deliveries { id, limit } => {
            for d in subscriptions::deliveries(ctx, &id, limit).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    d.event_id,
                    d.event_type,
                    d.state,
                    d.attempts,
                    d.last_error.unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
