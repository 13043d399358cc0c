//! Key lifecycle: the first key on first run, rotation (a new active key; the old one is
//! retired but stays published), and the signer for new signatures.

use super::audit::{self, Entry};
use super::{Actor, Context, ServiceError, ServiceResult};
use crate::crypto::{IssuerKey, KeyRecord};
use crate::problem::ProblemCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long verifications may share one read of the key records. A rotation made by this
/// process clears the cache at once; one made elsewhere (the CLI, another instance) is seen
/// within this time, and at once by any proof that names a key not seen yet.
pub const KEY_RECORDS_TTL: Duration = Duration::from_secs(1);

/// The issuer's public key records as last read, for verification (a read per verification
/// was most of its database work).
#[derive(Debug, Default)]
pub struct KeyRecordCache(Mutex<Option<(Instant, Arc<Vec<KeyRecord>>)>>);

impl KeyRecordCache {
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn fresh(&self) -> Option<Arc<Vec<KeyRecord>>> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < KEY_RECORDS_TTL)
            .map(|(_, keys)| keys.clone())
    }
}

/// Our key records, from the cache unless it is older than [`KEY_RECORDS_TTL`] or lacks one
/// of `wanted` (key ids a presented proof names).
pub async fn records(ctx: &Context, wanted: &[&str]) -> ServiceResult<Arc<Vec<KeyRecord>>> {
    if let Some(keys) = ctx.key_records.fresh()
        && wanted.iter().all(|id| keys.iter().any(|k| k.key_id == *id))
    {
        return Ok(keys);
    }
    let keys = Arc::new(ctx.store.keys().await?);
    *ctx.key_records.0.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((Instant::now(), keys.clone()));
    Ok(keys)
}

/// Creates `key-1` when the database has no key; otherwise checks that the active key's
/// private half is present and matches. Returns the id of a key it created. Refuses when the
/// database has no key but the keys directory has key files (issue 15 §2): those belong to
/// some database, most likely the one `database_url` was meant to name.
pub async fn ensure_active_key(ctx: &Context) -> ServiceResult<Option<String>> {
    check_file_modes(ctx)?;
    let keys = ctx.store.keys().await?;
    if keys.is_empty() {
        refuse_unknown_files(ctx).await?;
    }
    if let Some(active) = keys.iter().find(|k| k.is_active()) {
        ctx.keyring
            .signer_for(active)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        return Ok(None);
    }
    let actor = Actor {
        name: "system:first-run".into(),
        role: super::Role::Admin,
    };
    match create(ctx, &actor, true).await? {
        Some(record) => Ok(Some(record.key_id)),
        // Another instance sharing the database made the first key meanwhile.
        None => check_active_key(ctx).await.map(|()| None),
    }
}

/// Key files readable by group or others: a warning, or a refusal when
/// `strict_key_permissions` (or `--strict`) is set.
fn check_file_modes(ctx: &Context) -> ServiceResult<()> {
    let exposed = ctx
        .keyring
        .exposed_files()
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    if exposed.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = exposed.iter().map(|p| p.display().to_string()).collect();
    let message = format!(
        "key files readable by group or others: {} (fix with `chmod 600`)",
        names.join(", ")
    );
    if ctx.config.strict_key_permissions {
        return Err(ServiceError::internal(format!(
            "{message}; refusing to start (strict_key_permissions)"
        )));
    }
    tracing::warn!("{message}");
    Ok(())
}

/// An empty database beside a keys directory with keys: a configuration error, unless the
/// files were left by a first rotation the database recorded as started (see [`create`]).
async fn refuse_unknown_files(ctx: &Context) -> ServiceResult<()> {
    let files = ctx
        .keyring
        .files()
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let mut unknown = Vec::new();
    if !files.is_empty() {
        let mut tx = ctx.store.begin().await?;
        // Another instance may have made the first key since we looked.
        if !tx.keys().await?.is_empty() {
            return Ok(());
        }
        for id in files {
            if tx.key_intent(&id).await?.is_none() {
                unknown.push(format!("{id}.pem"));
            }
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ServiceError::conflict(
        ProblemCode::UnknownKeyFiles,
        format!(
            "the keys directory {} holds {} but the database {} has no signing keys: \
             database_url most likely names the wrong (or a new, empty) database. Nothing was \
             changed. Point database_url at the deployment's database, or, to use these keys \
             with this database on purpose, run `attest keys adopt`",
            ctx.keyring.dir().display(),
            unknown.join(", "),
            crate::config::redact_url(&ctx.config.database_url),
        ),
    ))
}

/// Registers the key files of an empty database's keys directory (`attest keys adopt`):
/// `key-1` … `key-N` in order, the last one active, the others retired now.
pub async fn adopt(ctx: &Context, actor: &Actor) -> ServiceResult<Vec<KeyRecord>> {
    let now = ctx.now();
    let files = ctx
        .keyring
        .files()
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    if files.is_empty() {
        return Err(ServiceError::not_found(&format!(
            "key file in {}",
            ctx.keyring.dir().display()
        )));
    }
    let mut tx = ctx.store.begin().await?;
    if !tx.keys().await?.is_empty() {
        return Err(ServiceError::conflict(
            ProblemCode::KeysExist,
            "this database already has signing keys; adopt only into a database without any",
        ));
    }
    let mut adopted = Vec::new();
    for (n, id) in files.iter().enumerate() {
        if *id != format!("key-{}", n + 1) {
            return Err(ServiceError::invalid(
                ProblemCode::KeyFilesNotContiguous,
                format!("expected key-{}.pem before {id}.pem", n + 1),
            ));
        }
        let key = ctx
            .keyring
            .load(id)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        let record = KeyRecord {
            key_id: id.clone(),
            public_key: key.public_key(),
            created_at: now,
            retired_at: None,
        };
        tx.rotate_key(&record).await?;
        adopted.push(record);
    }
    audit::append(
        tx.as_mut(),
        now.unix_timestamp(),
        Entry {
            actor,
            action: "key.adopt",
            credential_id: None,
            reason: None,
            detail: json!({"keys": files, "dir": ctx.keyring.dir().display().to_string()}),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.key_records.clear();
    Ok(adopted)
}

/// For readiness: the active key's private half can be loaded and matches its record. Unlike
/// [`ensure_active_key`] this never creates a key.
pub async fn check_active_key(ctx: &Context) -> ServiceResult<()> {
    let keys = ctx.store.keys().await?;
    let active = keys
        .iter()
        .find(|k| k.is_active())
        .ok_or_else(|| ServiceError::internal("no active signing key"))?;
    ctx.keyring
        .signer_for(active)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    Ok(())
}

/// Makes a new active key; the previous one is retired now and keeps verifying.
pub async fn rotate(ctx: &Context, actor: &Actor) -> ServiceResult<KeyRecord> {
    create(ctx, actor, false)
        .await?
        .ok_or_else(|| ServiceError::internal("rotation made no key"))
}

/// How long a recorded rotation may take before another one treats it as abandoned (its
/// process died between recording the intent and committing the key).
const ROTATION_ABANDONED_AFTER: i64 = 60;

/// How often, and how many times, a key creation waits for another one in progress.
const FIRST_KEY_POLL: Duration = Duration::from_millis(200);
const FIRST_KEY_POLLS: u32 = 150;

/// [`create_once`]; one that meets another rotation in progress waits for it and goes again: a
/// first start then finds that instance's key, a rotation makes the key after it (two
/// rotations asked for at once give two new keys, as they did before intents were recorded).
async fn create(
    ctx: &Context,
    actor: &Actor,
    only_first: bool,
) -> ServiceResult<Option<KeyRecord>> {
    let mut polls = 0;
    loop {
        match create_once(ctx, actor, only_first).await {
            Err(e) if e.code == ProblemCode::RotationInProgress && polls < FIRST_KEY_POLLS => {
                polls += 1;
                tokio::time::sleep(FIRST_KEY_POLL).await;
            }
            other => return other,
        }
    }
}

/// The new key, or `None` when `only_first` and a key is already active. The key list is read
/// inside the transaction under the engine's key lock, so instances starting or rotating at
/// the same moment queue here instead of racing for the same key id.
///
/// Three steps (issue 15 §2): the intent to create `key-N` is committed first, then the file
/// is written, then the record commits and settles the intent. A file found in the way is
/// set aside only when the database holds an abandoned intent for it.
async fn create_once(
    ctx: &Context,
    actor: &Actor,
    only_first: bool,
) -> ServiceResult<Option<KeyRecord>> {
    let now = ctx.now();
    let token = crate::domain::ids::CredentialId::random().to_string();
    let mut tx = ctx.store.begin().await?;
    let existing = tx.keys().await?;
    if only_first && existing.iter().any(KeyRecord::is_active) {
        return Ok(None);
    }
    let key_id = format!("key-{}", existing.len() + 1);
    let busy = || {
        ServiceError::conflict(
            ProblemCode::RotationInProgress,
            format!("another rotation to `{key_id}` is in progress; retry shortly"),
        )
    };
    let abandoned = match tx.key_intent(&key_id).await? {
        None => false,
        Some(intent) if now.unix_timestamp() - intent.started_at >= ROTATION_ABANDONED_AFTER => {
            true
        }
        Some(_) => return Err(busy()),
    };
    tx.put_key_intent(&key_id, &token, now.unix_timestamp())
        .await?;
    tx.commit().await?;
    let key = ctx
        .keyring
        .generate(&key_id, now, abandoned)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let mut tx = ctx.store.begin().await?;
    let existing = tx.keys().await?;
    let ours = tx
        .key_intent(&key_id)
        .await?
        .is_some_and(|intent| intent.token == token);
    if !ours || existing.iter().any(|k| k.key_id == key_id) {
        return Err(busy());
    }
    let record = KeyRecord {
        key_id: key_id.clone(),
        public_key: key.public_key(),
        created_at: now,
        retired_at: None,
    };
    tx.rotate_key(&record).await?;
    let retired: Vec<&str> = existing
        .iter()
        .filter(|k| k.is_active())
        .map(|k| k.key_id.as_str())
        .collect();
    audit::append(
        tx.as_mut(),
        now.unix_timestamp(),
        Entry {
            actor,
            action: "key.rotate",
            credential_id: None,
            reason: None,
            detail: json!({"new_key": key_id, "retired": retired}),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.key_records.clear();
    Ok(Some(record))
}

/// The active key record and its private half, as the database says now (so every instance
/// agrees after a rotation, even one made by the CLI while the server runs).
pub async fn active_signer(
    ctx: &Context,
    tx: &mut dyn crate::store::Tx,
) -> ServiceResult<(KeyRecord, Arc<IssuerKey>)> {
    let record = tx
        .active_key()
        .await?
        .ok_or_else(|| ServiceError::internal("no active signing key"))?;
    let key = ctx
        .keyring
        .signer_for(&record)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    Ok((record, key))
}

pub async fn list(ctx: &Context) -> ServiceResult<Vec<KeyRecord>> {
    Ok(ctx.store.keys().await?)
}
