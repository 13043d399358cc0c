//! One Ed25519 issuer key (RFC 8032), stored as PKCS#8 PEM with mode 0600.

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use std::fmt;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {message}")]
    File { path: String, message: String },
    #[error("key {key_id}: the private key does not match the published public key")]
    Mismatch { key_id: String },
    #[error("key {0} is not known")]
    Unknown(String),
}

pub struct IssuerKey {
    key_id: String,
    signing: SigningKey,
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    pub fn generate(key_id: &str) -> Self {
        let signing = SigningKey::generate(&mut rand_core::OsRng);
        Self::from_signing_key(key_id, signing)
    }

    /// For test vectors whose secret key is published.
    pub fn from_secret_bytes(key_id: &str, secret: &[u8; 32]) -> Self {
        Self::from_signing_key(key_id, SigningKey::from_bytes(secret))
    }

    fn from_signing_key(key_id: &str, signing: SigningKey) -> Self {
        Self {
            key_id: key_id.to_owned(),
            signing,
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Writes the key as PKCS#8 PEM, creating the file with mode 0600 and refusing to
    /// overwrite an existing one (a lost key would orphan every credential it signed).
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        let fail = |message: String| KeyError::File {
            path: path.display().to_string(),
            message,
        };
        let pem = self
            .signing
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| fail(e.to_string()))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| fail(e.to_string()))?;
        file.write_all(pem.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| fail(e.to_string()))
    }

    pub fn read(key_id: &str, path: &Path) -> Result<Self, KeyError> {
        let fail = |message: String| KeyError::File {
            path: path.display().to_string(),
            message,
        };
        let pem = zeroize::Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?,
        );
        let signing = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|_| fail("not an Ed25519 PKCS#8 PEM private key".into()))?;
        Ok(Self::from_signing_key(key_id, signing))
    }
}

/// jsonwebtoken's signer interface, so a JWS is signed by the key that holds the secret: the
/// stock provider would need the PKCS#8 bytes copied out and re-parsed per signature.
impl jsonwebtoken::signature::Signer<Vec<u8>> for IssuerKey {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, jsonwebtoken::signature::Error> {
        Ok(self.sign(message).to_vec())
    }
}

impl jsonwebtoken::crypto::JwtSigner for IssuerKey {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        jsonwebtoken::Algorithm::EdDSA
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier;

    #[test]
    fn debug_never_shows_key_material() {
        let key = IssuerKey::generate("key-1");
        let shown = format!("{key:?}");
        assert!(shown.contains("key-1"));
        assert!(!shown.contains("signing"));
    }

    #[test]
    fn written_keys_are_private_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key-1.pem");
        let key = IssuerKey::generate("key-1");
        key.write_new(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(key.write_new(&path).is_err(), "must not overwrite");
        let back = IssuerKey::read("key-1", &path).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let sig = ed25519_dalek::Signature::from_bytes(&back.sign(b"m"));
        key.public_key().verify(b"m", &sig).unwrap();
    }
}
