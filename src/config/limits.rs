//! Operational bounds: how much one client, one request and one burst of PDF downloads may
//! take, and how long a shutdown waits for work in flight. They live apart from the identity
//! settings because operators tune them per deployment, and every one of them has a default
//! that is safe on a small machine.

use super::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests a client (peer IP address; an IPv6 /64) may make per minute to the public
    /// routes `/credentials/verify`, `/v/…`, `/c/…` and `/credentials/{id}.pdf`; 0 turns the
    /// limit off (e.g. behind a proxy that limits already).
    pub rate_limit_per_minute: u32,
    /// How many of those requests may come at once before the per-minute rate applies.
    pub rate_limit_burst: u32,
    /// A request that has not been answered after this long gets `503` (`code: timeout`).
    pub request_timeout_seconds: u32,
    /// Cap on any request body, whatever the route (each route has its own, smaller cap).
    pub max_body_bytes: u32,
    /// PDF certificates rendered at the same time (rendering is CPU work).
    pub pdf_max_concurrent: u32,
    /// PDF requests that may wait for a rendering slot; beyond that they get `503` at once.
    pub pdf_max_queued: u32,
    /// On SIGTERM, how long in-flight requests may take to finish before the server exits.
    pub shutdown_grace_seconds: u32,
    /// Proof verifications and single-credential signings running at once; 0: one per core.
    pub cpu_workers: u32,
    /// Such jobs that may wait for a worker; beyond that a request gets `503 busy` at once.
    pub cpu_max_queued: u32,
    /// Proofs a presented document may carry (a proof set or chain); more are refused unread.
    pub max_proofs: u32,
    /// Blank node hashing work one RDFC-1.0 canonicalization may do (eddsa-rdfc-2022 issue and
    /// verify) before it is refused as a poison graph; see `vc::rdfc::canonicalization_limit`.
    pub canonicalization_limit: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rate_limit_per_minute: 120,
            rate_limit_burst: 30,
            request_timeout_seconds: 60,
            max_body_bytes: 8 * 1024 * 1024,
            pdf_max_concurrent: 2,
            pdf_max_queued: 16,
            shutdown_grace_seconds: 20,
            cpu_workers: 0,
            cpu_max_queued: 64,
            max_proofs: 4,
            canonicalization_limit: 20_000,
        }
    }
}

/// Addresses (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`).
pub(super) fn networks(
    key: &'static str,
    items: &[String],
) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    items
        .iter()
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    key,
                    message: format!("`{item}` is neither an IP address nor a CIDR range"),
                })
        })
        .collect()
}

/// The same keys as read from `attest.toml` (each optional).
#[derive(Debug, Default, Clone, Copy)]
pub struct FileLimits {
    pub rate_limit_per_minute: Option<u32>,
    pub rate_limit_burst: Option<u32>,
    pub request_timeout_seconds: Option<u32>,
    pub max_body_bytes: Option<u32>,
    pub pdf_max_concurrent: Option<u32>,
    pub pdf_max_queued: Option<u32>,
    pub shutdown_grace_seconds: Option<u32>,
    pub cpu_workers: Option<u32>,
    pub cpu_max_queued: Option<u32>,
    pub max_proofs: Option<u32>,
    pub canonicalization_limit: Option<u32>,
}

impl Limits {
    /// [`Self::max_proofs`] as the count the proof functions take.
    pub fn max_proofs(&self) -> usize {
        usize::try_from(self.max_proofs).unwrap_or(usize::MAX)
    }

    /// Defaults, then the file, then `ATTEST_<KEY>` variables.
    pub(super) fn resolve(
        file: FileLimits,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let d = Self::default();
        let number = |key: &'static str, from_file: Option<u32>, default: u32, min: u32| {
            let var = format!("ATTEST_{}", key.to_ascii_uppercase());
            let value = match env(&var) {
                Some(text) => text
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| ConfigError::Invalid {
                        key,
                        message: format!("`{text}` is not a whole number"),
                    })?,
                None => from_file.unwrap_or(default),
            };
            if value < min {
                return Err(ConfigError::Invalid {
                    key,
                    message: format!("must be at least {min}"),
                });
            }
            Ok(value)
        };
        Ok(Self {
            rate_limit_per_minute: number(
                "rate_limit_per_minute",
                file.rate_limit_per_minute,
                d.rate_limit_per_minute,
                0,
            )?,
            rate_limit_burst: number(
                "rate_limit_burst",
                file.rate_limit_burst,
                d.rate_limit_burst,
                1,
            )?,
            request_timeout_seconds: number(
                "request_timeout_seconds",
                file.request_timeout_seconds,
                d.request_timeout_seconds,
                1,
            )?,
            max_body_bytes: number(
                "max_body_bytes",
                file.max_body_bytes,
                d.max_body_bytes,
                1024,
            )?,
            pdf_max_concurrent: number(
                "pdf_max_concurrent",
                file.pdf_max_concurrent,
                d.pdf_max_concurrent,
                1,
            )?,
            pdf_max_queued: number("pdf_max_queued", file.pdf_max_queued, d.pdf_max_queued, 0)?,
            shutdown_grace_seconds: number(
                "shutdown_grace_seconds",
                file.shutdown_grace_seconds,
                d.shutdown_grace_seconds,
                0,
            )?,
            cpu_workers: number("cpu_workers", file.cpu_workers, d.cpu_workers, 0)?,
            cpu_max_queued: number("cpu_max_queued", file.cpu_max_queued, d.cpu_max_queued, 0)?,
            max_proofs: number("max_proofs", file.max_proofs, d.max_proofs, 1)?,
            canonicalization_limit: number(
                "canonicalization_limit",
                file.canonicalization_limit,
                d.canonicalization_limit,
                1,
            )?,
        })
    }
}

/// A list must stay valid for a whole cache period (`ttl`) after any fetch, even on a verifier
/// whose clock runs up to the skew allowance ahead; it is re-signed at half its validity, so
/// half of it must cover ttl + skew. `0` (unset) picks the smallest such value, at least 30 min.
pub(super) fn status_list_validity(seconds: u32, ttl: u32) -> Result<u32, ConfigError> {
    let skew = u32::try_from(crate::domain::validity::CLOCK_SKEW.whole_seconds()).unwrap_or(0);
    let least = ttl.saturating_add(skew).saturating_mul(2);
    match seconds {
        0 => Ok(least.max(1800)),
        s if s >= least => Ok(s),
        _ => Err(ConfigError::Invalid {
            key: "status_list_validity_seconds",
            message: format!(
                "must be at least 2 x (status_list_ttl_seconds + {skew} s of clock skew) = {least}"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_list_outlives_its_cache_period_plus_skew() {
        assert_eq!(status_list_validity(0, 300).unwrap(), 1800);
        assert_eq!(status_list_validity(0, 3600).unwrap(), 7800);
        assert_eq!(status_list_validity(1200, 300).unwrap(), 1200);
        assert!(status_list_validity(1199, 300).is_err());
    }

    #[test]
    fn env_overrides_file_and_nonsense_is_refused() {
        let file = FileLimits {
            rate_limit_burst: Some(5),
            pdf_max_concurrent: Some(4),
            ..FileLimits::default()
        };
        let env = |k: &str| (k == "ATTEST_PDF_MAX_CONCURRENT").then(|| "3".to_string());
        let limits = Limits::resolve(file, &env).unwrap();
        assert_eq!(limits.rate_limit_burst, 5);
        assert_eq!(limits.pdf_max_concurrent, 3);
        assert_eq!(limits.shutdown_grace_seconds, 20);
        assert_eq!(
            u64::from(limits.canonicalization_limit),
            crate::vc::rdfc::DEFAULT_CANONICALIZATION_LIMIT
        );
        let canon = |k: &str| (k == "ATTEST_CANONICALIZATION_LIMIT").then(|| "500".to_string());
        let limits = Limits::resolve(FileLimits::default(), &canon).unwrap();
        assert_eq!(limits.canonicalization_limit, 500);
        let zero = |k: &str| (k == "ATTEST_PDF_MAX_CONCURRENT").then(|| "0".to_string());
        assert!(Limits::resolve(FileLimits::default(), &zero).is_err());
        let words = |k: &str| (k == "ATTEST_RATE_LIMIT_BURST").then(|| "lots".to_string());
        assert!(Limits::resolve(FileLimits::default(), &words).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges_and_nothing_else() {
        let items: Vec<String> = ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]
            .map(String::from)
            .to_vec();
        let nets = networks("trusted_proxies", &items).unwrap();
        assert!(nets[0].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(!nets[0].contains(&"127.0.0.2".parse::<std::net::IpAddr>().unwrap()));
        assert!(nets[1].contains(&"10.200.3.4".parse::<std::net::IpAddr>().unwrap()));
        for bad in ["localhost", "10.0.0.0/33", ""] {
            let err = networks("trusted_proxies", &[bad.to_owned()]).unwrap_err();
            assert!(err.to_string().contains("trusted_proxies"), "{bad}: {err}");
        }
    }
}
