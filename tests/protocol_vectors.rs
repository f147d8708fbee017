//! The test vectors of `docs/protocol.md` §10 are what the code encodes: one message of each
//! kind, built here, encoded with postcard, checked against the page's hex, and decoded back.

use truce::negotiation::{Offer, PressItem, PressTo};
use truce::protocol::{
    Cause, ClientMessage, ClockView, Command, IncidentPage, MapInfo, MenuView, Role, SeatStatus, ServerMessage,
    TurnStory, View, ViewPatch, Welcome, decode_client, decode_server, encode,
};
use truce::record::{Briefing, SeatEntry};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, OrderVerdict, Phase};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

fn client_messages() -> Vec<(&'static str, ClientMessage)> {
    vec![
        ("Hello { name: \"Ada\" }", ClientMessage::Hello { name: "Ada".into() }),
        (
            "Order(PublicStatement { text: \"We hold\" })",
            ClientMessage::Order(Order::PublicStatement { text: "We hold".into() }),
        ),
        ("Seat(Lock)", ClientMessage::Seat(SeatAction::Lock)),
        ("Seat(Retract(300))", ClientMessage::Seat(SeatAction::Retract(300))),
        ("Command(Extend(60))", ClientMessage::Command(Command::Extend(60))),
        ("Refresh", ClientMessage::Refresh),
        ("Story { turn: 3 }", ClientMessage::Story { turn: 3 }),
        ("Incidents { turn: 3, page: 1 }", ClientMessage::Incidents { turn: 3, page: 1 }),
        ("Menu { kind: \"vote\" }", ClientMessage::Menu { kind: "vote".into() }),
        (
            "Press { to: Seat(\"rus\"), text: \"Hold?\" }",
            ClientMessage::Press { to: PressTo::Seat("rus".into()), text: "Hold?".into() },
        ),
        (
            "Offer { to: \"rus\", give: [Recommit], want: [Recommit], until_turn: None, note: \"\" }",
            ClientMessage::Offer(Offer {
                to: "rus".into(),
                give: vec![Order::Recommit { measures: false }],
                want: vec![Order::Recommit { measures: false }],
                until_turn: None,
                note: String::new(),
            }),
        ),
        (
            "Answer { deal: 2, accept: true, reason: \"\" }",
            ClientMessage::Answer { deal: 2, accept: true, reason: String::new() },
        ),
    ]
}

fn small_view() -> View {
    View {
        id: 7,
        turn: 1,
        phase: Phase::Orders,
        clock: ClockView { remaining_ms: Some(30_000), paused: false },
        role: Role::Observer,
        seat: None,
        briefing: Briefing {
            turn: 1,
            nation: None,
            escalation: 0.0,
            ceasefire: "holding".into(),
            recorded: vec![],
            mandates: vec![],
            nations: vec![],
            own: None,
        },
        draft: None,
        seats: vec![],
        sectors: vec![],
        options: None,
        notices: vec![],
        omniscient: None,
        talk: None,
        press: vec![],
        goals: None,
        debrief: None,
        story: None,
    }
}

fn server_messages() -> Vec<(&'static str, ServerMessage)> {
    let welcome = Welcome {
        version: truce::protocol::PROTOCOL_VERSION,
        scenario: "t".into(),
        title: "T".into(),
        premise: String::new(),
        turns: 2,
        turn_days: 7,
        role: Role::Player,
        seat: Some("ukr".into()),
        map: MapInfo { line_name: "L".into(), length_km: 1.0, points: vec![], sectors: vec![] },
        nations: vec![("ukr".into(), "Ukraine".into())],
        choices: Default::default(),
        bodies: vec![],
        mandates: vec![],
    };
    let story = TurnStory {
        turn: 1,
        days: 7,
        headline: "H".into(),
        escalation_after: 0.5,
        ceasefire: "holding".into(),
        causes: vec![Cause { text: "c".into(), change: 0.5, named: true }],
        ..Default::default()
    };
    let entry = SeatEntry { seq: 5, turn: 1, day: 2, rule: "violation".into(), text: "V".into() };
    vec![
        ("Welcome(…)", ServerMessage::Welcome(Box::new(welcome))),
        ("View(…)", ServerMessage::View(Box::new(small_view()))),
        (
            "Verdict(…)",
            ServerMessage::Verdict(OrderVerdict {
                nation: "ukr".into(),
                id: Some(7),
                what: "statement".into(),
                accepted: true,
                reason: String::new(),
                cost: 0,
            }),
        ),
        (
            "Refused { what: \"refresh\", reason: \"x\" }",
            ServerMessage::Refused { what: "refresh".into(), reason: "x".into() },
        ),
        ("Done { what: \"pause\" }", ServerMessage::Done { what: "pause".into() }),
        (
            "Clock(ClockView { remaining_ms: Some(30000), paused: false })",
            ServerMessage::Clock(ClockView { remaining_ms: Some(30_000), paused: false }),
        ),
        (
            "Seats([ukr, Ukraine, locked, people, 2 connected])",
            ServerMessage::Seats(vec![SeatStatus {
                id: "ukr".into(),
                name: "Ukraine".into(),
                locked: true,
                bot: false,
                connected: 2,
            }]),
        ),
        ("Notice(\"Hi\")", ServerMessage::Notice("Hi".into())),
        (
            "Goodbye { reason: \"kicked\", rejoin: false }",
            ServerMessage::Goodbye { reason: "kicked".into(), rejoin: false },
        ),
        (
            "Patch { base: 7, id: 8, clock: Some(…) }",
            ServerMessage::Patch(Box::new(ViewPatch {
                base: 7,
                id: 8,
                clock: Some(ClockView { remaining_ms: Some(1000), paused: false }),
                ..Default::default()
            })),
        ),
        ("Story(…)", ServerMessage::Story(Box::new(story))),
        (
            "Incidents { turn: 1, page: 0, pages: 1, [entry 5] }",
            ServerMessage::Incidents(Box::new(IncidentPage { turn: 1, page: 0, pages: 1, entries: vec![entry] })),
        ),
        (
            "Menu { kind: \"vote\", turn: 2, [Vote { proposal: 1, ballot: Yes }] }",
            ServerMessage::Menu(Box::new(MenuView {
                kind: "vote".into(),
                turn: 2,
                orders: vec![Order::Vote { proposal: 1, ballot: truce::rules::Ballot::Yes }],
            })),
        ),
        (
            "Press { n: 4, turn: 1, day: 0, from: \"ukr\", to: Public, text: \"We hold\" }",
            ServerMessage::Press(Box::new(PressItem {
                n: 4,
                turn: 1,
                day: 0,
                from: "ukr".into(),
                to: PressTo::Public,
                text: "We hold".into(),
                deal: None,
            })),
        ),
    ]
}

#[test]
fn every_message_kind_encodes_as_the_page_says_and_decodes_back() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md")).unwrap();
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for (name, m) in client_messages() {
        let bytes = encode(&m);
        assert_eq!(decode_client(&bytes), Some(m), "{name} decodes back");
        let row = format!("| client | `{name}` | `{}` |", hex(&bytes));
        if !page.contains(&row) {
            missing.push(name);
        }
        rows.push(row);
    }
    for (name, m) in server_messages() {
        let bytes = encode(&m);
        assert_eq!(decode_server(&bytes), Some(m), "{name} decodes back");
        let row = format!("| server | `{name}` | `{}` |", hex(&bytes));
        if !page.contains(&row) {
            missing.push(name);
        }
        rows.push(row);
    }
    // Every kind of server message has its vector.
    assert_eq!(server_messages().len(), 14);
    assert!(
        missing.is_empty(),
        "docs/protocol.md §10 lacks or misstates {missing:?}; its table should read:\n{}",
        rows.join("\n")
    );
}
