//! RDF Dataset Canonicalization (RDFC-1.0, <https://www.w3.org/TR/rdf-canon/>)
//! and its serialized canonical form (§5 "Serialization": canonical
//! N-Quads, one line per quad, sorted in code point order, concatenated).
//!
//! Blank node relabelling (§4.4 "Canonicalization Algorithm", SHA-256) is done by
//! `rdfc10` (which also uses [`write_quad`] for §4.6); [`canonical_nquads`]
//! runs oxrdf's instead and is kept as the oracle of the differential tests
//! and benchmarks. The serialization is written here rather than taken from oxrdf's
//! `Display`, because the canonical N-Quads form is what gets hashed and
//! signed and must be exact: ECHAR for `\b \t \n \f \r " \\`, `\u00XX`
//! (upper-case hex) for the remaining C0 controls and U+007F, everything
//! else verbatim, `xsd:string` datatypes omitted, a single space between
//! terms and ` .\n` at the end (RDF 1.2 N-Triples/N-Quads canonical form).

use oxrdf::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use oxrdf::vocab::xsd;
use oxrdf::{
    BlankNodeRef, Dataset, GraphNameRef, LiteralRef, NamedOrBlankNodeRef, QuadRef, TermRef,
};
use std::fmt::Write;

/// Applies oxrdf's RDFC-1.0 (SHA-256, no work limit: only for trusted input)
/// to `dataset` and returns its serialized canonical form.
pub fn canonical_nquads(mut dataset: Dataset) -> String {
    dataset.canonicalize(CanonicalizationAlgorithm::Rdfc10 {
        hash_algorithm: CanonicalizationHashAlgorithm::Sha256,
    });
    let mut lines: Vec<String> = dataset.iter().map(quad_line).collect();
    // `String`'s `Ord` compares UTF-8 bytes, which orders exactly as Unicode
    // code points — the order RDFC-1.0 §5 requires.
    lines.sort_unstable();
    lines.dedup();
    lines.concat()
}

/// One quad in canonical N-Quads form, including the trailing ` .\n`.
fn quad_line(quad: QuadRef<'_>) -> String {
    let mut out = String::with_capacity(128);
    write_quad(&mut out, quad, &mut |out, b| {
        out.push_str("_:");
        out.push_str(b.as_str());
    });
    out
}

/// Appends `quad` as one canonical N-Quads line (with ` .\n`); `blank`
/// writes each blank node (`_:` and its label), so RDFC-1.0 can substitute
/// `_:a`/`_:z` (§4.6) or canonical labels (§4.4 step 6) without rebuilding
/// the quad.
pub(super) fn write_quad(
    out: &mut String,
    quad: QuadRef<'_>,
    blank: &mut dyn FnMut(&mut String, BlankNodeRef<'_>),
) {
    match quad.subject {
        NamedOrBlankNodeRef::NamedNode(n) => iri(out, n.as_str()),
        NamedOrBlankNodeRef::BlankNode(b) => blank(out, b),
    }
    out.push(' ');
    iri(out, quad.predicate.as_str());
    out.push(' ');
    match quad.object {
        TermRef::NamedNode(n) => iri(out, n.as_str()),
        TermRef::BlankNode(b) => blank(out, b),
        TermRef::Literal(l) => literal(out, l),
    }
    match quad.graph_name {
        GraphNameRef::DefaultGraph => {}
        GraphNameRef::NamedNode(n) => {
            out.push(' ');
            iri(out, n.as_str());
        }
        GraphNameRef::BlankNode(b) => {
            out.push(' ');
            blank(out, b);
        }
    }
    out.push_str(" .\n");
}

/// `<iri>`. Valid IRIs contain none of the characters IRIREF forbids; they
/// are escaped anyway (as `\u00XX`) so a bad IRI can never break the line
/// structure that the hash depends on.
fn iri(out: &mut String, value: &str) {
    out.push('<');
    // Valid IRIs (nearly all) need no escape: copied whole.
    if !value.bytes().any(|b| {
        matches!(
            b,
            b'\0'..=b' ' | b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\'
        )
    }) {
        out.push_str(value);
        out.push('>');
        return;
    }
    for c in value.chars() {
        match c {
            '\0'..=' ' | '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('>');
}

fn literal(out: &mut String, l: LiteralRef<'_>) {
    out.push('"');
    let value = l.value();
    let escaped = |b: u8| b < 0x20 || b == 0x7F || b == b'"' || b == b'\\';
    if value.bytes().any(escaped) {
        escape_literal(out, value);
    } else {
        out.push_str(value);
    }
    out.push('"');
    if let Some(lang) = l.language() {
        out.push('@');
        out.push_str(lang);
    } else if l.datatype() != xsd::STRING {
        out.push_str("^^");
        iri(out, l.datatype().as_str());
    }
}

fn escape_literal(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0'..='\u{1F}' | '\u{7F}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::{BlankNode, GraphName, Literal, NamedNode, Quad};

    fn nn(s: &str) -> NamedNode {
        NamedNode::new(s).expect("iri")
    }

    #[test]
    fn literal_escaping_follows_canonical_form() {
        let mut ds = Dataset::new();
        ds.insert(&Quad::new(
            nn("urn:ex:s"),
            nn("urn:ex:p"),
            Literal::new_simple_literal("\u{8}\t\n\u{B}\u{C}\r\"\\\u{7F}é\u{0}"),
            GraphName::DefaultGraph,
        ));
        assert_eq!(
            canonical_nquads(ds),
            "<urn:ex:s> <urn:ex:p> \"\\b\\t\\n\\u000B\\f\\r\\\"\\\\\\u007Fé\\u0000\" .\n"
        );
    }

    #[test]
    fn datatypes_languages_graphs_and_blank_nodes() {
        let mut ds = Dataset::new();
        let b = BlankNode::new("x").expect("bnode");
        let g = BlankNode::new("g").expect("bnode");
        ds.insert(&Quad::new(
            b.clone(),
            nn("urn:ex:p"),
            Literal::new_typed_literal("1", xsd::INTEGER),
            g.clone(),
        ));
        ds.insert(&Quad::new(
            nn("urn:ex:s"),
            nn("urn:ex:q"),
            Literal::new_language_tagged_literal("hi", "en").expect("lang"),
            GraphName::DefaultGraph,
        ));
        ds.insert(&Quad::new(
            nn("urn:ex:s"),
            nn("urn:ex:r"),
            Literal::new_typed_literal("s", xsd::STRING),
            g,
        ));
        let out = canonical_nquads(ds);
        assert_eq!(
            out,
            "<urn:ex:s> <urn:ex:q> \"hi\"@en .\n\
             <urn:ex:s> <urn:ex:r> \"s\" _:c14n0 .\n\
             _:c14n1 <urn:ex:p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> _:c14n0 .\n"
        );
    }
}
