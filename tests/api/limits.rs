//! Limits through the real server: per-client rate limits on the public routes (429 with
//! `Retry-After`, then recovery once time moves), the global body cap, readiness when the
//! database is gone, and request ids that cannot carry arbitrary text.

use crate::common;

use attest::service::Role;
use common::TestApp;
use serde_json::Value;
use std::net::IpAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get_from(
    client: &reqwest::Client,
    url: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("body"))
}

#[tokio::test]
async fn public_routes_answer_429_per_client_then_recover() {
    let app = TestApp::spawn_with(&[
        ("ATTEST_RATE_LIMIT_PER_MINUTE", "60"),
        ("ATTEST_RATE_LIMIT_BURST", "3"),
    ])
    .await;
    let token = app.token(Role::Issuer).await;
    let id = app
        .issue(&token, "RL-1", "mlops-foundation", "cand-rl")
        .await;
    let pdf = app.url(&format!("/credentials/{id}.pdf"));
    for i in 0..3 {
        let (status, _, _) = get_from(&app.http, &pdf).await;
        assert_ne!(status, 429, "request {i} is within the burst");
    }
    let (status, headers, body) = get_from(&app.http, &pdf).await;
    assert_eq!(status, 429);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(headers["retry-after"], "1", "60 a minute: a token a second");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert_eq!(problem["code"], "rate_limited");
    assert_eq!(problem["status"], 429);
    for path in ["/v/x", "/c/x", "/credentials/verify"] {
        assert_eq!(
            get_from(&app.http, &app.url(path)).await.0,
            429,
            "{path} shares the client's bucket"
        );
    }
    for path in [
        format!("/credentials/{id}"),
        "/healthz".to_owned(),
        "/.well-known/did.json".to_owned(),
    ] {
        assert_eq!(
            get_from(&app.http, &app.url(&path)).await.0,
            200,
            "{path} is not limited"
        );
    }

    let other_ip: IpAddr = "127.0.0.2".parse().expect("ip");
    let other = reqwest::Client::builder()
        .local_address(other_ip)
        .build()
        .expect("client");
    assert_ne!(
        get_from(&other, &pdf).await.0,
        429,
        "another client has its own bucket"
    );

    app.clock.advance(time::Duration::seconds(1));
    assert_ne!(
        get_from(&app.http, &pdf).await.0,
        429,
        "one token came back after a second"
    );
    assert_eq!(get_from(&app.http, &pdf).await.0, 429, "and only one");
    app.clock.advance(time::Duration::minutes(5));
    for i in 0..3 {
        assert_ne!(
            get_from(&app.http, &pdf).await.0,
            429,
            "full burst again ({i})"
        );
    }
}

/// Behind a trusted reverse proxy each client named in X-Forwarded-For has its own bucket; a
/// client that is not a trusted proxy cannot pick one by writing the header itself.
#[tokio::test]
async fn clients_behind_a_trusted_proxy_are_told_apart_by_forwarded_for() {
    let app = TestApp::spawn_with(&[
        ("ATTEST_RATE_LIMIT_PER_MINUTE", "60"),
        ("ATTEST_RATE_LIMIT_BURST", "2"),
        ("ATTEST_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let url = app.url("/v/x");
    let from = |client: &reqwest::Client, forwarded: &str| {
        let request = client.get(&url).header("x-forwarded-for", forwarded);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    for _ in 0..2 {
        assert_ne!(from(&app.http, "198.51.100.7").await, 429);
    }
    assert_eq!(
        from(&app.http, "198.51.100.7").await,
        429,
        "that client's burst is spent"
    );
    assert_ne!(
        from(&app.http, "198.51.100.8").await,
        429,
        "another client behind the same proxy has its own bucket"
    );
    assert_eq!(
        from(&app.http, "6.6.6.6, 198.51.100.7").await,
        429,
        "what the client wrote on the left does not count"
    );
    // 127.0.0.2 is not a trusted proxy: its header names nobody, it is charged itself.
    let untrusted = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().expect("ip"))
        .build()
        .expect("client");
    for _ in 0..2 {
        assert_ne!(from(&untrusted, "203.0.113.1").await, 429);
    }
    assert_eq!(
        from(&untrusted, "203.0.113.2").await,
        429,
        "one bucket, whatever it claims"
    );
}

#[tokio::test]
async fn a_zero_rate_turns_the_limit_off() {
    let app = TestApp::spawn_with(&[
        ("ATTEST_RATE_LIMIT_PER_MINUTE", "0"),
        ("ATTEST_RATE_LIMIT_BURST", "1"),
    ])
    .await;
    for _ in 0..5 {
        assert_ne!(get_from(&app.http, &app.url("/v/x")).await.0, 429);
    }
}

/// A body over the global cap is refused whether its length is declared or it is streamed.
#[tokio::test]
async fn bodies_over_the_global_cap_get_413_problem_json() {
    let app = TestApp::spawn_with(&[("ATTEST_MAX_BODY_BYTES", "2048")]).await;
    let token = app.token(Role::Issuer).await;
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(4096));
    let res = app
        .http
        .post(app.url("/api/v1/exam-results"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(
        res.json::<Value>().await.expect("problem")["code"],
        "payload_too_large"
    );

    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/exam-results HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"code\":\"payload_too_large\""),
        "{answer}"
    );
}

#[tokio::test]
async fn readyz_is_503_problem_json_when_the_database_is_gone_and_healthz_stays_up() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    app.ctx.store.close().await;
    let (status, text, headers) = app.get_text("/readyz", "application/json").await;
    assert_eq!(status, 503);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(headers.contains_key("retry-after"));
    let problem: Value = serde_json::from_str(&text).expect("problem");
    assert_eq!(problem["code"], "not_ready");
    assert!(
        !text.contains("sqlite") && !text.contains("pool"),
        "no internals in the body: {text}"
    );
    assert_eq!(
        app.get_json("/healthz").await.0,
        200,
        "alive, though not ready"
    );
}

async fn echoed_id(app: &TestApp, sent: Option<&str>) -> String {
    let mut req = app.http.get(app.url("/healthz"));
    if let Some(id) = sent {
        req = req.header("x-request-id", id);
    }
    req.send().await.expect("get").headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

#[tokio::test]
async fn request_ids_are_echoed_only_when_they_are_short_tokens() {
    let app = TestApp::spawn().await;
    assert_eq!(
        echoed_id(&app, Some("trace-42.a:b_c")).await,
        "trace-42.a:b_c"
    );
    let long = "x".repeat(65);
    for unsafe_id in ["zoe@example.com", "two words", long.as_str()] {
        let got = echoed_id(&app, Some(unsafe_id)).await;
        assert!(
            uuid::Uuid::parse_str(&got).is_ok(),
            "a fresh id replaces `{unsafe_id}`: {got}"
        );
    }
    assert!(
        uuid::Uuid::parse_str(&echoed_id(&app, None).await).is_ok(),
        "one is made when none is sent"
    );
}
