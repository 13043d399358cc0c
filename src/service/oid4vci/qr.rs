//! The offer link as a QR code (ISO/IEC 18004, level M, 4-module quiet zone): a PNG for the
//! API (the exam platform puts it in a mail or its own page) and inline SVG for the share page,
//! whose Content Security Policy allows no image loads at all (an `<svg>` element is markup,
//! not a loaded image). The PNG is written here (IHDR, one zlib IDAT, IEND: PNG §11.2) with
//! flate2, already a dependency, instead of pulling in an image crate for one grayscale picture.

use crate::service::ServiceError;
use qrcode::{Color, EcLevel, QrCode};
use std::fmt::Write as _;
use std::io::Write as _;

const QUIET: usize = 4;
/// Pixels per module in the PNG: 4 keeps a 100-module code around 430 px, plenty for a phone.
const SCALE: usize = 4;

fn modules(text: &str) -> Result<(usize, Vec<bool>), ServiceError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| ServiceError::internal(format!("QR code: {e}")))?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((width, dark))
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // A chunk is far below 4 GiB (PNG §5.3).
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A grayscale PNG of the QR code of `text`.
pub fn png(text: &str) -> Result<Vec<u8>, ServiceError> {
    let (width, dark) = modules(text)?;
    let side = (width + 2 * QUIET) * SCALE;
    let mut raw = Vec::with_capacity((side + 1) * side);
    for y in 0..side {
        raw.push(0); // filter type None
        let my = (y / SCALE).checked_sub(QUIET).filter(|m| *m < width);
        for x in 0..side {
            let mx = (x / SCALE).checked_sub(QUIET).filter(|m| *m < width);
            let is_dark = matches!((mx, my), (Some(mx), Some(my)) if dark[my * width + mx]);
            raw.push(if is_dark { 0 } else { 255 });
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw)
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let idat = z
        .finish()
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    let side32 = u32::try_from(side).map_err(|e| ServiceError::internal(e.to_string()))?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side32.to_be_bytes());
    ihdr.extend_from_slice(&side32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale, deflate, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

/// The QR code of `text` as an `<svg>` element: one path, a rectangle per run of dark
/// modules in a row, on a white square with the quiet zone.
pub fn svg(text: &str, pixels: u32) -> Result<String, ServiceError> {
    let (width, dark) = modules(text)?;
    let side = width + 2 * QUIET;
    let mut path = String::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if dark[y * width + x] {
                let start = x;
                while x < width && dark[y * width + x] {
                    x += 1;
                }
                let _ = write!(
                    path,
                    "M{} {}h{}v1h-{}z",
                    start + QUIET,
                    y + QUIET,
                    x - start,
                    x - start
                );
            } else {
                x += 1;
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" width=\"{pixels}\" \
         height=\"{pixels}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn png_has_signature_and_square_header() {
        let png = super::png("openid-credential-offer://?x=1").expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(png[16..20], png[20..24]);
    }
}
