//! The real `truce` binary, run from the checkout as a user runs it.

use std::process::{Command, Output};

pub fn truce(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the truce binary runs")
}

/// Runs `truce`, which must succeed, and returns what it printed.
pub fn ok(args: &[&str]) -> String {
    let out = truce(args);
    assert!(out.status.success(), "truce {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into()
}
