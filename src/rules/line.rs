//! The line, day by day, in the stages of the rule book (docs/rules.md §6–7): each sector's
//! picture, then each belligerent's fire, its detection, its attribution, the force's response,
//! retaliation, escalation and casualties; then the ceasefire is judged. Every quantity is a rate per km and per day and every memory a decay in
//! days, so that how a scenario cuts the line or the calendar does not change what happens.

use std::borrow::Cow;
use std::collections::BTreeMap;

use bevy::prelude::*;

use super::conditions::{self, Situation};
use super::guarantees::{self, Backing};
use super::{Casualties, Ceasefire, Clock, Escalation, GameSeed, Leaks, Postures, ResolveTurn, Step, Truce, TurnFacts};
use crate::record::{Answers, Incident, Means, Name, Notes, Parties, Party, Place, Responses, Trace};
use crate::rng::{Dice, Purpose};
use crate::scenario::model::{
    AssetKind, ContingentKind, MandateKind, ModelParams, NationFlag, Posture, Response, Severity,
};
use crate::world::*;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<LineMemory>().add_systems(ResolveTurn, simulate_days.in_set(Step::SimulateDays));
}

/// Severities in `Severity::ALL` order; counts of violations are kept in this order.
const SEVERITIES: usize = 5;
/// Position of the first rare event (incursions, then attacks on monitors) in that order.
const FIRST_EVENT: usize = 3;
const ATTACK_ON_MONITORS: usize = 4;
type Counts = [u64; SEVERITIES];

fn total(c: &Counts) -> u64 {
    c.iter().sum()
}

/// A belligerent present in a sector.
#[derive(Clone, Debug)]
struct Side {
    nation: Entity,
    key: Name,
    name: Name,
    retaliation: f64,
    /// Its own chance of seeing a violation here (its patrols and assets, and what is shared
    /// with it).
    sees: f64,
    /// What its accepted guarantees give it, by position in the turn's backing, if any.
    backed: Option<usize>,
}

/// A contingent able to respond with force in a sector.
#[derive(Clone, Debug)]
struct Responder {
    contingent: Entity,
    owner: Entity,
    owner_name: Name,
    name: Name,
    posture: Posture,
    /// Armed, ready troops.
    ready: f64,
    loyalty: Option<(String, f64)>,
    /// Its line of defence, which decides when it engages.
    line: Option<Entity>,
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
    /// The strongest mandate in force here: its name and kind.
    mandate: Option<(Name, MandateKind)>,
    /// What it permits for each severity, in `Severity::ALL` order (nothing without a mandate).
    permitted: [Responses; SEVERITIES],
    responders: Vec<Responder>,
    /// Owners of monitors on patrol here (who can be attacked).
    monitors: Vec<Entity>,
    /// Chance that impartial monitoring records a violation here.
    pub detection: f64,
    /// The impartial detector that sees most, with its chance, and how many others there are:
    /// put into words for the trace.
    detected_by: Option<(f64, Detector, usize)>,
    /// Share of each severity's fire that crosses the buffer zone.
    contact: [f64; SEVERITIES],
}

/// Something that can see a violation: a contingent's patrols or a monitoring asset.
#[derive(Clone, Copy, Debug)]
enum Detector {
    Patrol(Entity),
    Asset(Entity),
}

/// What every sector's picture is drawn from, read once.
struct Ground<'b> {
    model: ModelParams,
    sharing: super::IntelSharing,
    /// Active mandates in stable order.
    mandates: Vec<(Entity, Mandate)>,
    contingents: Vec<(Entity, Contingent)>,
    by_sector: BTreeMap<Entity, Vec<usize>>,
    assets: Vec<(Entity, MonitoringAsset)>,
    /// Length of line each asset spreads over.
    spread: Vec<f64>,
    owner_keys: BTreeMap<Entity, String>,
    /// Every nation's id and name, shared by all the sectors that mention it.
    nations: BTreeMap<Entity, (Name, Name)>,
    /// What each recipient's accepted guarantees give it (§5.6).
    backing: &'b [(Entity, Backing)],
}

fn label(world: &World, e: Entity) -> String {
    world.get::<Label>(e).map_or_else(String::new, |l| l.0.clone())
}

/// An entity's name, shared.
fn name_of(world: &World, e: Entity) -> Name {
    world.get::<Label>(e).map_or_else(|| Name::from(""), |l| Name::from(l.0.as_str()))
}

fn key(world: &World, e: Entity) -> String {
    world.get::<Key>(e).map_or_else(String::new, |k| k.0.clone())
}

fn belligerent(world: &World, e: Entity) -> bool {
    world.get::<Nation>(e).is_some_and(|n| n.has(NationFlag::Belligerent))
}

impl<'b> Ground<'b> {
    /// A nation's id and name.
    fn names(&self, world: &World, n: Entity) -> (Name, Name) {
        self.nations.get(&n).cloned().unwrap_or_else(|| (key(world, n).into(), label(world, n).into()))
    }

    fn read(world: &mut World, turn: u32, total_km: f64, backing: &'b [(Entity, Backing)]) -> Ground<'b> {
        let mut mandates = in_stable_order::<Mandate>(world);
        mandates.retain(|(_, m)| conditions::mandate_active(m, world.get::<MandateTemplate>(m.template), turn));
        let contingents = in_stable_order::<Contingent>(world);
        let mut by_sector: BTreeMap<Entity, Vec<usize>> = BTreeMap::new();
        for (i, (_, c)) in contingents.iter().enumerate() {
            if let Some(s) = c.sector {
                by_sector.entry(s).or_default().push(i);
            }
        }
        // An asset serving under a mandate watches only while that mandate is in force.
        let mut assets = in_stable_order::<MonitoringAsset>(world);
        assets.retain(|(_, a)| a.mandate.is_none_or(|m| mandates.iter().any(|(e, _)| *e == m)));
        // A nation flies at most the drones of its pool, its assets served in file order.
        let mut left: BTreeMap<Entity, i64> = BTreeMap::new();
        for (_, a) in assets.iter_mut().filter(|(_, a)| a.kind.is_drone()) {
            let pool = world.get::<Nation>(a.owner).map_or(i64::MAX, |n| n.pools.drones);
            let left = left.entry(a.owner).or_insert(pool);
            a.count = a.count.min(*left).max(0);
            *left -= a.count;
        }
        let spread = assets
            .iter()
            .map(|(_, a)| {
                if a.sectors.is_empty() {
                    total_km
                } else {
                    a.sectors.iter().filter_map(|s| world.get::<Sector>(*s)).map(|s| s.length_km).sum::<f64>().max(0.1)
                }
            })
            .collect();
        let owner_keys = contingents
            .iter()
            .map(|(_, c)| c.owner)
            .chain(assets.iter().map(|(_, a)| a.owner))
            .map(|o| (o, key(world, o)))
            .collect();
        let nations = world
            .query_filtered::<(Entity, &Key, &Label), With<Nation>>()
            .iter(world)
            .map(|(e, k, l)| (e, (Name::from(k.0.as_str()), Name::from(l.0.as_str()))))
            .collect();
        Ground {
            backing,
            nations,
            model: world.resource::<Model>().0.clone(),
            sharing: world.get_resource::<super::IntelSharing>().cloned().unwrap_or_default(),
            mandates,
            contingents,
            by_sector,
            assets,
            spread,
            owner_keys,
        }
    }
}

/// Builds the picture of every sector, in stable order.
pub fn sector_pictures(world: &mut World, turn: u32) -> Vec<SectorPicture> {
    let backing = backing_in_order(world);
    pictures_with(world, turn, &backing)
}

/// What every recipient's accepted guarantees give it, in a fixed order the sides refer to.
fn backing_in_order(world: &mut World) -> Vec<(Entity, Backing)> {
    guarantees::backing(world).into_iter().collect()
}

/// The pictures, with the turn's backing already read.
fn pictures_with(world: &mut World, turn: u32, backing: &[(Entity, Backing)]) -> Vec<SectorPicture> {
    let sectors: Vec<(Entity, Sector)> = in_stable_order::<Sector>(world);
    let total_km: f64 = sectors.iter().map(|(_, x)| x.length_km).sum::<f64>().max(1.0);
    let ground = Ground::read(world, turn, total_km, backing);
    sectors.into_iter().map(|(se, sector)| picture(world, &ground, se, &sector)).collect()
}

/// §6.1 The sector's picture: its sides, its mandate, the force and the monitoring on it, the
/// deterrence the force gives, and how much fire crosses the buffer zone.
fn picture(world: &World, g: &Ground, se: Entity, sector: &Sector) -> SectorPicture {
    let m = &g.model;
    let km = sector.length_km.max(0.1);
    let mut sides = sides_in(world, g, se);
    let covering: Vec<Entity> =
        g.mandates.iter().filter(|(_, x)| x.sectors.is_empty() || x.sectors.contains(&se)).map(|(e, _)| *e).collect();
    let strongest = covering
        .iter()
        .filter_map(|me| {
            let mandate = g.mandates.iter().find(|(e, _)| e == me).map(|(_, x)| x)?;
            world.get::<MandateTemplate>(mandate.template).map(|t| (*me, t))
        })
        .max_by_key(|(_, t)| t.kind);
    let mandate = strongest.as_ref().map(|(me, t)| (name_of(world, *me), t.kind));
    let permitted = Severity::ALL.map(|s| {
        strongest
            .as_ref()
            .and_then(|(_, t)| t.responses.get(&s))
            .map_or_else(Responses::default, |r| r.as_slice().into())
    });
    let (peacekeepers, responders, mut monitors, mut detectors) = forces_in(world, g, se, km, &covering);
    for (i, (_, a)) in g.assets.iter().enumerate() {
        if !(a.sectors.is_empty() || a.sectors.contains(&se)) {
            continue;
        }
        let units = a.count as f64 * km / g.spread[i];
        let (coverage, loss) = asset_coverage(a, units, km, m);
        let p = a.detection * coverage * (1.0 - loss);
        if a.kind == AssetKind::Monitors {
            monitors.push(a.owner);
        }
        if p > 0.0 {
            detectors.push((p, a.owner, Detector::Asset(g.assets[i].0)));
        }
    }
    // The ground hides or reveals: every detector sees as the terrain lets it.
    let seeing = m.terrain_detection.get(sector.terrain);
    for d in &mut detectors {
        d.0 = (d.0 * seeing).min(1.0);
    }
    let impartial: Vec<&(f64, Entity, Detector)> =
        detectors.iter().filter(|(_, o, _)| !belligerent(world, *o)).collect();
    let detection = combine(impartial.iter().map(|(p, ..)| *p));
    for side in &mut sides {
        let backing = side.backed.map(|k| &g.backing[k].1);
        let shared = |o: &Entity| {
            *o == side.nation
                || g.owner_keys.get(o).is_some_and(|k| g.sharing.0.iter().any(|(f, t)| f == k && **t == *side.key))
                || backing.is_some_and(|b| b.sensors_of.contains(o))
        };
        let own = combine(detectors.iter().filter(|(_, o, _)| shared(o)).map(|(p, ..)| *p));
        side.sees = match backing {
            Some(b) if b.detection > 0.0 => combine([own, b.detection].into_iter()),
            _ => own,
        };
    }
    let bonus = if strongest.as_ref().is_some_and(|(_, t)| t.kind == MandateKind::Enforce) {
        m.enforce_deterrence_bonus
    } else {
        1.0
    };
    let deterrence = (m.deterrence_max
        * (1.0 - libm::exp(-(peacekeepers / km) / m.deterrence_troops_per_km))
        * bonus
        * m.terrain_deterrence.get(sector.terrain))
    .min(0.95);
    let contact = Severity::ALL.map(|s| {
        let halving = m.buffer_halving_km.get(s);
        if halving > 0.0 { libm::exp2(-sector.buffer_km.max(0.0) / halving) } else { 1.0 }
    });
    SectorPicture {
        sector: se,
        name: name_of(world, se),
        length_km: km,
        base_tension: sector.base_tension,
        sides,
        peacekeepers,
        deterrence,
        mandate,
        permitted,
        responders,
        monitors,
        detection,
        detected_by: impartial
            .iter()
            .fold(
                None::<&&(f64, Entity, Detector)>,
                |best, x| if best.is_none_or(|b| x.0 > b.0) { Some(x) } else { best },
            )
            .map(|(p, _, d)| (*p, *d, impartial.len() - 1)),
        contact,
    }
}

/// The chance that at least one of several independent detectors sees a violation.
fn combine(ps: impl Iterator<Item = f64>) -> f64 {
    1.0 - ps.fold(1.0, |acc, p| acc * (1.0 - p))
}

fn sides_in(world: &World, g: &Ground, se: Entity) -> Vec<Side> {
    let Some(forces) = world.get::<Forces>(se) else { return Vec::new() };
    forces
        .0
        .iter()
        .filter(|(_, troops)| *troops > 0)
        .map(|(n, _)| {
            let (key, name) = g.names(world, *n);
            Side {
                nation: *n,
                key,
                name,
                retaliation: world.get::<Nation>(*n).map_or(0.0, |x| x.doctrine.retaliation),
                sees: 0.0,
                backed: g.backing.iter().position(|(e, _)| e == n),
            }
        })
        .collect()
}

type ForcesHere = (f64, Vec<Responder>, Vec<Entity>, Vec<(f64, Entity, Detector)>);

/// The contingents standing in a sector: armed peacekeepers, those able to respond under a mandate
/// covering it, monitors who can be attacked, and every contingent's patrols as a detector.
fn forces_in(world: &World, g: &Ground, se: Entity, km: f64, covering: &[Entity]) -> ForcesHere {
    let m = &g.model;
    let (mut peacekeepers, mut responders, mut monitors, mut detectors) = (0.0, Vec::new(), Vec::new(), Vec::new());
    for &i in g.by_sector.get(&se).map_or(&[][..], |v| v.as_slice()) {
        let (ce, c) = &g.contingents[i];
        // Training closes part of the gap to full readiness (§5.6).
        let trained = g.backing.iter().find(|(e, _)| *e == c.owner).map_or(0.0, |(_, b)| b.readiness);
        let readiness = if trained > 0.0 { 1.0 - (1.0 - c.readiness) * (1.0 - trained) } else { c.readiness };
        let ready = c.size as f64 * readiness;
        // Passive contingents keep to base: they deter and patrol half as much.
        let half = if c.posture == Posture::Passive { 0.5 } else { 1.0 };
        // Only a contingent serving under a mandate in force here keeps the peace: foreign troops
        // under none are not a peacekeeping force and deter nothing.
        let serving = c.mandate.is_some_and(|x| covering.contains(&x));
        if serving && c.kind.is_armed() && c.kind != ContingentKind::AirSupport && !belligerent(world, c.owner) {
            peacekeepers += ready * half;
            responders.push(Responder {
                contingent: *ce,
                owner: c.owner,
                owner_name: g.names(world, c.owner).1,
                name: name_of(world, *ce),
                posture: c.posture,
                ready,
                loyalty: world
                    .get::<Nation>(c.owner)
                    .and_then(|n| n.loyalty_risk.as_ref())
                    .map(|r| (r.leans_to.clone(), r.crisis_defection)),
                line: world.get::<DefenceLine>(c.line).is_some().then_some(c.line),
            });
        }
        if c.kind == ContingentKind::Monitors {
            monitors.push(c.owner);
        }
        let factor = match c.kind {
            ContingentKind::Monitors | ContingentKind::DroneUnit => 1.0,
            ContingentKind::Infantry | ContingentKind::Mechanised => m.soldier_detection,
            ContingentKind::AirSupport => 0.0,
        } * half;
        let coverage = (ready * factor / (m.monitors_per_km_full * km)).min(1.0);
        let p = m.patrol_detection * coverage;
        if p > 0.0 {
            detectors.push((p, c.owner, Detector::Patrol(*ce)));
        }
    }
    (peacekeepers, responders, monitors, detectors)
}

/// The impartial detector that sees most, in words (and how many more there are).
fn detected_by(world: &World, best: Option<(f64, Detector, usize)>) -> String {
    let Some((p, d, more)) = best else { return String::new() };
    let words = match d {
        Detector::Patrol(c) => format!("{} patrols (p = {p:.2})", label(world, c)),
        Detector::Asset(e) => match world.get::<MonitoringAsset>(e) {
            Some(a) => format!("{} {} (p = {p:.2}{})", label(world, a.owner), asset_words(a.kind), asset_note(a)),
            None => format!("an asset (p = {p:.2})"),
        },
    };
    if more > 0 { format!("{words} and {more} more") } else { words }
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

/// What the line remembers from one day to the next, across turns, per (belligerent, sector):
/// the restraint the force's answers imposed (1 = none) and the urge to retaliate (extra
/// pressure). Both fade in days.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct LineMemory {
    pub restraint: BTreeMap<(Entity, Entity), f64>,
    pub retaliation: BTreeMap<(Entity, Entity), f64>,
}

/// What the days change of one side in one sector.
#[derive(Clone, Copy, Debug)]
struct SideState {
    /// Its posture there (or its doctrine's aggression).
    pressure: f64,
    /// What the force's answers left of its pressure (1 = nothing taken).
    restraint: f64,
    /// Extra pressure from its urge to retaliate.
    urge: f64,
    /// What leaked plans leave of monitoring's chance to record its fire (1 = nothing leaked).
    evasion: f64,
}

/// A deeper line of defence with air support that can be called.
struct AirLine {
    name: String,
    condition: crate::scenario::model::Condition,
    air: Vec<(Entity, String)>,
}

/// One belligerent's fire in one sector on one day, by severity.
struct Volley {
    counts: Counts,
}

/// What impartial monitoring recorded of a volley, and what its target saw.
struct Seen {
    recorded: Counts,
    victim_sees: u64,
}

/// Recorded violations attributed to the firer and (wrongly) to its target, by severity.
#[derive(Default)]
struct Blame {
    to_firer: Counts,
    to_victim: Counts,
    investigated: bool,
}

/// The force's answer to a volley: violations answered on the ground and from the air, by
/// severity, and what the trace says of it.
#[derive(Default)]
struct Answer {
    ground: Counts,
    air: Counts,
    done: Vec<Cow<'static, str>>,
    answers: Answers,
    /// The urge to retaliate it left the side fired upon.
    urge: f64,
    sides_done: Vec<String>,
    secret: Vec<String>,
    /// Crisis events a contingent leaning to the firer let pass (its owner blames the target).
    defected: bool,
    /// Incursions no force answered that the target's own forces repelled (§5.6, training).
    repelled: u64,
}

impl Answer {
    /// Violations of the severity at `k` answered: by the force, from the air or, for
    /// incursions, repelled by the target's own forces.
    fn answered(&self, k: usize) -> u64 {
        self.ground[k] + self.air[k] + if k == FIRST_EVENT { self.repelled } else { 0 }
    }
}

/// The lines of defence and whether each engages as the situation stands. Their conditions are
/// read again only when the situation changed, and `version` moves only when one of them
/// starts or stops engaging.
struct Lines {
    conditions: Vec<(Entity, crate::scenario::model::Condition)>,
    engages: Vec<bool>,
    checked_at: Option<u64>,
    version: u64,
}

impl Lines {
    fn read(world: &mut World, assistance: &guarantees::Assistance) -> Lines {
        // A guarantor's mutual assistance binds its deeper lines to engage when called (§5.6).
        let conditions: Vec<_> =
            in_stable_order::<DefenceLine>(world).into_iter().map(|(e, l)| (e, assistance.engages(&l))).collect();
        Lines { engages: vec![false; conditions.len()], conditions, checked_at: None, version: 0 }
    }

    /// The version of which lines engage, checked against `situation` if it changed.
    fn engaged(&mut self, situation: &Situation, situation_version: u64) -> u64 {
        if self.checked_at != Some(situation_version) {
            let now: Vec<bool> = self.conditions.iter().map(|(_, c)| conditions::holds(c, situation)).collect();
            if now != self.engages {
                self.engages = now;
                self.version += 1;
            }
            self.checked_at = Some(situation_version);
        }
        self.version
    }

    /// Whether the line engages, as last checked.
    fn engages(&self, line: Entity) -> bool {
        self.conditions.iter().position(|(e, _)| *e == line).is_some_and(|k| self.engages[k])
    }
}

/// The random streams of the days.
struct Streams {
    fire: Dice,
    detect: Dice,
    attribute: Dice,
    loyalty: Dice,
    collapse: Dice,
    hurt: Dice,
}

/// Everything the days read and change; written back to the world once they are played.
struct Days {
    model: ModelParams,
    pictures: Vec<SectorPicture>,
    line_km: f64,
    situation: Situation,
    /// Counts the changes to `situation` during the days, so that what depends on it is
    /// worked out again only when it changed.
    situation_version: u64,
    /// The lines of defence the responders stand in, and which of them engage.
    lines: Lines,
    /// What each recipient's accepted guarantees give it, and the share of the fire at it its
    /// first line deters today (§5.6).
    backing: Vec<(Entity, Backing)>,
    shield: Vec<f64>,
    /// Each sector's acting force and its cover, with the `Lines::version` they were worked out
    /// at, by position in `pictures`.
    acting: Vec<Option<(u64, Option<usize>, f64)>>,
    air_lines: Vec<AirLine>,
    /// Nations the shallower lines of defence hold: the ones deeper lines come in for.
    defended: std::collections::BTreeSet<Entity>,
    /// Names of the nations that asked for air support this turn.
    requesters: BTreeMap<Entity, String>,
    /// The shallowest air line engaged today, if any (read at the start of each day).
    engaged_air: Option<usize>,
    truces: BTreeMap<Entity, Truce>,
    /// Each sector's tension, by position in `pictures`.
    tension: Vec<f64>,
    /// Each side's state in each sector, by position in `pictures` and in its sides: read from
    /// the line's memory, played in place, written back at the end.
    state: Vec<Vec<SideState>>,
    memory: LineMemory,
    /// Each sector's violations, recorded violations and incidents, by position in `pictures`.
    by_sector: Vec<(u64, u64, u64)>,
    /// Each sector's place, and each side's fire there, as the trace names them: by position in
    /// `pictures` and in its sides.
    places: Vec<u32>,
    parties: Vec<Vec<u32>>,
    /// The names of the contingents that answered this turn, as the trace keeps them.
    answerers: BTreeMap<Entity, u32>,
    casualties: BTreeMap<Entity, u64>,
    contingent_losses: BTreeMap<Entity, i64>,
    escalation: Escalation,
    facts: TurnFacts,
    /// The game's trace, taken from the world for the days: each day's incidents go straight in.
    trace: Trace,
    turn: u32,
    dice: Streams,
    /// The white cell's scale on the escalation the days gather (§3.3).
    escalation_scale: f64,
    /// The white cell's rulings on who fired, by sector: the side the violations named there are
    /// laid on (§3.3).
    rulings: BTreeMap<Entity, String>,
}

/// The white cell's rulings on attribution this turn, by sector entity.
fn rulings(world: &World, pictures: &[SectorPicture]) -> BTreeMap<Entity, String> {
    let Some(overrides) = world.get_resource::<super::Overrides>() else { return BTreeMap::new() };
    pictures
        .iter()
        .filter_map(|p| {
            let key = world.get::<Key>(p.sector)?;
            overrides.attribution(&key.0).map(|to| (p.sector, to.to_string()))
        })
        .collect()
}

/// Plays the turn's days on every sector.
pub fn simulate_days(world: &mut World) {
    if world.resource::<Escalation>().ceasefire == Ceasefire::Collapsed {
        return;
    }
    let clock = world.resource::<Clock>().clone();
    let days = world.resource::<ScenarioInfo>().turn_days;
    let mut line = Days::read(world, &clock);
    for offset in 0..days {
        if line.play_day(clock.day + offset) {
            break;
        }
    }
    line.write(world);
}

impl Days {
    fn read(world: &mut World, clock: &Clock) -> Days {
        let model = world.resource::<Model>().0.clone();
        let seed = world.resource::<GameSeed>().0;
        let backing = backing_in_order(world);
        let pictures = pictures_with(world, clock.turn, &backing);
        let assistance = guarantees::Assistance::read(world);
        let (air_lines, defended) = air_lines(world, &assistance);
        let memory = world.resource::<LineMemory>().clone();
        let leaks = world.resource::<Leaks>().0.clone();
        let mut truces = BTreeMap::new();
        let mut state = Vec::with_capacity(pictures.len());
        for p in &pictures {
            let mut sides = Vec::with_capacity(p.sides.len());
            for side in &p.sides {
                let aggression = world.get::<Nation>(side.nation).map_or(0.0, |n| n.doctrine.aggression);
                let here = (side.nation, p.sector);
                sides.push(SideState {
                    pressure: world
                        .get::<Postures>(side.nation)
                        .and_then(|x| x.0.get(&p.sector).copied())
                        .unwrap_or(aggression),
                    restraint: memory.restraint.get(&here).copied().unwrap_or(1.0),
                    urge: memory.retaliation.get(&here).copied().unwrap_or(0.0),
                    evasion: 1.0 - leaks.get(&*side.key).copied().unwrap_or(0.0),
                });
                if let Some(t) = world.get::<Truce>(side.nation) {
                    truces.insert(side.nation, t.clone());
                }
            }
            state.push(sides);
        }
        let tension = pictures.iter().map(|p| world.get::<Tension>(p.sector).map_or(p.base_tension, |t| t.0)).collect();
        let days = world.resource::<ScenarioInfo>().turn_days;
        let sides: usize = pictures.iter().map(|p| p.sides.len()).sum();
        let sectors = pictures.len();
        let mut facts = world.resource::<TurnFacts>().clone();
        for p in &pictures {
            facts.pictures.insert(p.sector, (p.deterrence, p.detection, p.peacekeepers));
        }
        let requesters = facts.air_support_requested.iter().map(|(_, n)| (*n, label(world, *n))).collect();
        let dice = |purpose| Dice::new(seed, clock.turn, purpose, 0);
        let mut trace = std::mem::take(&mut *world.resource_mut::<Trace>());
        // One incident at most per side, sector and day.
        trace.entries.reserve(sides * days as usize);
        let places = pictures
            .iter()
            .map(|p| {
                trace.shared.place(Place {
                    sector: p.name.to_string(),
                    monitoring: detected_by(world, p.detected_by),
                    mandate: p.mandate.as_ref().map(|(name, _)| name.to_string()),
                })
            })
            .collect();
        let parties = pictures.iter().map(|p| parties_in(p, &mut trace)).collect();
        Days {
            shield: vec![0.0; backing.len()],
            backing,
            line_km: pictures.iter().map(|p| p.length_km).sum::<f64>().max(0.1),
            situation: conditions::assess(world),
            situation_version: 0,
            acting: vec![None; sectors],
            lines: Lines::read(world, &assistance),
            memory,
            escalation: world.resource::<Escalation>().clone(),
            escalation_scale: world.get_resource::<super::Overrides>().map_or(1.0, |o| o.escalation_scale()),
            rulings: rulings(world, &pictures),
            dice: Streams {
                fire: dice(Purpose::Fire),
                detect: dice(Purpose::Detection),
                attribute: dice(Purpose::Attribution),
                loyalty: dice(Purpose::Loyalty),
                collapse: dice(Purpose::Collapse),
                hurt: dice(Purpose::Casualties),
            },
            model,
            pictures,
            air_lines,
            defended,
            requesters,
            engaged_air: None,
            truces,
            tension,
            state,
            by_sector: vec![(0, 0, 0); sectors],
            places,
            parties,
            casualties: BTreeMap::new(),
            contingent_losses: BTreeMap::new(),
            facts,
            answerers: BTreeMap::new(),
            trace,
            turn: clock.turn,
        }
    }

    /// One day on the whole line; true if the ceasefire collapsed.
    fn play_day(&mut self, day: u32) -> bool {
        self.recover();
        for (shield, (_, b)) in self.shield.iter_mut().zip(&self.backing) {
            *shield = b.deterrence(day, &self.model.guarantees);
        }
        self.engaged_air = self.air_lines.iter().position(|l| conditions::holds(&l.condition, &self.situation));
        // The pictures stay as they are all day: the stages read them while they change the rest.
        let pictures = std::mem::take(&mut self.pictures);
        let mut delta_today = 0.0;
        for (i, p) in pictures.iter().enumerate() {
            for j in 0..p.sides.len() {
                delta_today += self.engagement(p, i, j, day);
            }
        }
        self.pictures = pictures;
        self.judge_ceasefire(day, delta_today)
    }

    /// Restraint and the urge to retaliate fade by one day.
    fn recover(&mut self) {
        let r = libm::exp(-1.0 / self.model.restraint_recovery_days);
        let q = libm::exp(-1.0 / self.model.retaliation_days);
        for x in self.state.iter_mut().flatten() {
            x.restraint = 1.0 - (1.0 - x.restraint) * r;
            x.urge *= q;
        }
    }

    /// One side's fire in one sector on one day, through every stage; returns its escalation.
    fn engagement(&mut self, p: &SectorPicture, i: usize, j: usize, day: u32) -> f64 {
        let side = &p.sides[j];
        let Some(vj) = p.sides.iter().position(|o| o.nation != side.nation) else { return 0.0 };
        let victim = &p.sides[vj];
        let Some(volley) = self.fire(p, i, j, side, victim, day) else { return 0.0 };
        let seen = self.detect(p, i, j, victim, &volley);
        let mut blame = self.attribute(p, victim, &seen);
        let mut answer = self.respond(p, i, j, side, victim, &volley);
        if answer.defected {
            // The contingent's owner blames the side fired upon for what it let pass.
            for k in 0..SEVERITIES {
                blame.to_victim[k] += blame.to_firer[k];
                blame.to_firer[k] = 0;
            }
        }
        self.retaliate(p, i, vj, victim, &volley, &blame, &mut answer);
        let delta = self.escalate(p, i, &volley, &blame, &answer);
        self.casualties(p, side, victim, &volley);
        self.note(p, (i, j), day, &volley, &seen, &blame, answer, delta);
        delta
    }

    /// §6.2 Fire: the side's pressure (its posture, eased by a recommitment and by the force's
    /// answers, raised by its urge to retaliate) against the sector's tension, the force's
    /// deterrence and that of the target's own armed first line, divided among the severities and
    /// thinned by the buffer zone.
    #[allow(clippy::too_many_arguments)] // the picture, who fires at whom, and when
    fn fire(&mut self, p: &SectorPicture, i: usize, j: usize, side: &Side, victim: &Side, day: u32) -> Option<Volley> {
        let (m, me) = (&self.model, self.state[i][j]);
        let t = self.tension[i];
        let shield = victim.backed.map_or(0.0, |k| self.shield[k]);
        let push = me.pressure * truce_factor(self.truces.get(&side.nation), day, m) * me.restraint + me.urge;
        let lambda = m.shots_per_km_day
            * p.length_km
            * (m.tension_floor + (1.0 - m.tension_floor) * t)
            * push
            * (1.0 - p.deterrence)
            * (1.0 - shield);
        let mix = &m.severity_mix;
        let volume = [mix.small_arms, mix.artillery * (0.5 + t), mix.drone_strike];
        let share: f64 = volume.iter().sum::<f64>().max(1e-12);
        let events = [
            mix.incursion * push.min(1.0) * t * 2.0,
            if p.monitors.is_empty() { 0.0 } else { mix.attack_on_monitors * push.min(1.0) },
        ];
        let mut counts = [0u64; SEVERITIES];
        for k in 0..SEVERITIES {
            let rate = if k < FIRST_EVENT { volume[k] / share } else { events[k - FIRST_EVENT] };
            counts[k] = self.dice.fire.poisson(lambda * rate * p.contact[k]);
        }
        (total(&counts) > 0).then_some(Volley { counts })
    }

    /// §6.3 Detect: impartial monitoring records each violation with the sector's chance (less
    /// what leaked plans let the side slip past); the side fired upon sees with its own means.
    fn detect(&mut self, p: &SectorPicture, i: usize, j: usize, victim: &Side, v: &Volley) -> Seen {
        let evasion = self.state[i][j].evasion;
        let recorded = v.counts.map(|n| self.dice.detect.binomial(n, p.detection * evasion));
        let victim_sees = self.dice.detect.binomial(total(&v.counts), victim.sees);
        for (k, s) in Severity::ALL.iter().enumerate() {
            if recorded[k] > 0 {
                if self.situation.worst_detected < Some(*s) {
                    self.situation_version += 1;
                }
                self.situation.worst_detected = self.situation.worst_detected.max(Some(*s));
                self.facts.worst_detected = self.facts.worst_detected.max(Some(*s));
            }
        }
        Seen { recorded, victim_sees }
    }

    /// §6.4 Attribute: of what was recorded, a share is attributed (by the mandate's kind), most
    /// of it rightly; where the mandate permits it, what is left is investigated.
    fn attribute(&mut self, p: &SectorPicture, victim: &Side, seen: &Seen) -> Blame {
        let m = &self.model;
        // Intelligence shared with the target corrects some of the blame wrongly laid on it.
        let corrects = self.backing_of(victim).map_or(0.0, |b| b.attribution);
        let accuracy = if corrects > 0.0 {
            1.0 - (1.0 - m.attribution_accuracy) * (1.0 - corrects)
        } else {
            m.attribution_accuracy
        };
        let rate = match p.mandate.as_ref().map(|(_, k)| *k) {
            Some(MandateKind::ObserveReport) => m.attribution_rate.observe,
            Some(MandateKind::Interpose) => m.attribution_rate.interpose,
            Some(MandateKind::Enforce) => m.attribution_rate.enforce,
            None => m.attribution_rate_unmandated,
        };
        let mut blame = Blame::default();
        let d = &mut self.dice.attribute;
        for (k, s) in Severity::ALL.iter().enumerate() {
            let named = d.binomial(seen.recorded[k], rate);
            let right = d.binomial(named, accuracy);
            let (mut to_firer, mut to_victim) = (right, named - right);
            if permits(p, *s, Response::Investigate) {
                let looked = d.binomial(seen.recorded[k] - named, 0.8);
                let right = d.binomial(looked, 0.95);
                to_firer += right;
                to_victim += looked - right;
                blame.investigated |= looked > 0;
            }
            // The white cell's ruling lays every violation named here on one side, the dice drawn
            // as without it.
            match self.rulings.get(&p.sector) {
                Some(to) if *to == *victim.key => (to_firer, to_victim) = (0, to_firer + to_victim),
                Some(_) => (to_firer, to_victim) = (to_firer + to_victim, 0),
                None => {}
            }
            blame.to_firer[k] = to_firer;
            blame.to_victim[k] = to_victim;
        }
        blame
    }

    /// §6.5 Respond: a force on the ground answers at most the share of the fire its armed, ready
    /// troops per km cover, in the ways its mandate permits; a deeper line's aircraft answer
    /// incursions when called. Answers restrain the firer for days after.
    fn respond(&mut self, p: &SectorPicture, i: usize, j: usize, side: &Side, victim: &Side, v: &Volley) -> Answer {
        let (lead, cover) = self.acting_force(p, i);
        let lead = lead.map(|k| &p.responders[k]);
        let m = &self.model;
        let mut a = Answer::default();
        let air = self.engaged_air.map(|i| &self.air_lines[i]);
        let asked = !self.defended.contains(&side.nation)
            && self.facts.air_support_requested.iter().any(|(s, _)| *s == p.sector);
        for (k, s) in Severity::ALL.iter().enumerate() {
            let mut n = v.counts[k];
            if n == 0 {
                continue;
            }
            if k >= FIRST_EVENT
                && let Some((leans, chance)) = lead.and_then(|r| r.loyalty.as_ref())
                && **leans == *side.key
            {
                let passed = self.dice.loyalty.binomial(n, *chance);
                if passed > 0 {
                    let name = lead.map_or("", |r| &*r.name);
                    a.done.push(Cow::Owned(format!("{name} did not act")));
                    a.secret.push(format!("{name} sided with {} instead of acting neutrally", side.name));
                    a.defected = true;
                    n -= passed;
                }
            }
            if n == 0 {
                continue;
            }
            let air_ok = k >= FIRST_EVENT && (asked || (lead.is_some() && permits(p, *s, Response::CallAirSupport)));
            if let (true, Some(line)) = (air_ok, air) {
                a.air[k] = n;
                if lead.is_some() {
                    a.done.push(Cow::Owned(format!("{} engaged: {} struck", line.name, line.air[0].1)));
                } else {
                    // Asked for by a nation the line defends: it needs no force on the ground.
                    let by = self.facts.air_support_requested.iter().find(|(s, _)| *s == p.sector);
                    let by = by.and_then(|(_, n)| self.requesters.get(n)).map_or("?", |s| s.as_str());
                    a.sides_done.push(format!("{} engaged at {by}'s request: {} struck", line.name, line.air[0].1));
                }
                continue;
            }
            let Some(r) = lead else { continue };
            let how =
                if permits(p, *s, Response::ReturnFire) && (r.posture == Posture::Active || k == ATTACK_ON_MONITORS) {
                    Means::ReturnedFire
                } else if permits(p, *s, Response::Interpose) && *s >= Severity::Artillery {
                    Means::Interposed
                } else {
                    continue;
                };
            a.ground[k] = self.dice.fire.binomial(n, cover);
            if a.ground[k] > 0 {
                if a.answers.by.is_none() {
                    let shared = &mut self.trace.shared;
                    let name = *self.answerers.entry(r.contingent).or_insert_with(|| shared.name(&r.name));
                    a.answers.by = Some(name);
                }
                a.answers.each[k] = Some((how, a.ground[k].try_into().unwrap_or(u32::MAX)));
            }
        }
        if let Some(r) = lead {
            let base: f64 =
                Severity::ALL.iter().enumerate().map(|(k, s)| a.ground[k] as f64 * m.lethality.get(*s)).sum();
            let lost = self.dice.hurt.poisson(0.2 * base);
            if lost > 0 {
                *self.contingent_losses.entry(r.contingent).or_default() += lost as i64;
                *self.casualties.entry(r.owner).or_default() += lost;
                self.facts.casualties += lost;
                a.done.push(Cow::Owned(format!("{} lost {lost}", r.owner_name)));
            }
        }
        self.first_line(victim, v, &mut a);
        let answered = (0..SEVERITIES).map(|k| a.answered(k)).sum::<u64>() as f64 / total(&v.counts) as f64;
        self.state[i][j].restraint *= 1.0 - self.model.restraint_per_answer * answered;
        a
    }

    /// What a side's accepted guarantees give it, if any.
    fn backing_of(&self, side: &Side) -> Option<&Backing> {
        side.backed.map(|k| &self.backing[k].1)
    }

    /// The first line of defence: the target's own forces meet the incursions no force answered,
    /// and repel a share of them if they were trained (§5.6).
    fn first_line(&mut self, victim: &Side, v: &Volley, a: &mut Answer) {
        let unanswered = v.counts[FIRST_EVENT].saturating_sub(a.answered(FIRST_EVENT));
        if unanswered == 0 {
            return;
        }
        let resists = self.backing_of(victim).map_or(0.0, |b| b.resistance);
        a.repelled = self.dice.fire.binomial(unanswered, resists);
        let met = format!("{}'s own forces (first line of defence) met it", victim.name);
        a.sides_done.push(if a.repelled > 0 {
            format!("{met} and repelled {} of {unanswered} incursions", a.repelled)
        } else {
            met
        });
    }

    /// The force acting in a sector (its strongest ready contingent, by position among the
    /// responders) and the share of the fire its armed, ready troops per km cover. It stays the
    /// same until the situation its lines of defence wait for changes.
    fn acting_force(&mut self, p: &SectorPicture, i: usize) -> (Option<usize>, f64) {
        let engaged = self.lines.engaged(&self.situation, self.situation_version);
        if let Some((seen, lead, cover)) = self.acting[i]
            && seen == engaged
        {
            return (lead, cover);
        }
        let lines = &self.lines;
        let acting = p
            .responders
            .iter()
            .enumerate()
            .filter(|(_, r)| r.posture != Posture::Passive && r.line.is_none_or(|l| lines.engages(l)));
        let (troops, lead) = acting.fold((0.0, None::<(usize, f64)>), |(sum, lead), (k, r)| {
            (sum + r.ready, if lead.is_none_or(|(_, l)| r.ready > l) { Some((k, r.ready)) } else { lead })
        });
        let m = &self.model;
        let cover =
            if troops > 0.0 { 1.0 - libm::exp(-(troops / p.length_km) / m.response_troops_per_km) } else { 0.0 };
        let lead = lead.map(|(k, _)| k);
        self.acting[i] = Some((engaged, lead, cover));
        (lead, cover)
    }

    /// §6.6 Retaliate: the side fired upon wants to answer in proportion to what it suffered
    /// unanswered (by volume and severity, per km) and to its doctrine; less if the firer was
    /// publicly named. The urge adds to its pressure in the days that follow.
    #[allow(clippy::too_many_arguments)] // the picture and the stages before it
    fn retaliate(
        &mut self,
        p: &SectorPicture,
        i: usize,
        vj: usize,
        victim: &Side,
        v: &Volley,
        blame: &Blame,
        a: &mut Answer,
    ) {
        let m = &self.model;
        let unit = m.escalation.small_arms.max(1e-12);
        let mut suffered = 0.0;
        for (k, s) in Severity::ALL.iter().enumerate() {
            let unanswered = v.counts[k].saturating_sub(a.answered(k)) as f64;
            let named = named_share(p, *s, blame, v, k);
            suffered += unanswered * (1.0 - 0.5 * named) * m.escalation.get(*s) / unit;
        }
        let provocation = suffered / (p.length_km * m.shots_per_km_day);
        a.urge = victim.retaliation * m.retaliation_gain * provocation;
        self.state[i][vj].urge += a.urge;
    }

    /// §6.7 Escalate: every unanswered violation adds its severity's weight per km of line (half
    /// if the firer was publicly named); an answered one three quarters of it. The sector's tension rises
    /// with the same violence per km of the sector.
    fn escalate(&mut self, p: &SectorPicture, i: usize, v: &Volley, blame: &Blame, a: &Answer) -> f64 {
        let m = &self.model;
        let mut weight = 0.0;
        for (k, s) in Severity::ALL.iter().enumerate() {
            let unanswered = v.counts[k].saturating_sub(a.answered(k)) as f64;
            let named = named_share(p, *s, blame, v, k);
            let answered = a.answered(k) as f64;
            let effective = unanswered * (1.0 - 0.5 * named) + 0.75 * answered;
            weight += m.escalation.get(*s) * effective;
        }
        let t = &mut self.tension[i];
        *t = (*t + m.tension_per_escalation * (weight / p.length_km).max(0.0)).clamp(0.0, 1.0);
        weight / self.line_km
    }

    /// §6.8 Casualties: the side fired upon suffers by volume and severity; monitors are hit by
    /// attacks on them; incursions cost the attacker too.
    fn casualties(&mut self, p: &SectorPicture, side: &Side, victim: &Side, v: &Volley) {
        let lethal = |k: usize| v.counts[k] as f64 * self.model.lethality.get(Severity::ALL[k]);
        let fire: f64 = (0..ATTACK_ON_MONITORS).map(lethal).sum();
        let hurt = &mut self.dice.hurt;
        let (to_victim, to_monitors, to_attacker) =
            (hurt.poisson(fire), hurt.poisson(lethal(ATTACK_ON_MONITORS)), hurt.poisson(lethal(FIRST_EVENT) / 2.0));
        let monitors = p.monitors.first().copied().unwrap_or(victim.nation);
        for (who, n) in [(victim.nation, to_victim), (monitors, to_monitors), (side.nation, to_attacker)] {
            if n == 0 {
                continue;
            }
            *self.casualties.entry(who).or_default() += n;
            self.facts.casualties += n;
        }
    }

    /// The day's incident, for the trace and the turn's figures.
    #[allow(clippy::too_many_arguments)] // each stage's result goes into the explanation
    fn note(
        &mut self,
        p: &SectorPicture,
        (i, j): (usize, usize),
        day: u32,
        v: &Volley,
        seen: &Seen,
        blame: &Blame,
        a: Answer,
        delta: f64,
    ) {
        let severity = Severity::ALL.iter().zip(v.counts).filter(|(_, n)| *n > 0).map(|(s, _)| *s).max();
        let (n, recorded) = (total(&v.counts), total(&seen.recorded));
        let (firer, target) = (total(&blame.to_firer), total(&blame.to_victim));
        let attributed_to = match (firer, target) {
            (0, 0) => None,
            (f, t) if f >= t => Some(Party::Firer),
            _ => Some(Party::Target),
        };
        let stats = &mut self.by_sector[i];
        stats.0 += n;
        stats.1 += recorded;
        stats.2 += 1;
        self.facts.violations_true += n;
        self.facts.violations_recorded += recorded;
        self.facts.next_violation += 1;
        let permitted = severity
            .map_or_else(Responses::default, |s| p.permitted[Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)]);
        let incident = Incident {
            id: self.facts.next_violation,
            place: self.places[i],
            severity: severity.unwrap_or(Severity::SmallArms),
            parties: self.parties[i][j],
            violations: n,
            mix: v.counts,
            recorded_severity: Severity::ALL.iter().zip(seen.recorded).filter(|(_, n)| *n > 0).map(|(s, _)| *s).max(),
            recorded,
            seen_by_victim: seen.victim_sees,
            attributed_to,
            investigated: blame.investigated,
            permitted,
            answers: a.answers,
            retaliation: a.urge,
            notes: {
                let notes = Notes { actions: a.done, sides_actions: a.sides_done, secret: a.secret };
                (!notes.is_empty()).then(|| Box::new(notes))
            },
            escalation: delta,
        };
        self.trace.incident(self.turn, day, Box::new(incident));
    }

    /// §7 Judge the ceasefire: escalation fades each day and gathers the day's; tensions relax. Above
    /// `fraying_at` the ceasefire frays. Each day it may collapse, with a hazard in proportion to
    /// escalation (a graded risk, as violence raises it), and surely once escalation reaches
    /// `collapse_at`: the line is at war. True if it collapsed.
    fn judge_ceasefire(&mut self, day: u32, delta_today: f64) -> bool {
        let m = &self.model;
        let e = &mut self.escalation;
        e.level = (e.level * (1.0 - m.escalation_decay_per_day) + delta_today * self.escalation_scale).max(0.0);
        for (p, t) in self.pictures.iter().zip(&mut self.tension) {
            *t += m.tension_relax_per_day * (p.base_tension - *t);
        }
        self.situation.escalation = e.level;
        self.situation_version += 1;
        let hazard = if e.level >= m.collapse_at { 1.0 } else { m.collapse_hazard_per_day * e.level / m.collapse_at };
        self.facts.hazard_days += hazard;
        let status = if self.dice.collapse.chance(hazard) {
            Ceasefire::Collapsed
        } else if e.level >= m.fraying_at {
            Ceasefire::Fraying
        } else {
            Ceasefire::Holding
        };
        if status != e.ceasefire {
            let text = match status {
                Ceasefire::Collapsed => format!(
                    "The ceasefire has collapsed: at escalation {:.2} its daily risk of collapse was {}. \
                     The game ends in war.",
                    e.level,
                    if hazard >= 1.0 { "certain".to_string() } else { format!("1 in {:.0}", 1.0 / hazard.max(1e-9)) }
                ),
                Ceasefire::Fraying => {
                    format!("The ceasefire is fraying: escalation {:.2} (fraying from {:.2})", e.level, m.fraying_at)
                }
                Ceasefire::Holding => format!("The ceasefire holds again: escalation {:.2}", e.level),
            };
            self.trace.public(self.turn, day, "ceasefire", text);
            e.ceasefire = status;
        }
        self.situation.collapsed = status == Ceasefire::Collapsed;
        self.situation.collapsed
    }

    /// Writes what the days changed back to the world, the explanations into the trace.
    fn write(self, world: &mut World) {
        *world.resource_mut::<Trace>() = self.trace;
        *world.resource_mut::<Escalation>() = self.escalation;
        let mut memory = self.memory;
        for (p, sides) in self.pictures.iter().zip(&self.state) {
            for (side, x) in p.sides.iter().zip(sides) {
                memory.restraint.insert((side.nation, p.sector), x.restraint);
                memory.retaliation.insert((side.nation, p.sector), x.urge);
            }
        }
        *world.resource_mut::<LineMemory>() = memory;
        let mut facts = self.facts;
        for (p, (n, recorded, incidents)) in self.pictures.iter().zip(self.by_sector) {
            if incidents > 0 {
                let stats = facts.by_sector.entry(p.sector).or_default();
                stats.0 += n;
                stats.1 += recorded;
                stats.2 += incidents;
            }
        }
        facts.casualties_by_nation = self.casualties.clone();
        *world.resource_mut::<TurnFacts>() = facts;
        for (p, t) in self.pictures.iter().zip(self.tension) {
            if let Some(mut x) = world.get_mut::<Tension>(p.sector) {
                x.0 = t;
            }
        }
        for (nation, n) in self.casualties {
            if let Some(mut c) = world.get_mut::<Casualties>(nation) {
                c.0 += n;
            }
        }
        for (contingent, n) in self.contingent_losses {
            if let Some(mut c) = world.get_mut::<Contingent>(contingent) {
                c.losses += n;
                c.size = (c.size - n).max(1);
            }
        }
    }
}

/// Who fires on whom in a sector: each side and the first other side present (the one its fire
/// falls on).
fn parties_in(p: &SectorPicture, trace: &mut Trace) -> Vec<u32> {
    p.sides
        .iter()
        .map(|side| {
            let victim = p.sides.iter().find(|o| o.nation != side.nation);
            trace.shared.parties(Parties {
                by: side.name.to_string(),
                by_id: side.key.to_string(),
                against: victim.map_or_else(String::new, |v| v.name.to_string()),
                against_id: victim.map_or_else(String::new, |v| v.key.to_string()),
            })
        })
        .collect()
}

/// Whether the sector's mandate permits `response` to violations of `severity`.
fn permits(p: &SectorPicture, severity: Severity, response: Response) -> bool {
    Severity::ALL.iter().position(|s| *s == severity).is_some_and(|k| p.permitted[k].contains(response))
}

/// The share of a severity's violations publicly named as the firer's (0 unless the mandate
/// reports publicly or protests).
fn named_share(p: &SectorPicture, s: Severity, blame: &Blame, v: &Volley, k: usize) -> f64 {
    let public = permits(p, s, Response::ReportPublicly) || permits(p, s, Response::Protest);
    if !public || v.counts[k] == 0 { 0.0 } else { blame.to_firer[k] as f64 / v.counts[k] as f64 }
}

/// Deeper lines (depth 3 and beyond) that bring air support, and the nations shallower lines hold.
fn air_lines(
    world: &mut World,
    assistance: &guarantees::Assistance,
) -> (Vec<AirLine>, std::collections::BTreeSet<Entity>) {
    let mut lines: Vec<(u32, String, DefenceLine)> =
        world.query::<(&Label, &DefenceLine)>().iter(world).map(|(l, d)| (d.depth, l.0.clone(), d.clone())).collect();
    lines.sort_by_key(|(d, ..)| *d);
    let defended =
        lines.iter().filter(|(depth, ..)| *depth < 3).flat_map(|(_, _, l)| l.nations.iter().copied()).collect();
    let all = in_stable_order::<Contingent>(world);
    let mut out = Vec::new();
    for (_, name, line) in lines.iter().filter(|(depth, ..)| *depth >= 3) {
        let air: Vec<(Entity, String)> = all
            .iter()
            .filter(|(_, c)| c.kind == ContingentKind::AirSupport && line.nations.contains(&c.owner))
            .map(|(e, _)| (*e, label(world, *e)))
            .collect();
        if !air.is_empty() {
            out.push(AirLine { name: name.clone(), condition: assistance.engages(line), air });
        }
    }
    (out, defended)
}
