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
    Color, FontId, LinePoint, Op, PaintMode, PdfDocument, PdfFontHandle, Point, Polygon,
    PolygonRing, Pt, Rect, Rgb, TextItem, WindingOrder,
};

use super::fonts::{Face, FontSlot, Fonts, SLOT_COUNT, runs_width};

/// An sRGB colour with components in `0.0..=1.0`. `Copy`, unlike printpdf's
/// `Rgb`, so palettes can be constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Colour(pub(crate) f32, pub(crate) f32, pub(crate) f32);

impl Colour {
    fn to_pdf(self) -> Color {
        Color::Rgb(Rgb::new(self.0, self.1, self.2, None))
    }
}

/// How a text line is anchored on its `x` coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Font, size, colour and letter spacing of one line of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextStyle {
    pub(crate) face: Face,
    pub(crate) size: f32,
    pub(crate) colour: Colour,
    /// Extra space after each glyph in points (PDF `Tc`).
    pub(crate) tracking: f32,
}

/// Kappa for approximating a quarter circle with one cubic Bézier.
const KAPPA: f32 = 0.552_284_8;

/// Collects page operations and the fonts they need for one document.
pub(crate) struct Canvas<'f> {
    fonts: &'f Fonts,
    doc: PdfDocument,
    ops: Vec<Op>,
    font_ids: [Option<FontId>; SLOT_COUNT],
}

impl<'f> Canvas<'f> {
    pub(crate) fn new(fonts: &'f Fonts, doc: PdfDocument) -> Self {
        Canvas {
            fonts,
            doc,
            ops: Vec::with_capacity(512),
            font_ids: Default::default(),
        }
    }

    /// Hands back the document (with fonts registered) and the page ops.
    pub(crate) fn finish(self) -> (PdfDocument, Vec<Op>) {
        (self.doc, self.ops)
    }

    /// Registers a font with the document on first use only.
    fn font_id(&mut self, slot: FontSlot) -> FontId {
        let entry = &mut self.font_ids[slot.index()];
        if let Some(id) = entry {
            return id.clone();
        }
        let id = self.doc.add_font(self.fonts.font(slot));
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
        let runs = self.fonts.runs(style.face, text);
        if runs.is_empty() {
            return 0.0;
        }
        let width = runs_width(&runs, style.size, style.tracking);
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
        // Tc is part of the graphics state and outlives ET, so it is set on
        // every line rather than only when non-zero.
        self.ops.push(Op::SetCharacterSpacing {
            multiplier: style.tracking,
        });
        for run in runs {
            let font = self.font_id(run.slot);
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(style.size),
            });
            self.ops.push(Op::ShowText {
                items: vec![TextItem::Text(run.text.to_owned())],
            });
        }
        self.ops.push(Op::EndTextSection);
        width
    }

    /// Like [`Canvas::text`], but first shrinks the font size so the line is
    /// at most `max_width` wide. Names and achievement titles are arbitrary
    /// length and must never run over the frame. Returns the size used.
    pub(crate) fn text_fit(
        &mut self,
        text: &str,
        style: &TextStyle,
        x: f32,
        y: f32,
        align: Align,
        max_width: f32,
    ) -> f32 {
        let size = fitted_size(self.measure(text, style), style, max_width);
        let fitted = TextStyle {
            size,
            tracking: style.tracking * size / style.size,
            ..*style
        };
        self.text(text, &fitted, x, y, align);
        size
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

/// Largest size not above `style.size` at which a line measured as `width`
/// (at `style.size`) fits in `max_width`. Width is linear in size apart from
/// tracking, which is scaled along so the letter-spacing ratio is kept.
fn fitted_size(width: f32, style: &TextStyle, max_width: f32) -> f32 {
    if width <= max_width || width <= 0.0 {
        return style.size;
    }
    // Round down to a tenth of a point so the result never exceeds the box.
    let scaled = style.size * max_width / width;
    ((scaled * 10.0).floor() / 10.0).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(size: f32) -> TextStyle {
        TextStyle {
            face: Face::SerifBold,
            size,
            colour: Colour(0.0, 0.0, 0.0),
            tracking: 0.0,
        }
    }

    #[test]
    fn fitting_keeps_short_text_and_shrinks_long_text() {
        assert_eq!(fitted_size(100.0, &style(40.0), 500.0), 40.0);
        let size = fitted_size(1000.0, &style(40.0), 500.0);
        assert!(size <= 20.0 && size > 19.8, "{size}");
    }

    #[test]
    fn long_names_fit_after_shrinking() {
        let fonts = Fonts::load().unwrap();
        let canvas = Canvas::new(&fonts, PdfDocument::new("t"));
        let name = "Maximiliana Alexandrovna Konstantinopoulou-Vanderbilt-Øresund de la Montagne";
        let s = style(40.0);
        let size = fitted_size(canvas.measure(name, &s), &s, 600.0);
        assert!(size < 40.0);
        let fitted = canvas.measure(name, &TextStyle { size, ..s });
        assert!(fitted <= 600.0, "{fitted}");
    }
}
