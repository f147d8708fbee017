//! The join endpoint over real HTTP: right and wrong codes, slowed guessing, malformed requests,
//! and tokens that only this game's server accepts.

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use support::Harness;
use truce::host::OnTimeout;
use truce::net::client::{JoinFailure, NetClient, request_token};
use truce::protocol::{JoinReply, Role, TokenData, protocol_id};

fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r =
        agent.post(format!("http://{addr}{path}")).header("Content-Type", "application/json").send(body).unwrap();
    let status = r.status().as_u16();
    let json = r.body_mut().read_json::<serde_json::Value>().unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[test]
fn codes_open_their_seat_and_role_and_nothing_else() {
    let h = Harness::new("tutorial", None, OnTimeout::Bot);
    let addr = h.server.addr;
    for (code, seat, role) in [
        (h.code("ukr"), Some("ukr"), Role::Player),
        (h.code("facilitator"), None, Role::Facilitator),
        (h.code("observer"), None, Role::Observer),
        (h.code("projector"), None, Role::Projector),
    ] {
        // Typed in lower case without the dash, as people do.
        let typed = code.to_lowercase().replace('-', "");
        let (status, json) = post(addr, "/join", &format!(r#"{{"code": "{typed}"}}"#));
        assert_eq!(status, 200, "{json}");
        let reply: JoinReply = serde_json::from_value(json).unwrap();
        assert_eq!((reply.seat.as_deref(), reply.role), (seat, role));
        // The token is standard base64 of renetcode's ConnectToken, its user data naming the seat.
        let bytes = base64::engine::general_purpose::STANDARD.decode(&reply.token).unwrap();
        let token = renetcode::ConnectToken::read(&mut bytes.as_slice()).unwrap();
        assert_eq!(token.protocol_id, protocol_id());
        assert!(token.expire_timestamp - token.create_timestamp <= 60, "short-lived");
        assert!(token.server_addresses.iter().flatten().any(|a| a.port() == addr.port()));
    }

    let (status, json) = post(addr, "/join", r#"{"code": "ZZZZ-ZZZZ"}"#);
    assert_eq!(status, 403);
    assert!(json["error"].as_str().unwrap().contains("no seat has that code"));
    let (status, json) = post(addr, "/join", "not json");
    assert_eq!(status, 400);
    assert!(json["error"].is_string());
    let (status, _) = post(addr, "/join", &format!(r#"{{"code": "{}"}}"#, "A".repeat(5000)));
    assert_eq!(status, 413);
    let (status, _) = post(addr, "/elsewhere", "{}");
    assert_eq!(status, 404);
}

#[test]
fn repeated_wrong_guesses_from_one_address_are_slowed_but_a_right_code_gets_in() {
    let h = Harness::new("tutorial", None, OnTimeout::Bot);
    let addr = h.server.addr;
    let mut statuses = Vec::new();
    for i in 0..10 {
        statuses.push(post(addr, "/join", &format!(r#"{{"code": "WRNG-{i:04}"}}"#)).0);
    }
    assert_eq!(statuses, [403; 10]);
    // Past the allowance every answer to this address waits a second: guessing stays slow.
    let started = Instant::now();
    let (status, json) = post(addr, "/join", r#"{"code": "WRNG-0011"}"#);
    assert_eq!(status, 429);
    assert!(json["error"].as_str().unwrap().contains("try again"));
    assert!(started.elapsed() >= Duration::from_millis(900));
    // A student behind the same address with the right code still gets in.
    let started = Instant::now();
    let (status, json) = post(addr, "/join", &format!(r#"{{"code": "{}"}}"#, h.code("ukr")));
    assert_eq!(status, 200, "{json}");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(matches!(request_token(addr, "ZZZZ-ZZZZ"), Err(JoinFailure::Refused(429, _))));
}

#[test]
fn only_holders_of_this_servers_tokens_reach_the_game() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    // A token minted with another key (another game's, or a forger's) gets nowhere.
    let forged = renetcode::ConnectToken::generate(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap(),
        protocol_id(),
        60,
        42,
        5,
        vec![h.server.addr],
        Some(&TokenData { version: 1, role: Role::Facilitator, seat: None }.to_user_data().unwrap()),
        &[9u8; 32],
    )
    .unwrap();
    let mut bytes = Vec::new();
    forged.write(&mut bytes).unwrap();
    let reply = JoinReply {
        seat: None,
        role: Role::Facilitator,
        token: base64::engine::general_purpose::STANDARD.encode(bytes),
    };
    let mut intruder = NetClient::with_reply(h.server.addr, reply).unwrap();
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        h.server.update();
        intruder.pump();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!intruder.is_connected());
    assert!(h.server.app.world().resource::<truce::host::Connections>().0.is_empty());
    // The real code gets in.
    let p = h.join("ukr");
    assert!(p.client.is_connected(), "{:?} {}", p.view.as_ref().map(|v| v.seat.clone()), p.client.is_disconnected());
}
