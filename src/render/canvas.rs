//! A small drawing surface over printpdf's operation list.
//!
//! printpdf works in raw `Op`s; the certificate layout wants "centre this
//! string here, shrinking it if it is too wide". This module owns that
//! translation: it splits text into per-font runs (see [`super::fonts`]),
//! registers only the fonts a certificate actually uses (every registered
//! font is cloned into the document and subset at save time, so unused ones
//! would cost time), and emits filled shapes with an explicit paint mode
//! (printpdf's `Rect::from_xywh` defaults to drawing nothing).

use printpdf::{
    FontId, LinePoint, Op, PaintMode, PdfDocument, Point, Polygon, PolygonRing, Pt, Rect,
    WindingOrder,
};

use super::error::RenderError;
use super::fit::{FittedBlock, fitted_size};
use super::fonts::{FontSlot, Fonts, SLOT_COUNT};
use super::glyphs::line_ops;
use super::shape::{ShapedLine, shape_line};
use super::style::{Align, Colour, TextStyle};

/// Kappa for approximating a quarter circle with one cubic Bézier.
const KAPPA: f32 = 0.552_284_8;

/// Collects page operations and the fonts they need for one document.
pub(crate) struct Canvas<'f> {
    fonts: &'f Fonts,
    doc: PdfDocument,
    ops: Vec<Op>,
    font_ids: [Option<FontId>; SLOT_COUNT],
    /// First font that failed to load for embedding; reported by `finish`.
    error: Option<RenderError>,
}

impl<'f> Canvas<'f> {
    pub(crate) fn new(fonts: &'f Fonts, doc: PdfDocument) -> Self {
        Canvas {
            fonts,
            doc,
            ops: Vec::with_capacity(512),
            font_ids: Default::default(),
            error: None,
        }
    }

    pub(crate) fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    /// Hands back the document (with fonts registered) and the page ops.
    pub(crate) fn finish(self) -> Result<(PdfDocument, Vec<Op>), RenderError> {
        match self.error {
            Some(error) => Err(error),
            None => Ok((self.doc, self.ops)),
        }
    }

    /// Registers a font with the document on first use only: every
    /// registered font is copied into the document and subset at save time,
    /// so unused ones would cost time.
    fn font_id(&mut self, slot: FontSlot) -> FontId {
        let entry = &mut self.font_ids[slot.index()];
        if let Some(id) = entry {
            return id.clone();
        }
        let id = match self.fonts.embedding(slot) {
            Ok(font) => self.doc.add_font(font),
            Err(error) => {
                self.error.get_or_insert(error);
                FontId::new()
            }
        };
        *entry = Some(id.clone());
        id
    }

    /// Width in points `text` would take in `style`.
    pub(crate) fn measure(&self, text: &str, style: &TextStyle) -> f32 {
        self.fonts
            .text_width(style.face, text, style.size, style.tracking)
    }

    /// Draws one line of text anchored at `(x, y)` (baseline) and returns its
    /// width in points.
    pub(crate) fn text(
        &mut self,
        text: &str,
        style: &TextStyle,
        x: f32,
        y: f32,
        align: Align,
    ) -> f32 {
        let line = shape_line(self.fonts, style.face, text, None);
        self.draw_line(&line, style, x, y, align)
    }

    /// Draws an already shaped line.
    pub(crate) fn draw_line(
        &mut self,
        line: &ShapedLine,
        style: &TextStyle,
        x: f32,
        y: f32,
        align: Align,
    ) -> f32 {
        if line.is_empty() {
            return 0.0;
        }
        let width = line.width(style.size, style.tracking);
        let left = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetTextCursor {
            pos: Point {
                x: Pt(left),
                y: Pt(y),
            },
        });
        self.ops.push(Op::SetFillColor {
            col: style.colour.to_pdf(),
        });
        // Letter-spacing is positioned per glyph by `line_ops`; Tc would
        // also space out marks and joined letters.
        self.ops.push(Op::SetCharacterSpacing { multiplier: 0.0 });
        let fonts = self.fonts;
        let mut ops = Vec::new();
        {
            let mut id_of = |slot| self.font_id(slot);
            ops.extend(line_ops(
                fonts,
                line,
                style.size,
                style.tracking,
                &mut id_of,
            ));
        }
        self.ops.extend(ops);
        self.ops.push(Op::EndTextSection);
        width
    }

    /// Like [`Canvas::text`], but first shrinks the font size so the line is
    /// at most `max_width` wide. Titles and URLs are arbitrary length and
    /// must never run over the frame. Returns the size used.
    pub(crate) fn text_fit(
        &mut self,
        text: &str,
        style: &TextStyle,
        x: f32,
        y: f32,
        align: Align,
        max_width: f32,
    ) -> f32 {
        let line = shape_line(self.fonts, style.face, text, None);
        let size = fitted_size(line.width(style.size, style.tracking), style, max_width);
        self.draw_line(&line, &style.at_size(size), x, y, align);
        size
    }

    /// Draws a block prepared by [`super::fit::fit_block`]: one or two
    /// lines, `pitch` points apart, the first baseline at `y`.
    pub(crate) fn text_block(
        &mut self,
        block: &FittedBlock,
        style: &TextStyle,
        x: f32,
        y: f32,
        align: Align,
        pitch: f32,
    ) {
        let sized = style.at_size(block.size);
        let mut baseline = y;
        for (line, _) in &block.lines {
            self.draw_line(line, &sized, x, baseline, align);
            baseline -= pitch;
        }
    }

    /// Draws differently styled pieces as one line (e.g. a gold label
    /// followed by a navy value), anchored as a whole and shrunk uniformly
    /// when wider than `max_width`.
    pub(crate) fn spans(
        &mut self,
        spans: &[(&str, TextStyle)],
        x: f32,
        y: f32,
        align: Align,
        max_width: f32,
    ) {
        let natural: f32 = spans.iter().map(|(t, s)| self.measure(t, s)).sum();
        let scale = if natural > max_width && natural > 0.0 {
            max_width / natural
        } else {
            1.0
        };
        let mut cursor = match align {
            Align::Left => x,
            Align::Center => x - natural * scale / 2.0,
            Align::Right => x - natural * scale,
        };
        for (text, style) in spans {
            let scaled = TextStyle {
                size: style.size * scale,
                tracking: style.tracking * scale,
                ..*style
            };
            cursor += self.text(text, &scaled, cursor, y, Align::Left);
        }
    }

    /// Fills an axis-aligned rectangle; `(x, y)` is its lower-left corner.
    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Colour) {
        self.ops.push(Op::SetFillColor {
            col: colour.to_pdf(),
        });
        self.push_rect(x, y, w, h);
    }

    /// Appends a filled rectangle in the current fill colour. Used for the
    /// hundreds of QR runs, which share one colour.
    pub(crate) fn push_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(Pt(x), Pt(y), Pt(w), Pt(h))
            },
        });
    }

    /// Sets the fill colour for following [`Canvas::push_rect`] calls.
    pub(crate) fn set_fill(&mut self, colour: Colour) {
        self.ops.push(Op::SetFillColor {
            col: colour.to_pdf(),
        });
    }

    /// Outlines a rectangle with a line of `thickness` drawn fully inside the
    /// given bounds, as four filled bars (no stroke-alignment surprises).
    pub(crate) fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, thickness: f32, colour: Colour) {
        self.set_fill(colour);
        self.push_rect(x, y, w, thickness);
        self.push_rect(x, y + h - thickness, w, thickness);
        self.push_rect(x, y, thickness, h);
        self.push_rect(x + w - thickness, y, thickness, h);
    }

    /// Fills a circle centred on `(cx, cy)`.
    pub(crate) fn fill_circle(&mut self, cx: f32, cy: f32, r: f32, colour: Colour) {
        let k = r * KAPPA;
        let pt = |x: f32, y: f32, bezier: bool| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier,
        };
        let points = vec![
            pt(cx + r, cy, false),
            pt(cx + r, cy + k, true),
            pt(cx + k, cy + r, true),
            pt(cx, cy + r, false),
            pt(cx - k, cy + r, true),
            pt(cx - r, cy + k, true),
            pt(cx - r, cy, false),
            pt(cx - r, cy - k, true),
            pt(cx - k, cy - r, true),
            pt(cx, cy - r, false),
            pt(cx + k, cy - r, true),
            pt(cx + r, cy - k, true),
            pt(cx + r, cy, false),
        ];
        self.fill_polygon(points, colour);
    }

    /// Fills a star-like rosette: `points` tips alternating between radius
    /// `outer` and `inner`. Gives the seal its scalloped edge.
    pub(crate) fn fill_rosette(
        &mut self,
        cx: f32,
        cy: f32,
        outer: f32,
        inner: f32,
        points: usize,
        colour: Colour,
    ) {
        let steps = points * 2;
        let ring = (0..steps)
            .map(|i| {
                let r = if i % 2 == 0 { outer } else { inner };
                let angle = std::f32::consts::TAU * i as f32 / steps as f32;
                LinePoint {
                    p: Point {
                        x: Pt(cx + r * angle.cos()),
                        y: Pt(cy + r * angle.sin()),
                    },
                    bezier: false,
                }
            })
            .collect();
        self.fill_polygon(ring, colour);
    }

    fn fill_polygon(&mut self, points: Vec<LinePoint>, colour: Colour) {
        self.ops.push(Op::SetFillColor {
            col: colour.to_pdf(),
        });
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
    }
}
