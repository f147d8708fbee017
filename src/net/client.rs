//! The client end: trade a code for a token over HTTP, connect over UDP, and exchange protocol
//! messages. Used by `truce join`, `truce bot`, `truce solo` and the tests.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use bevy_renet::renet::RenetClient;
use renetcode::ConnectToken;

use super::transport::ClientTransport;
use crate::protocol::{
    CHANNEL, ClientMessage, JoinError, JoinReply, JoinRequest, MAX_SERVER_MESSAGE_BYTES, ServerMessage, clean_text,
    connection_config, decode_server, encode,
};

/// The port a game listens on when none is given.
pub const DEFAULT_PORT: u16 = 7878;

/// `HOST[:PORT]` as a socket address (IPv4 preferred).
pub fn resolve(address: &str) -> Result<SocketAddr, String> {
    let with_port = if address.parse::<SocketAddr>().is_ok()
        || address
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
    {
        address.to_string()
    } else {
        format!("{address}:{DEFAULT_PORT}")
    };
    let addrs: Vec<SocketAddr> =
        with_port.to_socket_addrs().map_err(|e| format!("cannot find the server {address:?}: {e}"))?.collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("cannot find the server {address:?}"))
}

/// Why joining failed.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinFailure {
    /// The server answered with an error (status and its message).
    Refused(u16, String),
    /// The server could not be reached or answered nonsense.
    Unreachable(String),
}

impl JoinFailure {
    /// Whether asking again with the same code cannot help: the code is wrong or was barred
    /// (429 too: a right code is never answered 429, only slowed).
    pub fn is_final(&self) -> bool {
        matches!(self, JoinFailure::Refused(403 | 429, _))
    }

    /// Whether the server asked to be asked again later (it is busy).
    pub fn is_busy(&self) -> bool {
        matches!(self, JoinFailure::Refused(503, _))
    }
}

impl std::fmt::Display for JoinFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinFailure::Refused(503, e) => write!(f, "the server is busy: {e}"),
            JoinFailure::Refused(status, e) => write!(f, "the server refused the code ({status}): {e}"),
            JoinFailure::Unreachable(e) => write!(f, "{e}"),
        }
    }
}

/// A failed request for a token, and how long the server asked to be left alone first (its
/// `Retry-After`), if it said.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenFailure {
    pub failure: JoinFailure,
    pub retry_after: Option<Duration>,
}

impl From<JoinFailure> for TokenFailure {
    fn from(failure: JoinFailure) -> TokenFailure {
        TokenFailure { failure, retry_after: None }
    }
}

/// Longest answer read from the join endpoint (a token is about 2.7 kB of base64).
const MAX_JOIN_ANSWER_BYTES: u64 = 64 * 1024;
/// Longest error message from a server that is kept (it is printed on the terminal).
const MAX_ERROR_CHARS: usize = 300;
/// Longest `Retry-After` honoured; a server asking for more is asked again sooner.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A server's words made safe to print: no control characters, and not too many.
fn server_words(text: &str) -> String {
    clean_text(text).chars().take(MAX_ERROR_CHARS).collect()
}

/// Asks the join endpoint at `server` for a token for `code`.
pub fn request_token(server: SocketAddr, code: &str) -> Result<JoinReply, JoinFailure> {
    ask_for_token(server, code).map_err(|e| e.failure)
}

/// As `request_token`, with the server's `Retry-After` when it refuses.
pub fn ask_for_token(server: SocketAddr, code: &str) -> Result<JoinReply, TokenFailure> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        // A join endpoint answers itself; a redirect could only lead somewhere else.
        .max_redirects(0)
        .build()
        .into();
    let url = format!("http://{server}/join");
    let mut response = agent
        .post(&url)
        .send_json(JoinRequest { code: code.to_string() })
        .map_err(|e| JoinFailure::Unreachable(server_words(&format!("cannot reach the server at {url}: {e}"))))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
    let body = response.body_mut().with_config().limit(MAX_JOIN_ANSWER_BYTES);
    if status == 200 {
        let mut reply = body.read_json::<JoinReply>().map_err(|e| {
            JoinFailure::Unreachable(server_words(&format!("the server's answer to joining is not one: {e}")))
        })?;
        reply.seat = reply.seat.as_deref().map(server_words);
        Ok(reply)
    } else {
        let error = body.read_json::<JoinError>().map(|e| server_words(&e.error)).unwrap_or_default();
        Err(TokenFailure { failure: JoinFailure::Refused(status, error), retry_after })
    }
}

/// A connection to a game.
pub struct NetClient {
    pub server: SocketAddr,
    pub reply: JoinReply,
    renet: RenetClient,
    transport: ClientTransport,
    last: Instant,
    /// When datagrams last went out, and whether a message waits to go at once.
    last_send: Instant,
    urgent: bool,
}

/// Whether netcode can use `token` without panicking: it takes the first server address as given
/// and subtracts the creation time from the expiry.
fn usable(token: &ConnectToken) -> Result<(), String> {
    if token.server_addresses[0].is_none() {
        return Err("the server's token names no server address".into());
    }
    if token.expire_timestamp < token.create_timestamp {
        return Err("the server's token expires before it was made".into());
    }
    Ok(())
}

/// With nothing of its own to say, a client sends (acknowledgements, keep-alives) this often at
/// most, however often it is pumped: a hundred idle clients cost the server little.
const IDLE_SEND_EVERY: Duration = Duration::from_millis(100);

impl NetClient {
    /// Joins the game at `server` with `code`: a token over HTTP, then netcode over UDP.
    pub fn join(server: SocketAddr, code: &str) -> Result<NetClient, JoinFailure> {
        let reply = request_token(server, code)?;
        NetClient::with_reply(server, reply).map_err(JoinFailure::Unreachable)
    }

    /// Connects with a token already obtained.
    pub fn with_reply(server: SocketAddr, reply: JoinReply) -> Result<NetClient, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&reply.token)
            .map_err(|e| format!("the server's token is not base64: {e}"))?;
        let token = ConnectToken::read(&mut bytes.as_slice()).map_err(|e| format!("the server's token: {e}"))?;
        usable(&token)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?;
        let transport = ClientTransport::new(now, token, server, vec![CHANNEL], MAX_SERVER_MESSAGE_BYTES)
            .map_err(|e| format!("cannot open a connection: {e}"))?;
        Ok(NetClient {
            server,
            reply,
            renet: RenetClient::new(connection_config()),
            transport,
            last: Instant::now(),
            last_send: Instant::now(),
            urgent: true,
        })
    }

    /// Exchanges datagrams and returns the messages that arrived.
    pub fn pump(&mut self) -> Vec<ServerMessage> {
        let now = Instant::now();
        let elapsed = now - self.last;
        self.last = now;
        self.renet.update(elapsed);
        let _ = self.transport.update(elapsed, &mut self.renet);
        let mut out = Vec::new();
        while let Some(bytes) = self.renet.receive_message(CHANNEL) {
            self.transport.peer.delivered += 1;
            match decode_server(&bytes) {
                Some(m) => out.push(m),
                None => {
                    // A server that sends nonsense is not one to keep talking to.
                    self.renet.disconnect();
                    break;
                }
            }
        }
        if self.urgent || !self.renet.is_connected() || now.duration_since(self.last_send) >= IDLE_SEND_EVERY {
            let _ = self.transport.send_packets(&mut self.renet);
            self.last_send = now;
            self.urgent = false;
        }
        out
    }

    /// Queues a message (sent at the next `pump`).
    pub fn send(&mut self, message: &ClientMessage) {
        let bytes = encode(message);
        if self.renet.can_send_message(CHANNEL, bytes.len()) {
            self.renet.send_message(CHANNEL, bytes);
            self.urgent = true;
        }
    }

    /// Queues raw bytes as one message (for tests of what the server does with nonsense).
    pub fn send_bytes(&mut self, bytes: Vec<u8>) {
        self.renet.send_message(CHANNEL, bytes);
        self.urgent = true;
    }

    pub fn is_connected(&self) -> bool {
        self.renet.is_connected()
    }

    pub fn is_disconnected(&self) -> bool {
        self.renet.is_disconnected() || self.transport.is_disconnected()
    }

    /// Time since the server was last heard from (it sends several keep-alives a second, so a
    /// long silence means it is gone even if it never said goodbye).
    pub fn silence(&self) -> Duration {
        self.transport.silence()
    }

    /// Why the connection ended, in words, if it has.
    pub fn disconnect_reason(&self) -> Option<String> {
        match (self.renet.disconnect_reason(), self.transport.disconnect_reason()) {
            (_, Some(r)) => Some(format!("{r:?}")),
            (Some(r), None) => Some(format!("{r}")),
            (None, None) => None,
        }
    }

    pub fn client_id(&self) -> u64 {
        self.transport.client_id()
    }

    /// Says goodbye.
    pub fn disconnect(&mut self) {
        self.renet.disconnect();
        self.transport.disconnect();
    }

    /// The raw transport, for tests that send hostile bytes from an authenticated address.
    pub fn transport_mut(&mut self) -> &mut ClientTransport {
        &mut self.transport
    }
}
