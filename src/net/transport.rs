//! Our own UDP loop around renetcode and renet, on both ends, so that every datagram is screened
//! before the libraries read it (see `docs/protocol.md`, "Hostile packets").
//!
//! Two published crashes are reachable by any peer: renetcode 2.0.0 trusts the sequence-length
//! nibble of the first byte (more than 8 panics), and renet 2.0.1 indexes a slice buffer by an
//! unchecked slice index. `datagram_is_safe` and `packet_is_safe` keep both away, and two more
//! that fuzzing found: a packet shorter than its sequence plus its 16-byte tag (renetcode slices
//! before the start of the buffer) and a sequence near `u64::MAX` (replay protection overflows).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::access::SharedGate;
use bevy_renet::renet::{ClientId, RenetClient, RenetServer};
use renetcode::{
    ClientAuthentication, ConnectToken, NETCODE_MAX_PACKET_BYTES, NetcodeClient, NetcodeError, NetcodeServer,
    ServerConfig, ServerResult,
};

/// renet's slice size: a sliced message travels in pieces of at most this many bytes.
const SLICE_BYTES: usize = 1200;
/// Highest packet type netcode defines (disconnect).
const NETCODE_LAST_PACKET_TYPE: u8 = 6;
/// The authentication tag closing every encrypted netcode packet.
const MAC_BYTES: usize = 16;
/// A connection request: prefix, version, protocol id, expiry, nonce and the private token.
const CONNECTION_REQUEST_BYTES: usize = 1 + 13 + 8 + 8 + 24 + 1024;
/// Bytes the server sends per frame at most, over all clients; the loop comes round again at
/// once while more waits.
const SEND_BYTES_PER_FRAME: usize = 192 * 1024;
/// Datagrams waiting for the next frame at most (about 20 MB of the largest).
const INBOX_DATAGRAMS: usize = 16 * 1024;
/// Most datagrams read in one tick, so a flood cannot hold a frame forever.
const MAX_DATAGRAMS_PER_TICK: usize = 4096;

/// Whether a raw datagram may be handed to renetcode.
pub fn datagram_is_safe(datagram: &[u8]) -> bool {
    let Some(&first) = datagram.first() else { return false };
    if datagram.len() > NETCODE_MAX_PACKET_BYTES {
        return false;
    }
    let kind = first & 0x0f;
    let sequence_bytes = usize::from(first >> 4);
    if kind > NETCODE_LAST_PACKET_TYPE || sequence_bytes > 8 {
        return false;
    }
    if kind == 0 {
        // A connection request carries no sequence and has one size.
        return sequence_bytes == 0 && datagram.len() == CONNECTION_REQUEST_BYTES;
    }
    // Shorter than its sequence and authentication tag: renetcode would slice before its start.
    if datagram.len() < 1 + sequence_bytes + MAC_BYTES {
        return false;
    }
    let Some(bytes) = datagram.get(1..1 + sequence_bytes) else { return false };
    let mut sequence = [0u8; 8];
    sequence[..sequence_bytes].copy_from_slice(bytes);
    // Replay protection adds its window to the sequence; no honest peer gets anywhere near this.
    u64::from_le_bytes(sequence) < u64::MAX / 2
}

/// Reads renet's wire format just far enough to know that renet can read it without panicking.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    /// A QUIC variable-length integer, as the `octets` crate writes it.
    fn varint(&mut self) -> Option<u64> {
        let first = self.u8()?;
        let len = 1usize << (first >> 6);
        let mut value = u64::from(first & 0x3f);
        for &b in self.take(len - 1)? {
            value = (value << 8) | u64::from(b);
        }
        Some(value)
    }

    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    fn bytes_with_length(&mut self) -> Option<&[u8]> {
        let n = usize::try_from(self.varint()?).ok()?;
        self.take(n)
    }
}

/// What one peer's packets have announced so far. renet sizes a message's slice buffer from its
/// first slice, so every later slice of that message must give the same count; and it buffers
/// messages that arrive ahead of the next one due, so ids far ahead are refused.
#[derive(Debug, Default)]
pub struct PeerScreen {
    /// Sliced messages being assembled: id → (slice count, slices seen).
    slices: HashMap<u64, (u64, BTreeSet<u64>)>,
    /// Messages the application has taken from this peer (the next id due on an ordered channel).
    pub delivered: u64,
}

/// Message ids may run at most this far ahead of the next one due (an honest peer has a handful in
/// flight).
const MESSAGE_ID_WINDOW: u64 = 1024;
/// Sliced messages being assembled at once, at most, per peer.
const MAX_MESSAGES_IN_SLICES: usize = 16;

/// Whether a decrypted renet packet is well formed for our channels (`channels` lists the ids) and
/// sliced messages of at most `max_message_bytes`, and consistent with what `peer` sent before.
pub fn packet_is_safe(packet: &[u8], channels: &[u8], max_message_bytes: usize, peer: &mut PeerScreen) -> bool {
    screen_packet(&mut Reader { bytes: packet }, channels, max_message_bytes, peer).is_some()
}

fn screen_packet(r: &mut Reader, channels: &[u8], max_message_bytes: usize, peer: &mut PeerScreen) -> Option<()> {
    let kind = r.u8()?;
    r.varint()?; // sequence
    let in_window = |id: u64| id < peer.delivered.saturating_add(MESSAGE_ID_WINDOW);
    match kind {
        0 | 1 => {
            if !channels.contains(&r.u8()?) {
                return None;
            }
            for _ in 0..r.u16()? {
                if kind == 0 && !in_window(r.varint()?) {
                    return None;
                }
                let message = r.bytes_with_length()?;
                // An empty message costs renet memory it does not count.
                if message.is_empty() || message.len() > max_message_bytes {
                    return None;
                }
            }
            Some(())
        }
        2 | 3 => {
            if !channels.contains(&r.u8()?) {
                return None;
            }
            let id = r.varint()?;
            let index = r.varint()?;
            let count = r.varint()?;
            let most = max_message_bytes.div_ceil(SLICE_BYTES) as u64;
            let payload = r.bytes_with_length()?;
            let well_formed = count >= 1
                && count <= most
                && index < count
                && !payload.is_empty()
                && payload.len() <= SLICE_BYTES
                && in_window(id);
            if !well_formed {
                return None;
            }
            match peer.slices.get_mut(&id) {
                Some((c, _)) if *c != count => return None,
                Some((_, seen)) => {
                    seen.insert(index);
                }
                None => {
                    if peer.slices.len() >= MAX_MESSAGES_IN_SLICES {
                        return None;
                    }
                    peer.slices.insert(id, (count, BTreeSet::from([index])));
                }
            }
            // Once every slice has come, renet has the message; later copies of its slices are
            // ignored by renet whatever they say.
            if peer.slices.get(&id).is_some_and(|(c, seen)| seen.len() as u64 == *c) {
                peer.slices.remove(&id);
            }
            Some(())
        }
        4 => {
            let end = r.varint()?;
            let size = r.varint()?;
            let mut start = end.checked_sub(size)?;
            end.checked_add(1)?;
            for _ in 0..r.varint()? {
                let gap = r.varint()?;
                let range_end = start.checked_sub(gap.checked_add(2)?)?;
                let range_size = r.varint()?;
                start = range_end.checked_sub(range_size)?;
            }
            Some(())
        }
        _ => None,
    }
}

/// Counts of what the screens kept out, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Screened {
    pub datagrams_dropped: u64,
    pub packets_refused: u64,
    /// Safe datagrams dropped because the server fell behind by a whole queue.
    pub queue_overflow: u64,
    /// Connection requests without a token the gate issued, or from a second address, or from an
    /// address with too many handshakes under way.
    pub handshakes_refused: u64,
}

/// The server's transport: a UDP socket, renetcode's server, and the screens.
///
/// A thread of its own drains the socket as datagrams arrive and screens them, so that the
/// kernel's small buffer never overflows while a frame sleeps (a hundred clients acknowledging a
/// turn's views would otherwise crowd out the handshakes of clients still joining).
pub struct ServerTransport {
    socket: UdpSocket,
    /// Behind a mutex only so the transport can be a resource (one frame reads it at a time).
    inbox: Mutex<Receiver<(SocketAddr, Vec<u8>)>>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    netcode: NetcodeServer,
    channels: Vec<u8>,
    max_message_bytes: usize,
    /// The client to serve first next frame (so no client always waits).
    next_sender: usize,
    packets_refused: u64,
    peers: HashMap<ClientId, PeerScreen>,
    /// When each connected client was last heard from (any datagram from its address).
    heard: HashMap<ClientId, Instant>,
    doorbell: Doorbell,
}

/// Rung by the receiving thread when a datagram arrives that may carry a message (a handshake, a
/// payload, a goodbye; not a keep-alive), so that a server asleep between idle frames wakes at
/// once instead of at its next tick.
#[derive(Clone, Default)]
pub struct Doorbell(Arc<(Mutex<bool>, Condvar)>);

impl Doorbell {
    pub fn ring(&self) {
        let (rung, bell) = &*self.0;
        *rung.lock().unwrap_or_else(|e| e.into_inner()) = true;
        bell.notify_all();
    }

    /// Waits until the bell rings or `timeout` passes, and silences it.
    pub fn wait(&self, timeout: Duration) {
        let (rung, bell) = &*self.0;
        let guard = rung.lock().unwrap_or_else(|e| e.into_inner());
        let (mut guard, _) = bell.wait_timeout_while(guard, timeout, |r| !*r).unwrap_or_else(|e| e.into_inner());
        *guard = false;
    }
}

/// netcode's packet types (the low nibble of a packet's first byte) after which a frame has work.
fn wakes_the_server(datagram: &[u8]) -> bool {
    // 0 connection request, 3 challenge response, 5 payload, 6 disconnect.
    datagram.first().is_some_and(|b| matches!(b & 0x0f, 0 | 3 | 5 | 6))
}

/// Counts kept by the receiving thread.
#[derive(Default)]
struct Counters {
    dropped: AtomicU64,
    overflow: AtomicU64,
    handshakes: AtomicU64,
}

impl Drop for ServerTransport {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl ServerTransport {
    pub fn new(
        config: ServerConfig,
        socket: UdpSocket,
        channels: Vec<u8>,
        max_message_bytes: usize,
        gate: Option<SharedGate>,
    ) -> io::Result<Self> {
        // Blocking with a timeout: the thread sleeps in the kernel until a datagram comes, and
        // looks up now and then to see whether it should stop.
        socket.set_nonblocking(false)?;
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let reader = socket.try_clone()?;
        let (tx, inbox) = sync_channel(INBOX_DATAGRAMS);
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (c, halt) = (counters.clone(), stop.clone());
        let doorbell = Doorbell::default();
        let bell = doorbell.clone();
        std::thread::Builder::new().name("truce-udp".into()).spawn(move || receive(reader, tx, c, halt, gate, bell))?;
        Ok(ServerTransport {
            socket,
            inbox: Mutex::new(inbox),
            counters,
            stop,
            netcode: NetcodeServer::new(config),
            channels,
            max_message_bytes,
            next_sender: 0,
            packets_refused: 0,
            peers: HashMap::new(),
            heard: HashMap::new(),
            doorbell,
        })
    }

    /// The bell the receiving thread rings when a frame has work.
    pub fn doorbell(&self) -> Doorbell {
        self.doorbell.clone()
    }

    /// Notes that the application took one message from `client` (see `PeerScreen`).
    pub fn delivered(&mut self, client: ClientId) {
        self.peers.entry(client).or_default().delivered += 1;
    }

    /// What the screens have kept out so far.
    pub fn screened(&self) -> Screened {
        Screened {
            datagrams_dropped: self.counters.dropped.load(Ordering::Relaxed),
            packets_refused: self.packets_refused,
            queue_overflow: self.counters.overflow.load(Ordering::Relaxed),
            handshakes_refused: self.counters.handshakes.load(Ordering::Relaxed),
        }
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The authenticated user data of a connected client.
    pub fn user_data(&self, client: ClientId) -> Option<[u8; 256]> {
        self.netcode.user_data(client)
    }

    pub fn client_addr(&self, client: ClientId) -> Option<SocketAddr> {
        self.netcode.client_addr(client)
    }

    /// Advances netcode and hands it every datagram that arrived since the last frame.
    pub fn update(&mut self, elapsed: Duration, server: &mut RenetServer) -> io::Result<()> {
        self.netcode.update(elapsed);
        let mut refused = 0;
        let arrived: Vec<(SocketAddr, Vec<u8>)> = match self.inbox.lock() {
            Ok(inbox) => inbox.try_iter().take(INBOX_DATAGRAMS).collect(),
            Err(_) => Vec::new(),
        };
        let now = Instant::now();
        let senders: HashSet<SocketAddr> = arrived.iter().map(|(a, _)| *a).collect();
        for (addr, mut datagram) in arrived {
            let result = self.netcode.process_packet(addr, &mut datagram);
            refused += handle(result, &self.socket, server, &self.channels, self.max_message_bytes, &mut self.peers);
        }
        for client in self.netcode.clients_id() {
            let result = self.netcode.update_client(client);
            refused += handle(result, &self.socket, server, &self.channels, self.max_message_bytes, &mut self.peers);
        }
        for client in server.disconnections_id() {
            let result = self.netcode.disconnect(client);
            refused += handle(result, &self.socket, server, &self.channels, self.max_message_bytes, &mut self.peers);
        }
        self.packets_refused += refused;
        let clients = self.netcode.clients_id();
        self.heard.retain(|c, _| clients.contains(c));
        for client in clients {
            let from_it = self.netcode.client_addr(client).is_some_and(|a| senders.contains(&a));
            if from_it || !self.heard.contains_key(&client) {
                self.heard.insert(client, now);
            }
        }
        Ok(())
    }

    /// When each connected client was last heard from.
    pub fn heard(&self) -> &HashMap<ClientId, Instant> {
        &self.heard
    }

    /// Sends what renet has queued, for as many clients as this frame's budget allows, starting
    /// where the last frame stopped. Returns true if some clients had to wait for the next frame.
    ///
    /// A burst to a hundred clients at once (every view at the start of a turn) would fill the
    /// socket's buffer, and the handshakes of clients still joining would be lost with the rest.
    pub fn send_packets(&mut self, server: &mut RenetServer) -> bool {
        let clients = server.clients_id();
        if clients.is_empty() {
            return false;
        }
        let mut budget = SEND_BYTES_PER_FRAME;
        let start = self.next_sender % clients.len();
        for i in 0..clients.len() {
            let client = clients[(start + i) % clients.len()];
            if budget == 0 {
                self.next_sender = (start + i) % clients.len();
                return true;
            }
            let Ok(packets) = server.get_packets_to_send(client) else { continue };
            for packet in packets {
                budget = budget.saturating_sub(packet.len());
                match self.netcode.generate_payload_packet(client, &packet) {
                    Ok((addr, payload)) => {
                        // The socket blocks for as long as the kernel needs to make room (it is
                        // shared with the receiving thread); the frame's budget keeps that short.
                        if self.socket.send_to(payload, addr).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        }
        self.next_sender = start + 1;
        false
    }

    /// Tells every client goodbye at once (on shutdown).
    pub fn disconnect_all(&mut self, server: &mut RenetServer) {
        for client in self.netcode.clients_id() {
            let result = self.netcode.disconnect(client);
            handle(result, &self.socket, server, &self.channels, self.max_message_bytes, &mut self.peers);
        }
    }
}

/// The receiving thread: screen every datagram, queue the safe ones for the next frame. With a
/// gate, a connection request passes only with a token the gate issued (see `Gate::admit_handshake`).
fn receive(
    socket: UdpSocket,
    tx: SyncSender<(SocketAddr, Vec<u8>)>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    gate: Option<SharedGate>,
    doorbell: Doorbell,
) {
    let mut buffer = [0u8; NETCODE_MAX_PACKET_BYTES];
    while !stop.load(Ordering::Relaxed) {
        let (len, addr) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::ConnectionReset) => continue,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if !datagram_is_safe(&buffer[..len]) {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if buffer[0] == 0
            && let Some(gate) = &gate
            && !gate.lock().admit_handshake(&buffer[..len], addr, Instant::now())
        {
            counters.handshakes.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        match tx.try_send((addr, buffer[..len].to_vec())) {
            Ok(()) if wakes_the_server(&buffer[..len]) => doorbell.ring(),
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                counters.overflow.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}

/// Acts on what netcode made of a datagram; returns 1 if a packet was refused.
fn handle(
    result: ServerResult,
    socket: &UdpSocket,
    server: &mut RenetServer,
    channels: &[u8],
    max_message_bytes: usize,
    peers: &mut HashMap<ClientId, PeerScreen>,
) -> u64 {
    match result {
        ServerResult::None => {}
        ServerResult::PacketToSend { payload, addr } => {
            let _ = socket.send_to(payload, addr);
        }
        ServerResult::Payload { client_id, payload } => {
            if !server.is_connected(client_id) {
                return 0;
            }
            if packet_is_safe(payload, channels, max_message_bytes, peers.entry(client_id).or_default()) {
                let _ = server.process_packet_from(payload, client_id);
            } else {
                // A malformed packet costs its sender the connection and nobody else anything.
                server.disconnect(client_id);
                return 1;
            }
        }
        ServerResult::ClientConnected { client_id, addr, payload, .. } => {
            server.add_connection(client_id);
            let _ = socket.send_to(payload, addr);
        }
        ServerResult::ClientDisconnected { client_id, addr, payload } => {
            server.remove_connection(client_id);
            peers.remove(&client_id);
            if let Some(payload) = payload {
                let _ = socket.send_to(payload, addr);
            }
        }
    }
    0
}

/// A client's transport: a UDP socket, renetcode's client and the same screens. The server is
/// reached at `server_addr` (the address the user gave), whatever the token names.
pub struct ClientTransport {
    socket: UdpSocket,
    netcode: NetcodeClient,
    server_addr: SocketAddr,
    buffer: [u8; NETCODE_MAX_PACKET_BYTES],
    channels: Vec<u8>,
    max_message_bytes: usize,
    pub screened: Screened,
    /// What the server's packets announced so far.
    pub peer: PeerScreen,
}

impl ClientTransport {
    pub fn new(
        now: Duration,
        token: ConnectToken,
        server_addr: SocketAddr,
        channels: Vec<u8>,
        max_message_bytes: usize,
    ) -> Result<Self, NetcodeError> {
        let bind: SocketAddr = if server_addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("literal");
        let socket = UdpSocket::bind(bind)?;
        socket.set_nonblocking(true)?;
        let netcode = NetcodeClient::new(now, ClientAuthentication::Secure { connect_token: token })?;
        Ok(ClientTransport {
            socket,
            netcode,
            server_addr,
            buffer: [0; NETCODE_MAX_PACKET_BYTES],
            channels,
            max_message_bytes,
            screened: Screened::default(),
            peer: PeerScreen::default(),
        })
    }

    pub fn client_id(&self) -> ClientId {
        self.netcode.client_id()
    }

    pub fn is_disconnected(&self) -> bool {
        self.netcode.is_disconnected()
    }

    /// Why netcode is disconnected, if it is.
    pub fn disconnect_reason(&self) -> Option<renetcode::DisconnectReason> {
        self.netcode.disconnect_reason()
    }

    /// Time since the server was last heard from.
    pub fn silence(&self) -> Duration {
        self.netcode.time_since_last_received_packet()
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Reads what the server sent and advances netcode.
    pub fn update(&mut self, elapsed: Duration, client: &mut RenetClient) -> io::Result<()> {
        if self.netcode.is_disconnected() {
            client.disconnect_due_to_transport();
            return Ok(());
        }
        if client.is_disconnected() {
            self.disconnect();
            return Ok(());
        }
        if self.netcode.is_connected() {
            client.set_connected();
        } else if self.netcode.is_connecting() {
            client.set_connecting();
        }
        for _ in 0..MAX_DATAGRAMS_PER_TICK {
            let (len, addr) = match self.socket.recv_from(&mut self.buffer) {
                Ok(received) => received,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => break,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => continue,
                Err(e) => return Err(e),
            };
            if addr != self.server_addr || !datagram_is_safe(&self.buffer[..len]) {
                self.screened.datagrams_dropped += 1;
                continue;
            }
            if let Some(payload) = self.netcode.process_packet(&mut self.buffer[..len]) {
                if packet_is_safe(payload, &self.channels, self.max_message_bytes, &mut self.peer) {
                    client.process_packet(payload);
                } else {
                    self.screened.packets_refused += 1;
                    client.disconnect();
                }
            }
        }
        // The handshake may have completed in this very batch of datagrams.
        if self.netcode.is_connected() {
            client.set_connected();
        }
        if let Some((packet, _)) = self.netcode.update(elapsed) {
            self.socket.send_to(packet, self.server_addr)?;
        }
        Ok(())
    }

    /// Sends what renet has queued.
    pub fn send_packets(&mut self, client: &mut RenetClient) -> io::Result<()> {
        if self.netcode.is_disconnected() {
            return Ok(());
        }
        for packet in client.get_packets_to_send() {
            if let Ok((_, payload)) = self.netcode.generate_payload_packet(&packet) {
                self.socket.send_to(payload, self.server_addr)?;
            }
        }
        Ok(())
    }

    /// Says goodbye to the server, if still connected.
    pub fn disconnect(&mut self) {
        if self.netcode.is_disconnected() {
            return;
        }
        if let Ok((_, packet)) = self.netcode.disconnect() {
            let _ = self.socket.send_to(packet, self.server_addr);
        }
    }

    /// Sends raw bytes to the server from this client's socket (for tests of hostile datagrams).
    pub fn send_raw(&self, bytes: &[u8]) -> io::Result<usize> {
        self.socket.send_to(bytes, self.server_addr)
    }

    /// Encrypts `payload` as a netcode payload packet and sends it, bypassing renet (for tests of
    /// hostile renet packets from an authenticated client).
    pub fn send_raw_payload(&mut self, payload: &[u8]) -> Result<(), NetcodeError> {
        let (_, packet) = self.netcode.generate_payload_packet(payload)?;
        self.socket.send_to(packet, self.server_addr)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_nibble_above_eight_is_dropped() {
        for nibble in 9u8..=15 {
            let mut d = vec![(nibble << 4) | 5];
            d.extend([0u8; 40]);
            assert!(!datagram_is_safe(&d));
        }
        let mut ok = vec![(1 << 4) | 5, 7];
        ok.extend([0u8; 40]);
        assert!(datagram_is_safe(&ok));
        assert!(!datagram_is_safe(&[]));
        // Eight sequence bytes and less than a tag after them.
        let mut short = vec![(8 << 4) | 5];
        short.extend([1u8; 8 + 15]);
        assert!(!datagram_is_safe(&short));
        assert!(!datagram_is_safe(&[0u8; 100]), "a connection request has one size");
    }

    #[test]
    fn slice_index_not_below_count_is_refused() {
        let peer = &mut PeerScreen::default();
        // ReliableSlice: type 2, sequence 0, channel 0, message 0, index 3, count 3, 1 byte.
        assert!(!packet_is_safe(&[2, 0, 0, 0, 3, 3, 1, 9], &[0], 4096, peer));
        assert!(packet_is_safe(&[2, 0, 0, 0, 2, 3, 1, 9], &[0], 4096, peer));
        // More slices than the largest message needs.
        assert!(!packet_is_safe(&[2, 0, 0, 0, 0, 0x40, 200, 1, 9], &[0], 4096, peer));
        // An unknown channel.
        assert!(!packet_is_safe(&[0, 0, 7, 0, 0], &[0], 4096, peer));
    }

    #[test]
    fn a_later_slice_must_agree_with_the_first_on_the_count() {
        let peer = &mut PeerScreen::default();
        // Message 0 announced in 2 slices, then a slice claiming 4 with index 3: renet would index
        // past the buffer it made for 2.
        assert!(packet_is_safe(&[2, 0, 0, 0, 0, 2, 1, 9], &[0], 4096, peer));
        assert!(!packet_is_safe(&[2, 1, 0, 0, 3, 4, 1, 9], &[0], 4096, peer));
        assert!(packet_is_safe(&[2, 2, 0, 0, 1, 2, 1, 9], &[0], 4096, peer));
    }

    #[test]
    fn empty_messages_and_ids_far_ahead_are_refused() {
        let peer = &mut PeerScreen::default();
        // SmallReliable: type 0, sequence 0, channel 0, one message, id 0, length 0.
        assert!(!packet_is_safe(&[0, 0, 0, 0, 1, 0, 0], &[0], 4096, peer));
        assert!(packet_is_safe(&[0, 0, 0, 0, 1, 0, 1, 7], &[0], 4096, peer));
        // Id 5000 (a two-byte varint) while nothing was delivered yet.
        assert!(!packet_is_safe(&[0, 0, 0, 0, 1, 0x53, 0x88, 1, 7], &[0], 4096, peer));
    }
}
