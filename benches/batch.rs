//! What `truce batch` costs: throughput on 1 and 2 threads, the overhead per game against the
//! same games played in-process one after another, and memory over 10,000 games (`--memory`).
//! Figures are recorded in docs/performance.md.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use truce::analysis::batch::{Design, Plan, Running, play, run};
use truce::scenario::Scenario;

fn tutorial() -> Scenario {
    truce::scenario::parse("tutorial.ron", include_bytes!("../scenarios/tutorial.ron")).expect("tutorial is valid")
}

fn plan(games: u64) -> Plan {
    Plan {
        engine: truce::analysis::Engine::this(),
        scenario_id: "tutorial".into(),
        scenario_file: "scenarios/tutorial.ron".into(),
        scenario_sha256: String::new(),
        command: format!("truce batch scenarios/tutorial.ron --seeds {games}"),
        design: Design::factorial(&[]),
        first_seed: 1,
        last_seed: games,
        policies: Vec::new(),
        turns: None,
        per_turn: false,
    }
}

const GAMES: u64 = 64;

fn batch_throughput(c: &mut Criterion) {
    let base = tutorial();
    let out = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    for threads in [1usize, 2] {
        group.bench_function(format!("{GAMES} tutorial games, {threads} thread(s)"), |b| {
            let running = Running { shard: None, threads: Some(threads), progress: false };
            b.iter(|| run(&plan(GAMES), &base, &running, out.path()).unwrap())
        });
    }
    group.bench_function(format!("{GAMES} tutorial games in-process, one after another"), |b| {
        b.iter(|| {
            for seed in 1..=GAMES {
                black_box(play(base.clone(), seed, base.turns, &[]).unwrap());
            }
        })
    });
    group.finish();
}

/// Resident memory now and at its peak, in KiB (Linux).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Plays 10,000 games in batches of 1,000 and prints memory after each: it must stay flat.
fn memory_over_ten_thousand_games() {
    let base = tutorial();
    let out = tempfile::tempdir().unwrap();
    let running = Running { shard: None, threads: None, progress: false };
    let started = Instant::now();
    println!("games  rss_kib  peak_kib  seconds");
    for k in 1..=10u64 {
        let mut p = plan(1000);
        p.first_seed = (k - 1) * 1000 + 1;
        p.last_seed = k * 1000;
        run(&p, &base, &running, out.path()).unwrap();
        let (rss, peak) = memory_kib();
        println!("{:>5}  {rss:>7}  {peak:>8}  {:>7.1}", k * 1000, started.elapsed().as_secs_f64());
    }
}

criterion_group!(benches, batch_throughput);

fn main() {
    if std::env::args().any(|a| a == "--memory") {
        memory_over_ten_thousand_games();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
