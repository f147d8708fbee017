//! Red team, on a classmate's screen: escape sequences sent as statements, names and
//! announcements, read back from the real `truce join` in a pseudo-terminal. The statement and
//! the name are refused; the announcement arrives as plain words; the classmate's window title,
//! screen and colours stay the game's.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use support::pty::run_in_terminal;
use support::served::Served;
use truce::net::client::NetClient;
use truce::protocol::{ClientMessage, ServerMessage};
use truce::rules::Order;

const PAYLOAD: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[H\u{1b}[41mGAME OVER: RUSSIA WINS\u{1b}[0m";

/// Waits for the first answer (verdict or refusal) `client` gets.
fn answer(client: &mut NetClient) -> ServerMessage {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        for m in client.pump() {
            if matches!(m, ServerMessage::Verdict(_) | ServerMessage::Refused { .. }) {
                return m;
            }
        }
        assert!(Instant::now() < end, "no answer");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn refused(m: &ServerMessage) -> bool {
    match m {
        ServerMessage::Refused { reason, .. } => reason.contains("control characters"),
        ServerMessage::Verdict(v) => !v.accepted && v.reason.contains("control characters"),
        _ => false,
    }
}

#[test]
fn escape_payloads_never_reach_a_classmates_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Served::new_game(&tmp.path().join("pty"), &["--turn-seconds", "600"]);

    // The classmate: the real client in a terminal.
    let term = run_in_terminal(&["join", &s.addr.to_string(), "--code", &s.code("ukr")], 30, 100, None);
    let (mut child, mut screen, mut keys) = (term.child, term.screen, term.keys);
    screen.wait_for("Ukraine", Duration::from_secs(30));
    let title = screen.parser.screen().title().to_string();

    // The attacker, with another seat's code, in the orders phase.
    let mut rus = NetClient::join(s.addr, &s.code("rus")).unwrap();
    s.type_line("start");
    screen.wait_for("Turn 1/", Duration::from_secs(20));
    rus.send(&ClientMessage::Order(Order::PublicStatement { text: PAYLOAD.into() }));
    assert!(refused(&answer(&mut rus)), "the statement is refused");
    rus.send(&ClientMessage::Order(Order::PrivateMessage { to: "ukr".into(), text: PAYLOAD.into() }));
    assert!(refused(&answer(&mut rus)), "the message is refused");
    rus.send(&ClientMessage::Hello { name: PAYLOAD.into() });
    assert!(refused(&answer(&mut rus)), "the name is refused");

    // The facilitator's console strips what it cannot print; the words arrive as words.
    s.type_line(&format!("announce {PAYLOAD}"));
    let t = screen.wait_for("GAME OVER: RUSSIA WINS", Duration::from_secs(10));
    assert!(t.contains("Ukraine") && t.contains("Turn 1/"), "the game's screen is still there:\n{t}");
    screen.take();
    let shown = screen.parser.screen();
    assert_eq!(shown.title(), title, "the window title was changed");
    assert!(!shown.title().contains("pwned"));
    for row in 0..30 {
        for col in 0..100 {
            if let Some(cell) = shown.cell(row, col) {
                assert_ne!(cell.bgcolor(), vt100::Color::Idx(1), "a red background at {row},{col}");
            }
        }
    }
    keys.write_all(b"q").unwrap();
    keys.flush().unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < end, "q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}
