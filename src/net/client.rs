//! The client end: trade a code for a token over HTTP, connect over UDP, and exchange protocol
//! messages. Used by `truce join`, `truce bot`, `truce solo` and the tests.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use bevy_renet::renet::RenetClient;
use renetcode::ConnectToken;

use super::transport::ClientTransport;
use crate::protocol::{
    CHANNEL, ClientMessage, JoinError, JoinReply, JoinRequest, MAX_SERVER_MESSAGE_BYTES, ServerMessage,
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

impl std::fmt::Display for JoinFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinFailure::Refused(status, e) => write!(f, "the server refused the code ({status}): {e}"),
            JoinFailure::Unreachable(e) => write!(f, "{e}"),
        }
    }
}

/// Asks the join endpoint at `server` for a token for `code`.
pub fn request_token(server: SocketAddr, code: &str) -> Result<JoinReply, JoinFailure> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let url = format!("http://{server}/join");
    let mut response = agent
        .post(&url)
        .send_json(JoinRequest { code: code.to_string() })
        .map_err(|e| JoinFailure::Unreachable(format!("cannot reach the server at {url}: {e}")))?;
    let status = response.status().as_u16();
    if status == 200 {
        response.body_mut().read_json::<JoinReply>().map_err(|e| JoinFailure::Unreachable(e.to_string()))
    } else {
        let error = response.body_mut().read_json::<JoinError>().map(|e| e.error).unwrap_or_default();
        Err(JoinFailure::Refused(status, error))
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
