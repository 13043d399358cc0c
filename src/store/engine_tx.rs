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
            /// What this transaction last read or wrote as the active key and the audit head,
            /// so a batch of 1,000 asks once, not once per credential. Nobody else changes
            /// them meanwhile: the transaction holds the write lock (SQLite) or the audit lock
            /// from its first read, and a key rotated concurrently elsewhere is as if it
            /// happened after this transaction.
            active_key: Option<Option<KeyRecord>>,
            audit_head: Option<Option<(i64, String)>>,
        }

        impl $tx {
            fn new(
                tx: sqlx::Transaction<'static, $db>,
                turn: Option<tokio::sync::OwnedMutexGuard<()>>,
            ) -> Self {
                Self { tx, _turn: turn, active_key: None, audit_head: None }
            }
        }

        #[async_trait::async_trait]
        impl Tx for $tx {
            async fn attempt(&mut self, id: &AttemptId) -> StoreResult<Option<AttemptRow>> {
                get_attempt(&mut self.tx, id).await
            }

            async fn insert_attempt(&mut self, r: &AttemptRow) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO exam_attempts (attempt_id, body_hash, candidate_id, achievement, outcome, \
                     credential_id, body, received_at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&r.attempt_id)
                .bind(&r.body_hash)
                .bind(&r.candidate_id)
                .bind(&r.achievement)
                .bind(&r.outcome)
                .bind(&r.credential_id)
                .bind(&r.body)
                .bind(r.received_at)
                .bind(&r.detail)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn active_key(&mut self) -> StoreResult<Option<KeyRecord>> {
                if let Some(known) = &self.active_key {
                    return Ok(known.clone());
                }
                let row = sqlx::query(
                    "SELECT key_id, public_key, created_at, retired_at FROM signing_keys WHERE active_marker = 1",
                )
                .fetch_optional(&mut *self.tx)
                .await?;
                let key = row.as_ref().map(key_record).transpose()?;
                self.active_key = Some(key.clone());
                Ok(key)
            }

            async fn keys(&mut self) -> StoreResult<Vec<KeyRecord>> {
                // Read only by a rotation, which names the new key after the count: the key
                // lock serializes rotations, so two instances never pick the same key id.
                let lock: &str = $key_lock;
                if !lock.is_empty() {
                    sqlx::query(lock).execute(&mut *self.tx).await?;
                }
                get_keys(&mut self.tx).await
            }

            async fn rotate_key(&mut self, key: &KeyRecord) -> StoreResult<()> {
                self.active_key = None;
                let at = key.created_at.unix_timestamp();
                sqlx::query("UPDATE signing_keys SET retired_at = $1, active_marker = NULL WHERE active_marker = 1")
                    .bind(at)
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO signing_keys (key_id, seq, public_key, created_at, retired_at, active_marker) \
                     VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM signing_keys), $2, $3, NULL, 1)",
                )
                .bind(&key.key_id)
                .bind($crate::vc::multibase::ed25519_multikey(&key.public_key))
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn open_status_list(&mut self, size: u32, now: i64) -> StoreResult<(i64, i64)> {
                // The newest list, locked: only it can have room (lists open when it is full).
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT list_number, allocated, size FROM status_lists \
                     ORDER BY list_number DESC LIMIT 1{}",
                    $for_update
                ));
                let next = match sqlx::query(sql).fetch_optional(&mut *self.tx).await? {
                    Some(row) => {
                        let (number, allocated): (i64, i64) = (row.try_get("list_number")?, row.try_get("allocated")?);
                        if allocated < row.try_get::<i64, _>("size")? {
                            return Ok((number, allocated));
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
                Ok((next, 0))
            }

            async fn index_is_free(&mut self, list_number: i64, index: i64) -> StoreResult<bool> {
                let row = sqlx::query("SELECT 1 AS taken FROM credentials WHERE list_number = $1 AND list_index = $2")
                    .bind(list_number)
                    .bind(index)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(row.is_none())
            }

            async fn insert_credential(&mut self, r: &CredentialRow) -> StoreResult<()> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "INSERT INTO credentials ({CREDENTIAL_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                ));
                sqlx::query(sql)
                    .bind(r.credential_id.to_string())
                    .bind(&r.attempt_id)
                    .bind(&r.candidate_id)
                    .bind(&r.achievement)
                    .bind(&r.holder_name)
                    .bind(r.issued_at)
                    .bind(r.valid_until)
                    .bind(r.list_number)
                    .bind(r.list_index)
                    .bind(&r.key_id)
                    .bind(&r.state)
                    .bind(&r.state_reason)
                    .bind(r.state_changed_at)
                    .bind(&r.json)
                    .bind(&r.jwt)
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query("UPDATE status_lists SET allocated = allocated + 1 WHERE list_number = $1")
                    .bind(r.list_number)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn credential(&mut self, id: &CredentialId) -> StoreResult<Option<CredentialRow>> {
                // Locked: a state change reads, decides and writes; two instances changing the
                // same credential must not both decide from the old state (a lost revocation).
                get_credential(&mut self.tx, id, $for_update).await
            }

            async fn taken_indexes(&mut self, list_number: i64) -> StoreResult<Vec<i64>> {
                let rows = sqlx::query("SELECT list_index FROM credentials WHERE list_number = $1")
                    .bind(list_number)
                    .fetch_all(&mut *self.tx)
                    .await?;
                Ok(rows.iter().map(|r| r.try_get("list_index")).collect::<Result<_, _>>()?)
            }

            async fn insert_lineage(&mut self, id: &CredentialId, prerequisite: &CredentialId) -> StoreResult<()> {
                sqlx::query("INSERT INTO credential_lineage (credential_id, prerequisite_id) VALUES ($1, $2)")
                    .bind(id.to_string())
                    .bind(prerequisite.to_string())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn dependents(&mut self, prerequisite: &CredentialId) -> StoreResult<Vec<CredentialId>> {
                let rows = sqlx::query(
                    "SELECT credential_id FROM credential_lineage WHERE prerequisite_id = $1 ORDER BY credential_id",
                )
                .bind(prerequisite.to_string())
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|r| parse_id(r.try_get("credential_id")?)).collect()
            }

            async fn candidate_credentials(&mut self, candidate_id: &str) -> StoreResult<Vec<CredentialRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE candidate_id = $1 \
                     ORDER BY issued_at DESC, credential_id DESC"
                ));
                let rows = sqlx::query(sql).bind(candidate_id).fetch_all(&mut *self.tx).await?;
                rows.iter().map(credential_row).collect()
            }

            async fn pending_attempts(&mut self, candidate_id: &str) -> StoreResult<Vec<AttemptRow>> {
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
                attempt_id: &str,
                outcome: &str,
                credential_id: Option<&str>,
                detail: Option<&str>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE exam_attempts SET outcome = $1, credential_id = $2, detail = $3 WHERE attempt_id = $4",
                )
                .bind(outcome)
                .bind(credential_id)
                .bind(detail)
                .bind(attempt_id)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }


            async fn set_state(&mut self, id: &CredentialId, c: &StateChange) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE credentials SET state = $1, state_reason = $2, state_changed_at = $3 WHERE credential_id = $4",
                )
                .bind(&c.state)
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

            async fn list_bits(&mut self, list_number: i64) -> StoreResult<(i64, i64, Vec<(i64, String)>)> {
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
                let bits = rows
                    .iter()
                    .map(|r| Ok((r.try_get("list_index")?, r.try_get("state")?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                Ok((row.try_get("revision")?, row.try_get("size")?, bits))
            }

            async fn save_publication(&mut self, p: &PublicationRow) -> StoreResult<()> {
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
                .bind(&t.role)
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

            async fn last_audit(&mut self) -> StoreResult<Option<(i64, String)>> {
                if let Some(head) = &self.audit_head {
                    return Ok(head.clone());
                }
                let lock: &str = $audit_lock;
                if !lock.is_empty() {
                    sqlx::query(lock).execute(&mut *self.tx).await?;
                }
                let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let head = match row {
                    Some(r) => Some((r.try_get("seq")?, r.try_get("hash")?)),
                    None => None,
                };
                self.audit_head = Some(head.clone());
                Ok(head)
            }

            async fn insert_audit(&mut self, a: &AuditRow) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, credential_id, reason, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(a.seq)
                .bind(a.at)
                .bind(&a.actor)
                .bind(&a.action)
                .bind(&a.credential_id)
                .bind(&a.reason)
                .bind(&a.detail)
                .bind(&a.prev_hash)
                .bind(&a.hash)
                .execute(&mut *self.tx)
                .await?;
                self.audit_head = Some(Some((a.seq, a.hash.clone())));
                Ok(())
            }

            async fn commit(self: Box<Self>) -> StoreResult<()> {
                let Self { tx, .. } = *self;
                tx.commit().await?;
                Ok(())
            }
        }

    };
}

pub(crate) use store_tx;
