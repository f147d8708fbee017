//! A server in the test process on a real loopback UDP socket and TCP join endpoint, and clients
//! that join it with codes, all pumped from one thread until a condition holds or time runs out.
#![allow(dead_code)]

pub mod cli;
pub mod pty;
pub mod served;
pub mod socket;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use truce::host::console::Line;
use truce::host::{ConsoleCommand, HostSettings, OnTimeout};
use truce::net::client::NetClient;
use truce::protocol::{ClientMessage, Command, ServerMessage, View, Welcome};
use truce::rules::Phase;
use truce::server::{GameSource, ServeOptions, Server};

pub fn scenario(name: &str) -> truce::scenario::Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(format!("{name}.ron"));
    truce::scenario::load_file(&path).expect("shipped scenario")
}

pub struct Harness {
    pub server: Server,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// A new game of the shipped `scenario` with the given clock (seconds; `None` = untimed).
    pub fn new(scenario_name: &str, turn_seconds: Option<u32>, on_timeout: OnTimeout) -> Harness {
        Harness::of(scenario(scenario_name), turn_seconds, on_timeout)
    }

    /// A new game of `scenario`, as `new`.
    pub fn of(scenario: truce::scenario::Scenario, turn_seconds: Option<u32>, on_timeout: OnTimeout) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let options = ServeOptions {
            bind: "127.0.0.1:0".parse().unwrap(),
            game: GameSource::New {
                scenario: Box::new(scenario),
                seed: None,
                settings: HostSettings { turn_seconds, on_timeout },
                dir: dir.path().join("game"),
            },
            codes_json: None,
            script: Vec::<Line>::new(),
            stdin: false,
            echo: false,
            log: None,
        };
        let server = Server::start(options).expect("server starts");
        Harness { server, dir }
    }

    pub fn code(&self, seat: &str) -> String {
        let c = &self.server.codes;
        match seat {
            "facilitator" => c.facilitator.clone(),
            "observer" => c.observer.clone(),
            "projector" => c.projector.clone(),
            _ => c.seats.iter().find(|(id, _, _)| id == seat).expect("seat").2.clone(),
        }
    }

    /// Joins over the WebSocket with the seat's code and pumps until the client holds its first view.
    pub fn join_socket(&mut self, seat: &str) -> Player<socket::SocketClient> {
        let code = self.code(seat);
        let client = socket::SocketClient::join(self.server.addr, &code).expect("join");
        let mut p = Player::new(client);
        self.run(&mut [&mut p], Duration::from_secs(10), |ps| ps[0].view.is_some());
        p
    }

    /// Joins with the seat's code and pumps until the client holds its first view.
    pub fn join(&mut self, seat: &str) -> Player {
        let code = self.code(seat);
        let client = NetClient::join(self.server.addr, &code).expect("join");
        let mut p = Player::new(client);
        self.run(&mut [&mut p], Duration::from_secs(10), |ps| ps[0].view.is_some());
        p
    }

    /// Runs the console command as the server's console would.
    pub fn console(&mut self, command: Command) {
        self.server.app.world_mut().write_message(ConsoleCommand(command));
    }

    pub fn phase(&self) -> Phase {
        *self.server.app.world().resource::<bevy::prelude::State<Phase>>().get()
    }

    pub fn turn(&self) -> u32 {
        self.server.app.world().resource::<truce::rules::Clock>().turn
    }

    /// Pumps the server and `players` until `done` holds; panics after `timeout`.
    pub fn run<C: Wire>(
        &mut self,
        players: &mut [&mut Player<C>],
        timeout: Duration,
        mut done: impl FnMut(&[&mut Player<C>]) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            self.server.update();
            for p in players.iter_mut() {
                p.pump();
            }
            if done(players) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Asks, as `p`, for the story of every resolved turn and every page of its incidents, at the
    /// pace the server takes messages; what came back, in order.
    pub fn read_history<C: Wire>(
        &mut self,
        p: &mut Player<C>,
    ) -> (Vec<truce::protocol::TurnStory>, Vec<truce::protocol::IncidentPage>) {
        let last = p.view.as_ref().map_or(0, |v| if v.phase == Phase::GameOver { v.turn } else { v.turn - 1 });
        let (mut stories, mut pages) = (Vec::new(), Vec::new());
        for turn in 1..=last {
            let answer = self.ask(p, ClientMessage::Story { turn });
            let ServerMessage::Story(story) = answer else { panic!("no story of turn {turn}: {answer:?}") };
            for page in 0..story.pages {
                match self.ask(p, ClientMessage::Incidents { turn, page }) {
                    ServerMessage::Incidents(x) => pages.push(*x),
                    other => panic!("no page {page} of turn {turn}: {other:?}"),
                }
            }
            stories.push(*story);
        }
        (stories, pages)
    }

    /// Sends `m` as `p` and waits for the answer (a story, a page, a verdict or a refusal), no
    /// faster than the server's sustained rate of messages.
    pub fn ask<C: Wire>(&mut self, p: &mut Player<C>, m: ClientMessage) -> ServerMessage {
        std::thread::sleep(Duration::from_millis(55));
        let mark = p.received.len();
        p.send(m);
        let answered = |m: &ServerMessage| {
            matches!(
                m,
                ServerMessage::Story(_)
                    | ServerMessage::Incidents(_)
                    | ServerMessage::Verdict(_)
                    | ServerMessage::Refused { .. }
                    | ServerMessage::Done { .. }
            )
        };
        self.run(&mut [&mut *p], Duration::from_secs(20), |ps| ps[0].since(mark).iter().any(answered));
        p.since(mark).iter().find(|m| answered(m)).cloned().unwrap()
    }

    /// Pumps for a while, whatever happens.
    pub fn idle<C: Wire>(&mut self, players: &mut [&mut Player<C>], time: Duration) {
        let end = Instant::now() + time;
        while Instant::now() < end {
            self.server.update();
            for p in players.iter_mut() {
                p.pump();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// What a test client speaks over: UDP (`NetClient`) or the WebSocket (`SocketClient`).
pub trait Wire {
    fn pump(&mut self) -> Vec<ServerMessage>;
    fn send(&mut self, m: &ClientMessage);
}

impl Wire for NetClient {
    fn pump(&mut self) -> Vec<ServerMessage> {
        NetClient::pump(self)
    }
    fn send(&mut self, m: &ClientMessage) {
        NetClient::send(self, m)
    }
}

impl Wire for socket::SocketClient {
    fn pump(&mut self) -> Vec<ServerMessage> {
        socket::SocketClient::pump(self)
    }
    fn send(&mut self, m: &ClientMessage) {
        socket::SocketClient::send(self, m)
    }
}

/// A connected client and everything it received.
pub struct Player<C: Wire = NetClient> {
    pub client: C,
    pub received: Vec<ServerMessage>,
    /// Bytes of every message, as received (for the fog-of-war capture).
    pub welcome: Option<Welcome>,
    pub view: Option<View>,
    /// Every turn's story it was given, by turn.
    pub stories: std::collections::BTreeMap<u32, truce::protocol::TurnStory>,
}

impl<C: Wire> Player<C> {
    pub fn new(client: C) -> Player<C> {
        Player { client, received: Vec::new(), welcome: None, view: None, stories: Default::default() }
    }

    pub fn pump(&mut self) {
        for m in self.client.pump() {
            match &m {
                ServerMessage::Welcome(w) => self.welcome = Some((**w).clone()),
                ServerMessage::View(v) => self.view = Some((**v).clone()),
                ServerMessage::Patch(p) => {
                    let applied = self.view.as_mut().is_some_and(|v| (**p).clone().apply(v));
                    assert!(
                        applied,
                        "a patch from view {} reached a client holding {:?}",
                        p.base,
                        self.view.as_ref().map(|v| v.id)
                    );
                }
                ServerMessage::Seats(s) => {
                    if let Some(v) = self.view.as_mut() {
                        v.seats = s.clone();
                    }
                }
                ServerMessage::Story(s) => {
                    self.stories.insert(s.turn, (**s).clone());
                }
                // Press comes on its own; a client keeps it with the view, in order, once.
                ServerMessage::Press(item) => {
                    if let Some(v) = self.view.as_mut()
                        && !v.press.iter().any(|p| p.n == item.n)
                    {
                        let at = v.press.partition_point(|p| p.n < item.n);
                        v.press.insert(at, (**item).clone());
                        let over = v.press.len().saturating_sub(truce::negotiation::press::PRESS_IN_VIEW);
                        v.press.drain(..over);
                    }
                }
                _ => {}
            }
            if let Some(s) = self.view.as_ref().and_then(|v| v.story.clone()) {
                self.stories.insert(s.turn, s);
            }
            self.received.push(m);
        }
    }

    pub fn send(&mut self, m: ClientMessage) {
        self.client.send(&m);
    }

    /// Messages received since `from`.
    pub fn since(&self, from: usize) -> &[ServerMessage] {
        &self.received[from.min(self.received.len())..]
    }

    /// The texts of the last turn's story: its events and its worst incidents.
    pub fn reports(&self) -> Vec<String> {
        let story = self.view.as_ref().and_then(|v| v.story.as_ref());
        story.iter().flat_map(|s| s.events.iter().chain(&s.worst)).map(|e| e.text.clone()).collect()
    }

    /// Whether any turn's story it was given tells of `text`.
    pub fn was_told(&self, text: &str) -> bool {
        self.stories.values().flat_map(|s| s.events.iter().chain(&s.worst)).any(|e| e.text.contains(text))
    }

    pub fn turn(&self) -> u32 {
        self.view.as_ref().map_or(0, |v| v.turn)
    }

    pub fn phase(&self) -> Option<Phase> {
        self.view.as_ref().map(|v| v.phase)
    }

    /// The last verdict or refusal received since `from`.
    pub fn answer_since(&self, from: usize) -> Option<&ServerMessage> {
        self.since(from).iter().rev().find(|m| {
            matches!(
                m,
                ServerMessage::Verdict(_)
                    | ServerMessage::Refused { .. }
                    | ServerMessage::Done { .. }
                    | ServerMessage::Menu(_)
            )
        })
    }
}
