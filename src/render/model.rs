//! Input types of the renderer: the facts of an already-signed credential.
//!
//! The renderer never looks anything up itself: the caller resolves catalog
//! rules (whether to show a score, which lineage to print) and passes plain
//! values. That keeps rendering pure and deterministic apart from the random
//! object names printpdf assigns, which makes it safe to run on a blocking
//! thread pool and easy to test.

use time::{Date, OffsetDateTime};

/// A file embedded into the PDF, e.g. the signed credential JSON and the
/// compact `vc+jwt`, so the certificate alone is enough to re-verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Name shown by PDF viewers and used by `pdfdetach`; must be unique
    /// within one certificate.
    pub file_name: String,
    /// MIME type, written as the embedded file's `/Subtype`.
    pub mime: String,
    /// Human description shown next to the attachment in viewers.
    pub description: String,
    /// Exact bytes; they round-trip unchanged.
    pub bytes: Vec<u8>,
}

/// An earlier achievement this one builds on ("Builds on: …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageLink {
    /// Display name of the earlier achievement.
    pub achievement_name: String,
    /// When that earlier credential was issued.
    pub issued_on: Date,
}

/// Everything printed on, or embedded into, one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateView {
    /// Issuing organisation, e.g. "AIOps School".
    pub issuer_name: String,
    /// Certification programme, e.g. "Certified MLOps Engineer".
    pub program_name: String,
    /// Graduate's name in any script; the renderer picks fonts per character.
    pub holder_name: String,
    /// E.g. "Certified MLOps Engineer – Professional".
    pub achievement_name: String,
    /// E.g. "MLOps".
    pub track: String,
    /// E.g. "Intermediate (level 2)" or "Specialist".
    pub level: String,
    /// `(points, out_of)`; `None` when the catalog says not to show it.
    pub score: Option<(u32, u32)>,
    /// Issuance date printed on the certificate.
    pub issued_on: Date,
    /// End of validity printed on the certificate.
    pub expires_on: Date,
    /// Earlier achievements this one builds on, oldest first.
    pub lineage: Vec<LineageLink>,
    /// Full credential id (URL or UUID), printed small for support requests.
    pub credential_id: String,
    /// Short human code, e.g. "K7Q2-9XMF", for typing into the verify page.
    pub verification_code: String,
    /// Exactly what the QR code encodes.
    pub verify_url: String,
    /// Files embedded as PDF attachments.
    pub attachments: Vec<Attachment>,
    /// Used for the PDF info dates. Injected rather than read from the clock
    /// so output is reproducible in tests and matches the credential.
    pub created_at: OffsetDateTime,
}

/// Formats a date the way it is printed on certificates: "20 November 2026".
///
/// Day-month-year with the English month name is unambiguous for an
/// international audience, unlike numeric formats.
pub fn format_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    #[test]
    fn dates_are_day_month_name_year() {
        let d = Date::from_calendar_date(2026, Month::November, 20).unwrap();
        assert_eq!(format_date(d), "20 November 2026");
        let d = Date::from_calendar_date(2025, Month::March, 3).unwrap();
        assert_eq!(format_date(d), "3 March 2025");
    }
}
