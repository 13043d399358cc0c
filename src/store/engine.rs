//! The SQL, written once. `store_engine!` instantiates the [`Store`](super::Store) and
//! [`Tx`](super::Tx) implementations for one sqlx database type; the few statements that
//! differ between engines (how a write transaction starts, row locks, the audit lock) are
//! passed in. Placeholders are `$N`, which both SQLite and PostgreSQL accept.

macro_rules! store_engine {
    (
        db: $db:ty,
        store: $store:ident,
        tx: $tx:ident,
        begin: $begin:literal,
        for_update: $for_update:literal,
        audit_lock: $audit_lock:literal $(,)?
    ) => {
        use $crate::crypto::KeyRecord;
        use $crate::domain::ids::{AttemptId, CredentialId};
        use $crate::store::{
            AttemptRow, AuditRow, CredentialQuery, CredentialRow, PublicationRow, StateChange,
            Store, StoreError, StoreResult, TokenRow, Tx,
        };
        use sqlx::Row as _;

        type Conn = <$db as sqlx::Database>::Connection;
        type DbRow = <$db as sqlx::Database>::Row;

        const CREDENTIAL_COLUMNS: &str = "credential_id, attempt_id, candidate_id, achievement, holder_name, \
            issued_at, valid_until, list_number, list_index, key_id, state, state_reason, \
            state_changed_at, json, jwt";

        fn parse_id(text: String) -> StoreResult<CredentialId> {
            CredentialId::parse(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
        }

        fn credential_row(row: &DbRow) -> StoreResult<CredentialRow> {
            let id: String = row.try_get("credential_id")?;
            Ok(CredentialRow {
                credential_id: CredentialId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                attempt_id: row.try_get("attempt_id")?,
                candidate_id: row.try_get("candidate_id")?,
                achievement: row.try_get("achievement")?,
                holder_name: row.try_get("holder_name")?,
                issued_at: row.try_get("issued_at")?,
                valid_until: row.try_get("valid_until")?,
                list_number: row.try_get("list_number")?,
                list_index: row.try_get("list_index")?,
                key_id: row.try_get("key_id")?,
                state: row.try_get("state")?,
                state_reason: row.try_get("state_reason")?,
                state_changed_at: row.try_get("state_changed_at")?,
                json: row.try_get("json")?,
                jwt: row.try_get("jwt")?,
            })
        }

        fn key_record(row: &DbRow) -> StoreResult<KeyRecord> {
            let public: String = row.try_get("public_key")?;
            let time = |t: i64| {
                time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| StoreError::Corrupt(e.to_string()))
            };
            let retired: Option<i64> = row.try_get("retired_at")?;
            Ok(KeyRecord {
                key_id: row.try_get("key_id")?,
                public_key: $crate::vc::multibase::parse_ed25519_multikey(&public)
                    .ok_or_else(|| StoreError::Corrupt("signing_keys.public_key".into()))?,
                created_at: time(row.try_get("created_at")?)?,
                retired_at: retired.map(time).transpose()?,
            })
        }

        fn attempt_row(row: &DbRow) -> StoreResult<AttemptRow> {
            Ok(AttemptRow {
                attempt_id: row.try_get("attempt_id")?,
                body_hash: row.try_get("body_hash")?,
                candidate_id: row.try_get("candidate_id")?,
                achievement: row.try_get("achievement")?,
                outcome: row.try_get("outcome")?,
                credential_id: row.try_get("credential_id")?,
                body: row.try_get("body")?,
                received_at: row.try_get("received_at")?,
                detail: row.try_get("detail")?,
            })
        }

        fn token_row(row: &DbRow) -> StoreResult<TokenRow> {
            Ok(TokenRow {
                token_id: row.try_get("token_id")?,
                name: row.try_get("name")?,
                role: row.try_get("role")?,
                secret_hash: row.try_get("secret_hash")?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        fn audit_row(row: &DbRow) -> StoreResult<AuditRow> {
            Ok(AuditRow {
                seq: row.try_get("seq")?,
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                credential_id: row.try_get("credential_id")?,
                reason: row.try_get("reason")?,
                detail: row.try_get("detail")?,
                prev_hash: row.try_get("prev_hash")?,
                hash: row.try_get("hash")?,
            })
        }

        async fn get_credential(conn: &mut Conn, id: &CredentialId) -> StoreResult<Option<CredentialRow>> {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE credential_id = $1"));
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
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT list_number, allocated FROM status_lists WHERE allocated < size \
                     ORDER BY list_number DESC LIMIT 1{}",
                    $for_update
                ));
                if let Some(row) = sqlx::query(sql).fetch_optional(&mut *self.tx).await? {
                    return Ok((row.try_get("list_number")?, row.try_get("allocated")?));
                }
                let row = sqlx::query(
                    "INSERT INTO status_lists (list_number, size, allocated, revision, created_at) \
                     VALUES ((SELECT COALESCE(MAX(list_number), 0) + 1 FROM status_lists), $1, 0, 0, $2) \
                     RETURNING list_number",
                )
                .bind(i64::from(size))
                .bind(now)
                .fetch_one(&mut *self.tx)
                .await?;
                Ok((row.try_get("list_number")?, 0))
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
                get_credential(&mut self.tx, id).await
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

        #[async_trait::async_trait]
        impl Store for $store {
            async fn begin(&self) -> StoreResult<Box<dyn Tx>> {
                // Wait for our turn before taking a connection: queued writers then hold no
                // connection that readers need.
                let turn = self.writer_turn().await;
                let tx = self.pool.begin_with($begin).await?;
                Ok(Box::new($tx {
                    tx,
                    _turn: turn,
                    active_key: None,
                    audit_head: None,
                }))
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn credential(&self, id: &CredentialId) -> StoreResult<Option<CredentialRow>> {
                let mut conn = self.pool.acquire().await?;
                get_credential(&mut conn, id).await
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
                    .bind(&q.state)
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
                let Some(r) = row else { return Ok(None) };
                Ok(Some(PublicationRow {
                    list_id: r.try_get("list_id")?,
                    revision: r.try_get("revision")?,
                    etag: r.try_get("etag")?,
                    json: r.try_get("json")?,
                    jwt: r.try_get("jwt")?,
                    published_at: r.try_get("published_at")?,
                    valid_until: r.try_get("valid_until")?,
                }))
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

            async fn attempts_with_outcome(&self, outcome: &str, limit: i64) -> StoreResult<Vec<AttemptRow>> {
                let rows = sqlx::query(
                    "SELECT * FROM exam_attempts WHERE outcome = $1 ORDER BY received_at DESC, attempt_id LIMIT $2",
                )
                .bind(outcome)
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
        }
    };
}

pub(crate) use store_engine;
