//! The network: secure UDP netcode behind screened datagrams, JSON over WebSocket, the HTTP side
//! (join endpoint, browser client, schema), and the systems that turn packets and frames into the
//! host's messages (`Joined`, `Incoming`, `Left`) and back. Nothing here knows the rules.

pub mod client;
pub mod http;
pub mod join;
pub mod transport;
pub mod web;
pub mod ws;

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::time::{SystemTime, UNIX_EPOCH};

use bevy::prelude::*;
use bevy_renet::renet::ServerEvent;
use bevy_renet::{RenetReceive, RenetSend, RenetServer, RenetServerEvent, RenetServerPlugin};
use renetcode::{ServerAuthentication, ServerConfig, generate_random_bytes};

use crate::access::SharedGate;
use crate::host::{Disconnect, Incoming, Joined, LastHeard, Left, Outgoing};
use crate::protocol::{
    CHANNEL, MAX_CLIENT_MESSAGE_BYTES, ServerMessage, TokenData, connection_config, decode_client, encode, protocol_id,
};
use http::serve_http;
use join::JoinService;
use transport::ServerTransport;

/// Most simultaneous connections (netcode panics above 1,024).
pub const MAX_CLIENTS: usize = 512;

/// The server's transport, as a resource.
#[derive(Resource)]
pub struct NetServer {
    pub transport: ServerTransport,
    pub addr: SocketAddr,
    /// Connections to close next frame (they were sent a goodbye this frame).
    closing: Vec<u64>,
}

pub struct NetServerPlugin;

impl Plugin for NetServerPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(RenetServerPlugin)
            .add_systems(
                PreUpdate,
                receive_datagrams
                    .in_set(RenetReceive)
                    .run_if(resource_exists::<NetServer>)
                    .after(RenetServerPlugin::update_system)
                    .before(RenetServerPlugin::emit_server_events_system),
            )
            .add_systems(PreUpdate, read_messages.after(RenetReceive).run_if(resource_exists::<NetServer>))
            .add_systems(
                PostUpdate,
                (send_outgoing.after(crate::host::view::send_views), send_datagrams.in_set(RenetSend))
                    .chain()
                    .run_if(resource_exists::<NetServer>),
            )
            .add_systems(
                PreUpdate,
                ws::receive_socket_messages.after(RenetReceive).run_if(resource_exists::<ws::Sockets>),
            )
            .add_systems(
                PostUpdate,
                ws::send_socket_messages.after(crate::host::view::send_views).run_if(resource_exists::<ws::Sockets>),
            )
            .add_systems(Last, goodbye_on_exit.run_if(resource_exists::<NetServer>))
            .add_systems(Last, ws::goodbye_sockets_on_exit.run_if(resource_exists::<ws::Sockets>))
            .add_observer(on_server_event);
    }
}

/// Makes a fresh private key and puts the transports on the bound sockets (see `bind_pair`) in
/// `app`; starts the HTTP side (join endpoint, browser client, WebSocket), which admits through `gate` (the `SharedGate` resource the
/// game already holds). Returns the game's address.
pub fn start_server(app: &mut App, udp: UdpSocket, tcp: TcpListener, gate: SharedGate) -> std::io::Result<SocketAddr> {
    let addr = udp.local_addr()?;
    let key = generate_random_bytes::<32>();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(std::io::Error::other)?;
    let config = ServerConfig {
        current_time: now,
        max_clients: MAX_CLIENTS,
        protocol_id: protocol_id(),
        public_addresses: vec![addr],
        authentication: ServerAuthentication::Secure { private_key: key },
    };
    let transport = ServerTransport::new(config, udp, vec![CHANNEL], MAX_CLIENT_MESSAGE_BYTES, Some(gate.clone()))?;
    let (sockets, door) = ws::sockets(gate.clone(), transport.doorbell());
    app.insert_resource(RenetServer::new(connection_config()));
    app.insert_resource(NetServer { transport, addr, closing: Vec::new() });
    app.insert_resource(sockets);
    serve_http(tcp, JoinService::new(gate, key, addr), door)?;
    Ok(addr)
}

/// A UDP socket and a TCP listener with the same port number (any free one for port 0).
pub fn bind_pair(bind: SocketAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..20 {
        let udp = UdpSocket::bind(bind)?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(bind.ip(), port)) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if bind.port() == 0 => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port")))
}

fn receive_datagrams(
    mut net: ResMut<NetServer>,
    mut server: ResMut<RenetServer>,
    time: Res<Time<Real>>,
    mut heard: ResMut<LastHeard>,
) {
    let closing = std::mem::take(&mut net.closing);
    for client in closing {
        server.disconnect(client);
    }
    if let Err(e) = net.transport.update(time.delta(), &mut server) {
        // The socket itself failed (not a peer's doing): say so and keep serving.
        error!("network error: {e}");
    }
    heard.0 = net.transport.heard().iter().map(|(c, t)| (*c, *t)).collect();
}

/// Decodes every message from every client; bytes that do not decode cost the sender its
/// connection, and nobody else notices.
fn read_messages(
    mut server: ResMut<RenetServer>,
    mut net: ResMut<NetServer>,
    mut incoming: MessageWriter<Incoming>,
    mut pending: ResMut<crate::host::Pending>,
) {
    for client in server.clients_id() {
        while let Some(bytes) = server.receive_message(client, CHANNEL) {
            net.transport.delivered(client);
            pending.busy = true;
            match decode_client(&bytes) {
                Some(message) => {
                    incoming.write(Incoming { client, message });
                }
                None => {
                    info!("client #{client:x} sent bytes that are not a message; disconnected");
                    server.disconnect(client);
                    break;
                }
            }
        }
    }
}

fn on_server_event(
    event: On<RenetServerEvent>,
    mut server: ResMut<RenetServer>,
    net: Res<NetServer>,
    gate: Res<SharedGate>,
    mut joined: MessageWriter<Joined>,
    mut left: MessageWriter<Left>,
) {
    match &event.event().0 {
        ServerEvent::ClientConnected { client_id } => {
            gate.lock().connected(*client_id);
            let data = net.transport.user_data(*client_id).and_then(|d| TokenData::from_user_data(&d));
            match data {
                Some(d) => {
                    joined.write(Joined { client: *client_id, role: d.role, seat: d.seat });
                }
                None => server.disconnect(*client_id),
            }
        }
        ServerEvent::ClientDisconnected { client_id, .. } => {
            left.write(Left { client: *client_id });
        }
    }
}

/// Encodes and sends what the host wrote; a client too slow to take its messages is dropped
/// (it can rejoin) rather than letting its backlog grow.
fn send_outgoing(
    mut outgoing: MessageReader<Outgoing>,
    mut disconnects: MessageReader<Disconnect>,
    mut server: ResMut<RenetServer>,
    mut net: ResMut<NetServer>,
    mut pending: ResMut<crate::host::Pending>,
) {
    // A message shared by many connections (a seat's view) is encoded once.
    let mut encoded: std::collections::HashMap<*const ServerMessage, bytes::Bytes> = Default::default();
    for o in outgoing.read() {
        if !server.is_connected(o.to) {
            continue;
        }
        let bytes =
            encoded.entry(std::sync::Arc::as_ptr(&o.message)).or_insert_with(|| encode(&*o.message).into()).clone();
        pending.busy = true;
        if server.can_send_message(o.to, CHANNEL, bytes.len()) {
            server.send_message(o.to, CHANNEL, bytes);
        } else {
            warn!("client #{:x} is not keeping up; disconnected", o.to);
            server.disconnect(o.to);
        }
    }
    for d in disconnects.read() {
        if server.is_connected(d.client) {
            let bytes = encode(&ServerMessage::Goodbye { reason: d.reason.clone(), rejoin: d.rejoin });
            if server.can_send_message(d.client, CHANNEL, bytes.len()) {
                server.send_message(d.client, CHANNEL, bytes);
            }
            net.closing.push(d.client);
        }
    }
}

fn send_datagrams(
    mut net: ResMut<NetServer>,
    mut server: ResMut<RenetServer>,
    mut pending: ResMut<crate::host::Pending>,
) {
    pending.backlog = net.transport.send_packets(&mut server);
    pending.busy |= pending.backlog;
}

fn goodbye_on_exit(exit: MessageReader<AppExit>, mut net: ResMut<NetServer>, mut server: ResMut<RenetServer>) {
    if !exit.is_empty() {
        net.transport.disconnect_all(&mut server);
    }
}
