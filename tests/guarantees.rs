//! What each component of a security guarantee does (docs/rules.md §5.6), over many seeds: the
//! same `ukraine_2026` line with and without one component accepted, every seat idle, and only
//! Russia firing (Ukraine's aggression and retaliation are 0), so that all the fire falls on the
//! recipient.

use truce::record::{Party, TurnSummary};
use truce::scenario::model::{Guarantee, GuaranteeComponent as C, GuaranteeStatus, Scenario};
use truce::sim::Game;

mod support;

const SEEDS: std::ops::Range<u64> = 1..9;
const TURNS: usize = 12;

fn base() -> Scenario {
    let mut s = support::scenario("ukraine_2026");
    s.guarantees.clear();
    let ukr = s.nations.iter_mut().find(|n| n.id == "ukr").unwrap();
    ukr.doctrine.aggression = 0.0;
    ukr.doctrine.retaliation = 0.0;
    s
}

/// The base line with `guarantors` guarantees to Ukraine, each of these components, accepted on
/// day 1.
fn with(components: &[C], guarantors: usize) -> Scenario {
    let mut s = base();
    for g in ["gbr", "fra", "deu", "pol", "ita"].iter().take(guarantors) {
        s.guarantees.push(Guarantee {
            id: format!("{g}_test_guarantee"),
            guarantor: g.to_string(),
            recipient: "ukr".into(),
            components: components.to_vec(),
            status: GuaranteeStatus::Accepted,
            accepted_day: Some(1),
        });
    }
    s
}

/// One idle game: its turn summaries and its finished world's trace.
fn play(s: &Scenario, seed: u64) -> (Vec<TurnSummary>, truce::record::Trace) {
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    let mut game = Game::with_humans(s.clone(), Some(seed), &humans).expect("valid scenario");
    for _ in 0..TURNS {
        if game.finish_turn().is_none() {
            break;
        }
    }
    (game.history().to_vec(), game.trace().clone())
}

/// True violations on each turn, summed over the seeds.
fn fire_by_turn(s: &Scenario) -> Vec<f64> {
    let mut out = vec![0.0; TURNS];
    for seed in SEEDS {
        for (k, t) in play(s, seed).0.iter().enumerate() {
            out[k] += t.violations_true as f64;
        }
    }
    out
}

fn sum(v: &[f64]) -> f64 {
    v.iter().sum()
}

/// A nation's figure at the end of each game, averaged over the seeds.
fn at_end(s: &Scenario, nation: &str, figure: fn(&truce::record::NationSummary) -> f64) -> f64 {
    let n = SEEDS.count() as f64;
    SEEDS
        .map(|seed| {
            let h = play(s, seed).0;
            figure(h.last().unwrap().nations.iter().find(|x| x.id == nation).unwrap())
        })
        .sum::<f64>()
        / n
}

#[test]
fn weapons_supply_deters_the_fire_at_the_recipient_each_guarantee_less_than_the_one_before() {
    let none = sum(&fire_by_turn(&base()));
    let one = sum(&fire_by_turn(&with(&[C::WeaponsSupply], 1)));
    let three = sum(&fire_by_turn(&with(&[C::WeaponsSupply], 3)));
    let cut1 = 1.0 - one / none;
    let cut3 = 1.0 - three / none;
    // 5% a guarantee: 1 − 0.95³ = 14% for three.
    assert!((0.03..0.08).contains(&cut1), "one weapons guarantee cut the fire by {cut1:.3}");
    assert!((0.11..0.18).contains(&cut3), "three cut it by {cut3:.3}");
    assert!(cut3 < 3.0 * cut1, "diminishing returns: three cut {cut3:.3}, one {cut1:.3}");
}

#[test]
fn a_defence_industry_deters_more_as_it_builds_up() {
    let none = fire_by_turn(&base());
    let built = fire_by_turn(&with(&[C::DefenceIndustry], 1));
    let cut = |k: usize| 1.0 - built[k] / none[k];
    // Day 1 to 14: about 2% of 5%; days 155 to 168: about 3.5%.
    assert!(cut(0) < 0.01, "the first turn's cut is {:.4}", cut(0));
    assert!(cut(TURNS - 1) > 0.025, "the last turn's cut is {:.4}", cut(TURNS - 1));
    assert!(cut(TURNS - 1) > cut(0) + 0.015, "the cut grows: {:.4} then {:.4}", cut(0), cut(TURNS - 1));
}

/// Incursions the first line met over the seeds, and how many of them it repelled.
fn first_line(s: &Scenario) -> (u64, u64, f64) {
    let (mut met, mut repelled, mut escalation) = (0, 0, 0.0);
    for seed in SEEDS {
        let (h, trace) = play(s, seed);
        escalation += h.iter().map(|t| t.escalation).sum::<f64>();
        for e in &trace.entries {
            let Some(i) = &e.incident else { continue };
            for note in &i.notes().sides_actions {
                if note.contains("first line of defence) met it") {
                    met += 1;
                }
                if let Some(rest) = note.split(" and repelled ").nth(1) {
                    repelled += rest.split(' ').next().unwrap().parse::<u64>().unwrap();
                }
            }
        }
    }
    (met, repelled, escalation)
}

#[test]
fn training_lets_the_recipients_own_forces_repel_incursions_and_the_line_escalates_less() {
    let more_incursions = |mut s: Scenario| {
        s.model.severity_mix.incursion *= 10.0;
        s
    };
    let (met0, repelled0, escalation0) = first_line(&more_incursions(base()));
    let (met, repelled, escalation) = first_line(&more_incursions(with(&[C::Training], 1)));
    assert!(met0 > 20 && met > 20, "incursions met: {met0} untrained, {met} trained");
    assert_eq!(repelled0, 0, "untrained forces repel nothing");
    assert!(repelled > 0, "trained forces repelled none of {met} incursions");
    assert!(escalation < escalation0, "escalation {escalation:.3} trained against {escalation0:.3}");
}

/// Of the fire at Ukraine: the share Ukraine saw, and the attributions that wrongly named it.
fn sight(s: &Scenario) -> (f64, u64) {
    let (mut seen, mut all, mut wrong) = (0, 0, 0);
    for seed in SEEDS {
        for e in &play(s, seed).1.entries {
            let Some(i) = &e.incident else { continue };
            seen += i.seen_by_victim;
            all += i.violations;
            wrong += u64::from(i.attributed_to == Some(Party::Target));
        }
    }
    (seen as f64 / all as f64, wrong)
}

#[test]
fn intelligence_sharing_lets_the_recipient_see_more_of_the_fire_and_be_blamed_for_less() {
    // Attribution as unreliable as a coin, so that wrong blame is common enough to count by
    // incident (an incident is put down to whichever side most of its attributions name).
    let unreliable = |mut s: Scenario| {
        s.model.attribution_accuracy = 0.5;
        s
    };
    let (seen0, wrong0) = sight(&unreliable(base()));
    let (seen, wrong) = sight(&unreliable(with(&[C::IntelligenceSharing], 1)));
    assert!(seen > seen0 + 0.15, "Ukraine saw {seen:.3} of the fire with shared intelligence, {seen0:.3} without");
    assert!(wrong0 > 50, "wrong attributions without: {wrong0}");
    assert!((wrong as f64) < 0.8 * wrong0 as f64, "wrong attributions: {wrong} with, {wrong0} without");
}

#[test]
fn sanctions_cost_the_aggressor_support_and_capital() {
    let s = with(&[C::SanctionsOnAggressor], 2);
    let support = at_end(&s, "rus", |n| n.support) - at_end(&base(), "rus", |n| n.support);
    let capital = at_end(&s, "rus", |n| n.capital as f64) - at_end(&base(), "rus", |n| n.capital as f64);
    // Two sanctioning nations: 1.5 × 0.03% a day over 168 days; two points of capital a turn.
    assert!((-0.09..-0.06).contains(&support), "Russia's support moved {support:.3}");
    assert!((capital - -24.0).abs() < 0.5, "Russia's capital moved {capital}");
    assert_eq!(at_end(&s, "ukr", |n| n.support), at_end(&base(), "ukr", |n| n.support), "the recipient is not hit");
}

#[test]
fn economic_cooperation_and_an_accession_path_raise_the_recipients_support() {
    let none = at_end(&base(), "ukr", |n| n.support);
    let economy = at_end(&with(&[C::EconomicCooperation], 1), "ukr", |n| n.support) - none;
    let both = at_end(&with(&[C::EconomicCooperation, C::EuAccessionPath], 1), "ukr", |n| n.support) - none;
    // 0.02% a day over 168 days each.
    assert!((0.025..0.04).contains(&economy), "economic cooperation added {economy:.3}");
    assert!(both > economy + 0.025, "with an accession path too: {both:.3}");
}

#[test]
fn an_accession_path_brings_recipient_and_guarantor_closer_at_acceptance() {
    let mut s = base();
    s.guarantees.push(Guarantee {
        id: "eu_path".into(),
        guarantor: "eu".into(),
        recipient: "ukr".into(),
        components: vec![C::EuAccessionPath],
        status: GuaranteeStatus::Offered,
        accepted_day: None,
    });
    let relation = |game: &mut Game, from: &str, to: &str| {
        let w = game.world();
        let ids = w.resource::<truce::world::Registry>().ids();
        let (a, b) = (ids.get(from).unwrap(), ids.get(to).unwrap());
        w.get::<truce::world::Relations>(a).unwrap().0.iter().find(|(e, _)| *e == b).map_or(0, |(_, v)| *v)
    };
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    let mut game = Game::with_humans(s, Some(1), &humans).unwrap();
    let before = (relation(&mut game, "ukr", "eu"), relation(&mut game, "eu", "ukr"));
    let verdict = game.submit("ukr", truce::rules::Order::AcceptGuarantee { guarantee: "eu_path".into() });
    assert!(verdict.accepted, "{verdict:?}");
    game.finish_turn().unwrap();
    let after = (relation(&mut game, "ukr", "eu"), relation(&mut game, "eu", "ukr"));
    assert_eq!((after.0 - before.0, after.1 - before.1), (10, 10), "relations {before:?} then {after:?}");
}
