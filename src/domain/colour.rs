//! A badge colour from the catalog: `#rrggbb` (CSS Color 4 §5.2 hex notation), parsed once at
//! start-up so the generated SVG never carries a value the catalog author did not mean.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    rgb: [u8; 3],
}

impl Colour {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { rgb: [r, g, b] }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let hex = text
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| format!("colour `{text}` is not of the form #rrggbb"))?;
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_default();
        Ok(Self::rgb(byte(0), byte(2), byte(4)))
    }

    /// Relative luminance (WCAG 2.2 §"relative luminance"), to pick legible text on it.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.rgb;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// White or near-black, whichever contrasts more with this colour.
    pub fn text_on(self) -> Colour {
        if self.luminance() > 0.179 {
            Colour::rgb(0x1b, 0x1f, 0x24)
        } else {
            Colour::rgb(0xff, 0xff, 0xff)
        }
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.rgb;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_hex() {
        let c = Colour::parse("#1F6FEB").unwrap();
        assert_eq!(c.to_string(), "#1f6feb");
        for bad in [
            "1f6feb",
            "#1f6fe",
            "#1f6febb",
            "#gggggg",
            "red",
            "#1f6fe\u{e9}",
        ] {
            assert!(Colour::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_catalog_refuses_a_bad_colour_naming_the_track_and_line() {
        use crate::domain::catalog::{Catalog, DEFAULT_CATALOG};
        let text = DEFAULT_CATALOG.replacen("colour = \"#8250df\"", "colour = \"purple\"", 1);
        let err = Catalog::parse(&text, "t.toml").unwrap_err();
        assert!(err.message.contains("track `aiops`"), "{err}");
        let line = DEFAULT_CATALOG
            .lines()
            .position(|l| l == "id = \"aiops\"")
            .unwrap();
        assert_eq!(err.line, Some(line), "the [[track]] header's line: {err}");
        let defaults = DEFAULT_CATALOG.replace("colour = \"#8250df\"\n", "");
        let catalog = Catalog::parse(&defaults, "t.toml").unwrap();
        assert_eq!(
            catalog.tracks[1].colour.to_string(),
            "#2f6f9f",
            "the default"
        );
    }

    #[test]
    fn text_contrasts_with_the_fill() {
        assert_eq!(Colour::rgb(0, 0, 0).text_on(), Colour::rgb(255, 255, 255));
        assert_eq!(Colour::rgb(255, 255, 255).text_on().to_string(), "#1b1f24");
    }
}
