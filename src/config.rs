//! One typed configuration: built-in defaults, then `attest.toml`, then `ATTEST_*` environment
//! variables (which win). The file is created with the defaults on first run so that a newcomer
//! can see and edit every setting.

pub mod files;
mod limits;
mod load;
mod webhooks;

pub use limits::Limits;
pub use load::Loaded;
pub use webhooks::WebhookSettings;

use crate::vc::did::DidMethod;
use crate::vc::proof::Cryptosuite;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_CONFIG_FILE: &str = "attest.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("setting `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Without a trailing slash; credential ids, status list URLs, the did:web and QR codes are
    /// built from it.
    pub public_base_url: String,
    pub database_url: String,
    pub keys_dir: PathBuf,
    pub issuer_name: String,
    pub did_method: DidMethod,
    /// `None`: the built-in default program (assets/catalog.toml).
    pub catalog: Option<PathBuf>,
    /// Embedded Data Integrity cryptosuite for new credentials and status lists.
    pub cryptosuite: Cryptosuite,
    /// Seconds a published status list may be cached (its `ttl` and `Cache-Control`).
    pub status_list_ttl_seconds: u32,
    /// Seconds a published status list credential is valid (`validUntil`): how long a replayed
    /// superseded list can still pass. Re-signed when half of it has passed.
    pub status_list_validity_seconds: u32,
    /// Entries per status list; the spec minimum is 131,072 (16 KiB) for herd privacy.
    pub status_list_size: u32,
    /// did:web issuers (besides us) whose keys and status lists verification may fetch.
    pub trusted_issuers: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client, for per-client limits.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Non-public ranges outbound fetches may reach anyway (all others are refused).
    pub outbound_allow: Vec<ipnet::IpNet>,
    /// When set, `GET /metrics` answers only `Authorization: Bearer <this>` (a scraper's
    /// secret, unrelated to API tokens). Never printed.
    pub metrics_token: Option<String>,
    pub log_format: LogFormat,
    /// Rate limits, timeouts, body caps, PDF concurrency and the shutdown grace period.
    pub limits: Limits,
    /// Refuse to start when a key file is readable by group or others (else a warning).
    pub strict_key_permissions: bool,
    /// Where the file was read from (or would be written to).
    pub path: PathBuf,
    /// Seconds an OID4VCI offer made through the API can be redeemed (issue 18).
    pub offer_ttl_seconds: u32,
    /// Seconds the wallet offer shown on a share page can be redeemed; 0: no wallet QR there.
    pub share_offer_ttl_seconds: u32,
    /// Webhook delivery and expiry notices (issue 19).
    pub webhooks: WebhookSettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_base_url", &self.public_base_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("keys_dir", &self.keys_dir)
            .field("issuer_name", &self.issuer_name)
            .field("did_method", &self.did_method.as_str())
            .field("catalog", &self.catalog)
            .field("cryptosuite", &self.cryptosuite.name())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Hides a password in `scheme://user:password@host/...` so a URL can be logged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
