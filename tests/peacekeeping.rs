//! Why a peacekeeping force lowers the chance that the ceasefire collapses (docs/rules.md §14.2):
//! `ukraine_2026` played by its bots over 20 seeds, as shipped and with no foreign soldier on the
//! line (every non-belligerent's armed contingent and its pledge removed; monitors, drones,
//! guarantees and diplomacy unchanged).
//!
//! The chain the rules make: an armed force deters a share of the fire where it stands (§6.1), so
//! fewer violations happen there; it answers a share of those that do (§6.5), and an answered
//! violation escalates less than an unanswered one (§6.7) and provokes less retaliation (§6.6);
//! less escalation means a lower daily hazard of collapse (§7).

mod support;

use truce::record::TurnSummary;
use truce::scenario::Scenario;
use truce::sim::Game;

const SEEDS: u64 = 20;

/// The shipped scenario without any foreign soldier: no armed contingent of a non-belligerent
/// and no pledge of one.
fn without_a_force(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    let belligerents: Vec<String> = s
        .nations
        .iter()
        .filter(|n| n.flags.contains(&truce::scenario::model::NationFlag::Belligerent))
        .map(|n| n.id.clone())
        .collect();
    let removed: Vec<String> = s
        .contingents
        .iter()
        .filter(|c| c.kind.is_armed() && !belligerents.contains(&c.owner))
        .map(|c| c.id.clone())
        .collect();
    s.contingents.retain(|c| !removed.contains(&c.id));
    s.pledges.retain(|p| !removed.contains(&p.contingent));
    s
}

struct Outcome {
    /// Mean daily hazard of collapse over every turn of every game.
    hazard: f64,
    escalation: f64,
    /// True violations per game, in the sectors where the shipped force stands, and elsewhere.
    fire_where_guarded: f64,
    fire_elsewhere: f64,
    /// Mean share of fire deterred in the guarded sectors.
    deterred_where_guarded: f64,
    collapses: usize,
}

/// Sectors where a peacekeeper stood at some turn's end in the shipped game of `seed`.
fn guarded(history: &[TurnSummary]) -> Vec<String> {
    let mut v: Vec<String> =
        history.iter().flat_map(|t| t.sectors.iter().filter(|s| s.peacekeepers > 0).map(|s| s.id.clone())).collect();
    v.sort();
    v.dedup();
    v
}

fn play(s: &Scenario, seed: u64) -> Vec<TurnSummary> {
    Game::new(s.clone(), Some(seed)).expect("valid scenario").play_out()
}

fn outcome(s: &Scenario, guarded_by_seed: &[Vec<String>]) -> Outcome {
    let mut o = Outcome {
        hazard: 0.0,
        escalation: 0.0,
        fire_where_guarded: 0.0,
        fire_elsewhere: 0.0,
        deterred_where_guarded: 0.0,
        collapses: 0,
    };
    let (mut turns, mut guarded_turns) = (0.0f64, 0.0f64);
    for (seed, guarded) in (1..=SEEDS).zip(guarded_by_seed) {
        let history = play(s, seed);
        o.collapses += usize::from(history.iter().any(|t| t.ceasefire == "collapsed"));
        for t in &history {
            o.hazard += t.collapse_hazard;
            o.escalation += t.escalation;
            turns += 1.0;
            for sector in &t.sectors {
                if guarded.contains(&sector.id) {
                    o.fire_where_guarded += sector.violations_true as f64;
                    o.deterred_where_guarded += sector.deterrence;
                    guarded_turns += 1.0;
                } else {
                    o.fire_elsewhere += sector.violations_true as f64;
                }
            }
        }
    }
    o.hazard /= turns;
    o.escalation /= turns;
    o.deterred_where_guarded /= guarded_turns.max(1.0);
    o.fire_where_guarded /= SEEDS as f64;
    o.fire_elsewhere /= SEEDS as f64;
    o
}

#[test]
fn a_peacekeeping_force_lowers_collapse_because_it_deters_and_answers_the_fire_where_it_stands() {
    let shipped = support::scenario("ukraine_2026");
    let bare = without_a_force(&shipped);
    let guarded: Vec<Vec<String>> = (1..=SEEDS).map(|seed| guarded(&play(&shipped, seed))).collect();
    assert!(guarded.iter().all(|g| !g.is_empty()), "the shipped force never reached the line in some game");
    let with = outcome(&shipped, &guarded);
    let without = outcome(&bare, &guarded);
    // 1. Where it stands, it deters: a share of the fire never happens.
    assert!(
        with.deterred_where_guarded > 0.1,
        "the force deters {:.3} of the fire where it stands",
        with.deterred_where_guarded
    );
    assert!(without.deterred_where_guarded < 1e-9, "with no force, something still deters");
    assert!(
        with.fire_where_guarded < 0.85 * without.fire_where_guarded,
        "fire where the force stands: {:.0} with it, {:.0} without",
        with.fire_where_guarded,
        without.fire_where_guarded
    );
    // 2. Where it does not stand, the fire is about the same: the force is not a ceasefire of
    // its own making elsewhere.
    let elsewhere = with.fire_elsewhere / without.fire_elsewhere;
    assert!((0.8..=1.2).contains(&elsewhere), "fire away from the force changes by a factor {elsewhere:.2}");
    // 3. Less fire, and fire answered, escalate less; so the daily hazard of collapse is lower.
    assert!(
        with.escalation < 0.9 * without.escalation,
        "mean escalation {:.4} with the force, {:.4} without",
        with.escalation,
        without.escalation
    );
    assert!(
        with.hazard < 0.9 * without.hazard,
        "mean daily hazard {:.2e} with the force, {:.2e} without",
        with.hazard,
        without.hazard
    );
    assert!(
        with.collapses <= without.collapses,
        "collapses: {} with the force, {} without",
        with.collapses,
        without.collapses
    );
    println!(
        "with the force: hazard {:.2e}, escalation {:.4}, fire where it stands {:.0} (deterred {:.2}), elsewhere {:.0}, collapses {}",
        with.hazard,
        with.escalation,
        with.fire_where_guarded,
        with.deterred_where_guarded,
        with.fire_elsewhere,
        with.collapses
    );
    println!(
        "without:        hazard {:.2e}, escalation {:.4}, fire there {:.0}, elsewhere {:.0}, collapses {}",
        without.hazard, without.escalation, without.fire_where_guarded, without.fire_elsewhere, without.collapses
    );
}
