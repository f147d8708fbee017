//! The line, day by day: violations arise from postures, tension and deterrence; monitors and
//! drones detect them; they are attributed; the mandate decides the response; retaliation and
//! escalation follow; deeper lines of defence engage; past a threshold the ceasefire collapses.

use std::collections::BTreeMap;

use bevy::prelude::*;

use super::conditions::{self, Situation};
use super::{Casualties, Ceasefire, Clock, Escalation, GameSeed, Leaks, Postures, ResolveTurn, Step, Truce, TurnFacts};
use std::borrow::Cow;

use crate::record::{Incident, Name, Responses, Trace};
use crate::rng::{Dice, Purpose};
use crate::scenario::model::{
    AssetKind, ContingentKind, MandateKind, ModelParams, NationFlag, Posture, Response, Severity,
};
use crate::world::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(ResolveTurn, simulate_days.in_set(Step::SimulateDays));
}

/// A belligerent present in a sector.
#[derive(Clone, Debug)]
struct Side {
    nation: Entity,
    key: Name,
    name: Name,
    retaliation: f64,
}

/// A contingent able to respond with force in a sector.
#[derive(Clone, Debug)]
struct Responder {
    contingent: Entity,
    owner: Entity,
    owner_name: String,
    name: String,
    posture: Posture,
    loyalty: Option<(String, f64)>,
    /// When its line of defence engages.
    line: Option<crate::scenario::model::Condition>,
}

/// What the rules need to know of one sector for a turn.
#[derive(Clone, Debug)]
pub struct SectorPicture {
    pub sector: Entity,
    pub name: Name,
    pub length_km: f64,
    pub base_tension: f64,
    sides: Vec<Side>,
    /// Armed, ready peacekeepers standing in the sector (weighted by posture).
    pub peacekeepers: f64,
    pub deterrence: f64,
    /// The strongest mandate in force here: (name, kind, permitted responses by severity).
    mandate: Option<(Name, MandateKind, BTreeMap<Severity, Vec<Response>>)>,
    responders: Vec<Responder>,
    /// Owners of monitors on patrol here (who can be attacked).
    monitors: Vec<Entity>,
    /// Chance that impartial monitoring records a violation here.
    pub detection: f64,
    /// The impartial asset contributing most, in words, for the trace.
    detected_by: Name,
    /// Each belligerent's own chance of seeing a violation here.
    own_detection: BTreeMap<Entity, f64>,
}

/// Something that can see a violation: a contingent's patrols or a monitoring asset.
#[derive(Clone, Copy, Debug)]
enum Detector {
    Patrol(Entity),
    Asset(usize),
}

/// Builds the picture of every sector, in stable order.
pub fn sector_pictures(world: &mut World, turn: u32) -> Vec<SectorPicture> {
    let model = world.resource::<Model>().0.clone();
    let sharing = world.get_resource::<super::IntelSharing>().cloned().unwrap_or_default();
    let mut sectors: Vec<(StableId, Entity, Sector, Forces)> = world
        .query::<(Entity, &StableId, &Sector, &Forces)>()
        .iter(world)
        .map(|(e, s, x, f)| (*s, e, x.clone(), f.clone()))
        .collect();
    sectors.sort_by_key(|(s, ..)| *s);
    let total_sector_km: f64 = sectors.iter().map(|(_, _, x, _)| x.length_km).sum::<f64>().max(1.0);
    let label = |world: &World, e: Entity| world.get::<Label>(e).map_or_else(String::new, |l| l.0.clone());
    let key = |world: &World, e: Entity| world.get::<Key>(e).map_or_else(String::new, |k| k.0.clone());
    let belligerent = |world: &World, e: Entity| world.get::<Nation>(e).is_some_and(|n| n.has(NationFlag::Belligerent));

    // Active mandates in stable order.
    let mut mandates: Vec<(StableId, Entity, Mandate)> =
        world.query::<(Entity, &StableId, &Mandate)>().iter(world).map(|(e, s, m)| (*s, e, m.clone())).collect();
    mandates.sort_by_key(|(s, ..)| *s);
    mandates.retain(|(_, _, m)| conditions::mandate_active(m, world.get::<MandateTemplate>(m.template), turn));

    // Contingents grouped by the sector they stand in, each group in stable order.
    let mut contingents: Vec<(StableId, Entity, Contingent)> =
        world.query::<(Entity, &StableId, &Contingent)>().iter(world).map(|(e, s, c)| (*s, e, c.clone())).collect();
    contingents.sort_by_key(|(s, ..)| *s);
    let mut by_sector: BTreeMap<Entity, Vec<usize>> = BTreeMap::new();
    for (i, (_, _, c)) in contingents.iter().enumerate() {
        if let Some(s) = c.sector {
            by_sector.entry(s).or_default().push(i);
        }
    }
    // Assets with the length of line each one spreads over.
    let mut assets: Vec<(StableId, Entity, MonitoringAsset)> = world
        .query::<(Entity, &StableId, &MonitoringAsset)>()
        .iter(world)
        .map(|(e, s, a)| (*s, e, a.clone()))
        .collect();
    assets.sort_by_key(|(s, ..)| *s);
    let spread: Vec<f64> = assets
        .iter()
        .map(|(_, _, a)| {
            if a.sectors.is_empty() {
                total_sector_km
            } else {
                a.sectors.iter().filter_map(|s| world.get::<Sector>(*s)).map(|s| s.length_km).sum::<f64>().max(0.1)
            }
        })
        .collect();
    let owner_keys: BTreeMap<Entity, String> = contingents
        .iter()
        .map(|(_, _, c)| c.owner)
        .chain(assets.iter().map(|(_, _, a)| a.owner))
        .map(|o| (o, key(world, o)))
        .collect();

    let mut out = Vec::with_capacity(sectors.len());
    for (_, se, sector, forces) in sectors {
        let km = sector.length_km.max(0.1);
        let sides: Vec<Side> = forces
            .0
            .iter()
            .filter(|(_, troops)| *troops > 0)
            .map(|(n, _)| Side {
                nation: *n,
                key: key(world, *n).into(),
                name: label(world, *n).into(),
                retaliation: world.get::<Nation>(*n).map_or(0.0, |x| x.doctrine.retaliation),
            })
            .collect();
        let covering: Vec<&(StableId, Entity, Mandate)> =
            mandates.iter().filter(|(_, _, m)| m.sectors.is_empty() || m.sectors.contains(&se)).collect();
        let strongest = covering
            .iter()
            .filter_map(|(_, me, m)| world.get::<MandateTemplate>(m.template).map(|t| (*me, t.clone())))
            .max_by_key(|(_, t)| t.kind);
        let mandate = strongest.as_ref().map(|(me, t)| (Name::from(label(world, *me)), t.kind, t.responses.clone()));

        let mut peacekeepers = 0.0;
        let mut responders = Vec::new();
        let mut monitors = Vec::new();
        // Every detector's chance here and whose it is.
        let mut detectors: Vec<(f64, Entity, Detector)> = Vec::new();
        for &i in by_sector.get(&se).map_or(&[][..], |v| v.as_slice()) {
            let (_, ce, c) = &contingents[i];
            let ready = c.size as f64 * c.readiness;
            if c.kind.is_armed() && c.kind != ContingentKind::AirSupport && !belligerent(world, c.owner) {
                peacekeepers += ready * if c.posture == Posture::Passive { 0.5 } else { 1.0 };
                if c.mandate.is_some_and(|m| covering.iter().any(|(_, e, _)| *e == m)) {
                    let loyalty = world
                        .get::<Nation>(c.owner)
                        .and_then(|n| n.loyalty_risk.as_ref())
                        .map(|r| (r.leans_to.clone(), r.crisis_defection));
                    let line = world.get::<DefenceLine>(c.line).map(|d| d.engages.clone());
                    responders.push(Responder {
                        contingent: *ce,
                        owner: c.owner,
                        owner_name: label(world, c.owner),
                        name: label(world, *ce),
                        posture: c.posture,
                        loyalty,
                        line,
                    });
                }
            }
            if c.kind == ContingentKind::Monitors {
                monitors.push(c.owner);
            }
            // Passive contingents keep to base and patrol half as much.
            let factor = match c.kind {
                ContingentKind::Monitors | ContingentKind::DroneUnit => 1.0,
                ContingentKind::Infantry | ContingentKind::Mechanised => model.soldier_detection,
                ContingentKind::AirSupport => 0.0,
            } * if c.posture == Posture::Passive { 0.5 } else { 1.0 };
            let coverage = (ready * factor / (model.monitors_per_km_full * km)).min(1.0);
            let p = model.patrol_detection * coverage;
            if p > 0.0 {
                detectors.push((p, c.owner, Detector::Patrol(*ce)));
            }
        }
        for (i, (_, _, a)) in assets.iter().enumerate() {
            if !(a.sectors.is_empty() || a.sectors.contains(&se)) {
                continue;
            }
            let units = a.count as f64 * km / spread[i];
            let (coverage, loss) = asset_coverage(a, units, km, &model);
            let p = a.detection * coverage * (1.0 - loss);
            if a.kind == AssetKind::Monitors {
                monitors.push(a.owner);
            }
            if p > 0.0 {
                detectors.push((p, a.owner, Detector::Asset(i)));
            }
        }
        let combine = |ps: &mut dyn Iterator<Item = f64>| 1.0 - ps.fold(1.0, |acc, p| acc * (1.0 - p));
        let impartial: Vec<&(f64, Entity, Detector)> =
            detectors.iter().filter(|(_, o, _)| !belligerent(world, *o)).collect();
        let detection = combine(&mut impartial.iter().map(|(p, ..)| *p));
        let detected_by = impartial
            .iter()
            .fold(
                None::<&&(f64, Entity, Detector)>,
                |best, x| if best.is_none_or(|b| x.0 > b.0) { Some(x) } else { best },
            )
            .map(|(p, _, d)| {
                let words = match d {
                    Detector::Patrol(c) => format!("{} patrols (p = {p:.2})", label(world, *c)),
                    Detector::Asset(i) => {
                        let a = &assets[*i].2;
                        format!("{} {} (p = {p:.2}{})", label(world, a.owner), asset_words(a.kind), asset_note(a))
                    }
                };
                if impartial.len() > 1 { format!("{words} and {} more", impartial.len() - 1) } else { words }
            })
            .unwrap_or_default()
            .into();
        // Each side sees with its own means and with what others share with it.
        let own_detection = sides
            .iter()
            .map(|side| {
                let mut ps = detectors.iter().filter(|(_, o, _)| {
                    *o == side.nation
                        || owner_keys.get(o).is_some_and(|k| sharing.0.contains(&(k.clone(), side.key.to_string())))
                });
                (side.nation, combine(&mut ps.by_ref().map(|(p, ..)| *p)))
            })
            .collect();
        let bonus = if strongest.as_ref().is_some_and(|(_, t)| t.kind == MandateKind::Enforce) {
            model.enforce_deterrence_bonus
        } else {
            1.0
        };
        let deterrence =
            (model.deterrence_max * (1.0 - libm::exp(-(peacekeepers / km) / model.deterrence_troops_per_km)) * bonus)
                .min(0.95);
        out.push(SectorPicture {
            sector: se,
            name: label(world, se).into(),
            length_km: km,
            base_tension: sector.base_tension,
            sides,
            peacekeepers,
            deterrence,
            mandate,
            responders,
            monitors,
            detection,
            detected_by,
            own_detection,
        });
    }
    out
}

/// An asset's coverage of a sector (0..1) and the share of it lost to jamming or restrictions.
fn asset_coverage(a: &MonitoringAsset, units: f64, km: f64, model: &ModelParams) -> (f64, f64) {
    match a.kind {
        AssetKind::Monitors => (
            (units / (model.monitors_per_km_full * km)).min(1.0),
            (a.restrictions_per_month * model.restriction_loss).min(0.9),
        ),
        AssetKind::ShortRangeDrones | AssetKind::LongRangeDrones => {
            ((units * 100.0 / (model.drones_per_100km_full * km)).min(1.0), a.jamming)
        }
        AssetKind::FixedCameras => ((units * 100.0 / (model.cameras_per_100km_full * km)).min(1.0), 0.0),
        AssetKind::Satellite => ((a.count as f64 / model.satellites_full).min(1.0), 0.0),
    }
}

/// What limits an asset, in words, for the trace.
fn asset_note(a: &MonitoringAsset) -> String {
    if a.kind == AssetKind::Monitors && a.restrictions_per_month > 0.0 {
        format!(", {:.0} movement restrictions a month", a.restrictions_per_month)
    } else if a.kind.is_drone() && a.jamming > 0.0 {
        format!(", jamming {:.0}%", a.jamming * 100.0)
    } else {
        String::new()
    }
}

fn asset_words(k: AssetKind) -> &'static str {
    match k {
        AssetKind::Monitors => "monitors",
        AssetKind::FixedCameras => "cameras",
        AssetKind::ShortRangeDrones => "short-range drones",
        AssetKind::LongRangeDrones => "long-range drones",
        AssetKind::Satellite => "satellites",
    }
}

/// The fire multiplier of a belligerent's recommitment on `day`.
pub fn truce_factor(truce: Option<&Truce>, day: u32, m: &ModelParams) -> f64 {
    match truce {
        Some(t) if day >= t.day => {
            let tau = if t.measures { m.measures_truce_days } else { m.truce_days };
            1.0 - m.truce_depth * libm::exp(-f64::from(day - t.day) / tau)
        }
        _ => 1.0,
    }
}

/// A deeper line of defence with air support that can be called: (name, nations, air units).
struct AirLine {
    name: String,
    condition: crate::scenario::model::Condition,
    air: Vec<(Entity, String)>,
}

/// A trace entry waiting to be written at the end of the days.
enum Pending {
    Incident(Box<Incident>),
    Public(String),
}

type PendingEntry = (u32, Pending);

/// Plays the turn's days on every sector.
pub fn simulate_days(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    if world.resource::<Escalation>().ceasefire == Ceasefire::Collapsed {
        return;
    }
    let model = world.resource::<Model>().0.clone();
    let seed = world.resource::<GameSeed>().0;
    let days = world.resource::<ScenarioInfo>().turn_days;
    let pictures = sector_pictures(world, clock.turn);
    let leaks = world.resource::<Leaks>().0.clone();
    let mut situation: Situation = conditions::assess(world);

    // Deeper lines (depth 3 and beyond) that bring air support.
    let mut air_lines = Vec::new();
    let mut lines: Vec<(u32, String, DefenceLine)> =
        world.query::<(&Label, &DefenceLine)>().iter(world).map(|(l, d)| (d.depth, l.0.clone(), d.clone())).collect();
    lines.sort_by_key(|(d, ..)| *d);
    // The nations the shallower lines hold: the ones deeper lines come in for.
    let defended: std::collections::BTreeSet<Entity> =
        lines.iter().filter(|(depth, ..)| *depth < 3).flat_map(|(_, _, l)| l.nations.iter().copied()).collect();
    let mut contingents = world.query::<(Entity, &StableId, &Contingent, &Label)>();
    let mut all: Vec<(StableId, Entity, Contingent, String)> =
        contingents.iter(world).map(|(e, s, c, l)| (*s, e, c.clone(), l.0.clone())).collect();
    all.sort_by_key(|(s, ..)| *s);
    for (depth, name, line) in &lines {
        if *depth < 3 {
            continue;
        }
        let air = all
            .iter()
            .filter(|(_, _, c, _)| c.kind == ContingentKind::AirSupport && line.nations.contains(&c.owner))
            .map(|(_, e, _, l)| (*e, l.clone()))
            .collect::<Vec<_>>();
        if !air.is_empty() {
            air_lines.push(AirLine { name: name.clone(), condition: line.engages.clone(), air });
        }
    }

    // Per-nation state read once.
    let mut pressure: BTreeMap<(Entity, Entity), f64> = BTreeMap::new();
    let mut truces: BTreeMap<Entity, Truce> = BTreeMap::new();
    for p in &pictures {
        for side in &p.sides {
            let aggression = world.get::<Nation>(side.nation).map_or(0.0, |n| n.doctrine.aggression);
            let posture =
                world.get::<Postures>(side.nation).and_then(|x| x.0.get(&p.sector).copied()).unwrap_or(aggression);
            pressure.insert((side.nation, p.sector), posture);
            if let Some(t) = world.get::<Truce>(side.nation) {
                truces.insert(side.nation, t.clone());
            }
        }
    }
    let mut tension: BTreeMap<Entity, f64> =
        pictures.iter().map(|p| (p.sector, world.get::<Tension>(p.sector).map_or(p.base_tension, |t| t.0))).collect();
    let mut damp: BTreeMap<(Entity, Entity), f64> = BTreeMap::new();
    let mut boost: BTreeMap<(Entity, Entity), f64> = BTreeMap::new();
    let mut casualties: BTreeMap<Entity, u64> = BTreeMap::new();
    let mut contingent_losses: BTreeMap<Entity, i64> = BTreeMap::new();
    let mut escalation = world.resource::<Escalation>().clone();
    let mut facts = world.resource::<TurnFacts>().clone();
    for p in &pictures {
        facts.pictures.insert(p.sector, (p.deterrence, p.detection, p.peacekeepers));
    }
    let mut entries: Vec<PendingEntry> = Vec::new();
    let mut fire = Dice::new(seed, clock.turn, Purpose::Fire, 0);
    let mut detect = Dice::new(seed, clock.turn, Purpose::Detection, 0);
    let mut attribute = Dice::new(seed, clock.turn, Purpose::Attribution, 0);
    let mut loyalty = Dice::new(seed, clock.turn, Purpose::Loyalty, 0);
    let mut retaliate = Dice::new(seed, clock.turn, Purpose::Retaliation, 0);
    let mut hurt = Dice::new(seed, clock.turn, Purpose::Casualties, 0);

    'days: for offset in 0..days {
        let day = clock.day + offset;
        let mut delta_today = 0.0;
        let engaged: Vec<&AirLine> = air_lines.iter().filter(|l| conditions::holds(&l.condition, &situation)).collect();
        let next_boost = std::mem::take(&mut boost);
        for p in &pictures {
            for side in &p.sides {
                let Some(victim) = p.sides.iter().find(|o| o.nation != side.nation) else {
                    continue;
                };
                let t = tension.get(&p.sector).copied().unwrap_or(p.base_tension);
                let push = pressure.get(&(side.nation, p.sector)).copied().unwrap_or(0.0)
                    * truce_factor(truces.get(&side.nation), day, &model)
                    * damp.get(&(side.nation, p.sector)).copied().unwrap_or(1.0)
                    + next_boost.get(&(side.nation, p.sector)).copied().unwrap_or(0.0);
                let lambda = model.shots_per_km_day
                    * p.length_km
                    * (model.tension_floor + (1.0 - model.tension_floor) * t)
                    * push
                    * (1.0 - p.deterrence);
                let n = fire.poisson(lambda);
                if n == 0 {
                    continue;
                }
                // The most serious incident of this side's fire today.
                let mix = &model.severity_mix;
                let weights = [
                    mix.small_arms,
                    mix.artillery * (0.5 + t),
                    mix.drone_strike,
                    mix.incursion * push.min(1.0) * t * 2.0,
                    if p.monitors.is_empty() { 0.0 } else { mix.attack_on_monitors * push.min(1.0) },
                ];
                let severity = pick(&mut fire, &Severity::ALL, &weights);
                facts.next_violation += 1;
                let id = facts.next_violation;

                // Detection: leaked plans let the side they leak to slip past some of it.
                let evasion = 1.0 - leaks.get(&*side.key).copied().unwrap_or(0.0);
                let p_record = p.detection * evasion;
                let recorded = detect.binomial(n, p_record);
                let victim_sees = p.own_detection.get(&victim.nation).map_or(0, |q| detect.binomial(n, *q));
                let witnessed = recorded > 0 || !p.responders.is_empty();
                if recorded > 0 {
                    situation.worst_detected = situation.worst_detected.max(Some(severity));
                    facts.worst_detected = facts.worst_detected.max(Some(severity));
                }

                // Attribution.
                let rate = match p.mandate.as_ref().map(|(_, k, _)| *k) {
                    Some(MandateKind::ObserveReport) => model.attribution_rate.observe,
                    Some(MandateKind::Interpose) => model.attribution_rate.interpose,
                    Some(MandateKind::Enforce) => model.attribution_rate.enforce,
                    None => model.attribution_rate_unmandated,
                };
                let permitted: Responses = p
                    .mandate
                    .as_ref()
                    .and_then(|(_, _, r)| r.get(&severity))
                    .map_or_else(Responses::default, |v| v.as_slice().into());
                let mut attributed: Option<&Side> = None;
                let mut investigated = false;
                if recorded > 0 && attribute.chance(rate) {
                    let right = attribute.chance(model.attribution_accuracy);
                    attributed = Some(if right { side } else { victim });
                }
                if recorded > 0 && attributed.is_none() && permitted.contains(Response::Investigate) {
                    // An investigation names a side more often and more accurately.
                    if attribute.chance(0.8) {
                        attributed = Some(if attribute.chance(0.95) { side } else { victim });
                        investigated = true;
                    }
                }

                // The force's response. What it does is public; what reveals a side (who
                // retaliated, whose own forces fought) is told only to the two sides.
                let mut done: Vec<Cow<'static, str>> = Vec::new();
                let mut sides_done: Vec<String> = Vec::new();
                for r in [Response::Record, Response::ReportPublicly, Response::Protest] {
                    if recorded > 0 && permitted.contains(r) && (r != Response::Protest || attributed.is_some()) {
                        done.push(Cow::Borrowed(r.words()));
                    }
                }
                let mut forceful = false;
                let mut air_used = false;
                let mut secret: Vec<String> = Vec::new();
                let line_ready = engaged.first();
                // Air support asked for here by a nation it defends, against a side it does not.
                let asked_by = (!defended.contains(&side.nation))
                    .then(|| facts.air_support_requested.iter().find(|(s, _)| *s == p.sector).map(|(_, n)| *n))
                    .flatten();
                let victim_asked = asked_by.is_some();
                // A contingent acts only if it is not passive and its line of defence is engaged.
                let acting = p.responders.iter().find(|r| {
                    r.posture != Posture::Passive && r.line.as_ref().is_none_or(|c| conditions::holds(c, &situation))
                });
                if witnessed && let Some(actor) = acting {
                    let crisis = matches!(severity, Severity::Incursion | Severity::AttackOnMonitors);
                    let defects = crisis
                        && actor
                            .loyalty
                            .as_ref()
                            .is_some_and(|(leans, chance)| **leans == *side.key && loyalty.chance(*chance));
                    if defects {
                        done.push(Cow::Owned(format!("{} did not act", actor.name)));
                        secret.push(format!("{} sided with {} instead of acting neutrally", actor.name, side.name));
                        if attributed.is_some() {
                            attributed = Some(victim);
                            secret.push(format!("{} blamed {} for it", actor.owner_name, victim.name));
                        }
                    } else {
                        if severity >= Severity::Incursion
                            && let Some(line) = line_ready
                            && (permitted.contains(Response::CallAirSupport) || victim_asked)
                        {
                            done.push(Cow::Owned(format!("{} engaged: {} struck", line.name, line.air[0].1)));
                            forceful = true;
                            air_used = true;
                        } else if permitted.contains(Response::ReturnFire)
                            && (actor.posture == Posture::Active || severity == Severity::AttackOnMonitors)
                        {
                            done.push(Cow::Owned(format!("{} returned fire", actor.name)));
                            forceful = true;
                        } else if permitted.contains(Response::Interpose) && severity >= Severity::Artillery {
                            done.push(Cow::Owned(format!("{} interposed", actor.name)));
                            forceful = true;
                        }
                        if forceful && !air_used {
                            let base = if severity >= Severity::Incursion {
                                model.lethality.get(severity)
                            } else {
                                n as f64 * model.lethality.get(severity)
                            };
                            let lost = hurt.poisson(0.2 * base);
                            if lost > 0 {
                                *contingent_losses.entry(actor.contingent).or_default() += lost as i64;
                                *casualties.entry(actor.owner).or_default() += lost;
                                facts.casualties += lost;
                                done.push(Cow::Owned(format!("{} lost {lost}", actor.owner_name)));
                            }
                        }
                    }
                } else if severity >= Severity::Incursion
                    && victim_asked
                    && let Some(line) = line_ready
                {
                    // Air support asked for by a nation it defends needs no force on the ground.
                    sides_done.push(format!(
                        "{} engaged at {}'s request: {} struck",
                        line.name,
                        asked_by.and_then(|e| world.get::<Label>(e)).map_or("?", |l| l.0.as_str()),
                        line.air[0].1
                    ));
                    forceful = true;
                    air_used = true;
                }
                if !forceful && severity >= Severity::Incursion {
                    sides_done.push(format!("{}'s own forces (first line of defence) met it", victim.name));
                }

                // Escalation.
                let w = model.escalation.get(severity);
                let publicly_named = attributed.is_some_and(|a| a.nation == side.nation)
                    && (permitted.contains(Response::ReportPublicly) || permitted.contains(Response::Protest));
                let mut delta = if air_used {
                    -w
                } else if forceful {
                    -0.5 * w
                } else if publicly_named {
                    0.5 * w
                } else {
                    w
                };
                if forceful {
                    let d = damp.entry((side.nation, p.sector)).or_insert(1.0);
                    *d *= 0.8;
                }
                if !forceful && retaliate.chance(victim.retaliation * if publicly_named { 0.5 } else { 1.0 }) {
                    *boost.entry((victim.nation, p.sector)).or_default() += 0.5;
                    delta += 0.5 * w;
                    sides_done.push(format!("{} retaliated", victim.name));
                }

                // Casualties.
                let per_incident = severity >= Severity::Incursion;
                let base =
                    if per_incident { model.lethality.get(severity) } else { n as f64 * model.lethality.get(severity) };
                let hit = if severity == Severity::AttackOnMonitors {
                    p.monitors.first().copied().unwrap_or(victim.nation)
                } else {
                    victim.nation
                };
                let mut victims = hurt.poisson(base);
                *casualties.entry(hit).or_default() += victims;
                if severity == Severity::Incursion {
                    let attackers = hurt.poisson(base / 2.0);
                    *casualties.entry(side.nation).or_default() += attackers;
                    victims += attackers;
                }

                delta_today += delta;
                let t_now = tension.entry(p.sector).or_insert(p.base_tension);
                *t_now = (*t_now + model.tension_per_escalation * delta.max(0.0)).clamp(0.0, 1.0);
                let stats = facts.by_sector.entry(p.sector).or_default();
                stats.0 += n;
                stats.1 += recorded;
                stats.2 += 1;
                facts.violations_true += n;
                facts.violations_recorded += recorded;
                facts.casualties += victims;

                // The explanation: its facts now, its sentences when someone reads them.
                entries.push((
                    day,
                    Pending::Incident(Box::new(Incident {
                        id,
                        sector: p.name.clone(),
                        severity,
                        by: side.name.clone(),
                        by_id: side.key.clone(),
                        against: victim.name.clone(),
                        against_id: victim.key.clone(),
                        violations: n,
                        recorded,
                        seen_by_victim: victim_sees,
                        monitoring: p.detected_by.clone(),
                        attributed_to: attributed.map(|a| a.name.clone()),
                        investigated,
                        mandate: p.mandate.as_ref().map(|(name, _, _)| name.clone()),
                        permitted,
                        actions: done,
                        sides_actions: sides_done,
                        secret,
                        escalation: delta,
                    })),
                ));
            }
        }
        // End of day: escalation fades, tensions relax, the ceasefire is judged.
        escalation.level = (escalation.level * (1.0 - model.escalation_decay_per_day) + delta_today).max(0.0);
        for p in &pictures {
            if let Some(t) = tension.get_mut(&p.sector) {
                *t += model.tension_relax_per_day * (p.base_tension - *t);
            }
        }
        situation.escalation = escalation.level;
        let status = if escalation.level >= model.collapse_at {
            Ceasefire::Collapsed
        } else if escalation.level >= model.fraying_at {
            Ceasefire::Fraying
        } else {
            Ceasefire::Holding
        };
        if status != escalation.ceasefire {
            let text = match status {
                Ceasefire::Collapsed => format!(
                    "The ceasefire has collapsed: escalation reached {:.2} (collapse at {:.2}). The game ends in war.",
                    escalation.level, model.collapse_at
                ),
                Ceasefire::Fraying => format!(
                    "The ceasefire is fraying: escalation {:.2} (fraying from {:.2})",
                    escalation.level, model.fraying_at
                ),
                Ceasefire::Holding => format!("The ceasefire holds again: escalation {:.2}", escalation.level),
            };
            entries.push((day, Pending::Public(text)));
            escalation.ceasefire = status;
        }
        if status == Ceasefire::Collapsed {
            situation.collapsed = true;
            break 'days;
        }
    }

    let mut trace = world.resource_mut::<Trace>();
    for (day, entry) in entries {
        match entry {
            Pending::Incident(i) => trace.incident(clock.turn, day, *i),
            Pending::Public(text) => trace.public(clock.turn, day, "ceasefire", text),
        }
    }
    *world.resource_mut::<Escalation>() = escalation;
    *world.resource_mut::<TurnFacts>() = facts;
    for (sector, t) in tension {
        if let Some(mut x) = world.get_mut::<Tension>(sector) {
            x.0 = t;
        }
    }
    world.resource_mut::<TurnFacts>().casualties_by_nation = casualties.clone();
    for (nation, n) in casualties {
        if let Some(mut c) = world.get_mut::<Casualties>(nation) {
            c.0 += n;
        }
    }
    for (contingent, n) in contingent_losses {
        if let Some(mut c) = world.get_mut::<Contingent>(contingent) {
            c.losses += n;
            c.size = (c.size - n).max(1);
        }
    }
}

fn pick<T: Copy>(dice: &mut Dice, items: &[T], weights: &[f64]) -> T {
    let total: f64 = weights.iter().sum();
    let mut x = dice.unit() * total;
    for (item, w) in items.iter().zip(weights) {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[0]
}
