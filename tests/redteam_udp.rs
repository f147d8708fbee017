//! Red team, on the handshake: one code's holder minting tokens without end and flooding the
//! netcode handshake table, against the real binary. Another code's player must still join and
//! hold a view within two seconds.

mod support;

use std::net::UdpSocket;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use renetcode::{ClientAuthentication, ConnectToken, NetcodeClient};
use support::served::Served;
use truce::net::client::{NetClient, request_token};
use truce::protocol::{ServerMessage, UNUSED_TOKENS_PER_CODE};

/// The connection request a client would send first with `token`.
fn connection_request(token: &str) -> Vec<u8> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).unwrap();
    let token = ConnectToken::read(&mut bytes.as_slice()).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let mut client = NetcodeClient::new(now, ClientAuthentication::Secure { connect_token: token }).unwrap();
    let (packet, _) = client.update(Duration::ZERO).expect("a connection request");
    packet.to_vec()
}

#[test]
fn one_code_cannot_block_another_codes_join() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Served::new_game(&tmp.path().join("flood"), &[]);
    let observer = s.code("observer");

    // Tokens for one code are bounded while unused: past the bound the oldest unused one gives
    // way, so only the newest few are good.
    let mut tokens = Vec::new();
    for _ in 0..40 {
        match request_token(s.addr, &observer) {
            Ok(reply) => tokens.push(reply.token),
            Err(e) => panic!("{e}"),
        }
    }
    let tokens = tokens.split_off(40 - UNUSED_TOKENS_PER_CODE);

    // Each token's request sent from hundreds of ports, and thousands of requests with tokens the
    // server never issued: more than renetcode's table of 4,096 pending handshakes.
    let requests: Vec<Vec<u8>> = tokens.iter().map(|t| connection_request(t)).collect();
    let sockets: Vec<UdpSocket> = (0..512).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    let started = Instant::now();
    for (i, socket) in sockets.iter().enumerate() {
        for r in &requests {
            let _ = socket.send_to(r, s.addr);
        }
        let mut forged = requests[i % requests.len()].clone();
        forged[30..54].copy_from_slice(&[(i % 251) as u8; 24]);
        for _ in 0..8 {
            let _ = socket.send_to(&forged, s.addr);
        }
    }
    let flood = started.elapsed();

    // Meanwhile a student with another code joins at once and gets a view.
    let joined = Instant::now();
    let mut ukr = NetClient::join(s.addr, &s.code("ukr")).expect("the student's code is answered");
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut viewed = false;
    while !viewed && Instant::now() < deadline {
        viewed = ukr.pump().iter().any(|m| matches!(m, ServerMessage::View(_)));
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(viewed, "no view within 2 s of joining (the flood took {flood:?})");
    assert!(joined.elapsed() < Duration::from_secs(2));
    s.assert_serving(&s.code("rus"));
}
