//! How long resolution takes: one turn and a whole bot game of `ukraine_2026`, and a generated
//! large world at three scales. Figures are recorded in docs/performance.md.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use truce::scenario::model::*;
use truce::sim::Game;

fn ukraine() -> Scenario {
    truce::scenario::builtin().expect("the built-in scenario is valid")
}

/// A world of `sectors` sectors of 5 km and `contingents` contingents spread over them, with a
/// monitoring mission, an interposition mandate over the whole line, 30-day turns.
pub fn large_world(sectors: usize, contingents: usize) -> Scenario {
    let mut s: Scenario =
        truce::scenario::parse("tutorial.ron", include_bytes!("../scenarios/tutorial.ron")).expect("tutorial is valid");
    s.id = "large".into();
    s.turn_days = 30;
    s.turns = 4;
    s.injects.clear();
    s.pledges.clear();
    s.contingents.clear();
    s.line.points =
        (0..=sectors).map(|i| GeoPoint { lat: 50.0 - i as f64 * 0.04, lon: 37.0 + (i % 7) as f64 * 0.01 }).collect();
    s.line.length_km = 5.0 * sectors as f64;
    s.line.sectors = (0..sectors)
        .map(|i| Sector {
            id: format!("s{i}"),
            name: format!("Sector {i}"),
            points: (i as u32, i as u32 + 1),
            length_km: 5.0,
            terrain: Terrain::Open,
            buffer_km: 10.0,
            base_tension: 0.2 + 0.6 * ((i * 37) % 100) as f64 / 100.0,
            forces: BTreeMap::from([("ukr".to_string(), 1_000), ("rus".to_string(), 1_500)]),
        })
        .collect();
    for n in &mut s.nations {
        n.pools.troops = 10_000_000;
    }
    s.mandates = vec![Mandate {
        id: "force".into(),
        template: "coalition_reassure".into(),
        authorised_by: "coalition".into(),
        sectors: vec![],
        contributors: vec!["fra".into(), "ita".into()],
        start_turn: 0,
        duration_turns: None,
    }];
    s.contingents = (0..contingents)
        .map(|i| Contingent {
            id: format!("c{i}"),
            owner: if i % 2 == 0 { "fra".into() } else { "ita".into() },
            kind: if i % 5 == 0 { ContingentKind::Monitors } else { ContingentKind::Infantry },
            size: 50 + (i % 13) as i64 * 10,
            line: "line_europe".into(),
            mandate: Some("force".into()),
            sector: Some(format!("s{}", i % sectors)),
            posture: if i % 3 == 0 { Posture::Active } else { Posture::Defensive },
            readiness: 0.9,
            losses: 0,
        })
        .collect();
    s.assets = vec![
        MonitoringAsset {
            id: "mission".into(),
            owner: "ita".into(),
            kind: AssetKind::Monitors,
            count: 2 * sectors as i64,
            mandate: Some("force".into()),
            sectors: vec![],
            detection: 0.4,
            jamming: 0.0,
            restrictions_per_month: 40.0,
        },
        MonitoringAsset {
            id: "drones".into(),
            owner: "fra".into(),
            kind: AssetKind::LongRangeDrones,
            count: sectors as i64 / 10 + 1,
            mandate: None,
            sectors: vec![],
            detection: 0.5,
            jamming: 0.5,
            restrictions_per_month: 0.0,
        },
    ];
    s
}

/// Each iteration builds a fresh game outside the timed part and times the step named; the game
/// is dropped outside it too (a server never drops its world between turns).
fn bench(c: &mut Criterion) {
    let s = ukraine();
    c.bench_function("ukraine_2026: one turn (bots, resolution, reports)", |b| {
        b.iter_batched_ref(
            || Game::new(s.clone(), Some(1)).expect("valid"),
            |g| black_box(g.finish_turn()),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("ukraine_2026: whole 24-turn bot game", |b| {
        b.iter_batched_ref(
            || Game::new(s.clone(), Some(1)).expect("valid"),
            |g| black_box(g.play_out().len()),
            BatchSize::SmallInput,
        )
    });
    let mut group = c.benchmark_group("large world: one 30-day turn");
    group.sample_size(10);
    for scale in [1usize, 10, 100] {
        let world = large_world(20 * scale, 100 * scale);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{scale}x ({} sectors, {} contingents)", 20 * scale, 100 * scale)),
            &world,
            |b, w| {
                b.iter_batched_ref(
                    || Game::new(w.clone(), Some(1)).expect("valid"),
                    |g| black_box(g.finish_turn()),
                    BatchSize::LargeInput,
                )
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
