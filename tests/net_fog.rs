//! Fog of war on the wire: every message the server sends to one seat, an observer and the
//! projector over a whole networked game, and every turn's story and page of incidents they ask
//! for after it, is captured, and none carries another seat's private
//! messages, postures, secret objectives, or any trace text it was not meant to read. Over UDP
//! and over the WebSocket alike.

mod support;

use std::time::Duration;

use support::socket::SocketClient;
use support::{Harness, Player, Wire};
use truce::host::OnTimeout;
use truce::negotiation::{Offer, PressTo};
use truce::protocol::{ClientMessage, Command};
use truce::record::Trace;
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};

const WAIT: Duration = Duration::from_secs(20);

fn capture(p: &Player) -> String {
    p.received.iter().map(|m| serde_json::to_string(m).unwrap()).collect::<Vec<_>>().join("\n")
}

/// The socket's wire is its text frames, as they came.
fn frames(p: &Player<SocketClient>) -> String {
    p.client.frames.join("\n")
}

#[test]
fn a_seat_never_receives_another_seats_secrets() {
    fog_holds(Harness::join, capture);
}

#[test]
fn a_socket_never_receives_another_seats_secrets() {
    fog_holds(Harness::join_socket, frames);
}

fn fog_holds<C: Wire>(join: impl Fn(&mut Harness, &str) -> Player<C>, capture: impl Fn(&Player<C>) -> String) {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = join(&mut h, "ukr");
    let mut rus = join(&mut h, "rus");
    let mut fra = join(&mut h, "fra");
    let mut obs = join(&mut h, "observer");
    let mut projector = join(&mut h, "projector");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut rus, &mut fra, &mut obs, &mut projector], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    while h.phase() != Phase::GameOver {
        let turn = ukr.turn();
        rus.send(ClientMessage::Order(Order::PrivateMessage {
            to: "fra".into(),
            text: format!("RUS-TO-FRA-SECRET-{turn}"),
        }));
        rus.send(ClientMessage::Order(Order::SetPosture { sector: "south".into(), pressure: 0.9 }));
        fra.send(ClientMessage::Order(Order::PrivateMessage { to: "rus".into(), text: format!("FRA-TO-RUS-{turn}") }));
        ukr.send(ClientMessage::Order(Order::PrivateMessage { to: "fra".into(), text: format!("UKR-TO-FRA-{turn}") }));
        // Press, a channel and an offer, delivered at once: none of it is Ukraine's to read.
        rus.send(ClientMessage::Press { to: PressTo::Seat("fra".into()), text: format!("PRESS-RUS-TO-FRA-{turn}") });
        if turn == 1 {
            rus.send(ClientMessage::OpenChannel { name: "CHANNEL-NAME-SECRET".into(), members: vec!["fra".into()] });
        }
        rus.send(ClientMessage::Press { to: PressTo::Channel(1), text: format!("CHANNEL-RUS-FRA-{turn}") });
        rus.send(ClientMessage::Offer(Offer {
            to: "fra".into(),
            give: vec![Order::Recommit { measures: false }],
            want: vec![Order::ShareIntelligence { with: "rus".into() }],
            until_turn: None,
            note: format!("OFFER-NOTE-SECRET-{turn}"),
        }));
        for p in [&mut ukr, &mut rus, &mut fra] {
            p.send(ClientMessage::Seat(SeatAction::Lock));
        }
        h.run(&mut [&mut ukr, &mut rus, &mut fra, &mut obs, &mut projector], WAIT, |ps| {
            ps.iter().all(|p| p.turn() > turn || p.phase() == Some(Phase::GameOver))
        });
    }
    h.idle(&mut [&mut ukr, &mut rus, &mut fra, &mut obs, &mut projector], Duration::from_millis(200));
    // Each reader asks for every turn's story and every page of its incidents: they are on its
    // wire too.
    for p in [&mut ukr, &mut fra, &mut rus, &mut obs, &mut projector] {
        let (stories, pages) = h.read_history(p);
        assert!(stories.len() >= 2 && !pages.is_empty(), "the whole history was read");
    }
    let wire = capture(&ukr);
    let public = capture(&obs);
    let screen = capture(&projector);
    assert!(ukr.received.len() > 20 && wire.len() > 10_000, "a whole game was captured");

    // The secrets were really exchanged: their addressees read them.
    assert!(capture(&fra).contains("RUS-TO-FRA-SECRET-1"));
    for secret in ["PRESS-RUS-TO-FRA-1", "CHANNEL-RUS-FRA-1", "CHANNEL-NAME-SECRET", "OFFER-NOTE-SECRET-1"] {
        assert!(capture(&fra).contains(secret), "France read {secret}");
    }
    assert!(capture(&rus).contains("FRA-TO-RUS-1"));
    assert!(capture(&rus).contains("SetPosture"));

    assert!(projector.received.len() > 20, "the projector followed the whole game");
    for (reader, text) in [("ukr", &wire), ("observer", &public), ("projector", &screen)] {
        assert!(!text.contains("RUS-TO-FRA-SECRET"), "{reader} received Russia's private message");
        assert!(!text.contains("FRA-TO-RUS"), "{reader} received France's private message");
        for secret in ["PRESS-RUS-TO-FRA", "CHANNEL-RUS-FRA", "CHANNEL-NAME-SECRET", "OFFER-NOTE-SECRET"] {
            assert!(!text.contains(secret), "{reader} received {secret}, press or a deal between others");
        }
        assert!(!text.contains("SetPosture"), "{reader} received another seat's posture order");
        assert!(!text.contains("Russia sets its pressure"), "{reader} received Russia's posture");
        let scenario = support::scenario("tutorial");
        for n in scenario.nations.iter().filter(|n| n.id != reader) {
            for o in n.objectives.iter().filter(|o| !o.public) {
                assert!(!text.contains(&o.text), "{reader} received {}'s secret objective {:?}", n.id, o.text);
            }
        }
    }
    assert!(
        !public.contains("UKR-TO-FRA") && !screen.contains("UKR-TO-FRA"),
        "observers and the projector read no private message"
    );

    // Every trace entry whose full truth differs from what the seat may read stays off its wire.
    let trace = h.server.app.world().resource::<Trace>().clone();
    let mut withheld = 0;
    for (reader, text, nation) in
        [("ukr", &wire, Some("ukr")), ("observer", &public, None), ("projector", &screen, None)]
    {
        let readable: std::collections::BTreeMap<u64, String> =
            trace.view_for(nation).map(|e| (e.seq, e.text)).collect();
        for e in &trace.entries {
            let full = trace.text(e);
            if readable.get(&e.seq).is_some_and(|t| *t == *full) || full.len() < 12 {
                continue;
            }
            // Quoted as JSON, as it would travel inside a message.
            let quoted = serde_json::to_string(full.as_ref()).unwrap();
            let inner = &quoted[1..quoted.len() - 1];
            if readable.values().any(|t| t.contains(full.as_ref())) {
                continue; // the same words are also part of something it may read
            }
            withheld += 1;
            assert!(!text.contains(inner), "{reader} received the withheld entry {}: {full}", e.seq);
        }
    }
    assert!(withheld > 10, "the game had secrets to keep ({withheld})");
}
