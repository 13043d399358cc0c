//! Names in every script (issue 20): rendered certificates checked with
//! poppler (`pdffonts`, `pdftotext`, `pdftoppm`) and with an independent
//! reading of the PDF (lopdf for the content stream, ttf-parser for the
//! embedded font programs), so a missing glyph (a `.notdef` box), a font
//! that was not embedded or a name that runs off the frame fails.
//!
//! The tools are required: a missing tool fails with an install hint
//! (scripts/test installs poppler-utils) instead of skipping.

use crate::render_support::{self, path_str, run};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use attest::render::fonts::Face;
use attest::render::{Fonts, render_certificate};
use lopdf::content::Content;
use lopdf::{Document, Object};

/// (what, name, the embedded font that must carry it).
const SCRIPTS: [(&str, &str, &str); 10] = [
    ("Arabic", "محمد عبد الله", "NotoSansArabic-Bold"),
    ("Hebrew", "דוד כהן", "NotoSansHebrew-Bold"),
    ("Devanagari", "प्रिया शर्मा", "NotoSansDevanagari-Bold"),
    ("Thai", "สมชาย ใจดี", "NotoSansThai-Bold"),
    ("Chinese", "王秀英", "WenQuanYiMicroHei"),
    ("Japanese", "山田 はなこ", "WenQuanYiMicroHei"),
    ("Korean", "김민준", "WenQuanYiMicroHei"),
    ("emoji", "Ana 😀 🎓", "Symbola"),
    ("Latin + Arabic", "Omar عمر Khan", "NotoSansArabic-Bold"),
    ("Latin", "Zoë Ångström", "DejaVuSerif-Bold"),
];

/// PDFs must stay small enough to e-mail and store per credential.
const MAX_PDF_BYTES: usize = 100 * 1024;
/// Inner edge of the decorative frame (gold hairline), in points.
const FRAME_INSET: f64 = 28.0;

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load().expect("embedded fonts parse"))
}

struct Rendered {
    pdf: PathBuf,
    bytes: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn render(name: &str) -> Rendered {
    let view = render_support::view(name);
    let bytes = render_certificate(&view, fonts()).expect("render");
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("certificate.pdf");
    std::fs::write(&pdf, &bytes).expect("write pdf");
    Rendered {
        pdf,
        bytes,
        _dir: dir,
    }
}

/// pdftotext marks right-to-left lines with U+202B … U+202C and may move
/// the space between a right-to-left and a left-to-right word; compare
/// words, not those marks.
fn words(text: &str) -> String {
    text.replace(['\u{202B}', '\u{202C}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn the_long_names() -> Vec<String> {
    let latin =
        "Maximiliana Alexandrovna Konstantinopoulou-Vanderbilt de la Montagne-Øresund y Bragança ";
    let latin: String = latin.repeat(3).chars().take(200).collect();
    vec![latin.trim_end().to_owned(), "\u{FDFD}".repeat(60)]
}

#[test]
fn every_script_is_embedded_and_reads_back_in_logical_order() {
    for (script, name, font) in SCRIPTS {
        let cert = render(name);
        let listing = run("pdffonts", &[path_str(&cert.pdf)]);
        let row = listing
            .lines()
            .find(|l| l.contains(&format!("+{font} ")))
            .unwrap_or_else(|| panic!("{script}: {font} not embedded:\n{listing}"));
        // Subset ("ABCDEF+" prefix), embedded, subset, with ToUnicode.
        assert!(row.contains("yes yes yes"), "{script}: {row}");

        let text = run("pdftotext", &["-enc", "UTF-8", path_str(&cert.pdf), "-"]);
        assert!(
            words(&text).contains(name),
            "{script}: {name:?} not extracted in logical order from:\n{text}"
        );
        assert!(
            cert.bytes.len() < MAX_PDF_BYTES,
            "{script}: {} bytes",
            cert.bytes.len()
        );
    }
}

#[test]
fn mixed_direction_text_keeps_each_part_in_order() {
    let cert = render("Omar عمر Khan");
    let text = run("pdftotext", &["-enc", "UTF-8", path_str(&cert.pdf), "-"]);
    let line = text
        .lines()
        .find(|l| l.contains("Omar"))
        .expect("name line");
    // Left to right on the page: Omar, then the Arabic word, then Khan.
    let omar = line.find("Omar").unwrap();
    let arabic = line.find("عمر").expect("Arabic word in logical order");
    let khan = line.find("Khan").unwrap();
    assert!(omar < arabic && arabic < khan, "{line:?}");
}

#[test]
fn long_names_wrap_and_stay_inside_the_frame() {
    for name in the_long_names() {
        let cert = render(&name);
        let html = run(
            "pdftotext",
            &["-bbox", "-enc", "UTF-8", path_str(&cert.pdf), "-"],
        );
        let attr = |line: &str, key: &str| -> f64 {
            let start = line.find(&format!("{key}=\"")).expect("bbox attribute") + key.len() + 2;
            let rest = &line[start..];
            rest[..rest.find('"').expect("closing quote")]
                .parse()
                .expect("number")
        };
        let boxes: Vec<&str> = html.lines().filter(|l| l.contains("<word ")).collect();
        assert!(boxes.len() > 20, "too few words:\n{html}");
        for word in boxes {
            let (x0, x1) = (attr(word, "xMin"), attr(word, "xMax"));
            let (y0, y1) = (attr(word, "yMin"), attr(word, "yMax"));
            assert!(
                x0 > FRAME_INSET
                    && x1 < 841.89 - FRAME_INSET
                    && y0 > FRAME_INSET
                    && y1 < 595.28 - FRAME_INSET,
                "word outside the frame: {word}"
            );
        }
        // The whole name comes back, over two lines.
        let text = run("pdftotext", &["-enc", "UTF-8", path_str(&cert.pdf), "-"]);
        let squeeze = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '\u{202B}' | '\u{202C}'))
                .collect()
        };
        assert!(
            squeeze(&text).contains(&squeeze(&name)),
            "{name} not extracted from:\n{text}"
        );
        assert!(
            cert.bytes.len() < MAX_PDF_BYTES,
            "{} bytes",
            cert.bytes.len()
        );
    }
}

/// A dictionary given inline or by reference.
fn dictionary<'d>(doc: &'d Document, object: &'d Object) -> &'d lopdf::Dictionary {
    match object {
        Object::Reference(id) => doc.get_dictionary(*id).expect("referenced dictionary"),
        other => other.as_dict().expect("dictionary"),
    }
}

/// For every glyph drawn on the page, independently of the renderer: the
/// font it is drawn in, its code (= glyph id, Identity-H) and whether the
/// embedded font program has an outline for it.
fn drawn_glyphs(pdf: &[u8]) -> Vec<(String, u16, bool)> {
    let doc = Document::load_mem(pdf).expect("PDF parses");
    let (_, page) = doc.get_pages().into_iter().next().expect("one page");
    let mut programs: BTreeMap<Vec<u8>, (String, Vec<u8>)> = BTreeMap::new();
    for (resource, font) in doc.get_page_fonts(page).expect("page fonts") {
        let descendant = dictionary(
            &doc,
            &font
                .get(b"DescendantFonts")
                .and_then(Object::as_array)
                .expect("Type0 font")[0],
        );
        let descriptor = dictionary(&doc, descendant.get(b"FontDescriptor").expect("descriptor"));
        let name = String::from_utf8_lossy(
            descriptor
                .get(b"FontName")
                .and_then(Object::as_name)
                .expect("FontName"),
        )
        .into_owned();
        let file = descriptor
            .get(b"FontFile2")
            .and_then(Object::as_reference)
            .expect("embedded TrueType program");
        let program = doc
            .get_object(file)
            .and_then(Object::as_stream)
            .expect("font stream")
            .decompressed_content()
            .expect("font program inflates");
        programs.insert(resource, (name, program));
    }

    let content = Content::decode(&doc.get_page_content(page)).expect("content stream");
    let mut current: Option<&(String, Vec<u8>)> = None;
    let mut codes = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "Tf" => {
                let resource = op.operands[0].as_name().expect("font name");
                current = programs.get(resource);
            }
            "TJ" | "Tj" => {
                let (name, program) = current.expect("text shown with a font set");
                let face = rustybuzz::ttf_parser::Face::parse(program, 0).expect("font program");
                let strings: Vec<&Object> = match &op.operands[0] {
                    Object::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for string in strings {
                    let Object::String(bytes, _) = string else {
                        continue;
                    };
                    for pair in bytes.chunks(2) {
                        let gid = u16::from_be_bytes([pair[0], pair[1]]);
                        let has_outline = gid != 0
                            && gid < face.number_of_glyphs()
                            && face
                                .glyph_bounding_box(rustybuzz::ttf_parser::GlyphId(gid))
                                .is_some();
                        codes.push((name.clone(), gid, has_outline));
                    }
                }
            }
            _ => {}
        }
    }
    codes
}

#[test]
fn no_glyph_is_missing_in_any_script() {
    let long = the_long_names();
    let names = SCRIPTS
        .iter()
        .map(|(_, name, _)| *name)
        .chain(long.iter().map(String::as_str));
    for name in names {
        // The renderer's own coverage check.
        assert_eq!(
            fonts().missing_glyphs(Face::SerifBold, name),
            Vec::<char>::new(),
            "{name}"
        );
        // And what the PDF actually draws: never .notdef (gid 0), and every
        // embedded font draws real outlines from its subset (a space has
        // none, so this is checked per font, not per glyph).
        let cert = render(name);
        let drawn = drawn_glyphs(&cert.bytes);
        let mut outlined: BTreeMap<&str, bool> = BTreeMap::new();
        for (font, gid, has_outline) in &drawn {
            assert_ne!(*gid, 0, "{name}: .notdef drawn in {font}");
            *outlined.entry(font.as_str()).or_default() |= has_outline;
        }
        assert!(outlined.len() >= 4, "{name}: {outlined:?}");
        assert!(outlined.values().all(|o| *o), "{name}: {outlined:?}");
    }
}

#[test]
fn the_coverage_checks_catch_a_character_no_font_has() {
    // U+10600 LINEAR A SIGN AB001: in none of the embedded fonts.
    let name = "Ana \u{10600}";
    assert_eq!(
        fonts().missing_glyphs(Face::SerifBold, name),
        vec!['\u{10600}']
    );
    let cert = render(name);
    assert!(
        drawn_glyphs(&cert.bytes)
            .iter()
            .any(|(_, gid, _)| *gid == 0),
        "the PDF check must see the .notdef glyph"
    );
}

/// Dark pixels in the band where the holder's name is printed, from a
/// grayscale rendering at 72 dpi (one pixel per point).
fn ink_in_name_band(pdf: &Path) -> usize {
    let prefix = pdf.with_file_name("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "72",
            "-gray",
            "-singlefile",
            path_str(pdf),
            path_str(&prefix),
        ],
    );
    let pgm = std::fs::read(prefix.with_extension("pgm")).expect("pgm written");
    // Binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while pgm[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !pgm[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..pos]).into_owned());
    }
    let width: usize = fields[1].parse().unwrap();
    let pixels = &pgm[pos + 1..];
    // Name band: 350..410 pt from the bottom, inside the frame.
    let (top, bottom) = (595 - 405, 595 - 352);
    (top..bottom)
        .flat_map(|y| (60..780).map(move |x| (x, y)))
        .filter(|(x, y)| pixels[y * width + x] < 128)
        .count()
}

#[test]
fn every_script_puts_ink_on_the_page() {
    for (script, name, _) in SCRIPTS {
        let cert = render(name);
        let ink = ink_in_name_band(&cert.pdf);
        assert!(
            ink > 300,
            "{script}: only {ink} dark pixels where the name goes"
        );
    }
}

#[test]
#[ignore = "writes sample PDFs for a person to look at"]
fn write_samples() {
    let dir = std::env::var("SAMPLES").unwrap_or_else(|_| "/tmp/r-out".into());
    std::fs::create_dir_all(&dir).unwrap();
    let long = the_long_names();
    let names = SCRIPTS
        .iter()
        .map(|(what, name, _)| (what.to_string(), name.to_string()))
        .chain([
            ("long".to_string(), long[0].clone()),
            ("fdfd".to_string(), long[1].clone()),
        ]);
    for (what, name) in names {
        let cert = render(&name);
        std::fs::write(format!("{dir}/{}.pdf", what.replace(' ', "_")), &cert.bytes).unwrap();
    }
}
