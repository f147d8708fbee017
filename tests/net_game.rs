//! Games over real UDP on loopback: a scripted game between networked seats, teams, observers,
//! the facilitator's commands, the clock and absent seats, and rejoining after a silent drop.

mod support;

use std::time::{Duration, Instant};

use support::{Harness, Player};
use truce::host::OnTimeout;
use truce::protocol::{ClientMessage, Command, Role, ServerMessage};
use truce::rules::orders::SeatAction;
use truce::rules::{Order, Phase};

const WAIT: Duration = Duration::from_secs(20);

fn statement(text: &str) -> ClientMessage {
    ClientMessage::Order(Order::PublicStatement { text: text.into() })
}

fn refused_reason(p: &Player, from: usize) -> String {
    match p.answer_since(from) {
        Some(ServerMessage::Refused { reason, .. }) => reason.clone(),
        Some(ServerMessage::Verdict(v)) if !v.accepted => v.reason.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_scripted_game_between_networked_seats_runs_to_its_end() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut rus_a = h.join("rus");
    let mut rus_b = h.join("rus");
    let mut fra = h.join("fra");
    let mut obs = h.join("observer");
    let mut fac = h.join("facilitator");
    assert_eq!(ukr.welcome.as_ref().unwrap().seat.as_deref(), Some("ukr"));
    assert_eq!(obs.welcome.as_ref().unwrap().role, Role::Observer);
    assert_eq!(ukr.phase(), Some(Phase::Lobby));

    // Orders before the game starts are refused with a reason.
    let mark = ukr.received.len();
    ukr.send(statement("too early"));
    h.run(&mut [&mut ukr], WAIT, |p| p[0].answer_since(mark).is_some());
    assert!(refused_reason(&ukr, mark).contains("orders phase"), "{}", refused_reason(&ukr, mark));

    // Only the facilitator starts the game.
    let mark = ukr.received.len();
    ukr.send(ClientMessage::Command(Command::Start));
    h.run(&mut [&mut ukr], WAIT, |p| p[0].answer_since(mark).is_some());
    assert!(refused_reason(&ukr, mark).contains("facilitator"));
    fac.send(ClientMessage::Command(Command::Start));
    {
        let mut all = [&mut ukr, &mut rus_a, &mut rus_b, &mut fra, &mut obs, &mut fac];
        h.run(&mut all, WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders) && p.turn() == 1));
    }
    // Italy had nobody: its bot plays it; the others wait for their people.
    let seats = &ukr.view.as_ref().unwrap().seats;
    let ita = seats.iter().find(|s| s.id == "ita").unwrap();
    assert!(ita.bot && ita.locked);
    let rus = seats.iter().find(|s| s.id == "rus").unwrap();
    assert!(!rus.bot && !rus.locked);
    assert_eq!(rus.connected, 2);

    // An observer has no seat to give orders for.
    let mark = obs.received.len();
    obs.send(statement("I observe"));
    h.run(&mut [&mut obs], WAIT, |p| p[0].answer_since(mark).is_some());
    assert!(refused_reason(&obs, mark).contains("observer"));

    // A team shares its draft: what one member hands in, the other sees; either may lock.
    rus_a.send(ClientMessage::Order(Order::SetPosture { sector: "north".into(), pressure: 0.4 }));
    h.run(&mut [&mut rus_a, &mut rus_b], WAIT, |ps| {
        ps[1].view.as_ref().and_then(|v| v.draft.as_ref()).is_some_and(|d| d.orders.len() == 1)
    });
    rus_b.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut rus_a, &mut rus_b], WAIT, |ps| {
        ps[0].view.as_ref().and_then(|v| v.draft.as_ref()).is_some_and(|d| d.locked)
    });
    // The other student presses lock too: lock is not a toggle, and the seat stays locked.
    let mark = rus_a.received.len();
    rus_a.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut rus_a, &mut rus_b], WAIT, |ps| ps[0].answer_since(mark).is_some());
    assert!(
        rus_a.received[mark..].iter().any(|m| matches!(m, ServerMessage::Verdict(v) if v.accepted && v.what == "lock")),
        "a second lock is accepted: {:?}",
        &rus_a.received[mark..]
    );
    for p in [&rus_a, &rus_b] {
        assert!(p.view.as_ref().and_then(|v| v.draft.as_ref()).is_some_and(|d| d.locked), "the seat stays locked");
    }

    // Play every turn: each seat hands in a statement and locks.
    let turns = ukr.welcome.as_ref().unwrap().turns;
    let mut played = 0;
    while ukr.phase() != Some(Phase::GameOver) {
        let turn = ukr.turn();
        for (p, text) in [(&mut ukr, "Ukraine holds"), (&mut fra, "France is ready")] {
            p.send(statement(&format!("{text} on turn {turn}")));
            p.send(ClientMessage::Seat(SeatAction::Lock));
        }
        if turn > 1 {
            rus_a.send(ClientMessage::Seat(SeatAction::Lock));
        }
        let mut all = [&mut ukr, &mut rus_a, &mut rus_b, &mut fra, &mut obs, &mut fac];
        h.run(&mut all, WAIT, |ps| ps.iter().all(|p| p.turn() > turn || p.phase() == Some(Phase::GameOver)));
        played += 1;
        assert!(played <= turns, "more turns than the scenario has");
    }
    assert_eq!(h.phase(), Phase::GameOver);
    // Every client holds the final view, and the public reports carry a seat's statement.
    for p in [&ukr, &rus_a, &rus_b, &fra, &obs, &fac] {
        assert_eq!(p.phase(), Some(Phase::GameOver));
    }
    assert!(obs.was_told("France is ready"), "observers read public statements");
}

#[test]
fn the_facilitator_runs_the_game_from_a_connection_and_the_console() {
    let mut h = Harness::new("tutorial", Some(600), OnTimeout::Bot);
    let mut fac = h.join("facilitator");
    let mut fra = h.join("fra");
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut fac, &mut fra, &mut ukr], WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders)));
    let clock = fac.view.as_ref().unwrap().clock.clone();
    assert!(clock.remaining_ms.unwrap() > 590_000 && !clock.paused);

    let command = |h: &mut Harness, fac: &mut Player, c: Command| -> ServerMessage {
        let mark = fac.received.len();
        fac.send(ClientMessage::Command(c));
        h.run(&mut [&mut *fac], WAIT, |p| p[0].answer_since(mark).is_some());
        fac.answer_since(mark).unwrap().clone()
    };
    // Pause, extend, resume: the clock reaches every client.
    assert!(matches!(command(&mut h, &mut fac, Command::Pause), ServerMessage::Done { .. }));
    assert!(matches!(command(&mut h, &mut fac, Command::Pause), ServerMessage::Refused { .. }));
    assert!(matches!(command(&mut h, &mut fac, Command::Extend(120)), ServerMessage::Done { .. }));
    h.run(&mut [&mut ukr], WAIT, |p| {
        p[0].received
            .iter()
            .any(|m| matches!(m, ServerMessage::Clock(c) if c.paused && c.remaining_ms.unwrap() > 700_000))
    });
    assert!(matches!(command(&mut h, &mut fac, Command::Resume), ServerMessage::Done { .. }));

    // An inject fires now; everyone reads it next turn.
    assert!(matches!(command(&mut h, &mut fac, Command::Inject("shelling_south".into())), ServerMessage::Done { .. }));
    assert!(matches!(command(&mut h, &mut fac, Command::Inject("no_such".into())), ServerMessage::Refused { .. }));

    // France's people step away, still connected, with a statement drafted. Handing the seat to
    // its bot needs the facilitator to insist; then the bot keeps their draft, adds its own
    // orders and locks, and France's people are told. Then France is given back.
    let mark = fra.received.len();
    fra.send(statement("France drafts a statement before stepping away"));
    h.run(&mut [&mut fra], WAIT, |p| p[0].answer_since(mark).is_some());
    match command(&mut h, &mut fac, Command::HandToBot("fra".into())) {
        ServerMessage::Refused { reason, .. } => {
            assert!(reason.contains("connection") && reason.contains("bot fra --force"), "{reason}")
        }
        other => panic!("bot fra with France connected got {other:?}"),
    }
    assert_eq!(Command::parse("bot fra --force"), Ok(Command::ForceHandToBot("fra".into())));
    let mark = fra.received.len();
    assert!(matches!(command(&mut h, &mut fac, Command::ForceHandToBot("fra".into())), ServerMessage::Done { .. }));
    h.run(&mut [&mut fra], WAIT, |p| {
        p[0].view.as_ref().is_some_and(|v| v.seats.iter().any(|s| s.id == "fra" && s.bot && s.locked))
    });
    assert!(
        fra.since(mark).iter().any(|m| matches!(m, ServerMessage::Notice(t) if t.contains("your draft is kept"))),
        "France's people were told"
    );
    let kept = fra.view.as_ref().and_then(|v| v.draft.as_ref()).expect("France's draft");
    assert!(kept.locked, "the bot locked it");
    assert!(
        kept.orders
            .iter()
            .any(|d| matches!(&d.order, Order::PublicStatement { text } if text.contains("stepping away"))),
        "the people's draft was kept: {kept:?}"
    );
    assert!(matches!(command(&mut h, &mut fac, Command::HandBack("fra".into())), ServerMessage::Done { .. }));
    h.run(&mut [&mut fra], WAIT, |p| {
        p[0].view.as_ref().is_some_and(|v| v.seats.iter().any(|s| s.id == "fra" && !s.bot))
    });

    // An announcement from the console reaches everyone.
    h.console(Command::Announce("Ten minutes to the vote".into()));
    h.run(&mut [&mut fra, &mut ukr], WAIT, |ps| {
        ps.iter().all(|p| p.received.iter().any(|m| matches!(m, ServerMessage::Notice(t) if t.contains("Ten minutes"))))
    });

    // Save writes the autosave; end-phase resolves the turn with bots for the open seats.
    assert!(matches!(command(&mut h, &mut fac, Command::Save), ServerMessage::Done { .. }));
    assert!(h.dir.path().join("game/autosave.json").exists());
    assert!(matches!(command(&mut h, &mut fac, Command::EndPhase), ServerMessage::Done { .. }));
    h.run(&mut [&mut fac, &mut fra, &mut ukr], WAIT, |ps| ps.iter().all(|p| p.turn() == 2));
    let v = ukr.view.as_ref().unwrap();
    assert!(v.notices.iter().any(|n| n.contains("bots stood in for")), "{:?}", v.notices);
    assert!(ukr.reports().iter().any(|r| r.contains("Orikhiv")), "the inject is reported");
    // The seats are still their people's next turn.
    assert!(v.seats.iter().filter(|s| s.id == "ukr" || s.id == "fra").all(|s| !s.bot));

    // Every action is on the record with who took it.
    let log = &fac.view.as_ref().unwrap().omniscient.as_ref().unwrap().log;
    assert!(log.iter().any(|l| l.contains("facilitator #") && l.contains("handed fra to its bot")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("console") && l.contains("started the game")), "{log:?}");
    let journal = std::fs::read_to_string(h.dir.path().join("game/journal.jsonl")).unwrap();
    assert!(journal.contains("\"inject\":\"shelling_south\"") && journal.contains("facilitator #"));

    // Kick: France's connection is closed with a reason; nobody else is.
    assert!(matches!(command(&mut h, &mut fac, Command::Kick("fra".into())), ServerMessage::Done { .. }));
    h.run(&mut [&mut fra, &mut ukr, &mut fac], WAIT, |ps| ps[0].client.is_disconnected());
    assert!(fra.received.iter().any(|m| matches!(m, ServerMessage::Goodbye { rejoin: false, .. })));
    h.idle(&mut [&mut ukr, &mut fac], Duration::from_millis(300));
    assert!(ukr.client.is_connected() && fac.client.is_connected());

    // The projector shows the class the public big screen: no draft, no white cell, and it
    // commands nothing. Only the facilitator's code opens the white cell.
    let mut projector = h.join("projector");
    assert!(projector.view.as_ref().unwrap().omniscient.is_none(), "the projector was given the white cell");
    assert!(projector.view.as_ref().unwrap().draft.is_none());
    let omniscient = fac.view.as_ref().unwrap().omniscient.clone().expect("the white cell's view");
    assert!(omniscient.drafts.contains_key("rus") && !omniscient.log.is_empty());
    let mark = projector.received.len();
    projector.send(ClientMessage::Command(Command::Pause));
    h.run(&mut [&mut projector], WAIT, |p| p[0].answer_since(mark).is_some());
    assert!(refused_reason(&projector, mark).contains("facilitator"));
    // Players and observers never get it.
    assert!(ukr.view.as_ref().unwrap().omniscient.is_none());

    // A player cannot command.
    let mark = ukr.received.len();
    ukr.send(ClientMessage::Command(Command::EndPhase));
    h.run(&mut [&mut ukr], WAIT, |p| p[0].answer_since(mark).is_some());
    assert!(refused_reason(&ukr, mark).contains("facilitator"));
}

#[test]
fn when_the_clock_runs_out_locked_orders_stand_and_bots_play_the_rest() {
    let mut h = Harness::new("tutorial", Some(2), OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut fra = h.join("fra");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut fra], WAIT, |ps| ps.iter().all(|p| p.turn() == 1));
    // Ukraine locks a statement; France drafts one but never locks.
    ukr.send(statement("Ukraine locked this"));
    ukr.send(ClientMessage::Seat(SeatAction::Lock));
    fra.send(statement("France never locked this"));
    h.run(&mut [&mut ukr, &mut fra], Duration::from_secs(10), |ps| ps.iter().all(|p| p.turn() == 2));
    let reports = ukr.reports();
    assert!(reports.iter().any(|r| r.contains("Ukraine locked this")), "{reports:?}");
    assert!(!reports.iter().any(|r| r.contains("France never locked this")), "{reports:?}");
    let notices = &ukr.view.as_ref().unwrap().notices;
    assert!(notices.iter().any(|n| n.contains("bots stood in for fra")), "{notices:?}");
    assert!(!fra.view.as_ref().unwrap().seats.iter().any(|s| s.id == "fra" && s.bot), "France stays its people's");

    // With `--on-timeout lock`, the open draft is locked as it stands.
    let mut h = Harness::new("tutorial", Some(2), OnTimeout::Lock);
    let mut fra = h.join("fra");
    h.console(Command::Start);
    h.run(&mut [&mut fra], WAIT, |ps| ps[0].turn() == 1);
    fra.send(statement("France's draft stands"));
    h.run(&mut [&mut fra], Duration::from_secs(10), |ps| ps[0].turn() == 2);
    assert!(fra.reports().iter().any(|r| r.contains("France's draft stands")));
}

#[test]
fn a_player_who_drops_silently_is_back_in_its_seat_within_two_seconds() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut fac = h.join("facilitator");
    fac.send(ClientMessage::Command(Command::Start));
    h.run(&mut [&mut ukr, &mut fac], WAIT, |ps| ps[0].turn() == 1);
    ukr.send(statement("before the drop"));
    h.run(&mut [&mut ukr], WAIT, |ps| {
        ps[0].view.as_ref().and_then(|v| v.draft.as_ref()).is_some_and(|d| d.orders.len() == 1)
    });
    // The laptop lid closes: no goodbye, the socket just goes.
    drop(ukr);
    h.idle(&mut [&mut fac], Duration::from_millis(200));

    let started = Instant::now();
    let mut back = h.join("ukr");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "rejoining took {took:?}");
    let view = back.view.as_ref().unwrap();
    assert_eq!(view.seat.as_deref(), Some("ukr"));
    assert_eq!(view.turn, 1);
    let draft = view.draft.as_ref().unwrap();
    assert!(
        matches!(&draft.orders[0].order, Order::PublicStatement { text } if text == "before the drop"),
        "{draft:?}"
    );
    // And it plays on.
    back.send(ClientMessage::Seat(SeatAction::Lock));
    h.run(&mut [&mut back, &mut fac], WAIT, |ps| ps[0].turn() == 2);
}

#[test]
fn start_with_nobody_in_a_seat_needs_force() {
    // One key with nobody connected would let the bots play the whole game through in seconds.
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut obs = h.join("observer");
    let mut fac = h.join("facilitator");
    let mark = fac.received.len();
    fac.send(ClientMessage::Command(Command::Start));
    h.run(&mut [&mut fac, &mut obs], WAIT, |p| p[0].answer_since(mark).is_some());
    let why = refused_reason(&fac, mark);
    assert!(why.contains("nobody has joined a seat") && why.contains("start --force"), "{why}");
    assert_eq!(h.phase(), Phase::Lobby);
    // The console's word for it, typed at the `:` prompt, parses to the same command.
    assert_eq!(Command::parse("start --force"), Ok(Command::ForceStart));
    let mark = fac.received.len();
    fac.send(ClientMessage::Command(Command::ForceStart));
    h.run(&mut [&mut fac, &mut obs], WAIT, |p| p[0].answer_since(mark).is_some());
    assert!(matches!(fac.answer_since(mark), Some(ServerMessage::Done { .. })), "{:?}", fac.answer_since(mark));
    h.run(&mut [&mut fac, &mut obs], WAIT, |p| p[1].phase() == Some(Phase::GameOver));
}

#[test]
fn the_advisor_offers_only_what_the_rules_accept_and_nothing_already_drafted() {
    // Ukraine's and France's people take their advisor's advice every turn of a whole game, as
    // a student pressing `a` would: every order is accepted, and once drafted none is offered
    // again. Kinds whose every target would be refused are not on the menu.
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut fra = h.join("fra");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut fra], WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders)));
    let mut taken = 0;
    while ukr.phase() != Some(Phase::GameOver) {
        let turn = ukr.turn();
        for p in [&mut ukr, &mut fra] {
            let options = p.view.as_ref().and_then(|v| v.options.clone()).expect("a player's options");
            let at_home =
                p.view.as_ref().unwrap().briefing.own.as_ref().unwrap().contingents.iter().all(|c| c.3 == "home");
            // On the first turn nothing is on the line or on its way yet.
            if at_home && turn == 1 {
                assert!(
                    !options.kinds.iter().any(|k| k == "withdrawal"),
                    "withdrawal offered with nothing on the line"
                );
            }
            assert!(!options.kinds.iter().any(|k| k == "lifting of sanctions"), "no sanctions were ever imposed");
            for order in options.advice {
                let mark = p.received.len();
                p.send(ClientMessage::Order(order.clone()));
                h.run(&mut [&mut *p], WAIT, |ps| ps[0].answer_since(mark).is_some());
                match p.answer_since(mark) {
                    Some(ServerMessage::Verdict(v)) => assert!(v.accepted, "advice {order:?} refused: {}", v.reason),
                    other => panic!("advice {order:?} got {other:?}"),
                }
                taken += 1;
            }
            h.idle(&mut [&mut *p], Duration::from_millis(100));
            let v = p.view.as_ref().unwrap();
            let drafted: Vec<_> = v.draft.iter().flat_map(|d| &d.orders).map(|d| d.order.clone()).collect();
            let again = v.options.as_ref().map(|o| o.advice.clone()).unwrap_or_default();
            assert!(again.iter().all(|o| !drafted.contains(o)), "drafted orders offered again: {again:?}");
            p.send(ClientMessage::Seat(SeatAction::Lock));
        }
        h.run(&mut [&mut ukr, &mut fra], WAIT, |ps| {
            ps.iter().all(|p| p.turn() > turn || p.phase() == Some(Phase::GameOver))
        });
    }
    assert!(taken >= 3, "the advisors advised something ({taken} orders)");
}
