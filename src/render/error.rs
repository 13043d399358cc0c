//! Error type of the certificate renderer.
//!
//! Rendering only fails for reasons the caller can act on: an embedded font
//! that no longer parses (a broken build), a verification URL too long for a
//! QR code, or a malformed view (duplicate attachment names, empty URL). PDF
//! post-processing errors from `lopdf` are surfaced rather than swallowed so
//! that a half-written certificate is never handed to a graduate.

use thiserror::Error;

/// Everything that can go wrong while turning a [`super::CertificateView`]
/// into PDF bytes.
#[derive(Debug, Error)]
pub enum RenderError {
    /// One of the fonts compiled into the binary could not be parsed. This is
    /// a packaging bug, not a data problem, so it is reported at start-up by
    /// [`super::Fonts::load`].
    #[error("embedded font {name} could not be parsed")]
    FontParse {
        /// File name of the offending font.
        name: &'static str,
    },

    /// The verification URL could not be encoded as a QR code (for example it
    /// is longer than a version-40 code at level M can hold).
    #[error("verification URL cannot be encoded as a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),

    /// The view handed to the renderer is unusable as it stands.
    #[error("invalid certificate view: {0}")]
    InvalidView(String),

    /// `lopdf` rejected the document while attachments were added or the
    /// file was written out.
    #[error("PDF assembly failed: {0}")]
    Pdf(#[from] lopdf::Error),

    /// Writing the finished document into memory failed.
    #[error("writing the PDF failed: {0}")]
    Io(#[from] std::io::Error),

    /// The document produced by printpdf lacks a structure this module relies
    /// on (for instance the catalog). Indicates a printpdf behaviour change.
    #[error("unexpected PDF structure: {0}")]
    PdfStructure(&'static str),
}
