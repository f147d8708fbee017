//! Negotiation over the network, as players meet it: press delivered at once to every
//! connection of the seats concerned and to no one else, press rules that refuse with a reason,
//! deals settled kept or breached by what the seats did, a bot that answers an offer within the
//! phase, and an inject that waits for the facilitator's approval.

mod support;

use std::time::Duration;

use support::{Harness, Player, Wire};
use truce::host::OnTimeout;
use truce::negotiation::{DealState, Offer, PressItem, PressTo, Talks};
use truce::protocol::{ClientMessage, Command, ServerMessage};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};
use truce::world::{Registry, Relations};

const WAIT: Duration = Duration::from_secs(20);

fn press_received<C: Wire>(p: &Player<C>) -> Vec<PressItem> {
    p.received
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Press(item) => Some((**item).clone()),
            _ => None,
        })
        .collect()
}

fn heard<C: Wire>(p: &Player<C>, text: &str) -> bool {
    press_received(p).iter().any(|i| i.text.contains(text))
}

fn deal_state(h: &Harness, id: u64) -> DealState {
    h.server.app.world().resource::<Talks>().deal(id).expect("the deal").state.clone()
}

fn relation(h: &Harness, from: &str, to: &str) -> i64 {
    let world = h.server.app.world();
    let registry = world.resource::<Registry>();
    let (a, b) = (registry.get(from).unwrap(), registry.get(to).unwrap());
    world.get::<Relations>(a).map_or(0, |r| r.with(b))
}

#[test]
fn a_private_message_reaches_both_of_the_recipients_connections_and_no_one_else_at_once() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut ukr_too = h.join("ukr");
    let mut rus = h.join("rus");
    let mut fra = h.join("fra");
    let mut obs = h.join("observer");
    let mut projector = h.join("projector");
    let mut white = h.join("facilitator");
    h.console(Command::Start);
    let everyone = |ps: &[&mut Player]| ps.iter().all(|p| p.turn() == 1 && p.phase() == Some(Phase::Orders));
    h.run(&mut [&mut ukr, &mut ukr_too, &mut rus, &mut fra, &mut obs, &mut projector, &mut white], WAIT, everyone);

    rus.send(ClientMessage::Press { to: PressTo::Seat("ukr".into()), text: "RUS-TO-UKR: hold in the south?".into() });
    h.run(&mut [&mut ukr, &mut ukr_too, &mut rus, &mut fra, &mut obs, &mut projector, &mut white], WAIT, |ps| {
        heard(ps[0], "RUS-TO-UKR") && heard(ps[1], "RUS-TO-UKR")
    });
    // Still the same orders phase: nobody locked, nothing resolved.
    assert_eq!((h.turn(), h.phase()), (1, Phase::Orders));
    h.idle(
        &mut [&mut ukr, &mut ukr_too, &mut rus, &mut fra, &mut obs, &mut projector, &mut white],
        Duration::from_millis(200),
    );
    assert!(heard(&rus, "RUS-TO-UKR"), "the sender has its own words back");
    assert!(heard(&white, "RUS-TO-UKR"), "the white cell reads every conversation");
    for (who, p) in [("France", &fra), ("an observer", &obs), ("the projector", &projector)] {
        assert!(!heard(p, "RUS-TO-UKR"), "{who} received Russia's private message");
        let wire: String = p.received.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
        assert!(!wire.contains("RUS-TO-UKR"), "{who} has Russia's private message anywhere on its wire");
    }
    // A public statement reaches everyone, observers included.
    ukr.send(ClientMessage::Press { to: PressTo::Public, text: "UKR-PUBLIC: we hold our fire.".into() });
    h.run(&mut [&mut ukr, &mut ukr_too, &mut rus, &mut fra, &mut obs, &mut projector, &mut white], WAIT, |ps| {
        ps.iter().all(|p| heard(p, "UKR-PUBLIC"))
    });
    // A newcomer has the conversation back in its first view, and only its own.
    let late = h.join("ukr");
    let view = late.view.as_ref().unwrap();
    assert!(view.press.iter().any(|i| i.text.contains("RUS-TO-UKR")));
    let late_fra = h.join("fra");
    assert!(!late_fra.view.as_ref().unwrap().press.iter().any(|i| i.text.contains("RUS-TO-UKR")));
    assert!(late_fra.view.as_ref().unwrap().press.iter().any(|i| i.text.contains("UKR-PUBLIC")));
}

#[test]
fn press_rules_of_public_only_refuse_private_messages_and_channels_with_a_reason() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut rus = h.join("rus");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    h.console(Command::Press(truce::negotiation::PressRules::PublicOnly));
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| {
        ps[0]
            .view
            .as_ref()
            .and_then(|v| v.talk.as_ref())
            .is_some_and(|t| t.rules == truce::negotiation::PressRules::PublicOnly)
    });
    let from = rus.received.len();
    rus.send(ClientMessage::Press { to: PressTo::Seat("ukr".into()), text: "psst".into() });
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| ps[1].answer_since(from).is_some());
    match rus.answer_since(from) {
        Some(ServerMessage::Refused { what, reason }) => {
            assert_eq!(what, "press");
            assert!(reason.contains("public press only"), "{reason}");
        }
        other => panic!("a private message under public-only press was not refused: {other:?}"),
    }
    let from = rus.received.len();
    rus.send(ClientMessage::OpenChannel { name: "back room".into(), members: vec!["ukr".into()] });
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| ps[1].answer_since(from).is_some());
    assert!(
        matches!(rus.answer_since(from), Some(ServerMessage::Refused { reason, .. }) if reason.contains("public press only")),
        "a channel under public-only press was not refused"
    );
    rus.send(ClientMessage::Press { to: PressTo::Public, text: "RUS-ON-THE-RECORD".into() });
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| heard(ps[0], "RUS-ON-THE-RECORD"));
    assert!(!heard(&ukr, "psst"));
}

/// Ukraine and Russia agree to hold fire in the south through turn 2; in turn 2 Russia either
/// keeps to it or pushes hard there.
fn hold_fire_deal(russia_breaks: bool) -> (Harness, u64) {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut rus = h.join("rus");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    let hold = Order::SetPosture { sector: "south".into(), pressure: 0.1 };
    ukr.send(ClientMessage::Offer(Offer {
        to: "rus".into(),
        give: vec![hold.clone()],
        want: vec![hold.clone()],
        until_turn: Some(2),
        note: "Quiet in the south for two weeks.".into(),
    }));
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| {
        press_received(ps[1]).iter().any(|i| i.deal.is_some() && i.text.starts_with("Offer"))
    });
    let id = press_received(&rus).iter().find_map(|i| i.deal).unwrap();
    assert_eq!(deal_state(&h, id), DealState::Offered);
    rus.send(ClientMessage::Answer { deal: id, accept: true, reason: "Agreed.".into() });
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| heard(ps[0], &format!("Accepted offer {id}")));
    assert_eq!(deal_state(&h, id), DealState::Accepted);
    for p in [&mut ukr, &mut rus] {
        p.send(ClientMessage::Order(hold.clone()));
        p.send(ClientMessage::Seat(SeatAction::Lock));
    }
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| ps.iter().all(|p| p.turn() == 2 && p.phase() == Some(Phase::Orders)));
    assert_eq!(deal_state(&h, id), DealState::Accepted, "still binding after turn 1: it runs through turn 2");
    if russia_breaks {
        rus.send(ClientMessage::Order(Order::SetPosture { sector: "south".into(), pressure: 0.8 }));
    }
    for p in [&mut ukr, &mut rus] {
        p.send(ClientMessage::Seat(SeatAction::Lock));
    }
    h.run(&mut [&mut ukr, &mut rus], WAIT, |ps| ps.iter().all(|p| p.turn() == 3));
    h.idle(&mut [&mut ukr, &mut rus], Duration::from_millis(100));
    // The parties read the settlement in their story; the view says where the deal stands.
    let words = if russia_breaks { "breached by Russia" } else { "kept" };
    assert!(ukr.was_told(&format!("Deal {id} {words}")), "Ukraine was told the deal was {words}");
    let shown = ukr.view.as_ref().and_then(|v| v.talk.as_ref()).and_then(|t| t.deals.iter().find(|d| d.deal.id == id));
    assert_eq!(shown.map(|d| d.deal.state.word()), Some(if russia_breaks { "breached" } else { "kept" }));
    (h, id)
}

#[test]
fn a_deal_accepted_in_turn_one_is_kept_in_turn_two_when_both_hold_to_it() {
    let (h, id) = hold_fire_deal(false);
    assert_eq!(deal_state(&h, id), DealState::Kept);
    assert_eq!(relation(&h, "ukr", "rus"), -85, "keeping a deal builds a little trust");
}

#[test]
fn a_deal_is_breached_when_a_seat_breaks_it_and_the_breach_costs_it_in_relations() {
    let (h, id) = hold_fire_deal(true);
    match deal_state(&h, id) {
        DealState::Breached { by, reason } => {
            assert_eq!(by, "rus");
            assert!(reason.contains("South") || reason.contains("south"), "{reason}");
            assert!(reason.contains("0.80"), "the reason says what Russia did: {reason}");
        }
        other => panic!("Russia pushed hard where it promised quiet, and the deal is {other:?}"),
    }
    assert_eq!(relation(&h, "ukr", "rus"), -100, "Ukraine trusts Russia less (to the floor)");
    assert_eq!(relation(&h, "rus", "ukr"), -100);
}

#[test]
fn a_bot_answers_an_offer_and_a_message_within_the_same_phase() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == 1 && ps[0].phase() == Some(Phase::Orders));
    // Russia's bot presses at 0.45; holding fire in the south at 0.3 costs it little, and
    // Ukraine's restraint where Russia's troops stand is worth more.
    // A bot makes offers of its own to the seats people play.
    h.run(&mut [&mut ukr], WAIT, |ps| {
        press_received(ps[0]).iter().any(|i| i.from == "rus" && i.text.starts_with("Offer"))
    });
    ukr.send(ClientMessage::Offer(Offer {
        to: "rus".into(),
        give: vec![Order::SetPosture { sector: "south".into(), pressure: 0.0 }],
        want: vec![Order::SetPosture { sector: "south".into(), pressure: 0.3 }],
        until_turn: None,
        note: String::new(),
    }));
    let answered =
        |i: &PressItem| i.from == "rus" && (i.text.starts_with("Accepted") || i.text.starts_with("Rejected"));
    h.run(&mut [&mut ukr], WAIT, |ps| press_received(ps[0]).iter().any(answered));
    assert_eq!((h.turn(), h.phase()), (1, Phase::Orders), "answered within the phase");
    let answer = press_received(&ukr).into_iter().find(answered).unwrap();
    assert!(answer.text.starts_with("Accepted offer"), "{}", answer.text);
    assert!(answer.text.contains("Russia:") && answer.text.len() > 40, "with its reason: {}", answer.text);
    // It keeps its side at once: its locked draft now holds the promised posture.
    let world = h.server.app.world();
    let draft = &world.resource::<truce::rules::OrderBook>().drafts["rus"];
    assert!(draft.locked);
    assert!(draft.orders.iter().any(|d| d.order == Order::SetPosture { sector: "south".into(), pressure: 0.3 }));

    // An offer against its doctrine is turned down, saying why.
    let from = ukr.received.len();
    ukr.send(ClientMessage::Offer(Offer {
        to: "rus".into(),
        give: vec![Order::Recommit { measures: false }],
        want: vec![Order::SetPosture { sector: "north".into(), pressure: 0.0 }, Order::Recommit { measures: true }],
        until_turn: None,
        note: String::new(),
    }));
    h.run(&mut [&mut ukr], WAIT, |ps| {
        ps[0].since(from).iter().any(|m| matches!(m, ServerMessage::Press(i) if answered(i)))
    });
    let no = press_received(&ukr).into_iter().rev().find(answered).unwrap();
    assert!(no.text.starts_with("Rejected offer") && no.text.contains("goes against our line"), "{}", no.text);

    // A private message gets a reply by its doctrine, pointing to a deal it would take.
    ukr.send(ClientMessage::Press { to: PressTo::Seat("rus".into()), text: "Can we talk about the south?".into() });
    h.run(&mut [&mut ukr], WAIT, |ps| press_received(ps[0]).iter().any(|i| i.from == "rus" && i.deal.is_none()));
    let reply = press_received(&ukr).into_iter().find(|i| i.from == "rus" && i.deal.is_none()).unwrap();
    assert!(reply.text.contains("offer"), "{}", reply.text);
    assert_eq!((h.turn(), h.phase()), (1, Phase::Orders));
}

#[test]
fn an_inject_marked_for_approval_waits_then_fires_when_approved() {
    let mut scenario = support::scenario("tutorial");
    let inject = &mut scenario.injects[0];
    inject.trigger = truce::scenario::model::Condition::FromTurn(1);
    inject.approval = true;
    let delta = match inject.effects[0] {
        truce::scenario::model::Effect::Tension { delta, .. } => delta,
        _ => unreachable!(),
    };
    let mut h = Harness::of(scenario, None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut white = h.join("facilitator");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 2 && p.phase() == Some(Phase::Orders)));
    // Its trigger held in turn 1's resolution: it waits, and the white cell sees it waiting.
    assert!(!ukr.was_told("Shelling near Orikhiv:"), "it did not fire by itself");
    let waiting = white.view.as_ref().and_then(|v| v.omniscient.as_ref()).map(|o| o.awaiting.clone()).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].0, "shelling_south");
    let tension = |h: &Harness| {
        let world = h.server.app.world();
        let south = world.resource::<Registry>().get("south").unwrap();
        world.get::<truce::world::Tension>(south).unwrap().0
    };
    let before = tension(&h);
    // Half its size, by the facilitator's decision.
    h.console(Command::Approve { inject: "shelling_south".into(), scale: 0.5 });
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| {
        ps[1].view.as_ref().and_then(|v| v.omniscient.as_ref()).is_some_and(|o| o.awaiting.is_empty())
    });
    assert!((tension(&h) - (before + delta * 0.5).clamp(0.0, 1.0)).abs() < 1e-9, "fired at half its size");
    assert!(
        white.view.as_ref().unwrap().notices.iter().any(|n| n.contains("approved the inject Shelling near Orikhiv"))
    );
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut white], WAIT, |ps| ps.iter().all(|p| p.turn() == 3));
    assert!(ukr.was_told("Shelling near Orikhiv:"), "the public read it when it fired");
}

#[test]
fn an_inject_left_undecided_takes_its_default_when_the_next_turn_resolves() {
    let mut scenario = support::scenario("tutorial");
    let inject = &mut scenario.injects[0];
    inject.trigger = truce::scenario::model::Condition::AtTurn(1);
    inject.approval = true;
    inject.unanswered = truce::scenario::model::Unanswered::Skip;
    let mut h = Harness::of(scenario, None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == 1);
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == 2 && ps[0].phase() == Some(Phase::Orders));
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() == 3);
    let world = h.server.app.world();
    assert!(world.resource::<truce::rules::politics::AwaitingApproval>().0.is_empty());
    assert!(!ukr.was_told("Shelling near Orikhiv:"), "skipped, as its author said, when nobody decided");
    let trace = world.resource::<truce::record::Trace>();
    assert!(
        trace
            .entries
            .iter()
            .any(|e| e.turn == 2 && e.text.contains("Shelling near Orikhiv was skipped: nobody decided")),
        "the white cell reads why it did not fire"
    );
}

#[test]
fn a_bot_accuses_the_side_monitors_laid_violations_on_in_public() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut obs = h.join("observer");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut obs], WAIT, |ps| ps[0].turn() == 1 && ps[0].phase() == Some(Phase::Orders));
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut obs], WAIT, |ps| ps.iter().all(|p| heard(p, "Russia accuses Ukraine")));
    let said = press_received(&obs).into_iter().find(|i| i.text.contains("Russia accuses Ukraine")).unwrap();
    assert_eq!((said.from.as_str(), &said.to, said.turn), ("rus", &PressTo::Public, 2));
    assert!(said.text.contains("monitors laid") && said.text.contains("North"), "{}", said.text);
}
