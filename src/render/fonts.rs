//! Embedded fonts: which files, parsed how, and glyph metrics.
//!
//! printpdf has no font fallback and no shaping: a character missing from
//! the selected font renders as an empty box, and complex scripts come out
//! unjoined. Certificates carry names in any script, so every string is
//! split into runs set in a font that covers them (see [`super::fallback`])
//! and shaped with rustybuzz (see [`super::shape`]) before it reaches the
//! page. Coverage: DejaVu (Latin, Greek, Cyrillic), Noto Sans Arabic /
//! Hebrew / Devanagari / Thai (regular and bold), WenQuanYi Micro Hei (CJK
//! ideographs, kana, hangul) and Symbola (monochrome emoji and symbols).
//! Licences and sources: `assets/fonts/README.md`.
//!
//! The fonts are compiled into the binary with `include_bytes!` so a deployed
//! issuer can never miss a font file. [`Fonts::load`] builds the cheap
//! rustybuzz faces (zero-copy views of the static bytes) for every file; the
//! much heavier printpdf `ParsedFont` (needed to embed a font) is built on
//! first use of that font only, once per process, so a server that only ever
//! prints Latin names never pays for the CJK or emoji tables. printpdf
//! subsets every embedded font per PDF, so only the glyphs a certificate
//! actually uses end up in it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use printpdf::ParsedFont;
use rustybuzz::{Direction, Face as ShapingFace, Script, ShapePlan};

use super::error::RenderError;

/// Typeface roles the layout asks for. Other scripts are added automatically
/// from the fallback fonts (bold roles take the bold fallbacks).
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

impl Face {
    pub(crate) fn is_bold(self) -> bool {
        matches!(self, Face::SerifBold | Face::SansBold)
    }
}

/// One concrete embedded font file. Only the four DejaVu slots are ever
/// requested directly; the others are fallbacks for what DejaVu lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FontSlot {
    Serif,
    SerifBold,
    Sans,
    SansBold,
    Arabic,
    ArabicBold,
    Hebrew,
    HebrewBold,
    Devanagari,
    DevanagariBold,
    Thai,
    ThaiBold,
    Cjk,
    Emoji,
}

/// Number of embedded font files.
pub(crate) const SLOT_COUNT: usize = 14;

impl FontSlot {
    /// All slots in [`FontSlot::index`] order.
    pub(crate) const ALL: [FontSlot; SLOT_COUNT] = [
        FontSlot::Serif,
        FontSlot::SerifBold,
        FontSlot::Sans,
        FontSlot::SansBold,
        FontSlot::Arabic,
        FontSlot::ArabicBold,
        FontSlot::Hebrew,
        FontSlot::HebrewBold,
        FontSlot::Devanagari,
        FontSlot::DevanagariBold,
        FontSlot::Thai,
        FontSlot::ThaiBold,
        FontSlot::Cjk,
        FontSlot::Emoji,
    ];

    /// Position in [`EMBEDDED`] and in per-document font-id tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Letter-spacing (tracking) would tear joined scripts apart (Arabic,
    /// the Devanagari head line) and put gaps inside Thai clusters, so it is
    /// only applied to glyphs set in these fonts.
    pub(crate) fn allows_tracking(self) -> bool {
        matches!(
            self,
            FontSlot::Serif
                | FontSlot::SerifBold
                | FontSlot::Sans
                | FontSlot::SansBold
                | FontSlot::Hebrew
                | FontSlot::HebrewBold
                | FontSlot::Cjk
                | FontSlot::Emoji
        )
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
/// moves to another directory depth.
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
    face_index: u32,
}

/// Font files in [`FontSlot::index`] order.
///
/// CJK: WenQuanYi Micro Hei (5.2 MB collection, face 0 = proportional) is
/// the smallest freely licensed Debian font covering all unified Han
/// ideographs of GBK, kana *and* hangul. Emoji: Symbola (3.2 MB) is the
/// monochrome emoji font Debian ships (Noto Color Emoji is bitmap-only and
/// cannot be embedded as outlines).
const EMBEDDED: [EmbeddedFont; SLOT_COUNT] = [
    font_file!("DejaVuSerif.ttf", 0),
    font_file!("DejaVuSerif-Bold.ttf", 0),
    font_file!("DejaVuSans.ttf", 0),
    font_file!("DejaVuSans-Bold.ttf", 0),
    font_file!("NotoSansArabic-Regular.ttf", 0),
    font_file!("NotoSansArabic-Bold.ttf", 0),
    font_file!("NotoSansHebrew-Regular.ttf", 0),
    font_file!("NotoSansHebrew-Bold.ttf", 0),
    font_file!("NotoSansDevanagari-Regular.ttf", 0),
    font_file!("NotoSansDevanagari-Bold.ttf", 0),
    font_file!("NotoSansThai-Regular.ttf", 0),
    font_file!("NotoSansThai-Bold.ttf", 0),
    font_file!("wqy-microhei.ttc", 0),
    font_file!("Symbola.ttf", 0),
];

/// Font, right-to-left, script.
type PlanKey = (FontSlot, bool, Option<Script>);

struct Inner {
    /// Shaping and metrics: built eagerly, they only borrow the static bytes.
    shaping: Vec<ShapingFace<'static>>,
    /// Embedding: built on first use per slot (see the module docs).
    embedding: [OnceLock<Option<ParsedFont>>; SLOT_COUNT],
    /// Compiled OpenType lookups per font, direction and script: building
    /// a plan costs more than shaping a name with it.
    plans: Mutex<HashMap<PlanKey, Arc<ShapePlan>>>,
}

/// The embedded fonts.
///
/// Load once at start-up and share: cloning is a reference-count bump, and
/// the type is `Send + Sync`, so it can be moved into `spawn_blocking`.
#[derive(Clone)]
pub struct Fonts {
    inner: Arc<Inner>,
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = EMBEDDED.iter().map(|font| font.name).collect();
        f.debug_struct("Fonts").field("faces", &names).finish()
    }
}

impl Fonts {
    /// Opens all embedded fonts for shaping. Call once at start-up; a
    /// failure means the binary was built with broken font files.
    pub fn load() -> Result<Fonts, RenderError> {
        let mut shaping = Vec::with_capacity(SLOT_COUNT);
        for font in &EMBEDDED {
            let face = ShapingFace::from_slice(font.bytes, font.face_index)
                .ok_or(RenderError::FontParse { name: font.name })?;
            shaping.push(face);
        }
        Ok(Fonts {
            inner: Arc::new(Inner {
                shaping,
                embedding: Default::default(),
                plans: Mutex::default(),
            }),
        })
    }

    /// The font as printpdf embeds it, parsed on first use.
    pub(crate) fn embedding(&self, slot: FontSlot) -> Result<&ParsedFont, RenderError> {
        let font = &EMBEDDED[slot.index()];
        self.inner.embedding[slot.index()]
            .get_or_init(|| {
                let mut warnings = Vec::new();
                ParsedFont::from_bytes(font.bytes, font.face_index as usize, &mut warnings)
            })
            .as_ref()
            .ok_or(RenderError::FontParse { name: font.name })
    }

    pub(crate) fn shaping(&self, slot: FontSlot) -> &ShapingFace<'static> {
        &self.inner.shaping[slot.index()]
    }

    /// The shaping plan for `slot`, `direction` and `script` (`None` for
    /// text of common characters only), compiled once.
    pub(crate) fn shape_plan(
        &self,
        slot: FontSlot,
        direction: Direction,
        script: Option<Script>,
    ) -> Arc<ShapePlan> {
        let key = (slot, direction == Direction::RightToLeft, script);
        // A panic elsewhere cannot leave a half-inserted plan behind.
        let mut plans = self
            .inner
            .plans
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        plans
            .entry(key)
            .or_insert_with(|| {
                Arc::new(ShapePlan::new(
                    self.shaping(slot),
                    direction,
                    script,
                    None,
                    &[],
                ))
            })
            .clone()
    }

    /// Glyph id of `c` in `slot`, treating `.notdef` (gid 0) as missing.
    pub(crate) fn glyph(&self, slot: FontSlot, c: char) -> Option<u16> {
        self.shaping(slot)
            .glyph_index(c)
            .map(|gid| gid.0)
            .filter(|gid| *gid != 0)
    }

    /// Units per em of the font in `slot`.
    pub(crate) fn units_per_em(&self, slot: FontSlot) -> f32 {
        self.shaping(slot).units_per_em().max(16) as f32
    }

    /// The advance printpdf writes into the PDF `/W` array for `gid`, in
    /// thousandths of an em and truncated exactly as printpdf does, so the
    /// glyph positioning adjustments computed against it are exact.
    pub(crate) fn pdf_width(&self, slot: FontSlot, gid: u16) -> f32 {
        let face = self.shaping(slot);
        let advance = face
            .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(gid))
            .unwrap_or(0);
        let scale = 1000.0 / self.units_per_em(slot);
        (f32::from(advance) * scale).trunc()
    }
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
    fn every_embedded_font_parses_for_embedding() {
        let fonts = Fonts::load().unwrap();
        for slot in FontSlot::ALL {
            assert!(fonts.embedding(slot).is_ok(), "{slot:?}");
            assert!(fonts.units_per_em(slot) >= 16.0);
        }
    }

    #[test]
    fn width_scales_with_size_and_tracking() {
        let fonts = Fonts::load().unwrap();
        let w10 = fonts.text_width(Face::Sans, "MLOps", 10.0, 0.0);
        let w20 = fonts.text_width(Face::Sans, "MLOps", 20.0, 0.0);
        assert!(w10 > 20.0 && w10 < 40.0, "{w10}");
        assert!((w20 - 2.0 * w10).abs() < 1e-3);
        let tracked = fonts.text_width(Face::Sans, "MLOps", 10.0, 1.0);
        assert!((tracked - w10 - 4.0).abs() < 1e-3, "{tracked} vs {w10}");
        assert_eq!(fonts.text_width(Face::Sans, "", 10.0, 1.0), 0.0);
    }

    #[test]
    fn coverage_check_reports_what_no_font_has() {
        let fonts = Fonts::load().unwrap();
        assert!(fonts.missing_glyphs(Face::SerifBold, "Zoë محمد").is_empty());
        // A Linear A sign: no embedded font has it.
        assert_eq!(
            fonts.missing_glyphs(Face::SerifBold, "A\u{10600}"),
            vec!['\u{10600}']
        );
    }
}
