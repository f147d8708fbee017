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
