//! `examples/bot.py`, the bot a third party would write from the docs (standard library and the
//! `websockets` package), plays Ukraine's seat of a whole tutorial game against the real
//! `truce serve` binary, over the WebSocket.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::served::Served;

#[test]
fn the_python_bot_plays_a_whole_game() {
    let root = tempfile::tempdir().unwrap();
    let commands = root.path().join("commands");
    std::fs::write(&commands, "wait-players 1\nstart\n").unwrap();
    let dir = root.path().join("game");
    let commands = commands.display().to_string();
    let served = Served::new_game(&dir, &["--turn-seconds", "0", "--commands", &commands]);
    let bot = format!("{}/examples/bot.py", env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let out = Command::new("python3")
        .args([&bot, &format!("http://{}", served.addr), &served.code("ukr"), "test bot"])
        .output()
        .expect("python3 runs (the tests need Python 3 with `pip install websockets`; .ci/run installs it)");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!stderr.contains("No module named 'websockets'"), "the bot needs `pip install websockets`: {stderr}");
    assert!(out.status.success(), "the bot failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("joined as player ukr"), "{stdout}");
    assert!(stdout.contains("turn 8:") && stdout.contains("game over:"), "{stdout}");
    assert!(stdout.contains("Ukraine:"), "the debrief ranks the seat: {stdout}");
    assert!(started.elapsed() < Duration::from_secs(120));
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert!(journal.lines().filter(|l| l.contains("\"Lock\"")).count() >= 8, "the bot locked every turn");
    let lines = std::fs::read_to_string(&bot).unwrap().lines().count();
    assert!(lines <= 200, "the example stays short enough to read: {lines} lines");
}
