//! The webhook SQL (issue 19): the transactional outbox written at commit, subscriptions, and
//! the delivery claims of the worker. Expanded inside `store_engine!`, so it shares the engine's
//! transaction type, row decoders and write-lock statement. Claims take `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL (several instances claim side by side, never the same row); SQLite has one
//! writer at a time anyway.

macro_rules! store_outbox {
    (db: $db:ty, store: $store:ident, tx: $tx:ident, begin: $begin:literal, for_update: $for_update:literal $(,)?) => {
        use $crate::domain::ids::SubscriptionId;
        use $crate::store::{DeliveryJob, DeliveryResult, DeliveryRow, DeliveryState, OutboxEvent, OutboxStats, SubscriptionRow};
        use $crate::store::webhook_rows::{delivery_job, delivery_row, subscription_row};

        /// Row locks that skip rows another claimer holds; nothing on SQLite.
        const SKIP_LOCKED: &str = if $for_update.is_empty() { "" } else { concat!($for_update, " SKIP LOCKED") };

        impl $store {
            async fn subscriptions_sql(&self, id: Option<&SubscriptionId>) -> StoreResult<Vec<SubscriptionRow>> {
                let rows = sqlx::query(
                    "SELECT * FROM webhook_subscriptions WHERE removed_at IS NULL AND \
                     (CAST($1 AS TEXT) IS NULL OR subscription_id = $1) ORDER BY created_at, subscription_id",
                )
                .bind(id.map(SubscriptionId::as_str))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(subscription_row).collect()
            }

            async fn claim_deliveries_sql(&self, now_ms: i64, lease_ms: i64, limit: i64) -> StoreResult<Vec<DeliveryJob>> {
                // Looked at first without the write lock: an idle queue (the usual case) then
                // costs one read per poll, not a write transaction.
                let any = sqlx::query(
                    "SELECT 1 AS one FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 LIMIT 1",
                )
                .bind(now_ms)
                .fetch_optional(&self.pool)
                .await?;
                if any.is_none() {
                    return Ok(Vec::new());
                }
                let _turn = self.writer_turn().await;
                let mut tx = self.pool.begin_with($begin).await?;
                // Only the oldest pending delivery of each (subscription, ordering key) is due:
                // a later event about a credential never overtakes an earlier one.
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT d.subscription_id, d.event_seq FROM webhook_deliveries d \
                     WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
                     AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
                     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.subscription_id = d.subscription_id \
                       AND p.ordering_key = d.ordering_key AND p.event_seq < d.event_seq AND p.state = 'pending') \
                     ORDER BY d.event_seq LIMIT $2{SKIP_LOCKED}"
                ));
                let due = sqlx::query(sql).bind(now_ms).bind(limit).fetch_all(&mut *tx).await?;
                if due.is_empty() {
                    tx.commit().await?;
                    return Ok(Vec::new());
                }
                let token = uuid::Uuid::new_v4().to_string();
                for row in &due {
                    let sub: String = row.try_get("subscription_id")?;
                    let seq: i64 = row.try_get("event_seq")?;
                    sqlx::query(
                        "UPDATE webhook_deliveries SET claimed_until = $1, claim_token = $2 \
                         WHERE subscription_id = $3 AND event_seq = $4",
                    )
                    .bind(now_ms + lease_ms)
                    .bind(&token)
                    .bind(sub)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                }
                let rows = sqlx::query(
                    "SELECT d.subscription_id, d.event_seq, d.attempts, d.first_attempt_at, e.event_id, \
                     e.payload, s.url, s.secret FROM webhook_deliveries d \
                     JOIN webhook_events e ON e.seq = d.event_seq \
                     JOIN webhook_subscriptions s ON s.subscription_id = d.subscription_id \
                     WHERE d.claim_token = $1 ORDER BY d.event_seq",
                )
                .bind(&token)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.iter().map(|r| delivery_job(r, &token)).collect()
            }

            async fn finish_delivery_sql(&self, r: &DeliveryResult) -> StoreResult<()> {
                let finished = (r.state != DeliveryState::Pending).then_some(r.attempted_at);
                // In line with the other writers (SQLite queues them rather than fail on the lock).
                let _turn = self.writer_turn().await;
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, \
                     first_attempt_at = COALESCE(first_attempt_at, $2), next_attempt_at = $3, last_status = $4, \
                     last_error = $5, finished_at = $6, claimed_until = NULL, claim_token = NULL \
                     WHERE subscription_id = $7 AND event_seq = $8 AND claim_token = $9",
                )
                .bind(r.state.as_str())
                .bind(r.attempted_at)
                .bind(r.next_attempt_at)
                .bind(r.status)
                .bind(&r.error)
                .bind(finished)
                .bind(r.subscription_id.as_str())
                .bind(r.event_seq)
                .bind(&r.claim_token)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn replay_deliveries_sql(&self, sub: &SubscriptionId, event_id: Option<&$crate::domain::ids::EventId>, failed_only: bool) -> StoreResult<u64> {
                let _turn = self.writer_turn().await;
                let done = sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0, \
                     first_attempt_at = NULL, claimed_until = NULL, claim_token = NULL, finished_at = NULL \
                     WHERE subscription_id = $1 AND state <> 'pending' AND ($3 = 0 OR state = 'failed') AND \
                     (CAST($2 AS TEXT) IS NULL OR event_seq = (SELECT seq FROM webhook_events WHERE event_id = $2))",
                )
                .bind(sub.as_str())
                .bind(event_id.map(|e| e.as_str()))
                .bind(i64::from(failed_only))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn deliveries_sql(&self, sub: &SubscriptionId, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
                let rows = sqlx::query(
                    "SELECT d.subscription_id, e.event_id, e.event_type, d.state, d.attempts, d.last_status, \
                     d.last_error, d.enqueued_at FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq \
                     WHERE d.subscription_id = $1 ORDER BY d.event_seq DESC LIMIT $2",
                )
                .bind(sub.as_str())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(delivery_row).collect()
            }

            async fn outbox_stats_sql(&self) -> StoreResult<OutboxStats> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM webhook_deliveries WHERE state = 'pending'",
                )
                .fetch_one(&self.pool)
                .await?;
                $crate::store::webhook_rows::outbox_stats(&row)
            }

            async fn due_notice_sql(&self, kind: &str, from: i64, to: i64, limit: i64) -> StoreResult<Vec<CredentialRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials c WHERE valid_until >= $1 AND valid_until < $2 \
                     AND state <> 'revoked' AND NOT EXISTS (SELECT 1 FROM expiry_notices n \
                     WHERE n.credential_id = c.credential_id AND n.kind = $3) ORDER BY valid_until, credential_id LIMIT $4"
                ));
                let rows = sqlx::query(sql).bind(from).bind(to).bind(kind).bind(limit).fetch_all(&self.pool).await?;
                rows.iter().map(credential_row).collect()
            }

            async fn prune_webhooks_sql(&self, before: i64) -> StoreResult<$crate::store::PrunedWebhooks> {
                let deliveries = sqlx::query(
                    "DELETE FROM webhook_deliveries WHERE state IN ('delivered', 'failed') AND enqueued_at < $1",
                )
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected();
                let events = sqlx::query(
                    "DELETE FROM webhook_events WHERE created_at < $1 AND NOT EXISTS \
                     (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)",
                )
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok($crate::store::PrunedWebhooks { deliveries, events })
            }

            async fn mark_sql(&self, name: &str) -> StoreResult<Option<i64>> {
                let row = sqlx::query("SELECT at FROM scheduler_marks WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(row) => Some(row.try_get::<i64, _>("at")?),
                    None => None,
                })
            }

            async fn advance_mark_sql(&self, name: &str, at: i64) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO scheduler_marks (name, at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE \
                     SET at = CASE WHEN excluded.at > scheduler_marks.at THEN excluded.at ELSE scheduler_marks.at END",
                )
                .bind(name)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn renewals_sql(&self, id: &CredentialId) -> StoreResult<$crate::store::Renewals> {
                let renews = sqlx::query("SELECT previous_id FROM credential_renewals WHERE credential_id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                let renewed_by = sqlx::query(
                    "SELECT r.credential_id FROM credential_renewals r JOIN credentials c ON c.credential_id = r.credential_id \
                     WHERE r.previous_id = $1 ORDER BY c.issued_at DESC, r.credential_id DESC LIMIT 1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                let renews = match renews { Some(r) => Some(parse_id(r.try_get("previous_id")?)?), None => None };
                let renewed_by = match renewed_by { Some(r) => Some(parse_id(r.try_get("credential_id")?)?), None => None };
                Ok($crate::store::Renewals { renews, renewed_by })
            }
        }

        impl $tx {
            /// Writes the buffered events and, in the same statement per chunk, a delivery row
            /// for each subscription that wants the type: the subscriptions of the moment the
            /// change commits.
            async fn flush_outbox(&mut self) -> StoreResult<()> {
                use $crate::store::engine_flush::IDS_PER_LOOKUP;
                if self.state.outbox.is_empty() {
                    return Ok(());
                }
                let events = std::mem::take(&mut self.state.outbox);
                let ids: Vec<String> = events.iter().map(|e| e.event_id.to_string()).collect();
                self.insert_rows(
                    "webhook_events (event_id, event_type, ordering_key, payload, created_at, target_subscription)",
                    events,
                    |mut b, e: OutboxEvent| {
                        b.push_bind(e.event_id.to_string())
                            .push_bind(e.event_type.as_str())
                            .push_bind(e.ordering_key)
                            .push_bind(e.payload)
                            .push_bind(e.created_at)
                            .push_bind(e.target_subscription.map(|s| s.as_str().to_owned()));
                    },
                )
                .await?;
                for chunk in ids.chunks(IDS_PER_LOOKUP) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO webhook_deliveries (subscription_id, event_seq, ordering_key, state, attempts, \
                         enqueued_at, next_attempt_at) \
                         SELECT s.subscription_id, e.seq, e.ordering_key, 'pending', 0, e.created_at, 0 \
                         FROM webhook_events e JOIN webhook_subscriptions s ON s.removed_at IS NULL \
                         AND (e.target_subscription = s.subscription_id OR (e.target_subscription IS NULL \
                         AND (s.events = '*' OR s.events LIKE '%,' || e.event_type || ',%'))) \
                         WHERE e.event_id IN (",
                    );
                    let mut each = q.separated(", ");
                    for id in chunk {
                        each.push_bind(id.clone());
                    }
                    each.push_unseparated(")");
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_subscription_row(&mut self, s: &SubscriptionRow) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO webhook_subscriptions (subscription_id, url, events, secret, created_at, removed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(s.subscription_id.as_str())
                .bind(&s.url)
                .bind($crate::store::events_column(&s.events))
                .bind(&s.secret)
                .bind(s.created_at)
                .bind(s.removed_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn remove_subscription_row(&mut self, id: &SubscriptionId, at: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE webhook_subscriptions SET removed_at = $1 WHERE subscription_id = $2 AND removed_at IS NULL",
                )
                .bind(at)
                .bind(id.as_str())
                .execute(&mut *self.tx)
                .await?;
                sqlx::query("DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND state = 'pending'")
                    .bind(id.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn record_expiry_notice_row(&mut self, id: &CredentialId, kind: &str, at: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO expiry_notices (credential_id, kind, at) VALUES ($1, $2, $3) \
                     ON CONFLICT (credential_id, kind) DO NOTHING",
                )
                .bind(id.to_string())
                .bind(kind)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn latest_held_row(&mut self, candidate_id: &str, achievement: &str) -> StoreResult<Option<CredentialRow>> {
                if !self.state.held.contains_key(candidate_id) {
                    self.prefetch_held_rows(&[candidate_id]).await?;
                }
                Ok(self
                    .state
                    .held
                    .get(candidate_id)
                    .and_then(|rows| rows.iter().find(|r| r.achievement.as_ref().map(|a| a.as_str()) == Some(achievement)))
                    .cloned())
            }

            /// No flush: credentials this transaction wrote are not renewed by it (their bodies
            /// may not exist yet), and the batch's write-behind stays intact.
            async fn prefetch_held_rows(&mut self, candidate_ids: &[&str]) -> StoreResult<()> {
                use $crate::store::engine_flush::IDS_PER_LOOKUP;
                let mut unknown: Vec<&str> = candidate_ids
                    .iter()
                    .copied()
                    .filter(|c| !self.state.held.contains_key(*c))
                    .collect();
                unknown.sort_unstable();
                unknown.dedup();
                let mut attempts = Vec::new();
                for chunk in unknown.chunks(IDS_PER_LOOKUP) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE state = 'active' AND candidate_id IN ("
                    ));
                    let mut each = q.separated(", ");
                    for id in chunk {
                        each.push_bind((*id).to_owned());
                    }
                    each.push_unseparated(") ORDER BY issued_at DESC, credential_id DESC");
                    let rows = q.build().fetch_all(&mut *self.tx).await?;
                    for id in chunk {
                        self.state.held.insert((*id).to_owned(), Vec::new());
                    }
                    for row in &rows {
                        let found = credential_row(row)?;
                        if let Some(a) = &found.attempt_id {
                            attempts.push(a.as_str().to_owned());
                        }
                        if let Some(c) = &found.candidate_id {
                            self.state.held.entry(c.as_str().to_owned()).or_default().push(found);
                        }
                    }
                }
                let ids: Vec<&str> = attempts.iter().map(String::as_str).collect();
                self.fetch_attempts(&ids).await
            }

            async fn insert_renewal_row(&mut self, id: &CredentialId, previous: &CredentialId) -> StoreResult<()> {
                sqlx::query("INSERT INTO credential_renewals (credential_id, previous_id) VALUES ($1, $2)")
                    .bind(id.to_string())
                    .bind(previous.to_string())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use store_outbox;
