//! The issuer's keys: which exist (public records, kept in the database so every instance
//! agrees on the active key) and their private halves (files under `keys_dir`, loaded lazily
//! and cached).

use super::key::{IssuerKey, KeyError};
use ed25519_dalek::VerifyingKey;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use time::OffsetDateTime;

/// The public facts about a key: what the DID document and JWKS publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Fragment of the verification method id, e.g. `key-1`.
    pub key_id: String,
    pub public_key: VerifyingKey,
    pub created_at: OffsetDateTime,
    /// When a rotation replaced it; signatures made after this are refused.
    pub retired_at: Option<OffsetDateTime>,
}

impl KeyRecord {
    pub fn is_active(&self) -> bool {
        self.retired_at.is_none()
    }
}

#[derive(Debug)]
pub struct Keyring {
    dir: PathBuf,
    loaded: RwLock<HashMap<String, Arc<IssuerKey>>>,
}

impl Keyring {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            loaded: RwLock::new(HashMap::new()),
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    fn path_of(&self, key_id: &str) -> PathBuf {
        self.dir.join(format!("{key_id}.pem"))
    }

    /// Generates a key and writes its private half; the caller records the public half, and
    /// has checked (under the key lock) that no record uses `key_id`. A file already there is
    /// set aside as `{key_id}.pem.orphaned-{unix time}` only when `abandoned`: the database
    /// recorded a rotation to `key_id` as started and it never committed, so the file signed
    /// nothing anyone can verify (issue 15 §2). Otherwise the file is someone's key — most
    /// likely this process was pointed at the wrong database — and is left alone: an error.
    /// Nothing is ever deleted or overwritten.
    pub fn generate(
        &self,
        key_id: &str,
        now: time::OffsetDateTime,
        abandoned: bool,
    ) -> Result<Arc<IssuerKey>, KeyError> {
        crate::config::files::private_dir(&self.dir).map_err(|e| KeyError::File {
            path: self.dir.display().to_string(),
            message: e.to_string(),
        })?;
        let path = self.path_of(key_id);
        if path.exists() && !abandoned {
            return Err(KeyError::File {
                path: path.display().to_string(),
                message: "already exists and the database records no rotation that made it; \
                          it is left alone (is database_url the deployment's database?)"
                    .into(),
            });
        }
        if path.exists() {
            let stamp = now.unix_timestamp();
            let aside = self.dir.join(format!("{key_id}.pem.orphaned-{stamp}"));
            std::fs::rename(&path, &aside).map_err(|e| KeyError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            tracing::warn!(
                key_id,
                moved_to = %aside.display(),
                "a key file without a key record (a rotation that never committed) was set aside"
            );
            self.loaded
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key_id);
        }
        let key = Arc::new(IssuerKey::generate(key_id));
        key.write_new(&path)?;
        self.cache(key.clone());
        Ok(key)
    }

    /// The private key for a published record, checked against the record so a swapped or
    /// corrupted file can never sign under the published verification method.
    pub fn signer_for(&self, record: &KeyRecord) -> Result<Arc<IssuerKey>, KeyError> {
        let cached = self
            .loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&record.key_id)
            .cloned();
        let key = match cached {
            Some(key) => key,
            None => {
                let key = Arc::new(IssuerKey::read(
                    &record.key_id,
                    &self.path_of(&record.key_id),
                )?);
                self.cache(key.clone());
                key
            }
        };
        if key.public_key() != record.public_key {
            return Err(KeyError::Mismatch {
                key_id: record.key_id.clone(),
            });
        }
        Ok(key)
    }

    /// The `key-N.pem` files of the directory, by N (none when it does not exist).
    pub fn files(&self) -> Result<Vec<String>, KeyError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(KeyError::File {
                    path: self.dir.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        let mut ids: Vec<(u64, String)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|name| {
                let id = name.strip_suffix(".pem")?;
                let n = id.strip_prefix("key-")?.parse().ok()?;
                Some((n, id.to_owned()))
            })
            .collect();
        ids.sort();
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// Key files that the group or others may read or write (issue 15 §2).
    pub fn exposed_files(&self) -> Result<Vec<PathBuf>, KeyError> {
        let mut exposed = Vec::new();
        for id in self.files()? {
            let path = self.path_of(&id);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path)
                    .map_err(|e| KeyError::File {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    exposed.push(path);
                }
            }
        }
        Ok(exposed)
    }

    /// Reads an existing key file (adoption: `attest keys adopt`).
    pub fn load(&self, key_id: &str) -> Result<Arc<IssuerKey>, KeyError> {
        let key = Arc::new(IssuerKey::read(key_id, &self.path_of(key_id))?);
        self.cache(key.clone());
        Ok(key)
    }

    /// Installs an in-memory key (tests and test vectors).
    pub fn cache(&self, key: Arc<IssuerKey>) {
        self.loaded
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.key_id().to_owned(), key);
    }
}
