//! Invariance properties of the line model (the project's issue on sector granularity): what a
//! game produces must not depend on how finely the line is cut into sectors, on the order the
//! sectors are listed in, on how many days a turn covers, nor on a nation that takes no part.
//!
//! Each property compares a shipped scenario with a transformed copy of it, over the same seeds
//! and the same period of days, with every seat idle (no orders: postures stay at doctrine, no bot
//! proposes a mandate, deploys or recommits), so that only the transform differs. The transforms
//! are plain functions from `&Scenario` to a new `Scenario`, reusable by other tests:
//!
//! - [`split_sectors`]: every sector cut into `k` equal parts;
//! - [`reverse_sectors`]: the sectors (and the polyline) listed from the other end;
//! - [`with_turn_days`]: the same calendar played in turns of another length;
//! - [`add_bystander`]: one more nation, which takes no part;
//! - [`controlled`]: the scenario without its scripted events.
//!
//! [`outcomes`] plays a scenario over a range of seeds and returns the means the properties
//! compare, with their standard errors; [`assert_close`] compares two of them within the issue's
//! tolerances. A comparison starts with 24 seeds and doubles them (up to 384) while a figure's
//! difference is within sampling noise of its tolerance: games that end in a collapse make the
//! totals noisy (in `ukraine_2026` nearly every game collapses within the period), and a verdict
//! on too few seeds would be the dice's, not the model's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use truce::scenario::model::{
    AssetKind, Condition, Contingent, Doctrine, DomesticSupport, Effect, GeoPoint, Id, Member, Nation, Pools, Scenario,
    Sector,
};
use truce::scenario::validate::validate;
use truce::scenario::{self};
use truce::sim::Game;

/// Days every comparison covers: a common multiple of the turn lengths compared (7, 14 and 30
/// days: 30 × 7 = 15 × 14 = 7 × 30), and longer than the minimum of 180 days.
const PERIOD_DAYS: u32 = 210;

/// Seeds a comparison starts with (the issue asks for at least 20), and the most it doubles to
/// while its verdict is within sampling noise of the tolerance (see [`compare`]).
const SEEDS_FIRST: u64 = 24;
const SEEDS_MOST: u64 = 384;

/// Seeds the bystander's games are compared over, one by one.
fn seeds() -> Range<u64> {
    0..SEEDS_FIRST
}

/// Means below this (per game) are too small to compare relatively: both tiny is a pass.
const TINY: f64 = 1.0;

/// The tolerances: relative for the means, absolute for P(collapse).
const SPLIT_REL: f64 = 0.10;
const SPLIT_P: f64 = 0.05;
const REVERSE_REL: f64 = 0.05;
const REVERSE_P: f64 = 0.05;
const TURN_REL: f64 = 0.15;
const TURN_P: f64 = 0.15;

const SHIPPED: [&str; 3] = ["tutorial", "donbas_2019", "ukraine_2026"];

fn load(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    scenario::load_file(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------------------------
// Transforms

/// Every id the scenario declares (ids are unique across all kinds of object).
fn all_ids(s: &Scenario) -> BTreeSet<Id> {
    let mut ids = BTreeSet::new();
    for n in &s.nations {
        ids.insert(n.id.clone());
        ids.extend(n.objectives.iter().map(|o| o.id.clone()));
    }
    for i in &s.institutions {
        ids.insert(i.id.clone());
        ids.extend(i.members.iter().filter(|m| matches!(m, Member::Scripted { .. })).map(|m| m.id().to_string()));
    }
    ids.extend(s.mandate_templates.iter().map(|x| x.id.clone()));
    ids.extend(s.mandates.iter().map(|x| x.id.clone()));
    ids.extend(s.line.sectors.iter().map(|x| x.id.clone()));
    ids.extend(s.defence_lines.iter().map(|x| x.id.clone()));
    ids.extend(s.contingents.iter().map(|x| x.id.clone()));
    ids.extend(s.pledges.iter().map(|x| x.id.clone()));
    ids.extend(s.guarantees.iter().map(|x| x.id.clone()));
    ids.extend(s.assets.iter().map(|x| x.id.clone()));
    ids.extend(s.injects.iter().map(|x| x.id.clone()));
    ids
}

/// A new id made of `base` and `suffix`, at most 32 characters, not yet in `taken` (and now in it).
fn fresh_id(base: &str, suffix: &str, taken: &mut BTreeSet<Id>) -> Id {
    for n in 0.. {
        let tail = if n == 0 { suffix.to_string() } else { format!("{suffix}_{n}") };
        let head: String = base.chars().take(32usize.saturating_sub(tail.len())).collect();
        let id = format!("{head}{tail}");
        if taken.insert(id.clone()) {
            return id;
        }
    }
    unreachable!("some suffix is free")
}

/// Part `j` (from 0) of `total` shared out in `k` whole parts that add up to `total`.
fn share(total: i64, k: usize, j: usize) -> i64 {
    let k = k as i64;
    total / k + i64::from((j as i64) < total % k)
}

/// Distance between two points of the polyline, in degrees of latitude (equirectangular): only
/// ratios of it are used, to place the cuts.
fn distance(a: GeoPoint, b: GeoPoint) -> f64 {
    let mid = ((a.lat + b.lat) / 2.0).to_radians();
    ((b.lat - a.lat).powi(2) + ((b.lon - a.lon) * mid.cos()).powi(2)).sqrt()
}

fn lerp(a: GeoPoint, b: GeoPoint, f: f64) -> GeoPoint {
    GeoPoint { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f }
}

fn polyline_length(points: &[GeoPoint]) -> f64 {
    points.windows(2).map(|w| distance(w[0], w[1])).sum()
}

/// Appends the points of `seg` after its first one (already the last of `out`) to `out`, with a
/// point inserted on the polyline at each of the `k - 1` cuts into equal lengths; returns the
/// indices in `out` of the `k + 1` ends of the parts.
fn cut_polyline(seg: &[GeoPoint], k: usize, out: &mut Vec<GeoPoint>) -> Vec<usize> {
    let total = polyline_length(seg);
    let mut ends = vec![out.len() - 1];
    let mut next = 1;
    let mut walked = 0.0;
    let cut = |j: usize| total * j as f64 / k as f64;
    for w in seg.windows(2) {
        let d = distance(w[0], w[1]);
        while next < k && cut(next) < walked + d {
            let f = (cut(next) - walked) / d;
            // A cut on a point of the polyline uses that point (unless it already ends a part).
            if f > 1e-9 || ends.last() == Some(&(out.len() - 1)) {
                out.push(lerp(w[0], w[1], f));
            }
            ends.push(out.len() - 1);
            next += 1;
        }
        out.push(w[1]);
        walked += d;
    }
    // A sector whose points all coincide (or a cut that rounding left at the very end): the
    // remaining parts start on copies of its last point.
    while ends.len() < k {
        let end = *out.last().expect("the sector has points");
        out.insert(out.len() - 1, end);
        ends.push(out.len() - 2);
    }
    ends.push(out.len() - 1);
    ends
}

/// `c` with every turn number mapped by `turn` and every per-turn count by `count`. The match is
/// exhaustive on purpose: no condition names a sector today, and one that is added (or any new
/// turn-indexed one) must be handled here and in [`split_sectors`] before this file compiles.
fn map_condition(c: &Condition, turn: &dyn Fn(u32) -> u32, count: &dyn Fn(i64) -> i64) -> Condition {
    let inner = |c: &Condition| map_condition(c, turn, count);
    match c {
        Condition::FromTurn(t) => Condition::FromTurn(turn(*t)),
        Condition::AtTurn(t) => Condition::AtTurn(turn(*t)),
        Condition::RecordedViolationsAtLeast(n) => Condition::RecordedViolationsAtLeast(count(*n)),
        Condition::All(list) => Condition::All(list.iter().map(inner).collect()),
        Condition::Any(list) => Condition::Any(list.iter().map(inner).collect()),
        Condition::Not(x) => Condition::Not(Box::new(inner(x))),
        Condition::Always
        | Condition::Never
        | Condition::MandateFrom(_)
        | Condition::MandateOfKind(_)
        | Condition::Deployed(_)
        | Condition::GuaranteeAccepted { .. }
        | Condition::EscalationAtLeast(_)
        | Condition::EscalationBelow(_)
        | Condition::CeasefireHolds
        | Condition::ViolationAtLeast(_)
        | Condition::SupportAtLeast { .. }
        | Condition::RelationsAtLeast { .. }
        | Condition::Sanctioned(_)
        | Condition::Leans { .. } => c.clone(),
    }
}

/// Every condition of the scenario (objectives, lines of defence, pledges, inject triggers)
/// rewritten by `f`.
fn map_conditions(s: &mut Scenario, f: &dyn Fn(&Condition) -> Condition) {
    for o in s.nations.iter_mut().flat_map(|n| n.objectives.iter_mut()) {
        o.goal = f(&o.goal);
    }
    for d in &mut s.defence_lines {
        d.engages = f(&d.engages);
    }
    for p in &mut s.pledges {
        p.condition = f(&p.condition);
    }
    for i in &mut s.injects {
        i.trigger = f(&i.trigger);
    }
}

/// Every sector cut into `k` parts of equal length, in place of it along the line.
///
/// Each part has `1/k` of the sector's km and of each side's forces (whole troops, shared out so
/// they add up), and the sector's terrain, buffer and base tension. A contingent standing in the
/// sector is shared out the same way, one per part (its size and losses; nothing else changes).
/// Every list that names the sector (mandates' and assets' sectors) names all its parts instead,
/// so an asset's count spreads over the same km as before; an inject's tension effect on it
/// applies to every part; a pledge, which names one sector, names the first part. No condition
/// names a sector (see [`map_condition`]). The polyline gets a point at each cut, on the line, so
/// the line itself is the same.
fn split_sectors(s: &Scenario, k: usize) -> Scenario {
    assert!(k >= 1, "a sector is cut into at least one part");
    if k == 1 {
        return s.clone();
    }
    let mut taken = all_ids(s);
    let mut out = s.clone();
    let mut points = vec![s.line.points[0]];
    let mut sectors = Vec::new();
    let mut parts: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for x in &s.line.sectors {
        let (a, b) = (x.points.0 as usize, x.points.1 as usize);
        let ends = cut_polyline(&s.line.points[a..=b], k, &mut points);
        let ids: Vec<Id> = (1..=k).map(|j| fresh_id(&x.id, &format!("_{j}"), &mut taken)).collect();
        for (j, id) in ids.iter().enumerate() {
            sectors.push(Sector {
                id: id.clone(),
                name: format!("{} ({} of {k})", x.name, j + 1),
                points: (ends[j] as u32, ends[j + 1] as u32),
                length_km: x.length_km / k as f64,
                terrain: x.terrain,
                buffer_km: x.buffer_km,
                base_tension: x.base_tension,
                forces: x.forces.iter().map(|(n, t)| (n.clone(), share(*t, k, j))).collect(),
            });
        }
        parts.insert(x.id.clone(), ids);
    }
    out.line.points = points;
    out.line.sectors = sectors;

    let all_parts = |list: &[Id]| -> Vec<Id> {
        list.iter().flat_map(|id| parts.get(id).cloned().unwrap_or_else(|| vec![id.clone()])).collect()
    };
    let first_part = |id: &Id| parts.get(id).map_or_else(|| id.clone(), |p| p[0].clone());
    for m in &mut out.mandates {
        m.sectors = all_parts(&m.sectors);
    }
    for a in &mut out.assets {
        a.sectors = all_parts(&a.sectors);
    }
    for p in &mut out.pledges {
        p.sector = first_part(&p.sector);
    }
    for i in &mut out.injects {
        i.effects = i
            .effects
            .iter()
            .flat_map(|e| match e {
                Effect::Tension { sector, delta } => all_parts(std::slice::from_ref(sector))
                    .into_iter()
                    .map(|p| Effect::Tension { sector: p, delta: *delta })
                    .collect(),
                Effect::Support { .. }
                | Effect::Capital { .. }
                | Effect::Relations { .. }
                | Effect::Jamming { .. }
                | Effect::Restrictions { .. }
                | Effect::Aggression { .. } => vec![e.clone()],
            })
            .collect();
    }
    let mut contingents = Vec::new();
    for c in &s.contingents {
        match c.sector.as_ref().and_then(|x| parts.get(x)) {
            // Deployed contingents are never pledged (a pledged one starts at home), and nothing
            // else names a contingent, so new ids break no reference.
            Some(ids) => {
                for (j, sector) in ids.iter().enumerate() {
                    let size = share(c.size, k, j);
                    if size > 0 {
                        contingents.push(Contingent {
                            id: fresh_id(&c.id, &format!("_{}", j + 1), &mut taken),
                            size,
                            losses: share(c.losses, k, j),
                            sector: Some(sector.clone()),
                            ..c.clone()
                        });
                    }
                }
            }
            None => contingents.push(c.clone()),
        }
    }
    out.contingents = contingents;
    out
}

/// The sectors listed from the other end of the line, with the polyline reversed and the sectors'
/// point indices remapped so that they still chain from point 0.
fn reverse_sectors(s: &Scenario) -> Scenario {
    let mut out = s.clone();
    let last = (s.line.points.len() - 1) as u32;
    out.line.points.reverse();
    out.line.sectors.reverse();
    for x in &mut out.line.sectors {
        x.points = (last - x.points.1, last - x.points.0);
    }
    out
}

/// The same calendar in turns of `days` days. The game lasts as many days as before (rounded up
/// to whole turns); every turn number names the new turn that covers the first day of the old one
/// (inject triggers and other conditions `AtTurn`/`FromTurn`, mandates' start turns); every count
/// of turns keeps its days, rounded, at least one (mandate and template durations); a pledge lapses
/// after the new turn at whose end as many days have passed (rounded up); a count of violations
/// per turn (`RecordedViolationsAtLeast`) and the rules' gain per turn (`legitimacy_support`) scale
/// with the turn; a chance per turn (a leak, a bot's recommitment) keeps its chance per day.
/// Political capital per turn is left as it is: whole points, spent only by orders, and the
/// seats here give none.
fn with_turn_days(s: &Scenario, days: u32) -> Scenario {
    assert!((1..=365).contains(&days), "a turn covers 1 to 365 days");
    let old = s.turn_days;
    let ratio = f64::from(days) / f64::from(old);
    let start = move |n: u32| if n == 0 { 0 } else { (n - 1) * old / days + 1 };
    let span = move |n: u32| ((n * old + days / 2) / days).max(1);
    let end = move |n: u32| (n * old).div_ceil(days);
    let count = move |n: i64| (n as f64 * ratio).round() as i64;
    let per_turn_chance = move |p: f64| 1.0 - (1.0 - p).powf(ratio);

    let mut out = s.clone();
    out.turn_days = days;
    out.turns = end(s.turns);
    for t in &mut out.mandate_templates {
        t.duration_turns = span(t.duration_turns);
    }
    for m in &mut out.mandates {
        m.start_turn = start(m.start_turn);
        m.duration_turns = m.duration_turns.map(span);
    }
    for p in &mut out.pledges {
        p.lapses_after_turn = p.lapses_after_turn.map(end);
    }
    map_conditions(&mut out, &|c| map_condition(c, &start, &count));
    for n in &mut out.nations {
        n.doctrine.recommit = per_turn_chance(n.doctrine.recommit);
        if let Some(r) = &mut n.loyalty_risk {
            r.intelligence_leak = per_turn_chance(r.intelligence_leak);
        }
    }
    out.model.legitimacy_support = (out.model.legitimacy_support * ratio).min(1.0);
    out
}

/// One more nation, listed last, which takes no part: not a belligerent, no flags, no troops,
/// drones or capital, no forces, contingents or assets, in no institution, no objectives,
/// relations 0 with everyone (and everyone's with it), alignment 0, the default doctrine.
fn add_bystander(s: &Scenario) -> Scenario {
    let mut out = s.clone();
    let id = fresh_id("bystander", "", &mut all_ids(s));
    out.nations.push(Nation {
        id,
        name: "A bystander".to_string(),
        flags: Vec::new(),
        pools: Pools { troops: 0, drones: 0, capital_per_turn: 0, capital: 0 },
        support: DomesticSupport {
            initial: 0.5,
            withdraw_below: 0.0,
            casualty_sensitivity: 0.0,
            cost_sensitivity: 0.0,
        },
        relations: BTreeMap::new(),
        alignment: 0.0,
        objectives: Vec::new(),
        doctrine: Doctrine::default(),
        loyalty_risk: None,
        refuses: Vec::new(),
    });
    out
}

/// The scenario without what would make a run depend on anything but the line: no injects (their
/// triggers are judged once a turn, so they would fire on other days when turns change length).
/// Mandates, contingents and assets stay as the file has them: every seat is idle in these runs,
/// so no bot proposes a mission, deploys or recommits.
fn controlled(s: &Scenario) -> Scenario {
    let mut out = s.clone();
    out.injects.clear();
    out
}

// ---------------------------------------------------------------------------------------------
// Running games

/// What one game produced over the period.
#[derive(Clone, Debug, Default, PartialEq)]
struct Run {
    true_violations: u64,
    recorded: u64,
    casualties: u64,
    collapsed: bool,
    /// Days played (less than the period only if the ceasefire collapsed).
    days: u32,
    /// Escalation at the end of the last turn played.
    escalation: f64,
}

/// Plays `s` with every seat idle for `days` days (the game is made long enough), or until the
/// ceasefire collapses.
fn play(s: &Scenario, seed: u64, days: u32) -> Run {
    assert!(days.is_multiple_of(s.turn_days), "{days} days are not a whole number of {}-day turns", s.turn_days);
    let mut s = s.clone();
    s.turns = s.turns.max(days / s.turn_days);
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    let mut game = Game::with_humans(s, Some(seed), &humans).unwrap_or_else(|p| panic!("invalid scenario: {p:?}"));
    let mut run = Run::default();
    while run.days < days {
        let Some(t) = game.finish_turn() else { break };
        run.true_violations += t.violations_true;
        run.recorded += t.violations_recorded;
        run.casualties += t.casualties;
        run.days += t.days;
        run.escalation = t.escalation;
        if t.ceasefire == "collapsed" {
            run.collapsed = true;
            break;
        }
    }
    run
}

fn runs(s: &Scenario, seeds: Range<u64>, days: u32) -> Vec<Run> {
    seeds.map(|seed| play(s, seed, days)).collect()
}

/// Means over seeds of what a game produced over the period.
#[derive(Clone, Debug, PartialEq)]
struct Outcomes {
    true_violations: f64,
    recorded: f64,
    casualties: f64,
    /// Share of the seeds in which the ceasefire collapsed.
    p_collapse: f64,
    /// Standard errors of the four means above, in that order (the seed-to-seed spread over the
    /// square root of the number of seeds): how far sampling alone moves them.
    stderr: [f64; 4],
    seeds: usize,
}

impl Outcomes {
    fn of(runs: &[Run]) -> Outcomes {
        let n = runs.len().max(1) as f64;
        let figures = |r: &Run| {
            [r.true_violations as f64, r.recorded as f64, r.casualties as f64, f64::from(u8::from(r.collapsed))]
        };
        let mut mean = [0.0; 4];
        for r in runs {
            for (m, x) in mean.iter_mut().zip(figures(r)) {
                *m += x / n;
            }
        }
        let mut stderr = [0.0; 4];
        for r in runs {
            for ((s, x), m) in stderr.iter_mut().zip(figures(r)).zip(mean) {
                *s += (x - m).powi(2);
            }
        }
        let stderr = stderr.map(|ss| (ss / (n - 1.0).max(1.0)).sqrt() / n.sqrt());
        Outcomes {
            true_violations: mean[0],
            recorded: mean[1],
            casualties: mean[2],
            p_collapse: mean[3],
            stderr,
            seeds: runs.len(),
        }
    }

    fn means(&self) -> [f64; 4] {
        [self.true_violations, self.recorded, self.casualties, self.p_collapse]
    }
}

impl fmt::Display for Outcomes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [t, r, c, p] = self.means();
        let [st, sr, sc, sp] = self.stderr;
        write!(
            f,
            "true violations {t:.0} ± {st:.0}, recorded {r:.0} ± {sr:.0}, casualties {c:.1} ± {sc:.1}, \
             P(collapse) {p:.3} ± {sp:.3} (mean ± standard error, {} seeds)",
            self.seeds
        )
    }
}

/// `s` played over `seeds` for `days` days, every seat idle.
fn outcomes(s: &Scenario, seeds: Range<u64>, days: u32) -> Outcomes {
    Outcomes::of(&runs(s, seeds, days))
}

/// The outcomes of a shipped scenario as it stands, over the period and the first `n` seeds:
/// computed once for all the tests that compare with it.
fn shipped_outcomes(name: &'static str, n: u64) -> Outcomes {
    type Cells = BTreeMap<(&'static str, u64), &'static OnceLock<Outcomes>>;
    static CACHE: OnceLock<Mutex<Cells>> = OnceLock::new();
    let cell = *CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((name, n))
        .or_insert_with(|| Box::leak(Box::default()));
    cell.get_or_init(|| outcomes(&load(name), 0..n, PERIOD_DAYS)).clone()
}

/// What is wrong with `variant` against `base`: each mean within `rel_tol` of the base's
/// (relative; two means both below [`TINY`] pass), P(collapse) within `abs_tol_p` (absolute).
/// Each complaint also gives the sampling noise of the difference (two standard errors), so that
/// a reader can tell a change in the model from too few seeds.
fn differences(base: &Outcomes, variant: &Outcomes, rel_tol: f64, abs_tol_p: f64) -> Vec<String> {
    let mut wrong = Vec::new();
    let names = ["true violations", "recorded violations", "casualties"];
    let (b, v) = (base.means(), variant.means());
    let noise: Vec<f64> = base.stderr.iter().zip(variant.stderr).map(|(x, y)| 2.0 * (x * x + y * y).sqrt()).collect();
    for i in 0..3 {
        if b[i] < TINY && v[i] < TINY {
            continue;
        }
        let scale = b[i].abs().max(f64::MIN_POSITIVE);
        let rel = (v[i] - b[i]) / scale;
        if rel.abs() > rel_tol {
            wrong.push(format!(
                "{} {:.1} → {:.1} ({:+.1}%, allowed ±{:.0}%; sampling noise ±{:.1}%)",
                names[i],
                b[i],
                v[i],
                rel * 100.0,
                rel_tol * 100.0,
                noise[i] / scale * 100.0
            ));
        }
    }
    let dp = v[3] - b[3];
    if dp.abs() > abs_tol_p {
        wrong.push(format!(
            "P(collapse) {:.3} → {:.3} ({dp:+.3}, allowed ±{abs_tol_p:.2}; sampling noise ±{:.3})",
            b[3], v[3], noise[3]
        ));
    }
    wrong
}

/// Panics, naming every figure out of tolerance and printing both outcomes, unless `variant` is
/// close to `base` (see [`differences`]).
fn assert_close(what: &str, base: &Outcomes, variant: &Outcomes, rel_tol: f64, abs_tol_p: f64) {
    let wrong = differences(base, variant, rel_tol, abs_tol_p);
    assert!(wrong.is_empty(), "{what}: {}\n    base:    {base}\n    variant: {variant}", wrong.join("; "));
}

/// Whether some figure of `variant` is within sampling noise (two standard errors of the
/// difference) of its tolerance, on either side: then the verdict would be the seeds', not the
/// model's.
fn undecided(base: &Outcomes, variant: &Outcomes, rel_tol: f64, abs_tol_p: f64) -> bool {
    let (b, v) = (base.means(), variant.means());
    (0..4).any(|i| {
        let noise = 2.0 * base.stderr[i].hypot(variant.stderr[i]);
        if i == 3 {
            ((v[i] - b[i]).abs() - abs_tol_p).abs() < noise
        } else if b[i] < TINY && v[i] < TINY {
            false
        } else {
            let scale = b[i].abs().max(f64::MIN_POSITIVE);
            ((v[i] - b[i]).abs() / scale - rel_tol).abs() < noise / scale
        }
    })
}

/// Compares each variant with the base over the period: over the first [`SEEDS_FIRST`] seeds,
/// doubled (up to [`SEEDS_MOST`]) while some verdict is [`undecided`]. Prints every outcome first
/// (a failing test shows its output), then asserts each variant close to the base.
fn compare(what: &str, base: &dyn Fn(u64) -> Outcomes, variants: &[(String, Scenario)], rel_tol: f64, abs_tol_p: f64) {
    let started = std::time::Instant::now();
    let mut n = SEEDS_FIRST;
    // Each round plays the variants again from seed 0: at most twice the games of the last round.
    let (b, vs) = loop {
        let b = base(n);
        let vs: Vec<(&str, Outcomes)> =
            variants.iter().map(|(name, s)| (name.as_str(), outcomes(s, 0..n, PERIOD_DAYS))).collect();
        if n >= SEEDS_MOST || !vs.iter().any(|(_, v)| undecided(&b, v, rel_tol, abs_tol_p)) {
            break (b, vs);
        }
        n = (2 * n).min(SEEDS_MOST);
    };
    println!("{what}, over {PERIOD_DAYS} days ({:.1} s):\n    {:<20} {b}", started.elapsed().as_secs_f64(), "base");
    for (name, v) in &vs {
        let verdict = if differences(&b, v, rel_tol, abs_tol_p).is_empty() { "ok" } else { "OUT" };
        let noisy = if undecided(&b, v, rel_tol, abs_tol_p) { ", within noise of the tolerance" } else { "" };
        println!("    {name:<20} {v}  [{verdict}{noisy}]");
    }
    for (name, v) in &vs {
        assert_close(&format!("{what}, {name}"), &b, v, rel_tol, abs_tol_p);
    }
}

// ---------------------------------------------------------------------------------------------
// The properties

fn splitting_changes_little(name: &'static str) {
    let s = load(name);
    let variants: Vec<(String, Scenario)> =
        [2, 4].into_iter().map(|k| (format!("every sector in {k}"), split_sectors(&s, k))).collect();
    compare(&format!("{name}: splitting sectors"), &|n| shipped_outcomes(name, n), &variants, SPLIT_REL, SPLIT_P);
}

fn reversing_changes_little(name: &'static str) {
    let s = load(name);
    let variants = vec![("sectors reversed".to_string(), reverse_sectors(&s))];
    compare(&format!("{name}: reversing sectors"), &|n| shipped_outcomes(name, n), &variants, REVERSE_REL, REVERSE_P);
}

/// Run on the controlled scenario: inject triggers are judged once a turn (a trigger such as
/// `EscalationAtLeast` would fire on other days with other turns), which is the scripting's
/// granularity, not the line model's. Every other turn-indexed field is rescaled by
/// `with_turn_days`.
fn turn_length_changes_little(name: &'static str) {
    let s = controlled(&load(name));
    let variants: Vec<(String, Scenario)> = [7, 14, 30]
        .into_iter()
        .filter(|d| *d != s.turn_days)
        .map(|d| (format!("{d}-day turns"), with_turn_days(&s, d)))
        .collect();
    compare(
        &format!("{name} without injects: {}-day turns against others", s.turn_days),
        &|n| outcomes(&s, 0..n, PERIOD_DAYS),
        &variants,
        TURN_REL,
        TURN_P,
    );
}

/// Identical per seed, whether the bystander is listed last or first (first moves every other
/// object's place in the scenario, which is its stable id).
fn bystander_changes_nothing(name: &'static str) {
    let s = load(name);
    let base = runs(&s, seeds(), PERIOD_DAYS);
    let last = add_bystander(&s);
    let mut first = last.clone();
    first.nations.rotate_right(1);
    for (place, variant) in [("listed last", &last), ("listed first", &first)] {
        let other = runs(variant, seeds(), PERIOD_DAYS);
        for (seed, (a, b)) in seeds().zip(base.iter().zip(&other)) {
            assert_eq!(a, b, "{name}, seed {seed}: a bystander {place} changed the game");
        }
    }
}

macro_rules! properties {
    ($($name:ident),*) => {$(
        mod $name {
            #[test]
            fn splitting_every_sector_in_2_or_4_changes_little() {
                super::splitting_changes_little(stringify!($name));
            }

            #[test]
            fn reversing_the_order_of_the_sectors_changes_little() {
                super::reversing_changes_little(stringify!($name));
            }

            #[test]
            fn turns_of_7_14_or_30_days_change_little() {
                super::turn_length_changes_little(stringify!($name));
            }

            #[test]
            fn a_nation_that_takes_no_part_changes_nothing() {
                super::bystander_changes_nothing(stringify!($name));
            }
        }
    )*};
}

properties!(tutorial, donbas_2019, ukraine_2026);

// ---------------------------------------------------------------------------------------------
// The transforms themselves

fn sector_km(s: &Scenario) -> f64 {
    s.line.sectors.iter().map(|x| x.length_km).sum()
}

/// Troops on the line, by nation.
fn forces(s: &Scenario) -> BTreeMap<Id, i64> {
    let mut m = BTreeMap::new();
    for (n, t) in s.line.sectors.iter().flat_map(|x| &x.forces) {
        *m.entry(n.clone()).or_default() += t;
    }
    m
}

/// Contingent troops by owner: (all, deployed on the line).
fn contingent_troops(s: &Scenario) -> BTreeMap<Id, (i64, i64)> {
    let mut m = BTreeMap::new();
    for c in &s.contingents {
        let e: &mut (i64, i64) = m.entry(c.owner.clone()).or_default();
        e.0 += c.size;
        e.1 += if c.sector.is_some() { c.size } else { 0 };
    }
    m
}

fn asset_counts(s: &Scenario) -> BTreeMap<(Id, AssetKind), i64> {
    let mut m = BTreeMap::new();
    for a in &s.assets {
        *m.entry((a.owner.clone(), a.kind)).or_default() += a.count;
    }
    m
}

/// Km of line each asset and each mandate covers (an empty list is the whole line).
fn coverage_km(s: &Scenario) -> Vec<(String, f64)> {
    let km = |list: &[Id]| -> f64 {
        if list.is_empty() {
            sector_km(s)
        } else {
            s.line.sectors.iter().filter(|x| list.contains(&x.id)).map(|x| x.length_km).sum()
        }
    };
    let assets = s.assets.iter().map(|a| (format!("asset {}", a.id), km(&a.sectors)));
    assets.chain(s.mandates.iter().map(|m| (format!("mandate {}", m.id), km(&m.sectors)))).collect()
}

/// Whether `small` appears in `big` in order (not necessarily together).
fn subsequence(small: &[GeoPoint], big: &[GeoPoint]) -> bool {
    let mut it = big.iter();
    small.iter().all(|p| it.any(|q| q == p))
}

#[test]
fn every_transform_gives_a_valid_scenario_with_the_same_line() {
    for name in SHIPPED {
        let s = load(name);
        let c = controlled(&s);
        let mut transforms: Vec<(String, Scenario)> = vec![
            ("split in 2".into(), split_sectors(&s, 2)),
            ("split in 4".into(), split_sectors(&s, 4)),
            ("split in 3 twice".into(), split_sectors(&split_sectors(&s, 3), 3)),
            ("reversed".into(), reverse_sectors(&s)),
            ("reversed, split in 4".into(), split_sectors(&reverse_sectors(&s), 4)),
            ("bystander".into(), add_bystander(&s)),
            ("controlled".into(), c.clone()),
        ];
        for d in [1, 7, 14, 30, 90] {
            transforms.push((format!("{d}-day turns"), with_turn_days(&s, d)));
            transforms.push((format!("controlled, {d}-day turns"), with_turn_days(&c, d)));
        }
        for (what, t) in &transforms {
            let problems = validate(t);
            assert!(problems.is_empty(), "{name}, {what}: the transform is invalid: {problems:#?}");
            let line = &t.line;
            assert_eq!(line.length_km, s.line.length_km, "{name}, {what}: the line's length");
            assert!((sector_km(t) - sector_km(&s)).abs() < 1e-6, "{name}, {what}: the sectors' km");
            let (before, after) = (polyline_length(&s.line.points), polyline_length(&line.points));
            // Cut points lie on straight segments in latitude and longitude, which `distance`
            // measures with the cosine of each segment's own middle: equal to within 1e-6.
            assert!((after - before).abs() < 1e-6 * before, "{name}, {what}: the polyline's length {before} → {after}");
            // With the same length, the old points in order (or in reverse) leave no room for a
            // new point off the line.
            let mut reversed = s.line.points.clone();
            reversed.reverse();
            assert!(
                subsequence(&s.line.points, &line.points) || subsequence(&reversed, &line.points),
                "{name}, {what}: the polyline's points"
            );
            assert_eq!(forces(t), forces(&s), "{name}, {what}: the forces of each side");
            assert_eq!(contingent_troops(t), contingent_troops(&s), "{name}, {what}: the contingents' troops");
            assert_eq!(asset_counts(t), asset_counts(&s), "{name}, {what}: the assets' counts");
            for ((id, a), (_, b)) in coverage_km(&s).iter().zip(coverage_km(t)) {
                assert!((a - b).abs() < 1e-6, "{name}, {what}: {id} covers {a} km, then {b}");
            }
            assert!(t.turns * t.turn_days >= s.turns * s.turn_days, "{name}, {what}: the game is shorter");
        }
        for k in [2, 4] {
            let t = split_sectors(&s, k);
            assert_eq!(t.line.sectors.len(), k * s.line.sectors.len(), "{name}: split in {k}: the number of sectors");
        }
    }
}

/// A deployed contingent is shared out among the parts of its sector; the transforms are checked
/// on a scenario that has one (the shipped ones start with every contingent at home).
#[test]
fn splitting_shares_out_a_deployed_contingent() {
    let mut s = load("tutorial");
    s.pledges.retain(|p| p.contingent != "ita_obs");
    s.contingents.iter_mut().find(|c| c.id == "ita_obs").unwrap().sector = Some("south".into());
    for k in [2, 3, 4] {
        let t = split_sectors(&s, k);
        assert!(validate(&t).is_empty(), "split in {k}: {:#?}", validate(&t));
        let parts: Vec<&Contingent> = t.contingents.iter().filter(|c| c.id.starts_with("ita_obs")).collect();
        assert_eq!(parts.len(), k, "split in {k}: one contingent per part");
        assert_eq!(parts.iter().map(|c| c.size).sum::<i64>(), 200);
        assert_eq!(contingent_troops(&t), contingent_troops(&s));
    }
}
