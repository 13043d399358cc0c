//! Shaped glyphs to PDF text operators (ISO 32000-1 §9.4 text objects).
//!
//! Fonts are embedded as CID fonts with Identity-H encoding, so the shaper's
//! glyph ids go straight into the content stream. A glyph's default advance
//! is its `/W` width; every difference between that and the shaper's
//! position (kerning, GPOS, zero-width marks, letter-spacing) is written as
//! a `TJ` adjustment, and vertical mark offsets as a text rise (`Ts`).
//!
//! Text extraction: every glyph carries its source text into the font's
//! `/ToUnicode` CMap (§9.10.3), and a left-to-right segment whose glyph
//! order differs from its text order is wrapped in a `/Span` with
//! `/ActualText` (§14.9.4) holding its logical text: without it, reordered
//! Indic matras would be extracted out of order. Right-to-left segments are left to the
//! extractor's own reordering by position (see `shape`).

use std::collections::BTreeMap;

use printpdf::{Codepoint, DictItem, FontId, Op, PdfFontHandle, Pt, TextItem};

use super::fonts::Fonts;
use super::shape::{Glyph, Segment, ShapedLine};

/// Text operators for `line` at `size` points with `tracking` points of
/// letter-spacing. `font_id` maps each segment's font to its resource.
pub(crate) fn line_ops(
    fonts: &Fonts,
    line: &ShapedLine,
    size: f32,
    tracking: f32,
    mut font_id: impl FnMut(super::fonts::FontSlot) -> FontId,
) -> Vec<Op> {
    let mut ops = Vec::with_capacity(line.segments.len() * 5);
    let tracking_milli = if size > 0.0 {
        tracking * 1000.0 / size
    } else {
        0.0
    };
    for segment in &line.segments {
        let spanned = needs_actual_text(segment);
        if spanned {
            ops.push(Op::BeginMarkedContentWithProperties {
                tag: "Span".to_owned(),
                properties: actual_text(&segment.text),
            });
        }
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font_id(segment.slot)),
            size: Pt(size),
        });
        let mut items: Vec<TextItem> = Vec::with_capacity(segment.glyphs.len());
        for glyph in &segment.glyphs {
            let width = fonts.pdf_width(segment.slot, glyph.gid);
            let track = if glyph.tracked { tracking_milli } else { 0.0 };
            if glyph.y_offset != 0.0 {
                flush(&mut ops, &mut items);
                ops.push(rise(glyph.y_offset * size / 1000.0));
                ops.push(Op::ShowText {
                    items: glyph_items(glyph, width, track),
                });
                ops.push(rise(0.0));
            } else {
                items.extend(glyph_items(glyph, width, track));
            }
        }
        flush(&mut ops, &mut items);
        if spanned {
            ops.push(Op::EndMarkedContent);
        }
    }
    ops
}

/// A left-to-right segment whose glyphs, read in order, do not spell its
/// text (Indic pre-base matras, reordered marks) gets an `/ActualText`;
/// for the others the glyphs' own `/ToUnicode` text is already right, and
/// poppler would merge a spanned segment into one word.
fn needs_actual_text(segment: &Segment) -> bool {
    if segment.rtl {
        return false;
    }
    let mut spelled = String::with_capacity(segment.text.len());
    for glyph in &segment.glyphs {
        spelled.push_str(glyph.text.as_deref().unwrap_or_default());
    }
    spelled != segment.text
}

/// One glyph as `TJ` items: shift right by its x offset, draw, then move
/// the pen to where the shaper (plus tracking) wants the next glyph.
fn glyph_items(glyph: &Glyph, pdf_width: f32, track: f32) -> Vec<TextItem> {
    let mut items = Vec::with_capacity(2);
    let before = round(-glyph.x_offset);
    if before != 0.0 {
        items.push(TextItem::Offset(before));
    }
    let after = round(glyph.x_offset + pdf_width - glyph.advance - track);
    items.push(TextItem::GlyphIds(vec![Codepoint {
        gid: glyph.gid,
        offset: after,
        cid: glyph.text.clone(),
    }]));
    items
}

fn flush(ops: &mut Vec<Op>, items: &mut Vec<TextItem>) {
    if !items.is_empty() {
        ops.push(Op::ShowText {
            items: std::mem::take(items),
        });
    }
}

/// `Ts`: printpdf has no operator for it; written as a raw operator, which
/// is why the document is saved with `secure: false` (all operators on the
/// page are generated here).
fn rise(points: f32) -> Op {
    Op::Unknown {
        key: "Ts".to_owned(),
        value: vec![DictItem::Real(round(points))],
    }
}

/// Hundredths are far below a device pixel and keep the stream short.
fn round(value: f32) -> f32 {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// `<< /ActualText <FEFF…> >>`: a text string is PDFDocEncoding or UTF-16BE
/// with a byte-order mark (§7.9.2.2); UTF-16BE covers every script.
fn actual_text(text: &str) -> DictItem {
    let mut data = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        data.extend_from_slice(&unit.to_be_bytes());
    }
    let mut map = BTreeMap::new();
    map.insert(
        "ActualText".to_owned(),
        DictItem::String {
            data,
            literal: false,
        },
    );
    DictItem::Dict { map }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_reproduce_the_shaped_advance() {
        let glyph = Glyph {
            gid: 7,
            advance: 480.0,
            x_offset: 20.0,
            y_offset: 0.0,
            text: Some("a".into()),
            cluster: "a".into(),
            tracked: true,
        };
        let items = glyph_items(&glyph, 500.0, 10.0);
        let (TextItem::Offset(before), TextItem::GlyphIds(ids)) = (&items[0], &items[1]) else {
            panic!("{items:?}");
        };
        // Pen: -before, +width, -after == advance + tracking.
        let pen = -before + 500.0 - ids[0].offset;
        assert!((pen - 490.0).abs() < 1e-3, "{pen}");
    }

    #[test]
    fn actual_text_only_where_glyph_order_is_not_text_order() {
        let glyph = |text: &str| Glyph {
            gid: 1,
            advance: 500.0,
            x_offset: 0.0,
            y_offset: 0.0,
            text: Some(text.into()),
            cluster: text.into(),
            tracked: false,
        };
        let segment = |glyphs: Vec<Glyph>, rtl: bool| Segment {
            slot: crate::render::fonts::FontSlot::Devanagari,
            glyphs,
            text: "कि".into(),
            rtl,
        };
        // The i-matra drawn before its consonant: glyph order is not text order.
        assert!(needs_actual_text(&segment(
            vec![glyph("ि"), glyph("क")],
            false
        )));
        assert!(!needs_actual_text(&segment(vec![glyph("कि")], false)));
        // Right to left is left to the extractor.
        assert!(!needs_actual_text(&segment(
            vec![glyph("ि"), glyph("क")],
            true
        )));
        // Real text: Latin, CJK, Thai glyphs spell their text.
        let fonts = Fonts::load().unwrap();
        for text in ["Sofia Ångström", "山田太郎", "สมชาย"] {
            let line = crate::render::shape::shape_line(
                &fonts,
                crate::render::fonts::Face::SerifBold,
                text,
                None,
            );
            assert!(!line.segments.iter().any(needs_actual_text), "{text}");
        }
    }

    #[test]
    fn actual_text_is_utf16_with_bom() {
        let DictItem::Dict { map } = actual_text("ש") else {
            panic!()
        };
        assert_eq!(
            map["ActualText"],
            DictItem::String {
                data: vec![0xFE, 0xFF, 0x05, 0xE9],
                literal: false
            }
        );
    }
}
