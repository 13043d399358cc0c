//! An exam result as the exam platform sends it (DESIGN.md "Exam result"). The JSON Schema in
//! `schemas/exam-result.schema.json` checks the shape; this type adds the rules a schema cannot
//! express (score within range, printable names) and is what the service works with. Holder
//! names must be visible and must not reorder the text around them (Unicode UAX #9 explicit
//! embeddings, overrides and isolates; issue 14 §5).

use super::ids::{AchievementCode, AttemptId, CandidateId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use unicode_general_category::{GeneralCategory as G, get_general_category};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExamResult {
    pub attempt_id: AttemptId,
    pub achievement: AchievementCode,
    pub candidate: Candidate,
    pub exam: Exam,
    #[serde(default)]
    pub on_missing_prerequisites: OnMissingPrerequisites,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    pub id: CandidateId,
    pub name: String,
    pub email: String,
}

/// The address never reaches a log line, even through `{:?}` of a whole exam result.
impl std::fmt::Debug for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("email", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exam {
    pub version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: OffsetDateTime,
    pub proctored: bool,
    pub score: u32,
    pub max_score: u32,
    #[serde(default)]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub name: String,
    pub score: u32,
    pub max_score: u32,
}

/// What to do with a passing result whose prerequisites the candidate does not hold yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnMissingPrerequisites {
    /// Answer 422 `prerequisites_missing` and keep nothing pending.
    #[default]
    Reject,
    /// Keep the result pending and issue it when the last prerequisite is issued.
    Hold,
}

impl ExamResult {
    /// Rules beyond the schema. Returns a message naming the offending field.
    pub fn check(&self) -> Result<(), String> {
        check_text("candidate.name", &self.candidate.name, 200)?;
        check_text("exam.version", &self.exam.version, 32)?;
        check_email(&self.candidate.email)?;
        if self.exam.score > self.exam.max_score {
            return Err(format!(
                "exam.score {} exceeds exam.max_score {}",
                self.exam.score, self.exam.max_score
            ));
        }
        for (i, s) in self.exam.sections.iter().enumerate() {
            check_text(&format!("exam.sections[{i}].name"), &s.name, 200)?;
            if s.score > s.max_score {
                return Err(format!("exam.sections[{i}].score exceeds its max_score"));
            }
        }
        Ok(())
    }

    /// The rules of [`check_holder_name`] for `candidate.name` (apart from [`Self::check`]:
    /// they answer with their own code, `invalid_name`).
    pub fn check_name(&self) -> Result<(), String> {
        check_holder_name("candidate.name", &self.candidate.name)
    }

    /// The holder's name as it will appear on the credential: trimmed, inner whitespace kept.
    pub fn holder_name(&self) -> &str {
        self.candidate.name.trim()
    }
}

/// Issue 15 §4: what a result means, independent of how it was serialized, so that a retry
/// is compared on meaning (`service/idempotency.rs`).
impl ExamResult {
    /// Defaults applied (serde fills them), `completed_at` as a UTC instant, the holder's name
    /// trimmed as issuance trims it ([`Self::holder_name`]) and the email as the identity hash
    /// normalizes it ([`normalize_email`]).
    pub fn normalized(&self) -> ExamResult {
        let mut n = self.clone();
        n.candidate.name = self.holder_name().to_owned();
        n.candidate.email = normalize_email(&self.candidate.email);
        n.exam.completed_at = self.exam.completed_at.to_offset(time::UtcOffset::UTC);
        n
    }
}

fn check_text(field: &str, text: &str, max_chars: usize) -> Result<(), String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("{field} is empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(format!("{field} is longer than {max_chars} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!("{field} contains control characters"));
    }
    Ok(())
}

/// A name printed on a credential, its pages and its PDF must show something, and must not
/// change how the text around it is ordered. Refused: names without any letter, digit,
/// punctuation or symbol (only spaces, format characters such as U+200B or U+2060, lone
/// combining marks, fillers such as U+3164 or U+FFA0, variation selectors or tags), and names
/// holding any bidirectional control: embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and also the marks U+200E, U+200F and U+061C. A name's own letters carry
/// their direction, so a real name needs none of them, while a mark still shifts neighbouring
/// numbers and punctuation where the name is printed without isolation (PDF, CLI, consumers
/// of the JSON). Joiners (U+200C, U+200D), which Persian and Indic names need, stay allowed.
pub fn check_holder_name(field: &str, name: &str) -> Result<(), String> {
    if let Some(c) = name.chars().find(|c| is_bidi_control(*c)) {
        return Err(format!(
            "{field} contains a bidirectional control character (U+{:04X})",
            u32::from(c)
        ));
    }
    if !name.chars().any(is_visible) {
        return Err(format!("{field} has no visible character"));
    }
    Ok(())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A character that puts ink on the page by itself: a letter, number, punctuation or symbol,
/// except the ones that are blank by design (Hangul fillers, the blank braille pattern).
fn is_visible(c: char) -> bool {
    let blank = matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}'
    );
    !blank
        && matches!(
            get_general_category(c),
            G::UppercaseLetter
                | G::LowercaseLetter
                | G::TitlecaseLetter
                | G::ModifierLetter
                | G::OtherLetter
                | G::DecimalNumber
                | G::LetterNumber
                | G::OtherNumber
                | G::ConnectorPunctuation
                | G::DashPunctuation
                | G::OpenPunctuation
                | G::ClosePunctuation
                | G::InitialPunctuation
                | G::FinalPunctuation
                | G::OtherPunctuation
                | G::MathSymbol
                | G::CurrencySymbol
                | G::ModifierSymbol
                | G::OtherSymbol
        )
}

fn check_email(email: &str) -> Result<(), String> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err("candidate.email is not an email address".into())
    }
}

/// Normalizes an address before hashing so that case differences do not change the identity
/// hash: a verifier hashing what the holder typed gets the same value.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "attempt_id": "EXM-2026-000123", "achievement": "mlops-professional",
            "candidate": {"id": "cand-8812", "name": "Zoë Ångström", "email": "zoe@example.com"},
            "exam": {"version": "2026.1", "completed_at": "2026-11-20T14:03:00Z", "proctored": true,
                     "score": 812, "max_score": 1000,
                     "sections": [{"name": "Hands-on lab: pipeline", "score": 85, "max_score": 100}]}
        })
    }

    #[test]
    fn design_sample_parses_and_checks() {
        let r: ExamResult = serde_json::from_value(sample()).unwrap();
        r.check().unwrap();
        assert_eq!(r.on_missing_prerequisites, OnMissingPrerequisites::Reject);
    }

    #[test]
    fn debug_output_never_shows_the_email() {
        let r: ExamResult = serde_json::from_value(sample()).unwrap();
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("zoe@example.com") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn normalization_keeps_meaning_and_drops_spelling() {
        let a: ExamResult = serde_json::from_value(sample()).unwrap();
        let mut v = sample();
        v["candidate"]["name"] = " Zoë Ångström  ".into();
        v["candidate"]["email"] = "Zoe@Example.com".into();
        v["exam"]["completed_at"] = "2026-11-20T15:03:00.000+01:00".into();
        v["on_missing_prerequisites"] = "reject".into();
        let b: ExamResult = serde_json::from_value(v).unwrap();
        let (a, b) = (a.normalized(), b.normalized());
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap()
        );
    }

    #[test]
    fn rules_beyond_the_schema() {
        let mut v = sample();
        v["exam"]["score"] = 1001.into();
        let r: ExamResult = serde_json::from_value(v).unwrap();
        assert!(r.check().unwrap_err().contains("exceeds"));
        let mut v = sample();
        v["candidate"]["email"] = "no-at-sign".into();
        let r: ExamResult = serde_json::from_value(v).unwrap();
        assert!(r.check().is_err());
        let mut v = sample();
        v["candidate"]["name"] = "  ".into();
        let r: ExamResult = serde_json::from_value(v).unwrap();
        assert!(r.check().is_err());
    }

    #[test]
    fn names_must_be_visible_and_free_of_bidi_controls() {
        for good in [
            "Zoë Ångström",
            "محمد علي",
            "\u{05D3}\u{05D5}\u{05D3}",
            "می\u{200C}خواهم",
            "李小龍",
            "O'Neil-Smith Jr.",
            "e\u{0301}",
        ] {
            assert_eq!(check_holder_name("n", good), Ok(()), "{good:?}");
        }
        for blank in [
            " ",
            "\u{200B}",
            "\u{2060}\u{200B} ",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "\u{FE0F}",
            "\u{E0041}\u{E0042}",
            "\u{0301}\u{0302}",
            "\u{2800}",
            "\u{00AD}",
            "\u{3000}\u{2028}",
        ] {
            let err = check_holder_name("n", blank).unwrap_err();
            assert!(err.contains("no visible character"), "{blank:?}: {err}");
        }
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let err = check_holder_name("n", &format!("Eve{c}Mallory")).unwrap_err();
            assert!(err.contains("bidirectional"), "{c:?}: {err}");
        }
    }
}
