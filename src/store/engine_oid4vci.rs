//! The SQL of the OID4VCI pre-authorized code flow (issue 18; OpenID for Verifiable
//! Credential Issuance 1.0 §4 offers, §6 token, §7 nonces, §8 credentials). Expanded inside
//! `store_tx!` like `engine_keys.rs`, so it shares the transaction type of `engine.rs`; the
//! one read outside a transaction is [`oid4vci_wallet_copies`].

macro_rules! store_tx_oid4vci {
    (db: $db:ty, tx: $tx:ident, for_update: $for_update:literal $(,)?) => {
        /// Copies given to wallets for one record, oldest first.
        async fn oid4vci_wallet_copies(
            pool: &sqlx::Pool<$db>,
            credential_id: &$crate::domain::ids::CredentialId,
        ) -> StoreResult<Vec<$crate::store::WalletCopyRow>> {
            let rows = sqlx::query(
                "SELECT * FROM wallet_credentials WHERE credential_id = $1 ORDER BY issued_at, copy_id",
            )
            .bind(credential_id.to_string())
            .fetch_all(pool)
            .await?;
            rows.iter().map($crate::store::oid4vci_rows::wallet_copy).collect()
        }

        impl $tx {
            /// Inserts an offer, first dropping offers whose code and token have both expired
            /// (a share page makes one per view).
            async fn insert_offer_row(&mut self, o: &$crate::store::OfferRow) -> StoreResult<()> {
                self.flush().await?;
                sqlx::query(
                    "DELETE FROM oid4vci_offers WHERE expires_at < $1 \
                     AND (token_expires_at IS NULL OR token_expires_at < $1)",
                )
                .bind(o.created_at)
                .execute(&mut *self.tx)
                .await?;
                sqlx::query(
                    "INSERT INTO oid4vci_offers (code_hash, credential_id, origin, tx_code_hash, \
                     tx_code_failures, created_at, expires_at, redeemed_at, token_hash, token_expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&o.code_hash)
                .bind(o.credential_id.to_string())
                .bind(o.origin.as_str())
                .bind(&o.tx_code_hash)
                .bind(o.tx_code_failures)
                .bind(o.created_at)
                .bind(o.expires_at)
                .bind(o.redeemed_at)
                .bind(&o.token_hash)
                .bind(o.token_expires_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            /// The offer whose `column` (`code_hash` or `token_hash`) is `hash`, locked until
            /// the transaction ends so two redemptions of one code serialize.
            async fn offer_where(
                &mut self,
                column: &'static str,
                hash: &str,
            ) -> StoreResult<Option<$crate::store::OfferRow>> {
                self.flush().await?;
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT * FROM oid4vci_offers WHERE {column} = $1{}",
                    $for_update
                ));
                let row = sqlx::query(sql).bind(hash).fetch_optional(&mut *self.tx).await?;
                row.as_ref().map($crate::store::oid4vci_rows::offer).transpose()
            }

            async fn save_offer_row(&mut self, o: &$crate::store::OfferRow) -> StoreResult<()> {
                self.flush().await?;
                sqlx::query(
                    "UPDATE oid4vci_offers SET tx_code_failures = $2, redeemed_at = $3, \
                     token_hash = $4, token_expires_at = $5 WHERE code_hash = $1",
                )
                .bind(&o.code_hash)
                .bind(o.tx_code_failures)
                .bind(o.redeemed_at)
                .bind(&o.token_hash)
                .bind(o.token_expires_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_nonce_row(&mut self, nonce_hash: &str, now: i64, expires_at: i64) -> StoreResult<()> {
                self.flush().await?;
                sqlx::query("DELETE FROM oid4vci_nonces WHERE expires_at < $1")
                    .bind(now)
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query("INSERT INTO oid4vci_nonces (nonce_hash, expires_at) VALUES ($1, $2)")
                    .bind(nonce_hash)
                    .bind(expires_at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            /// Marks a live, unused nonce used; `false` when it is unknown, used or expired.
            async fn take_nonce_row(&mut self, nonce_hash: &str, now: i64) -> StoreResult<bool> {
                self.flush().await?;
                let done = sqlx::query(
                    "UPDATE oid4vci_nonces SET used_at = $2 \
                     WHERE nonce_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(nonce_hash)
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_wallet_copy_row(&mut self, w: &$crate::store::WalletCopyRow) -> StoreResult<()> {
                self.flush().await?;
                sqlx::query(
                    "INSERT INTO wallet_credentials (copy_id, credential_id, offer_hash, configuration_id, \
                     holder_did, issued_at, credential) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(w.copy_id.to_string())
                .bind(w.credential_id.to_string())
                .bind(&w.offer_hash)
                .bind(&w.configuration_id)
                .bind(&w.holder_did)
                .bind(w.issued_at)
                .bind(&w.credential)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use store_tx_oid4vci;
