//! Every outbound HTTP fetch goes through here: trusted issuers' DID documents (DID Web method
//! §3.2.1 "Read") and status lists (Bitstring Status List v1.0 §3.2), and a URL the CLI's
//! operator names. A fetch is aimed by data someone else wrote, so it only reaches public
//! addresses unless the operator allows a range (`outbound_allow`): the host is resolved first,
//! every address it resolves to is vetted, and the connection goes to the vetted address only
//! (no second lookup a rebinding DNS server could answer differently). Userinfo, non-http(s)
//! schemes, redirects and proxies are refused; 3 s and 2 MiB bound each fetch.

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Name, Resolve, Resolving};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
pub const FETCH_LIMIT: usize = 2 * 1024 * 1024;

/// Why a fetch did not happen or did not succeed. The texts name only the URL the caller gave,
/// never anything the remote side sent, so they may be shown to whoever presented the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("`{0}` is not an http(s) URL")]
    NotHttp(String),
    #[error("`{0}` carries a user name or password")]
    Userinfo(String),
    #[error("`{0}` names no host")]
    NoHost(String),
    #[error("the host of `{0}` could not be resolved")]
    Resolve(String),
    #[error("`{url}` resolves to {ip}, which is not a public address")]
    NotPublic { url: String, ip: IpAddr },
    #[error("`{0}` could not be fetched")]
    Failed(String),
    #[error("`{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("`{0}` is larger than 2 MiB")]
    TooLarge(String),
    #[error("`{0}` is not JSON")]
    NotJson(String),
}

/// The addresses a fetch may reach: public ones, and the ranges the operator allowed.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    allow: Vec<IpNet>,
}

/// A name the vetting did not pin is never looked up (it would not have been vetted).
struct NoLookup;

impl Resolve for NoLookup {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move { Err(format!("{name} was not vetted").into()) })
    }
}

impl Outbound {
    pub fn new(allow: Vec<IpNet>) -> Self {
        Self { allow }
    }

    /// For a URL the operator typed at the console: any address (it is not presenter-controlled
    /// input), the other rules unchanged.
    pub fn operator() -> Self {
        let any = ["0.0.0.0/0", "::/0"];
        Self::new(any.iter().filter_map(|n| n.parse().ok()).collect())
    }

    /// Whether a connection to `ip` may be made.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allow.iter().any(|net| net.contains(&ip)) || is_public(ip)
    }

    /// Checks the URL's form and resolves and vets its host; returns the parsed URL and the
    /// addresses to connect to.
    pub async fn vet(&self, url: &str) -> Result<(Url, Vec<SocketAddr>), FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::NotHttp(url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::NotHttp(url.to_owned()));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(FetchError::Userinfo(url.to_owned()));
        }
        let port = parsed
            .port_or_known_default()
            .ok_or_else(|| FetchError::NotHttp(url.to_owned()))?;
        let addrs: Vec<SocketAddr> = match parsed.host() {
            None => return Err(FetchError::NoHost(url.to_owned())),
            // The URL parser already turned `2130706433`, `0x7f000001` and `127.1` into 127.0.0.1.
            Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| FetchError::Resolve(url.to_owned()))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(FetchError::Resolve(url.to_owned()));
        }
        // Every address must pass: a name that also resolves to an internal one is refused.
        if let Some(bad) = addrs.iter().find(|a| !self.permits(a.ip())) {
            return Err(FetchError::NotPublic {
                url: url.to_owned(),
                ip: bad.ip(),
            });
        }
        Ok((parsed, addrs))
    }

    /// A client that can reach only `url`'s vetted addresses: no proxy, no redirects, no DNS
    /// lookup of its own (so a second answer cannot swap the address), `timeout` for all.
    async fn client(
        &self,
        url: &str,
        timeout: Duration,
    ) -> Result<(Url, reqwest::Client), FetchError> {
        let (parsed, addrs) = self.vet(url).await?;
        crate::install_tls_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(NoLookup));
        if let Some(url::Host::Domain(name)) = parsed.host() {
            builder = builder.resolve_to_addrs(name, &addrs);
        }
        let client = builder
            .build()
            .map_err(|_| FetchError::Failed(url.to_owned()))?;
        Ok((parsed, client))
    }

    /// Fetches at most [`FETCH_LIMIT`] bytes from a vetted address.
    pub async fn fetch_bytes(&self, url: &str, accept: &str) -> Result<Vec<u8>, FetchError> {
        let (parsed, client) = self.client(url, FETCH_TIMEOUT).await?;
        let failed = || FetchError::Failed(url.to_owned());
        let mut res = client
            .get(parsed)
            .header("accept", accept)
            .send()
            .await
            .map_err(|_| failed())?;
        if !res.status().is_success() {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: res.status().as_u16(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|_| failed())? {
            body.extend_from_slice(&chunk);
            if body.len() > FETCH_LIMIT {
                return Err(FetchError::TooLarge(url.to_owned()));
            }
        }
        Ok(body)
    }

    /// POSTs `body` to a vetted address (webhook deliveries) and returns the status; the
    /// response body is never read, so nothing a receiver sends is stored.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: String,
        timeout: Duration,
    ) -> Result<u16, FetchError> {
        let (parsed, client) = self.client(url, timeout).await?;
        let mut req = client
            .post(parsed)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let res = req
            .send()
            .await
            .map_err(|_| FetchError::Failed(url.to_owned()))?;
        Ok(res.status().as_u16())
    }

    /// Fetches a JSON document of bounded size.
    pub async fn fetch_json(&self, url: &str) -> Result<Value, FetchError> {
        let body = self
            .fetch_bytes(
                url,
                "application/vc+ld+json, application/did+json, application/json",
            )
            .await?;
        serde_json::from_slice(&body).map_err(|_| FetchError::NotJson(url.to_owned()))
    }
}

/// An IPv6 address that only wraps an IPv4 one (mapped `::ffff:a.b.c.d`, compatible
/// `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is judged as that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else { return ip };
    let s = v6.segments();
    let embedded = Ipv4Addr::new(
        (s[6] >> 8) as u8,
        (s[6] & 0xff) as u8,
        (s[7] >> 8) as u8,
        (s[7] & 0xff) as u8,
    );
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    // `::` and `::1` are IPv6's own unspecified and loopback, not compatible forms.
    let compatible = s[..6] == [0; 6] && !matches!(v6, Ipv6Addr::UNSPECIFIED | Ipv6Addr::LOCALHOST);
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if mapped || compatible || nat64 {
        IpAddr::V4(embedded)
    } else {
        ip
    }
}

/// IANA special-purpose ranges (RFC 6890 and successors) that an outbound fetch never reaches
/// unless the operator allows them: everything here is not globally reachable unicast.
const SPECIAL_PURPOSE: &[&str] = &[
    "0.0.0.0/8",       // "this network", unspecified
    "10.0.0.0/8",      // private
    "100.64.0.0/10",   // carrier-grade NAT
    "127.0.0.0/8",     // loopback
    "169.254.0.0/16",  // link-local
    "172.16.0.0/12",   // private
    "192.0.0.0/24",    // IETF protocol assignments
    "192.0.2.0/24",    // documentation
    "192.88.99.0/24",  // 6to4 relay anycast
    "192.168.0.0/16",  // private
    "198.18.0.0/15",   // benchmarking
    "198.51.100.0/24", // documentation
    "203.0.113.0/24",  // documentation
    "224.0.0.0/4",     // multicast
    "240.0.0.0/4",     // reserved, broadcast
    "::/128",          // unspecified
    "::1/128",         // loopback
    "64:ff9b:1::/48",  // local-use NAT64
    "100::/64",        // discard-only
    "2001::/23",       // IETF protocol assignments, Teredo
    "2001:db8::/32",   // documentation
    "2002::/16",       // 6to4 (wraps any IPv4 address)
    "3fff::/20",       // documentation
    "fc00::/7",        // unique local
    "fe80::/10",       // link-local
    "fec0::/10",       // site-local (deprecated)
    "ff00::/8",        // multicast
];

static SPECIAL_NETS: std::sync::LazyLock<Vec<IpNet>> = std::sync::LazyLock::new(|| {
    SPECIAL_PURPOSE
        .iter()
        .filter_map(|net| net.parse().ok())
        .collect()
});

/// Globally reachable unicast: outside every special-purpose range, IPv4 wrapped in IPv6
/// judged as the IPv4 address it wraps.
fn is_public(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    !SPECIAL_NETS.iter().any(|net| net.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_special_purpose_range_is_in_force() {
        assert_eq!(SPECIAL_NETS.len(), SPECIAL_PURPOSE.len());
    }

    #[test]
    fn only_public_addresses_pass_by_default() {
        let out = Outbound::default();
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.31.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.7",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
            "2002:7f00:1::",
        ] {
            assert!(!out.permits(ip(bad)), "{bad} passed");
        }
        for good in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(out.permits(ip(good)), "{good} refused");
        }
        let allowed = Outbound::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(allowed.permits(ip("127.0.0.1")));
        assert!(allowed.permits(ip("::ffff:127.0.0.1")));
        assert!(!allowed.permits(ip("10.0.0.1")));
    }

    #[tokio::test]
    async fn url_forms_that_hide_an_internal_host_are_refused() {
        let out = Outbound::default();
        for url in [
            "http://2130706433/x",
            "http://0x7f000001/x",
            "http://127.1/x",
            "http://[::ffff:7f00:1]/x",
            "http://0/x",
        ] {
            let err = out.vet(url).await.err();
            assert!(
                matches!(err, Some(FetchError::NotPublic { .. })),
                "{url}: {err:?}"
            );
        }
        let err = out.vet("http://user:pw@1.1.1.1/x").await.err();
        assert!(matches!(err, Some(FetchError::Userinfo(_))), "{err:?}");
        let err = out.vet("file:///etc/passwd").await.err();
        assert!(matches!(err, Some(FetchError::NotHttp(_))), "{err:?}");
        let err = out.vet("gopher://1.1.1.1/x").await.err();
        assert!(matches!(err, Some(FetchError::NotHttp(_))), "{err:?}");
    }
}
