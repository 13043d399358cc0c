//! The key-lifecycle and erasure SQL of a write transaction (issue 15 §2, §3): rotating the
//! active key, the rotation intent recorded before a key file is written, and erasing a
//! candidate's personal data. Expanded inside `store_tx!` (see `engine_flush.rs` for the same
//! pattern), so it shares the transaction type of `engine.rs`.

macro_rules! store_tx_keys {
    (tx: $tx:ident $(,)?) => {
        impl $tx {
            async fn rotate_key_rows(&mut self, key: &KeyRecord) -> StoreResult<()> {
                self.flush().await?;
                self.state.active_key = None;
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
                sqlx::query("DELETE FROM key_intents WHERE key_id = $1")
                    .bind(&key.key_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn key_intent_row(&mut self, key_id: &str) -> StoreResult<Option<$crate::store::KeyIntent>> {
                let row = sqlx::query("SELECT token, started_at FROM key_intents WHERE key_id = $1")
                    .bind(key_id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.as_ref().map($crate::store::decode::key_intent).transpose()
            }

            async fn put_key_intent_row(&mut self, key_id: &str, token: &str, at: i64) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO key_intents (key_id, token, started_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key_id) DO UPDATE SET token = excluded.token, started_at = excluded.started_at",
                )
                .bind(key_id)
                .bind(token)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn erase_candidate_rows(&mut self, candidate_id: &str) -> StoreResult<$crate::store::ErasedRows> {
                self.flush().await?;
                self.state.attempts.clear();
                self.state.any_pending = None;
                let attempts = sqlx::query(
                    "UPDATE exam_attempts SET body = '{}', body_hash = 'erased', candidate_email = NULL, \
                     outcome = CASE WHEN outcome = 'pending' THEN 'cancelled' ELSE outcome END \
                     WHERE candidate_id = $1",
                )
                .bind(candidate_id)
                .execute(&mut *self.tx)
                .await?;
                let credentials = sqlx::query("UPDATE credentials SET holder_name = '' WHERE candidate_id = $1")
                    .bind(candidate_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok($crate::store::ErasedRows {
                    attempts: attempts.rows_affected(),
                    credentials: credentials.rows_affected(),
                })
            }
        }
    };
}

pub(crate) use store_tx_keys;
