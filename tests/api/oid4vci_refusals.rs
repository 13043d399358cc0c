//! What the OID4VCI flow refuses (issue 18): a code used twice, an expired offer, a wrong or
//! missing PIN, a proof by another key, without nonce, with a replayed or stale nonce, for
//! another audience, a revoked record, and tokens that are missing, unknown or expired. Each
//! answer is the OAuth error the specification names (OID4VCI 1.0 §6.3, §8.3.1.2).

use crate::common;
use crate::oid4vci_support;

use attest::service::Role;
use common::TestApp;
use oid4vci_support::{Wallet, access_token, code_of, fetch, nonce, offer, redeem, request};
use serde_json::{Value, json};

const LDP: &str = "mlops-foundation.ldp_vc";

async fn app_with_record() -> (TestApp, String, String) {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-1", "mlops-foundation", "cand-1")
        .await;
    (app, issuer, id)
}

async fn new_code(app: &TestApp, issuer: &str, id: &str) -> String {
    let (status, made) = offer(app, issuer, id, false).await;
    assert_eq!(status, 201, "{made}");
    code_of(&made)
}

fn error(body: &Value) -> &str {
    body["error"].as_str().unwrap_or("(no error member)")
}

#[tokio::test]
async fn a_code_is_redeemed_once_and_not_after_it_expired() {
    let (app, issuer, id) = app_with_record().await;
    let code = new_code(&app, &issuer, &id).await;
    let (status, first) = redeem(&app, &code, None).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = redeem(&app, &code, None).await;
    assert_eq!((status, error(&again)), (400, "invalid_grant"), "{again}");

    let late = new_code(&app, &issuer, &id).await;
    app.clock.advance(time::Duration::seconds(601));
    let (status, body) = redeem(&app, &late, None).await;
    assert_eq!((status, error(&body)), (400, "invalid_grant"), "{body}");
    let (status, body) = redeem(&app, "not-a-code", None).await;
    assert_eq!((status, error(&body)), (400, "invalid_grant"), "{body}");
}

#[tokio::test]
async fn the_token_request_is_checked() {
    let (app, _, _) = app_with_record().await;
    let post = |body: &'static str| {
        app.http
            .post(app.url("/oid4vci/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let res = post("grant_type=authorization_code&code=x")
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.expect("json");
    assert_eq!(error(&body), "unsupported_grant_type");
    let res = post("pre-authorized_code=x").await.expect("post");
    let body: Value = res.json().await.expect("json");
    assert_eq!(error(&body), "invalid_request");
}

#[tokio::test]
async fn a_pin_offer_needs_its_pin_and_dies_after_five_wrong_ones() {
    let (app, issuer, id) = app_with_record().await;
    let (_, made) = offer(&app, &issuer, &id, true).await;
    let code = code_of(&made);
    let pin = made["tx_code"].as_str().expect("pin").to_owned();
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    let (status, body) = redeem(&app, &code, None).await;
    assert_eq!((status, error(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = redeem(&app, &code, Some(wrong)).await;
    assert_eq!((status, error(&body)), (400, "invalid_grant"), "{body}");
    let token = access_token(&app, &code, Some(&pin)).await;
    assert!(!token.is_empty());

    let (_, made) = offer(&app, &issuer, &id, true).await;
    let code = code_of(&made);
    let pin = made["tx_code"].as_str().expect("pin").to_owned();
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (status, _) = redeem(&app, &code, Some(wrong)).await;
        assert_eq!(status, 400);
    }
    let (status, body) = redeem(&app, &code, Some(&pin)).await;
    assert_eq!((status, error(&body)), (400, "invalid_grant"), "{body}");
    // An offer without PIN takes none.
    let plain = new_code(&app, &issuer, &id).await;
    let (status, body) = redeem(&app, &plain, Some("123456")).await;
    assert_eq!((status, error(&body)), (400, "invalid_request"), "{body}");
}

#[tokio::test]
async fn proofs_by_another_key_without_nonce_or_for_another_audience_are_refused() {
    let (app, issuer, id) = app_with_record().await;
    let wallet = Wallet::did_key();
    let thief = Wallet::did_key();
    let access = access_token(&app, &new_code(&app, &issuer, &id).await, None).await;
    let now = app.ctx.now().unix_timestamp();
    let header = json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": wallet.kid});
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "signed by another key",
            Wallet::sign(
                &header,
                &json!({"aud": app.base, "iat": now, "nonce": nonce(&app).await}),
                &thief.key,
            ),
            "invalid_proof",
        ),
        (
            "without nonce",
            wallet.proof(&app.base, None, now),
            "invalid_proof",
        ),
        (
            "for another audience",
            wallet.proof("https://elsewhere.example", Some(&nonce(&app).await), now),
            "invalid_proof",
        ),
        (
            "made long ago",
            wallet.proof(&app.base, Some(&nonce(&app).await), now - 3600),
            "invalid_proof",
        ),
        (
            "with a nonce we never gave",
            wallet.proof(&app.base, Some("made-up"), now),
            "invalid_nonce",
        ),
        (
            "with the wrong typ",
            Wallet::sign(
                &json!({"typ": "JWT", "alg": "EdDSA", "kid": wallet.kid}),
                &json!({"aud": app.base, "iat": now, "nonce": nonce(&app).await}),
                &wallet.key,
            ),
            "invalid_proof",
        ),
    ];
    for (what, proof, expected) in cases {
        let (status, body) = request(&app, &access, LDP, &proof).await;
        assert_eq!((status, error(&body)), (400, expected), "{what}: {body}");
    }
    // None of those used the token up: a good proof still works.
    let n = nonce(&app).await;
    let (status, body) = request(&app, &access, LDP, &wallet.proof(&app.base, Some(&n), now)).await;
    assert_eq!(status, 200, "{body}");
    // The same configuration again: refused, and the nonce cannot be replayed either.
    let (status, body) = request(&app, &access, LDP, &wallet.proof(&app.base, Some(&n), now)).await;
    assert_eq!((status, error(&body)), (400, "invalid_nonce"), "{body}");
    let fresh = nonce(&app).await;
    let proof = wallet.proof(&app.base, Some(&fresh), now);
    let (status, body) = request(&app, &access, LDP, &proof).await;
    assert_eq!(
        (status, error(&body)),
        (400, "credential_request_denied"),
        "{body}"
    );
    // A configuration the offer did not list.
    let other = nonce(&app).await;
    let proof = wallet.proof(&app.base, Some(&other), now);
    let (status, body) = request(&app, &access, "mlops-advanced.ldp_vc", &proof).await;
    assert_eq!(
        (status, error(&body)),
        (400, "unknown_credential_configuration"),
        "{body}"
    );
}

#[tokio::test]
async fn a_stale_nonce_is_refused() {
    let (app, issuer, id) = app_with_record().await;
    let wallet = Wallet::did_key();
    let n = nonce(&app).await;
    app.clock.advance(time::Duration::seconds(301));
    let access = access_token(&app, &new_code(&app, &issuer, &id).await, None).await;
    let now = app.ctx.now().unix_timestamp();
    let (status, body) = request(&app, &access, LDP, &wallet.proof(&app.base, Some(&n), now)).await;
    assert_eq!((status, error(&body)), (400, "invalid_nonce"), "{body}");
}

#[tokio::test]
async fn tokens_must_be_present_known_and_fresh() {
    let (app, issuer, id) = app_with_record().await;
    let wallet = Wallet::did_key();
    let res = app
        .http
        .post(app.url("/oid4vci/credential"))
        .json(&json!({"credential_configuration_id": LDP}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("invalid_token")
    );
    let now = app.ctx.now().unix_timestamp();
    let proof = wallet.proof(&app.base, Some(&nonce(&app).await), now);
    let (status, body) = request(&app, "made-up-token", LDP, &proof).await;
    assert_eq!((status, error(&body)), (401, "invalid_token"), "{body}");
    let access = access_token(&app, &new_code(&app, &issuer, &id).await, None).await;
    app.clock.advance(time::Duration::seconds(301));
    let now = app.ctx.now().unix_timestamp();
    let proof = wallet.proof(&app.base, Some(&nonce(&app).await), now);
    let (status, body) = request(&app, &access, LDP, &proof).await;
    assert_eq!((status, error(&body)), (401, "invalid_token"), "{body}");
}

#[tokio::test]
async fn a_record_revoked_after_its_offer_goes_to_no_wallet() {
    let (app, issuer, id) = app_with_record().await;
    let admin = app.token(Role::Admin).await;
    let wallet = Wallet::did_key();
    let unredeemed = new_code(&app, &issuer, &id).await;
    let redeemed = new_code(&app, &issuer, &id).await;
    let access = access_token(&app, &redeemed, None).await;
    let (status, _) = app.act(&admin, &id, "suspend", "under review").await;
    assert_eq!(status, 200);
    let (status, body) = redeem(&app, &unredeemed, None).await;
    assert_eq!((status, error(&body)), (400, "invalid_grant"), "{body}");
    let now = app.ctx.now().unix_timestamp();
    let proof = wallet.proof(&app.base, Some(&nonce(&app).await), now);
    let (status, body) = request(&app, &access, LDP, &proof).await;
    assert_eq!(
        (status, error(&body)),
        (400, "credential_request_denied"),
        "{body}"
    );
    // Reinstated, a new offer works again.
    let (status, _) = app.act(&admin, &id, "reinstate", "cleared").await;
    assert_eq!(status, 200);
    let code = new_code(&app, &issuer, &id).await;
    let (status, body) = fetch(&app, &wallet, &code, LDP).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited_per_client() {
    let app = TestApp::spawn_with(&[
        ("ATTEST_RATE_LIMIT_PER_MINUTE", "60"),
        ("ATTEST_RATE_LIMIT_BURST", "3"),
    ])
    .await;
    for _ in 0..3 {
        let (status, _) = redeem(&app, "guess", None).await;
        assert_eq!(status, 400);
    }
    let (status, body) = redeem(&app, "guess", None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "rate_limited");
    app.clock.advance(time::Duration::seconds(2));
    let (status, _) = redeem(&app, "guess", None).await;
    assert_eq!(status, 400);
}

/// Redemptions racing for one code: the offer row is locked (PostgreSQL `FOR UPDATE`; SQLite
/// takes its write lock up front), so exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_of_one_code_give_one_token() {
    let (app, issuer, id) = app_with_record().await;
    let code = new_code(&app, &issuer, &id).await;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", oid4vci_support::GRANT)
        .append_pair("pre-authorized_code", &code)
        .finish();
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, url, body) = (app.http.clone(), app.url("/oid4vci/token"), body.clone());
        racing.spawn(async move {
            let res = http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("token request");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.expect("json"))
        });
    }
    let answers = racing.join_all().await;
    let won = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(won, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == 200 || (*s == 400 && error(b) == "invalid_grant"))
    );
}
