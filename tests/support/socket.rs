//! A client of the WebSocket path as a browser or a bot in another language would be: a token
//! from `POST /join`, then JSON text frames on `GET /ws`.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use truce::net::client::{NetClient, request_token};
use truce::protocol::{ClientMessage, PROTOCOL_VERSION, ServerMessage, decode_json_server, encode};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

pub struct SocketClient {
    ws: WebSocket<TcpStream>,
    /// Every text frame received, as received (for the fog-of-war capture), unless `keep` is off.
    pub frames: Vec<String>,
    pub keep: bool,
    /// Bytes of text received in all.
    pub bytes: u64,
    closed: bool,
    last_heard: Instant,
}

/// `s` with everything but letters and digits percent-encoded, for a query string.
pub fn url_encoded(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Opens a socket with `token`; `Err` carries the HTTP status of a refused upgrade (0 if the
/// refusal was not an HTTP answer).
pub fn open(addr: SocketAddr, query: &str, origin: Option<&str>, stream: TcpStream) -> Result<SocketClient, u16> {
    let mut request = format!("ws://{addr}/ws?{query}").into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", origin.parse().unwrap());
    }
    match tungstenite::client::client(request, stream) {
        Ok((ws, _)) => {
            ws.get_ref().set_nonblocking(true).unwrap();
            Ok(SocketClient { ws, frames: Vec::new(), keep: true, bytes: 0, closed: false, last_heard: Instant::now() })
        }
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            Err(response.status().as_u16())
        }
        Err(_) => Err(0),
    }
}

pub fn query(token: &str) -> String {
    format!("version={PROTOCOL_VERSION}&token={}", url_encoded(token))
}

impl SocketClient {
    /// Joins with `code`: a token, then the socket.
    pub fn join(addr: SocketAddr, code: &str) -> Result<SocketClient, String> {
        let reply = request_token(addr, code).map_err(|e| format!("{e:?}"))?;
        let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        open(addr, &query(&reply.token), None, stream).map_err(|s| format!("the upgrade was refused: {s}"))
    }

    /// Reads every frame waiting; decodes the messages (a frame that is not one fails the test).
    pub fn pump(&mut self) -> Vec<ServerMessage> {
        let mut out = Vec::new();
        while !self.closed {
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    self.last_heard = Instant::now();
                    let message = decode_json_server(text.as_str())
                        .unwrap_or_else(|| panic!("a frame that is no message: {}", &text[..text.len().min(300)]));
                    self.bytes += text.len() as u64;
                    if self.keep {
                        self.frames.push(text.to_string());
                    }
                    out.push(message);
                }
                Ok(_) => self.last_heard = Instant::now(),
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => self.closed = true,
            }
        }
        let _ = self.ws.flush();
        out
    }

    pub fn send(&mut self, message: &ClientMessage) {
        self.send_frame(Message::text(serde_json::to_string(message).unwrap()));
    }

    /// Sends any frame (for tests of what the server does with nonsense).
    pub fn send_frame(&mut self, frame: Message) {
        match self.ws.send(frame) {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => self.closed = true,
        }
    }

    pub fn is_connected(&self) -> bool {
        !self.closed
    }

    pub fn is_disconnected(&self) -> bool {
        self.closed
    }

    /// Time since the server was last heard from (it pings every half second).
    pub fn silence(&self) -> Duration {
        self.last_heard.elapsed()
    }
}

/// A connection over either wire.
pub enum AnyClient {
    Udp(Box<NetClient>),
    Socket(Box<SocketClient>),
}

impl AnyClient {
    /// Joins with `code` over the WebSocket (`socket`) or UDP.
    pub fn join(addr: SocketAddr, code: &str, socket: bool) -> Result<AnyClient, String> {
        if socket {
            SocketClient::join(addr, code).map(|c| AnyClient::Socket(Box::new(c)))
        } else {
            NetClient::join(addr, code).map(|c| AnyClient::Udp(Box::new(c))).map_err(|e| format!("{e:?}"))
        }
    }

    /// The messages that arrived, and their bytes as they travelled.
    pub fn pump(&mut self) -> (Vec<ServerMessage>, u64) {
        match self {
            AnyClient::Udp(c) => {
                let messages = c.pump();
                let bytes = messages.iter().map(|m| encode(m).len() as u64).sum();
                (messages, bytes)
            }
            AnyClient::Socket(c) => {
                let before = c.bytes;
                let messages = c.pump();
                (messages, c.bytes - before)
            }
        }
    }

    pub fn send(&mut self, m: &ClientMessage) {
        match self {
            AnyClient::Udp(c) => c.send(m),
            AnyClient::Socket(c) => c.send(m),
        }
    }

    pub fn is_connected(&self) -> bool {
        match self {
            AnyClient::Udp(c) => c.is_connected(),
            AnyClient::Socket(c) => c.is_connected(),
        }
    }

    pub fn is_disconnected(&self) -> bool {
        match self {
            AnyClient::Udp(c) => c.is_disconnected(),
            AnyClient::Socket(c) => c.is_disconnected(),
        }
    }

    /// Gone, or silent for so long that the server must be (a killed server says no goodbye):
    /// longer than its keep-alives (every 250 ms over UDP) or pings (every 0.5 s on a socket) allow.
    pub fn lost(&self) -> bool {
        match self {
            AnyClient::Udp(c) => c.is_disconnected() || c.silence() > Duration::from_secs(1),
            AnyClient::Socket(c) => c.is_disconnected() || c.silence() > Duration::from_secs(3),
        }
    }

    pub fn disconnect_reason(&self) -> Option<String> {
        match self {
            AnyClient::Udp(c) => c.disconnect_reason(),
            AnyClient::Socket(c) => c.is_disconnected().then(|| "the socket closed".to_string()),
        }
    }
}
