//! `truce solo` end to end, in a pseudo-terminal as a person would use it: the screen shows the
//! chosen nation and the turn; an order is built and locked by keystrokes; the turn resolves;
//! the quit key leaves cleanly.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use support::pty::run_in_terminal;

#[test]
fn solo_starts_takes_an_order_by_keystrokes_resolves_the_turn_and_quits() {
    let dir = tempfile::tempdir().unwrap();
    let tutorial = format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"));
    let term = run_in_terminal(&["solo", &tutorial, "--as", "UKRAINE"], 24, 80, Some(dir.path()));
    let (mut child, mut screen, mut keys) = (term.child, term.screen, term.keys);
    let mut press = |s: &str| {
        keys.write_all(s.as_bytes()).unwrap();
        keys.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    };

    // Playing within seconds: the nation and the first turn's orders phase.
    let t = screen.wait_for("Turn 1/8", Duration::from_secs(30));
    assert!(t.contains("Ukraine"), "{t}");
    assert!(t.contains("the orders phase"), "{t}");

    // n, the second kind (a public statement), a text, Enter.
    press("n");
    screen.wait_for("what kind?", Duration::from_secs(10));
    press("\x1b[B");
    press("\r");
    screen.wait_for("Statement", Duration::from_secs(10));
    press("Kyiv holds");
    press("\r");
    screen.wait_for("accepted as order", Duration::from_secs(10));
    let t = screen.wait_for("statement: Kyiv holds", Duration::from_secs(10));
    assert!(t.contains("open (l to lock)"), "{t}");

    // Lock: every other seat is a bot, so the turn resolves at once.
    press("l");
    let t = screen.wait_for("Turn 2/8", Duration::from_secs(30));
    assert!(t.contains("Ukraine"), "{t}");

    // Quit cleanly.
    press("q");
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "the client did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    // The game it played is on disk.
    let games = std::fs::read_dir(dir.path().join("truce-games")).unwrap().count();
    assert_eq!(games, 1);
}
