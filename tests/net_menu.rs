//! Only legal choices: over a whole game on a real loopback socket, every order of every menu a
//! seat asks for is accepted when sent, and a kind is offered exactly when its menu holds one.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use support::{Harness, Player};
use truce::host::OnTimeout;
use truce::protocol::{ClientMessage, Command, MenuView, ServerMessage};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};

const WAIT: Duration = Duration::from_secs(30);
/// People on each seat: the server takes 20 messages a second from each connection, so a seat
/// sends its menus' orders through several, as a team would.
const PEOPLE: usize = 12;

/// A seat's connections and the pace each may send at.
struct Team {
    seat: &'static str,
    people: Vec<Player>,
    /// Messages each connection may still send now, refilled as the server refills them.
    allowance: Vec<(f64, Instant)>,
    next: usize,
}

impl Team {
    /// The connection to send the next message through, waiting until one may send.
    fn sender(&mut self) -> usize {
        let i = self.next;
        self.next = (self.next + 1) % self.people.len();
        let (left, at) = &mut self.allowance[i];
        *left = (*left + at.elapsed().as_secs_f64() * 19.0).min(99.0);
        *at = Instant::now();
        if *left < 1.0 {
            std::thread::sleep(Duration::from_secs_f64((1.0 - *left) / 19.0));
            *left = 1.0;
        }
        *left -= 1.0;
        i
    }
}

/// Sends `m` through one of `teams[t]`'s connections and pumps every connection until it is
/// answered (a verdict, a refusal or a menu).
fn exchange(h: &mut Harness, teams: &mut [Team], t: usize, m: ClientMessage) -> ServerMessage {
    let who = teams[t].sender();
    let mark = teams[t].people[who].received.len();
    teams[t].people[who].send(m.clone());
    let answered = |m: &ServerMessage| {
        matches!(m, ServerMessage::Verdict(_) | ServerMessage::Refused { .. } | ServerMessage::Menu(_))
    };
    let deadline = Instant::now() + WAIT;
    loop {
        h.server.update();
        for p in teams.iter_mut().flat_map(|t| t.people.iter_mut()) {
            p.pump();
        }
        if let Some(a) = teams[t].people[who].since(mark).iter().find(|m| answered(m)) {
            return a.clone();
        }
        assert!(Instant::now() < deadline, "no answer to {m:?}");
        std::thread::yield_now();
    }
}

/// Pumps every connection until `done` holds.
fn run_until(h: &mut Harness, teams: &mut [Team], done: impl Fn(&[Team]) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done(teams) {
        h.server.update();
        for p in teams.iter_mut().flat_map(|t| t.people.iter_mut()) {
            p.pump();
        }
        assert!(Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The order as a person sends it from the menu: with words in any text the menu leaves empty.
fn written(order: &Order) -> Order {
    match order {
        Order::PrivateMessage { to, .. } => Order::PrivateMessage { to: to.clone(), text: "From the menu".into() },
        Order::PublicStatement { .. } => Order::PublicStatement { text: "From the menu".into() },
        other => other.clone(),
    }
}

#[test]
fn every_order_every_menu_offers_over_a_whole_game_is_accepted_when_sent() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut teams: Vec<Team> = ["ukr", "rus", "fra", "ita"]
        .into_iter()
        .map(|seat| Team {
            seat,
            people: (0..PEOPLE).map(|_| h.join(seat)).collect(),
            allowance: vec![(99.0, Instant::now()); PEOPLE],
            next: 0,
        })
        .collect();
    h.console(Command::Start);
    let in_orders = |teams: &[Team], turn: u32| {
        teams.iter().all(|t| t.people[0].phase() == Some(Phase::Orders) && t.people[0].turn() == turn)
    };
    run_until(&mut h, &mut teams, |t| in_orders(t, 1));
    a_menu_answers_for_the_moment_it_is_asked(&mut h, &mut teams);
    a_kind_that_does_not_exist_is_refused_by_name(&mut h, &mut teams);

    let (mut sent, mut kinds_seen) = (0usize, BTreeSet::new());
    loop {
        let turn = teams[0].people[0].turn();
        for t in 0..teams.len() {
            let options = teams[t].people[0].view.as_ref().and_then(|v| v.options.clone()).expect("options");
            sent += send_every_order_of_every_menu(&mut h, &mut teams, t, &options.kinds, &mut kinds_seen);
            // The seat then plays its advisor's turn, so later turns have proposals to vote on,
            // contingents on the line and offers to answer.
            for order in options.advice {
                exchange(&mut h, &mut teams, t, ClientMessage::Order(order));
            }
            exchange(&mut h, &mut teams, t, ClientMessage::Seat(SeatAction::Lock));
        }
        run_until(&mut h, &mut teams, |ts| {
            ts.iter().all(|t| t.people[0].turn() > turn || t.people[0].phase() == Some(Phase::GameOver))
        });
        if teams[0].people[0].phase() == Some(Phase::GameOver) {
            break;
        }
        run_until(&mut h, &mut teams, |ts| in_orders(ts, turn + 1));
    }
    // The game gave every kind a use: the menus were not empty by accident.
    for kind in ["private message", "public statement", "mandate proposal", "vote", "pledge", "posture", "lobbying"] {
        assert!(kinds_seen.contains(kind), "no {kind} was ever on a menu ({kinds_seen:?})");
    }
    eprintln!("{sent} orders sent from the menus, of {} kinds", kinds_seen.len());
    assert!(sent > 300, "{sent} orders sent from the menus");
}

/// The orders of `kind` the server lists for team `t`.
fn menu_of(h: &mut Harness, teams: &mut [Team], t: usize, kind: &str) -> MenuView {
    match exchange(h, teams, t, ClientMessage::Menu { kind: kind.into() }) {
        ServerMessage::Menu(m) => *m,
        other => panic!("{} asked for the {kind} menu and got {other:?}", teams[t].seat),
    }
}

/// A menu answers for the moment it is asked: once an order is drafted, the same order is off
/// its menu, and back on it once retracted.
fn a_menu_answers_for_the_moment_it_is_asked(h: &mut Harness, teams: &mut [Team]) {
    let sanctions = menu_of(h, teams, 0, "sanctions").orders;
    let first = sanctions.first().cloned().expect("Ukraine may sanction someone");
    let id = match exchange(h, teams, 0, ClientMessage::Order(first.clone())) {
        ServerMessage::Verdict(v) if v.accepted => v.id.unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(!menu_of(h, teams, 0, "sanctions").orders.contains(&first), "{first:?} is drafted already");
    exchange(h, teams, 0, ClientMessage::Seat(SeatAction::Retract(id)));
    assert_eq!(menu_of(h, teams, 0, "sanctions").orders, sanctions, "retracted, it is back");
}

fn a_kind_that_does_not_exist_is_refused_by_name(h: &mut Harness, teams: &mut [Team]) {
    match exchange(h, teams, 0, ClientMessage::Menu { kind: "airstrike".into() }) {
        ServerMessage::Refused { what, reason } => {
            assert_eq!(what, "menu");
            assert!(reason.contains("no kind of order called \"airstrike\""), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// Team `t` asks for every menu and sends each of its orders, retracting each once accepted; a
/// kind must be among the view's `offered` kinds exactly when its menu holds an order. Returns
/// how many orders were sent.
fn send_every_order_of_every_menu(
    h: &mut Harness,
    teams: &mut [Team],
    t: usize,
    offered: &[String],
    kinds_seen: &mut BTreeSet<&'static str>,
) -> usize {
    let turn = teams[t].people[0].turn();
    let mut sent = 0;
    for kind in truce::rules::menu::KINDS {
        let MenuView { kind: answered, turn: at, orders } = menu_of(h, teams, t, kind);
        assert_eq!((answered.as_str(), at), (kind, turn));
        assert_eq!(
            offered.iter().any(|k| k == kind),
            !orders.is_empty(),
            "turn {turn}, {}: {kind} offered as a kind ({offered:?}) but its menu holds {} orders",
            teams[t].seat,
            orders.len()
        );
        for order in orders {
            let order = written(&order);
            let id = match exchange(h, teams, t, ClientMessage::Order(order.clone())) {
                ServerMessage::Verdict(v) if v.accepted => v.id.expect("an accepted order has an id"),
                other => panic!("turn {turn}, {}: the menu offered {order:?}, refused: {other:?}", teams[t].seat),
            };
            match exchange(h, teams, t, ClientMessage::Seat(SeatAction::Retract(id))) {
                ServerMessage::Verdict(v) if v.accepted => {}
                other => panic!("retracting {order:?}: {other:?}"),
            }
            sent += 1;
            kinds_seen.insert(kind);
        }
    }
    sent
}
