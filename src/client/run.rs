//! The client's loop: keys in, messages out, the screen redrawn, and the connection kept: a drop,
//! a server that went silent or one too busy to take the client is followed by a new token with
//! the same code, asked for again with growing pauses, until the code itself is refused.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event, KeyEventKind};

use super::{Action, Client, Link};
use crate::net::client::{JoinFailure, NetClient, TokenFailure, ask_for_token};
use crate::protocol::{JoinReply, ServerMessage};

/// A connection silent this long is taken for lost (the server sends keep-alives several times a
/// second).
pub const SILENCE: Duration = Duration::from_secs(2);
/// A connection not established after this long is given up: netcode's own timeout is shorter,
/// but a token can switch it off.
pub const HANDSHAKE_PATIENCE: Duration = Duration::from_secs(15);
/// The first pause after a failed join; each failure doubles it, up to `RETRY_MAX`.
pub const RETRY_FIRST: Duration = Duration::from_millis(500);
pub const RETRY_MAX: Duration = Duration::from_secs(8);
/// How long the first join keeps asking a busy server (a class joining at once) before it gives
/// up and says so.
pub const OPEN_PATIENCE: Duration = Duration::from_secs(30);

/// When to ask again: pauses that double, with a little jitter so that a class's clients spread
/// out instead of asking together.
#[derive(Debug)]
struct Backoff {
    pause: Duration,
    next: Instant,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff { pause: RETRY_FIRST, next: Instant::now() }
    }

    fn due(&self) -> bool {
        Instant::now() >= self.next
    }

    /// After a failure: waits the pause (or what the server asked, if longer) and doubles it.
    /// Returns the wait.
    fn failed(&mut self, asked: Option<Duration>) -> Duration {
        let wait = self.pause.max(asked.unwrap_or_default().min(RETRY_MAX));
        let wait = wait + jitter(wait);
        self.next = Instant::now() + wait;
        self.pause = (self.pause * 2).min(RETRY_MAX);
        wait
    }

    /// After the server took the client in.
    fn reset(&mut self) {
        self.pause = RETRY_FIRST;
    }
}

/// Up to a quarter of `d`, at random.
fn jitter(d: Duration) -> Duration {
    let r = u16::from_le_bytes(renetcode::generate_random_bytes::<2>());
    d.mul_f64(f64::from(r) / f64::from(u16::MAX) / 4.0)
}

/// Asks for a token on a thread of its own, so that the screen and the keys never wait on the
/// network. If no thread can be made the receiver reports it at once.
fn ask(server: SocketAddr, code: &str) -> Receiver<Result<JoinReply, TokenFailure>> {
    let (tx, rx) = mpsc::channel();
    let code = code.to_string();
    let _ = std::thread::Builder::new().name("truce-join".into()).spawn(move || {
        let _ = tx.send(ask_for_token(server, &code));
    });
    rx
}

/// A connection made with `answer`'s token, or why there is none.
fn connect(server: SocketAddr, answer: Result<JoinReply, TokenFailure>) -> Result<NetClient, TokenFailure> {
    let reply = answer?;
    NetClient::with_reply(server, reply).map_err(|e| JoinFailure::Unreachable(e).into())
}

/// Keeps one connection to a game alive across drops.
pub struct Connection {
    pub server: SocketAddr,
    code: String,
    pub net: Option<NetClient>,
    /// When `net` was made.
    since: Instant,
    retry: Backoff,
    /// A token being asked for.
    asking: Option<Receiver<Result<JoinReply, TokenFailure>>>,
    /// Closed on this side: nothing more is tried.
    closed: bool,
}

impl Connection {
    /// Joins at once, so that a wrong code is reported before anything else happens; a busy
    /// server is asked again for up to `OPEN_PATIENCE`.
    pub fn open(server: SocketAddr, code: &str) -> Result<Connection, JoinFailure> {
        Connection::open_within(server, code, OPEN_PATIENCE, |_, _| {})
    }

    /// As `open`, asking a busy server again for up to `patience`; `waiting` hears why and for
    /// how long before each pause.
    pub fn open_within(
        server: SocketAddr,
        code: &str,
        patience: Duration,
        mut waiting: impl FnMut(&JoinFailure, Duration),
    ) -> Result<Connection, JoinFailure> {
        let start = Instant::now();
        let mut retry = Backoff::new();
        loop {
            match connect(server, ask_for_token(server, code)) {
                Ok(net) => {
                    return Ok(Connection {
                        server,
                        code: code.to_string(),
                        net: Some(net),
                        since: Instant::now(),
                        retry,
                        asking: None,
                        closed: false,
                    });
                }
                Err(e) if e.failure.is_busy() && start.elapsed() < patience => {
                    let wait = retry.failed(e.retry_after).min(patience.saturating_sub(start.elapsed()));
                    waiting(&e.failure, wait);
                    std::thread::sleep(wait);
                }
                Err(e) => return Err(e.failure),
            }
        }
    }

    /// Why the connection is to be given up, if it is.
    fn lost(&self, client: &Client) -> Option<String> {
        match &self.net {
            None => Some("not connected".into()),
            Some(_) if client.closed.is_some() => Some("closed by the server".into()),
            Some(n) if n.is_disconnected() => Some(n.disconnect_reason().unwrap_or_else(|| "disconnected".into())),
            Some(n) if n.is_connected() && n.silence() > SILENCE => Some("the server went silent".into()),
            Some(n) if !n.is_connected() && self.since.elapsed() > HANDSHAKE_PATIENCE => {
                Some("the server did not answer".into())
            }
            _ => None,
        }
    }

    /// Exchanges datagrams; reconnects when the link is gone. Updates `client` with what came.
    pub fn pump(&mut self, client: &mut Client) {
        if self.closed {
            return;
        }
        if let Some(why) = self.lost(client) {
            if let Some(mut n) = self.net.take() {
                // Said even to a server that seems gone: if it is not, it frees the place at once.
                n.disconnect();
                client.link = Link::Reconnecting(why);
                self.retry.failed(None);
            }
            if let Some(why) = &client.closed {
                client.link = Link::Closed(why.clone());
                self.asking = None;
                return;
            }
            self.rejoin(client);
            return;
        }
        let Some(net) = self.net.as_mut() else { return };
        for m in net.pump() {
            if matches!(m, ServerMessage::Welcome(_)) {
                self.retry.reset();
            }
            client.on_message(m);
        }
        for m in std::mem::take(&mut client.outbox) {
            net.send(&m);
        }
        if net.is_connected() && client.closed.is_none() {
            client.link = Link::Connected;
        }
    }

    /// Asks for a new token when it is time, and connects with it when it comes. Only a refused
    /// code ends the trying.
    fn rejoin(&mut self, client: &mut Client) {
        let answer = match &self.asking {
            None => {
                if self.retry.due() {
                    self.asking = Some(ask(self.server, &self.code));
                }
                return;
            }
            Some(rx) => match rx.try_recv() {
                Ok(answer) => answer,
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    Err(JoinFailure::Unreachable("could not ask for a token".into()).into())
                }
            },
        };
        self.asking = None;
        match connect(self.server, answer) {
            Ok(n) => {
                self.net = Some(n);
                self.since = Instant::now();
            }
            Err(e) if e.failure.is_final() => {
                client.closed = Some(e.failure.to_string());
                client.link = Link::Closed(e.failure.to_string());
            }
            Err(e) => {
                self.retry.failed(e.retry_after);
                client.link = Link::Reconnecting(e.failure.to_string());
            }
        }
    }

    pub fn send(&mut self, message: &crate::protocol::ClientMessage) {
        if let Some(n) = self.net.as_mut() {
            n.send(message);
        }
    }

    /// Says goodbye (the server frees the place at once) and tries nothing more.
    pub fn close(&mut self) {
        self.closed = true;
        self.asking = None;
        if let Some(n) = self.net.as_mut() {
            n.disconnect();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

/// Runs the terminal client until the user quits.
pub fn run(server: SocketAddr, code: &str) -> Result<(), String> {
    let mut connection = Connection::open_within(server, code, OPEN_PATIENCE, |why, wait| {
        let _ = writeln!(std::io::stderr(), "{why}; asking again in {:.1} s", wait.as_secs_f64());
    })
    .map_err(|e| e.to_string())?;
    let mut terminal = ratatui::try_init().map_err(|e| {
        let _ = ratatui::try_restore();
        format!("cannot use this terminal: {e}")
    })?;
    let mut client = Client::default();
    let result = (|| -> std::io::Result<()> {
        loop {
            connection.pump(&mut client);
            terminal.draw(|f| super::ui::draw(f, &client))?;
            if event::poll(Duration::from_millis(40))?
                && let Event::Key(key) = event::read()?
                && key.kind != KeyEventKind::Release
            {
                for action in client.on_key(key) {
                    match action {
                        Action::Send(m) => connection.send(&m),
                        Action::Quit => return Ok(()),
                    }
                }
                connection.pump(&mut client);
            }
        }
    })();
    connection.close();
    ratatui::restore();
    result.map_err(|e| format!("terminal error: {e}"))
}
