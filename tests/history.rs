//! Where history is known, the bots reproduce it (docs/calibration.md, docs/rules.md §4.3, §4.5,
//! §9.2): over many seeds of bot play, no armed UN force on the Donbas line in 2019, an EU Council
//! that decides as its members lean, and Italy's push for a UN force moving them.

use truce::bots::Strategy;
use truce::institutions::Lobbying;
use truce::scenario::model::{MandateKind, Member, Scenario};
use truce::sim::Game;
use truce::world::{Institution, Key, Mandate, MandateTemplate};

mod support;
use support::scenario as load;

/// The mandates of a bot-played game: (authorising body, kind), created before or during play.
fn mandates(s: &Scenario, seed: u64) -> Vec<(String, MandateKind)> {
    mandates_with(s, seed, &[])
}

fn mandates_with(s: &Scenario, seed: u64, policies: &[(String, Strategy)]) -> Vec<(String, MandateKind)> {
    let mut game = Game::with_policies(s.clone(), Some(seed), &[], policies).expect("valid scenario");
    game.play_out();
    let w = game.world();
    let all: Vec<Mandate> = w.query::<&Mandate>().iter(w).cloned().collect();
    all.iter()
        .filter_map(|m| {
            let body = w.get::<Key>(m.authorised_by)?.0.clone();
            Some((body, w.get::<MandateTemplate>(m.template)?.kind))
        })
        .collect()
}

#[test]
fn no_armed_un_force_is_authorised_for_donbas_in_2019_in_at_least_90_percent_of_seeds() {
    let s = load("donbas_2019");
    let armed = (1..=20u64)
        .filter(|seed| {
            mandates(&s, *seed).iter().any(|(body, kind)| body == "unsc" && *kind != MandateKind::ObserveReport)
        })
        .count();
    assert!(armed <= 2, "an armed UN force was authorised in {armed} of 20 games");
}

/// Games among seeds 1–10 in which the EU Council authorised a mandate.
fn eu_passes(s: &Scenario, policies: &[(String, Strategy)]) -> usize {
    (1..=10u64).filter(|seed| mandates_with(s, *seed, policies).iter().any(|(body, _)| body == "eu_council")).count()
}

/// The scenario with nobody's doctrine lobbying: every bot otherwise as shipped.
fn unlobbied(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    for n in &mut s.nations {
        n.doctrine.lobby.clear();
    }
    s
}

fn italy_idle() -> Vec<(String, Strategy)> {
    vec![("ita".to_string(), Strategy::Idle)]
}

#[test]
fn the_eu_council_decides_as_its_members_lean() {
    // As shipped, Hungary and Slovakia lean against an armed EU mission: unlobbied, it never passes.
    let shipped = unlobbied(&load("ukraine_2026"));
    assert_eq!(eu_passes(&shipped, &[]), 0, "the EU's armed mission passed against Hungary's and Slovakia's leanings");
    // With every scripted member leaning for it, the first vote on it passes, in every seed.
    let mut willing = shipped.clone();
    for i in willing.institutions.iter_mut().filter(|i| i.id == "eu_council") {
        for m in &mut i.members {
            if let Member::Scripted { leaning, .. } = m {
                leaning.interpose = leaning.interpose.max(0.5);
            }
        }
    }
    assert_eq!(eu_passes(&willing, &[]), 10, "with every member leaning for it");
}

/// The Council of the EU's position on an armed force (the mean interposition leaning of its
/// members) after each turn of one game.
fn eu_positions(s: &Scenario, seed: u64, policies: &[(String, Strategy)]) -> Vec<f64> {
    let mut game = Game::with_policies(s.clone(), Some(seed), &[], policies).expect("valid scenario");
    let mut out = Vec::new();
    while game.finish_turn().is_some() {
        let w = game.world();
        let lobbying = w.resource::<Lobbying>().clone();
        let council =
            w.query::<(&Key, &Institution)>().iter(w).find(|(k, _)| k.0 == "eu_council").map(|(_, i)| i.clone());
        out.push(council.and_then(|c| lobbying.position(&c, MandateKind::Interpose)).unwrap_or(0.0));
    }
    out
}

#[test]
fn italys_push_for_a_un_force_moves_the_eus_position() {
    // "Most EU countries are reluctant to advance a UN mandate … Italy, however, has been
    // vigorously insisting on this" (the seed). Italy's doctrine lobbies the Council for the UN
    // peacekeeping force every turn it can afford.
    let s = load("ukraine_2026");
    for seed in 1..=5u64 {
        let idle = eu_positions(&s, seed, &italy_idle());
        assert!(
            idle.iter().all(|p| (p - 0.70).abs() < 1e-9),
            "with Italy idle, the Council's position moved: {idle:?}"
        );
        let pushed = eu_positions(&s, seed, &[]);
        let reached = pushed.iter().position(|p| *p >= 0.8).map(|t| t + 1);
        assert!(
            reached.is_some_and(|t| t <= 4),
            "seed {seed}: Italy's push did not bring the Council to 0.8 within 4 turns: {pushed:?}"
        );
        assert!(pushed.iter().all(|p| *p < 0.95), "seed {seed}: the pressure carried the Council too far: {pushed:?}");
    }
    // The position is what the Council then does: its armed mission, refused to the last turn
    // while nobody lobbies (the test above), passes once Hungary and Slovakia have come round.
    let passes = eu_passes(&s, &[]);
    assert!(passes >= 8, "the Council's armed mission passed in only {passes} of 10 games with Italy pushing");
}

#[test]
fn lobbying_fades_once_the_pressure_stops() {
    // Italy lobbies for the first half of the year and then stops (its seat goes idle): the
    // Council drifts back to its own leanings, with the 90-day fade of the rules (§4.5).
    let s = load("ukraine_2026");
    let mut game = Game::new(s.clone(), Some(3)).expect("valid scenario");
    for _ in 0..12 {
        game.finish_turn();
    }
    let position = |game: &mut Game| {
        let w = game.world();
        let lobbying = w.resource::<Lobbying>().clone();
        let council =
            w.query::<(&Key, &Institution)>().iter(w).find(|(k, _)| k.0 == "eu_council").map(|(_, i)| i.clone());
        council.and_then(|c| lobbying.position(&c, MandateKind::Interpose)).unwrap_or(0.0)
    };
    // Turn 13's orders are drafted already, Italy's lobbying among them: it goes idle after it.
    truce::bots::set_strategies(game.world(), &italy_idle());
    game.finish_turn();
    let held = position(&mut game);
    for _ in 0..6 {
        game.finish_turn();
    }
    let after = position(&mut game);
    // Six turns of 14 days: the pull keeps exp(−84/90) ≈ 39% of itself.
    let expected = 0.70 + (held - 0.70) * (-84.0f64 / 90.0).exp();
    assert!(held > 0.8, "the Council was not won over first: {held}");
    assert!((after - expected).abs() < 1e-6, "after the pressure stopped: {after}, expected {expected}");
}
