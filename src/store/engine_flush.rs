//! The many-rows-per-statement SQL behind `tx_state.rs`: sending a transaction's unsent rows,
//! asking about many status indexes at once, and prefetching a batch's attempts. Expanded
//! inside `store_tx!`, so it shares the transaction type and the row decoders of `engine.rs`.

/// Rows per INSERT: a whole batch. 15 columns × 1,000 rows is 15,000 bound parameters, within
/// SQLite's 32,766 and PostgreSQL's 65,535. Few statements matter on PostgreSQL over TLS:
/// sqlx 0.9.0 leaves Nagle's algorithm on (upstream issue #4335), so a statement larger than
/// one TLS record (16 KiB) can wait 40 ms for a delayed ACK, once per statement.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;
/// Ids per `IN (...)` lookup.
pub(crate) const IDS_PER_LOOKUP: usize = 500;

macro_rules! store_tx_io {
    (db: $db:ty, tx: $tx:ident $(,)?) => {
        impl $tx {
            /// Sends the unsent rows: credentials first (the others refer to them), then
            /// lineage, attempts and audit entries. A constraint broken here fails the
            /// statement, and with it the transaction, exactly as a single-row insert would.
            async fn flush(&mut self) -> StoreResult<()> {
                if self.state.unsent.is_empty() {
                    return Ok(());
                }
                let mut unsent = std::mem::take(&mut self.state.unsent);
                unsent.complete_bodies()?;
                let allocations = unsent.allocations();
                let columns = format!("credentials ({CREDENTIAL_COLUMNS})");
                self.insert_rows(&columns, unsent.credentials, |mut b, r| {
                    b.push_bind(r.credential_id.to_string())
                        .push_bind(r.attempt_id.map(|v| v.as_str().to_owned()))
                        .push_bind(r.candidate_id.map(|v| v.as_str().to_owned()))
                        .push_bind(r.achievement.map(|v| v.as_str().to_owned()))
                        .push_bind(r.holder_name)
                        .push_bind(r.issued_at)
                        .push_bind(r.valid_until)
                        .push_bind(r.list_number)
                        .push_bind(r.list_index)
                        .push_bind(r.key_id)
                        .push_bind(r.state.as_str())
                        .push_bind(r.state_reason)
                        .push_bind(r.state_changed_at)
                        .push_bind(r.json)
                        .push_bind(r.jwt);
                })
                .await?;
                for (list, n) in allocations {
                    sqlx::query("UPDATE status_lists SET allocated = allocated + $1 WHERE list_number = $2")
                        .bind(n)
                        .bind(list)
                        .execute(&mut *self.tx)
                        .await?;
                }
                self.insert_rows(
                    "credential_lineage (credential_id, prerequisite_id)",
                    unsent.lineage,
                    |mut b, (id, prerequisite)| {
                        b.push_bind(id).push_bind(prerequisite);
                    },
                )
                .await?;
                self.insert_rows(
                    "exam_attempts (attempt_id, body_hash, candidate_id, achievement, outcome, \
                     credential_id, body, received_at, detail, candidate_email)",
                    unsent.attempts,
                    |mut b, r| {
                        b.push_bind(r.attempt_id.as_str().to_owned())
                            .push_bind(r.body_hash)
                            .push_bind(r.candidate_id.as_str().to_owned())
                            .push_bind(r.achievement.as_str().to_owned())
                            .push_bind(r.outcome.as_str())
                            .push_bind(r.credential_id.map(|id| id.to_string()))
                            .push_bind(r.body)
                            .push_bind(r.received_at)
                            .push_bind(r.detail)
                            .push_bind(r.candidate_email);
                    },
                )
                .await?;
                self.insert_rows(
                    "audit_log (seq, at, actor, action, credential_id, reason, detail, prev_hash, hash)",
                    unsent.audit,
                    |mut b, a| {
                        b.push_bind(a.seq)
                            .push_bind(a.at)
                            .push_bind(a.actor)
                            .push_bind(a.action)
                            .push_bind(a.credential_id.map(|id| id.to_string()))
                            .push_bind(a.reason)
                            .push_bind(a.detail.as_str().to_owned())
                            .push_bind(a.prev_hash)
                            .push_bind(a.hash);
                    },
                )
                .await?;
                Ok(())
            }

            /// `INSERT INTO {table} VALUES (…), (…)` for `rows`, [`ROWS_PER_STATEMENT`] to a statement.
            async fn insert_rows<T: Send>(
                &mut self,
                table: &str,
                rows: Vec<T>,
                mut bind: impl FnMut(sqlx::query_builder::Separated<'_, $db, &'static str>, T) + Send,
            ) -> StoreResult<()> {
                use $crate::store::engine_flush::ROWS_PER_STATEMENT;
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!("INSERT INTO {table} "));
                    q.push_values(rows.by_ref().take(ROWS_PER_STATEMENT), &mut bind);
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            /// Which of `indexes` the database already holds in `list` (unsent rows aside:
            /// the caller has excluded those).
            async fn taken_among(
                &mut self,
                list: i64,
                indexes: &[i64],
            ) -> StoreResult<std::collections::HashSet<i64>> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT list_index FROM credentials WHERE list_number = ",
                );
                q.push_bind(list).push(" AND list_index IN (");
                let mut each = q.separated(", ");
                for index in indexes {
                    each.push_bind(*index);
                }
                each.push_unseparated(")");
                let rows = q.build().fetch_all(&mut *self.tx).await?;
                Ok(rows
                    .iter()
                    .map(|r| r.try_get("list_index"))
                    .collect::<Result<_, _>>()?)
            }

            /// Reads the attempts among `ids` in a few statements; later `attempt` calls for
            /// any of them (present or absent) are then answered from the cache.
            async fn fetch_attempts(&mut self, ids: &[&str]) -> StoreResult<()> {
                use $crate::store::engine_flush::IDS_PER_LOOKUP;
                let unknown: Vec<&str> = ids
                    .iter()
                    .copied()
                    .filter(|id| !self.state.attempts.contains_key(*id))
                    .collect();
                for chunk in unknown.chunks(IDS_PER_LOOKUP) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT * FROM exam_attempts WHERE attempt_id IN (",
                    );
                    let mut each = q.separated(", ");
                    for id in chunk {
                        each.push_bind((*id).to_owned());
                    }
                    each.push_unseparated(")");
                    let rows = q.build().fetch_all(&mut *self.tx).await?;
                    for id in chunk {
                        self.state.attempts.insert((*id).to_owned(), None);
                    }
                    for row in &rows {
                        let found = attempt_row(row)?;
                        self.state.attempts.insert(found.attempt_id.as_str().to_owned(), Some(found));
                    }
                }
                Ok(())
            }
        }
    };
}

pub(crate) use store_tx_io;
