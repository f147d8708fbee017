//! The `truce` command line: argument parsing and the output of each subcommand.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::scenario::{self, Scenario};

/// Exit code for invalid input (a bad scenario; clap uses it for bad arguments too).
pub const EXIT_INVALID: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "truce",
    version,
    about = "Negotiate a peacekeeping force, then see whether the ceasefire holds."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate scenario files and report every problem with its place (the built-in scenario if
    /// no file is given). Exits 0 when all are valid, 2 otherwise.
    Check {
        /// Scenario files (RON).
        files: Vec<PathBuf>,
    },
}

/// Parses the process arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files } => check(&files),
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let mut failed = 0usize;
    let targets: Vec<Option<&PathBuf>> = if files.is_empty() {
        vec![None]
    } else {
        files.iter().map(Some).collect()
    };
    for target in targets {
        let name = target.map_or(scenario::BUILTIN_FILE.to_string(), |p| {
            p.display().to_string()
        });
        // Output errors (a closed pipe) are ignored: the exit code still tells the result.
        match scenario::load(target.map(PathBuf::as_path)) {
            Ok(s) => {
                let _ = writeln!(out, "ok: {name}: {}", summary(&s));
            }
            Err(e) => {
                failed += 1;
                let n = e.diagnostics.len();
                let _ = writeln!(err, "{e}");
                let _ = writeln!(err, "{name}: {n} error{}\n", if n == 1 { "" } else { "s" });
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    }
}

/// One line that says what a scenario holds.
pub fn summary(s: &Scenario) -> String {
    format!(
        "{} — {} nations, {} institutions, {} sectors, {} km, {} contingents, {} turns of {} days",
        s.id,
        s.nations.len(),
        s.institutions.len(),
        s.line.sectors.len(),
        s.line.length_km,
        s.contingents.len(),
        s.turns,
        s.turn_days
    )
}
