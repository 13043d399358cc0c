//! The write-transaction half of the SQL (see `engine.rs`): `store_tx!` is expanded inside
//! `store_engine!`, so it uses the row decoders and helpers defined there.

macro_rules! store_tx {
    (
        db: $db:ty,
        tx: $tx:ident,
        for_update: $for_update:literal,
        audit_lock: $audit_lock:literal,
        key_lock: $key_lock:literal $(,)?
    ) => {
        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
            /// This process's turn to write, when the engine queues writers (see `begin`).
            _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
            /// Cached reads and unsent writes (see `tx_state.rs`). A key rotated concurrently
            /// by another instance is as if it happened after this transaction.
            state: $crate::store::tx_state::TxState,
            /// Told whether the commit went through (readiness, see `health.rs`).
            health: std::sync::Arc<$crate::store::health::StorageHealth>,
        }

        impl $tx {
            fn new(
                tx: sqlx::Transaction<'static, $db>,
                turn: Option<tokio::sync::OwnedMutexGuard<()>>,
                health: std::sync::Arc<$crate::store::health::StorageHealth>,
            ) -> Self {
                Self { tx, _turn: turn, state: Default::default(), health }
            }
        }

        #[async_trait::async_trait]
        impl Tx for $tx {
            async fn attempt(&mut self, id: &AttemptId) -> StoreResult<Option<AttemptRow>> {
                if let Some(known) = self.state.attempts.get(id.as_str()) {
                    return Ok(known.clone());
                }
                // No flush needed: every attempt this transaction wrote is in the cache.
                let row = get_attempt(&mut self.tx, id).await?;
                self.state.attempts.insert(id.as_str().to_owned(), row.clone());
                Ok(row)
            }

            async fn prefetch_attempts(&mut self, ids: &[&str]) -> StoreResult<()> {
                self.fetch_attempts(ids).await
            }

            async fn insert_attempt(&mut self, r: &AttemptRow) -> StoreResult<()> {
                self.state.remember_attempt(r);
                self.state.unsent.attempts.push(r.clone());
                Ok(())
            }

            async fn active_key(&mut self) -> StoreResult<Option<KeyRecord>> {
                if let Some(known) = &self.state.active_key {
                    return Ok(known.clone());
                }
                let row = sqlx::query(
                    "SELECT key_id, public_key, created_at, retired_at FROM signing_keys WHERE active_marker = 1",
                )
                .fetch_optional(&mut *self.tx)
                .await?;
                let key = row.as_ref().map(key_record).transpose()?;
                self.state.active_key = Some(key.clone());
                Ok(key)
            }

            async fn keys(&mut self) -> StoreResult<Vec<KeyRecord>> {
                self.flush().await?;
                // Read only by a rotation, which names the new key after the count: the key
                // lock serializes rotations, so two instances never pick the same key id.
                let lock: &str = $key_lock;
                if !lock.is_empty() {
                    sqlx::query(lock).execute(&mut *self.tx).await?;
                }
                get_keys(&mut self.tx).await
            }

            async fn rotate_key(&mut self, key: &KeyRecord) -> StoreResult<()> {
                self.rotate_key_rows(key).await
            }

            async fn key_intent(&mut self, key_id: &str) -> StoreResult<Option<$crate::store::KeyIntent>> {
                self.key_intent_row(key_id).await
            }

            async fn put_key_intent(&mut self, key_id: &str, token: &str, at: i64) -> StoreResult<()> {
                self.put_key_intent_row(key_id, token, at).await
            }

            async fn open_status_list(&mut self, size: u32, now: i64) -> StoreResult<$crate::store::OpenSlot> {
                use $crate::store::tx_state::OpenList;
                if let Some(open) = self.state.open_list.filter(|o| o.allocated < o.size) {
                    return Ok(open.slot());
                }
                self.flush().await?;
                // The newest list, locked: only it can have room (lists open when it is full).
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT list_number, allocated, size FROM status_lists \
                     ORDER BY list_number DESC LIMIT 1{}",
                    $for_update
                ));
                let next = match sqlx::query(sql).fetch_optional(&mut *self.tx).await? {
                    Some(row) => {
                        let (number, allocated): (i64, i64) = (row.try_get("list_number")?, row.try_get("allocated")?);
                        let list_size: i64 = row.try_get("size")?;
                        if allocated < list_size {
                            let open = OpenList { number, allocated, size: list_size };
                            self.state.open_list = Some(open);
                            return Ok(open.slot());
                        }
                        number + 1
                    }
                    None => 1,
                };
                // The successor of the list seen full, by number (not MAX + 1 in a later
                // statement, which can see a list another instance opened meanwhile and open a
                // second one): a concurrent opener makes this a Conflict, and the caller retries.
                sqlx::query(
                    "INSERT INTO status_lists (list_number, size, allocated, revision, created_at) \
                     VALUES ($1, $2, 0, 0, $3)",
                )
                .bind(next)
                .bind(i64::from(size))
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
                let open = OpenList { number: next, allocated: 0, size: i64::from(size) };
                self.state.open_list = Some(open);
                Ok(open.slot())
            }

            async fn free_index(&mut self, list_number: i64, candidates: &[i64]) -> StoreResult<Option<i64>> {
                if let Some(index) = self.state.take_free(list_number) {
                    return Ok(Some(index));
                }
                let asked = self.state.unclaimed(list_number, candidates);
                if asked.is_empty() {
                    return Ok(None);
                }
                let taken = self.taken_among(list_number, &asked).await?;
                let free = asked.into_iter().filter(|i| !taken.contains(i)).collect();
                Ok(self.state.keep_free(list_number, free))
            }

            async fn insert_credential(&mut self, r: &CredentialRow) -> StoreResult<()> {
                self.state.add_credential(r.clone());
                Ok(())
            }

            async fn insert_credential_later(
                &mut self,
                row: CredentialRow,
                body: $crate::store::DeferredBody,
            ) -> StoreResult<()> {
                self.state.add_credential_later(row, body);
                Ok(())
            }

            async fn credential(&mut self, id: &CredentialId) -> StoreResult<Option<CredentialRow>> {
                self.flush().await?;
                // Locked: a state change reads, decides and writes; two instances changing the
                // same credential must not both decide from the old state (a lost revocation).
                get_credential(&mut self.tx, id, $for_update).await
            }

            async fn taken_indexes(&mut self, list_number: i64) -> StoreResult<Vec<i64>> {
                self.flush().await?;
                let rows = sqlx::query("SELECT list_index FROM credentials WHERE list_number = $1")
                    .bind(list_number)
                    .fetch_all(&mut *self.tx)
                    .await?;
                Ok(rows.iter().map(|r| r.try_get("list_index")).collect::<Result<_, _>>()?)
            }

            async fn insert_lineage(&mut self, id: &CredentialId, prerequisite: &CredentialId) -> StoreResult<()> {
                self.state.unsent.lineage.push((id.to_string(), prerequisite.to_string()));
                Ok(())
            }

            async fn dependents(&mut self, prerequisite: &CredentialId) -> StoreResult<Vec<CredentialId>> {
                self.flush().await?;
                let rows = sqlx::query(
                    "SELECT credential_id FROM credential_lineage WHERE prerequisite_id = $1 ORDER BY credential_id",
                )
                .bind(prerequisite.to_string())
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|r| parse_id(r.try_get("credential_id")?)).collect()
            }

            async fn candidate_credentials(&mut self, candidate_id: &str) -> StoreResult<Vec<CredentialRow>> {
                self.flush().await?;
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE candidate_id = $1 \
                     ORDER BY issued_at DESC, credential_id DESC"
                ));
                let rows = sqlx::query(sql).bind(candidate_id).fetch_all(&mut *self.tx).await?;
                rows.iter().map(credential_row).collect()
            }

            async fn pending_attempts(&mut self, candidate_id: &str) -> StoreResult<Vec<AttemptRow>> {
                if self.state.any_pending.is_none() {
                    let any = sqlx::query("SELECT 1 AS one FROM exam_attempts WHERE outcome = 'pending' LIMIT 1")
                        .fetch_optional(&mut *self.tx)
                        .await?;
                    self.state.any_pending = Some(any.is_some());
                }
                if self.state.any_pending == Some(false) {
                    return Ok(Vec::new());
                }
                self.flush().await?;
                let rows = sqlx::query(
                    "SELECT * FROM exam_attempts WHERE outcome = 'pending' AND candidate_id = $1 \
                     ORDER BY received_at, attempt_id",
                )
                .bind(candidate_id)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(attempt_row).collect()
            }

            async fn set_attempt_outcome(
                &mut self,
                attempt_id: &AttemptId,
                outcome: $crate::domain::attempt::AttemptOutcome,
                credential_id: Option<&CredentialId>,
                detail: Option<&str>,
            ) -> StoreResult<()> {
                self.flush().await?;
                self.state.attempts.remove(attempt_id.as_str());
                sqlx::query(
                    "UPDATE exam_attempts SET outcome = $1, credential_id = $2, detail = $3, \
                     candidate_email = NULL WHERE attempt_id = $4",
                )
                .bind(outcome.as_str())
                .bind(credential_id.map(ToString::to_string))
                .bind(detail)
                .bind(attempt_id.as_str())
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }


            async fn set_state(&mut self, id: &CredentialId, c: &StateChange) -> StoreResult<()> {
                self.flush().await?;
                sqlx::query(
                    "UPDATE credentials SET state = $1, state_reason = $2, state_changed_at = $3 WHERE credential_id = $4",
                )
                .bind(c.state.as_str())
                .bind(&c.reason)
                .bind(c.at)
                .bind(id.to_string())
                .execute(&mut *self.tx)
                .await?;
                sqlx::query(
                    "UPDATE status_lists SET revision = revision + 1 WHERE list_number = \
                     (SELECT list_number FROM credentials WHERE credential_id = $1)",
                )
                .bind(id.to_string())
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn list_bits(&mut self, list_number: i64) -> StoreResult<$crate::store::ListBits> {
                self.flush().await?;
                let row = sqlx::query("SELECT revision, size FROM status_lists WHERE list_number = $1")
                    .bind(list_number)
                    .fetch_one(&mut *self.tx)
                    .await?;
                let rows = sqlx::query(
                    "SELECT list_index, state FROM credentials WHERE list_number = $1 AND state <> 'active'",
                )
                .bind(list_number)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok($crate::store::ListBits {
                    revision: row.try_get("revision")?,
                    size: row.try_get("size")?,
                    set: rows.iter().map($crate::store::decode::list_bit).collect::<StoreResult<_>>()?,
                })
            }

            async fn save_publication(&mut self, p: &PublicationRow) -> StoreResult<()> {
                self.flush().await?;
                sqlx::query(
                    "INSERT INTO status_publications (list_id, revision, etag, json, jwt, published_at, valid_until) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (list_id) DO UPDATE SET \
                     revision = excluded.revision, etag = excluded.etag, json = excluded.json, jwt = excluded.jwt, \
                     published_at = excluded.published_at, valid_until = excluded.valid_until \
                     WHERE status_publications.revision <= excluded.revision",
                )
                .bind(&p.list_id)
                .bind(p.revision)
                .bind(&p.etag)
                .bind(&p.json)
                .bind(&p.jwt)
                .bind(p.published_at)
                .bind(p.valid_until)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_token(&mut self, t: &TokenRow) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO api_tokens (token_id, name, role, secret_hash, created_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&t.token_id)
                .bind(&t.name)
                .bind(t.role.as_str())
                .bind(&t.secret_hash)
                .bind(t.created_at)
                .bind(t.revoked_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn revoke_token(&mut self, name: &str, at: i64) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
                    .bind(at)
                    .bind(name)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn last_audit(&mut self) -> StoreResult<Option<$crate::store::AuditHead>> {
                if let Some(head) = &self.state.audit_head {
                    return Ok(head.clone());
                }
                let lock: &str = $audit_lock;
                if !lock.is_empty() {
                    sqlx::query(lock).execute(&mut *self.tx).await?;
                }
                let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let head = row.as_ref().map($crate::store::decode::audit_head).transpose()?;
                self.state.audit_head = Some(head.clone());
                Ok(head)
            }

            async fn insert_audit(&mut self, a: &AuditRow) -> StoreResult<()> {
                self.state.audit_head = Some(Some($crate::store::AuditHead { seq: a.seq, hash: a.hash.clone() }));
                self.state.unsent.audit.push(a.clone());
                Ok(())
            }

            async fn erase_candidate(&mut self, candidate_id: &str) -> StoreResult<$crate::store::ErasedRows> {
                self.erase_candidate_rows(candidate_id).await
            }

            // OID4VCI (engine_oid4vci.rs)
            async fn insert_offer(&mut self, o: &$crate::store::OfferRow) -> StoreResult<()> { self.insert_offer_row(o).await }
            async fn offer_by_code(&mut self, h: &str) -> StoreResult<Option<$crate::store::OfferRow>> { self.offer_where("code_hash", h).await }
            async fn offer_by_token(&mut self, h: &str) -> StoreResult<Option<$crate::store::OfferRow>> { self.offer_where("token_hash", h).await }
            async fn save_offer(&mut self, o: &$crate::store::OfferRow) -> StoreResult<()> { self.save_offer_row(o).await }
            async fn insert_nonce(&mut self, h: &str, now: i64, until: i64) -> StoreResult<()> { self.insert_nonce_row(h, now, until).await }
            async fn take_nonce(&mut self, h: &str, now: i64) -> StoreResult<bool> { self.take_nonce_row(h, now).await }
            async fn insert_wallet_copy(&mut self, w: &$crate::store::WalletCopyRow) -> StoreResult<()> { self.insert_wallet_copy_row(w).await }

            /// A failed flush or COMMIT drops the transaction: its connection is rolled back,
            /// or closed when that fails too (see `release_clean` in `mod.rs`).
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                let mut this = *self;
                let health = this.health.clone();
                let outcome = match this.flush().await {
                    Ok(()) => match this.flush_outbox().await {
                        Ok(()) => this.tx.commit().await.map_err(StoreError::from),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                health.record(&outcome);
                outcome
            }

            // Webhooks
            async fn enqueue_event(&mut self, e: &$crate::store::OutboxEvent) -> StoreResult<()> {
                self.state.outbox.push(e.clone());
                Ok(())
            }

            async fn insert_subscription(&mut self, s: &$crate::store::SubscriptionRow) -> StoreResult<()> {
                self.insert_subscription_row(s).await
            }

            async fn remove_subscription(&mut self, id: &$crate::domain::ids::SubscriptionId, at: i64) -> StoreResult<bool> {
                self.remove_subscription_row(id, at).await
            }

            async fn record_expiry_notice(&mut self, id: &CredentialId, notice: $crate::domain::webhook::ExpiryNotice, at: i64) -> StoreResult<bool> {
                self.record_expiry_notice_row(id, &$crate::store::webhook_rows::notice_kind(notice), at).await
            }

            async fn insert_renewal(&mut self, id: &CredentialId, previous: &CredentialId) -> StoreResult<()> {
                self.insert_renewal_row(id, previous).await
            }

            async fn latest_held(&mut self, candidate_id: &str, achievement: &str) -> StoreResult<Option<CredentialRow>> {
                self.latest_held_row(candidate_id, achievement).await
            }

            async fn prefetch_held(&mut self, candidate_ids: &[&str]) -> StoreResult<()> {
                self.prefetch_held_rows(candidate_ids).await
            }
        }


        $crate::store::engine_flush::store_tx_io! { db: $db, tx: $tx }
        $crate::store::engine_keys::store_tx_keys! { tx: $tx }
        $crate::store::engine_oid4vci::store_tx_oid4vci! { db: $db, tx: $tx, for_update: $for_update }
    };
}

pub(crate) use store_tx;
