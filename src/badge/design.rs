//! The badge image of an achievement, as SVG 1.1 (the format Open Badges 3.0 §5.3 can bake
//! into): the program's colour as the frame, the track's colour in the centre, the track and
//! the level written on it, and the level's rank as stars. Text is set in DejaVu Sans Bold,
//! the one face the rasterizer ([`super::raster`]) loads, so the SVG and its PNG agree.

use crate::domain::catalog::{Achievement, Program};
use std::fmt::Write as _;

/// The badge's side in SVG user units; the PNG is rendered at this size.
pub const SIZE: u32 = 512;

/// The face the text asks for: the rasterizer has no other, and browsers fall back gracefully.
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// Escapes text for XML character data and attribute values (XML 1.0 §2.4).
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all (§2.2) are dropped, not escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A font size at which `text` fits `width` units: DejaVu Sans Bold averages about 0.68 em
/// a character, so long track names shrink instead of leaving the circle.
fn fitted_size(text: &str, width: f64, largest: f64) -> f64 {
    let chars = text.chars().count().max(1) as f64;
    (width / (chars * 0.68)).min(largest).floor()
}

/// A five-pointed star centred on (cx, cy) with outer radius r.
fn star(cx: f64, cy: f64, r: f64) -> String {
    let mut points = String::new();
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { r * 0.45 };
        let angle = std::f64::consts::PI * (f64::from(i) / 5.0) - std::f64::consts::FRAC_PI_2;
        let _ = write!(
            points,
            "{:.1},{:.1} ",
            cx + radius * angle.cos(),
            cy + radius * angle.sin()
        );
    }
    format!("<polygon points=\"{}\"/>", points.trim_end())
}

/// The SVG document for `achievement`. Deterministic: the same catalog gives the same bytes,
/// which is what makes the image cacheable by ETag.
pub fn badge_svg(program: &Program, achievement: &Achievement) -> String {
    let frame = program.badge_colour;
    let centre = achievement.track.colour;
    let ink = centre.text_on();
    let frame_ink = frame.text_on();
    let title = xml_escape(&achievement.name);
    let track = xml_escape(&achievement.track.name);
    let level = xml_escape(&achievement.level.name);
    let program_name = xml_escape(&program.name);
    let ribbon = match achievement.level.rank {
        Some(rank) => format!("LEVEL {rank}"),
        None => achievement.level.name.to_uppercase(),
    };
    let ribbon = xml_escape(&ribbon);
    let track_size = fitted_size(&achievement.track.name, 300.0, 72.0);
    let level_size = fitted_size(&achievement.level.name, 280.0, 34.0);
    let program_size = fitted_size(&program.name, 250.0, 20.0);
    let ribbon_size = fitted_size(&ribbon, 200.0, 26.0);
    let marks: String = match achievement.level.rank {
        Some(rank) => {
            let n = u32::from(rank.clamp(1, 5));
            let spacing = 34.0;
            let first = 256.0 - spacing * f64::from(n - 1) / 2.0;
            (0..n)
                .map(|i| star(first + spacing * f64::from(i), 336.0, 14.0))
                .collect()
        }
        // Specialist levels sit beside the ladder: a diamond instead of a rank.
        None => "<polygon points=\"256,320 272,336 256,352 240,336\"/>".to_owned(),
    };
    let mut svg = String::with_capacity(2048);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" role="img" aria-labelledby="badge-title">
<title id="badge-title">{title}</title>
<desc>{program_name}: {track}, {level}</desc>
<g font-family="{FONT_FAMILY}" font-weight="bold" text-anchor="middle">
<circle cx="256" cy="256" r="250" fill="{frame}"/>
<circle cx="256" cy="256" r="222" fill="#ffffff"/>
<circle cx="256" cy="256" r="210" fill="{centre}"/>
<text x="256" y="132" font-size="{program_size}" fill="{ink}">{program_name}</text>
<text x="256" y="262" font-size="{track_size}" fill="{ink}">{track}</text>
<text x="256" y="306" font-size="{level_size}" fill="{ink}">{level}</text>
<g fill="{ink}">{marks}</g>
<path d="M116,372 H396 L376,398 L396,424 H116 L136,398 Z" fill="{frame}"/>
<text x="256" y="408" font-size="{ribbon_size}" fill="{frame_ink}" letter-spacing="2">{ribbon}</text>
</g>
</svg>
"##
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;

    #[test]
    fn names_the_track_and_level_in_the_program_colours() {
        let catalog = Catalog::default_program().unwrap();
        let a = catalog.find("mlops-professional").unwrap();
        let svg = badge_svg(&catalog.program, a);
        assert!(svg.contains(">MLOps</text>"), "{svg}");
        assert!(svg.contains(">Intermediate</text>"), "{svg}");
        assert!(svg.contains(">LEVEL 2</text>"), "{svg}");
        assert!(svg.contains(&format!("fill=\"{}\"", catalog.program.badge_colour)));
        assert!(svg.contains(&format!("fill=\"{}\"", a.track.colour)));
        assert_eq!(svg.matches("<polygon").count(), 2, "two stars for level 2");
        assert_eq!(svg, badge_svg(&catalog.program, a), "deterministic");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(xml_escape("a<b&\"c\"\u{1}"), "a&lt;b&amp;&quot;c&quot;");
    }
}
