//! Limits that keep one client or one burst from taking the server: per-client rate limits on
//! the public routes anyone can hit without a token, a global body cap (defense in depth
//! behind each route's own `StrictJson` cap), a request timeout, and admission to PDF
//! rendering. Every refusal is problem+json with a stable `code` and a `Retry-After`.
//!
//! The rate limiter is a token bucket per client written here rather than `governor`: it is
//! ~60 lines, and it reads the injected [`Clock`](crate::clock::Clock), so tests show a client
//! recovering by moving time instead of sleeping. Clients are keyed by address (see
//! `client_ip.rs`): behind a reverse proxy, list it in `trusted_proxies`.

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::clock::SharedClock;
use crate::config::Limits;
use crate::problem::ProblemCode;
use crate::service::capacity::RenderPermit;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

/// Buckets kept before idle (full) ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

struct Bucket {
    tokens: f64,
    updated: OffsetDateTime,
}

/// Token buckets per client: `burst` tokens, refilled at `per_minute / 60` a second.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    clock: SharedClock,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl RateLimiter {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn new(
        limits: &Limits,
        trusted_proxies: &[ipnet::IpNet],
        clock: SharedClock,
    ) -> Option<Self> {
        (limits.rate_limit_per_minute > 0).then(|| Self {
            per_second: f64::from(limits.rate_limit_per_minute) / 60.0,
            burst: f64::from(limits.rate_limit_burst.max(1)),
            clock,
            buckets: Mutex::new(HashMap::new()),
            trusted_proxies: trusted_proxies.to_vec(),
        })
    }

    /// Takes a token for `client`, or says how many seconds until one is available.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        let now = self.clock.now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| self.refilled(b, now) < self.burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        bucket.tokens = self.refilled(bucket, now);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / self.per_second).ceil();
            // Bounded by burst / per_second, far below u64::MAX.
            Err((wait as u64).max(1))
        }
    }

    fn refilled(&self, bucket: &Bucket, now: OffsetDateTime) -> f64 {
        // A clock that went backwards refills nothing.
        let elapsed = (now - bucket.updated).as_seconds_f64().max(0.0);
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

/// The routes anyone may call without a token and that cost us something per call.
pub fn is_rate_limited(path: &str) -> bool {
    // Decode first: axum decodes path parameters, so `/credentials/x%2Epdf` is the PDF too.
    let decoded = percent_decode(path);
    let path = decoded.as_str();
    path == "/credentials/verify"
        || path == "/presentations/verify"
        || path == "/verify"
        || path.starts_with("/v/")
        || path.starts_with("/c/")
        || path == "/oid4vci/token"
        || path == "/oid4vci/nonce"
        || (path.starts_with("/credentials/") && path.to_ascii_lowercase().ends_with(".pdf"))
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'%'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The client a request is charged to (see `client_ip.rs`). Without connection info (handler
/// tests that call the router directly) every request shares one bucket.
fn client_of(req: &Request, trusted: &[ipnet::IpNet]) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    super::client_ip::client(peer, req.headers(), trusted)
}

pub async fn rate_limit(
    State(limiter): State<Arc<RateLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    if is_rate_limited(req.uri().path())
        && let Err(retry_after) = limiter.check(client_of(&req, &limiter.trusted_proxies))
    {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ProblemCode::RateLimited,
            format!("too many requests from this client; retry in {retry_after} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return response;
    }
    next.run(req).await
}

fn too_large(max: usize) -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ProblemCode::PayloadTooLarge,
        format!("the request body exceeds {max} bytes"),
    )
    .into_response()
}

/// Refuses a declared length over `max` at once and cuts off a body that grows past it.
pub async fn cap_body(State(max): State<usize>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return too_large(max);
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, max)));
    next.run(req).await
}

/// A request not answered within `timeout` is dropped (a transaction in it rolls back) and
/// answered `503 timeout`.
pub async fn timeout(State(timeout): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemCode::Timeout,
            format!(
                "the request was not answered within {} s",
                timeout.as_secs()
            ),
        )
        .into_response(),
    }
}

/// A rendering slot for one PDF, waiting in the bounded queue if need be; `503 busy` (with
/// `Retry-After`) when the queue is full. Hold the permit until rendering is done.
pub async fn pdf_permit(ctx: &AppState) -> ApiResult<RenderPermit> {
    let busy = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemCode::Busy,
            "too many certificates are being rendered; retry shortly",
        )
    };
    let admission = ctx.pdf_renders.admit().map_err(|_| busy())?;
    admission.wait().await.map_err(|_| busy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use time::macros::datetime;

    #[test]
    fn buckets_empty_per_client_and_refill_with_time() {
        let clock = FixedClock::new(datetime!(2026-11-20 15:00:00 UTC));
        let limits = Limits {
            rate_limit_per_minute: 30,
            rate_limit_burst: 2,
            ..Limits::default()
        };
        let limiter = RateLimiter::new(&limits, &[], Arc::new(clock.clone())).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(limiter.check(a), Ok(()));
        assert_eq!(limiter.check(a), Ok(()));
        assert_eq!(limiter.check(a), Err(2), "30 a minute: one token every 2 s");
        assert_eq!(
            limiter.check(b),
            Ok(()),
            "another client has its own bucket"
        );
        clock.advance(time::Duration::seconds(2));
        assert_eq!(limiter.check(a), Ok(()));
        assert_eq!(limiter.check(a), Err(2));
        clock.advance(time::Duration::hours(1));
        assert_eq!(limiter.check(a), Ok(()));
        assert_eq!(
            limiter.check(a),
            Ok(()),
            "refills up to the burst, not beyond"
        );
        assert!(limiter.check(a).is_err());
        let off = Limits {
            rate_limit_per_minute: 0,
            ..Limits::default()
        };
        assert!(RateLimiter::new(&off, &[], Arc::new(clock)).is_none());
    }

    #[test]
    fn only_the_public_costly_routes_are_limited() {
        for limited in [
            "/credentials/verify",
            "/v/4f0c",
            "/c/4f0c",
            "/credentials/4f0c.pdf",
            "/credentials/4f0c%2Epdf",
            "/credentials/4f0c.PDF",
        ] {
            assert!(is_rate_limited(limited), "{limited}");
        }
        for free in [
            "/credentials/4f0c",
            "/credentials/4f0c.jwt",
            "/healthz",
            "/status/revocation-1",
            "/api/v1/exam-results",
            "/vx",
        ] {
            assert!(!is_rate_limited(free), "{free}");
        }
    }
}
