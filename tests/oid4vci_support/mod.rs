//! A minimal wallet for the OID4VCI tests, written from the specification and sharing no code
//! with the server: an Ed25519 key as did:key (multicodec 0xed01, base58btc) or did:jwk, key
//! proofs signed by hand (OID4VCI 1.0 Appendix F.1), and the HTTP calls of the flow.

#![allow(dead_code)]

use crate::common::TestApp;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub struct Wallet {
    pub key: SigningKey,
    pub did: String,
    pub kid: String,
}

impl Wallet {
    pub fn did_key() -> Self {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        let mut multicodec = vec![0xed, 0x01];
        multicodec.extend_from_slice(key.verifying_key().as_bytes());
        let id = format!("z{}", bs58::encode(multicodec).into_string());
        Self {
            key,
            did: format!("did:key:{id}"),
            kid: format!("did:key:{id}#{id}"),
        }
    }

    pub fn did_jwk() -> Self {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(key.verifying_key().as_bytes())});
        let did = format!("did:jwk:{}", b64(jwk.to_string().as_bytes()));
        Self {
            key,
            kid: format!("{did}#0"),
            did,
        }
    }

    /// A key proof with these header and claims, signed by `signer` (normally our key).
    pub fn sign(header: &Value, claims: &Value, signer: &SigningKey) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = signer.sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }

    pub fn proof(&self, aud: &str, nonce: Option<&str>, iat: i64) -> String {
        let header = json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": self.kid});
        let mut claims = json!({"aud": aud, "iat": iat});
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        Self::sign(&header, &claims, &self.key)
    }
}

/// `POST /api/v1/credentials/{id}/offer`.
pub async fn offer(app: &TestApp, token: &str, id: &str, tx_code: bool) -> (u16, Value) {
    app.post(
        &format!("/api/v1/credentials/{id}/offer"),
        Some(token),
        &json!({ "tx_code": tx_code }),
    )
    .await
}

/// The pre-authorized code of an offer response.
pub fn code_of(offer: &Value) -> String {
    offer["credential_offer"]["grants"][GRANT]["pre-authorized_code"]
        .as_str()
        .expect("pre-authorized_code")
        .to_owned()
}

async fn answer(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The token endpoint, form-encoded.
pub async fn redeem(app: &TestApp, code: &str, tx_code: Option<&str>) -> (u16, Value) {
    let mut form = vec![("grant_type", GRANT), ("pre-authorized_code", code)];
    if let Some(pin) = tx_code {
        form.push(("tx_code", pin));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&form)
        .finish();
    let res = app
        .http
        .post(app.url("/oid4vci/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("token request");
    answer(res).await
}

pub async fn access_token(app: &TestApp, code: &str, tx_code: Option<&str>) -> String {
    let (status, body) = redeem(app, code, tx_code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub async fn nonce(app: &TestApp) -> String {
    let res = app
        .http
        .post(app.url("/oid4vci/nonce"))
        .send()
        .await
        .expect("nonce request");
    let (status, body) = answer(res).await;
    assert_eq!(status, 200, "{body}");
    body["c_nonce"].as_str().expect("c_nonce").to_owned()
}

/// The credential endpoint with one `jwt` proof.
pub async fn request(
    app: &TestApp,
    access: &str,
    configuration: &str,
    proof: &str,
) -> (u16, Value) {
    let body = json!({"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}});
    let res = app
        .http
        .post(app.url("/oid4vci/credential"))
        .bearer_auth(access)
        .json(&body)
        .send()
        .await
        .expect("credential request");
    answer(res).await
}

/// A whole redemption for `wallet`: code → token → nonce → credential of `configuration`.
pub async fn fetch(
    app: &TestApp,
    wallet: &Wallet,
    code: &str,
    configuration: &str,
) -> (u16, Value) {
    let access = access_token(app, code, None).await;
    let n = nonce(app).await;
    let now = app.ctx.now().unix_timestamp();
    request(
        app,
        &access,
        configuration,
        &wallet.proof(&app.base, Some(&n), now),
    )
    .await
}

/// A wallet holding a P-256 key (ES256 proofs), as most EU wallets do.
pub struct P256Wallet {
    pub key: p256::ecdsa::SigningKey,
    pub did: String,
    pub kid: String,
}

impl P256Wallet {
    /// did:key with the p256-pub multicodec (varint 0x1200) and the compressed point.
    pub fn did_key() -> Self {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let mut multicodec = vec![0x80, 0x24];
        multicodec.extend_from_slice(key.verifying_key().to_encoded_point(true).as_bytes());
        let id = format!("z{}", bs58::encode(multicodec).into_string());
        Self {
            key,
            did: format!("did:key:{id}"),
            kid: format!("did:key:{id}#{id}"),
        }
    }

    pub fn did_jwk() -> Self {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let point = key.verifying_key().to_encoded_point(false);
        let jwk = json!({"kty": "EC", "crv": "P-256",
                         "x": b64(point.x().expect("x")), "y": b64(point.y().expect("y"))});
        let did = format!("did:jwk:{}", b64(jwk.to_string().as_bytes()));
        Self {
            key,
            kid: format!("{did}#0"),
            did,
        }
    }

    pub fn proof(&self, aud: &str, nonce: &str, iat: i64) -> String {
        use p256::ecdsa::signature::Signer as _;
        let header = json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": self.kid});
        let claims = json!({"aud": aud, "iat": iat, "nonce": nonce});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature: p256::ecdsa::Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }
}
