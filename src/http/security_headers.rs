//! Response headers that keep a browser from doing more with our answers than showing them:
//! `X-Content-Type-Options: nosniff` (Fetch §3.5.1) and `Referrer-Policy: no-referrer`
//! (Referrer Policy §3) on every answer, and on HTML pages a Content Security Policy (CSP
//! Level 3) that allows no script, no plugin, no frame, no image and no foreign stylesheet,
//! `frame-ancestors 'none'` with `X-Frame-Options: DENY` (RFC 7034) for older browsers.
//!
//! The pages need exactly one thing: the `<style>` block of `templates/base.html`. It is
//! allowed by its SHA-256 hash, computed here from the same file the templates are compiled
//! from, so an injected `<style>` or `style=` would not apply either.
//! `no-referrer` also keeps a credential's page URL (its id) from reaching the sites its links
//! lead to (LinkedIn).

use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const BASE_TEMPLATE: &str = include_str!("../../templates/base.html");

/// The CSP of every HTML page.
static PAGE_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let style = style_hash().map_or_else(|| "'none'".to_owned(), |h| format!("'sha256-{h}'"));
    HeaderValue::try_from(format!(
        "default-src 'none'; style-src {style}; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"))
});

/// Base64 of the SHA-256 of the text inside `<style>…</style>` of the base template, the form
/// CSP `'sha256-…'` sources take.
fn style_hash() -> Option<String> {
    let start = BASE_TEMPLATE.find("<style>")? + "<style>".len();
    let end = start + BASE_TEMPLATE[start..].find("</style>")?;
    let digest = Sha256::digest(&BASE_TEMPLATE.as_bytes()[start..end]);
    Some(base64::engine::general_purpose::STANDARD.encode(digest))
}

/// Response middleware (`axum::middleware::map_response`).
pub async fn add(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        headers.insert(header::CONTENT_SECURITY_POLICY, PAGE_POLICY.clone());
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_template_style_block_is_hashed() {
        let hash = style_hash().expect("templates/base.html has a <style> block");
        assert_eq!(hash.len(), 44);
        let policy = PAGE_POLICY.to_str().unwrap();
        assert!(
            policy.contains(&format!("style-src 'sha256-{hash}'")),
            "{policy}"
        );
        assert!(!policy.contains("script-src") && policy.starts_with("default-src 'none'"));
    }
}
