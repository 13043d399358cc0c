//! The value types a page is described in: colours, alignment and text styles. They hold no
//! drawing state, so the layout, the fitting of text and the canvas all read them.

use super::fonts::Face;
use printpdf::{Color, Rgb};

/// An sRGB colour with components in `0.0..=1.0`. `Copy`, unlike printpdf's
/// `Rgb`, so palettes can be constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Colour(pub(crate) f32, pub(crate) f32, pub(crate) f32);

impl Colour {
    pub(crate) fn to_pdf(self) -> Color {
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
    /// Extra space between letters in points (see `FontSlot::allows_tracking`).
    pub(crate) tracking: f32,
}

impl TextStyle {
    /// The same style at another size, letter-spacing scaled along.
    pub(crate) fn at_size(&self, size: f32) -> TextStyle {
        let ratio = if self.size > 0.0 {
            size / self.size
        } else {
            1.0
        };
        TextStyle {
            size,
            tracking: self.tracking * ratio,
            ..*self
        }
    }
}
