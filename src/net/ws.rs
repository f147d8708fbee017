//! The WebSocket transport: the protocol's messages as JSON text frames at `GET /ws`, for the
//! browser client and for bots in any language. Each socket is a task on the HTTP side's runtime;
//! the game meets its sockets only as `Joined`, `Incoming` and `Left`, as it meets UDP ones.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use base64::Engine;
use bevy::prelude::*;
use renetcode::ConnectToken;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

use super::join::Answer;
use super::transport::Doorbell;
use crate::access::{Holder, SharedGate};
use crate::host::{Disconnect, Incoming, Joined, LastHeard, Left, Outgoing, Pending};
use crate::protocol::{
    Allowance, CONNECTION_TIMEOUT_SECONDS, ClientMessage, MAX_CLIENT_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMessage,
    decode_json_client, encode_json,
};

/// Sockets open at once, over every code (each code's own limit is the host's, as for UDP).
pub const MAX_SOCKETS: usize = 512;
/// Messages a socket may send per second on average, and in one burst, before it counts as a
/// flood and is closed: three times what the host takes from any connection (20 a second, bursts
/// of 100) before it refuses them one by one, so an eager client is slowed, not cut off.
pub const SOCKET_MESSAGES_PER_SECOND: f64 = 60.0;
pub const SOCKET_BURST: f64 = 300.0;
/// Messages waiting to be written to one socket at most; a reader that falls this far behind is
/// closed (it can rejoin) rather than letting its backlog grow.
pub const SOCKET_QUEUE: usize = 256;
/// Time one write may take: a client that stops reading holds only its own socket, and not for long.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// The server pings every socket this often, well within `SILENT_AFTER_MS`, so that a live socket
/// never looks silent to a newcomer of its code; a socket silent for `CONNECTION_TIMEOUT_SECONDS`
/// (no frame, not even a pong) is closed, as netcode closes a silent UDP connection.
pub const PING_EVERY: Duration = Duration::from_millis(500);
/// Joins and messages from all sockets waiting for the game's next frame at most.
const EVENTS_WAITING: usize = 16 * 1024;
/// Events the game takes from the sockets in one frame at most, so a crowd cannot hold a frame.
const EVENTS_PER_FRAME: usize = 4096;

/// What a socket task tells the game.
enum Event {
    Joined { client: u64, holder: Holder },
    Message { client: u64, message: ClientMessage },
}

/// What the game asks a socket task to write.
enum Out {
    Text(Utf8Bytes),
    /// The last message: write it, then close.
    Goodbye(Utf8Bytes),
}

/// One open socket, as the game reaches it.
struct Link {
    queue: mpsc::Sender<Out>,
    /// Dropped to close the socket at once (a reader too slow for its queue).
    _kick: oneshot::Sender<()>,
    /// When the socket last sent a frame, in milliseconds from `SocketDoor::epoch`.
    heard: Arc<AtomicU64>,
}

/// What the HTTP side and the game share: the gate that admits tokens, the open sockets, and the
/// events on their way to the game.
pub struct SocketDoor {
    gate: SharedGate,
    events: SyncSender<Event>,
    links: Mutex<HashMap<u64, Link>>,
    doorbell: Doorbell,
    epoch: Instant,
}

/// The game's end of the sockets.
#[derive(Resource)]
pub struct Sockets {
    door: Arc<SocketDoor>,
    events: Mutex<Receiver<Event>>,
    /// Sockets the game was told had joined and not yet told had left.
    known: BTreeSet<u64>,
}

/// The door for the HTTP side and the resource for the game; `doorbell` wakes the game's loop.
pub fn sockets(gate: SharedGate, doorbell: Doorbell) -> (Sockets, Arc<SocketDoor>) {
    let (events, receiver) = sync_channel(EVENTS_WAITING);
    let door =
        Arc::new(SocketDoor { gate, events, links: Mutex::new(HashMap::new()), doorbell, epoch: Instant::now() });
    (Sockets { door: door.clone(), events: Mutex::new(receiver), known: BTreeSet::new() }, door)
}

impl SocketDoor {
    fn links(&self) -> MutexGuard<'_, HashMap<u64, Link>> {
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Hands an event to the game; false when the game is too far behind to take it.
    fn tell(&self, event: Event) -> bool {
        let told = self.events.try_send(event).is_ok();
        self.doorbell.ring();
        told
    }

    /// Sockets open now.
    pub fn open(&self) -> usize {
        self.links().len()
    }
}

/// The query of `GET /ws`: the protocol version the client speaks and a token from `POST /join`.
#[derive(Debug, Default, Deserialize)]
pub struct Ask {
    pub version: Option<u16>,
    pub token: Option<String>,
}

/// Decides whether a request may become a socket, and upgrades it. Refusals are the join
/// endpoint's JSON answers.
pub fn upgrade(
    door: Arc<SocketDoor>,
    ask: Ask,
    headers: &HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<axum::response::Response, Answer> {
    same_origin(headers)?;
    if ask.version != Some(PROTOCOL_VERSION) {
        return Err(Answer::error(
            400,
            format!("this server speaks protocol {PROTOCOL_VERSION}: open /ws?version={PROTOCOL_VERSION}&token=..."),
        ));
    }
    if door.open() >= MAX_SOCKETS {
        return Err(Answer::busy("the game has as many sockets open as it takes; try again in a second"));
    }
    let (client, holder) = ask.token.as_deref().and_then(|t| claim(&door, t)).ok_or_else(|| {
        Answer::error(401, "the token is unknown, used or expired: get a fresh one from POST /join for each socket")
    })?;
    Ok(upgrade
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
        .max_frame_size(MAX_CLIENT_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(door, client, holder, socket)))
}

/// A browser names the page that opens a socket; only pages served by the game itself may.
/// Clients that are not browsers send no `Origin` and are judged by their token alone.
fn same_origin(headers: &HeaderMap) -> Result<(), Answer> {
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(()) };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let origin = origin.to_str().unwrap_or("");
    let host_of_origin = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    if !host.is_empty() && host_of_origin == Some(host) {
        Ok(())
    } else {
        Err(Answer::error(403, "only the game's own page may open its socket"))
    }
}

/// The client id and holder of the token a socket presents (the one `POST /join` returned).
fn claim(door: &SocketDoor, token: &str) -> Option<(u64, Holder)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(token.trim()).ok()?;
    let token = ConnectToken::read(&mut bytes.as_slice()).ok()?;
    door.gate.lock().claim(&token.xnonce, Instant::now())
}

/// Why a socket's task ends.
enum End {
    /// Its peer closed, went silent, or broke the protocol's framing: nothing more to say.
    Quietly,
    /// Tell the peer why, then close.
    Saying(Utf8Bytes),
}

/// One socket's life: joins the game, then carries frames both ways until either end closes.
async fn serve(door: Arc<SocketDoor>, client: u64, holder: Holder, mut socket: WebSocket) {
    let (queue, mut outbox) = mpsc::channel(SOCKET_QUEUE);
    let (kick, mut kicked) = oneshot::channel();
    let heard = Arc::new(AtomicU64::new(door.now_ms()));
    door.links().insert(client, Link { queue, _kick: kick, heard: heard.clone() });
    let (role, seat) = holder;
    let end = if door.tell(Event::Joined { client, holder: (role, seat) }) {
        carry(&door, client, &heard, &mut socket, &mut outbox, &mut kicked).await
    } else {
        End::Saying(goodbye("the server is too busy to take you now; try again in a moment", true))
    };
    if let End::Saying(last) = end {
        let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(last))).await;
    }
    let close = CloseFrame { code: axum::extract::ws::close_code::NORMAL, reason: Utf8Bytes::from_static("") };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(close)))).await;
    // The game notices the link is gone and tells the host the client left.
    door.links().remove(&client);
    door.doorbell.ring();
}

/// The frames of one socket, both ways, until it ends.
async fn carry(
    door: &SocketDoor,
    client: u64,
    heard: &AtomicU64,
    socket: &mut WebSocket,
    outbox: &mut mpsc::Receiver<Out>,
    kicked: &mut oneshot::Receiver<()>,
) -> End {
    let mut bucket = Allowance::new(SOCKET_MESSAGES_PER_SECOND, SOCKET_BURST, Instant::now());
    let mut ping = tokio::time::interval(PING_EVERY);
    let silence = Duration::from_secs(CONNECTION_TIMEOUT_SECONDS as u64).as_millis() as u64;
    loop {
        tokio::select! {
            _ = &mut *kicked => return End::Quietly,
            frame = socket.recv() => {
                let Some(Ok(frame)) = frame else { return End::Quietly };
                heard.store(door.now_ms(), Ordering::Relaxed);
                if let Some(end) = take_frame(door, client, frame, &mut bucket, socket).await {
                    return end;
                }
            }
            out = outbox.recv() => match out {
                Some(Out::Text(text)) => {
                    if !write(socket, Message::Text(text)).await {
                        return End::Quietly;
                    }
                }
                Some(Out::Goodbye(text)) => return End::Saying(text),
                None => return End::Quietly,
            },
            _ = ping.tick() => {
                if door.now_ms().saturating_sub(heard.load(Ordering::Relaxed)) > silence {
                    return End::Quietly;
                }
                if !write(socket, Message::Ping(Default::default())).await {
                    return End::Quietly;
                }
            }
        }
    }
}

/// One frame from the peer: a message goes to the game; what is not one is answered `Refused`
/// and the socket stays open; a flood ends it.
async fn take_frame(
    door: &SocketDoor,
    client: u64,
    frame: Message,
    bucket: &mut Allowance,
    socket: &mut WebSocket,
) -> Option<End> {
    // Every frame counts, whatever it holds: answering binary frames or pings costs the same.
    if !bucket.take(Instant::now()) {
        let why = format!("more than {SOCKET_MESSAGES_PER_SECOND} messages a second; this socket is closed");
        return Some(End::Saying(goodbye(&why, false)));
    }
    let text = match frame {
        Message::Text(text) => text,
        Message::Binary(_) => {
            let refused = refusal("send each message as a text frame holding JSON");
            return (!write(socket, refused).await).then_some(End::Quietly);
        }
        Message::Close(_) => return Some(End::Quietly),
        Message::Ping(_) | Message::Pong(_) => return None,
    };
    match decode_json_client(text.as_str()) {
        Ok(message) => {
            if door.tell(Event::Message { client, message }) {
                None
            } else {
                Some(End::Saying(goodbye("the server is too busy to read you now; join again in a moment", true)))
            }
        }
        Err(reason) => (!write(socket, refusal(&reason)).await).then_some(End::Quietly),
    }
}

/// Writes one frame within `SEND_TIMEOUT`; false if the socket is done for.
async fn write(socket: &mut WebSocket, frame: Message) -> bool {
    matches!(tokio::time::timeout(SEND_TIMEOUT, socket.send(frame)).await, Ok(Ok(())))
}

fn refusal(reason: &str) -> Message {
    let refused = ServerMessage::Refused { what: "message".into(), reason: reason.into() };
    Message::Text(encode_json(&refused).into())
}

fn goodbye(reason: &str, rejoin: bool) -> Utf8Bytes {
    encode_json(&ServerMessage::Goodbye { reason: reason.into(), rejoin }).into()
}

/// Joins and messages from the sockets become the host's `Joined` and `Incoming`; a socket gone
/// becomes `Left`. Also tells the host when each socket was last heard from.
pub fn receive_socket_messages(
    mut sockets: ResMut<Sockets>,
    mut joined: MessageWriter<Joined>,
    mut incoming: MessageWriter<Incoming>,
    mut left: MessageWriter<Left>,
    mut pending: ResMut<Pending>,
    mut heard: ResMut<LastHeard>,
) {
    let sockets = &mut *sockets;
    let events: Vec<Event> = {
        let receiver = sockets.events.lock().unwrap_or_else(|p| p.into_inner());
        receiver.try_iter().take(EVENTS_PER_FRAME).collect()
    };
    pending.busy |= !events.is_empty();
    for event in events {
        match event {
            Event::Joined { client, holder: (role, seat) } => {
                sockets.known.insert(client);
                joined.write(Joined { client, role, seat });
            }
            Event::Message { client, message } => {
                incoming.write(Incoming { client, message });
            }
        }
    }
    let links = sockets.door.links();
    let gone: Vec<u64> = sockets.known.iter().filter(|c| !links.contains_key(c)).copied().collect();
    for (client, link) in links.iter() {
        let at = sockets.door.epoch + Duration::from_millis(link.heard.load(Ordering::Relaxed));
        heard.0.insert(*client, at);
    }
    drop(links);
    for client in gone {
        sockets.known.remove(&client);
        left.write(Left { client });
        pending.busy = true;
    }
}

/// Writes what the host sends to sockets, each message encoded once however many sockets it goes
/// to; a socket whose queue is full is closed.
pub fn send_socket_messages(
    sockets: Res<Sockets>,
    mut outgoing: MessageReader<Outgoing>,
    mut disconnects: MessageReader<Disconnect>,
) {
    let mut links = sockets.door.links();
    if links.is_empty() {
        outgoing.clear();
        disconnects.clear();
        return;
    }
    let mut encoded: HashMap<*const ServerMessage, Utf8Bytes> = HashMap::new();
    let mut slow = Vec::new();
    for o in outgoing.read() {
        let Some(link) = links.get(&o.to) else { continue };
        let text = encoded.entry(Arc::as_ptr(&o.message)).or_insert_with(|| encode_json(&o.message).into()).clone();
        if link.queue.try_send(Out::Text(text)).is_err() {
            slow.push(o.to);
        }
    }
    for d in disconnects.read() {
        if let Some(link) = links.get(&d.client)
            && link.queue.try_send(Out::Goodbye(goodbye(&d.reason, d.rejoin))).is_err()
        {
            slow.push(d.client);
        }
    }
    for client in slow {
        if links.remove(&client).is_some() {
            warn!("socket #{client:x} is not keeping up; closed");
        }
    }
}

/// Tells every socket the server is stopping.
pub fn goodbye_sockets_on_exit(exit: MessageReader<AppExit>, sockets: Res<Sockets>) {
    if !exit.is_empty() {
        for link in sockets.door.links().values() {
            let _ = link.queue.try_send(Out::Goodbye(goodbye("the server is stopping", true)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = Allowance::new(SOCKET_MESSAGES_PER_SECOND, SOCKET_BURST, start);
        let burst = (0..1000).take_while(|_| bucket.take(start)).count();
        assert_eq!(burst, SOCKET_BURST as usize);
        let later = start + Duration::from_secs(2);
        let refilled = (0..1000).take_while(|_| bucket.take(later)).count();
        assert_eq!(refilled, (2.0 * SOCKET_MESSAGES_PER_SECOND) as usize);
    }

    #[test]
    fn only_the_games_own_pages_may_open_a_socket() {
        let headers = |origin: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, "192.168.1.20:7878".parse().unwrap());
            if let Some(o) = origin {
                h.insert(header::ORIGIN, o.parse().unwrap());
            }
            h
        };
        assert!(same_origin(&headers(None)).is_ok(), "a bot sends no origin");
        assert!(same_origin(&headers(Some("http://192.168.1.20:7878"))).is_ok());
        assert_eq!(same_origin(&headers(Some("http://evil.example"))).unwrap_err().status, 403);
        assert_eq!(same_origin(&headers(Some("http://192.168.1.20:7879"))).unwrap_err().status, 403);
        assert_eq!(same_origin(&headers(Some("null"))).unwrap_err().status, 403);
    }
}
