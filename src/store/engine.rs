//! The SQL, written once. `store_engine!` instantiates the [`Store`](super::Store) (here) and
//! [`Tx`](super::Tx) (`engine_tx.rs`) implementations for one sqlx database type; the few statements that
//! differ between engines (how a write transaction starts, row locks, the audit and key locks)
//! are passed in. Placeholders are `$N`, which both SQLite and PostgreSQL accept.

macro_rules! store_engine {
    (
        db: $db:ty,
        store: $store:ident,
        tx: $tx:ident,
        begin: $begin:literal,
        for_update: $for_update:literal,
        audit_lock: $audit_lock:literal,
        key_lock: $key_lock:literal,
        probe: $probe:literal $(,)?
    ) => {
        use $crate::crypto::KeyRecord;
        use $crate::domain::ids::{AttemptId, CredentialId};
        use $crate::store::{
            AttemptRow, AuditRow, CredentialQuery, CredentialRow, IssuedJson, PublicationRow, StateChange,
            Store, StoreError, StoreResult, TokenRow, Tx,
        };
        use sqlx::Row as _;

        type Conn = <$db as sqlx::Database>::Connection;

        const CREDENTIAL_COLUMNS: &str = "credential_id, attempt_id, candidate_id, achievement, holder_name, \
            issued_at, valid_until, list_number, list_index, key_id, state, state_reason, \
            state_changed_at, json, jwt";

        use $crate::store::decode::{attempt_row, audit_row, credential_row, key_record, token_row};

        fn parse_id(text: String) -> StoreResult<CredentialId> {
            $crate::store::decode::credential_id(&text)
        }

        /// `lock` is the engine's row-lock suffix inside a write transaction, empty otherwise.
        async fn get_credential(conn: &mut Conn, id: &CredentialId, lock: &str) -> StoreResult<Option<CredentialRow>> {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE credential_id = $1{lock}"));
            let row = sqlx::query(sql).bind(id.to_string()).fetch_optional(&mut *conn).await?;
            row.as_ref().map(credential_row).transpose()
        }

        async fn get_keys(conn: &mut Conn) -> StoreResult<Vec<KeyRecord>> {
            let rows = sqlx::query("SELECT key_id, public_key, created_at, retired_at FROM signing_keys ORDER BY seq")
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(key_record).collect()
        }

        async fn get_attempt(conn: &mut Conn, id: &AttemptId) -> StoreResult<Option<AttemptRow>> {
            let row = sqlx::query("SELECT * FROM exam_attempts WHERE attempt_id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref().map(attempt_row).transpose()
        }

        $crate::store::engine_tx::store_tx! {
            db: $db,
            tx: $tx,
            for_update: $for_update,
            audit_lock: $audit_lock,
            key_lock: $key_lock,
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn begin(&self) -> StoreResult<Box<dyn Tx>> {
                // Wait for our turn before taking a connection: queued writers then hold no
                // connection that readers need.
                let turn = self.writer_turn().await;
                let begun = self.pool.begin_with($begin).await.map_err(StoreError::from);
                if begun.is_err() {
                    self.health.record(&begun);
                }
                Ok(Box::new($tx::new(begun?, turn, self.health.clone())))
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn writable(&self) -> StoreResult<()> {
                self.health
                    .check(async {
                        self.room_to_grow()?;
                        let _turn = self.writer_turn().await;
                        let mut tx = self.pool.begin_with($begin).await?;
                        sqlx::query($probe).execute(&mut *tx).await?;
                        tx.commit().await?;
                        Ok(())
                    })
                    .await
            }

            async fn credential(&self, id: &CredentialId) -> StoreResult<Option<CredentialRow>> {
                let mut conn = self.pool.acquire().await?;
                get_credential(&mut conn, id, "").await
            }

            async fn issued_json(&self, id: &CredentialId) -> StoreResult<Option<IssuedJson>> {
                let row = sqlx::query(
                    "SELECT c.json, c.list_number, l.revision FROM credentials c \
                     JOIN status_lists l ON l.list_number = c.list_number WHERE c.credential_id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map($crate::store::decode::issued_json).transpose()
            }

            async fn credentials_page(&self, q: &CredentialQuery) -> StoreResult<Vec<CredentialRow>> {
                // `$1 IS NULL OR candidate_id = $1` cannot use an index (SQLite scanned every
                // credential for each certificate and share page): name the column only when set.
                let candidate = if q.candidate_id.is_some() {
                    "candidate_id = $1"
                } else {
                    "CAST($1 AS TEXT) IS NULL"
                };
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE {candidate} AND \
                     (CAST($2 AS TEXT) IS NULL OR achievement = $2) AND \
                     (CAST($3 AS TEXT) IS NULL OR state = $3) AND \
                     (CAST($4 AS BIGINT) IS NULL OR issued_at < $4 OR \
                      (issued_at = $4 AND credential_id < CAST($6 AS TEXT))) \
                     ORDER BY issued_at DESC, credential_id DESC LIMIT $5"
                ));
                let rows = sqlx::query(sql)
                    .bind(&q.candidate_id)
                    .bind(&q.achievement)
                    .bind(q.state.map(|s| s.as_str()))
                    .bind(q.before)
                    .bind(q.limit)
                    .bind(&q.before_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(credential_row).collect()
            }

            async fn keys(&self) -> StoreResult<Vec<KeyRecord>> {
                let mut conn = self.pool.acquire().await?;
                get_keys(&mut conn).await
            }

            async fn token(&self, token_id: &str) -> StoreResult<Option<TokenRow>> {
                let row = sqlx::query("SELECT * FROM api_tokens WHERE token_id = $1")
                    .bind(token_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(token_row).transpose()
            }

            async fn tokens(&self) -> StoreResult<Vec<TokenRow>> {
                let rows = sqlx::query("SELECT * FROM api_tokens ORDER BY created_at, name")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(token_row).collect()
            }

            async fn attempt(&self, id: &AttemptId) -> StoreResult<Option<AttemptRow>> {
                let mut conn = self.pool.acquire().await?;
                get_attempt(&mut conn, id).await
            }

            async fn list_revision(&self, list_number: i64) -> StoreResult<Option<i64>> {
                let row = sqlx::query("SELECT revision FROM status_lists WHERE list_number = $1")
                    .bind(list_number)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get("revision")?),
                    None => None,
                })
            }

            async fn publication(&self, list_id: &str) -> StoreResult<Option<PublicationRow>> {
                let row = sqlx::query("SELECT * FROM status_publications WHERE list_id = $1")
                    .bind(list_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map($crate::store::decode::publication_row).transpose()
            }

            async fn audit(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditRow>> {
                let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(audit_row).collect()
            }


            async fn lineage_of(&self, id: &CredentialId) -> StoreResult<Vec<CredentialId>> {
                let rows = sqlx::query(
                    "SELECT prerequisite_id FROM credential_lineage WHERE credential_id = $1 ORDER BY prerequisite_id",
                )
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| parse_id(r.try_get("prerequisite_id")?)).collect()
            }

            async fn attempts_with_outcome(
                &self,
                outcome: $crate::domain::attempt::AttemptOutcome,
                limit: i64,
            ) -> StoreResult<Vec<AttemptRow>> {
                let rows = sqlx::query(
                    "SELECT * FROM exam_attempts WHERE outcome = $1 ORDER BY received_at DESC, attempt_id LIMIT $2",
                )
                .bind(outcome.as_str())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(attempt_row).collect()
            }

            async fn backup(&self, path: &str) -> StoreResult<()> {
                self.backup_to(path).await
            }

            fn pool_stats(&self) -> $crate::store::PoolStats {
                $crate::store::PoolStats {
                    size: self.pool.size(),
                    idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                    max: self.pool.options().get_max_connections(),
                }
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            // OID4VCI (engine_oid4vci.rs)
            async fn wallet_copies(&self, credential_id: &CredentialId) -> StoreResult<Vec<$crate::store::WalletCopyRow>> {
                oid4vci_wallet_copies(&self.pool, credential_id).await
            }

            // Webhooks
            async fn webhook_subscriptions(&self) -> StoreResult<Vec<$crate::store::SubscriptionRow>> {
                self.subscriptions_sql(None).await
            }

            async fn webhook_subscription(&self, id: &$crate::domain::ids::SubscriptionId) -> StoreResult<Option<$crate::store::SubscriptionRow>> {
                Ok(self.subscriptions_sql(Some(id)).await?.pop())
            }

            async fn claim_deliveries(&self, now_ms: i64, lease_ms: i64, limit: i64) -> StoreResult<Vec<$crate::store::DeliveryJob>> {
                self.claim_deliveries_sql(now_ms, lease_ms, limit).await
            }

            async fn finish_delivery(&self, r: &$crate::store::DeliveryResult) -> StoreResult<()> {
                self.finish_delivery_sql(r).await
            }

            async fn replay_deliveries(&self, subscription_id: &$crate::domain::ids::SubscriptionId, event_id: Option<&$crate::domain::ids::EventId>, failed_only: bool) -> StoreResult<u64> {
                self.replay_deliveries_sql(subscription_id, event_id, failed_only).await
            }

            async fn webhook_deliveries(&self, subscription_id: &$crate::domain::ids::SubscriptionId, limit: i64) -> StoreResult<Vec<$crate::store::DeliveryRow>> {
                self.deliveries_sql(subscription_id, limit).await
            }

            async fn outbox_stats(&self) -> StoreResult<$crate::store::OutboxStats> {
                self.outbox_stats_sql().await
            }

            async fn credentials_due_notice(&self, notice: $crate::domain::webhook::ExpiryNotice, from: i64, to: i64, limit: i64) -> StoreResult<Vec<CredentialRow>> {
                self.due_notice_sql(&$crate::store::webhook_rows::notice_kind(notice), from, to, limit).await
            }

            async fn expired_scan_mark(&self) -> StoreResult<Option<i64>> {
                self.mark_sql($crate::store::webhook_rows::EXPIRED_SCAN).await
            }

            async fn advance_expired_scan_mark(&self, at: i64) -> StoreResult<()> {
                self.advance_mark_sql($crate::store::webhook_rows::EXPIRED_SCAN, at).await
            }

            async fn prune_webhooks(&self, before: i64) -> StoreResult<$crate::store::PrunedWebhooks> {
                self.prune_webhooks_sql(before).await
            }

            async fn renewals(&self, id: &CredentialId) -> StoreResult<$crate::store::Renewals> {
                self.renewals_sql(id).await
            }
        }

        $crate::store::engine_outbox::store_outbox! { db: $db, store: $store, tx: $tx, begin: $begin, for_update: $for_update }
    };
}

pub(crate) use store_engine;
