//! One line of text, shaped and ordered for display.
//!
//! - Bidi: the Unicode Bidirectional Algorithm (UAX #9, via `unicode-bidi`)
//!   resolves embedding levels and reorders level runs into visual order
//!   (rule L2), so an Arabic or Hebrew name reads right to left, and a
//!   mixed Latin + Arabic name shows each part in its own direction.
//! - Font runs: inside every level run, characters are split by font
//!   coverage ([`super::fallback`]); in a right-to-left run the font runs
//!   are laid out from right to left too.
//! - Shaping: each font run goes through rustybuzz (a HarfBuzz port) with
//!   the run's direction and script, which applies the font's OpenType
//!   GSUB/GPOS: Arabic joining forms and ligatures, Devanagari conjuncts and
//!   reordered matras, Thai mark stacking, mark positioning, kerning.
//!
//! The result keeps, for every glyph, the source text it stands for, so the
//! PDF's `/ToUnicode` map can be written, and for every left-to-right run
//! its logical text, written as `/ActualText` (ISO 32000-1 §14.9.4) so
//! reordered Indic matras extract in logical order. Right-to-left runs get
//! no `/ActualText`: extractors (poppler, pdf.js) already reorder them by
//! glyph position, and would reverse an `/ActualText` string a second time.

use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};

use super::fallback::{FontRun, font_runs};
use super::fonts::{Face, FontSlot, Fonts};

/// One positioned glyph. Distances are in thousandths of an em.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glyph {
    pub(crate) gid: u16,
    /// Pen advance after the glyph as the shaper decided it.
    pub(crate) advance: f32,
    pub(crate) x_offset: f32,
    pub(crate) y_offset: f32,
    /// Source text this glyph maps back to in `/ToUnicode`; `None` for the
    /// extra glyphs of a cluster whose text is already carried by another.
    pub(crate) text: Option<String>,
    /// The whole source cluster (for diagnostics such as missing glyphs).
    pub(crate) cluster: String,
    /// Letter-spacing goes after this glyph (see [`ShapedLine::width`]).
    pub(crate) tracked: bool,
}

/// Consecutive glyphs (visual order) set in one font, from one font run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    pub(crate) slot: FontSlot,
    pub(crate) glyphs: Vec<Glyph>,
    /// The run's source text, logical order.
    pub(crate) text: String,
    /// Set right to left (glyphs are still listed left to right).
    pub(crate) rtl: bool,
}

/// A shaped line in visual order, left to right.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ShapedLine {
    pub(crate) segments: Vec<Segment>,
}

impl ShapedLine {
    /// Natural width in thousandths of an em (i.e. at size 1000 / 1000).
    fn advance_milli_em(&self) -> f32 {
        self.glyphs().map(|g| g.advance).sum()
    }

    /// Number of letter-spacing gaps: one after every tracked cluster but
    /// the line's last.
    pub(crate) fn tracking_gaps(&self) -> usize {
        self.glyphs().filter(|g| g.tracked).count()
    }

    /// Width in points at `size` with `tracking` points between letters.
    pub(crate) fn width(&self, size: f32, tracking: f32) -> f32 {
        self.advance_milli_em() * size / 1000.0 + tracking * self.tracking_gaps() as f32
    }

    pub(crate) fn glyphs(&self) -> impl Iterator<Item = &Glyph> {
        self.segments.iter().flat_map(|s| s.glyphs.iter())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.segments.iter().all(|s| s.glyphs.is_empty())
    }
}

/// Paragraph direction of `text` (UAX #9 rules P2–P3: the first strong
/// character decides). Lines cut from one paragraph keep its direction.
pub(crate) fn paragraph_level(text: &str) -> Level {
    BidiInfo::new(text, None)
        .paragraphs
        .first()
        .map(|p| p.level)
        .unwrap_or_else(Level::ltr)
}

/// Shapes `text` as one line in `face` (with fallbacks). `level` forces the
/// paragraph direction, for lines cut from a longer paragraph.
pub(crate) fn shape_line(
    fonts: &Fonts,
    face: Face,
    text: &str,
    level: Option<Level>,
) -> ShapedLine {
    let bidi = BidiInfo::new(text, level);
    let mut segments = Vec::new();
    for paragraph in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(paragraph, paragraph.range.clone());
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            let mut pieces = font_runs(fonts, face, &text[run]);
            if rtl {
                pieces.reverse();
            }
            for piece in pieces {
                segments.push(shape_run(fonts, &piece, rtl));
            }
        }
    }
    segments.retain(|s: &Segment| !s.glyphs.is_empty());
    // No letter-spacing after the line's last glyph.
    if let Some(last) = segments.last_mut().and_then(|s| s.glyphs.last_mut()) {
        last.tracked = false;
    }
    ShapedLine { segments }
}

/// Shapes one font run with rustybuzz.
fn shape_run(fonts: &Fonts, run: &FontRun<'_>, rtl: bool) -> Segment {
    let face = fonts.shaping(run.slot);
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(run.text);
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    // `UnicodeBuffer::script` reports "no script found" as Zzzz.
    let script = Some(buffer.script()).filter(|s| *s != rustybuzz::script::UNKNOWN);
    let plan = fonts.shape_plan(run.slot, buffer.direction(), script);
    let shaped = rustybuzz::shape_with_plan(face, &plan, buffer);
    let scale = 1000.0 / fonts.units_per_em(run.slot);

    let infos = shaped.glyph_infos();
    let positions = shaped.glyph_positions();
    let mut bounds: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let cluster_text = |start: usize| {
        let end = bounds
            .iter()
            .copied()
            .find(|b| *b > start)
            .unwrap_or(run.text.len());
        run.text.get(start..end).unwrap_or_default()
    };

    let mut glyphs: Vec<Glyph> = infos
        .iter()
        .zip(positions)
        .map(|(info, pos)| Glyph {
            gid: u16::try_from(info.glyph_id).unwrap_or(0),
            advance: pos.x_advance as f32 * scale,
            x_offset: pos.x_offset as f32 * scale,
            y_offset: pos.y_offset as f32 * scale,
            text: None,
            cluster: cluster_text(info.cluster as usize).to_owned(),
            tracked: false,
        })
        .collect();

    // Glyphs of one cluster are contiguous in shaper output.
    let mut start = 0;
    while start < glyphs.len() {
        let cluster = infos[start].cluster;
        let end = (start..glyphs.len())
            .find(|i| infos[*i].cluster != cluster)
            .unwrap_or(glyphs.len());
        assign_text(fonts, run.slot, &mut glyphs[start..end], rtl);
        if let Some(last) = glyphs.get_mut(end - 1) {
            last.tracked = run.slot.allows_tracking() && last.advance > 0.0;
        }
        start = end;
    }
    if run.slot == FontSlot::Emoji {
        drop_skin_tones(&mut glyphs);
    }
    Segment {
        slot: run.slot,
        glyphs,
        text: run.text.to_owned(),
        rtl,
    }
}

/// A monochrome emoji font cannot show skin tones, and Symbola draws a
/// modifier after its emoji as a separate colour swatch. The swatch glyph is
/// dropped and its character joins the emoji's text, so the emoji reads as
/// the generic one and the text layer keeps the modifier.
fn drop_skin_tones(glyphs: &mut Vec<Glyph>) {
    let is_modifier = |g: &Glyph| {
        g.text
            .as_deref()
            .is_some_and(|t| t.chars().all(|c| ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)))
    };
    let mut kept: Vec<Glyph> = Vec::with_capacity(glyphs.len());
    for glyph in glyphs.drain(..) {
        match kept.last_mut() {
            Some(base) if base.cluster == glyph.cluster && is_modifier(&glyph) => {
                let text = base.text.get_or_insert_with(String::new);
                text.push_str(glyph.text.as_deref().unwrap_or_default());
                base.tracked |= glyph.tracked;
            }
            _ => kept.push(glyph),
        }
    }
    *glyphs = kept;
}

/// Distributes a cluster's source text over its glyphs for `/ToUnicode`:
/// a glyph that is the font's own glyph for one of the cluster's characters
/// gets that character; what is left (ligatures, contextual forms,
/// invisible characters) goes to the first glyph without text, or is
/// appended to the logically first glyph.
fn assign_text(fonts: &Fonts, slot: FontSlot, group: &mut [Glyph], rtl: bool) {
    let Some(first) = group.first() else {
        return;
    };
    let cluster = first.cluster.clone();
    if group.len() == 1 {
        group[0].text = Some(if rtl {
            cluster.chars().rev().collect()
        } else {
            cluster
        });
        return;
    }
    let mut claimed = vec![false; cluster.chars().count()];
    for glyph in group.iter_mut() {
        let hit = cluster
            .chars()
            .enumerate()
            .find(|(i, c)| !claimed[*i] && fonts.glyph(slot, *c) == Some(glyph.gid));
        if let Some((i, c)) = hit {
            claimed[i] = true;
            glyph.text = Some(c.to_string());
        }
    }
    let rest: String = cluster
        .chars()
        .zip(&claimed)
        .filter(|(_, taken)| !**taken)
        .map(|(c, _)| c)
        .collect();
    if rest.is_empty() {
        return;
    }
    // Shaper output is in visual order: the logically first glyph of a
    // right-to-left cluster is its last.
    let order: Vec<usize> = if rtl {
        (0..group.len()).rev().collect()
    } else {
        (0..group.len()).collect()
    };
    let target = order
        .iter()
        .copied()
        .find(|i| group[*i].text.is_none())
        .unwrap_or(order[0]);
    let text = group[target].text.get_or_insert_with(String::new);
    text.push_str(&rest);
    if rtl {
        // Extractors order right-to-left text by glyph position and spell a
        // glyph's several characters out left to right before reversing the
        // line, so a right-to-left ligature maps to its text reversed
        // (lam-alef "لا" is written "ال") to come out in logical order.
        for glyph in group.iter_mut() {
            if let Some(text) = glyph.text.as_mut().filter(|t| t.chars().nth(1).is_some()) {
                *text = text.chars().rev().collect();
            }
        }
    }
}

/// What the rest of the crate asks of the fonts through shaping: kept here rather than in
/// `fonts`, which shaping itself reads, so the two do not import each other.
impl Fonts {
    /// Characters of `text` that would print as a missing-glyph box in
    /// `face`: those no embedded font covers, and those the shaper ends up
    /// mapping to glyph 0. Empty means every character is drawn.
    ///
    /// This is the same font choice and shaping the renderer uses, so a
    /// name that passes here prints without `.notdef` boxes.
    pub fn missing_glyphs(&self, face: Face, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = text
            .chars()
            .filter(|c| !super::fallback::is_invisible(*c))
            .filter(|c| {
                FontSlot::ALL
                    .iter()
                    .all(|slot| self.glyph(*slot, *c).is_none())
            })
            .collect();
        let line = shape_line(self, face, text, None);
        for segment in &line.segments {
            for glyph in &segment.glyphs {
                if glyph.gid == 0 {
                    missing.extend(glyph.cluster.chars());
                }
            }
        }
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// Width in points of `text` set in `face` at `size` with `tracking`
    /// points of extra space between letters (see [`FontSlot::allows_tracking`]).
    pub fn text_width(&self, face: Face, text: &str, size: f32, tracking: f32) -> f32 {
        shape_line(self, face, text, None).width(size, tracking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().unwrap()
    }

    fn visual_text(line: &ShapedLine) -> String {
        line.glyphs().filter_map(|g| g.text.clone()).collect()
    }

    #[test]
    fn arabic_is_joined_and_right_to_left() {
        let fonts = fonts();
        let line = shape_line(&fonts, Face::SerifBold, "محمد", None);
        assert_eq!(line.segments.len(), 1);
        assert_eq!(line.segments[0].slot, FontSlot::ArabicBold);
        // Visual order is the reverse of the logical one.
        assert_eq!(visual_text(&line), "دمحم");
        // Joining: the initial meem is not the font's isolated meem glyph.
        let isolated = fonts.glyph(FontSlot::ArabicBold, 'م').unwrap();
        let rightmost = line.segments[0].glyphs.last().unwrap();
        assert_eq!(rightmost.text.as_deref(), Some("م"));
        assert_ne!(rightmost.gid, isolated, "meem should take its initial form");
    }

    #[test]
    fn mixed_directions_are_ordered_visually() {
        let fonts = fonts();
        let line = shape_line(&fonts, Face::SerifBold, "Omar عمر Khan", None);
        assert_eq!(visual_text(&line), "Omar رمع Khan");
        // An RTL paragraph puts the Latin word on the left.
        let line = shape_line(&fonts, Face::SerifBold, "عمر Khan", None);
        assert_eq!(visual_text(&line), "Khan رمع");
    }

    #[test]
    fn devanagari_is_shaped_into_fewer_glyphs_with_all_text_kept() {
        let fonts = fonts();
        let name = "प्रिया";
        let line = shape_line(&fonts, Face::SerifBold, name, None);
        let glyphs: Vec<&Glyph> = line.glyphs().collect();
        assert!(glyphs.iter().all(|g| g.gid != 0));
        assert!(glyphs.len() < name.chars().count(), "{glyphs:?}");
        let mut source: Vec<char> = visual_text(&line).chars().collect();
        let mut expected: Vec<char> = name.chars().collect();
        source.sort_unstable();
        expected.sort_unstable();
        assert_eq!(source, expected);
    }

    #[test]
    fn thai_marks_are_positioned_by_the_font() {
        let fonts = fonts();
        let line = shape_line(&fonts, Face::Serif, "สมชาย ผู้ใหญ่", None);
        assert!(line.glyphs().all(|g| g.gid != 0));
        assert!(
            line.glyphs().any(|g| g.advance == 0.0),
            "marks take no advance"
        );
    }

    #[test]
    fn skin_tone_modifiers_do_not_print_as_swatches() {
        let fonts = fonts();
        let line = shape_line(&fonts, Face::SerifBold, "👍🏽", None);
        let glyphs: Vec<&Glyph> = line.glyphs().collect();
        assert_eq!(glyphs.len(), 1, "{glyphs:?}");
        assert_eq!(glyphs[0].text.as_deref(), Some("👍🏽"));
    }

    #[test]
    fn kerning_and_tracking_count_clusters_not_marks() {
        let fonts = fonts();
        let line = shape_line(&fonts, Face::Sans, "Ae\u{0301}", None);
        // Three characters, two clusters: one gap.
        assert_eq!(line.tracking_gaps(), 1);
        assert!(line.width(10.0, 2.0) - line.width(10.0, 0.0) - 2.0 < 1e-3);
    }
}
