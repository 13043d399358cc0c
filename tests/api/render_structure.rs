//! Structural checks of the PDF object graph with lopdf, and of input
//! validation. These need no external tools.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::render_support;

use attest::render::{Fonts, RenderError, render_certificate};
use lopdf::{Document, Object};

fn load(bytes: &[u8]) -> Document {
    Document::load_mem(bytes).expect("renderer output parses")
}

fn name(obj: &Object) -> Vec<u8> {
    obj.as_name().expect("name").to_vec()
}

#[test]
fn attachments_follow_the_associated_files_convention() {
    let fonts = Fonts::load().unwrap();
    let pdf = render_certificate(&render_support::view("Zoë Ångström"), &fonts).unwrap();
    let doc = load(&pdf);
    let catalog = doc.catalog().unwrap();

    let af = catalog.get(b"AF").unwrap().as_array().unwrap();
    assert_eq!(af.len(), 2);
    let mut mimes = Vec::new();
    for spec_ref in af {
        let spec = doc
            .get_dictionary(spec_ref.as_reference().unwrap())
            .unwrap();
        assert_eq!(name(spec.get(b"Type").unwrap()), b"Filespec");
        assert_eq!(name(spec.get(b"AFRelationship").unwrap()), b"Data");
        assert!(spec.get(b"F").is_ok() && spec.get(b"UF").is_ok());
        let ef = spec.get(b"EF").unwrap().as_dict().unwrap();
        let stream = doc
            .get_object(ef.get(b"F").unwrap().as_reference().unwrap())
            .unwrap()
            .as_stream()
            .unwrap();
        assert_eq!(name(stream.dict.get(b"Type").unwrap()), b"EmbeddedFile");
        mimes.push(String::from_utf8(name(stream.dict.get(b"Subtype").unwrap())).unwrap());
    }
    mimes.sort();
    assert_eq!(mimes, ["application/vc+jwt", "application/vc+ld+json"]);

    let names = catalog.get(b"Names").unwrap().as_dict().unwrap();
    let tree = doc
        .get_dictionary(names.get(b"EmbeddedFiles").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(tree.get(b"Names").unwrap().as_array().unwrap().len(), 4);
}

#[test]
fn renders_without_score_lineage_or_attachments() {
    let fonts = Fonts::load().unwrap();
    let mut view = render_support::view("Иван Петров");
    view.score = None;
    view.lineage.clear();
    view.attachments.clear();
    view.level = "Specialist".into();
    let doc = load(&render_certificate(&view, &fonts).unwrap());
    assert!(doc.catalog().unwrap().get(b"AF").is_err());
    assert_eq!(doc.get_pages().len(), 1);
}

#[test]
fn many_lineage_links_still_render() {
    let fonts = Fonts::load().unwrap();
    let mut view = render_support::view("Zoë Ångström");
    let link = view.lineage[0].clone();
    view.lineage = vec![link; 5];
    assert!(render_certificate(&view, &fonts).is_ok());
}

#[test]
fn invalid_views_are_rejected() {
    let fonts = Fonts::load().unwrap();

    let mut view = render_support::view("  ");
    assert!(matches!(
        render_certificate(&view, &fonts),
        Err(RenderError::InvalidView(_))
    ));

    view = render_support::view("Zoë Ångström");
    view.verify_url.clear();
    assert!(matches!(
        render_certificate(&view, &fonts),
        Err(RenderError::InvalidView(_))
    ));

    view = render_support::view("Zoë Ångström");
    let dup = view.attachments[0].clone();
    view.attachments.push(dup);
    assert!(matches!(
        render_certificate(&view, &fonts),
        Err(RenderError::InvalidView(_))
    ));

    view = render_support::view("Zoë Ångström");
    view.verify_url = "x".repeat(4000);
    assert!(matches!(
        render_certificate(&view, &fonts),
        Err(RenderError::Qr(_))
    ));
}
