//! Badge images for Open Badges 3.0 (§B.1.15 `Image`, §5.3 "Baked Badge"): the SVG of each
//! achievement and its PNG rendering. Pure functions of the catalog: no HTTP, no database.
//! Baking a credential into them is [`crate::vc::baking`].

pub mod design;
pub mod raster;

pub use design::badge_svg;
pub use raster::{RasterError, svg_to_png};
