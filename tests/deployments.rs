//! Deployments last as long as real ones (facts.md, "long missions": missions of brigade size last
//! years; support erodes mainly with casualties). For every democracy of every shipped scenario, a
//! brigade at its starting support, on a quiet line under a mandate that earns it no legitimacy,
//! stays a year; the same brigade taking casualties is brought home.

use truce::scenario::model::{Contingent, ContingentKind, Mandate, NationFlag, Posture, Scenario};
use truce::scenario::{self};
use truce::sim::Game;

const SCENARIOS: [&str; 3] = ["tutorial", "ukraine_2026", "donbas_2019"];
const BRIGADE: i64 = 5_000;
const YEAR_DAYS: u32 = 365;

fn load(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    scenario::load_file(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

/// `s` reduced to `nation`'s brigade in the first sector under a mandate of the least legitimate
/// institution, for a year; the belligerents push with `aggression`. None if the nation has no
/// line of defence its brigade could stand in.
fn brigade_year(s: &Scenario, nation: &str, aggression: f64) -> Option<Scenario> {
    let mut s = s.clone();
    let line = s.defence_lines.iter().find(|l| l.nations.iter().any(|n| n == nation))?.id.clone();
    let template = s.mandate_templates.iter().find(|t| t.contingent_kinds.contains(&ContingentKind::Infantry))?;
    let body = s.institutions.iter().min_by(|a, b| a.legitimacy.total_cmp(&b.legitimacy))?;
    let (template, body) = (template.id.clone(), body.id.clone());
    s.pledges.clear();
    s.injects.clear();
    s.guarantees.clear();
    s.mandates.clear();
    s.contingents.clear();
    s.assets.clear();
    for n in &mut s.nations {
        if n.flags.contains(&NationFlag::Belligerent) {
            n.doctrine.aggression = aggression;
        }
        if n.id == nation {
            n.pools.troops = n.pools.troops.max(BRIGADE);
        }
    }
    s.mandates.push(Mandate {
        id: "the_mission".into(),
        template,
        authorised_by: body,
        sectors: vec![],
        contributors: vec![nation.into()],
        start_turn: 0,
        duration_turns: Some(1_000),
    });
    s.contingents.push(Contingent {
        id: "the_brigade".into(),
        owner: nation.into(),
        kind: ContingentKind::Infantry,
        size: BRIGADE,
        line,
        mandate: Some("the_mission".into()),
        sector: Some(s.line.sectors[0].id.clone()),
        posture: Posture::Defensive,
        readiness: 0.9,
        losses: 0,
    });
    s.turns = YEAR_DAYS.div_ceil(s.turn_days) + 1;
    Some(s)
}

/// Plays a year with every seat idle; whether the brigade is still on the line, and the trace's
/// word for a forced withdrawal if there was one.
fn stays(s: &Scenario, seed: u64) -> (bool, Option<String>) {
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    let mut game = Game::with_humans(s.clone(), Some(seed), &humans).expect("the variant is valid");
    while game.finish_turn().is_some() {}
    let owner = &s.contingents[0].owner;
    let days: u32 = game.history().iter().map(|t| t.days).sum();
    assert!(days >= YEAR_DAYS, "the game lasted {days} days");
    let on_line = game
        .history()
        .last()
        .and_then(|t| t.nations.iter().find(|n| n.id == *owner))
        .is_some_and(|n| n.deployed_troops > 0);
    let withdrawal = game.trace().entries.iter().find(|e| e.text.contains("forced withdrawal")).map(|e| e.text.clone());
    (on_line && withdrawal.is_none(), withdrawal)
}

fn democracies(s: &Scenario) -> Vec<String> {
    s.nations
        .iter()
        .filter(|n| n.flags.contains(&NationFlag::Democracy) && !n.flags.contains(&NationFlag::Belligerent))
        .map(|n| n.id.clone())
        .collect()
}

#[test]
fn a_democracys_brigade_on_a_quiet_line_stays_a_year() {
    let mut checked = 0;
    for name in SCENARIOS {
        let file = load(name);
        for nation in democracies(&file) {
            let Some(variant) = brigade_year(&file, &nation, 0.0) else { continue };
            let (stayed, why) = stays(&variant, 1);
            assert!(stayed, "{name}: {nation}'s brigade went home within a year: {why:?}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} democracies could field a brigade");
}

#[test]
fn casualties_still_bring_a_brigade_home() {
    // The brigade on a hot line: the belligerents push all out and it answers their fire, losing a
    // few soldiers a month, with five points of support to spare. Where its public minds its dead
    // as much as any may, it is brought home; where its public does not, the same year leaves it on
    // the line, its cost alone being less than those five points.
    let file = load("ukraine_2026");
    let hot = brigade_year(&file, "gbr", 1.0).expect("the UK can field a brigade");
    let with = |sensitivity: f64| {
        let mut s = hot.clone();
        let support = &mut s.nations.iter_mut().find(|n| n.id == "gbr").expect("gbr").support;
        support.casualty_sensitivity = sensitivity;
        support.withdraw_below = support.initial - 0.05;
        stays(&s, 1)
    };
    let (stayed, _) = with(0.0);
    assert!(stayed, "without casualty sensitivity the brigade stays");
    let (stayed, why) = with(1.0);
    assert!(!stayed, "a public that minds each death brings the brigade home");
    assert!(why.is_some_and(|w| w.contains("gbr") || w.contains("United Kingdom")), "the withdrawal is the UK's");
}
