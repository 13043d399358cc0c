//! Final PDF assembly with lopdf: embedded files, then compression and
//! serialisation.
//!
//! printpdf 0.12 has no attachment API, so the document is converted to a
//! `lopdf::Document` and the attachments are added by hand following ISO
//! 32000 §7.11.4 (embedded file streams) and the PDF/A-3 associated-file
//! convention: each file gets an `/EmbeddedFile` stream whose `/Subtype` is
//! its MIME type, a file specification with both `/F` (portable bytes) and
//! `/UF` (Unicode) names and `/AFRelationship /Data`, an entry in the
//! catalog's `/Names /EmbeddedFiles` name tree (what viewers and `pdfdetach`
//! list) and one in the catalog's `/AF` array (what archival tools read).
//!
//! Embedding the signed credential makes the PDF self-verifying: the
//! graduate can hand over just the certificate file and a verifier can
//! extract the exact signed bytes.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Document, Object, Stream, StringFormat};
use time::{OffsetDateTime, UtcOffset};

use super::error::RenderError;
use super::model::Attachment;

/// `/AF` and `/AFRelationship` are PDF 2.0 / PDF/A-3 keys; advertise 1.7,
/// the last version before 2.0 that every mainstream reader accepts, instead
/// of the 1.3 printpdf writes (embedded files need at least 1.3, Unicode
/// `/UF` names 1.7).
const PDF_VERSION: &str = "1.7";

/// Adds `attachments` to `doc`, compresses every stream and returns the file.
pub(crate) fn finish(
    mut doc: Document,
    attachments: &[Attachment],
    created_at: OffsetDateTime,
) -> Result<Vec<u8>, RenderError> {
    doc.version = PDF_VERSION.to_owned();
    drop_pdfx_claim(&mut doc);
    let stamp = pdf_date(created_at);

    // The name tree must be sorted by key; sort once and use that order for
    // `/AF` too so the output does not depend on the caller's order.
    let mut sorted: Vec<&Attachment> = attachments.iter().collect();
    sorted.sort_by_key(|a| name_tree_key(&a.file_name));

    let mut names = Vec::with_capacity(sorted.len() * 2);
    let mut associated = Vec::with_capacity(sorted.len());
    for attachment in sorted {
        let spec = embed(&mut doc, attachment, &stamp);
        names.push(Object::String(
            name_tree_key(&attachment.file_name),
            StringFormat::Hexadecimal,
        ));
        names.push(Object::Reference(spec));
        associated.push(Object::Reference(spec));
    }

    if !associated.is_empty() {
        let mut tree = Dictionary::new();
        tree.set("Names", Object::Array(names));
        let tree_id = doc.add_object(tree);
        let catalog = doc
            .catalog_mut()
            .map_err(|_| RenderError::PdfStructure("document has no catalog"))?;
        let mut name_dict = Dictionary::new();
        name_dict.set("EmbeddedFiles", Object::Reference(tree_id));
        catalog.set("Names", Object::Dictionary(name_dict));
        catalog.set("AF", Object::Array(associated));
    }

    compress_streams(&mut doc)?;
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

/// Flate level 6 (with the zlib-rs backend enabled in Cargo.toml) instead of
/// lopdf's `Document::compress`, which uses level 9 on miniz_oxide: files
/// stay within ~2 % of the size while compression, the largest single cost
/// of a render, takes roughly half the time.
const FLATE_LEVEL: u32 = 6;

/// Deflates every stream that is not already filtered, keeping the result
/// only when it is actually smaller.
fn compress_streams(doc: &mut Document) -> Result<(), RenderError> {
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.has(b"Filter") {
            continue;
        }
        let mut encoder = ZlibEncoder::new(
            Vec::with_capacity(stream.content.len() / 2),
            Compression::new(FLATE_LEVEL),
        );
        encoder.write_all(&stream.content)?;
        let compressed = encoder.finish()?;
        if compressed.len() < stream.content.len() {
            stream
                .dict
                .set("Filter", Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(compressed);
        }
    }
    Ok(())
}

/// printpdf always writes `/GTS_PDFXVersion` into the info dictionary, even
/// empty, which makes readers report the file as PDF/X. A certificate is not
/// a prepress file, so the key is removed.
fn drop_pdfx_claim(doc: &mut Document) {
    let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    if let Some(info) = info.and_then(|id| doc.get_dictionary_mut(id).ok()) {
        info.remove(b"GTS_PDFXVersion");
    }
}

/// Writes one embedded-file stream plus its file specification and returns
/// the file specification's object id.
fn embed(doc: &mut Document, attachment: &Attachment, stamp: &str) -> lopdf::ObjectId {
    let mut params = Dictionary::new();
    params.set("Size", Object::Integer(attachment.bytes.len() as i64));
    params.set("CreationDate", Object::string_literal(stamp));
    params.set("ModDate", Object::string_literal(stamp));

    let mut stream_dict = Dictionary::new();
    stream_dict.set("Type", Object::Name(b"EmbeddedFile".to_vec()));
    // lopdf escapes the '/' of the MIME type as #2F when writing the name.
    stream_dict.set("Subtype", Object::Name(attachment.mime.as_bytes().to_vec()));
    stream_dict.set("Params", Object::Dictionary(params));
    let stream_id = doc.add_object(Stream::new(stream_dict, attachment.bytes.clone()));

    let mut ef = Dictionary::new();
    ef.set("F", Object::Reference(stream_id));
    ef.set("UF", Object::Reference(stream_id));

    let mut spec = Dictionary::new();
    spec.set("Type", Object::Name(b"Filespec".to_vec()));
    spec.set(
        "F",
        Object::string_literal(portable_file_name(&attachment.file_name)),
    );
    spec.set("UF", text_string(&attachment.file_name));
    spec.set("Desc", text_string(&attachment.description));
    spec.set("EF", Object::Dictionary(ef));
    spec.set("AFRelationship", Object::Name(b"Data".to_vec()));
    doc.add_object(spec)
}

/// PDF text string: PDFDocEncoding-compatible ASCII as is, anything else as
/// UTF-16BE with a byte-order mark (ISO 32000 §7.9.2.2).
pub(crate) fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        Object::string_literal(text)
    } else {
        Object::String(utf16be(text), StringFormat::Hexadecimal)
    }
}

fn utf16be(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    bytes
}

/// Name-tree keys are compared bytewise; UTF-16BE keeps Unicode names
/// distinct and is what viewers display when there is no `/UF`.
fn name_tree_key(file_name: &str) -> Vec<u8> {
    utf16be(file_name)
}

/// `/F` must be a byte string readable on any platform: non-ASCII and path
/// separators become `_` (the exact name is kept in `/UF`).
fn portable_file_name(file_name: &str) -> String {
    file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '/' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// PDF date string (ISO 32000 §7.9.4) in UTC, e.g. `D:20251120093000Z`.
pub(crate) fn pdf_date(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn dates_are_written_in_utc() {
        let at = datetime!(2025-11-20 10:30:05 +01:00);
        assert_eq!(pdf_date(at), "D:20251120093005Z");
    }

    #[test]
    fn text_strings_use_utf16_only_when_needed() {
        assert_eq!(
            text_string("credential.json"),
            Object::string_literal("credential.json")
        );
        match text_string("Zoë") {
            Object::String(bytes, _) => {
                assert_eq!(bytes, vec![0xFE, 0xFF, 0, b'Z', 0, b'o', 0, 0xEB])
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn portable_names_drop_non_ascii_and_separators() {
        assert_eq!(portable_file_name("zoë/cred.json"), "zo__cred.json");
        assert_eq!(portable_file_name("credential.vc+jwt"), "credential.vc+jwt");
    }
}
