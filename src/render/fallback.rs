//! Font choice per run of text: the fallback chain by glyph coverage
//! (CSS Fonts Level 4 §5.2 "cluster matching", simplified to characters).
//!
//! Each character goes to the first font of the chain that has a glyph for
//! it: the script's own Noto face when the character belongs to one of the
//! scripts embedded for (so an Arabic name is never set in DejaVu's partial
//! Arabic), else the requested DejaVu face, else the other fallbacks (the
//! remaining scripts, CJK, emoji). Combining marks, joiners, variation
//! selectors and spaces stay in the font of the character before them
//! (UAX #29 clusters must not be split across fonts, or marks lose their
//! base and the shaper cannot join).

use unicode_general_category::{GeneralCategory, get_general_category};

use super::fonts::{Face, FontSlot, Fonts};

/// A maximal run of characters (logical order) set in one font.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FontRun<'t> {
    pub(crate) slot: FontSlot,
    pub(crate) text: &'t str,
}

/// Characters that draw nothing themselves and are handled by the shaper
/// (joiners, variation selectors, bidi marks, tag characters): they never
/// force a font switch and are not expected in any cmap.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E0FFF}'
            | '\u{034F}'
            | '\u{180B}'..='\u{180F}'
    )
}

/// Characters that belong to the cluster (or word) before them.
fn sticks_to_previous(c: char) -> bool {
    is_invisible(c)
        || c.is_whitespace()
        || matches!(
            get_general_category(c),
            GeneralCategory::NonspacingMark
                | GeneralCategory::SpacingMark
                | GeneralCategory::EnclosingMark
        )
        || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// The Noto face for `c`'s script, if it is one of the embedded scripts.
fn script_slot(c: char, bold: bool) -> Option<FontSlot> {
    let pick = |regular, heavy| Some(if bold { heavy } else { regular });
    match c {
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{0870}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}' => pick(FontSlot::Arabic, FontSlot::ArabicBold),
        '\u{0590}'..='\u{05FF}' | '\u{FB1D}'..='\u{FB4F}' => {
            pick(FontSlot::Hebrew, FontSlot::HebrewBold)
        }
        '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{1CD0}'..='\u{1CFF}' => {
            pick(FontSlot::Devanagari, FontSlot::DevanagariBold)
        }
        '\u{0E00}'..='\u{0E7F}' => pick(FontSlot::Thai, FontSlot::ThaiBold),
        _ => None,
    }
}

/// The fallback chain after the requested face, in order of preference.
fn fallbacks(bold: bool) -> [FontSlot; 6] {
    if bold {
        [
            FontSlot::ArabicBold,
            FontSlot::HebrewBold,
            FontSlot::DevanagariBold,
            FontSlot::ThaiBold,
            FontSlot::Cjk,
            FontSlot::Emoji,
        ]
    } else {
        [
            FontSlot::Arabic,
            FontSlot::Hebrew,
            FontSlot::Devanagari,
            FontSlot::Thai,
            FontSlot::Cjk,
            FontSlot::Emoji,
        ]
    }
}

/// The font for `c` on its own (no context).
fn choose(fonts: &Fonts, face: Face, c: char) -> FontSlot {
    let primary = FontSlot::from(face);
    let covers = |slot: &FontSlot| fonts.glyph(*slot, c).is_some();
    script_slot(c, face.is_bold())
        .filter(covers)
        .or_else(|| Some(primary).filter(covers))
        .or_else(|| fallbacks(face.is_bold()).into_iter().find(covers))
        // Nobody has it: the requested face shows its missing-glyph box
        // (and `Fonts::missing_glyphs` reports it).
        .unwrap_or(primary)
}

/// Splits `text` into runs by glyph coverage; see the module docs.
pub(crate) fn font_runs<'t>(fonts: &Fonts, face: Face, text: &'t str) -> Vec<FontRun<'t>> {
    let mut runs: Vec<FontRun<'t>> = Vec::new();
    let mut start = 0;
    let mut current: Option<FontSlot> = None;
    for (pos, c) in text.char_indices() {
        let slot = match current {
            Some(slot)
                if sticks_to_previous(c) && (is_invisible(c) || fonts.glyph(slot, c).is_some()) =>
            {
                slot
            }
            _ => choose(fonts, face, c),
        };
        match current {
            Some(cur) if cur == slot => {}
            Some(cur) => {
                runs.push(FontRun {
                    slot: cur,
                    text: &text[start..pos],
                });
                start = pos;
                current = Some(slot);
            }
            None => current = Some(slot),
        }
    }
    if let Some(slot) = current {
        runs.push(FontRun {
            slot,
            text: &text[start..],
        });
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots<'t>(fonts: &Fonts, face: Face, text: &'t str) -> Vec<(FontSlot, &'t str)> {
        font_runs(fonts, face, text)
            .into_iter()
            .map(|r| (r.slot, r.text))
            .collect()
    }

    #[test]
    fn latin_greek_cyrillic_stay_in_dejavu() {
        let fonts = Fonts::load().unwrap();
        for name in [
            "Zoë Ångström",
            "Łukasz Żółć",
            "Ελένη Παπαδοπούλου",
            "Иван Петров",
            "Zoe\u{0308} with a combining diaeresis",
        ] {
            assert_eq!(
                slots(&fonts, Face::SerifBold, name),
                vec![(FontSlot::SerifBold, name)]
            );
        }
    }

    #[test]
    fn cjk_falls_back_per_run() {
        let fonts = Fonts::load().unwrap();
        let runs = slots(&fonts, Face::Serif, "Dr. 山田太郎 (ヤマダ) 한국");
        assert_eq!(runs[0], (FontSlot::Serif, "Dr. "));
        assert_eq!(runs[1], (FontSlot::Cjk, "山田太郎 "));
        assert!(
            runs.iter()
                .any(|(s, t)| *s == FontSlot::Cjk && t.contains('한'))
        );
    }

    #[test]
    fn scripts_go_to_their_noto_face_even_when_dejavu_has_them() {
        let fonts = Fonts::load().unwrap();
        // DejaVu Sans has Arabic and Hebrew letters; the Noto faces win.
        assert_eq!(
            slots(&fonts, Face::Sans, "Omar عمر"),
            vec![(FontSlot::Sans, "Omar "), (FontSlot::Arabic, "عمر")]
        );
        assert_eq!(
            slots(&fonts, Face::SerifBold, "דוד"),
            vec![(FontSlot::HebrewBold, "דוד")]
        );
        assert_eq!(
            slots(&fonts, Face::SerifBold, "प्रिया สมชาย"),
            vec![
                (FontSlot::DevanagariBold, "प्रिया "),
                (FontSlot::ThaiBold, "สมชาย")
            ]
        );
    }

    #[test]
    fn emoji_and_their_modifiers_share_one_font() {
        let fonts = Fonts::load().unwrap();
        let runs = slots(&fonts, Face::SerifBold, "Ana 👍🏽\u{FE0F}");
        assert_eq!(runs[1], (FontSlot::Emoji, "👍🏽\u{FE0F}"));
    }
}
