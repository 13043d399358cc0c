//! The credential we issue: VC Data Model 2.0 (§4) shaped as an Open Badges 3.0
//! `OpenBadgeCredential` (OB 3.0 §8.1, AchievementCredential). Every property used here is
//! defined by the VC v2 or OB 3.0.3 context (VC 2.0 §5.2: no undefined terms).

use super::contexts::{OB_V3, VC_V2};
use super::proof::timestamp;
use crate::domain::catalog::{Achievement, Program};
use crate::domain::exam::normalize_email;
use crate::domain::ids::CredentialId;
use crate::domain::status::StatusPurpose;
use crate::domain::validity::ValidityPeriod;
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha384};

pub const MEDIA_TYPE: &str = "application/vc+ld+json";

/// Where the credential's two status bits live: the same index in list `list_number` of each
/// purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRef {
    pub list_number: i64,
    pub index: u32,
}

/// A prerequisite credential this one builds on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageRef {
    pub credential_url: String,
    pub achievement_name: String,
    pub issued_on: String,
    /// `sha384-…` (W3C Subresource Integrity) of the exact bytes served at `credential_url`.
    pub digest_sri: String,
}

/// OB 3.0 IdentityObject with a salted hash, so the credential proves whom it was issued to
/// without publishing the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityHash {
    pub hash: String,
    pub salt: String,
}

impl IdentityHash {
    pub fn of_email(email: &str, salt: &str) -> Self {
        let digest = Sha256::digest(format!("{}{salt}", normalize_email(email)).as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Self {
            hash: format!("sha256${hex}"),
            salt: salt.to_owned(),
        }
    }
}

pub fn digest_sri(bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

pub fn credential_url(base_url: &str, id: &CredentialId) -> String {
    format!("{base_url}/credentials/{id}")
}

/// The same credential in another representation: `json`, `jwt`, `pdf`, `png`, `svg`.
pub fn credential_file_url(base_url: &str, id: &CredentialId, ext: &str) -> String {
    format!("{}.{ext}", credential_url(base_url, id))
}

/// The verification page employers open (the certificate's QR code points here).
pub fn verify_page_url(base_url: &str, id: &CredentialId) -> String {
    format!("{base_url}/v/{id}")
}

/// The graduate's permanent share page.
pub fn share_page_url(base_url: &str, id: &CredentialId) -> String {
    format!("{base_url}/c/{id}")
}

pub fn achievement_url(base_url: &str, code: &str) -> String {
    format!("{base_url}/achievements/{code}")
}

/// The achievement's badge (SVG), served by `http::badges`; `.png` beside it is its rendering.
pub fn achievement_image_url(base_url: &str, code: &str) -> String {
    format!("{}/badge.svg", achievement_url(base_url, code))
}

/// The PNG rendering of the same badge, for displays that do not draw SVG (wallets).
pub fn achievement_png_url(base_url: &str, code: &str) -> String {
    format!("{}/badge.png", achievement_url(base_url, code))
}

pub fn status_list_id(purpose: StatusPurpose, list_number: i64) -> String {
    format!("{}-{list_number}", purpose.as_str())
}

pub fn status_list_url(base_url: &str, purpose: StatusPurpose, list_number: i64) -> String {
    format!("{base_url}/status/{}", status_list_id(purpose, list_number))
}

pub const CREDENTIAL_SCHEMA_PATH: &str = "/schemas/credential.schema.json";

pub struct CredentialDraft<'a> {
    pub base_url: &'a str,
    pub id: CredentialId,
    pub issuer_id: &'a str,
    pub issuer_name: &'a str,
    pub program: &'a Program,
    pub achievement: &'a Achievement,
    pub holder_name: &'a str,
    pub identity: IdentityHash,
    pub score: u32,
    pub validity: ValidityPeriod,
    pub status: StatusRef,
    pub lineage: &'a [LineageRef],
}

/// The public description of an achievement (also served at `/achievements/{code}`).
pub fn achievement_json(base_url: &str, program: &Program, a: &Achievement) -> Value {
    let url = achievement_url(base_url, a.code.as_str());
    json!({
        "id": url,
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": a.name,
        "description": a.description,
        "criteria": {"narrative": a.criteria},
        "humanCode": a.code.as_str(),
        // OB 3.0 §B.1.15: what badge platforms and wallets display for the achievement.
        "image": {
            "id": achievement_image_url(base_url, a.code.as_str()),
            "type": "Image",
            "caption": format!("{} badge", a.name),
        },
        "alignment": [{
            "type": ["Alignment"],
            "targetName": a.level.label(),
            "targetCode": a.level.id,
            "targetFramework": program.framework,
            "targetUrl": format!("{base_url}/catalog#level-{}", a.level.id),
        }],
        "tag": [a.track.name, a.level.name],
        "specialization": a.track.name,
        "resultDescription": [{
            "id": format!("{url}#score"),
            "type": ["ResultDescription"],
            "name": "Exam score",
            "resultType": "ScaledScore",
            "requiredValue": a.pass_mark.to_string(),
            "valueMin": "0",
            "valueMax": a.max_score.to_string(),
        }],
    })
}

pub fn build(d: &CredentialDraft<'_>) -> Value {
    let url = credential_url(d.base_url, &d.id);
    let achievement_url = achievement_url(d.base_url, d.achievement.code.as_str());
    let status: Vec<Value> = StatusPurpose::ALL
        .iter()
        .map(|&purpose| {
            let list = status_list_url(d.base_url, purpose, d.status.list_number);
            json!({
                "id": format!("{list}#{}", d.status.index),
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.as_str(),
                "statusListIndex": d.status.index.to_string(),
                "statusListCredential": list,
            })
        })
        .collect();
    let mut credential = json!({
        "@context": [VC_V2, OB_V3],
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": d.achievement.name,
        "description": d.achievement.description,
        "issuer": {
            "id": d.issuer_id,
            "type": ["Profile"],
            "name": d.issuer_name,
            "url": d.base_url,
        },
        "validFrom": timestamp(d.validity.from()),
        "validUntil": timestamp(d.validity.until()),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": d.holder_name,
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": d.identity.hash,
                "identityType": "emailAddress",
                "hashed": true,
                "salt": d.identity.salt,
            }],
            "achievement": achievement_json(d.base_url, d.program, d.achievement),
            "result": [{
                "type": ["Result"],
                "resultDescription": format!("{achievement_url}#score"),
                "value": d.score.to_string(),
                "status": "Completed",
            }],
        },
        "credentialSchema": [{
            "id": format!("{}{CREDENTIAL_SCHEMA_PATH}", d.base_url),
            "type": "JsonSchema",
        }],
        "credentialStatus": status,
    });
    if !d.lineage.is_empty() {
        let evidence: Vec<Value> = d
            .lineage
            .iter()
            .map(|l| {
                json!({
                    "id": l.credential_url,
                    "type": ["Evidence"],
                    "name": l.achievement_name,
                    "description": format!("Prerequisite credential, issued {}", l.issued_on),
                    "genre": "Prerequisite",
                })
            })
            .collect();
        let related: Vec<Value> = d
            .lineage
            .iter()
            .map(|l| json!({"id": l.credential_url, "digestSRI": l.digest_sri, "mediaType": MEDIA_TYPE}))
            .collect();
        if let Some(map) = credential.as_object_mut() {
            map.insert("evidence".into(), evidence.into());
            map.insert("relatedResource".into(), related.into());
        }
    }
    credential
}

/// Marks a recertification (issue 19): the credential this one renews, as `evidence` of genre
/// `Recertification` and a `relatedResource` with its digest (VC 2.0 §5.3 "Integrity of
/// Related Resources"), so the link is tamper-evident. The lineage check reads only
/// `Prerequisite` evidence, so a renewal is not taken for a prerequisite.
pub fn add_renewal(credential: &mut Value, previous: &LineageRef) {
    let Some(map) = credential.as_object_mut() else {
        return;
    };
    let evidence = json!({
        "id": previous.credential_url,
        "type": ["Evidence"],
        "name": previous.achievement_name,
        "description": format!("Recertification of the credential issued {}", previous.issued_on),
        "genre": "Recertification",
    });
    let related = json!({"id": previous.credential_url, "digestSRI": previous.digest_sri, "mediaType": MEDIA_TYPE});
    for (key, item) in [("evidence", evidence), ("relatedResource", related)] {
        match map.get_mut(key).and_then(Value::as_array_mut) {
            Some(items) => items.push(item),
            None => {
                map.insert(key.into(), Value::Array(vec![item]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hash_is_salted_and_case_insensitive() {
        let a = IdentityHash::of_email("Zoe@Example.com", "s1");
        let b = IdentityHash::of_email("zoe@example.com", "s1");
        let c = IdentityHash::of_email("zoe@example.com", "s2");
        assert_eq!(a, b);
        assert_ne!(a.hash, c.hash);
        assert!(a.hash.starts_with("sha256$") && a.hash.len() == 7 + 64);
    }

    #[test]
    fn sri_digest_has_the_sha384_prefix() {
        assert_eq!(
            digest_sri(b""),
            "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
        );
    }
}
