//! Page composition of the certificate: where every element goes.
//!
//! A4 landscape, all coordinates in PDF points from the lower-left corner.
//! The design is a classic diploma: tinted paper, navy outer band with a gold
//! hairline inside, centred headline block, the holder's name as the focal
//! point, then achievement details; the bottom band carries the dates
//! (left), a seal (centre) and the verification QR code (right), with the
//! identifiers in small print along the bottom edge.
//!
//! Every variable-length string goes through a fit-to-width call, so no
//! name, title or URL can run over the frame.

use super::canvas::Canvas;
use super::fit::fit_block;
use super::fonts::Face;
use super::model::{CertificateView, format_date};
use super::qr::{QrMatrix, draw_qr};
use super::style::{Align, Colour, TextStyle};

/// A4 landscape in points (297 mm × 210 mm).
pub(crate) const PAGE_WIDTH: f32 = 841.89;
pub(crate) const PAGE_HEIGHT: f32 = 595.28;
const CENTER_X: f32 = PAGE_WIDTH / 2.0;

/// Widest a centred line may be: inside the frame with a generous margin.
const TEXT_WIDTH: f32 = 620.0;
/// The holder's name may use more of the width before it has to shrink.
const NAME_WIDTH: f32 = 680.0;
/// The name is set at 40 pt, shrinks to at most this before it wraps to
/// two lines (set at this size or smaller).
const NAME_MIN_SIZE: f32 = 22.0;
/// Baseline of a one-line name, and the visual centre a two-line name is
/// centred on (between the lead-in line and the gold rule below).
const NAME_BASELINE: f32 = 366.0;
const NAME_CENTRE: f32 = 380.0;

/// QR side including quiet zone: 110 pt ≈ 38.8 mm, comfortably above the
/// ~35 mm needed for reliable phone scanning from a printed page.
pub(crate) const QR_SIZE: f32 = 110.0;
const QR_X: f32 = PAGE_WIDTH - 50.0 - QR_SIZE;
const QR_Y: f32 = 92.0;

const PAPER: Colour = Colour(0.992, 0.984, 0.961);
const NAVY: Colour = Colour(0.106, 0.165, 0.290);
const GOLD: Colour = Colour(0.690, 0.545, 0.235);
const PALE_GOLD: Colour = Colour(0.906, 0.847, 0.706);
const GREY: Colour = Colour(0.345, 0.365, 0.408);

const fn style(face: Face, size: f32, colour: Colour, tracking: f32) -> TextStyle {
    TextStyle {
        face,
        size,
        colour,
        tracking,
    }
}

/// Draws the whole certificate onto `canvas`.
pub(crate) fn draw(canvas: &mut Canvas<'_>, view: &CertificateView, qr: &QrMatrix) {
    draw_frame(canvas);
    draw_headline(canvas, view);
    draw_achievement(canvas, view);
    draw_dates(canvas, view);
    draw_seal(canvas, view);
    draw_verification(canvas, view, qr);
}

fn draw_frame(canvas: &mut Canvas<'_>) {
    canvas.fill_rect(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT, PAPER);
    let band = 16.0;
    canvas.frame(
        band,
        band,
        PAGE_WIDTH - 2.0 * band,
        PAGE_HEIGHT - 2.0 * band,
        6.0,
        NAVY,
    );
    let inner = 28.0;
    canvas.frame(
        inner,
        inner,
        PAGE_WIDTH - 2.0 * inner,
        PAGE_HEIGHT - 2.0 * inner,
        0.9,
        GOLD,
    );
    // Small gold squares at the inner corners, a traditional diploma accent.
    let mark = 7.0;
    for (x, y) in [
        (inner, inner),
        (PAGE_WIDTH - inner - mark, inner),
        (inner, PAGE_HEIGHT - inner - mark),
        (PAGE_WIDTH - inner - mark, PAGE_HEIGHT - inner - mark),
    ] {
        canvas.fill_rect(x, y, mark, mark, GOLD);
    }
}

fn draw_headline(canvas: &mut Canvas<'_>, view: &CertificateView) {
    let issuer = view.issuer_name.to_uppercase();
    canvas.text_fit(
        &issuer,
        &style(Face::SansBold, 12.0, GOLD, 3.0),
        CENTER_X,
        522.0,
        Align::Center,
        TEXT_WIDTH,
    );
    canvas.text_fit(
        "Certificate of Achievement",
        &style(Face::SerifBold, 34.0, NAVY, 0.0),
        CENTER_X,
        478.0,
        Align::Center,
        TEXT_WIDTH,
    );
    let program = view.program_name.to_uppercase();
    canvas.text_fit(
        &program,
        &style(Face::Sans, 10.0, GREY, 2.0),
        CENTER_X,
        456.0,
        Align::Center,
        TEXT_WIDTH,
    );
    canvas.fill_rect(CENTER_X - 30.0, 441.0, 60.0, 1.2, GOLD);
}

fn draw_achievement(canvas: &mut Canvas<'_>, view: &CertificateView) {
    let lead = style(Face::Serif, 13.0, GREY, 0.0);
    canvas.text("This certifies that", &lead, CENTER_X, 412.0, Align::Center);
    draw_name(canvas, &view.holder_name);
    canvas.fill_rect(CENTER_X - 170.0, 350.0, 340.0, 0.8, GOLD);
    canvas.text(
        "has successfully met all requirements for",
        &lead,
        CENTER_X,
        326.0,
        Align::Center,
    );
    canvas.text_fit(
        &view.achievement_name,
        &style(Face::SerifBold, 23.0, NAVY, 0.0),
        CENTER_X,
        296.0,
        Align::Center,
        TEXT_WIDTH,
    );

    let label = style(Face::SansBold, 8.0, GOLD, 1.5);
    let value = style(Face::Sans, 11.0, NAVY, 0.0);
    let gap = style(Face::Sans, 11.0, PALE_GOLD, 0.0);
    let score = view.score.map(|(points, of)| format!("{points} / {of}"));
    let mut spans: Vec<(&str, TextStyle)> = vec![
        ("TRACK  ", label),
        (&view.track, value),
        ("     |     ", gap),
        ("LEVEL  ", label),
        (&view.level, value),
    ];
    if let Some(score) = score.as_deref() {
        spans.extend([("     |     ", gap), ("SCORE  ", label), (score, value)]);
    }
    canvas.spans(&spans, CENTER_X, 268.0, Align::Center, TEXT_WIDTH);

    let lineage_style = style(Face::Serif, 10.0, GREY, 0.0);
    for (line, y) in lineage_lines(view).iter().zip([245.0, 231.0]) {
        canvas.text_fit(line, &lineage_style, CENTER_X, y, Align::Center, TEXT_WIDTH);
    }
}

/// The holder's name: the focal point, and the one string that must fit
/// whatever its length or script (see `fit`).
fn draw_name(canvas: &mut Canvas<'_>, name: &str) {
    let name_style = style(Face::SerifBold, 40.0, NAVY, 0.0);
    let block = fit_block(canvas.fonts(), name, &name_style, NAME_WIDTH, NAME_MIN_SIZE);
    let pitch = block.size * 1.2;
    let y = if block.lines.len() > 1 {
        // Two lines: centre the pair on the single line's visual centre.
        NAME_CENTRE + pitch / 2.0 - 0.36 * block.size
    } else {
        NAME_BASELINE
    };
    canvas.text_block(&block, &name_style, CENTER_X, y, Align::Center, pitch);
}

/// "Builds on: …" lines: at most two fit above the bottom band, so any
/// further links are folded into the second line.
fn lineage_lines(view: &CertificateView) -> Vec<String> {
    let links: Vec<String> = view
        .lineage
        .iter()
        .map(|l| {
            format!(
                "{}, issued {}",
                l.achievement_name,
                format_date(l.issued_on)
            )
        })
        .collect();
    match links.len() {
        0 => Vec::new(),
        1 | 2 => links.iter().map(|l| format!("Builds on: {l}")).collect(),
        _ => vec![
            format!("Builds on: {}", links[0]),
            format!("Builds on: {}", links[1..].join("; ")),
        ],
    }
}

fn draw_dates(canvas: &mut Canvas<'_>, view: &CertificateView) {
    let label = style(Face::SansBold, 7.5, GOLD, 1.5);
    let value = style(Face::Serif, 14.0, NAVY, 0.0);
    let x = 70.0;
    let blocks = [
        ("DATE OF ISSUE", view.issued_on, 160.0),
        ("VALID UNTIL", view.expires_on, 108.0),
    ];
    for (caption, date, y) in blocks {
        canvas.text_fit(&format_date(date), &value, x, y, Align::Left, 190.0);
        canvas.fill_rect(x, y - 8.0, 190.0, 0.6, GOLD);
        canvas.text(caption, &label, x, y - 19.0, Align::Left);
    }
}

fn draw_seal(canvas: &mut Canvas<'_>, view: &CertificateView) {
    let (cx, cy) = (CENTER_X, 140.0);
    canvas.fill_rosette(cx, cy, 48.0, 44.5, 40, GOLD);
    canvas.fill_circle(cx, cy, 40.0, PAPER);
    canvas.fill_circle(cx, cy, 37.5, NAVY);
    let small = style(Face::SansBold, 6.5, PALE_GOLD, 1.2);
    canvas.text("CERTIFIED", &small, cx, cy + 14.0, Align::Center);
    canvas.text_fit(
        &view.track.to_uppercase(),
        &style(Face::SerifBold, 14.0, PAPER, 0.5),
        cx,
        cy - 4.0,
        Align::Center,
        58.0,
    );
    let year = view.issued_on.year().to_string();
    canvas.text(&year, &small, cx, cy - 20.0, Align::Center);
}

fn draw_verification(canvas: &mut Canvas<'_>, view: &CertificateView, qr: &QrMatrix) {
    canvas.fill_rect(
        QR_X - 4.0,
        QR_Y - 4.0,
        QR_SIZE + 8.0,
        QR_SIZE + 8.0,
        PALE_GOLD,
    );
    draw_qr(canvas, qr, QR_X, QR_Y, QR_SIZE, NAVY);
    let qr_center = QR_X + QR_SIZE / 2.0;
    canvas.text(
        "Scan to verify",
        &style(Face::SansBold, 8.5, NAVY, 0.3),
        qr_center,
        QR_Y - 17.0,
        Align::Center,
    );
    canvas.text_fit(
        &view.verify_url,
        &style(Face::Sans, 6.5, GREY, 0.0),
        QR_X + QR_SIZE + 4.0,
        QR_Y - 28.0,
        Align::Right,
        300.0,
    );

    let label = style(Face::SansBold, 6.5, GOLD, 1.0);
    let value = style(Face::Sans, 7.5, GREY, 0.0);
    let code = style(Face::SansBold, 8.5, NAVY, 1.0);
    let spans = [
        ("CREDENTIAL ID  ", label),
        (view.credential_id.as_str(), value),
        ("      VERIFICATION CODE  ", label),
        (view.verification_code.as_str(), code),
    ];
    canvas.spans(&spans, 70.0, 46.0, Align::Left, 440.0);
}
