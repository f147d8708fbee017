//! The real `truce serve` binary on loopback, for attacks that must meet the process itself:
//! its codes, its pid (to read its memory and threads), raw TCP and HTTP to its port.

use std::io::{BufRead, BufReader, Read, Write};

use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// A server process, killed and reaped however the test ends.
pub struct Served {
    pub child: Child,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub codes: serde_json::Value,
    pub stdin: Option<ChildStdin>,
    /// Lines the server printed on stdout.
    pub lines: Receiver<String>,
}

pub fn tutorial() -> String {
    format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"))
}

pub fn free_port() -> u16 {
    loop {
        let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Served {
    /// A new game of the tutorial in `dir` (which must not hold one), plus `extra` arguments.
    pub fn new_game(dir: &Path, extra: &[&str]) -> Served {
        let codes = dir.with_extension("codes.json");
        let mut args = vec![
            "serve".to_string(),
            tutorial(),
            "--game-dir".into(),
            dir.display().to_string(),
            "--codes-json".into(),
            codes.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Served::spawn(&args, dir, &codes, None).expect("the server starts")
    }

    /// Resumes the game in `dir` on `port`; `Err` with what the binary printed if it refuses.
    pub fn resume(dir: &Path, port: u16) -> Result<Served, String> {
        let args = ["serve", "--resume", &dir.display().to_string(), "--bind", &format!("127.0.0.1:{port}")]
            .map(str::to_string);
        Served::spawn(&args, dir, &dir.with_extension("codes.json"), Some(port))
    }

    /// Starts the binary and waits until it says it is ready, or fails.
    pub fn spawn(args: &[String], dir: &Path, codes: &Path, port: Option<u16>) -> Result<Served, String> {
        let port = port.unwrap_or_else(free_port);
        let mut all: Vec<String> = args.to_vec();
        if !all.iter().any(|a| a == "--bind") {
            all.extend(["--bind".to_string(), format!("127.0.0.1:{port}")]);
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_truce"));
        command.args(&all);
        Served::launch(command, dir, codes, port)
    }

    /// Starts `command` (which runs the server on `port`, perhaps through a shell) and waits
    /// until it says it is ready, or fails.
    pub fn launch(mut command: Command, dir: &Path, codes: &Path, port: u16) -> Result<Served, String> {
        // Its log goes to a file, so that a chatty server never blocks on a full pipe.
        let log = dir.with_extension(format!("{port}.log"));
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the binary runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let err = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("exit {status}: {err}"));
            }
            match lines.recv_timeout(Duration::from_millis(50)) {
                Ok(line) if line.contains("Type `help`") => break,
                _ => {}
            }
            assert!(Instant::now() < deadline, "the server did not get ready");
        }
        let codes: serde_json::Value = std::fs::read_to_string(codes)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        let addr = format!("127.0.0.1:{port}").parse().unwrap();
        Ok(Served { child, addr, dir: dir.to_path_buf(), codes, stdin, lines })
    }

    pub fn code(&self, who: &str) -> String {
        self.codes[who].as_str().expect("a code").to_string()
    }

    /// Types a line at the server's console.
    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a console line containing `text`.
    pub fn wait_line(&self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(50))
                && line.contains(text)
            {
                return line;
            }
        }
        panic!("the server never printed {text:?}");
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn proc_status(&self, field: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        text.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.proc_status("VmRSS:")
    }

    pub fn threads(&self) -> u64 {
        self.proc_status("Threads:")
    }

    /// `POST /join` with `code`, from 127.0.0.1: the status and how long it took.
    pub fn join(&self, code: &str) -> (u16, Duration) {
        let started = Instant::now();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let status = agent
            .post(format!("http://{}/join", self.addr))
            .send_json(serde_json::json!({ "code": code }))
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        (status, started.elapsed())
    }

    /// Asserts that the process is alive and answers joins promptly.
    pub fn assert_serving(&mut self, code: &str) {
        assert!(self.alive(), "the server died");
        let (status, took) = self.join(code);
        assert_eq!(status, 200, "a right code is answered");
        assert!(took < Duration::from_secs(2), "joining took {took:?}");
    }

    /// Stops the server as the facilitator's `quit` does, and waits for it.
    pub fn quit(mut self) {
        self.type_line("quit");
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.alive() {
            assert!(Instant::now() < deadline, "the server did not quit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to `to` from the loopback address `from` (127.0.0.x), so that tests can be
/// several addresses at once.
pub fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(from, 0).into())?;
    socket.connect_timeout(&to.into(), Duration::from_secs(2))?;
    Ok(socket.into())
}

/// Sends `request` on a fresh connection and reads the status line of the answer (0 if the
/// connection closed without one).
pub fn raw_status(to: SocketAddr, request: &[u8]) -> u16 {
    let Ok(mut stream) = TcpStream::connect(to) else { return 0 };
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = stream.write_all(request);
    read_status(&mut stream)
}

/// The status code of the next answer on `stream` (0 if none comes).
pub fn read_status(stream: &mut TcpStream) -> u16 {
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while got.len() < 12 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    std::str::from_utf8(&got).ok().and_then(|s| s.get(9..12)).and_then(|s| s.parse().ok()).unwrap_or(0)
}
