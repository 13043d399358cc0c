//! A typical Open Badges 3.0 credential as attest issues it (VC 2.0 + OB
//! 3.0.3 contexts), shared by the tests and `examples/timing.rs`.

use serde_json::{Value, json};

/// An OpenBadgeCredential using every property attest emits.
pub fn open_badge_credential() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:0f6e3c2a-8d0b-4c59-9a52-3f1d8f0c7b11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Certified Cloud Practitioner",
        "issuer": {
            "id": "did:web:certs.example.org",
            "type": ["Profile"],
            "name": "Example Certification Board"
        },
        "validFrom": "2025-03-01T09:30:00Z",
        "validUntil": "2028-03-01T09:30:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Ada Lovelace",
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": "sha256$9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "identityType": "emailAddress",
                "hashed": true,
                "salt": "q8Hc2kLr0xW7"
            }],
            "achievement": {
                "id": "https://certs.example.org/achievements/ccp-2025",
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": "Certified Cloud Practitioner",
                "description": "Awarded for passing the Cloud Practitioner exam.",
                "criteria": {"narrative": "Score at least 700 of 1000 on the proctored exam."},
                "alignment": [{
                    "type": ["Alignment"],
                    "targetName": "Cloud Concepts",
                    "targetUrl": "https://frameworks.example.org/cloud/concepts",
                    "targetFramework": "Example Cloud Skills Framework",
                    "targetCode": "CC-101"
                }],
                "tag": ["cloud", "certification"],
                "specialization": "Cloud infrastructure fundamentals",
                "resultDescription": [{
                    "id": "https://certs.example.org/achievements/ccp-2025/results/score",
                    "type": ["ResultDescription"],
                    "name": "Exam score",
                    "resultType": "ScaledScore",
                    "requiredValue": "700",
                    "valueMin": "0",
                    "valueMax": "1000"
                }]
            },
            "result": [{
                "type": ["Result"],
                "resultDescription": "https://certs.example.org/achievements/ccp-2025/results/score",
                "value": "812"
            }]
        },
        "evidence": [{
            "id": "https://certs.example.org/evidence/prereq-7781",
            "type": ["Evidence"],
            "name": "Foundations course completion",
            "genre": "Prerequisite"
        }],
        "relatedResource": [{
            "id": "https://certs.example.org/achievements/ccp-2025/badge.png",
            "digestSRI": "sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"
        }],
        "credentialSchema": [{
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "JsonSchema"
        }],
        "credentialStatus": [
            {
                "id": "https://certs.example.org/status/3#94567",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "94567",
                "statusListCredential": "https://certs.example.org/status/3"
            },
            {
                "id": "https://certs.example.org/status/4#94567",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "suspension",
                "statusListIndex": "94567",
                "statusListCredential": "https://certs.example.org/status/4"
            }
        ]
    })
}

/// Proof options for the credential above (the proof without `proofValue`).
pub fn open_badge_proof_options() -> Value {
    json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-03-01T09:30:00Z",
        "verificationMethod": "did:web:certs.example.org#key-1",
        "proofPurpose": "assertionMethod"
    })
}
