//! How long a published list is good for: a superseded list expires within the configured
//! validity, and the clock-skew allowance for "not yet valid".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn instant(list: &Value, field: &str) -> time::OffsetDateTime {
    let text = list[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {list}"));
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}

/// A list superseded by a revocation must stop being a valid credential soon, not 24 h later:
/// someone replaying the old copy to hide the revocation is refused once its `validUntil` has
/// passed, which comes `status_list_validity_seconds` (default 30 min) after its signing, while
/// the list served then is re-signed and still shows the revocation.
#[tokio::test]
async fn a_superseded_list_expires_within_the_configured_validity() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-RP1", "mlops-foundation", "cand-rp1")
        .await;
    let path = slot(&app, &id, "revocation").await.path;
    let old = list_json(&app, &path).await;
    assert!(published_bits(&old).is_empty());
    assert_eq!(old["validUntil"], "2026-11-20T15:30:00Z");
    assert!(instant(&old, "validUntil") - T0 <= Duration::minutes(30));
    // The JWT form says the same (exp = validUntil).
    let (_, jwt, _, _) = fetch(&app, &path, "application/vc+jwt", None).await;
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let (_, payload) = verify_jwt(&jwt, &jwks).expect("list JWT verifies");
    assert_eq!(
        payload["exp"].as_i64(),
        Some(instant(&old, "validUntil").unix_timestamp())
    );

    app.clock.advance(Duration::minutes(1));
    let (status, _) = app.act(&admin, &id, "revoke", "fraud").await;
    assert_eq!(status, 200);
    let index = slot(&app, &id, "revocation").await.index;

    // Past the old copy's validUntil: it no longer passes anywhere, and what is served now is
    // valid, freshly signed and carries the revocation.
    app.clock
        .advance(Duration::minutes(29) + Duration::seconds(1));
    let now = T0 + Duration::minutes(30) + Duration::seconds(1);
    assert!(
        now > instant(&old, "validUntil"),
        "the replayed copy has expired"
    );
    let current = list_json(&app, &path).await;
    assert!(instant(&current, "validFrom") <= now && now < instant(&current, "validUntil"));
    assert!(
        instant(&current, "validUntil") - now > Duration::minutes(5),
        "outlives its ttl"
    );
    assert_eq!(published_bits(&current), BTreeSet::from([index]));

    // The validity is configurable; too short a one (less than twice ttl plus the clock skew
    // allowance, so a fetched copy could expire inside its cache period) is refused.
    let short = TestApp::spawn_with(&[("ATTEST_STATUS_LIST_VALIDITY_SECONDS", "1200")]).await;
    let token = short.token(Role::Issuer).await;
    let id = short
        .issue(&token, "EXM-RP2", "mlops-foundation", "cand-rp2")
        .await;
    let list = list_json(&short, &slot(&short, &id, "revocation").await.path).await;
    assert_eq!(list["validUntil"], "2026-11-20T15:20:00Z");
    let env = |key: &str| (key == "ATTEST_STATUS_LIST_VALIDITY_SECONDS").then(|| "1199".into());
    let refused = attest::config::Config::load(&short.dir.path().join("none.toml"), false, env);
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("status_list_validity_seconds"),
        "{message}"
    );
}

/// A list is dated back by the 5 min clock-skew allowance: a verifier whose clock is a little
/// behind ours does not find a list re-signed at the moment of a change "not yet valid". The
/// proof still carries the true signing time.
#[tokio::test]
async fn a_list_signed_now_is_already_valid_for_a_verifier_a_little_behind() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let admin = app.token(Role::Admin).await;
    let id = app
        .issue(&issuer, "EXM-SK1", "mlops-foundation", "cand-sk1")
        .await;
    let path = slot(&app, &id, "revocation").await.path;
    app.clock.advance(Duration::minutes(1));
    let (status, _) = app.act(&admin, &id, "revoke", "fraud").await;
    assert_eq!(status, 200);
    let list = list_json(&app, &path).await;
    assert_eq!(list["proof"]["created"], "2026-11-20T15:01:00Z");
    assert_eq!(list["validFrom"], "2026-11-20T14:56:00Z");
    let behind = T0 + Duration::minutes(1) - Duration::seconds(90);
    assert!(instant(&list, "validFrom") <= behind);
}

/// Our own verifier allows the same skew for "not yet valid" (only): a credential from an
/// issuer whose clock runs a minute or two ahead verifies; one dated further ahead does not.
#[tokio::test]
async fn the_verifier_allows_the_clock_skew_for_not_yet_valid_only() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-SK2", "mlops-foundation", "cand-sk2")
        .await;
    let credential = stored_credential(&app, &id).await;
    let validity = |verdict: &Value| common::check(verdict, "validity").clone();
    app.clock.set(T0 - Duration::minutes(2));
    let (_, verdict) = app.post("/credentials/verify", None, &credential).await;
    assert_eq!(validity(&verdict)["status"], "passed", "{verdict}");
    app.clock.set(T0 - Duration::minutes(6));
    let (_, verdict) = app.post("/credentials/verify", None, &credential).await;
    assert_eq!(validity(&verdict)["status"], "failed", "{verdict}");
}
