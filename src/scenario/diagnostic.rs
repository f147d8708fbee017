//! Errors in scenario files, worded for the person who has to fix them.

use std::fmt;

use super::locate::Position;

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// Where the value sits in the document (`nations[3].relations.rus`); empty for syntax errors
    /// that have no path.
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// The offending line of the file (up to 60 characters either side of the column), for
    /// showing under the message.
    #[serde(skip)]
    pub source_line: String,
    /// Where the column falls in `source_line`, counted in characters from 0.
    #[serde(skip)]
    pub caret: usize,
}

/// Every problem found in one scenario file.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScenarioError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioError {
    /// An error about the file as a whole (unreadable, too large), placed at 1:1.
    pub fn whole_file(file: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: file.to_string(),
            diagnostics: vec![Diagnostic {
                path: String::new(),
                line: 1,
                col: 1,
                message: message.into(),
                source_line: String::new(),
                caret: 0,
            }],
        }
    }
}

impl Diagnostic {
    /// A diagnostic at `pos` of `src`, keeping the offending line for display.
    pub fn new(src: &str, pos: Position, path: &str, message: impl Into<String>) -> Diagnostic {
        // Only a window of the line is kept: a minified file may be one line of megabytes.
        let line = src.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
        let col = pos.col.saturating_sub(1);
        let start = col.saturating_sub(60);
        let source_line: String = line.chars().skip(start).take(col - start + 60).collect();
        let caret = (col - start).min(source_line.chars().count());
        Diagnostic { path: path.to_string(), line: pos.line, col: pos.col, message: message.into(), source_line, caret }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, d) in self.diagnostics.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {}:{}:{}: ", self.file, d.line, d.col)?;
            if !d.path.is_empty() {
                write!(f, "{}: ", d.path)?;
            }
            write!(f, "{}", d.message)?;
            if !d.source_line.is_empty() {
                // Show the line with a caret under the column; long lines are cut around it.
                let shown: String = d.source_line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
                let gutter = d.line.to_string();
                let pad = " ".repeat(gutter.len());
                write!(f, "\n {pad} |\n {gutter} | {shown}\n {pad} | {}^", " ".repeat(d.caret))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
