//! The WebSocket path as a browser or a third party's bot meets it: a whole game played over
//! `GET /ws` with every frame checked against the schema the server serves; the upgrade's
//! refusals; hostile frames, floods and a stalled reader, each costing only its sender; the
//! browser client's files and their policy.

mod support;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::socket::{SocketClient, open, query};
use support::{Harness, Player};
use truce::host::OnTimeout;
use truce::net::client::request_token;
use truce::protocol::{ClientMessage, Command, ServerMessage};
use truce::rules::Phase;
use truce::rules::orders::SeatAction;
use tungstenite::Message;

const WAIT: Duration = Duration::from_secs(30);

fn get(h: &Harness, path: &str) -> (u16, String, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = agent.get(&format!("http://{}{path}", h.server.addr)).call().unwrap();
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (kind, policy) = (header("content-type"), header("content-security-policy"));
    let status = response.status().as_u16();
    (status, kind, policy, response.body_mut().read_to_string().unwrap_or_default())
}

/// A validator for one of the schema's definitions.
fn validator(schema: &serde_json::Value, name: &str) -> jsonschema::Validator {
    let rooted = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/$defs/{name}"),
        "$defs": schema["$defs"].clone(),
    });
    jsonschema::validator_for(&rooted).expect("the served schema compiles")
}

#[test]
fn a_whole_game_over_websockets_keeps_to_the_served_schema() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let (status, kind, _, text) = get(&h, "/schema.json");
    assert_eq!((status, kind.as_str()), (200, "application/schema+json"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (server_schema, client_schema) = (validator(&schema, "ServerMessage"), validator(&schema, "ClientMessage"));

    let mut ukr = h.join_socket("ukr");
    let mut fac = h.join_socket("facilitator");
    let mut obs = h.join_socket("observer");
    let hello = ClientMessage::Hello { name: "Ana".into() };
    ukr.send(hello.clone());
    fac.send(ClientMessage::Command(Command::Start));
    h.run(&mut [&mut ukr, &mut fac, &mut obs], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    let mut sent = vec![hello, ClientMessage::Command(Command::Start)];
    while h.phase() != Phase::GameOver {
        let turn = ukr.turn();
        let menu = h.ask_menu(&mut ukr, "public statement");
        assert!(!menu.is_empty(), "the menu offers a statement");
        let mut orders: Vec<ClientMessage> = ukr
            .view
            .as_ref()
            .unwrap()
            .options
            .as_ref()
            .unwrap()
            .advice
            .iter()
            .cloned()
            .map(ClientMessage::Order)
            .collect();
        orders.push(ClientMessage::Seat(SeatAction::Lock));
        for order in orders {
            let answer = h.ask(&mut ukr, order.clone());
            assert!(!matches!(answer, ServerMessage::Refused { .. }), "{order:?} refused: {answer:?}");
            sent.push(order);
        }
        h.run(&mut [&mut ukr, &mut fac, &mut obs], WAIT, |ps| {
            ps.iter().all(|p| p.turn() > turn || p.phase() == Some(Phase::GameOver))
        });
    }
    h.idle(&mut [&mut ukr, &mut fac, &mut obs], Duration::from_millis(300));
    let debrief = ukr.view.as_ref().unwrap().debrief.as_ref().expect("the game ended with a debrief");
    assert!(!debrief.ranking.is_empty());
    for p in [&ukr, &fac, &obs] {
        assert!(p.client.frames.len() > 10);
        for frame in &p.client.frames {
            let value: serde_json::Value = serde_json::from_str(frame).unwrap();
            if let Err(e) = server_schema.validate(&value) {
                panic!("a frame the schema does not describe ({e}): {}", &frame[..frame.len().min(400)]);
            }
        }
    }
    for m in &sent {
        let value = serde_json::to_value(m).unwrap();
        assert!(client_schema.is_valid(&value), "the schema refuses a message the server takes: {value}");
    }
    assert!(!client_schema.is_valid(&serde_json::json!({"Menu": {"kind": 7}})));
}

impl Harness {
    /// The orders a menu offers, asked for over any wire.
    fn ask_menu<C: support::Wire>(&mut self, p: &mut Player<C>, kind: &str) -> Vec<truce::rules::Order> {
        let mark = p.received.len();
        p.send(ClientMessage::Menu { kind: kind.into() });
        self.run(&mut [&mut *p], WAIT, |ps| ps[0].since(mark).iter().any(|m| matches!(m, ServerMessage::Menu(_))));
        match p.since(mark).iter().find(|m| matches!(m, ServerMessage::Menu(_))) {
            Some(ServerMessage::Menu(menu)) => menu.orders.clone(),
            _ => unreachable!(),
        }
    }
}

#[test]
fn a_socket_needs_a_fresh_token_the_right_version_and_the_games_own_page() {
    let h = Harness::new("tutorial", None, OnTimeout::Bot);
    let addr = h.server.addr;
    let code = h.code("ukr");
    let stream = || TcpStream::connect(addr).unwrap();
    let token = || request_token(addr, &code).unwrap().token;
    let status = |query: &str, origin: Option<&str>| open(addr, query, origin, stream()).err().unwrap_or(101);
    assert_eq!(status(&format!("version={}", truce::protocol::PROTOCOL_VERSION), None), 401, "no token");
    assert_eq!(status(&query("AAAA"), None), 401, "not a token");
    let once = token();
    assert_eq!(status(&query(&once), None), 101);
    assert_eq!(status(&query(&once), None), 401, "a token opens one socket");
    let v = truce::protocol::PROTOCOL_VERSION;
    let other = query(&token()).replace(&format!("version={v}"), &format!("version={}", v - 1));
    assert_eq!(status(&other, None), 400, "another version");
    assert_eq!(status(&query(&token()), Some("http://evil.example")), 403, "another site's page");
    let own = format!("http://{addr}");
    assert_eq!(status(&query(&token()), Some(&own)), 101, "the game's own page");
    let (status, _, _, body) = get(&h, "/ws");
    assert_eq!(status, 400, "a plain GET is no handshake: {body}");
    assert!(body.contains("WebSocket"), "{body}");
}

/// A game in its first orders phase with a Ukrainian player and the facilitator on sockets.
fn started() -> (Harness, Player<SocketClient>, Player<SocketClient>) {
    let mut h = Harness::new("tutorial", Some(600), OnTimeout::Bot);
    let mut ukr = h.join_socket("ukr");
    let mut fac = h.join_socket("facilitator");
    fac.send(ClientMessage::Command(Command::Start));
    h.run(&mut [&mut ukr, &mut fac], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    (h, ukr, fac)
}

/// The bystanders still play: an order is answered and the facilitator's command done.
fn bystanders_unharmed(h: &mut Harness, ukr: &mut Player<SocketClient>, fac: &mut Player<SocketClient>) {
    let statement = ClientMessage::Order(truce::rules::Order::PublicStatement { text: "still here".into() });
    assert!(matches!(h.ask(ukr, statement), ServerMessage::Verdict(v) if v.accepted));
    assert!(matches!(h.ask(fac, ClientMessage::Command(Command::Pause)), ServerMessage::Done { .. }));
    assert!(ukr.client.is_connected() && fac.client.is_connected());
}

#[test]
fn nonsense_is_refused_with_a_reason_and_the_socket_stays_open() {
    let (mut h, mut ukr, mut fac) = started();
    let mut student = h.join_socket("rus");
    let nested =
        format!("{{\"Order\":{{\"Pledge\":{{\"condition\":{}null{}}}}}}}", "{\"Not\":".repeat(1500), "}".repeat(1500));
    let frames = [
        Message::text("not json"),
        Message::text("{\"Order\": {\"Teleport\": {}}}"),
        Message::text(nested),
        Message::binary(vec![0xFF; 300]),
        Message::text("{\"Hello\": {\"name\": \"a\\u0007b\"}}"),
    ];
    for frame in frames {
        let answer = h.ask_raw(&mut student, frame.clone());
        assert!(matches!(answer, ServerMessage::Refused { .. }), "{frame:?} was answered {answer:?}");
    }
    assert!(student.client.is_connected(), "nonsense is refused, not punished");
    bystanders_unharmed(&mut h, &mut ukr, &mut fac);
}

impl Harness {
    /// Sends a raw frame as `p` and waits for the answer.
    fn ask_raw(&mut self, p: &mut Player<SocketClient>, frame: Message) -> ServerMessage {
        std::thread::sleep(Duration::from_millis(55));
        let mark = p.received.len();
        p.client.send_frame(frame);
        let answered = |m: &ServerMessage| matches!(m, ServerMessage::Refused { .. } | ServerMessage::Verdict(_));
        self.run(&mut [&mut *p], WAIT, |ps| ps[0].since(mark).iter().any(answered));
        p.since(mark).iter().find(|m| answered(m)).cloned().unwrap()
    }
}

#[test]
fn an_oversize_frame_or_a_flood_closes_only_its_sender() {
    let (mut h, mut ukr, mut fac) = started();
    let mut big = h.join_socket("rus");
    big.client.send_frame(Message::text(format!("{{\"Hello\":{{\"name\":\"{}\"}}}}", "x".repeat(20_000))));
    h.run(&mut [&mut big], WAIT, |ps| ps[0].client.is_disconnected());

    let mut flood = h.join_socket("fra");
    for _ in 0..1000 {
        flood.client.send(&ClientMessage::Refresh);
    }
    h.run(&mut [&mut flood], WAIT, |ps| ps[0].client.is_disconnected());
    let goodbye = flood.received.iter().find_map(|m| match m {
        ServerMessage::Goodbye { reason, rejoin } => Some((reason.clone(), *rejoin)),
        _ => None,
    });
    let (reason, rejoin) = goodbye.expect("the flood was told why");
    assert!(reason.contains("messages a second") && !rejoin, "{reason}");
    bystanders_unharmed(&mut h, &mut ukr, &mut fac);
}

#[test]
fn a_reader_that_stops_reading_delays_nobody_and_is_let_go() {
    let (mut h, mut ukr, mut fac) = started();
    // A turn resolves, so that there are pages of incidents to ask for.
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut fac], WAIT, |ps| ps.iter().all(|p| p.turn() == 2));
    // The stalled reader's receive window is tiny, and it never reads or answers a ping again.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    socket.connect(&h.server.addr.into()).unwrap();
    let token = request_token(h.server.addr, &h.code("rus")).unwrap().token;
    let mut stalled = open(h.server.addr, &query(&token), None, socket.into()).expect("the socket opens");
    // Fewer messages than the host takes at once: it is its silence, not a flood, that ends it.
    for page in 0..45 {
        stalled.send(&ClientMessage::Incidents { turn: 1, page: page % 3 });
        stalled.send(&ClientMessage::Story { turn: 1 });
    }
    let started = Instant::now();
    h.idle(&mut [&mut ukr, &mut fac], Duration::from_millis(500));
    bystanders_unharmed(&mut h, &mut ukr, &mut fac);
    assert!(started.elapsed() < Duration::from_secs(5), "the others were kept waiting");
    let connected = |p: &Player<SocketClient>| {
        p.view.as_ref().unwrap().seats.iter().find(|s| s.id == "rus").map_or(0, |s| s.connected)
    };
    h.run(&mut [&mut fac], Duration::from_secs(30), |ps| connected(ps[0]) == 0);
    drop(stalled);
}

#[test]
fn the_browser_client_is_served_with_a_policy_that_keeps_it_to_the_game() {
    let h = Harness::new("tutorial", None, OnTimeout::Bot);
    let (status, kind, policy, page) = get(&h, "/");
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(page.contains("<script type=\"module\""), "{page}");
    assert!(!page.contains("<script>") && !page.contains("http://") && !page.contains("https://"), "{page}");
    assert!(policy.contains("script-src 'self'") && policy.contains("default-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"));
    for (path, _) in truce::net::web::FILES {
        let (status, _, policy, _) = get(&h, &format!("/{path}"));
        assert_eq!(status, 200, "{path}");
        assert!(policy.contains("script-src 'self'"), "{path}");
    }
    for path in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/.git/config", "/src/main.rs", "/nothing.js"] {
        assert_eq!(get(&h, path).0, 404, "{path}");
    }
    let (status, kind, _, body) = get(&h, "/status");
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{body}");
}

#[test]
fn the_schema_in_the_docs_is_the_one_the_server_serves() {
    let h = Harness::new("tutorial", None, OnTimeout::Bot);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_truce")).arg("schema").output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let served: serde_json::Value = serde_json::from_str(&get(&h, "/schema.json").3).unwrap();
    assert_eq!(printed, served);
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.schema.json")).unwrap();
    let docs: serde_json::Value = serde_json::from_str(&docs).unwrap();
    assert!(docs == served, "docs/protocol.schema.json is stale: run `truce schema > docs/protocol.schema.json`");
    assert_eq!(served["protocol_version"], truce::protocol::PROTOCOL_VERSION);
}

#[test]
fn a_flood_of_binary_frames_or_pings_is_a_flood_too() {
    let (mut h, mut ukr, mut fac) = started();
    for frame in [Message::binary(vec![0u8; 64]), Message::Ping(Default::default())] {
        let mut flood = h.join_socket("fra");
        for _ in 0..1000 {
            flood.client.send_frame(frame.clone());
        }
        // Answered one by one, they would keep the socket open for ever. (Its goodbye may be
        // lost: the server closes with the rest of the flood unread, which resets the connection.)
        h.run(&mut [&mut flood], WAIT, |ps| ps[0].client.is_disconnected());
        let goodbyes = flood.received.iter().filter_map(|m| match m {
            ServerMessage::Goodbye { rejoin, .. } => Some(*rejoin),
            _ => None,
        });
        assert!(goodbyes.into_iter().all(|rejoin| !rejoin), "a flood is not asked back");
    }
    bystanders_unharmed(&mut h, &mut ukr, &mut fac);
}

#[test]
fn observers_coming_and_going_send_the_seats_nothing() {
    let (mut h, mut ukr, mut fac) = started();
    h.idle(&mut [&mut ukr, &mut fac], Duration::from_millis(200));
    let mark = ukr.received.len();
    for _ in 0..10 {
        let observer = h.join_socket("observer");
        drop(observer);
        h.idle(&mut [&mut ukr], Duration::from_millis(50));
    }
    h.idle(&mut [&mut ukr], Duration::from_millis(300));
    let tables = ukr.since(mark).iter().filter(|m| matches!(m, ServerMessage::Seats(_))).count();
    assert_eq!(tables, 0, "an observer's join or leave changes no seat");
    // A player's does.
    let _mate = h.join_socket("ukr");
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].since(mark).iter().any(|m| matches!(m, ServerMessage::Seats(_))));
}
