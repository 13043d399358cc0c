//! QR code generation and vector drawing.
//!
//! The code is drawn as filled vector rectangles rather than an embedded
//! bitmap: it stays razor sharp at any zoom or print resolution, needs no
//! image codec, and adds only a few hundred bytes. Horizontal runs of dark
//! modules are merged into one rectangle each, which shrinks the content
//! stream and avoids hairline seams between neighbouring modules in viewers
//! that anti-alias each rectangle separately.
//!
//! Error correction is level M (15 % recovery): robust against print
//! smudges while keeping modules large for a given URL length.

use qrcode::{EcLevel, QrCode};

use super::canvas::Canvas;
use super::error::RenderError;
use super::style::Colour;

/// Light margin around the symbol, in modules, required by ISO/IEC 18004 for
/// reliable scanning.
pub const QUIET_ZONE_MODULES: usize = 4;

/// Error-correction level used for every certificate.
pub const EC_LEVEL: EcLevel = EcLevel::M;

/// The module grid of a QR symbol, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

/// A horizontal run of dark modules: `len` modules starting at column
/// `start` of `row` (row 0 is the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DarkRun {
    /// Row index, top to bottom.
    pub row: usize,
    /// First dark column.
    pub start: usize,
    /// Number of consecutive dark modules.
    pub len: usize,
}

impl QrMatrix {
    /// Modules per side (21 for version 1, +4 per version).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark. Out of range is
    /// light, which matches the quiet zone around the symbol.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// Horizontal runs of dark modules, row by row; one rectangle each.
    pub fn dark_runs(&self) -> Vec<DarkRun> {
        let mut runs = Vec::new();
        for (row, cells) in self.dark.chunks(self.width.max(1)).enumerate() {
            let mut col = 0;
            while col < cells.len() {
                if !cells[col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < cells.len() && cells[col] {
                    col += 1;
                }
                runs.push(DarkRun {
                    row,
                    start,
                    len: col - start,
                });
            }
        }
        runs
    }
}

/// Encodes `url` exactly (byte mode as needed) at level [`EC_LEVEL`],
/// choosing the smallest version that fits.
pub fn qr_modules(url: &str) -> Result<QrMatrix, RenderError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EC_LEVEL)?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(QrMatrix { width, dark })
}

/// Draws `matrix` with its quiet zone as a square of side `size` points whose
/// lower-left corner is `(x, y)`. The quiet zone is painted white explicitly
/// because the certificate background is tinted.
pub(crate) fn draw_qr(
    canvas: &mut Canvas<'_>,
    matrix: &QrMatrix,
    x: f32,
    y: f32,
    size: f32,
    ink: Colour,
) {
    let modules = matrix.width() + 2 * QUIET_ZONE_MODULES;
    let module = size / modules as f32;
    canvas.fill_rect(x, y, size, size, Colour(1.0, 1.0, 1.0));
    canvas.set_fill(ink);
    let top = y + size - QUIET_ZONE_MODULES as f32 * module;
    for run in matrix.dark_runs() {
        let rx = x + (QUIET_ZONE_MODULES + run.start) as f32 * module;
        let ry = top - (run.row + 1) as f32 * module;
        canvas.push_rect(rx, ry, run.len as f32 * module, module);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://attest.aiops.school/v/0b7f8d2e-4c1a-4e8b-9f3d-2a6c5e7b9d10";

    #[test]
    fn matrix_has_finder_patterns() {
        let m = qr_modules(URL).unwrap();
        assert_eq!((m.width() - 17) % 4, 0, "width {}", m.width());
        // Finder pattern corners are dark, the separator next to them light.
        for (x, y) in [(0, 0), (m.width() - 1, 0), (0, m.width() - 1)] {
            assert!(m.is_dark(x, y));
        }
        assert!(!m.is_dark(7, 0));
        assert!(!m.is_dark(m.width(), 0));
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let m = qr_modules(URL).unwrap();
        let mut painted = vec![false; m.width() * m.width()];
        for run in m.dark_runs() {
            for col in run.start..run.start + run.len {
                assert!(!painted[run.row * m.width() + col], "overlap");
                painted[run.row * m.width() + col] = true;
            }
        }
        for y in 0..m.width() {
            for x in 0..m.width() {
                assert_eq!(painted[y * m.width() + x], m.is_dark(x, y));
            }
        }
        let dark = painted.iter().filter(|d| **d).count();
        assert!(m.dark_runs().len() < dark, "runs must merge modules");
    }

    #[test]
    fn overlong_data_is_an_error_not_a_panic() {
        let long = "x".repeat(5000);
        assert!(matches!(qr_modules(&long), Err(RenderError::Qr(_))));
    }
}
