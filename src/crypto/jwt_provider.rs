//! The jsonwebtoken crypto provider, with parsed Ed25519 signing keys kept. The stock RustCrypto
//! provider re-parses the PKCS#8 document and re-derives the public key (a scalar
//! multiplication) for every signature: about a quarter of the cost of a vc+jwt. Everything
//! else is the stock provider's.
//!
//! Installed once per process, before the first token is signed ([`install`]); if some other
//! code installed a provider first, that one is used and only the speed differs.

use crate::cache::Bounded;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, rust_crypto};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::{Algorithm, EncodingKey};
use std::sync::{Arc, LazyLock, Once};

/// Issuer keys are few (one per rotation); more than this means something else is signing.
const KEPT: usize = 64;

static PARSED: LazyLock<Bounded<Vec<u8>, Arc<SigningKey>>> = LazyLock::new(|| Bounded::new(KEPT));

static PROVIDER: LazyLock<CryptoProvider> = LazyLock::new(|| CryptoProvider {
    signer_factory: signer,
    verifier_factory: rust_crypto::DEFAULT_PROVIDER.verifier_factory,
    key_utils: rust_crypto::DEFAULT_PROVIDER.key_utils.clone(),
});

pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = PROVIDER.install_default();
    });
}

struct KeptSigner(Arc<SigningKey>);

impl ed25519_dalek::Signer<Vec<u8>> for KeptSigner {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(ed25519_dalek::Signer::sign(&*self.0, message)
            .to_bytes()
            .to_vec())
    }
}

impl JwtSigner for KeptSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    if *algorithm != Algorithm::EdDSA {
        return (rust_crypto::DEFAULT_PROVIDER.signer_factory)(algorithm, key);
    }
    let der = key.as_bytes();
    if let Some(kept) = PARSED.get(der) {
        return Ok(Box::new(KeptSigner(kept)));
    }
    let signing = Arc::new(
        SigningKey::from_pkcs8_der(der).map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?,
    );
    PARSED.put(der.to_vec(), signing.clone());
    Ok(Box::new(KeptSigner(signing)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::IssuerKey;
    use ed25519_dalek::Verifier;

    #[test]
    fn tokens_are_signed_with_the_kept_key_and_verify() {
        install();
        let key = IssuerKey::generate("key-t");
        let header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        let claims = serde_json::json!({"sub": "x"});
        for _ in 0..2 {
            let token = jsonwebtoken::encode(&header, &claims, key.jwt_encoding_key()).unwrap();
            let (input, sig) = token.rsplit_once('.').unwrap();
            let sig =
                base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig)
                    .unwrap();
            let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
            key.public_key().verify(input.as_bytes(), &sig).unwrap();
        }
        assert!(
            PARSED.get(key.jwt_encoding_key().as_bytes()).is_some(),
            "parsed once, then kept"
        );
    }
}
