//! The certification program: tracks, levels and achievements with their prerequisites,
//! validity and pass marks. Loaded from a data file and validated as a whole at start-up, so a
//! running server never meets an unknown code or a prerequisite cycle.

use super::colour::Colour;
use super::ids::AchievementCode;
use super::validity::Validity;
use std::collections::{BTreeMap, HashMap};

mod source;

pub const DEFAULT_CATALOG: &str = include_str!("../../assets/catalog.toml");

#[derive(Debug, thiserror::Error)]
#[error("catalog {source_name}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct CatalogError {
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub name: String,
    pub framework: String,
    /// The frame of every badge image (the program's colour).
    pub badge_colour: Colour,
}

#[derive(Debug, Clone)]
pub struct Level {
    pub id: String,
    pub name: String,
    /// Position on the main ladder (1 = entry); specialist levels have none.
    pub rank: Option<u8>,
}

impl Level {
    pub fn label(&self) -> String {
        match self.rank {
            Some(rank) => format!("{} (level {rank})", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Track {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The centre of this track's badge images.
    pub colour: Colour,
}

#[derive(Debug, Clone)]
pub struct Achievement {
    pub code: AchievementCode,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub skills: Vec<String>,
    pub track: Track,
    pub level: Level,
    pub prerequisites: Vec<AchievementCode>,
    pub validity: Validity,
    pub pass_mark: u32,
    pub max_score: u32,
    pub show_score: bool,
    /// Whether an expired (but not revoked or suspended) prerequisite still satisfies the rule.
    pub expired_prerequisites_count: bool,
    /// Exam versions accepted for this achievement; empty means any.
    pub exam_versions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub program: Program,
    pub levels: Vec<Level>,
    pub tracks: Vec<Track>,
    achievements: Vec<Achievement>,
    by_code: HashMap<AchievementCode, usize>,
}

impl Catalog {
    /// The built-in default program.
    pub fn default_program() -> Result<Self, CatalogError> {
        Self::parse(DEFAULT_CATALOG, "(built-in)")
    }

    pub fn get(&self, code: &AchievementCode) -> Option<&Achievement> {
        self.by_code.get(code).map(|&i| &self.achievements[i])
    }

    pub fn find(&self, code: &str) -> Option<&Achievement> {
        AchievementCode::parse(code).ok().and_then(|c| self.get(&c))
    }

    pub fn achievements(&self) -> &[Achievement] {
        &self.achievements
    }

    /// Achievements that list `code` as a direct prerequisite ("what comes next").
    pub fn next_steps(&self, code: &AchievementCode) -> Vec<&Achievement> {
        self.achievements
            .iter()
            .filter(|a| a.prerequisites.contains(code))
            .collect()
    }

    /// Depth-first search over prerequisite edges; returns a cycle as a closed path.
    fn find_cycle(&self) -> Option<Vec<AchievementCode>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        fn visit(
            c: &Catalog,
            i: usize,
            marks: &mut [Mark],
            stack: &mut Vec<usize>,
        ) -> Option<Vec<AchievementCode>> {
            marks[i] = Mark::Active;
            stack.push(i);
            for p in &c.achievements[i].prerequisites {
                let j = c.by_code[p];
                match marks[j] {
                    Mark::Active => {
                        let from = stack.iter().position(|&k| k == j).unwrap_or(0);
                        let mut cycle: Vec<_> = stack[from..]
                            .iter()
                            .map(|&k| c.achievements[k].code.clone())
                            .collect();
                        cycle.push(c.achievements[j].code.clone());
                        return Some(cycle);
                    }
                    Mark::New => {
                        if let Some(cycle) = visit(c, j, marks, stack) {
                            return Some(cycle);
                        }
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            marks[i] = Mark::Done;
            None
        }
        let mut marks = vec![Mark::New; self.achievements.len()];
        (0..self.achievements.len()).find_map(|i| {
            (marks[i] == Mark::New)
                .then(|| visit(self, i, &mut marks, &mut Vec::new()))
                .flatten()
        })
    }

    /// Codes grouped by track, in file order: what `/catalog` shows.
    pub fn by_track(&self) -> BTreeMap<&str, Vec<&Achievement>> {
        let mut map: BTreeMap<&str, Vec<&Achievement>> = BTreeMap::new();
        for a in &self.achievements {
            map.entry(a.track.id.as_str()).or_default().push(a);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_program_loads_with_its_lineage() {
        let c = Catalog::default_program().unwrap();
        assert_eq!(c.achievements().len(), 7);
        let pro = c.find("mlops-professional").unwrap();
        assert_eq!(pro.prerequisites[0].as_str(), "mlops-foundation");
        assert_eq!(pro.pass_mark, 700);
        assert_eq!(pro.validity.to_string(), "2 years");
        assert_eq!(
            c.find("aiops-specialist").unwrap().prerequisites[0].as_str(),
            "mlops-professional"
        );
        assert_eq!(
            c.find("mlops-foundation").unwrap().level.label(),
            "Entry (level 1)"
        );
    }

    fn with_extra(extra: &str) -> String {
        format!("{DEFAULT_CATALOG}\n{extra}")
    }

    #[test]
    fn unknown_prerequisite_is_refused_naming_the_line() {
        let text = with_extra(
            "[[achievement]]\ncode = \"x\"\nname = \"X\"\ntrack = \"mlops\"\nlevel = \"entry\"\ndescription = \"d\"\ncriteria = \"c\"\nvalid_for = \"1 year\"\nprerequisites = [\"nope\"]\n",
        );
        let err = Catalog::parse(&text, "t.toml").unwrap_err();
        assert!(err.message.contains("unknown prerequisite `nope`"), "{err}");
        assert!(err.line.unwrap() > DEFAULT_CATALOG.lines().count());
    }

    #[test]
    fn cycles_and_bad_values_are_refused() {
        let cyclic = DEFAULT_CATALOG.replacen(
            "prerequisites = []",
            "prerequisites = [\"mlops-advanced\"]",
            1,
        );
        let err = Catalog::parse(&cyclic, "t.toml").unwrap_err();
        assert!(err.message.contains("cycle"), "{err}");
        let bad_mark = DEFAULT_CATALOG.replacen(
            "valid_for = \"3 years\"",
            "valid_for = \"3 years\"\npass_mark = 1001",
            1,
        );
        assert!(
            Catalog::parse(&bad_mark, "t")
                .unwrap_err()
                .message
                .contains("pass_mark")
        );
        let bad_validity = DEFAULT_CATALOG.replacen("\"3 years\"", "\"0 years\"", 1);
        assert!(
            Catalog::parse(&bad_validity, "t")
                .unwrap_err()
                .message
                .contains("valid_for")
        );
        let typo = DEFAULT_CATALOG.replacen(
            "valid_for = \"3 years\"",
            "valid_for = \"3 years\"\npassmark = 1",
            1,
        );
        assert!(Catalog::parse(&typo, "t").unwrap_err().line.is_some());
    }
}
