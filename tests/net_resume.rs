//! Nothing lost: the real `truce serve` binary is killed (SIGKILL) at a dozen random moments of a
//! scripted networked game and resumed each time with `--resume`; the final state hash equals
//! that of the same game played without interruption. The same holds for clients on the
//! WebSocket, rejoining as a browser does (a new token from the code after each loss).

#[path = "support/socket.rs"]
#[allow(dead_code)]
mod socket;

use socket::AnyClient;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use truce::host::Autosave;
use truce::protocol::{ClientMessage, ServerMessage, View};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};

/// The scripted orders of a seat in a turn (the same in every run).
fn script(seat: &str, turn: u32) -> Vec<Order> {
    match seat {
        "ukr" => vec![
            Order::PublicStatement { text: format!("Ukraine on turn {turn}") },
            Order::PublicStatement { text: format!("Ukraine again on turn {turn}") },
        ],
        _ => vec![
            Order::SetPosture { sector: "south".into(), pressure: 0.2 + 0.1 * f64::from(turn % 5) },
            Order::PublicStatement { text: format!("Russia on turn {turn}") },
        ],
    }
}

#[derive(PartialEq)]
enum Waiting {
    Nothing,
    Answer(Instant),
    View,
}

/// A client that plays its script exactly once per turn across any number of server restarts:
/// it always compares its script with the draft the server holds and sends only what is missing.
struct Scripted {
    seat: &'static str,
    code: String,
    /// Over the WebSocket rather than UDP.
    socket: bool,
    client: Option<AnyClient>,
    view: Option<View>,
    waiting: Waiting,
    last_try: Option<Instant>,
    /// Messages sent so far (kills are spread over the game by counting them).
    sent: usize,
}

impl Scripted {
    fn new(seat: &'static str, code: String, socket: bool) -> Scripted {
        Scripted { seat, code, socket, client: None, view: None, waiting: Waiting::Nothing, last_try: None, sent: 0 }
    }

    fn step(&mut self, addr: SocketAddr) {
        // A killed server says no goodbye: a second of silence means it is gone.
        if self.client.as_ref().is_none_or(AnyClient::lost) {
            self.client = None;
            self.view = None;
            self.waiting = Waiting::Nothing;
            if self.last_try.is_some_and(|t| t.elapsed() < Duration::from_millis(50)) {
                return;
            }
            self.last_try = Some(Instant::now());
            self.client = AnyClient::join(addr, &self.code, self.socket).ok();
            return;
        }
        let client = self.client.as_mut().unwrap();
        for m in client.pump().0 {
            match m {
                ServerMessage::View(v) => {
                    self.view = Some(*v);
                    if self.waiting == Waiting::View {
                        self.waiting = Waiting::Nothing;
                    }
                }
                ServerMessage::Patch(p) => {
                    let applied = self.view.as_mut().is_some_and(|v| p.apply(v));
                    assert!(applied, "{}: a patch for a view it does not hold", self.seat);
                    if self.waiting == Waiting::View {
                        self.waiting = Waiting::Nothing;
                    }
                }
                ServerMessage::Verdict(v) if v.accepted => self.waiting = Waiting::View,
                ServerMessage::Verdict(v) => panic!("{}: a scripted order was refused: {}", self.seat, v.reason),
                ServerMessage::Refused { reason, .. } if reason.contains("orders phase") => {
                    self.waiting = Waiting::Nothing
                }
                ServerMessage::Refused { reason, .. } => panic!("{}: refused: {reason}", self.seat),
                _ => {}
            }
        }
        if let Waiting::Answer(since) = self.waiting
            && since.elapsed() > Duration::from_secs(3)
        {
            self.waiting = Waiting::Nothing;
        }
        if self.waiting != Waiting::Nothing || !client.is_connected() {
            return;
        }
        let Some(view) = self.view.as_ref().filter(|v| v.phase == Phase::Orders) else { return };
        let Some(draft) = view.draft.as_ref() else { return };
        if draft.locked {
            return;
        }
        let missing = script(self.seat, view.turn).into_iter().find(|o| !draft.orders.iter().any(|d| d.order == *o));
        let message = match missing {
            Some(order) => ClientMessage::Order(order),
            None => ClientMessage::Seat(SeatAction::Lock),
        };
        client.send(&message);
        self.sent += 1;
        self.waiting = Waiting::Answer(Instant::now());
    }
}

/// A port free for both UDP and TCP: the server listens on both (UDP for the native client, TCP
/// for the browser and WebSocket), and the other tests of this file run at the same time.
fn free_port() -> u16 {
    loop {
        let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A server process, killed and reaped however the test ends.
struct Running(Child);

impl Running {
    /// SIGKILL: no goodbye, no flush.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the server binary and waits until it is ready.
fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut ready = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("Type `help`")
                && let Some(tx) = ready.take()
            {
                let _ = tx.send(());
            }
        }
    });
    let running = Running(child);
    rx.recv_timeout(Duration::from_secs(60)).expect("the server got ready");
    running
}

fn final_hash(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("autosave.json")).ok()?;
    let save: Autosave = serde_json::from_str(&text).ok()?;
    (save.phase == Phase::GameOver).then_some(save.state_hash)
}

/// Plays the scripted game; kills and resumes the server at `kills` random moments.
fn play(dir: &Path, kills: usize, seed: u64, socket: bool) -> (String, usize) {
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let bind = addr.to_string();
    let codes = dir.with_extension("codes.json");
    let commands = dir.with_extension("commands");
    std::fs::write(&commands, "wait-players 2\nstart\n").unwrap();
    let game_dir = dir.display().to_string();
    let tutorial = format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"));
    let (codes_s, commands_s) = (codes.display().to_string(), commands.display().to_string());
    let new_game = [
        "serve",
        &tutorial,
        "--bind",
        &bind,
        "--turn-seconds",
        "0",
        "--game-dir",
        &game_dir,
        "--codes-json",
        &codes_s,
        "--commands",
        &commands_s,
    ];
    let resume = ["serve", "--resume", &game_dir, "--bind", &bind, "--commands", &commands_s];
    let mut server = spawn(&new_game);
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&codes).unwrap()).unwrap();
    let code = |seat: &str| table[seat].as_str().unwrap().to_string();
    let mut players = [Scripted::new("ukr", code("ukr"), socket), Scripted::new("rus", code("rus"), socket)];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut killed = 0;
    // A kill comes after a random number of further messages and a random delay.
    let mut next_kill: Option<(usize, Instant)> = None;
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut turns_at_kill = Vec::new();
    loop {
        for p in players.iter_mut() {
            p.step(addr);
        }
        if let Some(h) = final_hash(dir) {
            server.kill();
            assert!(
                turns_at_kill.iter().collect::<std::collections::BTreeSet<_>>().len() >= kills.min(3),
                "the kills fell at different points of the game: {turns_at_kill:?}"
            );
            eprintln!("kills fell on turns {turns_at_kill:?}");
            return (h, killed);
        }
        // Each kill falls at a random moment once both players are back in the game.
        let sent: usize = players.iter().map(|p| p.sent).sum();
        if next_kill.is_none() && players.iter().all(|p| p.view.is_some()) {
            let after = Instant::now() + Duration::from_millis(rng.random_range(0..80));
            next_kill = Some((sent + rng.random_range(1..=5usize), after));
        }
        if killed < kills && next_kill.is_some_and(|(n, t)| sent >= n && Instant::now() >= t) {
            server.kill();
            killed += 1;
            turns_at_kill.push(players[0].view.as_ref().map_or(0, |v| v.turn));
            server = spawn(&resume);
            next_kill = None;
        }
        assert!(Instant::now() < deadline, "the game did not finish");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_game_killed_and_resumed_a_dozen_times_ends_as_an_uninterrupted_one() {
    let root = tempfile::tempdir().unwrap();
    let (reference, _) = play(&root.path().join("straight"), 0, 1, false);
    let (resumed, kills) = play(&root.path().join("killed"), 12, 2, false);
    assert_eq!(kills, 12);
    assert_eq!(resumed, reference, "the resumed game differs from the uninterrupted one");
    assert_applied_once(&root.path().join("killed"));
}

/// The journal holds every accepted input once.
fn assert_applied_once(dir: &Path) {
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let statements = journal.lines().filter(|l| l.contains("Ukraine on turn 3\"")).count();
    assert_eq!(statements, 1, "an order was applied twice");
}

#[test]
fn a_game_on_websockets_killed_and_resumed_ends_as_one_played_over_udp() {
    let root = tempfile::tempdir().unwrap();
    let (reference, _) = play(&root.path().join("udp"), 0, 1, false);
    let (resumed, kills) = play(&root.path().join("sockets"), 6, 3, true);
    assert_eq!(kills, 6);
    assert_eq!(resumed, reference, "the game on sockets, killed and resumed, differs from the one over UDP");
    assert_applied_once(&root.path().join("sockets"));
}

#[test]
fn a_long_game_of_bots_with_nothing_in_its_journal_but_the_start_resumes() {
    // 24 turns of bots run through 70-odd frames with no record between the start and the end.
    let dir = tempfile::tempdir().unwrap();
    let game_dir = dir.path().join("game");
    let start = |game: truce::server::GameSource| {
        truce::server::Server::start(truce::server::ServeOptions {
            bind: "127.0.0.1:0".parse().unwrap(),
            game,
            codes_json: None,
            script: vec![truce::host::console::Line::Command(truce::protocol::Command::ForceStart)],
            stdin: false,
            echo: false,
            log: None,
        })
    };
    let scenario = truce::scenario::builtin().unwrap();
    let settings = truce::host::HostSettings { turn_seconds: None, on_timeout: truce::host::OnTimeout::Bot };
    let mut server = start(truce::server::GameSource::New {
        scenario: Box::new(scenario),
        seed: None,
        settings,
        dir: game_dir.clone(),
    })
    .unwrap();
    let end = Instant::now() + Duration::from_secs(120);
    while final_hash(&game_dir).is_none() {
        server.update();
        assert!(Instant::now() < end, "the bots did not finish");
    }
    let hash = final_hash(&game_dir).unwrap();
    drop(server);
    let resumed = start(truce::server::GameSource::Resume(game_dir.clone())).expect("a finished game resumes");
    let phase = *resumed.app.world().resource::<bevy::prelude::State<Phase>>().get();
    assert_eq!(phase, Phase::GameOver);
    assert_eq!(final_hash(&game_dir).unwrap(), hash);
}
