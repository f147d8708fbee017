//! The white cell in control, over the network: a teacher's sandbox (orders for any seat) and a
//! game rolled back to the start of an earlier turn, which replays to the same state when the
//! same inputs are given again; the journal keeps the branch that was left.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::Harness;
use truce::host::OnTimeout;
use truce::protocol::{ClientMessage, Command};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};

const WAIT: Duration = Duration::from_secs(20);

fn hash(h: &mut Harness) -> u64 {
    truce::record::state_hash(h.server.app.world_mut())
}

/// Ukraine's orders in a turn: the same whenever the turn is played.
fn script(turn: u32) -> Vec<ClientMessage> {
    vec![
        ClientMessage::Order(Order::SetPosture { sector: "south".into(), pressure: 0.1 * f64::from(turn % 4) }),
        ClientMessage::Order(Order::PublicStatement { text: format!("Ukraine on turn {turn}") }),
        ClientMessage::Seat(SeatAction::Lock),
    ]
}

#[test]
fn rolling_back_to_turn_three_and_replaying_the_same_inputs_gives_the_same_game() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == 1 && ps[0].phase() == Some(Phase::Orders));
    let mut at_start = BTreeMap::new();
    for turn in 1..=4 {
        at_start.insert(turn, hash(&mut h));
        for m in script(turn) {
            ukr.send(m);
        }
        h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == turn + 1 && ps[0].phase() == Some(Phase::Orders));
    }
    let before = hash(&mut h);
    let trace_before = h.server.app.world().resource::<truce::record::Trace>().entries.len();

    h.console(Command::Rollback(3));
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == 3 && ps[0].phase() == Some(Phase::Orders));
    assert_eq!(h.turn(), 3);
    assert_eq!(hash(&mut h), at_start[&3], "the game stands as it stood at the start of turn 3");
    let trace_now = h.server.app.world().resource::<truce::record::Trace>().entries.len();
    assert!(trace_now < trace_before, "turns 3 and 4 are gone from the record");
    // The player's screen followed without a rejoin, and its draft is empty again.
    assert!(ukr.view.as_ref().and_then(|v| v.draft.as_ref()).is_some_and(|d| d.orders.is_empty()));

    for turn in 3..=4 {
        for m in script(turn) {
            ukr.send(m);
        }
        h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == turn + 1 && ps[0].phase() == Some(Phase::Orders));
    }
    assert_eq!(hash(&mut h), before, "the same inputs from turn 3 give the same game");

    // The journal keeps both branches; a replay of the directory stands where the game stands.
    let dir = h.dir.path().join("game");
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    assert_eq!(journal.matches("Ukraine on turn 3\"").count(), 2, "the branch left behind is kept");
    assert_eq!(journal.matches("\"rollback\"").count(), 1);
    h.idle(&mut [&mut ukr], Duration::from_millis(200));
    let recorded = truce::analysis::recorded::Recorded::open(&dir).unwrap();
    let mut replayed = recorded.replay().unwrap();
    assert_eq!(truce::record::state_hash(replayed.world_mut()), before, "the directory replays to the same game");
}

#[test]
fn the_facilitator_gives_orders_for_any_seat_in_place_of_its_own() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut white = h.join("facilitator");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    // Russia's bot has locked its plan; the teacher changes its posture in the south.
    let order = Order::SetPosture { sector: "south".into(), pressure: 0.05 };
    let from = white.received.len();
    white.send(ClientMessage::OrderFor { seat: "rus".into(), order: order.clone() });
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps[1].answer_since(from).is_some());
    assert!(
        matches!(white.answer_since(from), Some(truce::protocol::ServerMessage::Done { what }) if what.contains("for rus")),
        "{:?}",
        white.answer_since(from)
    );
    let draft = h.server.app.world().resource::<truce::rules::OrderBook>().drafts["rus"].clone();
    assert!(draft.locked, "the bot's draft stays locked");
    let south: Vec<&Order> = draft
        .orders
        .iter()
        .map(|d| &d.order)
        .filter(|o| matches!(o, Order::SetPosture { sector, .. } if sector == "south"))
        .collect();
    assert_eq!(south, vec![&order], "the teacher's posture replaced the bot's");
    // A player may not do it, and nobody but the white cell learns of it.
    let from = ukr.received.len();
    ukr.send(ClientMessage::OrderFor { seat: "rus".into(), order });
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps[0].answer_since(from).is_some());
    assert!(matches!(ukr.answer_since(from), Some(truce::protocol::ServerMessage::Refused { .. })));
    let wire: String = ukr.received.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
    assert!(!wire.contains("gave rus an order"));
}

#[test]
fn an_overrides_counterfactual_differs_from_the_game_exactly_where_the_override_acted() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut white = h.join("facilitator");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 2 && p.phase() == Some(Phase::Orders)));
    let why = "RATIONALE: the umpire rules the shelling an accident";
    let escalation = truce::game::Override::Escalation { scale: 0.0 };
    h.console(Command::Override { what: escalation, rationale: why.into() });
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| {
        ps[1].view.as_ref().and_then(|v| v.omniscient.as_ref()).is_some_and(|o| !o.counterfactuals.is_empty())
    });
    let cf = white.view.as_ref().unwrap().omniscient.as_ref().unwrap().counterfactuals[0].clone();
    assert_eq!(cf.turn, 2);
    assert!(cf.overrides[0].contains("scaled this turn's escalation by 0") && cf.overrides[0].contains(why));
    let fields: Vec<&str> = cf.differences.iter().map(|(what, ..)| what.as_str()).collect();
    assert!(fields.contains(&"escalation"), "{fields:?}");
    // The override acted on the escalation the turn gathered, and on nothing else: the fire,
    // the record, the casualties, the sectors and the nations are the same either way.
    for what in &fields {
        assert!(
            matches!(*what, "escalation" | "collapse_hazard" | "ceasefire"),
            "the counterfactual differs in {what}"
        );
    }
    let (_, played, without) = cf.differences.iter().find(|(w, ..)| w == "escalation").unwrap();
    assert!(
        played.parse::<f64>().unwrap() < without.parse::<f64>().unwrap(),
        "without the override escalation is higher"
    );
    // The after-action record keeps it; the students never see the rationale.
    let dir = h.dir.path().join("game");
    let kept = std::fs::read_to_string(dir.join("counterfactuals.json")).unwrap();
    assert!(kept.contains(why));
    let wire: String = ukr.received.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
    assert!(!wire.contains("RATIONALE"), "a player read the white cell's rationale");
}

#[test]
fn a_ruling_on_attribution_lays_a_sectors_violations_on_one_side_and_its_counterfactual_says_so() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut white = h.join("facilitator");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    let ruling = truce::game::Override::Attribution { sector: "north".into(), to: "ukr".into() };
    h.console(Command::Override { what: ruling, rationale: "the umpire's reading of the craters".into() });
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| {
        ps[1].view.as_ref().and_then(|v| v.omniscient.as_ref()).is_some_and(|o| !o.counterfactuals.is_empty())
    });
    let world = h.server.app.world();
    let counts = truce::host::whitecell::attributions(world.resource::<truce::record::Trace>(), 1);
    // France's drones watch the north: monitors name violations there.
    let north: Vec<(&String, &u64)> = counts.iter().filter(|(k, _)| k.contains("North")).collect();
    assert!(!north.is_empty(), "monitors named violations in the north: {counts:?}");
    assert!(north.iter().all(|(k, _)| k.ends_with("to Ukraine")), "every one laid on Ukraine: {north:?}");
    let cf = white.view.as_ref().unwrap().omniscient.as_ref().unwrap().counterfactuals[0].clone();
    assert!(
        cf.differences.iter().any(|(what, ..)| what.contains("North") && what.contains("to Russia")),
        "without the ruling some were laid on Russia: {:?}",
        cf.differences
    );
    assert!(cf.differences.iter().all(|(what, ..)| !what.contains("attributed in South")), "the south is as it was");
}
