//! Red team, in the game: what a hostile or careless client can try once it holds a code (control
//! characters in its words, a flood of inputs or refreshes, a code kept after a kick or a revoke,
//! a seat taken back from the bot, a full code, repeated ids, a giant condition, an unlock in the
//! last second), each answered by the server's defence.

mod support;

use std::time::{Duration, Instant};

use support::{Harness, Player};
use truce::host::OnTimeout;
use truce::net::client::{JoinFailure, NetClient, request_token};
use truce::protocol::{
    ClientMessage, Command, MAX_CLIENT_MESSAGE_BYTES, MAX_INPUTS_PER_SEAT_PER_TURN, REFRESH_EVERY_MS, Role,
    SILENT_AFTER_MS, SeatStatus, ServerMessage, encode, most_connections,
};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};
use truce::scenario::model::Condition;

const WAIT: Duration = Duration::from_secs(10);

fn statement(text: &str) -> ClientMessage {
    ClientMessage::Order(Order::PublicStatement { text: text.into() })
}

fn private(to: &str, text: &str) -> ClientMessage {
    ClientMessage::Order(Order::PrivateMessage { to: to.into(), text: text.into() })
}

fn seat_action(action: SeatAction) -> ClientMessage {
    ClientMessage::Seat(action)
}

fn command(c: Command) -> ClientMessage {
    ClientMessage::Command(c)
}

/// Sends `m` from `p` and pumps until an answer (verdict, refusal or done) arrives.
fn ask(h: &mut Harness, p: &mut Player, m: ClientMessage) -> ServerMessage {
    let mark = p.received.len();
    p.send(m);
    h.run(&mut [&mut *p], WAIT, |ps| ps[0].answer_since(mark).is_some());
    p.answer_since(mark).unwrap().clone()
}

/// The reason of a refusal (a `Refused`, or a verdict that did not accept), if it is one.
fn refusal(m: &ServerMessage) -> Option<&str> {
    match m {
        ServerMessage::Refused { reason, .. } => Some(reason),
        ServerMessage::Verdict(v) if !v.accepted => Some(&v.reason),
        _ => None,
    }
}

fn refused_because(m: &ServerMessage) -> String {
    refusal(m).unwrap_or_else(|| panic!("expected a refusal, got {m:?}")).to_string()
}

/// The id of an accepted order (or the verdict of an accepted seat action); panics otherwise.
fn accepted(m: &ServerMessage) -> Option<u64> {
    match m {
        ServerMessage::Verdict(v) if v.accepted => v.id,
        other => panic!("expected an accepted verdict, got {other:?}"),
    }
}

fn goodbye(p: &Player) -> Option<(String, bool)> {
    p.received.iter().find_map(|m| match m {
        ServerMessage::Goodbye { reason, rejoin } => Some((reason.clone(), *rejoin)),
        _ => None,
    })
}

fn seat<'a>(p: &'a Player, id: &str) -> &'a SeatStatus {
    p.view.as_ref().expect("a view").seats.iter().find(|s| s.id == id).expect("the seat")
}

/// Everything `p` received, as JSON, one message a line.
fn json_of(p: &Player) -> String {
    p.received.iter().map(|m| serde_json::to_string(m).unwrap()).collect::<Vec<_>>().join("\n")
}

/// Joins with `seat`'s code while pumping `others` too (so none of them falls silent).
fn join_with(h: &mut Harness, seat: &str, others: &mut [Player]) -> Player {
    let code = h.code(seat);
    let mut p = Player::new(NetClient::join(h.server.addr, &code).expect("join"));
    let mut all: Vec<&mut Player> = others.iter_mut().collect();
    all.push(&mut p);
    h.run(&mut all, WAIT, |ps| ps.last().unwrap().view.is_some());
    p
}

/// The facilitator starts the game; waits until every one of `players` is in turn 1's orders.
fn start(h: &mut Harness, fac: &mut Player, players: &mut [&mut Player]) {
    assert!(matches!(ask(h, fac, command(Command::Start)), ServerMessage::Done { .. }));
    h.run(players, WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders) && p.turn() == 1));
}

/// The facilitator ends the orders phase; waits until every one of `players` is in turn 2.
fn end_turn(h: &mut Harness, fac: &mut Player, players: &mut [&mut Player]) {
    assert!(matches!(ask(h, fac, command(Command::EndPhase)), ServerMessage::Done { .. }));
    h.run(players, WAIT, |ps| ps.iter().all(|p| p.turn() == 2 && p.phase() == Some(Phase::Orders)));
}

#[test]
fn text_with_control_characters_is_refused() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut obs = h.join("observer");
    let mut fac = h.join("facilitator");
    start(&mut h, &mut fac, &mut [&mut ukr, &mut obs]);

    // Clear the screen, retitle the terminal, a C1 CSI, a right-to-left override.
    for bad in ["\u{1b}[2J", "\u{1b}]0;title\u{7}", "\u{9b}31m", "\u{202e}"] {
        for m in [statement(&format!("hello {bad} world")), private("rus", &format!("psst {bad} psst"))] {
            let answer = ask(&mut h, &mut ukr, m.clone());
            assert!(matches!(answer, ServerMessage::Refused { .. }), "{m:?} got {answer:?}");
            assert!(refused_because(&answer).contains("control characters"), "{answer:?}");
        }
    }
    let answer = ask(&mut h, &mut ukr, ClientMessage::Hello { name: "Mallory\u{1b}[31m".into() });
    assert!(matches!(answer, ServerMessage::Refused { .. }), "{answer:?}");
    assert!(refused_because(&answer).contains("control characters"), "{answer:?}");
    // Plain words still go through.
    accepted(&ask(&mut h, &mut ukr, statement("Ukraine speaks plainly")));
    // Ukraine is the only seat its people play: its lock ends the turn.
    ukr.send(seat_action(SeatAction::Lock));
    h.run(&mut [&mut ukr, &mut obs, &mut fac], WAIT, |ps| ps.iter().all(|p| p.turn() == 2));
    h.idle(&mut [&mut ukr, &mut obs, &mut fac], Duration::from_millis(600));
    let reports = obs.reports();
    assert!(reports.iter().any(|r| r.contains("Ukraine speaks plainly")), "{reports:?}");
    for (who, p) in [("observer", &obs), ("facilitator", &fac)] {
        let json = json_of(p);
        for needle in ["\u{1b}", "\\u001b", "\\u0007", "\u{9b}", "\u{202e}"] {
            assert!(!json.contains(needle), "the {who} received {needle:?}");
        }
    }
}

#[test]
fn kick_bars_the_code_until_readmit() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut rus_a = h.join("rus");
    let mut rus_b = h.join("rus");
    let mut ukr = h.join("ukr");
    let mut obs = h.join("observer");
    let addr = h.server.addr;

    h.console(Command::Kick("rus".into()));
    h.run(&mut [&mut rus_a, &mut rus_b, &mut ukr, &mut obs], WAIT, |ps| {
        goodbye(ps[0]).is_some() && goodbye(ps[1]).is_some()
    });
    for p in [&rus_a, &rus_b] {
        let (reason, rejoin) = goodbye(p).unwrap();
        assert!(!rejoin, "a kicked connection is told not to rejoin: {reason}");
    }
    h.idle(&mut [&mut rus_a, &mut rus_b, &mut ukr, &mut obs], Duration::from_millis(300));
    assert!(ukr.client.is_connected() && obs.client.is_connected());
    assert!(goodbye(&ukr).is_none() && goodbye(&obs).is_none());

    // The code is closed, not unknown; the other codes still work.
    match request_token(addr, &h.code("rus")) {
        Err(JoinFailure::Refused(403, e)) => assert!(e.contains("closed"), "{e}"),
        other => panic!("a kicked code got {other:?}"),
    }
    let mut fra = h.join("fra");
    assert_eq!(fra.welcome.as_ref().unwrap().seat.as_deref(), Some("fra"));

    h.console(Command::Readmit("rus".into()));
    h.idle(&mut [&mut ukr, &mut obs, &mut fra], Duration::from_millis(200));
    assert!(request_token(addr, &h.code("rus")).is_ok(), "readmitted");
    let back = h.join("rus");
    assert_eq!(back.view.as_ref().unwrap().seat.as_deref(), Some("rus"));

    // The observers' code likewise.
    h.console(Command::Kick("observers".into()));
    h.run(&mut [&mut obs, &mut ukr, &mut fra], WAIT, |ps| goodbye(ps[0]).is_some());
    assert!(!goodbye(&obs).unwrap().1);
    match request_token(addr, &h.code("observer")) {
        Err(JoinFailure::Refused(403, e)) => assert!(e.contains("closed"), "{e}"),
        other => panic!("a kicked observer code got {other:?}"),
    }
    assert!(ukr.client.is_connected() && goodbye(&ukr).is_none());
    h.console(Command::Readmit("observers".into()));
    h.idle(&mut [&mut ukr, &mut fra], Duration::from_millis(200));
    let obs2 = h.join("observer");
    assert_eq!(obs2.welcome.as_ref().unwrap().role, Role::Observer);
}

#[test]
fn revoke_replaces_a_code() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr_a = h.join("ukr");
    let mut ukr_b = h.join("ukr");
    let mut fra = h.join("fra");
    let mut obs = h.join("observer");
    let mut projector = h.join("projector");
    let mut fac = h.join("facilitator");
    let addr = h.server.addr;
    let old = h.code("ukr");

    let what = match ask(&mut h, &mut fac, command(Command::Revoke("ukr".into()))) {
        ServerMessage::Done { what } => what,
        other => panic!("revoke got {other:?}"),
    };
    let new = what.rsplit("the new code is ").next().unwrap().trim().to_string();
    assert!(what.starts_with("revoke ukr") && new.len() == 9 && new != old, "{what}");

    h.run(&mut [&mut ukr_a, &mut ukr_b, &mut fra, &mut obs, &mut projector, &mut fac], WAIT, |ps| {
        goodbye(ps[0]).is_some() && goodbye(ps[1]).is_some()
    });
    for p in [&ukr_a, &ukr_b] {
        assert!(!goodbye(p).unwrap().1, "the old code's holders are told not to rejoin");
    }
    match request_token(addr, &old) {
        Err(JoinFailure::Refused(403, e)) => assert!(e.contains("no seat has that code"), "{e}"),
        other => panic!("the old code got {other:?}"),
    }
    let mut back = Player::new(NetClient::join(addr, &new).expect("the new code joins"));
    h.run(&mut [&mut back, &mut fra, &mut obs, &mut projector, &mut fac], WAIT, |ps| ps[0].view.is_some());
    assert_eq!(back.welcome.as_ref().unwrap().seat.as_deref(), Some("ukr"));

    // Let the white cell's view catch up, then look for the code everywhere but the facilitator's answer.
    h.idle(&mut [&mut back, &mut fra, &mut obs, &mut projector, &mut fac], Duration::from_millis(700));
    let log = &fac.view.as_ref().unwrap().omniscient.as_ref().unwrap().log;
    assert!(log.iter().any(|l| l.contains("replaced the code of ukr")), "{log:?}");
    let bare: String = new.chars().filter(|c| *c != '-').collect();
    for (who, p) in [("projector", &projector), ("observer", &obs), ("France", &fra), ("the new Ukraine", &back)] {
        let json = json_of(p);
        assert!(!json.contains(&new) && !json.contains(&bare), "the {who} read the new code");
    }
    let v = fac.view.as_ref().unwrap();
    assert!(
        !v.notices.iter().chain(&v.omniscient.as_ref().unwrap().log).any(|l| l.contains(&new) || l.contains(&bare))
    );
}

#[test]
fn bot_holds_until_human() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut fra = h.join("fra");
    let mut fac = h.join("facilitator");
    start(&mut h, &mut fac, &mut [&mut ukr, &mut fra]);

    let mark = ukr.received.len();
    assert!(matches!(
        ask(&mut h, &mut fac, command(Command::ForceHandToBot("ukr".into()))),
        ServerMessage::Done { .. }
    ));
    h.run(&mut [&mut ukr, &mut fra, &mut fac], WAIT, |ps| {
        ps[0].since(mark).iter().any(|m| matches!(m, ServerMessage::Notice(t) if t.contains("handed ukr to its bot")))
    });

    // The laptop is closed and opened again: the seat stays with the bot.
    ukr.client.disconnect();
    h.idle(&mut [&mut ukr, &mut fra, &mut fac], Duration::from_millis(200));
    drop(ukr);
    let mut ukr = h.join("ukr");
    h.idle(&mut [&mut ukr, &mut fra, &mut fac], Duration::from_secs(1));
    assert!(seat(&ukr, "ukr").bot, "{:?}", seat(&ukr, "ukr"));
    assert!(ukr.received.iter().any(|m| matches!(m, ServerMessage::Notice(t) if t.contains("handed ukr to its bot"))));
    let answer = ask(&mut h, &mut ukr, statement("Ukraine is back"));
    assert!(refused_because(&answer).contains("facilitator"), "{answer:?}");
    let answer = ask(&mut h, &mut ukr, seat_action(SeatAction::Unlock));
    assert!(refused_because(&answer).contains("facilitator"), "{answer:?}");
    h.idle(&mut [&mut ukr, &mut fra, &mut fac], Duration::from_millis(300));
    assert!(seat(&ukr, "ukr").bot);

    // Given back, it takes orders again (after unlocking what the bot locked).
    assert!(matches!(ask(&mut h, &mut fac, command(Command::HandBack("ukr".into()))), ServerMessage::Done { .. }));
    h.run(&mut [&mut ukr, &mut fra, &mut fac], WAIT, |ps| !seat(ps[0], "ukr").bot);
    if seat(&ukr, "ukr").locked {
        accepted(&ask(&mut h, &mut ukr, seat_action(SeatAction::Unlock)));
    }
    accepted(&ask(&mut h, &mut ukr, statement("Ukraine is back")));
}

#[test]
fn a_full_code_gives_a_silent_connections_place_to_a_new_one() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let most = most_connections(Role::Player);
    let mut fra: Vec<Player> = Vec::new();
    for _ in 0..most {
        let p = join_with(&mut h, "fra", &mut fra);
        fra.push(p);
    }
    {
        let mut all: Vec<&mut Player> = fra.iter_mut().collect();
        h.run(&mut all, WAIT, |ps| seat(ps.last().unwrap(), "fra").connected == most as u32);
    }

    // The first falls silent (its lid closed) while the others carry on.
    let mut silent = fra.remove(0);
    {
        let mut live: Vec<&mut Player> = fra.iter_mut().collect();
        h.idle(&mut live, Duration::from_millis(SILENT_AFTER_MS + 500));
    }
    let newcomer = join_with(&mut h, "fra", &mut fra);
    fra.push(newcomer);
    {
        let mut all: Vec<&mut Player> = fra.iter_mut().collect();
        all.push(&mut silent);
        h.run(&mut all, WAIT, |ps| {
            let silent = ps.last().unwrap();
            goodbye(silent).is_some() || silent.client.is_disconnected()
        });
        h.idle(&mut all, Duration::from_millis(300));
    }
    if let Some((reason, rejoin)) = goodbye(&silent) {
        assert!(rejoin, "a silent connection may come back: {reason}");
    }
    assert!(silent.client.is_disconnected() || goodbye(&silent).is_some());
    assert_eq!(seat(fra.last().unwrap(), "fra").connected, most as u32);
    drop(silent);

    // Now every place is held by a live connection: the next one is told to try later.
    {
        let mut all: Vec<&mut Player> = fra.iter_mut().collect();
        h.idle(&mut all, Duration::from_millis(300));
    }
    let code = h.code("fra");
    let mut extra = Player::new(NetClient::join(h.server.addr, &code).expect("a token"));
    {
        let mut all: Vec<&mut Player> = fra.iter_mut().collect();
        all.push(&mut extra);
        h.run(&mut all, WAIT, |ps| goodbye(ps.last().unwrap()).is_some());
        h.idle(&mut all, Duration::from_millis(200));
    }
    let (reason, rejoin) = goodbye(&extra).unwrap();
    assert!(rejoin && reason.contains("live connections"), "{reason}");
    assert!(extra.view.is_none(), "the one turned away saw nothing");
    assert_eq!(seat(fra.last().unwrap(), "fra").connected, most as u32);
    assert!(fra.iter().all(|p| goodbye(p).is_none() && p.client.is_connected()));
}

#[test]
fn refresh_is_answered_with_the_full_view_at_most_once_a_second() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut obs = h.join("observer");
    h.idle(&mut [&mut obs], Duration::from_millis(300));
    let mark = obs.received.len();
    let began = Instant::now();
    for _ in 0..20 {
        obs.send(ClientMessage::Refresh);
        h.idle(&mut [&mut obs], Duration::from_millis(40));
    }
    h.idle(&mut [&mut obs], Duration::from_millis(100));
    let took = began.elapsed();
    let views = obs.since(mark).iter().filter(|m| matches!(m, ServerMessage::View(_))).count();
    let refused: Vec<&String> = obs
        .since(mark)
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Refused { what, reason } if what == "refresh" => Some(reason),
            _ => None,
        })
        .collect();
    // At most one answer per REFRESH_EVERY_MS of the time it took (and nothing changed).
    let answered = 20 - refused.len();
    let most = 1 + (took.as_millis() / u128::from(REFRESH_EVERY_MS)) as usize;
    assert!(answered <= most.min(2), "{answered} refreshes answered in {took:?}");
    assert!(refused.iter().all(|r| r.contains("at most once")), "{refused:?}");
    // Each answered refresh is the whole view (a client whose view went astray starts afresh).
    assert_eq!(views, answered, "full views sent for {answered} answered refreshes");

    // A second later, it is answered again.
    let mut ukr = h.join("ukr");
    h.idle(&mut [&mut obs, &mut ukr], Duration::from_millis(REFRESH_EVERY_MS + 100));
    let mark = obs.received.len();
    obs.send(ClientMessage::Refresh);
    h.run(&mut [&mut obs, &mut ukr], WAIT, |ps| ps[0].since(mark).iter().any(|m| matches!(m, ServerMessage::View(_))));
    assert!(!obs.since(mark).iter().any(|m| matches!(m, ServerMessage::Refused { .. })));
}

#[test]
fn inputs_per_seat_per_turn_are_capped() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    // Several connections of one team, so that no one connection's rate is what stops it.
    let rounds = 5;
    let per_round = MAX_INPUTS_PER_SEAT_PER_TURN / (2 * rounds);
    assert_eq!(per_round * 2 * rounds, MAX_INPUTS_PER_SEAT_PER_TURN);
    let mut team: Vec<Player> = (0..rounds).map(|_| h.join("ukr")).collect();
    let mut fac = h.join("facilitator");
    {
        let mut all: Vec<&mut Player> = team.iter_mut().collect();
        start(&mut h, &mut fac, &mut all);
    }

    let mut n = 0;
    for p in team.iter_mut() {
        // Send free orders, then retract each: the draft stays small, the inputs add up.
        let mark = p.received.len();
        for _ in 0..per_round {
            n += 1;
            p.send(private("rus", &format!("note {n}")));
        }
        let verdicts = |p: &Player| -> Vec<ServerMessage> {
            p.since(mark)
                .iter()
                .filter(|m| matches!(m, ServerMessage::Verdict(_) | ServerMessage::Refused { .. }))
                .cloned()
                .collect()
        };
        h.run(&mut [&mut *p], WAIT, |ps| verdicts(ps[0]).len() >= per_round);
        let ids: Vec<u64> = verdicts(p).iter().map(|m| accepted(m).expect("an id")).collect();
        let mark = p.received.len();
        for id in ids {
            p.send(seat_action(SeatAction::Retract(id)));
        }
        h.run(&mut [&mut *p], WAIT, |ps| {
            ps[0]
                .since(mark)
                .iter()
                .filter(|m| matches!(m, ServerMessage::Verdict(_) | ServerMessage::Refused { .. }))
                .count()
                >= per_round
        });
        for m in p.since(mark) {
            if matches!(m, ServerMessage::Verdict(_) | ServerMessage::Refused { .. }) {
                accepted(m);
            }
        }
    }
    // The next one is one too many, whichever connection sends it.
    let answer = ask(&mut h, &mut team[0], private("rus", "one more"));
    assert!(refused_because(&answer).contains("inputs this turn"), "{answer:?}");
    let answer = ask(&mut h, &mut team[1], statement("one more"));
    assert!(refused_because(&answer).contains("inputs this turn"), "{answer:?}");

    // A new turn, a new allowance.
    {
        let mut all: Vec<&mut Player> = team.iter_mut().collect();
        end_turn(&mut h, &mut fac, &mut all);
    }
    accepted(&ask(&mut h, &mut team[0], private("rus", "a new turn")));
}

/// The refusal at the cap tells a seat to "lock what you have": a lock is always taken.
#[test]
fn a_seat_at_its_input_cap_may_still_lock() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut team: Vec<Player> = (0..4).map(|_| h.join("ukr")).collect();
    let mut fra = h.join("fra");
    let mut fac = h.join("facilitator");
    {
        let mut all: Vec<&mut Player> = team.iter_mut().collect();
        all.push(&mut fra);
        start(&mut h, &mut fac, &mut all);
    }
    // Lock and unlock until the cap: 300 inputs, 75 a connection.
    let per_connection = MAX_INPUTS_PER_SEAT_PER_TURN / team.len();
    let mut used = 0;
    for i in 0..MAX_INPUTS_PER_SEAT_PER_TURN {
        let action = if i % 2 == 0 { SeatAction::Lock } else { SeatAction::Unlock };
        accepted(&ask(&mut h, &mut team[i / per_connection], seat_action(action)));
        used += 1;
    }
    assert_eq!(used, MAX_INPUTS_PER_SEAT_PER_TURN);
    let answer = ask(&mut h, &mut team[0], statement("one more"));
    let reason = refused_because(&answer);
    assert!(reason.contains("lock what you have"), "{reason}");
    // Doing as told.
    let answer = ask(&mut h, &mut team[0], seat_action(SeatAction::Lock));
    assert!(matches!(answer, ServerMessage::Verdict(ref v) if v.accepted), "told to lock, the lock got {answer:?}");
}

#[test]
fn a_mandate_naming_a_sector_twice_is_refused() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut fra = h.join("fra");
    let mut fac = h.join("facilitator");
    start(&mut h, &mut fac, &mut [&mut fra]);
    let propose = |sectors: &[&str], contributors: &[&str]| {
        ClientMessage::Order(Order::ProposeMandate {
            template: "un_observe".into(),
            institution: "unsc".into(),
            sectors: sectors.iter().map(|s| s.to_string()).collect(),
            contributors: contributors.iter().map(|s| s.to_string()).collect(),
            duration_turns: None,
        })
    };
    let answer = ask(&mut h, &mut fra, propose(&["south", "south"], &[]));
    assert!(refused_because(&answer).contains("more than once"), "{answer:?}");
    let answer = ask(&mut h, &mut fra, propose(&["south"], &["fra", "fra"]));
    assert!(refused_because(&answer).contains("more than once"), "{answer:?}");
    let answer = ask(&mut h, &mut fra, propose(&["north", "south", "north"], &["fra", "ita"]));
    assert!(refused_because(&answer).contains("more than once"), "{answer:?}");
    accepted(&ask(&mut h, &mut fra, propose(&["south"], &["fra", "ita"])));
}

#[test]
fn a_giant_pledge_condition_stays_a_short_description() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut fra = h.join("fra");
    let mut obs = h.join("observer");
    let mut fac = h.join("facilitator");
    start(&mut h, &mut fac, &mut [&mut fra, &mut obs]);

    let pledge = |n: usize| {
        ClientMessage::Order(Order::Pledge {
            contingent: "fra_bde".into(),
            sector: "south".into(),
            condition: Some(Condition::All(vec![Condition::CeasefireHolds; n])),
        })
    };
    // As many conditions as one client message holds.
    let mut n = MAX_CLIENT_MESSAGE_BYTES;
    while encode(&pledge(n)).len() > MAX_CLIENT_MESSAGE_BYTES {
        n -= 8;
    }
    assert!(n >= 8000, "{n}");
    accepted(&ask(&mut h, &mut fra, pledge(n)));
    // France is the only seat its people play: its lock ends the turn.
    fra.send(seat_action(SeatAction::Lock));
    h.run(&mut [&mut fra, &mut obs, &mut fac], WAIT, |ps| ps.iter().all(|p| p.turn() == 2));
    h.idle(&mut [&mut fra, &mut obs, &mut fac], Duration::from_millis(600));

    const LONGEST: usize = 2000;
    // The white cell's story tells the whole truth; every reader's lines stay short.
    let truth = fac.view.as_ref().unwrap().story.clone().expect("the white cell has the turn's story");
    let pledged = truth.events.iter().find(|e| e.text.contains("pledges")).expect("the pledge is in the story");
    assert!(pledged.text.contains("more conditions"), "{}", pledged.text);
    for p in [&fac, &fra, &obs] {
        for r in p.reports() {
            assert!(r.chars().count() < LONGEST, "a report of {} characters", r.chars().count());
        }
    }
    assert!(obs.reports().iter().any(|r| r.contains("more conditions")));
}

#[test]
fn unlocking_in_the_last_second_leaves_the_locked_orders_standing() {
    let mut h = Harness::new("tutorial", Some(3), OnTimeout::Bot);
    let mut ukr_a = h.join("ukr");
    let mut ukr_b = h.join("ukr");
    // France is people too and never locks, so the turn waits for the clock.
    let mut fra = h.join("fra");
    h.console(Command::Start);
    h.run(&mut [&mut ukr_a, &mut ukr_b, &mut fra], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    let ends = Instant::now() + Duration::from_millis(ukr_a.view.as_ref().unwrap().clock.remaining_ms.unwrap());

    accepted(&ask(&mut h, &mut ukr_a, statement("Ukraine locked this in time")));
    ask(&mut h, &mut ukr_a, seat_action(SeatAction::Lock));
    h.run(&mut [&mut ukr_a, &mut ukr_b, &mut fra], WAIT, |ps| {
        ps[1].view.as_ref().and_then(|v| v.draft.as_ref()).is_some_and(|d| d.locked)
    });
    // In the last second, a team-mate unlocks, and nobody locks again.
    let unlock_at = ends - Duration::from_millis(700);
    h.idle(&mut [&mut ukr_a, &mut ukr_b, &mut fra], unlock_at.saturating_duration_since(Instant::now()));
    assert_eq!(ukr_b.turn(), 1, "the clock ended early");
    let mark = ukr_b.received.len();
    ukr_b.send(seat_action(SeatAction::Unlock));
    h.run(&mut [&mut ukr_a, &mut ukr_b, &mut fra], WAIT, |ps| ps[1].answer_since(mark).is_some());
    accepted(ukr_b.answer_since(mark).unwrap());

    h.run(&mut [&mut ukr_a, &mut ukr_b, &mut fra], WAIT, |ps| {
        ps.iter().all(|p| p.turn() == 2 && p.phase() == Some(Phase::Orders))
    });
    let reports = ukr_a.reports();
    assert!(reports.iter().any(|r| r.contains("Ukraine locked this in time")), "{reports:?}");
    let v = ukr_a.view.as_ref().unwrap();
    let stood_in: Vec<&String> = v.notices.iter().filter(|n| n.contains("bots stood in for")).collect();
    assert!(stood_in.iter().all(|n| !n.contains("ukr")), "{stood_in:?}");
    assert!(stood_in.iter().any(|n| n.contains("fra")), "{stood_in:?}");
}

/// A three-second stall of the server, as a busy machine gives: every client of a team of nine
/// notices the silence, rejoins, and is back; none is refused for good.
#[test]
fn a_team_survives_a_server_stall() {
    use truce::client::run::Connection;
    use truce::client::{Client, Link};
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let code = h.code("fra");
    let addr = h.server.addr;
    type Team = Vec<(Connection, Client)>;
    let mut team: Team = Vec::new();
    for _ in 0..9 {
        // `open` waits for the server's answer over HTTP, which needs no frame of the game.
        team.push((Connection::open(addr, &code).unwrap(), Client::default()));
    }
    let connected = |h: &Harness| h.server.app.world().resource::<truce::host::Connections>().in_seat("fra").count();
    let pump = |h: &mut Harness, team: &mut Team, until: &dyn Fn(&Harness, &Team) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !until(h, team) {
            assert!(Instant::now() < deadline, "the team did not settle");
            h.server.update();
            for (c, client) in team.iter_mut() {
                c.pump(client);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    pump(&mut h, &mut team, &|h, t| connected(h) == 9 && t.iter().all(|(_, c)| c.link == Link::Connected));
    // The stall: the clients go on, the server does not.
    let stalled = Instant::now() + Duration::from_secs(3);
    while Instant::now() < stalled {
        for (c, client) in team.iter_mut() {
            c.pump(client);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    pump(&mut h, &mut team, &|h, t| connected(h) == 9 && t.iter().all(|(_, c)| c.link == Link::Connected));
    assert!(team.iter().all(|(_, c)| c.closed.is_none()), "a client gave up");
}
