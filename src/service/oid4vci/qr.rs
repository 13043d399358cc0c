//! The offer link as a QR code (ISO/IEC 18004; the certificate's module grid, level M, 4-module
//! quiet zone: `render::qr`): inline SVG for the share page, whose Content Security Policy
//! allows no image loads (an `<svg>` element is markup, not a loaded image), and a PNG of that
//! same SVG for the API (the exam platform puts it in a mail or its own page), rasterized by
//! the badge renderer, so the service has one QR encoder and one PNG encoder.

use crate::render::qr::{QUIET_ZONE_MODULES, qr_modules};
use crate::service::ServiceError;
use std::fmt::Write as _;

/// Pixels per module in the PNG: 4 keeps a 100-module code around 430 px, plenty for a phone.
const PNG_SCALE: usize = 4;

/// A PNG of the QR code of `text`.
pub fn png(text: &str) -> Result<Vec<u8>, ServiceError> {
    let width = qr_modules(text)
        .map_err(|e| ServiceError::internal(format!("QR code: {e}")))?
        .width();
    let pixels = (width + 2 * QUIET_ZONE_MODULES) * PNG_SCALE;
    let pixels = u32::try_from(pixels).map_err(|e| ServiceError::internal(e.to_string()))?;
    crate::badge::raster::svg_to_png(&svg(text, pixels)?)
        .map_err(|e| ServiceError::internal(format!("QR code: {e}")))
}

/// The QR code of `text` as an `<svg>` element: one path, a rectangle per run of dark
/// modules in a row, on a white square with the quiet zone.
pub fn svg(text: &str, pixels: u32) -> Result<String, ServiceError> {
    let matrix = qr_modules(text).map_err(|e| ServiceError::internal(format!("QR code: {e}")))?;
    let side = matrix.width() + 2 * QUIET_ZONE_MODULES;
    let mut path = String::new();
    for run in matrix.dark_runs() {
        let (x, y) = (run.start + QUIET_ZONE_MODULES, run.row + QUIET_ZONE_MODULES);
        let _ = write!(path, "M{x} {y}h{}v1h-{}z", run.len, run.len);
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
    fn png_is_square_with_a_quiet_zone_of_white() {
        let png = super::png("openid-credential-offer://?x=1").expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(png[16..20], png[20..24], "square");
        let side = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(side % 4, 0, "whole modules of 4 pixels");
    }
}
