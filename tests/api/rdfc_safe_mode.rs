//! Safe mode and the Open Badges 3.0 credential attest issues.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::rdfc_common;

use attest::vc::rdfc::{
    CanonError, DropKind, canonicalize, canonicalize_unchecked, check_safe, rdfc_hash_data,
};
use rdfc_common::ob::{open_badge_credential, open_badge_proof_options};
use rdfc_common::*;
use serde_json::{Value, json};

/// The dropped items of an `UndefinedTerm` error as (kind, term, paths).
fn dropped(
    result: Result<impl std::fmt::Debug, CanonError>,
) -> Vec<(DropKind, String, Vec<String>)> {
    match result {
        Err(CanonError::UndefinedTerm(d)) => d
            .iter()
            .map(|t| (t.kind, t.term.clone(), t.paths.clone()))
            .collect(),
        other => panic!("expected UndefinedTerm, got {other:?}"),
    }
}

fn basic_unsecured() -> Value {
    split_proof(&vector("eddsa-rdfc-2022-signedDataInt.json")).0
}

#[test]
fn open_badge_credential_has_no_undefined_term() {
    let doc = open_badge_credential();
    check_safe(&doc, &ob_loader()).expect("every OB/VC term is defined");
    let hash = rdfc_hash_data(&doc, &open_badge_proof_options(), &ob_loader(), true);
    assert!(hash.is_ok());
}

#[test]
fn undefined_term_in_open_badge_is_reported_with_its_path() {
    let mut doc = open_badge_credential();
    doc["credentialSubject"]["favoriteColor"] = "blue".into();
    assert_eq!(
        dropped(canonicalize(&doc, &ob_loader())),
        [(
            DropKind::UndefinedTerm,
            "favoriteColor".to_owned(),
            vec!["$.credentialSubject.favoriteColor".to_owned()]
        )]
    );
    // Without safe mode the term is silently dropped: same output as before.
    assert_eq!(
        canonicalize_unchecked(&doc, &ob_loader()).expect("canonical"),
        canonicalize_unchecked(&open_badge_credential(), &ob_loader()).expect("canonical")
    );
}

/// The examples context of the W3C vector maps every term through `@vocab`,
/// so `favoriteColor` is *defined* there (as `examples#favoriteColor`) and
/// is signed; safe mode correctly accepts it.
#[test]
fn examples_vocab_defines_any_term() {
    let mut doc = basic_unsecured();
    doc["credentialSubject"]["favoriteColor"] = "blue".into();
    let nq = canonicalize(&doc, &test_loader()).expect("defined through @vocab");
    assert!(nq.contains("<https://www.w3.org/ns/credentials/examples#favoriteColor> \"blue\""));
}

#[test]
fn undefined_terms_and_types_without_the_examples_context() {
    let mut doc = basic_unsecured();
    doc["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
    doc["credentialSubject"]["favoriteColor"] = "blue".into();
    let got = dropped(check_safe(&doc, &test_loader()));
    let terms: Vec<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(terms, ["AlumniCredential", "alumniOf", "favoriteColor"]);
    assert_eq!(got[0].2, ["$.type[1]"]);
}

#[test]
fn unknown_context_url() {
    let mut doc = open_badge_credential();
    doc["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.4.json".into();
    assert!(matches!(
        canonicalize(&doc, &ob_loader()),
        Err(CanonError::UnknownContext(url)) if url.ends_with("context-3.0.4.json")
    ));
}

#[test]
fn relative_and_invalid_iris() {
    let mut doc = open_badge_credential();
    doc["evidence"][0]["id"] = "evidence/7781".into();
    doc["relatedResource"][0]["id"] = "https://certs.example.org/badge image.png".into();
    let got = dropped(check_safe(&doc, &ob_loader()));
    assert_eq!(
        got,
        [
            (
                DropKind::RelativeIri,
                "evidence/7781".to_owned(),
                vec!["$.evidence[0].id".to_owned()]
            ),
            (
                DropKind::InvalidIri,
                "https://certs.example.org/badge image.png".to_owned(),
                vec!["$.relatedResource[0].id".to_owned()]
            ),
        ]
    );
}

#[test]
fn ignored_keywords_and_direction() {
    let mut doc = open_badge_credential();
    doc["@comment"] = "ignored by every processor".into();
    doc["credentialSubject"]["name"] =
        json!({"@value": "Ada", "@language": "en", "@direction": "ltr"});
    let kinds: Vec<(DropKind, String)> = dropped(check_safe(&doc, &ob_loader()))
        .into_iter()
        .map(|(k, t, _)| (k, t))
        .collect();
    assert_eq!(
        kinds,
        [
            (DropKind::IgnoredKeyword, "@comment".to_owned()),
            (DropKind::NotInRdf, "@direction".to_owned()),
        ]
    );
}

#[test]
fn inline_contexts_are_refused() {
    let mut doc = open_badge_credential();
    doc["@context"]
        .as_array_mut()
        .expect("list")
        .push(json!({"favoriteColor": null}));
    assert!(matches!(
        check_safe(&doc, &ob_loader()),
        Err(CanonError::InlineContext { path }) if path == "$.@context"
    ));
}

#[test]
fn undefined_value_in_proof_options() {
    let mut options = open_badge_proof_options();
    options["proofPurpose"] = "signing".into();
    let got = dropped(rdfc_hash_data(
        &open_badge_credential(),
        &options,
        &ob_loader(),
        true,
    ));
    assert_eq!(got[0].0, DropKind::UndefinedTerm);
    assert_eq!(got[0].1, "signing");
}

/// The undefined-terms context keeps such terms (under its `@vocab`), so
/// they are signed and safe mode has nothing to object to.
#[test]
fn undefined_terms_context_is_honoured() {
    let mut doc = open_badge_credential();
    doc["@context"]
        .as_array_mut()
        .expect("list")
        .push("https://www.w3.org/ns/credentials/undefined-terms/v2".into());
    doc["credentialSubject"]["favoriteColor"] = "blue".into();
    let nq = canonicalize(&doc, &ob_loader()).expect("kept under @vocab");
    assert!(nq.contains("<https://www.w3.org/ns/credentials/undefined-term#favoriteColor>"));
}
