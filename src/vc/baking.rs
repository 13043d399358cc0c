//! Baked badges, Open Badges 3.0 §5.3 "Baked Badge": the credential carried inside its badge
//! image, so the image alone can be verified.
//!
//! - PNG (§5.3.1): one `iTXt` chunk (PNG 3rd ed. §11.3.3.4) with keyword `openbadgecredential`,
//!   uncompressed ("Compression MUST NOT be used"), empty language tag and translated keyword,
//!   whose text is the credential's JSON (embedded proof) or its compact JWS (VC-JWT). It MUST
//!   NOT appear more than once: baking replaces any earlier one. We insert it right after `IHDR`,
//!   so an extractor that stops at the first match (§5.3.1.2) reads no image data.
//! - SVG (§5.3.2): `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` on `<svg>` and,
//!   directly after the start tag, one `<openbadges:credential>` element holding the JSON in
//!   CDATA, or a `verify` attribute holding the JWS.
//!
//! Extraction is bounded: chunk CRCs are checked, text larger than [`MAX_TEXT`] is refused (a
//! compressed chunk from another baker is inflated only up to that size), and SVG is parsed
//! without DTDs, so no entity can expand.

use crate::problem::ProblemCode;
use std::io::Read;

pub const PNG_KEYWORD: &str = "openbadgecredential";
pub const SVG_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
/// The largest credential text extracted (a credential with a long lineage is a few KiB).
pub const MAX_TEXT: usize = 256 * 1024;

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Svg,
}

/// What a badge carries: the two securing mechanisms of OB 3.0 §8 take different places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// The credential's JSON with its embedded proof.
    Json(String),
    /// A compact JWS (VC-JWT).
    Jwt(String),
}

impl Payload {
    pub fn text(&self) -> &str {
        match self {
            Payload::Json(t) | Payload::Jwt(t) => t,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BakingError {
    #[error("the image is not a valid {0}: {1}")]
    Invalid(&'static str, String),
    #[error("the image carries no Open Badges credential ({0})")]
    NoCredential(&'static str),
    #[error("the credential in the image exceeds {MAX_TEXT} bytes")]
    TooLarge,
}

impl BakingError {
    /// Stable machine codes for the problem documents.
    pub fn code(&self) -> ProblemCode {
        match self {
            BakingError::Invalid(..) => ProblemCode::InvalidImage,
            BakingError::NoCredential(_) => ProblemCode::NoBakedCredential,
            BakingError::TooLarge => ProblemCode::BakedCredentialTooLarge,
        }
    }
}

/// Recognises a badge image by its first bytes (PNG signature, or markup: no JSON text or JWT
/// starts with `<`), so callers need not trust a content type.
pub fn kind_of(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(PNG_SIGNATURE) {
        return Some(ImageKind::Png);
    }
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
    (*first == b'<').then_some(ImageKind::Svg)
}

/// The credential text inside a baked PNG or SVG.
pub fn extract(bytes: &[u8]) -> Result<Payload, BakingError> {
    match kind_of(bytes) {
        Some(ImageKind::Png) => extract_png(bytes),
        Some(ImageKind::Svg) => extract_svg(bytes),
        None => Err(BakingError::Invalid("image", "neither PNG nor SVG".into())),
    }
}

struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// The whole chunk as stored: length, type, data and CRC.
    raw: &'a [u8],
}

fn png_error(m: impl Into<String>) -> BakingError {
    BakingError::Invalid("PNG", m.into())
}

/// Walks the chunks of a PNG datastream (PNG §5.3), checking each CRC; stops after `IEND`.
fn chunks(png: &[u8]) -> impl Iterator<Item = Result<Chunk<'_>, BakingError>> {
    let mut rest = png.strip_prefix(PNG_SIGNATURE.as_slice());
    let mut done = rest.is_none();
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let bytes = rest?;
        let next = (|| {
            let header = bytes
                .get(..8)
                .ok_or_else(|| png_error("truncated chunk header"))?;
            let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
            let len = usize::try_from(len)
                .ok()
                .filter(|&l| l < (1 << 31))
                .ok_or_else(|| png_error("chunk length out of range"))?;
            let total = 12 + len;
            let raw = bytes
                .get(..total)
                .ok_or_else(|| png_error("truncated chunk"))?;
            let kind = [header[4], header[5], header[6], header[7]];
            let data = &raw[8..8 + len];
            let stored =
                u32::from_be_bytes([raw[8 + len], raw[9 + len], raw[10 + len], raw[11 + len]]);
            if crc32fast::hash(&raw[4..8 + len]) != stored {
                return Err(png_error(format!(
                    "CRC mismatch in chunk {}",
                    String::from_utf8_lossy(&kind)
                )));
            }
            Ok((Chunk { kind, data, raw }, &bytes[total..]))
        })();
        Some(match next {
            Ok((chunk, tail)) => {
                done = &chunk.kind == b"IEND";
                rest = Some(tail);
                Ok(chunk)
            }
            Err(e) => {
                done = true;
                Err(e)
            }
        })
    })
}

/// The text of an `iTXt` chunk (PNG §11.3.3.4) if its keyword is ours.
fn itxt_text(data: &[u8]) -> Result<Option<String>, BakingError> {
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        return Err(png_error("iTXt without a keyword terminator"));
    };
    if &data[..nul] != PNG_KEYWORD.as_bytes() {
        return Ok(None);
    }
    let rest = &data[nul + 1..];
    let (&flag, rest) = rest.split_first().ok_or_else(|| png_error("short iTXt"))?;
    let (&method, rest) = rest.split_first().ok_or_else(|| png_error("short iTXt"))?;
    let skip_field = |r: &'_ [u8]| -> Result<usize, BakingError> {
        r.iter()
            .position(|&b| b == 0)
            .map(|p| p + 1)
            .ok_or_else(|| png_error("iTXt field without a terminator"))
    };
    let after_language = skip_field(rest)?;
    let rest = &rest[after_language..];
    let after_translated = skip_field(rest)?;
    let text = &rest[after_translated..];
    let bytes = match (flag, method) {
        (0, _) => text.to_vec(),
        // §5.3.1 forbids compression; another baker's zlib text is still read, within bounds.
        (1, 0) => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(text)
                .take(MAX_TEXT as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| png_error(format!("iTXt text does not inflate: {e}")))?;
            out
        }
        _ => return Err(png_error("unknown iTXt compression")),
    };
    if bytes.len() > MAX_TEXT {
        return Err(BakingError::TooLarge);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| png_error("iTXt text is not UTF-8"))
}

fn classify(text: &str) -> Payload {
    let text = text.trim();
    if text.starts_with('{') {
        Payload::Json(text.to_owned())
    } else {
        Payload::Jwt(text.to_owned())
    }
}

fn extract_png(png: &[u8]) -> Result<Payload, BakingError> {
    for chunk in chunks(png) {
        let chunk = chunk?;
        if &chunk.kind == b"iTXt"
            && let Some(text) = itxt_text(chunk.data)?
        {
            return Ok(classify(&text));
        }
    }
    Err(BakingError::NoCredential(
        "no iTXt chunk `openbadgecredential`",
    ))
}

fn chunk_bytes(kind: &[u8; 4], data: &[u8]) -> Result<Vec<u8>, BakingError> {
    let len = u32::try_from(data.len()).map_err(|_| BakingError::TooLarge)?;
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(out)
}

/// `png` with `payload` baked in (any credential it carried before is replaced).
pub fn bake_png(png: &[u8], payload: &Payload) -> Result<Vec<u8>, BakingError> {
    let mut data = Vec::with_capacity(payload.text().len() + 24);
    data.extend_from_slice(PNG_KEYWORD.as_bytes());
    // Keyword terminator, compression flag 0, method 0, empty language tag, empty translated
    // keyword (each terminated).
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(payload.text().as_bytes());
    let ours = chunk_bytes(b"iTXt", &data)?;
    let mut out = Vec::with_capacity(png.len() + ours.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut seen_header = false;
    for chunk in chunks(png) {
        let chunk = chunk?;
        if &chunk.kind == b"iTXt" && itxt_text(chunk.data)?.is_some() {
            continue;
        }
        out.extend_from_slice(chunk.raw);
        if &chunk.kind == b"IHDR" && !seen_header {
            seen_header = true;
            out.extend_from_slice(&ours);
        }
    }
    if !seen_header {
        return Err(png_error("no IHDR chunk"));
    }
    Ok(out)
}

/// `svg` (a document whose root is `<svg>`) with `payload` baked in, per §5.3.2.
pub fn bake_svg(svg: &str, payload: &Payload) -> Result<String, BakingError> {
    let invalid = |m: &str| BakingError::Invalid("SVG", m.to_owned());
    let start = svg
        .find("<svg")
        .ok_or_else(|| invalid("no <svg> element"))?;
    // The end of the start tag: the first `>` outside a quoted attribute value.
    let mut quote = None;
    let mut end = None;
    for (i, c) in svg[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                end = Some(start + i);
                break;
            }
            _ => {}
        }
    }
    let end = end.ok_or_else(|| invalid("unterminated <svg> start tag"))?;
    if svg[..end].ends_with('/') {
        return Err(invalid("empty <svg> element"));
    }
    let element = match payload {
        // CDATA cannot hold `]]>`: split it across two sections, which parse to the same text.
        Payload::Json(json) => format!(
            "<openbadges:credential><![CDATA[{}]]></openbadges:credential>",
            json.replace("]]>", "]]]]><![CDATA[>")
        ),
        // A compact JWS is base64url and dots; escaping keeps any other text an attribute.
        Payload::Jwt(jws) => format!(
            "<openbadges:credential verify=\"{}\"></openbadges:credential>",
            jws.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('"', "&quot;")
        ),
    };
    Ok(format!(
        "{} xmlns:openbadges=\"{SVG_NAMESPACE}\">\n{element}{}",
        &svg[..end],
        &svg[end + 1..]
    ))
}

fn extract_svg(bytes: &[u8]) -> Result<Payload, BakingError> {
    let invalid = |m: String| BakingError::Invalid("SVG", m);
    let text = std::str::from_utf8(bytes).map_err(|_| invalid("not UTF-8".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 100_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| invalid(e.to_string()))?;
    if doc.root_element().tag_name().name() != "svg" {
        return Err(invalid("the root element is not <svg>".into()));
    }
    let element = doc
        .descendants()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == "credential"
                && n.tag_name().namespace() == Some(SVG_NAMESPACE)
        })
        .ok_or(BakingError::NoCredential(
            "no <openbadges:credential> element",
        ))?;
    if let Some(jws) = element.attribute("verify") {
        return Ok(Payload::Jwt(jws.trim().to_owned()));
    }
    let body: String = element
        .children()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    if body.len() > MAX_TEXT {
        return Err(BakingError::TooLarge);
    }
    if body.trim().is_empty() {
        return Err(BakingError::NoCredential(
            "an empty <openbadges:credential> element",
        ));
    }
    Ok(classify(&body))
}

#[cfg(test)]
#[path = "baking_tests.rs"]
mod tests;
