//! Scenario files: the RON format, loading with path-and-position errors, and validation.

pub mod diagnostic;
pub mod locate;
pub mod model;
pub mod overrides;
pub mod validate;

use std::path::Path;

use bevy::prelude::*;

pub use diagnostic::{Diagnostic, ScenarioError};
pub use model::Scenario;

use locate::{Locator, Position};

/// Largest scenario file accepted; the shipped ones are a few tens of KiB.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Most problems listed for one file.
pub const MAX_DIAGNOSTICS: usize = 200;
/// How deeply RON values may nest. Real scenarios need about ten levels; the limit keeps hostile
/// files from exhausting the stack.
pub const MAX_NESTING: usize = 64;

/// The scenario used when a command is given none.
pub const BUILTIN_NAME: &str = "ukraine_2026";
const BUILTIN_SOURCE: &str = include_str!("../../scenarios/ukraine_2026.ron");

/// The built-in scenario's file name as shown in messages.
pub const BUILTIN_FILE: &str = "<built-in ukraine_2026>";

/// Parses and validates the built-in scenario.
pub fn builtin() -> Result<Scenario, ScenarioError> {
    parse(BUILTIN_FILE, BUILTIN_SOURCE.as_bytes())
}

/// Loads and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let bytes = read_file(path)?;
    parse(&path.display().to_string(), &bytes)
}

/// A scenario (a file, or the built-in one for `None`) with the SHA-256 of its source, which
/// names exactly what an analysis ran on.
pub fn load_with_sha256(name: Option<&Path>) -> Result<(Scenario, String), ScenarioError> {
    use sha2::{Digest, Sha256};
    let (file, bytes) = match name {
        Some(p) => (p.display().to_string(), read_file(p)?),
        None => (BUILTIN_FILE.to_string(), BUILTIN_SOURCE.as_bytes().to_vec()),
    };
    let scenario = parse(&file, &bytes)?;
    let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok((scenario, hash))
}

/// A scenario file's bytes, refused with a clear error if it is a directory or too large.
fn read_file(path: &Path) -> Result<Vec<u8>, ScenarioError> {
    let file = path.display().to_string();
    let meta =
        std::fs::metadata(path).map_err(|e| ScenarioError::whole_file(&file, format!("cannot read the file: {e}")))?;
    if meta.is_dir() {
        return Err(ScenarioError::whole_file(&file, "this is a directory, not a scenario file"));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(too_large(&file, meta.len()));
    }
    std::fs::read(path).map_err(|e| ScenarioError::whole_file(&file, format!("cannot read the file: {e}")))
}

/// Loads `name` as a path, or the built-in scenario when `name` is `None`.
pub fn load(name: Option<&Path>) -> Result<Scenario, ScenarioError> {
    match name {
        Some(p) => load_file(p),
        None => builtin(),
    }
}

fn too_large(file: &str, len: u64) -> ScenarioError {
    ScenarioError::whole_file(
        file,
        format!("the file is {len} bytes; scenario files may be at most {MAX_FILE_BYTES} bytes"),
    )
}

/// Parses and validates scenario text; `file` names it in messages.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Scenario, ScenarioError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(file, bytes.len() as u64));
    }
    let src = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let prefix = String::from_utf8_lossy(good);
            let pos = end_position(&prefix);
            let bad = bytes[e.valid_up_to()];
            let message = format!("the file is not UTF-8 text: byte 0x{bad:02x} cannot start or continue a character");
            return Err(ScenarioError {
                file: file.to_string(),
                diagnostics: vec![Diagnostic::new(&prefix, pos, "", message)],
            });
        }
    };
    // Editors on Windows may start the file with a byte-order mark; it is not part of the RON.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    if src.trim().is_empty() {
        return Err(ScenarioError::whole_file(file, "the file is empty; a scenario starts with `Scenario(`"));
    }
    let scenario = deserialize(file, src)?;
    let problems = validate::validate(&scenario);
    if problems.is_empty() {
        return Ok(scenario);
    }
    // A file broken everywhere gets its first problems and a count of the rest.
    let total = problems.len();
    let problems: Vec<_> = problems.into_iter().take(MAX_DIAGNOSTICS).collect();
    let locator = Locator::new(src);
    let mut diagnostics: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| {
            let pos = locator.find(&p.path).unwrap_or(Position { line: 1, col: 1 });
            Diagnostic::new(src, pos, &p.path, p.message)
        })
        .collect();
    // In file order, as an author reads; the sort is stable, so ties keep the checker's order.
    diagnostics.sort_by_key(|d| (d.line, d.col));
    if total > MAX_DIAGNOSTICS {
        let last = diagnostics.last().map_or(Position { line: 1, col: 1 }, |d| Position { line: d.line, col: d.col });
        let more = format!("{} more problems not shown; fix these first", total - MAX_DIAGNOSTICS);
        diagnostics.push(Diagnostic::new(src, last, "", more));
    }
    Err(ScenarioError { file: file.to_string(), diagnostics })
}

fn deserialize(file: &str, src: &str) -> Result<Scenario, ScenarioError> {
    let options = ron::Options::default().with_recursion_limit(MAX_NESTING);
    let syntax = |e: ron::error::SpannedError, path: &str| {
        let pos = Position { line: e.span.start.line.max(1), col: e.span.start.col.max(1) };
        ScenarioError { file: file.to_string(), diagnostics: vec![Diagnostic::new(src, pos, path, explain(&e.code))] }
    };
    let mut de = ron::Deserializer::from_str_with_options(src, &options).map_err(|e| syntax(e, ""))?;
    let result: Result<Scenario, _> = serde_path_to_error::deserialize(&mut de);
    let scenario = match result {
        Ok(s) => s,
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let spanned = de.span_error(e.into_inner());
            return Err(syntax(spanned, &path));
        }
    };
    de.end().map_err(|e| syntax(de.span_error(e), ""))?;
    Ok(scenario)
}

/// RON's message for `code`, reworded where the original would puzzle a scenario author.
fn explain(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::Eof => "the file ends too early: a bracket, value or closing parenthesis is missing".to_string(),
        E::ExceededRecursionLimit => {
            format!("values are nested more than {MAX_NESTING} levels deep")
        }
        E::ExpectedComma => "expected a comma `,` between items, or a closing bracket".to_string(),
        E::TrailingCharacters => "unexpected text after the end of the scenario".to_string(),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// Line and column just past the end of `text`.
fn end_position(text: &str) -> Position {
    let line = 1 + text.matches('\n').count();
    let col = 1 + text.rsplit('\n').next().map_or(0, |l| l.chars().count());
    Position { line, col }
}

/// The scenario a game is built from, validated.
#[derive(Resource, Clone, Debug)]
pub struct ActiveScenario(pub Scenario);

/// Makes a validated scenario available to the app as [`ActiveScenario`].
pub struct ScenarioPlugin {
    pub scenario: Scenario,
}

impl Plugin for ScenarioPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(ActiveScenario(self.scenario.clone()));
    }
}
