//! Everything a use case needs, built once at start-up: configuration, catalog, database,
//! keys, clock and the compiled exam-result schema. Start-up fails here, with a message, rather
//! than on the first request.

use super::keys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::domain::catalog::Catalog;
use crate::store::{self, SharedStore};
use crate::vc::did::IssuerIdentity;
use std::sync::Arc;

pub const EXAM_RESULT_SCHEMA: &str = include_str!("../../schemas/exam-result.schema.json");
pub const CREDENTIAL_SCHEMA: &str = include_str!("../../schemas/credential.schema.json");

pub struct Context {
    pub config: Config,
    pub catalog: Catalog,
    pub store: SharedStore,
    pub keyring: Keyring,
    pub clock: SharedClock,
    pub identity: IssuerIdentity,
    pub exam_schema: jsonschema::Validator,
    pub credential_schema: jsonschema::Validator,
    pub status_cache: super::status::PublicationCache,
    /// Key records shared by verifications (see [`keys::KeyRecordCache`]).
    pub key_records: keys::KeyRecordCache,
    /// Our credentials as issued, for verifications that present them again.
    pub issued: super::verify::IssuedCache,
    /// Bounds PDF rendering (`limits.pdf_max_concurrent` at once, `pdf_max_queued` waiting);
    /// the PDF handler takes a permit through `http::limits::pdf_permit`.
    pub pdf_renders: super::capacity::RenderGate,
    /// Where certificates are rendered: one thread per `pdf_max_concurrent` slot.
    pub pdf_threads: super::threads::WorkThreads,
    /// Proof verification and single-credential signing run here, off the async workers.
    pub cpu: super::cpu::CpuPool,
    /// Where outbound fetches may go (public addresses and `outbound_allow`).
    pub outbound: super::outbound::Outbound,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Catalog(#[from] crate::domain::catalog::CatalogError),
    #[error("cannot read catalog {path}: {message}")]
    CatalogFile { path: String, message: String },
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("keys: {0}")]
    Keys(String),
    #[error("schema: {0}")]
    Schema(String),
    #[error("cannot start the PDF rendering threads: {0}")]
    Threads(#[from] std::io::Error),
}

/// Outcome of first-run setup, for the start-up banner.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    pub created_key: Option<String>,
}

impl Context {
    pub async fn open(
        config: Config,
        clock: SharedClock,
    ) -> Result<(Arc<Self>, Setup), StartError> {
        let ctx = Self::open_without_key(config, clock).await?;
        let created_key = keys::ensure_active_key(&ctx)
            .await
            .map_err(|e| StartError::Keys(e.message))?;
        Ok((ctx, Setup { created_key }))
    }

    /// Everything but the signing key check (`attest keys adopt` runs before there is one).
    pub async fn open_without_key(
        config: Config,
        clock: SharedClock,
    ) -> Result<Arc<Self>, StartError> {
        crate::install_tls_provider();
        // Process-wide: canonicalization runs deep inside `vc`, far from any context.
        crate::vc::rdfc::set_canonicalization_limit(u64::from(
            config.limits.canonicalization_limit,
        ));
        let catalog = match &config.catalog {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| StartError::CatalogFile {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                Catalog::parse(&text, &path.display().to_string())?
            }
            None => Catalog::default_program()?,
        };
        let store = store::connect(&config.database_url).await?;
        let keyring = Keyring::new(config.keys_dir.clone());
        let identity = IssuerIdentity::new(config.did_method, &config.public_base_url);
        let compile = |text: &str| {
            let schema: serde_json::Value =
                serde_json::from_str(text).map_err(|e| StartError::Schema(e.to_string()))?;
            jsonschema::validator_for(&schema).map_err(|e| StartError::Schema(e.to_string()))
        };
        let pdf_renders = super::capacity::RenderGate::new(
            config.limits.pdf_max_concurrent,
            config.limits.pdf_max_queued,
        );
        let pdf_threads =
            super::threads::WorkThreads::new("attest-pdf", config.limits.pdf_max_concurrent)?;
        let cpu = super::cpu::CpuPool::new(
            config.limits.cpu_workers,
            config.limits.cpu_max_queued,
            u64::from(config.limits.canonicalization_limit),
        );
        let outbound = super::outbound::Outbound::new(config.outbound_allow.clone());
        let ctx = Arc::new(Self {
            exam_schema: compile(EXAM_RESULT_SCHEMA)?,
            credential_schema: compile(CREDENTIAL_SCHEMA)?,
            config,
            catalog,
            store,
            keyring,
            clock,
            identity,
            status_cache: Default::default(),
            key_records: Default::default(),
            issued: Default::default(),
            pdf_renders,
            pdf_threads,
            cpu,
            outbound,
        });
        Ok(ctx)
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub fn base_url(&self) -> &str {
        &self.config.public_base_url
    }
}
