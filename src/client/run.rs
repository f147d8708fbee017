//! The client's loop: keys in, messages out, the screen redrawn, and the connection kept: a drop
//! (or a server that went silent) is followed by a new token with the same code.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event, KeyEventKind};

use super::{Action, Client, Link};
use crate::net::client::{JoinFailure, NetClient};

/// A connection silent this long is taken for lost (the server sends keep-alives several times a
/// second).
pub const SILENCE: Duration = Duration::from_secs(2);
/// How often to try again while the server cannot be reached.
const RETRY_EVERY: Duration = Duration::from_millis(500);

/// Keeps one connection to a game alive across drops.
pub struct Connection {
    pub server: SocketAddr,
    code: String,
    pub net: Option<NetClient>,
    last_try: Instant,
}

impl Connection {
    /// Joins at once, so that a wrong code is reported before anything else happens.
    pub fn open(server: SocketAddr, code: &str) -> Result<Connection, JoinFailure> {
        let net = NetClient::join(server, code)?;
        Ok(Connection { server, code: code.to_string(), net: Some(net), last_try: Instant::now() })
    }

    /// Exchanges datagrams; reconnects when the link is gone. Updates `client` with what came.
    pub fn pump(&mut self, client: &mut Client) {
        let lost = match &self.net {
            None => Some("not connected".to_string()),
            Some(n) if n.is_disconnected() => Some(n.disconnect_reason().unwrap_or_else(|| "disconnected".into())),
            Some(n) if n.is_connected() && n.silence() > SILENCE => Some("the server went silent".into()),
            _ => None,
        };
        if let Some(why) = lost {
            if self.net.take().is_some() {
                client.link = Link::Reconnecting(why);
            }
            if let Some(why) = &client.closed {
                client.link = Link::Closed(why.clone());
                return;
            }
            if self.last_try.elapsed() >= RETRY_EVERY {
                self.last_try = Instant::now();
                match NetClient::join(self.server, &self.code) {
                    Ok(n) => self.net = Some(n),
                    Err(e) => client.link = Link::Reconnecting(e.to_string()),
                }
            }
            return;
        }
        let Some(net) = self.net.as_mut() else { return };
        for m in net.pump() {
            client.on_message(m);
        }
        if net.is_connected() {
            client.link = Link::Connected;
        }
    }

    pub fn send(&mut self, message: &crate::protocol::ClientMessage) {
        if let Some(n) = self.net.as_mut() {
            n.send(message);
        }
    }

    /// Says goodbye and gives the datagram a moment to leave.
    pub fn close(&mut self) {
        if let Some(n) = self.net.as_mut() {
            n.disconnect();
        }
    }
}

/// Runs the terminal client until the user quits.
pub fn run(server: SocketAddr, code: &str) -> Result<(), String> {
    let mut connection = Connection::open(server, code).map_err(|e| e.to_string())?;
    let mut client = Client::default();
    let mut terminal = ratatui::init();
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
