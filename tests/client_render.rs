//! The terminal client's screens, drawn with ratatui's test backend from what a real server sent
//! over loopback: a player's main screen, the order builder, help, an observer's dashboard and
//! the facilitator's white cell, at 80×24 and larger.

mod support;

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use support::{Harness, Player};
use truce::client::{Action, Client, Tab, ui};
use truce::host::OnTimeout;
use truce::protocol::{ClientMessage, Command, ServerMessage};
use truce::rules::Phase;

const WAIT: Duration = Duration::from_secs(20);

fn screen(c: &Client, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, c)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>()).collect::<Vec<_>>().join("\n")
}

fn model(p: &Player) -> Client {
    let mut c = Client::default();
    for m in &p.received {
        c.on_message(m.clone());
    }
    c
}

fn key(c: &mut Client, code: KeyCode) -> Vec<Action> {
    c.on_key(KeyEvent::from(code))
}

/// Sends what the keys asked for and waits for the answer.
fn act(h: &mut Harness, p: &mut Player, actions: Vec<Action>) {
    let mark = p.received.len();
    for a in actions {
        if let Action::Send(m) = a {
            p.send(m);
        }
    }
    h.run(&mut [&mut *p], WAIT, |ps| ps[0].answer_since(mark).is_some());
    h.idle(&mut [&mut *p], Duration::from_millis(100));
}

#[test]
fn a_players_screens_show_the_nation_the_turn_the_map_and_the_verdicts() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));

    let mut c = model(&ukr);
    let s = screen(&c, 80, 24);
    assert!(s.contains("Ukraine"), "{s}");
    assert!(s.contains("Turn 1/8"), "{s}");
    assert!(s.contains("North"), "the selected sector's details: {s}");
    assert!(s.contains("Escalation"), "{s}");
    assert!(s.contains("Capital"), "{s}");
    assert!(s.contains("n order") && s.contains("l lock u unlock"), "the keys are on screen: {s}");

    // Build a statement from the menus: n, the kind, the text, Enter.
    key(&mut c, KeyCode::Char('n'));
    let s = screen(&c, 80, 24);
    assert!(s.contains("New order: what kind?") && s.contains("public statement"), "{s}");
    key(&mut c, KeyCode::Down);
    key(&mut c, KeyCode::Enter);
    for ch in "We hold".chars() {
        key(&mut c, KeyCode::Char(ch));
    }
    let s = screen(&c, 80, 24);
    assert!(s.contains("public statement: Statement") && s.contains("We hold"), "{s}");
    let actions = key(&mut c, KeyCode::Enter);
    assert_eq!(actions.len(), 1);
    act(&mut h, &mut ukr, actions);
    let mut c2 = model(&ukr);
    c2.tab = Tab::Orders;
    let s = screen(&c2, 100, 30);
    assert!(s.contains("public statement accepted as order"), "the verdict: {s}");
    assert!(s.contains("statement: We hold"), "the draft: {s}");
    assert!(s.contains("open (l to lock)"), "{s}");

    // A refused order shows why.
    let actions = vec![Action::Send(ClientMessage::Order(truce::rules::Order::SetPosture {
        sector: "north".into(),
        pressure: 0.5,
    }))];
    let mut ita_like = c2;
    act(&mut h, &mut ukr, actions);
    ita_like = {
        let mut c = model(&ukr);
        c.tab = ita_like.tab;
        c
    };
    let s = screen(&ita_like, 100, 30);
    assert!(s.contains("refused") || s.contains("accepted"), "{s}");

    // Help, on a key, and gone on the next.
    key(&mut ita_like, KeyCode::Char('?'));
    let s = screen(&ita_like, 80, 24);
    assert!(s.contains("Help") && s.contains("lock your orders"), "{s}");
    key(&mut ita_like, KeyCode::Char('x'));
    assert!(!screen(&ita_like, 80, 24).contains("Any key closes"));

    // A larger terminal is used: more of the inbox and the seats fit.
    ita_like.tab = Tab::Seats;
    let big = screen(&ita_like, 160, 48);
    assert!(big.contains("France") && big.contains("Italy") && big.contains("bot"), "{big}");
}

#[test]
fn the_observer_dashboard_and_the_facilitator_view_show_their_own_content() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut obs = h.join("observer");
    let mut fac = h.join("facilitator");
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut obs, &mut fac, &mut ukr], WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders)));
    ukr.send(ClientMessage::Order(truce::rules::Order::PublicStatement { text: "Kyiv speaks".into() }));
    ukr.send(ClientMessage::Seat(truce::rules::orders::SeatAction::Lock));
    h.run(&mut [&mut obs, &mut fac, &mut ukr], WAIT, |ps| ps.iter().all(|p| p.turn() == 2));
    h.idle(&mut [&mut obs, &mut fac, &mut ukr], Duration::from_millis(700));

    let c = model(&obs);
    let s = screen(&c, 120, 40);
    assert!(s.contains("Observer — public view"), "{s}");
    assert!(s.contains("Turn 2/8"), "{s}");
    assert!(s.contains("Kyiv speaks"), "public statements reach the dashboard: {s}");
    assert!(!s.contains("n order"), "observers give no orders");

    let mut c = model(&fac);
    assert_eq!(c.tab, Tab::Seats, "the facilitator starts on the seats");
    let s = screen(&c, 120, 40);
    assert!(s.contains("Facilitator") && s.contains("Ukraine") && s.contains(": command"), "{s}");
    key(&mut c, KeyCode::Tab);
    let s = screen(&c, 120, 40);
    assert!(s.contains("White cell") && s.contains("started the game"), "the log of actions: {s}");
    // The facilitator types a command after ':'.
    key(&mut c, KeyCode::Char(':'));
    for ch in "extend 60".chars() {
        key(&mut c, KeyCode::Char(ch));
    }
    assert!(screen(&c, 80, 24).contains(":extend 60"));
    let actions = key(&mut c, KeyCode::Enter);
    assert_eq!(actions, vec![Action::Send(ClientMessage::Command(Command::Extend(60)))]);
}

#[test]
fn the_clock_counts_down_on_the_client_between_two_frames() {
    // A timed game: the server's view says how long the phase has left, and the client counts
    // down from it on its own, with nothing more arriving.
    let mut h = Harness::new("tutorial", Some(600), OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    let mut c = model(&ukr);
    let left = c.view.as_ref().and_then(|v| v.clock.remaining_ms).expect("a timed phase");
    let read = std::time::Instant::now();
    c.clock_read = Some(read);
    let first = screen(&c, 80, 24);
    let shown = |s: &str| s.find(" left").map(|i| s[i - 5..i].to_string()).unwrap_or_default();
    let at = |ms: u64| format!("{:02}:{:02}", ms.div_ceil(1000) / 60, ms.div_ceil(1000) % 60);
    assert_eq!(shown(&first), at(left), "{first}");
    // Three seconds later by the client's own clock: the same view, three seconds less.
    c.clock_read = read.checked_sub(Duration::from_secs(3));
    let later = screen(&c, 80, 24);
    assert_eq!(shown(&later), at(left - 3000), "{later}");
    assert_ne!(shown(&first), shown(&later));
    // A paused clock stands still.
    if let Some(v) = c.view.as_mut() {
        v.clock.paused = true;
    }
    assert_eq!(shown(&screen(&c, 80, 24)), at(left), "a paused clock does not move");
}

#[test]
fn a_seat_that_does_nothing_sees_its_clock_reach_zero() {
    // A 3-second orders phase; Ukraine's people do nothing. The client, fed the messages as they
    // arrive, counts down to zero by itself, then the bot stands in and the next turn opens.
    let mut h = Harness::new("tutorial", Some(3), OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    let mut c = Client::default();
    let mut fed = 0;
    let mut lowest = u64::MAX;
    let end = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < end {
        for m in &ukr.received[fed..] {
            c.on_message(m.clone());
        }
        fed = ukr.received.len();
        let turn = c.view.as_ref().map_or(0, |v| v.turn);
        if turn >= 2 {
            break;
        }
        if let Some(ms) = c.remaining_ms(std::time::Instant::now()) {
            lowest = lowest.min(ms);
        }
        h.idle(&mut [&mut ukr], Duration::from_millis(50));
    }
    assert!(c.view.as_ref().is_some_and(|v| v.turn >= 2), "the turn never resolved");
    assert!(lowest <= 150, "the client's clock got no lower than {lowest} ms before the turn resolved");
}

#[test]
fn the_facilitators_client_answers_help_status_and_injects() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut fac = h.join("facilitator");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut fac], WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders)));
    h.idle(&mut [&mut ukr, &mut fac], Duration::from_millis(600));
    let mut c = model(&fac);
    let typed = |c: &mut Client, line: &str| -> Vec<Action> {
        key(c, KeyCode::Char(':'));
        for ch in line.chars() {
            key(c, KeyCode::Char(ch));
        }
        key(c, KeyCode::Enter)
    };
    for (line, expect) in [
        ("help", "start [--force]"),
        ("status", "Ukraine (people, open, 1 connected)"),
        ("injects", "shelling_south (Shelling near Orikhiv)"),
        ("quit", "server's own terminal"),
    ] {
        let sent = typed(&mut c, line);
        assert!(sent.is_empty(), "`{line}` is answered by the client: {sent:?}");
        let last = c.events.last().cloned().unwrap_or_default();
        assert!(last.contains(expect), "`{line}` answered {last:?}");
    }
    // Commands for the server still go to it.
    assert_eq!(typed(&mut c, "pause"), vec![Action::Send(ClientMessage::Command(Command::Pause))]);
}

#[test]
fn a_players_goals_show_its_objectives_the_offers_in_words_and_the_premise() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    let mut c = model(&ukr);
    while c.tab != Tab::Goals {
        key(&mut c, KeyCode::Tab);
    }
    let s = screen(&c, 120, 40);
    // Its objectives in words, with what each is worth and whether it holds now.
    assert!(s.contains("Keep the ceasefire without giving up ground."), "{s}");
    assert!(s.contains("✔ met") && s.contains("+3/turn"), "{s}");
    assert!(s.contains("✘ missed") && s.contains("Get an armed force on the line."), "no mandate yet: {s}");
    // France's offer, each component with what it would do.
    assert!(s.contains("France offers a guarantee (fra_ukr):"), "{s}");
    assert!(s.contains("training (Ukraine's own forces repel 25% of the incursions"), "{s}");
    // The premise, at the end.
    let premise = c.welcome.as_ref().unwrap().premise.clone();
    assert!(premise.starts_with("Ukraine and Russia have agreed a ceasefire"));
    let at_80 = screen(&c, 80, 24);
    assert!(at_80.contains("Your goals") && at_80.contains("Keep the ceasefire"), "{at_80}");
    let g = c.view.as_ref().unwrap().goals.as_ref().unwrap();
    assert_eq!(g.objectives.len(), 3);
    assert!(g.postures.iter().any(|(s, p)| s.starts_with("North") && (*p - 0.15).abs() < 1e-9), "{:?}", g.postures);
    assert!(s.contains("Ukraine and Russia have agreed a ceasefire"), "the premise is on the page: {s}");
    // Below it, each body's members and rule, and each mandate's cost, responses and contingents.
    let w = c.welcome.clone().unwrap();
    assert!(!w.bodies.is_empty() && !w.mandates.is_empty());
    let s = screen(&c, 500, 150);
    let body = &w.bodies[0];
    assert!(s.contains(&format!("{} decides: {}", body.name, body.rule)), "{s}");
    assert!(body.rule.contains("no veto from Russia, France"), "{}", body.rule);
    assert!(body.members.iter().all(|m| !m.is_empty()));
    let t = w.mandates.last().unwrap();
    assert!(s.contains(&format!("Mandate {}: costs {}", t.name, t.cost)), "{s}");
    assert!(t.responses.len() == 5, "a response list for each severity: {:?}", t.responses);
}

#[test]
fn game_over_shows_the_debrief_ranking_record_escalation_and_why_it_ended() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    while ukr.phase() != Some(Phase::GameOver) {
        let turn = ukr.turn();
        ukr.send(ClientMessage::Seat(truce::rules::orders::SeatAction::Lock));
        h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() > turn || ps[0].phase() == Some(Phase::GameOver));
    }
    h.idle(&mut [&mut ukr], Duration::from_millis(200));
    let c = model(&ukr);
    let d = c.view.as_ref().and_then(|v| v.debrief.clone()).expect("a debrief at game over");
    assert_eq!(d.turns_played, 8);
    assert_eq!(d.escalation.len(), 8);
    assert!(d.ranking.windows(2).all(|w| w[0].score >= w[1].score), "ranked best first");
    let s = screen(&c, 120, 40);
    assert!(s.contains("Debrief: the ranking and the record"), "{s}");
    assert!(s.contains("1. Ukraine — "), "Ukraine ranks first in the tutorial: {s}");
    assert!(s.contains("met 8 of 8 turns, +3 each: Keep the ceasefire without giving"), "{s}");
    assert!(s.contains("Why it ended") && s.contains("The ceasefire held through all 8 turns"), "{s}");
    assert!(s.contains("Escalation, 8 turns (peak"), "{s}");
    // Others' secret objectives stay secret; their public ones are part of the record.
    assert!(s.contains("No Western troops on the line."), "{s}");
    assert!(!s.contains("Keep pressure on the line"), "Russia's secret objective reached Ukraine: {s}");
    let at_80 = screen(&c, 80, 24);
    assert!(at_80.contains("1. Ukraine") && at_80.contains("Why it ended"), "{at_80}");
}

#[test]
fn the_story_of_the_turn_comes_first_with_its_main_cause_then_the_incidents_by_page() {
    let mut h = Harness::new("ukraine_2026", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    for turn in 1..=2 {
        ukr.send(ClientMessage::Seat(truce::rules::orders::SeatAction::Lock));
        h.run(&mut [&mut ukr], WAIT, |ps| ps[0].turn() > turn && ps[0].phase() == Some(Phase::Orders));
    }
    let mut c = model(&ukr);
    assert_eq!(c.tab, Tab::Story, "a player's first panel is the story");
    let story = c.shown_story().expect("the last turn's story").clone();
    assert_eq!(story.turn, 2);
    let main = story.causes.iter().find(|x| x.named).expect("a cause the seat can name");
    if story.escalation_after > story.escalation_before + 5e-4 {
        assert!(story.headline.contains(&format!("mostly {}", main.text)), "{}", story.headline);
    }
    let s = screen(&c, 200, 60);
    assert!(s.contains("Turn 2: escalation"), "{s}");
    assert!(s.contains("Why escalation moved"), "{s}");
    assert!(s.contains(&main.text), "the main cause {:?}: {s}", main.text);
    assert!(s.contains(&format!("{} incidents you may read", story.incidents)), "{s}");
    // The incidents, a page at a time, asked for with `i`.
    let actions = key(&mut c, KeyCode::Char('i'));
    assert_eq!(actions, vec![Action::Send(ClientMessage::Incidents { turn: 2, page: 0 })]);
    let Action::Send(m) = actions[0].clone() else { unreachable!() };
    let ServerMessage::Incidents(page) = h.ask(&mut ukr, m) else { panic!("no page") };
    c.on_message(ServerMessage::Incidents(page.clone()));
    let s = screen(&c, 200, 60);
    assert!(s.contains(&format!("page 1 of {}", story.pages)), "{s}");
    assert!(s.contains(&page.entries[0].text[..60]), "{s}");
    // An earlier turn, with `<`: the client holds turn 1's story already.
    assert!(key(&mut c, KeyCode::Char('<')).is_empty());
    assert!(screen(&c, 200, 60).contains("Turn 1: escalation"));
    // At 80×24 the story still opens with its headline.
    key(&mut c, KeyCode::Char('>'));
    assert!(screen(&c, 80, 24).contains("Turn 2: escalation"));
}

#[test]
fn at_80_by_24_the_top_bar_shortens_its_words_and_never_cuts_a_number() {
    let mut h = Harness::new("ukraine_2026", Some(600), OnTimeout::Bot);
    let mut eu = h.join("eu");
    h.console(Command::Start);
    h.run(&mut [&mut eu], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    let mut c = model(&eu);
    // Three-digit figures everywhere, as late in a long game.
    let own = c.view.as_mut().unwrap().briefing.own.as_mut().unwrap();
    own.score = 1234;
    own.capital = 567;
    let s = screen(&c, 80, 24);
    let top: Vec<&str> = s.lines().take(4).collect();
    assert!(top[1].contains("European Union") && top[1].contains("T1/24"), "{top:?}");
    assert!(top[1].contains("left") || top[1].contains(":"), "the clock stays: {top:?}");
    assert!(top[2].contains("Score 1234") && top[2].contains("/567"), "the whole numbers: {top:?}");
    // A wide terminal keeps the full words.
    let wide = screen(&c, 160, 40);
    assert!(wide.contains("Capital 567") && wide.contains("Score 1234") && wide.contains("the orders phase"), "{wide}");
}

#[test]
fn the_order_builder_offers_only_the_targets_the_server_would_take() {
    // Lobbying is open to Ukraine, but only the Security Council has members to win over: the
    // coalition, whose members are all played, is not on the menu once the server has answered.
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    let mut c = model(&ukr);
    key(&mut c, KeyCode::Char('n'));
    let kinds = c.view.as_ref().unwrap().options.as_ref().unwrap().kinds.clone();
    let at = kinds.iter().position(|k| k == "lobbying").expect("lobbying is open to Ukraine");
    for _ in 0..at {
        key(&mut c, KeyCode::Down);
    }
    let actions = key(&mut c, KeyCode::Enter);
    assert_eq!(actions, vec![Action::Send(ClientMessage::Menu { kind: "lobbying".into() })]);
    let s = screen(&c, 100, 30);
    assert!(s.contains("asking the server"), "no choices before the server answers: {s}");
    assert!(key(&mut c, KeyCode::Enter).is_empty(), "Enter waits for the menu");

    let mark = ukr.received.len();
    act(&mut h, &mut ukr, actions);
    for m in ukr.since(mark).to_vec() {
        c.on_message(m);
    }
    let s = screen(&c, 100, 30);
    assert!(s.contains("lobbying: Press the members of") && s.contains("UN Security Council"), "{s}");
    assert!(!s.contains("Coalition of the willing"), "the coalition cannot be lobbied: {s}");
    let (_, lines) = c.builder_menu();
    assert_eq!(lines.len(), 1, "{lines:?}");

    // Every template can be pressed for; the order built is one the menu holds, and is accepted.
    key(&mut c, KeyCode::Enter);
    let (_, templates) = c.builder_menu();
    assert_eq!(templates.len(), c.welcome.as_ref().unwrap().choices.templates.len());
    let actions = key(&mut c, KeyCode::Enter);
    let [Action::Send(ClientMessage::Order(order))] = actions.as_slice() else { panic!("{actions:?}") };
    assert!(matches!(order, truce::rules::Order::Lobby { institution, .. } if institution == "unsc"), "{order:?}");
    let mark = ukr.received.len();
    act(&mut h, &mut ukr, actions);
    assert!(
        matches!(ukr.answer_since(mark), Some(ServerMessage::Verdict(v)) if v.accepted),
        "{:?}",
        ukr.answer_since(mark)
    );
}

/// Keys of the chat tab, with the model kept up to date from what the server sent since.
fn chat_keys(h: &mut Harness, p: &mut Player, c: &mut Client, codes: &[KeyCode]) {
    for code in codes {
        let actions = key(c, *code);
        if actions.iter().any(|a| matches!(a, Action::Send(_))) {
            let mark = p.received.len();
            act(h, p, actions);
            for m in p.since(mark).to_vec() {
                c.on_message(m);
            }
        }
    }
}

fn typed(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).chain([KeyCode::Enter]).collect()
}

#[test]
fn the_chat_tab_talks_to_a_seat_opens_a_channel_and_answers_a_bots_offer() {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    // Russia's bot offers matched restraint to the seat people play as the turn opens.
    h.run(&mut [&mut ukr], WAIT, |ps| {
        ps[0].received.iter().any(|m| matches!(m, ServerMessage::Press(i) if i.from == "rus" && i.deal.is_some()))
    });
    let mut c = model(&ukr);
    while c.tab != Tab::Chat {
        key(&mut c, KeyCode::Tab);
    }
    // Public, then the other seats in the scenario's order: Russia comes next.
    let s = screen(&c, 160, 40);
    assert!(s.contains("• Russia (1)"), "an unread mark on Russia's conversation:\n{s}");
    key(&mut c, KeyCode::Down);
    let s = screen(&c, 160, 40);
    assert!(s.contains("Offer 1:") && s.contains("Deal 1 (offered)"), "the bot's offer, in words:\n{s}");
    assert!(!s.contains("• Russia"), "read once shown");
    // Accept it with `y`; then write to Russia, whose bot answers at once.
    chat_keys(&mut h, &mut ukr, &mut c, &[KeyCode::Char('y')]);
    h.idle(&mut [&mut ukr], Duration::from_millis(200));
    let mut c2 = model(&ukr);
    c2.tab = Tab::Chat;
    c2.chat.selected = 1;
    let s = screen(&c2, 160, 40);
    assert!(s.contains("Accepted offer 1") && s.contains("(binding)"), "{s}");
    let mut keys = vec![KeyCode::Char('m')];
    keys.extend(typed("Can we talk about the north?"));
    chat_keys(&mut h, &mut ukr, &mut c2, &keys);
    h.run(&mut [&mut ukr], WAIT, |ps| {
        ps[0]
            .received
            .iter()
            .any(|m| matches!(m, ServerMessage::Press(i) if i.from == "rus" && i.text.contains("offer we")))
    });
    // A channel with France and Italy, typed as `name: seats`.
    let mut keys = vec![KeyCode::Char('c')];
    keys.extend(typed("europe: fra ita"));
    chat_keys(&mut h, &mut ukr, &mut c2, &keys);
    h.idle(&mut [&mut ukr], Duration::from_millis(200));
    let mut c3 = model(&ukr);
    c3.tab = Tab::Chat;
    let s = screen(&c3, 160, 40);
    assert!(s.contains("#europe"), "the new channel is listed:\n{s}");
}
