//! Reading the catalog's TOML file (`assets/catalog.toml` or the operator's `catalog` file):
//! the raw form as written, checked into the program's types with the line of each mistake.

use super::{Achievement, Catalog, CatalogError, Level, Program, Track};
use crate::domain::colour::Colour;
use crate::domain::ids::AchievementCode;
use crate::domain::validity::Validity;
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    program: RawProgram,
    #[serde(rename = "level")]
    levels: Vec<RawLevel>,
    #[serde(rename = "track")]
    tracks: Vec<Spanned<RawTrack>>,
    #[serde(rename = "achievement")]
    achievements: Vec<Spanned<RawAchievement>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    name: String,
    framework: String,
    #[serde(default = "default_program_colour")]
    badge_colour: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: String,
    name: String,
    rank: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrack {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_track_colour")]
    colour: String,
}

fn default_program_colour() -> String {
    "#0b3d5c".into()
}
fn default_track_colour() -> String {
    "#2f6f9f".into()
}
fn default_true() -> bool {
    true
}
fn default_pass_mark() -> u32 {
    700
}
fn default_max_score() -> u32 {
    1000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAchievement {
    code: String,
    name: String,
    track: String,
    level: String,
    description: String,
    criteria: String,
    #[serde(default)]
    skills: Vec<String>,
    #[serde(default)]
    prerequisites: Vec<String>,
    valid_for: String,
    #[serde(default = "default_pass_mark")]
    pass_mark: u32,
    #[serde(default = "default_max_score")]
    max_score: u32,
    #[serde(default = "default_true")]
    show_score: bool,
    #[serde(default = "default_true")]
    expired_prerequisites_count: bool,
    #[serde(default)]
    exam_versions: Vec<String>,
}

impl Catalog {
    pub fn parse(text: &str, source_name: &str) -> Result<Self, CatalogError> {
        let fail = |line: Option<usize>, message: String| CatalogError {
            source_name: source_name.to_owned(),
            line,
            message,
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            fail(line, e.message().to_owned())
        })?;
        let levels: Vec<Level> = raw
            .levels
            .into_iter()
            .map(|l| Level {
                id: l.id,
                name: l.name,
                rank: l.rank,
            })
            .collect();
        let tracks: Vec<Track> = raw
            .tracks
            .into_iter()
            .map(|spanned| {
                let line = Some(line_of(text, spanned.span().start));
                let t = spanned.into_inner();
                let colour = Colour::parse(&t.colour)
                    .map_err(|m| fail(line, format!("track `{}`: {m}", t.id)))?;
                Ok(Track {
                    id: t.id,
                    name: t.name,
                    description: t.description,
                    colour,
                })
            })
            .collect::<Result<_, CatalogError>>()?;
        let badge_colour = Colour::parse(&raw.program.badge_colour)
            .map_err(|m| fail(None, format!("program badge_colour: {m}")))?;
        let mut achievements = Vec::new();
        let mut lines = Vec::new();
        let mut by_code = HashMap::new();
        for spanned in raw.achievements {
            let line = Some(line_of(text, spanned.span().start));
            let a = spanned.into_inner();
            let named = |m: String| fail(line, format!("achievement `{}`: {m}", a.code));
            let code = AchievementCode::parse(&a.code).map_err(|e| named(e.to_string()))?;
            let track = tracks
                .iter()
                .find(|t| t.id == a.track)
                .cloned()
                .ok_or_else(|| named(format!("unknown track `{}`", a.track)))?;
            let level = levels
                .iter()
                .find(|l| l.id == a.level)
                .cloned()
                .ok_or_else(|| named(format!("unknown level `{}`", a.level)))?;
            let validity =
                Validity::parse(&a.valid_for).map_err(|m| named(format!("valid_for {m}")))?;
            if a.max_score == 0 {
                return Err(named("max_score must be positive".into()));
            }
            if a.pass_mark > a.max_score {
                return Err(named(format!(
                    "pass_mark {} is outside the score range 0..={}",
                    a.pass_mark, a.max_score
                )));
            }
            if a.name.trim().is_empty() {
                return Err(named("name is empty".into()));
            }
            let prerequisites = a
                .prerequisites
                .iter()
                .map(|p| AchievementCode::parse(p).map_err(|e| named(e.to_string())))
                .collect::<Result<Vec<_>, _>>()?;
            if by_code.insert(code.clone(), achievements.len()).is_some() {
                return Err(named("code is defined twice".into()));
            }
            lines.push(line);
            achievements.push(Achievement {
                code,
                name: a.name,
                description: a.description,
                criteria: a.criteria,
                skills: a.skills,
                track,
                level,
                prerequisites,
                validity,
                pass_mark: a.pass_mark,
                max_score: a.max_score,
                show_score: a.show_score,
                expired_prerequisites_count: a.expired_prerequisites_count,
                exam_versions: a.exam_versions,
            });
        }
        for (a, line) in achievements.iter().zip(&lines) {
            for p in &a.prerequisites {
                if !by_code.contains_key(p) {
                    return Err(fail(
                        *line,
                        format!("achievement `{}`: unknown prerequisite `{p}`", a.code),
                    ));
                }
            }
        }
        let catalog = Catalog {
            program: Program {
                name: raw.program.name,
                framework: raw.program.framework,
                badge_colour,
            },
            levels,
            tracks,
            achievements,
            by_code,
        };
        if let Some(cycle) = catalog.find_cycle() {
            let start = catalog.by_code[&cycle[0]];
            let path: Vec<&str> = cycle.iter().map(AchievementCode::as_str).collect();
            return Err(fail(
                lines[start],
                format!("prerequisite cycle: {}", path.join(" → ")),
            ));
        }
        Ok(catalog)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
