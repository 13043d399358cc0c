//! Making arbitrary text fit its frame: shrink, then wrap to two lines,
//! then shrink again — never overflow.
//!
//! A holder's name can be a few letters or 200 characters, Latin or a run
//! of U+FDFD (the widest character in Unicode). It is first shrunk down to
//! a readable minimum; if it still does not fit, it is broken into two lines
//! (at the space nearest the middle, else between two grapheme clusters:
//! CJK and many other names have no spaces), and the two lines are shrunk
//! together until the wider one fits. Line breaking follows UAX #14 only in
//! its simplest form (break at spaces), which is enough for one name.
//!
//! Both lines keep the paragraph direction of the whole name (UAX #9 rule
//! P3 applies to the paragraph, not to each line), so an Arabic name broken
//! in two still reads right to left on both lines.

use super::fallback::is_invisible;
use super::fonts::Fonts;
use super::shape::{ShapedLine, paragraph_level, shape_line};
use super::style::TextStyle;
use unicode_general_category::{GeneralCategory, get_general_category};

/// The outcome: the size to draw at and the lines with their logical text.
#[derive(Debug, Clone)]
pub(crate) struct FittedBlock {
    pub(crate) size: f32,
    pub(crate) lines: Vec<(ShapedLine, String)>,
}

#[cfg(test)]
impl FittedBlock {
    /// Widest line at the fitted size, in points.
    pub(crate) fn width(&self, style: &TextStyle) -> f32 {
        let sized = style.at_size(self.size);
        self.lines
            .iter()
            .map(|(line, _)| line.width(sized.size, sized.tracking))
            .fold(0.0, f32::max)
    }
}

/// Largest size not above `style.size` at which a line measured as `width`
/// (at `style.size`) fits in `max_width`. Width is linear in size apart from
/// tracking, which is scaled along so the letter-spacing ratio is kept.
pub(crate) fn fitted_size(width: f32, style: &TextStyle, max_width: f32) -> f32 {
    if width <= max_width || width <= 0.0 {
        return style.size;
    }
    // Round down to a tenth of a point so the result never exceeds the box.
    let scaled = style.size * max_width / width;
    ((scaled * 10.0).floor() / 10.0).max(0.1)
}

/// Fits `text` into `max_width`: one line down to `min_size`, else two
/// lines at no more than `min_size` (shrunk further if needed).
pub(crate) fn fit_block(
    fonts: &Fonts,
    text: &str,
    style: &TextStyle,
    max_width: f32,
    min_size: f32,
) -> FittedBlock {
    let whole = shape_line(fonts, style.face, text, None);
    let size = fitted_size(whole.width(style.size, style.tracking), style, max_width);
    let Some(cut) = (size < min_size).then(|| break_point(text)).flatten() else {
        return FittedBlock {
            size,
            lines: vec![(whole, text.to_owned())],
        };
    };
    let level = Some(paragraph_level(text));
    let first = text[..cut].trim_end();
    let second = text[cut..].trim_start();
    let lines: Vec<(ShapedLine, String)> = [first, second]
        .into_iter()
        .map(|part| (shape_line(fonts, style.face, part, level), part.to_owned()))
        .collect();
    let two_line = style.at_size(min_size.min(style.size));
    let widest = lines
        .iter()
        .map(|(line, _)| line.width(two_line.size, two_line.tracking))
        .fold(0.0, f32::max);
    FittedBlock {
        size: fitted_size(widest, &two_line, max_width),
        lines,
    }
}

/// Byte offset to break `text` at: the space nearest the middle (by
/// characters), else the cluster boundary nearest the middle. `None` when
/// the text is a single cluster.
fn break_point(text: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let middle = chars.len() / 2;
    let nearest = |candidates: &mut dyn Iterator<Item = usize>| {
        candidates
            .filter(|i| *i > 0 && *i < chars.len())
            .min_by_key(|i| i.abs_diff(middle))
    };
    let at_space = nearest(
        &mut (0..chars.len())
            .filter(|i| chars[*i].1.is_whitespace() && !text[..chars[*i].0].trim().is_empty()),
    );
    let index = at_space.or_else(|| {
        nearest(&mut (1..chars.len()).filter(|i| starts_cluster(chars[*i].1, chars[*i - 1].1)))
    })?;
    let offset = chars[index].0;
    (!text[offset..].trim().is_empty()).then_some(offset)
}

/// Whether a cluster may start at `c` (after `previous`): not inside a
/// base + marks sequence, an emoji modifier sequence or a ZWJ sequence.
fn starts_cluster(c: char, previous: char) -> bool {
    let attached = is_invisible(c)
        || previous == '\u{200D}'
        || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
        || matches!(
            get_general_category(c),
            GeneralCategory::NonspacingMark
                | GeneralCategory::SpacingMark
                | GeneralCategory::EnclosingMark
        );
    !attached
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fonts::Face;
    use crate::render::style::Colour;

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
    fn short_names_stay_on_one_line_at_full_size() {
        let fonts = Fonts::load().unwrap();
        let block = fit_block(&fonts, "Zoë Ångström", &style(40.0), 680.0, 22.0);
        assert_eq!(block.size, 40.0);
        assert_eq!(block.lines.len(), 1);
    }

    #[test]
    fn long_names_shrink_then_wrap_and_always_fit() {
        let fonts = Fonts::load().unwrap();
        let long =
            "Maximiliana Alexandrovna Konstantinopoulou-Vanderbilt de la Montagne ".repeat(3);
        let fdfd = "\u{FDFD}".repeat(40);
        for name in [long.trim(), fdfd.as_str(), &"山".repeat(120)] {
            let block = fit_block(&fonts, name, &style(40.0), 680.0, 22.0);
            assert_eq!(block.lines.len(), 2, "{name}");
            assert!(block.size <= 22.0);
            let width = block.width(&style(40.0));
            assert!(width <= 680.0 + 1e-3, "{name}: {width}");
            let joined: String = block.lines.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(joined.replace(' ', ""), name.replace(' ', ""));
        }
    }

    #[test]
    fn breaks_prefer_spaces_and_never_split_clusters() {
        assert_eq!(break_point("Ana Maria Silva"), Some(9));
        assert_eq!(break_point("e\u{0301}e\u{0301}"), Some(3));
        assert_eq!(break_point("A"), None);
        assert_eq!(break_point("👍🏽"), None);
    }
}
