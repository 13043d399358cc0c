//! End-to-end checks of rendered certificates with real PDF tooling:
//! poppler (`pdftotext`, `pdftoppm`, `pdfdetach`, `pdfinfo`) and zbar
//! (`zbarimg`). The tools are required: a missing tool fails the test with
//! an install hint instead of skipping, because CI installs them and a
//! silently skipped test proves nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::render_support::{self, path_str, run};

use std::path::PathBuf;
use std::sync::OnceLock;

use attest::render::{Fonts, render_certificate};

const NAMES: [&str; 7] = [
    "Zoë Ångström",
    "Łukasz Żółć",
    "Ελένη Παπαδοπούλου",
    "Иван Петров",
    "山田太郎",
    "김민준",
    "Maximiliana Alexandrovna Konstantinopoulou-Vanderbilt de la Montagne-Øresund",
];

/// PDFs must stay small enough to e-mail and store per credential.
const MAX_PDF_BYTES: usize = 100 * 1024;

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load().expect("embedded fonts parse"))
}

/// One rendered certificate on disk.
struct Rendered {
    name: &'static str,
    verify_url: String,
    pdf: PathBuf,
    bytes: usize,
    _dir: tempfile::TempDir,
}

/// Renders every sample name, each with its own verify URL so a stale or
/// mixed-up QR code cannot pass.
fn render_all() -> Vec<Rendered> {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut view = render_support::view(name);
            view.verify_url =
                format!("https://attest.aiops.school/v/0b7f8d2e-4c1a-4e8b-9f3d-2a6c5e7b9d1{i}");
            let pdf = render_certificate(&view, fonts()).expect("render");
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("certificate.pdf");
            std::fs::write(&path, &pdf).expect("write pdf");
            Rendered {
                name,
                verify_url: view.verify_url,
                pdf: path,
                bytes: pdf.len(),
                _dir: dir,
            }
        })
        .collect()
}

#[test]
fn text_layer_has_exact_names_in_every_script() {
    for cert in render_all() {
        let text = run("pdftotext", &["-enc", "UTF-8", path_str(&cert.pdf), "-"]);
        // A long name wraps to two lines: compare words, not line breaks.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(&text).contains(cert.name),
            "{} missing from:\n{text}",
            cert.name
        );
        assert!(
            text.contains("Certified MLOps Engineer – Professional"),
            "achievement missing from:\n{text}"
        );
        assert!(
            text.contains("20 November 2025"),
            "issue date missing:\n{text}"
        );
        assert!(
            text.contains("20 November 2028"),
            "expiry date missing:\n{text}"
        );
        assert!(
            text.contains("K7Q2-9XMF"),
            "verification code missing:\n{text}"
        );
        assert!(
            text.contains("Scan to verify"),
            "QR caption missing:\n{text}"
        );
        assert!(
            text.contains("issued 3 March 2025"),
            "lineage missing:\n{text}"
        );
    }
}

/// Inner edge of the decorative frame (gold hairline), in points.
const FRAME_INSET: f64 = 28.0;

#[test]
fn every_word_stays_inside_the_frame() {
    for cert in render_all() {
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
        let words: Vec<&str> = html.lines().filter(|l| l.contains("<word ")).collect();
        assert!(words.len() > 40, "too few words for {}", cert.name);
        for word in words {
            let (x0, x1) = (attr(word, "xMin"), attr(word, "xMax"));
            let (y0, y1) = (attr(word, "yMin"), attr(word, "yMax"));
            assert!(
                x0 > FRAME_INSET
                    && x1 < 841.89 - FRAME_INSET
                    && y0 > FRAME_INSET
                    && y1 < 595.28 - FRAME_INSET,
                "{}: word outside frame: {word}",
                cert.name
            );
        }
    }
}

#[test]
fn qr_code_scans_to_the_verify_url() {
    for cert in render_all() {
        let prefix = cert.pdf.with_file_name("page");
        run(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-png",
                "-singlefile",
                path_str(&cert.pdf),
                path_str(&prefix),
            ],
        );
        let png = prefix.with_extension("png");
        let decoded = run("zbarimg", &["--raw", "-q", path_str(&png)]);
        assert_eq!(decoded.trim_end(), cert.verify_url, "QR of {}", cert.name);
    }
}

#[test]
fn attachments_are_listed_and_round_trip_byte_for_byte() {
    for cert in render_all() {
        let list = run("pdfdetach", &["-list", path_str(&cert.pdf)]);
        assert!(list.contains("2 embedded files"), "{list}");
        let json_index = list
            .lines()
            .find_map(|line| line.strip_suffix(": credential.json"))
            .unwrap_or_else(|| panic!("credential.json not listed:\n{list}"));
        assert!(
            list.lines().any(|l| l.ends_with(": credential.jwt")),
            "{list}"
        );

        let out = cert.pdf.with_file_name("extracted.json");
        run(
            "pdfdetach",
            &[
                "-save",
                json_index.trim(),
                "-o",
                path_str(&out),
                path_str(&cert.pdf),
            ],
        );
        let extracted = std::fs::read(&out).expect("extracted file");
        assert_eq!(extracted, render_support::CREDENTIAL_JSON.as_bytes());
    }
}

#[test]
fn info_dictionary_page_size_and_file_size() {
    for cert in render_all() {
        let info = run("pdfinfo", &["-enc", "UTF-8", path_str(&cert.pdf)]);
        let field = |key: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
                .unwrap_or_else(|| panic!("{key} missing:\n{info}"))
                .to_owned()
        };
        assert_eq!(
            field("Title:"),
            format!("{} – Certified MLOps Engineer – Professional", cert.name)
        );
        assert_eq!(field("Author:"), "AIOps School");
        assert_eq!(field("Creator:"), "attest");
        assert!(field("Subject:").contains("K7Q2-9XMF"));
        assert_eq!(field("Page size:"), "841.89 x 595.276 pts (A4)");
        assert_eq!(field("Pages:"), "1");
        // created_at is 2025-11-20 10:30 +01:00, i.e. 09:30 UTC, never 1970.
        assert!(
            field("CreationDate:").contains("Nov 20 09:30:00 2025"),
            "{info}"
        );
        assert!(field("ModDate:").contains("Nov 20 09:30:00 2025"), "{info}");
        assert!(!info.contains("PDF/X"), "must not claim PDF/X:\n{info}");
        assert!(
            cert.bytes < MAX_PDF_BYTES,
            "{}: {} bytes",
            cert.name,
            cert.bytes
        );
    }
}
