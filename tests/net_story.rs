//! The story of the turn over the wire: every turn's story and every page of its incidents are
//! there for the asking after a rejoin; the figures of a story add up; views after the first are
//! patches, smaller than the views they make, that add up to the full view.

mod support;

use std::time::Duration;

use support::{Harness, Player};
use truce::host::OnTimeout;
use truce::protocol::{ClientMessage, Command, ServerMessage, View, encode};
use truce::record::story::INCIDENTS_PER_PAGE;
use truce::rules::Phase;
use truce::rules::orders::SeatAction;

const WAIT: Duration = Duration::from_secs(20);

/// Plays `turns` turns with `p`'s seat handing in its advisor's orders and locking.
fn play(h: &mut Harness, p: &mut Player, turns: u32) {
    for _ in 0..turns {
        let turn = p.turn();
        for order in p.view.as_ref().and_then(|v| v.options.clone()).map(|o| o.advice).unwrap_or_default() {
            p.send(ClientMessage::Order(order));
        }
        p.send(ClientMessage::Seat(SeatAction::Lock));
        h.run(&mut [&mut *p], WAIT, |ps| ps[0].turn() > turn && ps[0].phase() == Some(Phase::Orders));
    }
}

#[test]
fn every_turns_story_and_its_incidents_by_page_come_back_after_a_rejoin() {
    let mut h = Harness::new("ukraine_2026", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    h.console(Command::Start);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].phase() == Some(Phase::Orders));
    play(&mut h, &mut ukr, 3);
    // The view carries the last turn's story, never its incidents whole.
    let story = ukr.view.as_ref().unwrap().story.clone().expect("the view tells the last turn");
    assert_eq!(story.turn, 3);
    assert!(story.incidents as usize > INCIDENTS_PER_PAGE, "{} incidents", story.incidents);
    assert!(story.worst.len() <= truce::record::story::WORST_INCIDENTS);

    // Someone of the same seat arrives later: it is given the last turn, and asks for the rest.
    let mut late = h.join("ukr");
    h.run(&mut [&mut late], WAIT, |ps| ps[0].view.is_some());
    assert_eq!(late.stories.keys().copied().collect::<Vec<_>>(), vec![3]);
    let (stories, pages) = h.read_history(&mut late);
    assert_eq!(stories.iter().map(|s| s.turn).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(stories[2], story, "the story asked for is the one the view carried");
    for (i, s) in stories.iter().enumerate() {
        let mine: Vec<_> = pages.iter().filter(|p| p.turn == s.turn).collect();
        assert_eq!(mine.len() as u32, s.pages);
        assert!(mine.iter().all(|p| p.pages == s.pages && p.entries.len() <= INCIDENTS_PER_PAGE));
        let entries: Vec<_> = mine.iter().flat_map(|p| &p.entries).collect();
        assert_eq!(entries.len() as u32, s.incidents, "turn {}: the pages hold every incident", s.turn);
        assert!(entries.iter().all(|e| e.rule == "violation" && e.turn == s.turn));
        assert!(s.worst.iter().all(|w| entries.iter().any(|e| e.seq == w.seq)), "the worst are among them");
        assert!(s.events.iter().all(|e| e.rule != "violation" && e.turn == s.turn));
        assert_eq!(s.sectors.iter().map(|x| x.incidents).sum::<u32>(), s.incidents);
        assert!(s.sectors.iter().all(|x| x.violations.is_none()), "a seat is not told every violation");
        // The causes and the fading of what came before add up to the change (to the four
        // decimals the record keeps of escalation).
        let change: f64 = s.causes.iter().map(|c| c.change).sum();
        let moved = s.escalation_after - s.escalation_before;
        assert!((change - moved).abs() < 1.5e-4, "turn {}: causes {change} against {moved}", s.turn);
        assert!(s.headline.contains(&format!("{:.3}", s.escalation_after)), "{}", s.headline);
        if i > 0 {
            assert_eq!(s.escalation_before, stories[i - 1].escalation_after);
        }
    }
    // Asking beyond what exists is refused, with the reason.
    for m in [ClientMessage::Story { turn: 9 }, ClientMessage::Incidents { turn: 1, page: stories[0].pages }] {
        let answer = h.ask(&mut late, m);
        assert!(matches!(&answer, ServerMessage::Refused { reason, .. } if reason.contains("turn")), "{answer:?}");
    }

    // The white cell reads every violation, sector by sector, and more incidents than a seat.
    let mut fac = h.join("facilitator");
    h.run(&mut [&mut fac], WAIT, |ps| ps[0].view.is_some());
    let truth = fac.view.as_ref().unwrap().story.clone().unwrap();
    assert!(truth.sectors.iter().all(|x| x.violations.is_some()));
    assert!(truth.incidents >= story.incidents);
}

#[test]
fn views_after_the_first_are_patches_smaller_than_the_views_they_make() {
    let mut h = Harness::new("ukraine_2026", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut obs = h.join("observer");
    h.console(Command::Start);
    h.run(&mut [&mut ukr, &mut obs], WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders)));
    for _ in 0..2 {
        let turn = ukr.turn();
        for order in ukr.view.as_ref().and_then(|v| v.options.clone()).map(|o| o.advice).unwrap_or_default() {
            ukr.send(ClientMessage::Order(order));
        }
        ukr.send(ClientMessage::Seat(SeatAction::Lock));
        h.run(&mut [&mut ukr, &mut obs], WAIT, |ps| {
            ps.iter().all(|p| p.turn() > turn && p.phase() == Some(Phase::Orders))
        });
    }
    for p in [&ukr, &obs] {
        let mut view: Option<View> = None;
        let (mut patches, mut fulls) = (0, 0);
        for m in &p.received {
            match m {
                ServerMessage::View(v) => {
                    fulls += 1;
                    view = Some((**v).clone());
                }
                ServerMessage::Patch(x) => {
                    patches += 1;
                    let v = view.as_mut().unwrap();
                    assert!((**x).clone().apply(v));
                    let (patch, full) = (encode(m).len(), encode(&ServerMessage::View(Box::new(v.clone()))).len());
                    assert!(patch < full, "a patch of {patch} bytes for a view of {full}");
                }
                _ => {}
            }
        }
        assert_eq!(fulls, 1, "one full view, on joining");
        assert!(patches >= 4, "{patches} patches");
    }
    // The view the patches made is the view the server would send whole.
    let patched = ukr.view.clone().unwrap();
    let mark = ukr.received.len();
    ukr.send(ClientMessage::Refresh);
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].since(mark).iter().any(|m| matches!(m, ServerMessage::View(_))));
    let full = ukr.view.clone().unwrap();
    let still = |v: &View| {
        let mut v = v.clone();
        v.id = 0;
        v.clock.remaining_ms = None;
        v
    };
    assert_eq!(still(&patched), still(&full));
}
