//! A client that no server can break: a fake join endpoint on loopback answers with tokens that
//! name no server, garbage, refusals full of terminal escapes, and "busy, try again", and the
//! library, `truce join` and `truce bot` report errors (never panic) or try again with growing
//! pauses; what a server sends is cleaned of control characters and bounded before the client
//! keeps or draws it, whatever its size; and a client that gives up a connection says goodbye.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Command as Process, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use renetcode::ConnectToken;
use support::Harness;
use truce::client::guard::{MAX_ENTRIES, MAX_LIST, MAX_MAP_POINTS, MAX_MAP_SEGMENTS, MAX_NOTICES, MAX_SECTORS};
use truce::client::run::Connection;
use truce::client::{Action, Client, Link, MAX_EVENTS, MAX_STORIES, Tab, ui};
use truce::host::OnTimeout;
use truce::net::client::{JoinFailure, NetClient};
use truce::protocol::{Command, SectorInfo, ServerMessage, TurnStory, View, Welcome, protocol_id};
use truce::record::SeatEntry;
use truce::rules::{Order, Phase};

/// What a hostile server would like a terminal to obey: set the window title, clear the screen,
/// turn the text red.
const PAYLOAD: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mGAME OVER";

/// A join endpoint that answers the n-th request with `answers[n]` (the last one again and
/// again), and notes when each request came.
struct FakeJoin {
    addr: SocketAddr,
    times: Arc<Mutex<Vec<Instant>>>,
}

impl FakeJoin {
    fn new(answers: Vec<String>) -> FakeJoin {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let times = Arc::new(Mutex::new(Vec::new()));
        let noted = times.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if !read_request(&mut stream) {
                    continue;
                }
                let n = {
                    let mut t = noted.lock().unwrap();
                    t.push(Instant::now());
                    t.len() - 1
                };
                let _ = stream.write_all(answers[n.min(answers.len() - 1)].as_bytes());
            }
        });
        FakeJoin { addr, times }
    }

    fn requests(&self) -> Vec<Instant> {
        self.times.lock().unwrap().clone()
    }
}

/// Reads one request's headers and body; whether it came whole.
fn read_request(stream: &mut TcpStream) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn http(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn ok(body: &str) -> String {
    http("200 OK", "", body)
}

fn busy() -> String {
    http("503 Service Unavailable", "", r#"{"error":"3 joins with this code are under way; try again in a second"}"#)
}

fn wrong_code() -> String {
    http("403 Forbidden", "", r#"{"error":"no seat has that code; check it with your facilitator"}"#)
}

/// A UDP port nobody listens on.
fn dead_port() -> SocketAddr {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A connect token for `addresses` (none at all if empty), timing out after `timeout` seconds.
fn token(addresses: Vec<SocketAddr>, timeout: i32, edit: impl FnOnce(&mut ConnectToken)) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let none = addresses.is_empty();
    let addresses = if none { vec![dead_port()] } else { addresses };
    let mut t = ConnectToken::generate(now, protocol_id(), 10, 7, timeout, addresses, None, &[3u8; 32]).unwrap();
    if none {
        t.server_addresses = [None; 32];
    }
    edit(&mut t);
    let mut bytes = Vec::new();
    t.write(&mut bytes).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn reply(token: &str) -> String {
    ok(&serde_json::json!({ "seat": "ukr", "role": "player", "token": token }).to_string())
}

#[test]
fn tokens_and_answers_a_client_cannot_use_are_errors_not_panics() {
    let cases: Vec<(&str, String, &str)> = vec![
        ("no server address", reply(&token(vec![], 5, |_| {})), "no server address"),
        ("garbage base64", reply("!!!not base64!!!"), "not base64"),
        ("a token cut short", reply(&base64::engine::general_purpose::STANDARD.encode([1u8; 40])), "token"),
        ("expiring before made", reply(&token(vec![dead_port()], 5, |t| t.expire_timestamp = 1)), "expires"),
        ("not JSON", ok("this is not json"), "not one"),
        ("JSON of another shape", ok(r#"{"seat": 5}"#), "not one"),
        ("an answer too large", ok(&format!(r#"{{"token": "{}"}}"#, "A".repeat(200_000))), "not one"),
    ];
    for (what, answer, says) in cases {
        let fake = FakeJoin::new(vec![answer]);
        match NetClient::join(fake.addr, "AAAA-AAAA") {
            Err(JoinFailure::Unreachable(e)) => assert!(e.contains(says), "{what}: {e}"),
            Err(e) => panic!("{what}: {e:?}"),
            Ok(_) => panic!("{what}: joined"),
        }
        let e = Connection::open(fake.addr, "AAAA-AAAA").err().unwrap_or_else(|| panic!("{what}: opened"));
        assert!(!e.is_busy() && !e.is_final(), "{what}: {e:?}");
        assert_eq!(fake.requests().len(), 2, "{what}: asked once each, not again");
    }
}

#[test]
fn a_servers_refusal_is_printed_without_its_control_characters() {
    let body = serde_json::json!({ "error": format!("no seat has that code {PAYLOAD}") }).to_string();
    let fake = FakeJoin::new(vec![http("403 Forbidden", "", &body)]);
    let e = Connection::open(fake.addr, "AAAA-AAAA").err().unwrap();
    assert!(e.is_final());
    let said = e.to_string();
    assert!(!said.chars().any(truce::protocol::is_control), "{said:?}");
    assert!(said.contains("GAME OVER"), "{said}");
}

#[test]
fn the_first_join_asks_a_busy_server_again_and_reports_a_wrong_code_at_once() {
    // Busy (asking for a second), busy, then a token: the client gets in, having waited.
    let fake = FakeJoin::new(vec![
        http("503 Service Unavailable", "Retry-After: 1\r\n", r#"{"error":"busy"}"#),
        busy(),
        reply(&token(vec![dead_port()], 5, |_| {})),
    ]);
    let mut heard = Vec::new();
    let conn = Connection::open_within(fake.addr, "AAAA-AAAA", Duration::from_secs(30), |why, wait| {
        heard.push((why.clone(), wait));
    });
    assert!(conn.is_ok(), "{:?}", conn.err());
    let t = fake.requests();
    assert_eq!(t.len(), 3);
    assert!(t[1] - t[0] >= Duration::from_millis(950), "Retry-After is honoured: {:?}", t[1] - t[0]);
    assert!(t[2] - t[1] >= Duration::from_millis(950), "the pause doubles: {:?}", t[2] - t[1]);
    assert_eq!(heard.len(), 2);
    assert!(matches!(&heard[0].0, JoinFailure::Refused(503, e) if e == "busy"), "{heard:?}");
    assert!(heard[0].1 >= Duration::from_secs(1), "{heard:?}");

    // Busy for ever: the client gives up after its patience, and says the server is busy.
    let fake = FakeJoin::new(vec![busy()]);
    let start = Instant::now();
    let e = Connection::open_within(fake.addr, "AAAA-AAAA", Duration::from_millis(1500), |_, _| {}).err().unwrap();
    assert!(e.is_busy() && e.to_string().contains("busy"), "{e}");
    assert!(start.elapsed() >= Duration::from_millis(1400) && start.elapsed() < Duration::from_secs(5));
    assert!(fake.requests().len() >= 2);

    // A wrong code is reported at once, however patient the client.
    let fake = FakeJoin::new(vec![wrong_code()]);
    let start = Instant::now();
    let e = Connection::open(fake.addr, "AAAA-AAAA").err().unwrap();
    assert!(e.is_final() && e.to_string().contains("no seat has that code"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn a_lost_connection_is_tried_again_with_growing_pauses_until_the_code_is_refused() {
    // The first token leads nowhere (nobody answers on its UDP port, and it times out after a
    // second); then the server is busy twice, then it refuses the code.
    let fake = FakeJoin::new(vec![reply(&token(vec![dead_port()], 1, |_| {})), busy(), busy(), wrong_code()]);
    let mut conn = Connection::open(fake.addr, "AAAA-AAAA").unwrap();
    let mut client = Client::default();
    let mut reconnecting = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !matches!(client.link, Link::Closed(_)) {
        let frame = Instant::now();
        conn.pump(&mut client);
        assert!(frame.elapsed() < Duration::from_millis(200), "pumping never waits on the network");
        reconnecting |= matches!(client.link, Link::Reconnecting(_));
        assert!(Instant::now() < deadline, "{:?} after {} requests", client.link, fake.requests().len());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(reconnecting);
    let Link::Closed(why) = &client.link else { unreachable!() };
    assert!(why.contains("no seat has that code"), "{why}");
    assert_eq!(client.closed.as_deref(), Some(why.as_str()));
    let t = fake.requests();
    assert_eq!(t.len(), 4, "nothing is asked after a refusal");
    let (first, second) = (t[2] - t[1], t[3] - t[2]);
    assert!(first >= Duration::from_millis(950), "{first:?}");
    assert!(second >= Duration::from_millis(1900) && second > first, "{first:?} then {second:?}");
    // And it stays closed.
    for _ in 0..20 {
        conn.pump(&mut client);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(fake.requests().len(), 4);
}

/// Runs the real binary; its exit code, stdout and stderr.
fn truce(args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_truce")).args(args).stdin(Stdio::null()).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn truce_join_and_truce_bot_report_a_hostile_join_endpoint_and_never_panic() {
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("join", vec![reply(&token(vec![], 5, |_| {}))], "no server address"),
        ("bot", vec![reply(&token(vec![], 5, |_| {}))], "no server address"),
        ("join", vec![reply("%%%")], "not base64"),
        ("bot", vec![ok("{")], "not one"),
        ("join", vec![http("403 Forbidden", "", &serde_json::json!({ "error": PAYLOAD }).to_string())], "GAME OVER"),
        ("bot", vec![busy(), busy(), wrong_code()], "no seat has that code"),
    ];
    for (command, answers, says) in cases {
        let fake = FakeJoin::new(answers);
        let (code, out, err) = truce(&[command, &fake.addr.to_string(), "--code", "AAAA-AAAA"]);
        let what = format!("{command} {says}: exit {code}, stdout {out:?}, stderr {err:?}");
        assert_eq!(code, 2, "{what}");
        assert!(err.contains("error:") && err.contains(says), "{what}");
        assert!(!err.contains("panicked") && !out.contains("panicked"), "{what}");
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{what}");
    }
    // The busy answers were asked about again, and said so.
    let fake = FakeJoin::new(vec![busy(), wrong_code()]);
    let (_, out, _) = truce(&["bot", &fake.addr.to_string(), "--code", "AAAA-AAAA"]);
    assert!(out.contains("busy") && out.contains("asking again"), "{out}");
    assert_eq!(fake.requests().len(), 2);
}

/// A player's Welcome and View (orders phase, one statement in the draft) from a real game.
fn real_game() -> &'static (Welcome, View) {
    static GAME: OnceLock<(Welcome, View)> = OnceLock::new();
    GAME.get_or_init(|| {
        let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
        let mut ukr = h.join("ukr");
        h.console(Command::Start);
        h.run(&mut [&mut ukr], Duration::from_secs(20), |ps| ps[0].phase() == Some(Phase::Orders));
        ukr.send(truce::protocol::ClientMessage::Order(Order::PublicStatement { text: "We hold".into() }));
        h.run(&mut [&mut ukr], Duration::from_secs(20), |ps| {
            ps[0].view.as_ref().is_some_and(|v| v.draft.as_ref().is_some_and(|d| !d.orders.is_empty()))
        });
        (ukr.welcome.clone().unwrap(), ukr.view.clone().unwrap())
    })
}

fn screen(c: &Client, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, c)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>()).collect::<Vec<_>>().join("\n")
}

fn no_controls(what: &str, text: &str) {
    assert!(!text.chars().any(truce::protocol::is_control), "{what} holds a control character: {text:?}");
}

#[test]
fn escapes_from_a_server_are_cleaned_before_the_client_keeps_or_draws_them() {
    let (welcome, view) = real_game().clone();
    let mut w = welcome;
    w.title = format!("Title {PAYLOAD}");
    w.map.line_name = format!("Line {PAYLOAD}");
    let mut v = view;
    v.notices.push(format!("Notice {PAYLOAD}"));
    let story = v.story.get_or_insert_with(|| TurnStory { turn: 1, ..Default::default() });
    story.headline = format!("Headline {PAYLOAD}");
    let seq = story.events.iter().map(|r| r.seq).max().unwrap_or(0) + 1;
    story.events.push(SeatEntry {
        seq,
        turn: story.turn,
        day: 0,
        rule: "message".into(),
        text: format!("Russia states: {PAYLOAD}"),
    });
    let draft = v.draft.as_mut().unwrap();
    draft.orders[0].order = Order::PublicStatement { text: format!("Statement {PAYLOAD}") };
    v.seats[0].name = format!("Seat {PAYLOAD}");

    let mut c = Client::default();
    c.on_message(ServerMessage::Welcome(Box::new(w)));
    c.on_message(ServerMessage::View(Box::new(v)));
    c.on_message(ServerMessage::Notice(format!("Event {PAYLOAD}")));
    c.on_message(ServerMessage::Refused { what: format!("order {PAYLOAD}"), reason: PAYLOAD.into() });
    assert!(c.welcome.is_some() && c.view.is_some(), "the messages were kept, cleaned: {:?}", c.events);

    // Everything the client keeps is text.
    let kept = serde_json::to_string(&(&c.welcome, &c.view, &c.stories, &c.events)).unwrap();
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
                out.push(k.clone());
                strings(x, out)
            }),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&kept, &mut all);
    for s in &all {
        no_controls("a kept string", s);
    }
    let v = c.view.as_ref().unwrap();
    assert!(v.notices.last().unwrap().ends_with("GAME OVER"));
    assert_eq!(
        v.draft.as_ref().unwrap().orders[0].order,
        Order::PublicStatement { text: "Statement GAME OVER".into() },
        "orders come through the cleaning intact"
    );
    assert!(c.stories.values().flat_map(|s| &s.events).any(|r| r.text == "Russia states: GAME OVER"));

    // And what is drawn shows the words and no escape.
    for (tab, shown) in [
        (
            Tab::Story,
            vec![
                "Headline GAME OVER",
                "Russia states: GAME OVER",
                "Event GAME OVER",
                "Notice GAME OVER",
                "order GAME OVER",
            ],
        ),
        (Tab::Orders, vec!["statement: Statement GAME OVER"]),
        (Tab::Seats, vec!["Seat GAME OVER"]),
    ] {
        c.tab = tab;
        let s = screen(&c, 200, 60);
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s}");
        assert!(s.contains("Title GAME OVER"), "{s}");
        for words in shown {
            assert!(s.contains(words), "{tab:?} shows {words:?}: {s}");
        }
    }

    // A goodbye's reason is text too.
    c.on_message(ServerMessage::Goodbye { reason: format!("kicked {PAYLOAD}"), rejoin: false });
    no_controls("the goodbye", c.closed.as_deref().unwrap());
}

#[test]
fn typed_text_takes_no_control_characters() {
    let (welcome, view) = real_game().clone();
    let mut c = Client::default();
    c.on_message(ServerMessage::Welcome(Box::new(welcome)));
    c.on_message(ServerMessage::View(Box::new(view)));
    let key = |c: &mut Client, k: KeyCode| c.on_key(KeyEvent::from(k));
    // The builder's text field: n, then "public statement".
    key(&mut c, KeyCode::Char('n'));
    let kinds = c.view.as_ref().unwrap().options.as_ref().unwrap().kinds.clone();
    let at = kinds.iter().position(|k| k == "public statement").unwrap();
    for _ in 0..at {
        key(&mut c, KeyCode::Down);
    }
    key(&mut c, KeyCode::Enter);
    for ch in "a\u{1b}[2Jb\u{7}\u{202e}c\u{9b}".chars() {
        key(&mut c, KeyCode::Char(ch));
    }
    assert_eq!(c.builder.as_ref().unwrap().text, "a[2Jbc");
    let actions = key(&mut c, KeyCode::Enter);
    assert_eq!(
        actions,
        vec![Action::Send(truce::protocol::ClientMessage::Order(Order::PublicStatement { text: "a[2Jbc".into() }))]
    );
}

#[test]
fn the_prompt_takes_no_control_characters() {
    let (welcome, view) = real_game().clone();
    let mut c = Client::default();
    let mut w = welcome;
    w.role = truce::protocol::Role::Facilitator;
    c.on_message(ServerMessage::Welcome(Box::new(w)));
    c.on_message(ServerMessage::View(Box::new(view)));
    c.on_key(KeyEvent::from(KeyCode::Char(':')));
    for ch in "say hi\u{1b}[2J\u{0}\u{7f}".chars() {
        c.on_key(KeyEvent::from(KeyCode::Char(ch)));
    }
    assert_eq!(c.prompt.as_deref(), Some("say hi[2J"));
}

#[test]
fn what_the_client_keeps_is_bounded_however_much_a_server_sends() {
    let (welcome, view) = real_game().clone();
    let mut c = Client::default();
    c.on_message(ServerMessage::Welcome(Box::new(welcome)));
    for i in 0..10_000 {
        c.on_message(ServerMessage::Notice(format!("notice {i}")));
    }
    assert_eq!(c.events.len(), MAX_EVENTS);
    assert_eq!(c.events.last().unwrap(), "📣 notice 9999");

    // Stories of a thousand turns, sent unasked.
    for turn in 1..=1_000 {
        c.on_message(ServerMessage::Story(Box::new(TurnStory { turn, ..Default::default() })));
    }
    assert_eq!(c.stories.len(), MAX_STORIES);
    assert_eq!(c.stories.keys().next(), Some(&(1_001 - MAX_STORIES as u32)), "the newest are kept");

    // One enormous view.
    let mut v = view.clone();
    v.notices = (0..100_000).map(|i| format!("n{i}")).collect();
    v.seats = (0..10_000).map(|_| v.seats[0].clone()).collect();
    v.sectors = (0..10_000).map(|_| v.sectors[0].clone()).collect();
    let options = v.options.as_mut().unwrap();
    options.kinds = (0..10_000).map(|i| format!("kind {i}")).collect();
    options.advice = (0..10_000).map(|i| Order::PublicStatement { text: format!("{i}") }).collect();
    let mut story = TurnStory { turn: 2_000, ..Default::default() };
    story.events =
        (0..5_000).map(|i| SeatEntry { seq: i, turn: 1, day: 0, rule: "x".into(), text: "y".repeat(20) }).collect();
    story.events[4_999].text = "z".repeat(100_000);
    story.causes =
        (0..10_000).map(|i| truce::protocol::Cause { text: format!("{i}"), change: 0.1, named: true }).collect();
    v.story = Some(story);
    c.on_message(ServerMessage::View(Box::new(v)));
    let v = c.view.as_ref().unwrap();
    assert_eq!(v.notices.len(), MAX_NOTICES);
    assert_eq!(v.notices.last().unwrap(), "n99999", "the newest notices are kept");
    assert_eq!((v.seats.len(), v.sectors.len()), (MAX_LIST, MAX_SECTORS));
    let options = v.options.as_ref().unwrap();
    assert_eq!((options.kinds.len(), options.advice.len()), (MAX_LIST, MAX_LIST));
    let story = v.story.as_ref().unwrap();
    assert!(story.events.len() <= MAX_ENTRIES && story.causes.len() <= MAX_LIST);
    assert!(c.stories.len() <= MAX_STORIES);
    assert_eq!(
        c.stories[&2_000].events.last().unwrap().text.chars().count(),
        truce::client::guard::MAX_TEXT_CHARS,
        "long texts are cut"
    );
    let start = Instant::now();
    screen(&c, 160, 48);
    assert!(start.elapsed() < Duration::from_secs(2), "a frame took {:?}", start.elapsed());

    // A menu of a hundred thousand orders: dropped when nobody asked, cut to size when asked.
    let turn = c.view.as_ref().unwrap().turn;
    let menu = || {
        let orders = (0..100_000).map(|i| Order::PublicStatement { text: format!("{i}") }).collect();
        ServerMessage::Menu(Box::new(truce::protocol::MenuView { kind: "public statement".into(), turn, orders }))
    };
    c.on_message(menu());
    assert!(c.builder.is_none(), "a menu nobody asked for opens nothing");
    c.builder = Some(truce::client::Builder {
        kind: Some("public statement".into()),
        values: vec![],
        cursor: 0,
        text: String::new(),
        menu: None,
    });
    c.on_message(menu());
    let kept = c.builder.as_ref().and_then(|b| b.menu.as_ref()).map_or(0, Vec::len);
    assert_eq!(kept, truce::protocol::MAX_MENU_ORDERS);
    let start = Instant::now();
    screen(&c, 160, 48);
    assert!(start.elapsed() < Duration::from_secs(2), "a frame took {:?}", start.elapsed());
}

/// A map of a million points along a line, a few of them not numbers, and a hundred thousand
/// sectors each claiming the whole line.
fn giant(mut w: Welcome) -> Welcome {
    w.map.points = (0..1_000_000).map(|i| (48.0 + f64::from(i) * 1e-6, 30.0 + f64::from(i % 1000) * 1e-3)).collect();
    w.map.points[10] = (f64::NAN, 0.0);
    w.map.points[20] = (0.0, f64::INFINITY);
    w.map.points[30] = (1e300, -1e300);
    w.map.sectors = (0..100_000)
        .map(|i| SectorInfo { id: format!("s{i}"), name: format!("S{i}"), points: (0, u32::MAX), length_km: f64::NAN })
        .collect();
    w
}

#[test]
fn a_giant_map_is_cut_to_size_and_still_draws_in_a_frame() {
    let (welcome, view) = real_game().clone();
    let mut c = Client::default();
    let start = Instant::now();
    c.on_message(ServerMessage::Welcome(Box::new(giant(welcome.clone()))));
    c.on_message(ServerMessage::View(Box::new(view.clone())));
    assert!(start.elapsed() < Duration::from_secs(2), "taking it in took {:?}", start.elapsed());
    let map = &c.welcome.as_ref().unwrap().map;
    assert!(map.points.len() <= MAX_MAP_POINTS && map.points.len() > MAX_MAP_POINTS - 10);
    assert!(map.points.iter().all(|(a, b)| a.is_finite() && b.is_finite() && a.abs() < 1e7 && b.abs() < 1e7));
    assert_eq!(map.sectors.len(), MAX_SECTORS);
    let last = map.points.len() as u32 - 1;
    assert!(map.sectors.iter().all(|s| s.points.0 <= s.points.1 && s.points.1 <= last));
    let spans: u32 = map.sectors.iter().map(|s| s.points.1 - s.points.0).sum();
    assert!(spans as usize <= MAX_MAP_SEGMENTS, "{spans}");
    assert!(map.sectors.iter().all(|s| s.length_km.is_finite()));

    let start = Instant::now();
    let s = screen(&c, 200, 60);
    assert!(start.elapsed() < Duration::from_secs(2), "a frame took {:?}", start.elapsed());
    assert!(s.contains("Sector 1/256"), "{s}");
    assert_eq!(c.on_key(KeyEvent::from(KeyCode::Char('q'))), vec![Action::Quit], "q quits at once");

    // Drawing bounds itself too, for a welcome put in place without the checks.
    let raw = Client { welcome: Some(giant(welcome)), view: Some(view), ..Default::default() };
    let start = Instant::now();
    screen(&raw, 200, 60);
    assert!(start.elapsed() < Duration::from_secs(2), "a frame took {:?}", start.elapsed());
}

#[test]
fn a_client_that_gives_up_a_connection_says_goodbye_so_the_server_frees_the_place() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut conn = Connection::open(h.server.addr, &h.code("ukr")).unwrap();
    let mut client = Client::default();
    let in_seat = |h: &Harness| h.server.app.world().resource::<truce::host::Connections>().in_seat("ukr").count();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.view.is_none() {
        h.server.update();
        conn.pump(&mut client);
        std::thread::sleep(Duration::from_millis(5));
        assert!(Instant::now() < deadline);
    }
    assert_eq!(in_seat(&h), 1);
    // The server stops answering (a stalled process, a network gone quiet): the client gives up
    // the connection. It says goodbye as it does, so when the server comes back it frees the
    // place at once, before any new connection could take it and well before a timeout.
    while !matches!(client.link, Link::Reconnecting(_)) {
        conn.pump(&mut client);
        std::thread::sleep(Duration::from_millis(5));
        assert!(Instant::now() < deadline);
    }
    let until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < until {
        h.server.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(in_seat(&h), 0, "the goodbye freed the place");
    // Then the client comes back by itself.
    while client.link != Link::Connected || in_seat(&h) != 1 {
        h.server.update();
        conn.pump(&mut client);
        std::thread::sleep(Duration::from_millis(5));
        assert!(Instant::now() < deadline, "{:?}", client.link);
    }
    // Dropping the connection (as quitting does) says goodbye too.
    drop(conn);
    let until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < until {
        h.server.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(in_seat(&h), 0, "quitting freed the place");
}
