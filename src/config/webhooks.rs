//! Webhook delivery and expiry-notice settings (issue 19). Delivery follows the Standard
//! Webhooks retry guidance: exponential backoff with jitter, then a horizon after which a
//! delivery is marked failed (and can be replayed).

use super::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// First retry delay; each later one doubles, up to `backoff_max_seconds`, and a random
    /// part of it is taken off (jitter) so that receivers coming back are not hit all at once.
    pub backoff_base_ms: u32,
    pub backoff_max_seconds: u32,
    /// A delivery still failing this long after its first attempt is marked failed.
    pub failure_horizon_seconds: u32,
    /// Bound on one delivery request (connect and answer).
    pub timeout_seconds: u32,
    /// How often an idle worker looks for due deliveries and expiry notices.
    pub poll_ms: u32,
    /// `credential.expiring` is sent this many days before `validUntil` (each once).
    pub expiry_lead_days: Vec<u32>,
    /// Delivered and failed deliveries, and events none is waiting for, are deleted this many
    /// days after the event (0: kept for ever). Pending deliveries are never deleted.
    pub retention_days: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            backoff_base_ms: 5_000,
            backoff_max_seconds: 3_600,
            failure_horizon_seconds: 3 * 24 * 3_600,
            timeout_seconds: 10,
            poll_ms: 1_000,
            expiry_lead_days: vec![90, 30, 7],
            retention_days: 30,
        }
    }
}

/// The keys as read from `attest.toml` (each optional).
#[derive(Debug, Default, Clone)]
pub struct FileWebhooks {
    pub webhook_backoff_base_ms: Option<u32>,
    pub webhook_backoff_max_seconds: Option<u32>,
    pub webhook_failure_horizon_seconds: Option<u32>,
    pub webhook_timeout_seconds: Option<u32>,
    pub webhook_poll_ms: Option<u32>,
    pub webhook_retention_days: Option<u32>,
    pub expiry_lead_days: Option<Vec<u32>>,
}

impl WebhookSettings {
    pub(super) fn resolve(
        file: FileWebhooks,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let d = Self::default();
        let number = |key: &'static str, v: Option<u32>, default: u32| {
            let var = format!("ATTEST_{}", key.to_uppercase());
            match env(&var) {
                Some(text) => text
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| ConfigError::Invalid {
                        key,
                        message: format!("`{text}` is not a positive integer"),
                    }),
                None => Ok(v.unwrap_or(default)),
            }
        };
        let positive = |key: &'static str, n: u32| {
            if n == 0 {
                Err(ConfigError::Invalid {
                    key,
                    message: "must be at least 1".into(),
                })
            } else {
                Ok(n)
            }
        };
        let expiry_lead_days = match env("ATTEST_EXPIRY_LEAD_DAYS") {
            Some(text) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<u32>().map_err(|_| ConfigError::Invalid {
                        key: "expiry_lead_days",
                        message: format!("`{s}` is not a number of days"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => file.expiry_lead_days.unwrap_or(d.expiry_lead_days),
        };
        Ok(Self {
            backoff_base_ms: positive(
                "webhook_backoff_base_ms",
                number(
                    "webhook_backoff_base_ms",
                    file.webhook_backoff_base_ms,
                    d.backoff_base_ms,
                )?,
            )?,
            backoff_max_seconds: positive(
                "webhook_backoff_max_seconds",
                number(
                    "webhook_backoff_max_seconds",
                    file.webhook_backoff_max_seconds,
                    d.backoff_max_seconds,
                )?,
            )?,
            failure_horizon_seconds: number(
                "webhook_failure_horizon_seconds",
                file.webhook_failure_horizon_seconds,
                d.failure_horizon_seconds,
            )?,
            timeout_seconds: positive(
                "webhook_timeout_seconds",
                number(
                    "webhook_timeout_seconds",
                    file.webhook_timeout_seconds,
                    d.timeout_seconds,
                )?,
            )?,
            poll_ms: positive(
                "webhook_poll_ms",
                number("webhook_poll_ms", file.webhook_poll_ms, d.poll_ms)?,
            )?,
            retention_days: number(
                "webhook_retention_days",
                file.webhook_retention_days,
                d.retention_days,
            )?,
            expiry_lead_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_and_bad_values_are_refused() {
        let env = |k: &str| match k {
            "ATTEST_EXPIRY_LEAD_DAYS" => Some("60, 14".to_owned()),
            "ATTEST_WEBHOOK_POLL_MS" => Some("250".to_owned()),
            _ => None,
        };
        let file = FileWebhooks {
            webhook_poll_ms: Some(5),
            webhook_timeout_seconds: Some(3),
            ..Default::default()
        };
        let s = WebhookSettings::resolve(file, &env).unwrap();
        assert_eq!(s.expiry_lead_days, [60, 14]);
        assert_eq!((s.poll_ms, s.timeout_seconds), (250, 3));
        assert_eq!(
            s.backoff_base_ms,
            WebhookSettings::default().backoff_base_ms
        );
        let zero = |k: &str| (k == "ATTEST_WEBHOOK_TIMEOUT_SECONDS").then(|| "0".to_owned());
        assert!(WebhookSettings::resolve(FileWebhooks::default(), &zero).is_err());
        let bad = |k: &str| (k == "ATTEST_EXPIRY_LEAD_DAYS").then(|| "90,soon".to_owned());
        assert!(WebhookSettings::resolve(FileWebhooks::default(), &bad).is_err());
    }
}
