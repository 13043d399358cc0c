//! Reading `attest.toml` (written from the commented template on first run) and the
//! `ATTEST_*` environment, which overrides the file key by key, into a checked [`Config`].

use super::{Config, ConfigError, Limits, LogFormat, WebhookSettings, files, limits, webhooks};
use crate::vc::did::DidMethod;
use crate::vc::proof::Cryptosuite;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's shape: every key optional, so a partial file only overrides what it names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_base_url: Option<String>,
    database_url: Option<String>,
    keys_dir: Option<PathBuf>,
    issuer_name: Option<String>,
    did_method: Option<String>,
    catalog: Option<PathBuf>,
    cryptosuite: Option<String>,
    status_list_ttl_seconds: Option<u32>,
    status_list_validity_seconds: Option<u32>,
    status_list_size: Option<u32>,
    trusted_issuers: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    outbound_allow: Option<Vec<String>>,
    metrics_token: Option<String>,
    log_format: Option<String>,
    strict_key_permissions: Option<bool>,
    rate_limit_per_minute: Option<u32>,
    rate_limit_burst: Option<u32>,
    request_timeout_seconds: Option<u32>,
    max_body_bytes: Option<u32>,
    pdf_max_concurrent: Option<u32>,
    pdf_max_queued: Option<u32>,
    shutdown_grace_seconds: Option<u32>,
    cpu_workers: Option<u32>,
    cpu_max_queued: Option<u32>,
    max_proofs: Option<u32>,
    canonicalization_limit: Option<u32>,
    offer_ttl_seconds: Option<u32>,
    share_offer_ttl_seconds: Option<u32>,
    webhook_backoff_base_ms: Option<u32>,
    webhook_backoff_max_seconds: Option<u32>,
    webhook_failure_horizon_seconds: Option<u32>,
    webhook_timeout_seconds: Option<u32>,
    webhook_poll_ms: Option<u32>,
    webhook_retention_days: Option<u32>,
    expiry_lead_days: Option<Vec<u32>>,
}

/// The file written on first run: every key with its default and a comment.
const TEMPLATE: &str = include_str!("template.toml");

pub struct Loaded {
    pub config: Config,
    /// True when this run wrote the file.
    pub created: bool,
}

impl Config {
    /// Reads `path` (creating it from the template if missing and `create` is set), then applies
    /// the environment.
    pub fn load(
        path: &Path,
        create: bool,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Loaded, ConfigError> {
        let mut created = false;
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                files::write_private(path, TEMPLATE.as_bytes()).map_err(|source| {
                    ConfigError::Write {
                        path: path.to_owned(),
                        source,
                    }
                })?;
                created = true;
                TEMPLATE.to_owned()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let config = Self::resolve(file, &base_dir, path, env)?;
        Ok(Loaded { config, created })
    }

    fn resolve(
        file: FileConfig,
        base_dir: &Path,
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let pick = |key: &str, from_file: Option<String>| env(key).or(from_file);
        let listen_text =
            pick("ATTEST_LISTEN", file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            message: format!("`{listen_text}` is not an address:port"),
        })?;
        let public_base_url = pick("ATTEST_PUBLIC_BASE_URL", file.public_base_url)
            .unwrap_or_else(|| "http://localhost:8080".into());
        let public_base_url = normalize_base_url(&public_base_url)?;
        let relative = |p: PathBuf| if p.is_absolute() { p } else { base_dir.join(p) };
        let database_url = pick("ATTEST_DATABASE_URL", file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", base_dir.join("attest.db").display()));
        let keys_dir = relative(
            env("ATTEST_KEYS_DIR")
                .map(PathBuf::from)
                .or(file.keys_dir)
                .unwrap_or_else(|| "keys".into()),
        );
        let issuer_name =
            pick("ATTEST_ISSUER_NAME", file.issuer_name).unwrap_or_else(|| "AIOps School".into());
        let did_method = match pick("ATTEST_DID_METHOD", file.did_method) {
            None => DidMethod::Web,
            Some(name) => DidMethod::parse(&name).ok_or_else(|| ConfigError::Invalid {
                key: "did_method",
                message: format!("`{name}` is neither `web` nor `key`"),
            })?,
        };
        let catalog = env("ATTEST_CATALOG")
            .map(PathBuf::from)
            .or(file.catalog)
            .map(relative);
        let cryptosuite = match pick("ATTEST_CRYPTOSUITE", file.cryptosuite) {
            None => Cryptosuite::EddsaRdfc2022,
            Some(name) => Cryptosuite::parse(&name).map_err(|_| ConfigError::Invalid {
                key: "cryptosuite",
                message: format!("`{name}` is not supported"),
            })?,
        };
        let number = |key: &'static str, var: &str, v: Option<u32>, default: u32| match env(var) {
            Some(text) => text.parse::<u32>().map_err(|_| ConfigError::Invalid {
                key,
                message: format!("`{text}` is not a positive integer"),
            }),
            None => Ok(v.unwrap_or(default)),
        };
        let status_list_ttl_seconds = number(
            "status_list_ttl_seconds",
            "ATTEST_STATUS_LIST_TTL_SECONDS",
            file.status_list_ttl_seconds,
            300,
        )?;
        let status_list_validity_seconds = limits::status_list_validity(
            number(
                "status_list_validity_seconds",
                "ATTEST_STATUS_LIST_VALIDITY_SECONDS",
                file.status_list_validity_seconds,
                0,
            )?,
            status_list_ttl_seconds,
        )?;
        let status_list_size = number(
            "status_list_size",
            "ATTEST_STATUS_LIST_SIZE",
            file.status_list_size,
            131_072,
        )?;
        if status_list_size < 131_072 || status_list_size % 8 != 0 {
            return Err(ConfigError::Invalid {
                key: "status_list_size",
                message: "must be a multiple of 8 and at least 131072 (Bitstring Status List §2.1)"
                    .into(),
            });
        }
        // A list: comma-separated in the environment, an array in the file.
        let list = |var: &str, from_file: Option<Vec<String>>| -> Vec<String> {
            match env(var) {
                Some(text) => text
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                None => from_file.unwrap_or_default(),
            }
        };
        let trusted_issuers = list("ATTEST_TRUSTED_ISSUERS", file.trusted_issuers);
        let trusted_proxies = limits::networks(
            "trusted_proxies",
            &list("ATTEST_TRUSTED_PROXIES", file.trusted_proxies),
        )?;
        let outbound_allow = limits::networks(
            "outbound_allow",
            &list("ATTEST_OUTBOUND_ALLOW", file.outbound_allow),
        )?;
        let log_format = match pick("ATTEST_LOG_FORMAT", file.log_format).as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    key: "log_format",
                    message: format!("`{other}` is neither `human` nor `json`"),
                });
            }
        };
        let offer_ttl_seconds = number(
            "offer_ttl_seconds",
            "ATTEST_OFFER_TTL_SECONDS",
            file.offer_ttl_seconds,
            600,
        )?;
        let share_offer_ttl_seconds = number(
            "share_offer_ttl_seconds",
            "ATTEST_SHARE_OFFER_TTL_SECONDS",
            file.share_offer_ttl_seconds,
            300,
        )?;
        if offer_ttl_seconds == 0 || offer_ttl_seconds > 30 * 86_400 {
            return Err(ConfigError::Invalid {
                key: "offer_ttl_seconds",
                message: "must be between 1 and 2592000 (30 days)".into(),
            });
        }
        let limits = Limits::resolve(
            limits::FileLimits {
                rate_limit_per_minute: file.rate_limit_per_minute,
                rate_limit_burst: file.rate_limit_burst,
                request_timeout_seconds: file.request_timeout_seconds,
                max_body_bytes: file.max_body_bytes,
                pdf_max_concurrent: file.pdf_max_concurrent,
                pdf_max_queued: file.pdf_max_queued,
                shutdown_grace_seconds: file.shutdown_grace_seconds,
                cpu_workers: file.cpu_workers,
                cpu_max_queued: file.cpu_max_queued,
                max_proofs: file.max_proofs,
                canonicalization_limit: file.canonicalization_limit,
            },
            &env,
        )?;
        let webhooks = WebhookSettings::resolve(
            webhooks::FileWebhooks {
                webhook_backoff_base_ms: file.webhook_backoff_base_ms,
                webhook_backoff_max_seconds: file.webhook_backoff_max_seconds,
                webhook_failure_horizon_seconds: file.webhook_failure_horizon_seconds,
                webhook_timeout_seconds: file.webhook_timeout_seconds,
                webhook_poll_ms: file.webhook_poll_ms,
                webhook_retention_days: file.webhook_retention_days,
                expiry_lead_days: file.expiry_lead_days,
            },
            &env,
        )?;
        Ok(Config {
            listen,
            public_base_url,
            database_url,
            keys_dir,
            issuer_name,
            did_method,
            catalog,
            cryptosuite,
            status_list_ttl_seconds,
            status_list_validity_seconds,
            status_list_size,
            trusted_issuers,
            trusted_proxies,
            outbound_allow,
            metrics_token: pick("ATTEST_METRICS_TOKEN", file.metrics_token)
                .filter(|t| !t.is_empty()),
            log_format,
            limits,
            strict_key_permissions: match env("ATTEST_STRICT_KEY_PERMISSIONS").as_deref() {
                Some("1" | "true") => true,
                Some("0" | "false") => false,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        key: "strict_key_permissions",
                        message: format!("`{other}` is neither `true` nor `false`"),
                    });
                }
                None => file.strict_key_permissions.unwrap_or(false),
            },
            path: path.to_owned(),
            offer_ttl_seconds,
            share_offer_ttl_seconds,
            webhooks,
        })
    }
}

fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let trimmed = url.trim().trim_end_matches('/');
    let ok = (trimmed.starts_with("http://") || trimmed.starts_with("https://"))
        && trimmed.len() > "https://".len()
        && !trimmed.contains(['?', '#', ' ']);
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(ConfigError::Invalid {
            key: "public_base_url",
            message: format!("`{url}` is not an http(s) URL without query or fragment"),
        })
    }
}
