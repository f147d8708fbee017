//! The real `truce` binary in a pseudo-terminal, as a person at a terminal runs it: what it draws,
//! read back as a screen of text (vt100), and keys typed into it.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// What the program drew, as a terminal shows it.
pub struct Screen {
    pub parser: vt100::Parser,
    bytes: Receiver<Vec<u8>>,
}

impl Screen {
    /// Takes in everything drawn so far.
    pub fn take(&mut self) {
        while let Ok(b) = self.bytes.try_recv() {
            self.parser.process(&b);
        }
    }

    pub fn text(&mut self) -> String {
        self.take();
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `what`; panics with the screen after `timeout`.
    pub fn wait_for(&mut self, what: &str, timeout: Duration) -> String {
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

/// The running program, its screen and its keyboard.
pub struct Terminal {
    pub child: Box<dyn Child + Send + Sync>,
    pub screen: Screen,
    pub keys: Box<dyn Write + Send>,
}

/// Runs `truce ARGS` in a terminal of `rows` × `cols` (in `dir` if given).
pub fn run_in_terminal(args: &[&str], rows: u16, cols: u16, dir: Option<&std::path::Path>) -> Terminal {
    let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_truce"));
    cmd.args(args);
    if let Some(dir) = dir {
        cmd.cwd(dir);
    }
    cmd.env("TERM", "xterm-256color");
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let keys = pair.master.take_writer().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    Terminal { child, screen: Screen { parser: vt100::Parser::new(rows, cols, 0), bytes: rx }, keys }
}
