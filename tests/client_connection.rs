//! The client keeps its seat on its own: after its connection is closed it joins again with its
//! code and shows the game again. And the client commands refuse bad arguments clearly.

mod support;

use std::process::Command as Process;
use std::time::{Duration, Instant};

use support::Harness;
use truce::client::run::Connection;
use truce::client::{Client, Link};
use truce::host::OnTimeout;
use truce::protocol::{ClientMessage, Command};
use truce::rules::Phase;

#[test]
fn the_client_reconnects_on_its_own_after_its_connection_is_dropped() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut fac = h.join("facilitator");
    let mut client = Client::default();
    let mut conn = Connection::open(h.server.addr, &h.code("ukr")).unwrap();
    let pump = |h: &mut Harness, client: &mut Client, conn: &mut Connection, fac: &mut support::Player| {
        h.server.update();
        conn.pump(client);
        fac.pump();
        std::thread::sleep(Duration::from_millis(5));
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.view.is_none() {
        pump(&mut h, &mut client, &mut conn, &mut fac);
        assert!(Instant::now() < deadline);
    }
    fac.send(ClientMessage::Command(Command::Start));
    while client.phase() != Some(Phase::Orders) {
        pump(&mut h, &mut client, &mut conn, &mut fac);
        assert!(Instant::now() < deadline);
    }
    assert_eq!(client.link, Link::Connected);
    // The connection drops without a word (as when the network fails); the client notices and
    // comes back by itself.
    let id = h.server.app.world().resource::<truce::host::Connections>().in_seat("ukr").next().unwrap();
    h.server.app.world_mut().resource_mut::<bevy_renet::RenetServer>().disconnect(id);
    let mut saw_reconnecting = false;
    let mut back_at = None;
    while back_at.is_none() {
        pump(&mut h, &mut client, &mut conn, &mut fac);
        if let Link::Reconnecting(_) = client.link {
            saw_reconnecting = true;
        } else if saw_reconnecting && client.link == Link::Connected {
            back_at = Some(Instant::now());
        }
        assert!(Instant::now() < deadline, "the client did not come back");
    }
    // Back in its seat, with the game as it stands.
    let seat = h.server.app.world().resource::<truce::host::Connections>().in_seat("ukr").count();
    assert_eq!(seat, 1);
    assert_eq!(client.view.as_ref().unwrap().seat.as_deref(), Some("ukr"));

    // A kick is final: the client says so and does not come back by itself.
    fac.send(ClientMessage::Command(Command::Kick("ukr".into())));
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        pump(&mut h, &mut client, &mut conn, &mut fac);
    }
    assert!(matches!(client.link, Link::Closed(_)), "{:?}", client.link);
    assert_eq!(h.server.app.world().resource::<truce::host::Connections>().in_seat("ukr").count(), 0);
}

fn truce(args: &[&str]) -> (i32, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_truce")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn client_commands_explain_what_is_wrong() {
    let (code, err) = truce(&["solo", "--as", "narnia"]);
    assert_eq!(code, 2);
    assert!(err.contains("narnia") && err.contains("Ukraine (ukr)"), "{err}");
    // Nobody listening: the join endpoint cannot be reached, and it says where it tried.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, err) = truce(&["join", &format!("127.0.0.1:{port}"), "--code", "AAAA-AAAA"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot reach the server") && err.contains(&port.to_string()), "{err}");
    let (code, err) = truce(&["bot", "no-such-host.invalid", "--code", "AAAA-AAAA"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-host.invalid"), "{err}");
    // A port already taken: said so, and no half-made game is left behind to trip the next try.
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let game = dir.path().join("game");
    let (code, err) = truce(&["serve", "--bind", &bind, "--game-dir", game.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot listen on") && err.contains(&bind), "{err}");
    assert!(!game.exists());
    let (code, err) = truce(&["serve", "--resume", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0"]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no game"), "{err}");
}

#[test]
fn a_wrong_code_is_refused_before_the_screen_changes() {
    let h = Harness::new("tutorial", None, OnTimeout::Bot);
    let addr = h.server.addr.to_string();
    // The harness's server is not pumped, but the join endpoint answers on its own thread.
    let (code, err) = truce(&["join", &addr, "--code", "WRNG-CODE"]);
    assert_eq!(code, 2);
    assert!(err.contains("refused the code") && err.contains("no seat has that code"), "{err}");
}
