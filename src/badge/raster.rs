//! The PNG rendering of a badge SVG, with resvg. Text is set only in the fonts compiled into
//! the binary (DejaVu Sans Bold, as the SVG asks): no system fonts are consulted, so the PNG is
//! the same on every machine, and no `<image>` reference is ever resolved (a badge refers to
//! nothing outside itself).

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, ImageHrefResolver, Options};
use std::sync::{Arc, OnceLock};

const BOLD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans-Bold.ttf"
));

#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error("the badge SVG could not be read: {0}")]
    Svg(String),
    #[error("the badge has no area")]
    Empty,
    #[error("the PNG could not be encoded: {0}")]
    Encode(String),
}

/// Parsed once: loading the face is the costly part of a first render.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(BOLD.to_vec());
        Arc::new(db)
    })
    .clone()
}

fn options() -> Options<'static> {
    Options {
        font_family: super::design::FONT_FAMILY.to_owned(),
        fontdb: fonts(),
        image_href_resolver: ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..Options::default()
    }
}

/// Renders `svg` at its own size to a PNG (CPU work of a few milliseconds: callers keep the
/// result, see `service::badge`).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, RasterError> {
    let tree =
        usvg::Tree::from_str(svg, &options()).map_err(|e| RasterError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height()).ok_or(RasterError::Empty)?;
    resvg::render(&tree, Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| RasterError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_with_the_embedded_face() {
        let with_text = |t: &str| {
            svg_to_png(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"32\">\
                 <text x=\"2\" y=\"24\" font-family=\"DejaVu Sans\" font-size=\"20\">{t}</text></svg>"
            ))
            .unwrap()
        };
        // Without a usable font the text would vanish and both images would be identical.
        assert_ne!(with_text("MLOps"), with_text(""));
    }
}
