//! The player matters (docs/rules.md §9.8, §14.2): for every seat of the tutorial and of
//! `ukraine_2026`, played by each of its bot's strategies while every other seat keeps its
//! advisor, over 20 seeds; the scores two of the strategies give must differ significantly, and
//! for Ukraine the advisor must beat a seat that locks nothing by at least a quarter.

mod support;

use std::collections::BTreeMap;

use truce::bots::Strategy;
use truce::scenario::Scenario;
use truce::sim::Game;

const SEEDS: u64 = 20;

/// Two-sided Welch t at p = 0.01 for 19 degrees of freedom, the fewest two samples of 20 have:
/// a difference beyond it is not sampling noise.
const T_CRITICAL: f64 = 2.861;

/// The final score of `seat` played by `strategy` in one game.
fn score(s: &Scenario, seat: &str, strategy: Strategy, seed: u64) -> f64 {
    let policies = [(seat.to_string(), strategy)];
    let mut game = Game::with_policies(s.clone(), Some(seed), &[], &policies).expect("valid scenario");
    let history = game.play_out();
    let last = history.last().expect("a game plays at least one turn");
    last.nations.iter().find(|n| n.id == seat).map_or(0, |n| n.score) as f64
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn variance(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
}

/// Whether two samples' means differ beyond sampling noise (Welch's t; two samples with no
/// spread differ when their values do).
fn differ(a: &[f64], b: &[f64]) -> bool {
    let spread = (variance(a) / a.len() as f64 + variance(b) / b.len() as f64).sqrt();
    let gap = (mean(a) - mean(b)).abs();
    if spread < 1e-12 { gap > 1e-9 } else { gap / spread > T_CRITICAL }
}

/// Scores over the seeds, by seat and strategy.
type Table = BTreeMap<(String, Strategy), Vec<f64>>;

/// For each seat, a pair of its strategies whose scores differ, if one was found.
type Pairs = Vec<(String, Option<(Strategy, Strategy)>)>;

/// Every seat's scores under every strategy, seeds 1..=20.
fn scores(s: &Scenario) -> Table {
    let mut out = BTreeMap::new();
    for n in &s.nations {
        for strategy in Strategy::ALL {
            let v = (1..=SEEDS).map(|seed| score(s, &n.id, strategy, seed)).collect();
            out.insert((n.id.clone(), strategy), v);
        }
    }
    out
}

/// For each seat, the first pair of strategies whose scores differ significantly, if any; the
/// table of means is printed for the record.
fn pairs_that_differ(name: &str) -> (Table, Pairs) {
    let s = support::scenario(name);
    let table = scores(&s);
    let mut found = Vec::new();
    for n in &s.nations {
        let row: Vec<String> = Strategy::ALL
            .iter()
            .map(|x| {
                let v = &table[&(n.id.clone(), *x)];
                format!("{x}: {:.1} ± {:.1}", mean(v), variance(v).sqrt())
            })
            .collect();
        println!("{name} {:>4}  {}", n.id, row.join("  "));
        let mut pair = None;
        'search: for (i, a) in Strategy::ALL.iter().enumerate() {
            for b in &Strategy::ALL[i + 1..] {
                if differ(&table[&(n.id.clone(), *a)], &table[&(n.id.clone(), *b)]) {
                    pair = Some((*a, *b));
                    break 'search;
                }
            }
        }
        found.push((n.id.clone(), pair));
    }
    (table, found)
}

fn every_seat_has_a_choice_that_moves_its_score(name: &str) {
    let (table, found) = pairs_that_differ(name);
    let stuck: Vec<&str> = found.iter().filter(|(_, p)| p.is_none()).map(|(id, _)| id.as_str()).collect();
    assert!(stuck.is_empty(), "{name}: no two strategies give these seats different scores: {stuck:?}");
    let advisor = mean(&table[&("ukr".to_string(), Strategy::Advisor)]);
    let idle = mean(&table[&("ukr".to_string(), Strategy::Idle)]);
    assert!(
        advisor >= 1.25 * idle,
        "{name}: Ukraine's advisor scores {advisor:.1} on average, locking nothing {idle:.1}: not a quarter more"
    );
}

#[test]
fn in_the_tutorial_every_seat_has_a_choice_that_moves_its_score() {
    every_seat_has_a_choice_that_moves_its_score("tutorial");
}

#[test]
fn in_ukraine_2026_every_seat_has_a_choice_that_moves_its_score() {
    every_seat_has_a_choice_that_moves_its_score("ukraine_2026");
}

#[test]
fn a_seat_whose_choices_cannot_reach_its_objectives_is_found_out() {
    // The check itself: a variant where Brazil's only objective is one nobody can change (the
    // calendar) gives the same score under every strategy, and the search reports it stuck.
    let mut s = support::scenario("ukraine_2026");
    let bra = s.nations.iter_mut().find(|n| n.id == "bra").expect("Brazil");
    bra.objectives.retain(|o| o.id == "bra_un");
    bra.objectives[0].goal = truce::scenario::model::Condition::FromTurn(1);
    let v: Vec<Vec<f64>> =
        Strategy::ALL.iter().map(|x| (1..=5).map(|seed| score(&s, "bra", *x, seed)).collect()).collect();
    for pair in v.windows(2) {
        assert!(!differ(&pair[0], &pair[1]), "a score no choice can move came out different: {v:?}");
    }
}

/// The final scores of one advisor-played game, the turn the Council of the EU first authorised a
/// mission (if it did), and the turns on which contingents went home.
fn course(s: &Scenario, seed: u64) -> (Vec<i64>, Option<u32>, Vec<(String, u32)>) {
    let mut game = Game::new(s.clone(), Some(seed)).expect("valid scenario");
    let history = game.play_out();
    let scores = history.last().map(|t| t.nations.iter().map(|n| n.score).collect()).unwrap_or_default();
    let trace = game.trace();
    let eu = trace
        .entries
        .iter()
        .find(|e| {
            trace.text(e).starts_with("Council of the European Union, proposal")
                && trace.text(e).contains("→ authorised")
        })
        .map(|e| e.turn);
    let home = trace
        .entries
        .iter()
        .filter(|e| e.rule == "forces" && trace.text(e).contains(" for home"))
        .map(|e| (trace.text(e).split(' ').next().unwrap_or_default().to_string(), e.turn))
        .collect();
    (scores, eu, home)
}

#[test]
fn outcomes_and_withdrawals_vary_from_seed_to_seed() {
    let s = support::scenario("ukraine_2026");
    let courses: Vec<_> = (1..=SEEDS).map(|seed| course(&s, seed)).collect();
    let mut scores: Vec<&Vec<i64>> = courses.iter().map(|c| &c.0).collect();
    scores.sort();
    scores.dedup();
    assert!(scores.len() >= 15, "only {} different outcomes in {SEEDS} seeds: {scores:?}", scores.len());
    let mut eu: Vec<u32> = courses.iter().filter_map(|c| c.1).collect();
    eu.sort();
    eu.dedup();
    assert!(eu.len() >= 2, "the Council of the EU decides on the same turn in every seed: {eu:?}");
    // Where casualties weigh on the democracies as heavily as the format allows (a point of
    // support per casualty), some brigades come home; on which turn, and whether at all, is the
    // line's doing, not the calendar's.
    let mut heavy = s.clone();
    for n in heavy.nations.iter_mut().filter(|n| n.flags.contains(&truce::scenario::model::NationFlag::Democracy)) {
        n.support.casualty_sensitivity = 1.0;
    }
    let homes: Vec<Vec<(String, u32)>> = (1..=SEEDS).map(|seed| course(&heavy, seed).2).collect();
    assert!(homes.iter().any(|h| !h.is_empty()), "no contingent came home in any seed");
    assert!(homes.windows(2).any(|w| w[0] != w[1]), "the same withdrawals on the same turns in every seed: {homes:?}");
}
