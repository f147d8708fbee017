//! The host's consent in play (docs/rules.md §5.7, §9.5): over many seeds of `ukraine_2026` with a
//! Security Council peacekeeping mandate in force from the first turn, the bots play every seat.
//! Ukraine's bot keeps out the troops of a nation that leans to Russia; when Ukraine lets them in,
//! China's contingent serves armed under the mandate and, in a crisis, sometimes sides with Russia.

use truce::scenario::model::{Mandate, Scenario};
use truce::sim::Game;

mod support;

const SEEDS: std::ops::RangeInclusive<u64> = 1..=20;

/// `ukraine_2026` with a UN peacekeeping force authorised for the whole game, China named.
fn with_un_force() -> Scenario {
    let mut s = support::scenario("ukraine_2026");
    s.mandates.push(Mandate {
        id: "un_force".into(),
        template: "un_interpose".into(),
        authorised_by: "unsc".into(),
        sectors: vec![],
        contributors: vec!["chn".into()],
        start_turn: 1,
        duration_turns: Some(s.turns),
    });
    s
}

/// Over the seeds: games in which China's infantry reached the line, and games in which it sided
/// with Russia in a crisis.
fn play(humans: &[String]) -> (usize, usize) {
    let s = with_un_force();
    let (mut arrived, mut defected) = (0, 0);
    for seed in SEEDS {
        let mut game = Game::with_humans(s.clone(), Some(seed), humans).expect("valid scenario");
        game.play_out();
        let t = game.trace();
        let said = |what: &str| t.entries.iter().any(|e| t.text(e).contains(what));
        arrived += usize::from(said("chn_infantry arrives"));
        defected += usize::from(said("chn_infantry sided with Russia"));
    }
    (arrived, defected)
}

#[test]
fn ukraines_bot_keeps_chinese_troops_off_its_soil_in_every_seed() {
    let (arrived, defected) = play(&[]);
    assert_eq!((arrived, defected), (0, 0), "China's infantry reached the line in {arrived} of 20 games");
}

#[test]
fn let_in_china_serves_armed_and_its_crisis_defection_happens_in_bot_play() {
    // Ukraine's seat is left idle: it never refuses.
    let (arrived, defected) = play(&["ukr".to_string()]);
    assert_eq!(arrived, 20, "China's infantry reached the line in {arrived} of 20 games");
    assert!(defected >= 2, "China sided with Russia in {defected} of 20 games");
}
