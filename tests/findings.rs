//! The model's behaviour against what the research and the record say (docs/rules.md, "The
//! dynamics"): each test compares games that differ in one respect, over several seeds, with no
//! orders given, so that only the rule under test differs.

use truce::record::TurnSummary;
use truce::scenario::model::{Contingent, ContingentKind, Mandate, Posture, Scenario};
use truce::scenario::{self};
use truce::sim::Game;

fn load(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    scenario::load_file(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

/// Plays `turns` turns with every seat idle (no orders: postures stay at doctrine).
fn idle(s: &Scenario, seed: u64, turns: usize) -> Vec<TurnSummary> {
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    let mut game = Game::with_humans(s.clone(), Some(seed), &humans).expect("valid scenario");
    for _ in 0..turns {
        if game.finish_turn().is_none() {
            break;
        }
    }
    game.history().to_vec()
}

/// (true, recorded) summed over seeds, for one sector or the whole line.
fn totals(s: &Scenario, seeds: std::ops::Range<u64>, turns: usize, sector: Option<&str>) -> (f64, f64) {
    let mut t = 0.0;
    let mut r = 0.0;
    for seed in seeds {
        for h in idle(s, seed, turns) {
            match sector {
                Some(id) => {
                    let x = h.sectors.iter().find(|x| x.id == id).unwrap();
                    t += x.violations_true as f64;
                    r += x.violations_recorded as f64;
                }
                None => {
                    t += h.violations_true as f64;
                    r += h.violations_recorded as f64;
                }
            }
        }
    }
    (t, r)
}

#[test]
fn monitoring_changes_what_is_recorded_far_more_than_what_happens() {
    let base = load("donbas_2019");
    let mut more = base.clone();
    for a in &mut more.assets {
        a.count *= 2;
        a.jamming /= 2.0;
        a.restrictions_per_month = 0.0;
    }
    let mut none = base.clone();
    none.assets.clear();
    // Injects that adjust the removed assets' jamming go with them.
    none.injects.retain(|i| {
        !i.effects.iter().any(|e| {
            matches!(
                e,
                truce::scenario::model::Effect::Jamming { .. } | truce::scenario::model::Effect::Restrictions { .. }
            )
        })
    });
    let (t0, r0) = totals(&base, 0..4, 6, None);
    let (t1, r1) = totals(&more, 0..4, 6, None);
    let (t2, r2) = totals(&none, 0..4, 6, None);
    assert!(r1 > 1.3 * r0, "more monitoring records more: {r0} → {r1}");
    assert_eq!(r2, 0.0, "no monitoring records nothing");
    for t in [t1, t2] {
        assert!((t / t0 - 1.0).abs() < 0.05, "the fire itself hardly changes: {t0} vs {t}");
    }
}

fn with_force(size: i64, sectors: &[&str]) -> Scenario {
    let mut s = load("tutorial");
    let fra = s.nations.iter_mut().find(|n| n.id == "fra").unwrap();
    fra.pools.troops = 200_000;
    s.contingents.clear();
    s.pledges.clear();
    if size > 0 {
        for (i, sector) in sectors.iter().enumerate() {
            s.contingents.push(Contingent {
                id: format!("force_{i}"),
                owner: "fra".into(),
                kind: ContingentKind::Mechanised,
                size,
                line: "line_europe".into(),
                mandate: Some("reassure".into()),
                sector: Some(sector.to_string()),
                posture: Posture::Active,
                readiness: 1.0,
                losses: 0,
            });
        }
        s.mandates.push(Mandate {
            id: "reassure".into(),
            template: "coalition_reassure".into(),
            authorised_by: "coalition".into(),
            sectors: vec![],
            contributors: vec!["fra".into()],
            start_turn: 0,
            duration_turns: None,
        });
    }
    s
}

#[test]
fn armed_presence_deters_with_diminishing_returns() {
    let sizes = [0, 2_000, 4_000, 8_000, 16_000];
    let fire: Vec<f64> = sizes.iter().map(|&n| totals(&with_force(n, &["north"]), 0..4, 4, Some("north")).0).collect();
    for w in fire.windows(2) {
        assert!(w[1] < w[0], "more armed peacekeepers, less fire: {fire:?}");
    }
    let first = (fire[0] - fire[1]) / 2_000.0;
    let last = (fire[3] - fire[4]) / 8_000.0;
    assert!(first > 2.0 * last, "each extra soldier deters less than the one before: {fire:?}");
    assert!(fire[4] > 0.1 * fire[0], "presence deters but does not end the fire: {fire:?}");
}

#[test]
fn unarmed_observers_alone_do_not_deter() {
    let base = with_force(0, &[]);
    let mut observed = base.clone();
    observed.assets.push(truce::scenario::model::MonitoringAsset {
        id: "observers".into(),
        owner: "ita".into(),
        kind: truce::scenario::model::AssetKind::Monitors,
        count: 1_500,
        mandate: None,
        sectors: vec!["south".into()],
        detection: 0.6,
        jamming: 0.0,
        restrictions_per_month: 0.0,
    });
    let (t0, r0) = totals(&base, 0..4, 4, Some("south"));
    let (t1, r1) = totals(&observed, 0..4, 4, Some("south"));
    assert!(r1 > r0 + 1_000.0, "observers record: {r0} → {r1}");
    assert!((t1 / t0 - 1.0).abs() < 0.05, "but the fire goes on: {t0} vs {t1}");
}

#[test]
fn answered_violations_escalate_less_than_unanswered_ones() {
    let mean_escalation = |s: &Scenario| {
        let runs: Vec<f64> = (0..4).flat_map(|seed| idle(s, seed, 6).into_iter().map(|h| h.escalation)).collect();
        runs.iter().sum::<f64>() / runs.len() as f64
    };
    let bare = mean_escalation(&with_force(0, &[]));
    let guarded = mean_escalation(&with_force(6_000, &["north", "south"]));
    assert!(guarded < 0.7 * bare, "an armed force that answers keeps escalation down: {bare} vs {guarded}");
}

#[test]
fn leaked_plans_let_the_aggressor_slip_past_the_monitors() {
    let mut base = load("ukraine_2026");
    base.pledges.retain(|p| p.contingent != "chn_infantry");
    base.contingents.iter_mut().find(|c| c.id == "chn_infantry").unwrap().sector = Some("lyman".into());
    let mut leaky = base.clone();
    let mut loyal = base.clone();
    leaky.nations.iter_mut().find(|n| n.id == "chn").unwrap().loyalty_risk.as_mut().unwrap().intelligence_leak = 1.0;
    loyal.nations.iter_mut().find(|n| n.id == "chn").unwrap().loyalty_risk = None;
    let (t0, r0) = totals(&loyal, 0..3, 4, None);
    let (t1, r1) = totals(&leaky, 0..3, 4, None);
    assert!(r1 / t1 < 0.9 * (r0 / t0), "a leak lowers the share recorded: {:.3} vs {:.3}", r0 / t0, r1 / t1);
}

// ---------------------------------------------------------------------------------------------
// The literature bands (facts.md, "Bands the model must reproduce"), on controlled variants of
// `donbas_2019`: every seat idle (no bot creates a mission or recommits), no injects, and the
// mission under test in place of the file's.

/// Seeds for the bands: enough that sampling noise is a few per cent of the effects.
const BAND_SEEDS: std::ops::Range<u64> = 0..20;
/// Turns of 30 days each: half a year.
const BAND_TURNS: usize = 6;

/// Means over seeds: true violations, recorded violations, casualties, mean daily hazard of
/// collapse, share of games that collapsed.
#[derive(Debug, Clone, Copy)]
struct Band {
    true_violations: f64,
    recorded: f64,
    casualties: f64,
    hazard: f64,
    collapsed: f64,
}

fn band(s: &Scenario) -> Band {
    let mut b = Band { true_violations: 0.0, recorded: 0.0, casualties: 0.0, hazard: 0.0, collapsed: 0.0 };
    let n = BAND_SEEDS.count() as f64;
    for seed in BAND_SEEDS {
        let h = idle(s, seed, BAND_TURNS);
        b.true_violations += h.iter().map(|t| t.violations_true as f64).sum::<f64>() / n;
        b.recorded += h.iter().map(|t| t.violations_recorded as f64).sum::<f64>() / n;
        b.casualties += h.iter().map(|t| t.casualties as f64).sum::<f64>() / n;
        // A collapsed game keeps the hazard of its last day for the rest of the period.
        let hazards: Vec<f64> = h.iter().map(|t| t.collapse_hazard).collect();
        let last = hazards.last().copied().unwrap_or(0.0);
        let padded = hazards.iter().copied().chain(std::iter::repeat(last)).take(BAND_TURNS);
        b.hazard += padded.sum::<f64>() / BAND_TURNS as f64 / n;
        b.collapsed += f64::from(u8::from(h.iter().any(|t| t.ceasefire == "collapsed"))) / n;
    }
    b
}

/// `donbas_2019` with no mission: no mandate, no contingent of a third party, no monitoring,
/// no injects, no pledges.
fn no_mission() -> Scenario {
    let mut s = load("donbas_2019");
    s.mandates.clear();
    s.contingents.clear();
    s.pledges.clear();
    s.assets.clear();
    s.injects.clear();
    s
}

/// No mission but the OSCE's: its monitors, drones and cameras under its observe-and-report
/// mandate, as the file has them.
fn observers_only() -> Scenario {
    let file = load("donbas_2019");
    let mut s = no_mission();
    s.mandates = file.mandates.clone();
    s.assets = file.assets.clone();
    s
}

/// No mission but an armed UN force of `troops`, spread over the sectors by length, under the
/// interposition mandate, active and fully ready.
fn armed(troops: i64) -> Scenario {
    let mut s = no_mission();
    let km: f64 = s.line.sectors.iter().map(|x| x.length_km).sum();
    let sectors: Vec<(String, f64)> = s.line.sectors.iter().map(|x| (x.id.clone(), x.length_km)).collect();
    for (i, (sector, length)) in sectors.iter().enumerate() {
        s.contingents.push(Contingent {
            id: format!("un_force_{i}"),
            owner: "swe".into(),
            kind: ContingentKind::Mechanised,
            size: ((troops as f64) * length / km).round().max(1.0) as i64,
            line: "line_un_force".into(),
            mandate: Some("un_force".into()),
            sector: Some(sector.clone()),
            posture: Posture::Active,
            readiness: 1.0,
            losses: 0,
        });
    }
    let swe = s.nations.iter_mut().find(|n| n.id == "swe").unwrap();
    swe.pools.troops = troops.max(1) * 2;
    // The force stays for the whole period: what it does, not how long Sweden keeps it there.
    swe.support.withdraw_below = 0.0;
    s.mandates.push(Mandate {
        id: "un_force".into(),
        template: "un_interpose".into(),
        authorised_by: "unsc".into(),
        sectors: vec![],
        contributors: vec!["swe".into()],
        start_turn: 0,
        duration_turns: Some(100),
    });
    s
}

fn cut(before: f64, after: f64) -> f64 {
    1.0 - after / before
}

/// The reference density: 10,000 armed troops over 420 km (facts.md).
const REFERENCE: i64 = 10_000;

#[test]
fn armed_troops_at_the_reference_density_cut_violations_and_casualties_by_half_to_85_percent() {
    let (none, force) = (band(&no_mission()), band(&armed(REFERENCE)));
    for (what, c) in [
        ("true violations", cut(none.true_violations, force.true_violations)),
        ("casualties", cut(none.casualties, force.casualties)),
    ] {
        assert!((0.50..=0.85).contains(&c), "{what} fall by {:.0}%: {none:?} vs {force:?}", c * 100.0);
    }
}

#[test]
fn observers_alone_hardly_change_the_fire_and_raise_what_is_recorded() {
    let (none, observed) = (band(&no_mission()), band(&observers_only()));
    let change = (observed.true_violations / none.true_violations - 1.0).abs();
    assert!(change < 0.25, "observers change true violations by {:.0}%: {none:?} vs {observed:?}", change * 100.0);
    assert!(observed.recorded > none.recorded + 1_000.0, "observers record: {none:?} vs {observed:?}");
}

#[test]
fn a_mission_lowers_the_hazard_of_collapse_by_half_to_85_percent_and_observers_by_less_than_90() {
    let none = band(&no_mission());
    let force = band(&armed(REFERENCE));
    let observed = band(&observers_only());
    let by_force = cut(none.hazard, force.hazard);
    assert!(
        (0.50..=0.85).contains(&by_force),
        "an armed mission cuts the hazard by {:.0}%: {none:?} vs {force:?}",
        by_force * 100.0
    );
    let by_observers = cut(none.hazard, observed.hazard);
    assert!(by_observers < 0.90, "observers alone cut the hazard by {:.0}%: {observed:?}", by_observers * 100.0);
}

#[test]
fn each_soldier_deters_less_than_the_one_before_and_a_token_force_does_little() {
    let troops = [0, 100, 2_500, 5_000, 10_000, 20_000];
    let fire: Vec<f64> =
        troops.iter().map(|&n| if n == 0 { band(&no_mission()) } else { band(&armed(n)) }.true_violations).collect();
    // Violations prevented by each soldier added, from 2,500 troops on.
    let per_soldier: Vec<f64> =
        (2..troops.len()).map(|i| (fire[i - 1] - fire[i]) / (troops[i] - troops[i - 1]) as f64).collect();
    for w in per_soldier.windows(2) {
        assert!(w[1] < w[0], "diminishing returns per soldier: {per_soldier:?} (fire {fire:?})");
    }
    let none = fire[0];
    let fire = &fire[1..];
    let token = cut(none, fire[0]);
    let reference = cut(none, fire[3]);
    assert!(token <= 0.10 * reference, "a token force of 100 cuts {token:.3}, the reference force {reference:.3}");
}

#[test]
fn with_both_sides_near_zero_aggression_the_line_is_quiet() {
    let mut s = observers_only();
    for n in s.nations.iter_mut().filter(|n| n.id == "ukr" || n.id == "rus") {
        n.doctrine.aggression /= 100.0;
    }
    let quiet = band(&s);
    let km: f64 = s.line.sectors.iter().map(|x| x.length_km).sum();
    let per_km_day = quiet.recorded / (km * 30.0 * BAND_TURNS as f64);
    assert!(per_km_day < 0.1, "{per_km_day:.3} recorded violations per km per day on a quiet line");
}

/// True violations per turn, summed over the band's seeds, with `orders` handed in on turn 1.
fn fire_by_turn(s: &Scenario, turns: usize, orders: &[(&str, truce::rules::Order)]) -> Vec<f64> {
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    let mut fire = vec![0.0; turns];
    for seed in BAND_SEEDS {
        let mut game = Game::with_humans(s.clone(), Some(seed), &humans).unwrap();
        for (nation, order) in orders {
            assert!(game.submit(nation, order.clone()).accepted, "{nation}: {order:?}");
        }
        for f in fire.iter_mut() {
            let Some(t) = game.finish_turn() else { break };
            *f += t.violations_true as f64;
        }
    }
    fire
}

#[test]
fn a_bare_recommitment_dips_the_fire_and_it_returns_in_about_two_weeks() {
    // Weekly turns, so that the weeks after the recommitment can be told apart.
    let mut s = observers_only();
    s.turn_days = 7;
    s.turns = 4;
    let recommit = truce::rules::Order::Recommit { measures: false };
    let control = fire_by_turn(&s, 4, &[]);
    let truce = fire_by_turn(&s, 4, &[("ukr", recommit.clone()), ("rus", recommit)]);
    let ratio: Vec<f64> = truce.iter().zip(&control).map(|(t, c)| t / c).collect();
    assert!(ratio[0] < 0.75, "the first week's fire dips: {ratio:?}");
    assert!(ratio[2] > 0.9, "by the third week it is back near its level: {ratio:?}");
}

#[test]
fn a_wider_buffer_zone_means_less_fire_and_fewer_casualties() {
    let mut narrow = observers_only();
    let mut wide = observers_only();
    for x in &mut narrow.line.sectors {
        x.buffer_km = 0.0;
    }
    for x in &mut wide.line.sectors {
        x.buffer_km = 20.0;
    }
    let (n, w) = (band(&narrow), band(&wide));
    assert!(w.true_violations < 0.8 * n.true_violations, "{n:?} vs {w:?}");
    assert!(w.casualties < 0.8 * n.casualties, "{n:?} vs {w:?}");
}

#[test]
fn forest_hides_what_open_ground_shows_and_weakens_deterrence() {
    let with = |terrain| {
        let mut s = armed(REFERENCE);
        s.assets = load("donbas_2019").assets;
        s.mandates.extend(load("donbas_2019").mandates);
        for x in &mut s.line.sectors {
            x.terrain = terrain;
        }
        band(&s)
    };
    let (open, forest) = (with(truce::scenario::model::Terrain::Open), with(truce::scenario::model::Terrain::Forest));
    assert!(
        forest.recorded / forest.true_violations < 0.85 * (open.recorded / open.true_violations),
        "a smaller share is recorded in forest: {open:?} vs {forest:?}"
    );
    assert!(
        forest.true_violations > open.true_violations,
        "the same force deters less in forest: {open:?} vs {forest:?}"
    );
}
