//! OID4VCI 1.0 pre-authorized code flow (issue 18), against the real server: metadata, the
//! offer API, token, nonce and credential endpoints, and the wallet copy checked independently
//! (signature from the published DID document or JWKS, holder binding, shared status).

use crate::common;
use crate::oid4vci_support;

use attest::service::Role;
use common::{TestApp, check, independent};
use oid4vci_support::{P256Wallet, Wallet, access_token, code_of, fetch, nonce, offer, request};
use serde_json::Value;

#[tokio::test]
async fn metadata_advertises_each_achievement_in_both_formats() {
    let app = TestApp::spawn().await;
    let (status, meta) = app.get_json("/.well-known/openid-credential-issuer").await;
    assert_eq!(status, 200, "{meta}");
    assert_eq!(meta["credential_issuer"], app.base);
    assert_eq!(meta["credential_endpoint"], app.url("/oid4vci/credential"));
    assert_eq!(meta["nonce_endpoint"], app.url("/oid4vci/nonce"));
    let configs = meta["credential_configurations_supported"]
        .as_object()
        .expect("configurations");
    assert_eq!(configs.len(), 2 * app.ctx.catalog.achievements().len());
    let ldp = &configs["mlops-foundation.ldp_vc"];
    assert_eq!(ldp["format"], "ldp_vc");
    assert_eq!(
        ldp["credential_definition"]["type"],
        serde_json::json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(
        ldp["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
        serde_json::json!(["EdDSA", "ES256"])
    );
    assert_eq!(
        configs["mlops-foundation.jwt_vc_json"]["format"],
        "jwt_vc_json"
    );
    assert!(ldp["credential_metadata"]["display"][0]["name"].is_string());
    // The card's logo is the achievement's badge, and it is served.
    let logo = ldp["credential_metadata"]["display"][0]["logo"]["uri"]
        .as_str()
        .expect("logo uri");
    assert_eq!(logo, app.url("/achievements/mlops-foundation/badge.png"));
    let badge = app.http.get(logo).send().await.unwrap();
    assert_eq!(badge.status(), 200);
    assert_eq!(badge.headers()["content-type"], "image/png");
    let (status, oauth) = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(status, 200);
    assert_eq!(oauth["issuer"], app.base);
    assert_eq!(oauth["token_endpoint"], app.url("/oid4vci/token"));
    assert_eq!(
        oauth["pre-authorized_grant_anonymous_access_supported"],
        true
    );
    // Documented, with the references resolving.
    let (_, doc) = app.get_json("/openapi.json").await;
    for path in [
        "/oid4vci/token",
        "/oid4vci/nonce",
        "/oid4vci/credential",
        "/api/v1/credentials/{id}/offer",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(
        doc.pointer("/components/responses/OAuthError/content")
            .is_some(),
        "OAuthError"
    );
    for schema in [
        "OfferResponse",
        "TokenResponse",
        "NonceResponse",
        "TokenForm",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert!(doc["paths"]["/oid4vci/token"]["post"]["responses"]["429"].is_object());
}

#[tokio::test]
async fn offer_needs_an_issuer_token_and_an_active_record() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-1", "mlops-foundation", "cand-1")
        .await;
    let (status, _) = offer(&app, "nope", &id, false).await;
    assert_eq!(status, 401);
    let (status, body) = offer(&app, &issuer, &uuid::Uuid::new_v4().to_string(), false).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = offer(&app, &issuer, &id, true).await;
    assert_eq!(status, 201, "{body}");
    let link = body["offer_link"].as_str().expect("link");
    assert!(link.starts_with("openid-credential-offer://?credential_offer="));
    let decoded: Value = serde_json::from_str(
        &url::form_urlencoded::parse(link.split_once('?').expect("query").1.as_bytes())
            .find(|(k, _)| k == "credential_offer")
            .expect("credential_offer")
            .1,
    )
    .expect("offer JSON");
    assert_eq!(decoded, body["credential_offer"]);
    assert_eq!(decoded["credential_issuer"], app.base);
    assert_eq!(
        decoded["credential_configuration_ids"],
        serde_json::json!(["mlops-foundation.ldp_vc", "mlops-foundation.jwt_vc_json"])
    );
    let pin = body["tx_code"].as_str().expect("tx_code");
    assert!(pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()));
    assert!(
        body["qr_png"]
            .as_str()
            .expect("qr")
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    // The offer is in the audit trail, its code is not.
    let admin = app.token(Role::Admin).await;
    let (_, audit) = app.get_json_as("/api/v1/audit", &admin).await;
    let text = audit.to_string();
    assert!(text.contains("credential.offer"));
    assert!(!text.contains(&code_of(&body)));
    // A revoked record is offered to no wallet.
    let (status, _) = app.act(&admin, &id, "revoke", "misconduct").await;
    assert_eq!(status, 200);
    let (status, body) = offer(&app, &issuer, &id, false).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "not_offerable");
}

/// The key proof of a `kid` did:key and a did:jwk wallet both work, in both formats.
#[tokio::test]
async fn wallet_copy_is_bound_to_the_holder_and_shares_the_record_status() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-2", "mlops-foundation", "cand-2")
        .await;
    let (_, record) = app.get_json(&format!("/credentials/{id}")).await;
    let wallet = Wallet::did_key();
    let (_, made) = offer(&app, &issuer, &id, false).await;
    let (status, answer) = fetch(&app, &wallet, &code_of(&made), "mlops-foundation.ldp_vc").await;
    assert_eq!(status, 200, "{answer}");
    let copy = &answer["credentials"][0]["credential"];
    assert_eq!(copy["credentialSubject"]["id"], wallet.did.as_str());
    assert!(copy["id"].as_str().expect("id").starts_with("urn:uuid:"));
    for same in [
        "credentialStatus",
        "validFrom",
        "validUntil",
        "type",
        "@context",
    ] {
        assert_eq!(copy[same], record[same], "{same}");
    }
    assert_eq!(
        copy["credentialSubject"]["achievement"],
        record["credentialSubject"]["achievement"]
    );
    // Signature, independently: the key from the published DID document.
    let (_, did_doc) = app.get_json("/.well-known/did.json").await;
    let vm = copy["proof"]["verificationMethod"].as_str().expect("vm");
    let key = independent::key_from_did_document(&did_doc, vm);
    independent::verify_proof(copy, &key).expect("the copy's proof verifies");
    // The same offer, with a second nonce, gives the JWT form once.
    let other = Wallet::did_jwk();
    let (_, made) = offer(&app, &issuer, &id, false).await;
    let (status, answer) = fetch(
        &app,
        &other,
        &code_of(&made),
        "mlops-foundation.jwt_vc_json",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let jwt = answer["credentials"][0]["credential"]
        .as_str()
        .expect("jwt");
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let (_, payload) = independent::verify_jwt(jwt, &jwks).expect("the JWT verifies");
    assert_eq!(payload["credentialSubject"]["id"], other.did.as_str());
    assert_eq!(payload["credentialStatus"], record["credentialStatus"]);
    // Our verifier accepts the copy; after the record is revoked it fails revocation.
    let (status, verdict) = app.post("/credentials/verify", None, copy).await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(check(&verdict, "revocation")["status"], "passed");
    let admin = app.token(Role::Admin).await;
    let (status, _) = app.act(&admin, &id, "revoke", "exam misconduct").await;
    assert_eq!(status, 200);
    let (status, verdict) = app.post("/credentials/verify", None, copy).await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(check(&verdict, "revocation")["status"], "failed");
    // Both copies are stored beside the record and audited.
    let copies = app
        .ctx
        .store
        .wallet_copies(&attest::domain::ids::CredentialId::parse(&id).expect("id"))
        .await
        .expect("copies");
    let mut holders: Vec<&str> = copies.iter().map(|c| c.holder_did.as_str()).collect();
    holders.sort_unstable();
    let mut expected = vec![wallet.did.as_str(), other.did.as_str()];
    expected.sort_unstable();
    assert_eq!(holders, expected);
    let (_, audit) = app.get_json_as("/api/v1/audit?limit=100", &admin).await;
    assert_eq!(
        audit.to_string().matches("credential.wallet_copy").count(),
        2
    );
}

/// ES256 holders (P-256 keys, as did:key `zDn…` and as did:jwk) get copies bound to their DID;
/// an ES256 header over an Ed25519 key, or the reverse, is refused.
#[tokio::test]
async fn p256_holders_prove_with_es256() {
    let app = TestApp::spawn().await;
    let issuer = app.token(Role::Issuer).await;
    let id = app
        .issue(&issuer, "EXM-3", "mlops-foundation", "cand-3")
        .await;
    for wallet in [P256Wallet::did_key(), P256Wallet::did_jwk()] {
        let (_, made) = offer(&app, &issuer, &id, false).await;
        let access = access_token(&app, &code_of(&made), None).await;
        let now = app.ctx.now().unix_timestamp();
        let proof = wallet.proof(&app.base, &nonce(&app).await, now);
        let (status, body) = request(&app, &access, "mlops-foundation.ldp_vc", &proof).await;
        assert_eq!(status, 200, "{}: {body}", wallet.did);
        let copy = &body["credentials"][0]["credential"];
        assert_eq!(copy["credentialSubject"]["id"], wallet.did.as_str());
        // A proof claiming EdDSA over the P-256 key is refused.
        let mut parts: Vec<String> = proof.split('.').map(str::to_owned).collect();
        let header =
            serde_json::json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": wallet.kid});
        parts[0] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            header.to_string(),
        );
        let (status, body) = request(
            &app,
            &access,
            "mlops-foundation.jwt_vc_json",
            &parts.join("."),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_proof")),
            "{body}"
        );
    }
}
