//! Embedded fonts, per-character font selection and text measurement.
//!
//! printpdf has no font fallback: a character missing from the selected font
//! renders as an empty box. Certificates carry names in any script, so every
//! string is split into runs, each set in the first font that has a glyph for
//! it: the requested DejaVu face (Latin, Greek, Cyrillic), otherwise
//! WenQuanYi Micro Hei (CJK ideographs, kana, hangul).
//!
//! The fonts are compiled into the binary with `include_bytes!` so a deployed
//! issuer can never miss a font file, and parsed once at start-up by
//! [`Fonts::load`]. printpdf subsets them per PDF (feature `text_layout`), so
//! only the glyphs actually used end up in each certificate.

use std::fmt;
use std::sync::Arc;

use printpdf::ParsedFont;

use super::error::RenderError;

/// Typeface roles the layout asks for. CJK coverage is added automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Serif: body text.
    Serif,
    /// DejaVu Serif Bold: holder name, titles.
    SerifBold,
    /// DejaVu Sans: small print (ids, URL), where a sans reads better.
    Sans,
    /// DejaVu Sans Bold: labels and the issuer line.
    SansBold,
}

/// One concrete embedded font file. `Cjk` is never requested directly; it is
/// the fallback for characters the DejaVu faces lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FontSlot {
    Serif,
    SerifBold,
    Sans,
    SansBold,
    Cjk,
}

/// Number of embedded font files.
pub(crate) const SLOT_COUNT: usize = 5;

impl FontSlot {
    /// Position in [`EMBEDDED`] and in per-document font-id tables.
    pub(crate) fn index(self) -> usize {
        match self {
            FontSlot::Serif => 0,
            FontSlot::SerifBold => 1,
            FontSlot::Sans => 2,
            FontSlot::SansBold => 3,
            FontSlot::Cjk => 4,
        }
    }
}

impl From<Face> for FontSlot {
    fn from(face: Face) -> Self {
        match face {
            Face::Serif => FontSlot::Serif,
            Face::SerifBold => FontSlot::SerifBold,
            Face::Sans => FontSlot::Sans,
            Face::SansBold => FontSlot::SansBold,
        }
    }
}

/// Paths are anchored at the crate root so the module keeps compiling when it
/// moves to another directory depth (e.g. `src/render/`).
macro_rules! font_file {
    ($name:literal, $face_index:literal) => {
        EmbeddedFont {
            name: $name,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/", $name)),
            face_index: $face_index,
        }
    };
}

/// A font file compiled into the binary.
struct EmbeddedFont {
    name: &'static str,
    bytes: &'static [u8],
    /// Face inside a TrueType collection; 0 for plain `.ttf`.
    face_index: usize,
}

/// Font files in [`FontSlot::index`] order. Licences sit beside them in
/// `assets/fonts/` (Bitstream Vera/DejaVu licence, Apache-2.0).
///
/// CJK: WenQuanYi Micro Hei (5.2 MB collection, face 0 = proportional) is
/// the smallest freely licensed Debian font covering all unified Han
/// ideographs of GBK, kana *and* hangul; Droid Sans Fallback, from which it
/// derives, lacks hangul.
const EMBEDDED: [EmbeddedFont; SLOT_COUNT] = [
    font_file!("DejaVuSerif.ttf", 0),
    font_file!("DejaVuSerif-Bold.ttf", 0),
    font_file!("DejaVuSans.ttf", 0),
    font_file!("DejaVuSans-Bold.ttf", 0),
    font_file!("wqy-microhei.ttc", 0),
];

/// The parsed embedded fonts.
///
/// Parse once at start-up and share: cloning is a reference-count bump, and
/// the type is `Send + Sync`, so it can be moved into `spawn_blocking`.
#[derive(Clone)]
pub struct Fonts {
    faces: Arc<[ParsedFont; SLOT_COUNT]>,
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = EMBEDDED.iter().map(|font| font.name).collect();
        f.debug_struct("Fonts").field("faces", &names).finish()
    }
}

/// A maximal run of characters set in one font.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run<'t> {
    pub(crate) slot: FontSlot,
    pub(crate) text: &'t str,
    /// Advance width in thousandths of an em, as the PDF `/W` array will say.
    pub(crate) width_milli_em: f32,
    /// Number of glyphs; needed to account for character spacing (`Tc`).
    pub(crate) glyphs: usize,
}

impl Fonts {
    /// Parses all embedded fonts. Call once at start-up; a failure means the
    /// binary was built with broken font files.
    pub fn load() -> Result<Fonts, RenderError> {
        let mut parsed = Vec::with_capacity(SLOT_COUNT);
        for font in &EMBEDDED {
            let mut warnings = Vec::new();
            let font = ParsedFont::from_bytes(font.bytes, font.face_index, &mut warnings)
                .ok_or(RenderError::FontParse { name: font.name })?;
            parsed.push(font);
        }
        let faces: [ParsedFont; SLOT_COUNT] = parsed
            .try_into()
            .map_err(|_| RenderError::FontParse { name: "font table" })?;
        Ok(Fonts {
            faces: Arc::new(faces),
        })
    }

    pub(crate) fn font(&self, slot: FontSlot) -> &ParsedFont {
        &self.faces[slot.index()]
    }

    /// Glyph id of `c` in `slot`, treating `.notdef` (gid 0) as missing.
    fn glyph(&self, slot: FontSlot, c: char) -> Option<u16> {
        self.font(slot)
            .lookup_glyph_index(u32::from(c))
            .filter(|gid| *gid != 0)
    }

    /// Advance of a glyph in thousandths of an em, truncated exactly like
    /// printpdf truncates the `/W` widths it writes, so measured and rendered
    /// widths agree.
    fn advance_milli_em(&self, slot: FontSlot, gid: u16) -> f32 {
        let font = self.font(slot);
        let upem = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        (f32::from(font.get_horizontal_advance(gid)) * 1000.0 / upem).trunc()
    }

    /// Splits `text` into runs by glyph coverage: the requested face when it
    /// has the glyph, else the CJK fallback when that has it, else the
    /// requested face (which then shows its missing-glyph box). Whitespace
    /// stays in the current run's font to avoid needless font switches.
    pub(crate) fn runs<'t>(&self, face: Face, text: &'t str) -> Vec<Run<'t>> {
        let primary = FontSlot::from(face);
        let mut runs: Vec<Run<'t>> = Vec::new();
        let mut start = 0;
        let mut current: Option<(FontSlot, f32, usize)> = None;

        for (pos, c) in text.char_indices() {
            let stay = match current {
                Some((slot, _, _)) if c.is_whitespace() => {
                    self.glyph(slot, c).map(|gid| (slot, gid))
                }
                _ => None,
            };
            let (slot, gid) = stay
                .or_else(|| self.glyph(primary, c).map(|gid| (primary, gid)))
                .or_else(|| self.glyph(FontSlot::Cjk, c).map(|gid| (FontSlot::Cjk, gid)))
                .unwrap_or((primary, 0));
            let advance = self.advance_milli_em(slot, gid);

            match current {
                Some((cur, ref mut width, ref mut glyphs)) if cur == slot => {
                    *width += advance;
                    *glyphs += 1;
                }
                Some((cur, width, glyphs)) => {
                    runs.push(Run {
                        slot: cur,
                        text: &text[start..pos],
                        width_milli_em: width,
                        glyphs,
                    });
                    start = pos;
                    current = Some((slot, advance, 1));
                }
                None => current = Some((slot, advance, 1)),
            }
        }
        if let Some((slot, width, glyphs)) = current {
            runs.push(Run {
                slot,
                text: &text[start..],
                width_milli_em: width,
                glyphs,
            });
        }
        runs
    }

    /// Width in points of `text` set in `face` at `size` with `tracking`
    /// points of extra space after every glyph but the last.
    pub fn text_width(&self, face: Face, text: &str, size: f32, tracking: f32) -> f32 {
        runs_width(&self.runs(face, text), size, tracking)
    }
}

/// Width in points of already-split runs; see [`Fonts::text_width`].
pub(crate) fn runs_width(runs: &[Run<'_>], size: f32, tracking: f32) -> f32 {
    let milli: f32 = runs.iter().map(|r| r.width_milli_em).sum();
    let glyphs: usize = runs.iter().map(|r| r.glyphs).sum();
    let spacing = tracking * glyphs.saturating_sub(1) as f32;
    milli * size / 1000.0 + spacing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn fonts_are_shareable_across_threads() {
        assert_send_sync::<Fonts>();
    }

    #[test]
    fn latin_greek_cyrillic_stay_in_dejavu() {
        let fonts = Fonts::load().unwrap();
        for name in [
            "Zoë Ångström",
            "Łukasz Żółć",
            "Ελένη Παπαδοπούλου",
            "Иван Петров",
        ] {
            let runs = fonts.runs(Face::SerifBold, name);
            assert_eq!(runs.len(), 1, "{name}: {runs:?}");
            assert_eq!(runs[0].slot, FontSlot::SerifBold);
            assert_eq!(runs[0].text, name);
        }
    }

    #[test]
    fn cjk_falls_back_per_run() {
        let fonts = Fonts::load().unwrap();
        let runs = fonts.runs(Face::Serif, "Dr. 山田太郎 (ヤマダ) 한국");
        let slots: Vec<_> = runs.iter().map(|r| (r.slot, r.text)).collect();
        assert_eq!(slots[0], (FontSlot::Serif, "Dr. "));
        assert_eq!(slots[1], (FontSlot::Cjk, "山田太郎 "));
        assert!(runs.iter().all(|r| r.width_milli_em > 0.0));
        let joined: String = runs.iter().map(|r| r.text).collect();
        assert_eq!(joined, "Dr. 山田太郎 (ヤマダ) 한국");
        assert!(
            runs.iter()
                .any(|r| r.slot == FontSlot::Cjk && r.text.contains('한')),
            "{runs:?}"
        );
    }

    #[test]
    fn width_scales_with_size_and_tracking() {
        let fonts = Fonts::load().unwrap();
        let w10 = fonts.text_width(Face::Sans, "MLOps", 10.0, 0.0);
        let w20 = fonts.text_width(Face::Sans, "MLOps", 20.0, 0.0);
        assert!(w10 > 20.0 && w10 < 40.0, "{w10}");
        assert!((w20 - 2.0 * w10).abs() < 1e-3);
        let tracked = fonts.text_width(Face::Sans, "MLOps", 10.0, 1.0);
        assert!((tracked - w10 - 4.0).abs() < 1e-3);
        assert_eq!(fonts.text_width(Face::Sans, "", 10.0, 1.0), 0.0);
    }
}
