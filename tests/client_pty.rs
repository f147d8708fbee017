//! `truce solo` end to end, in a pseudo-terminal as a person would use it: the screen shows the
//! chosen nation and the turn; an order is built and locked by keystrokes; the turn resolves;
//! the quit key leaves cleanly.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
}

impl Screen {
    fn text(&mut self) -> String {
        while let Ok(b) = self.bytes.try_recv() {
            self.parser.process(&b);
        }
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `what`; panics with the screen after `timeout`.
    fn wait_for(&mut self, what: &str, timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        loop {
            let t = self.text();
            if t.contains(what) {
                return t;
            }
            assert!(Instant::now() < end, "the screen never showed {what:?}; it shows:\n{t}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn solo_starts_takes_an_order_by_keystrokes_resolves_the_turn_and_quits() {
    let dir = tempfile::tempdir().unwrap();
    let pty = native_pty_system();
    let pair = pty.openpty(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 }).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_truce"));
    let tutorial = format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"));
    cmd.args(["solo", &tutorial, "--as", "UKRAINE"]);
    cmd.cwd(dir.path());
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut keys = pair.master.take_writer().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Screen { parser: vt100::Parser::new(24, 80, 0), bytes: rx };
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
