//! The ECS world: components for every scenario object, spawning a scenario, and reading it back.
//!
//! Each object of the scenario becomes one entity carrying a [`StableId`] (its position in the
//! scenario, used for ordering and on the wire), a [`Key`] (its scenario id) and a [`Label`].
//! References between objects become `Entity` links; scripted data (conditions, effects, vetoes)
//! keep scenario ids and are resolved through the [`Registry`] when evaluated.

mod extract;
mod spawn;

use std::collections::HashMap;

use bevy::prelude::*;

use crate::scenario::ActiveScenario;
use crate::scenario::model::{
    AssetKind, Condition, ContingentKind, DecisionRule, Doctrine, DomesticSupport, Effect, GeoPoint,
    GuaranteeComponent, GuaranteeStatus, Leaning, LoyaltyRisk, MandateKind, NationFlag, Objective, Pools, Posture,
    Response, Severity, Terrain,
};

pub use extract::extract_scenario;
pub use spawn::spawn_scenario;

/// Position of an object in its scenario, unique across all kinds: iteration in this order makes
/// resolution reproducible, and it names the object on the wire.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StableId(pub u32);

/// The object's id in the scenario file (`"ukr"`).
#[derive(Component, Clone, Debug, PartialEq, Eq)]
pub struct Key(pub String);

/// The object's name for people (`"Ukraine"`).
#[derive(Component, Clone, Debug, PartialEq, Eq)]
pub struct Label(pub String);

/// Scenario-wide facts.
#[derive(Resource, Clone, Debug)]
pub struct ScenarioInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub start_date: String,
    pub seed: u64,
    pub turn_days: u32,
    pub turns: u32,
    /// The nations at alignment +1 and −1.
    pub positive_side: Entity,
    pub negative_side: Entity,
    /// The press rules the scenario sets (the game's own stand in `negotiation::Talks`).
    pub press: crate::scenario::model::PressRules,
}

/// The ceasefire line's geometry; its sectors are entities.
#[derive(Resource, Clone, Debug)]
pub struct LineGeometry {
    pub name: String,
    pub length_km: f64,
    pub points: Vec<GeoPoint>,
}

/// The rules' parameters of this game.
#[derive(Resource, Clone, Debug)]
pub struct Model(pub crate::scenario::model::ModelParams);

/// Every spawned object by scenario id, and all of them in stable order.
#[derive(Resource, Clone, Debug, Default)]
pub struct Registry {
    /// Shared, because conditions read it at every step of resolution and it rarely changes.
    pub by_key: std::sync::Arc<HashMap<String, Entity>>,
    pub ordered: Vec<Entity>,
}

/// A shared, read-only index of scenario ids.
#[derive(Clone, Debug, Default)]
pub struct Ids(pub std::sync::Arc<HashMap<String, Entity>>);

impl Ids {
    pub fn get(&self, key: &str) -> Option<Entity> {
        self.0.get(key).copied()
    }
}

impl Registry {
    pub fn get(&self, key: &str) -> Option<Entity> {
        self.by_key.get(key).copied()
    }

    /// The id index alone, cheap to take and keep while the world changes.
    pub fn ids(&self) -> Ids {
        Ids(self.by_key.clone())
    }

    /// Registers a newly spawned object (its `StableId` is its place in `ordered`).
    pub fn insert(&mut self, key: String, e: Entity) {
        std::sync::Arc::make_mut(&mut self.by_key).insert(key, e);
        self.ordered.push(e);
    }
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Nation {
    pub flags: Vec<NationFlag>,
    pub pools: Pools,
    pub alignment: f64,
    pub objectives: Vec<Objective>,
    pub doctrine: Doctrine,
    pub loyalty_risk: Option<LoyaltyRisk>,
    /// A host's refusals: nations whose contingents may not stand on the line.
    pub refuses: Vec<Entity>,
}

impl Nation {
    pub fn has(&self, flag: NationFlag) -> bool {
        self.flags.contains(&flag)
    }
}

/// Domestic support: its current level and how it moves.
#[derive(Component, Clone, Debug, PartialEq)]
pub struct Support {
    pub level: f64,
    pub params: DomesticSupport,
}

/// Political capital in hand.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capital(pub i64);

/// Relations with other nations (−100..100), in stable order; missing pairs are 0.
#[derive(Component, Clone, Debug, PartialEq, Default)]
pub struct Relations(pub Vec<(Entity, i64)>);

impl Relations {
    /// The relation with `to` (0 if none is set).
    pub fn with(&self, to: Entity) -> i64 {
        self.0.iter().find(|(e, _)| *e == to).map_or(0, |(_, v)| *v)
    }
}

/// Every entity with a `T`, in stable order (the scenario file's order, then creation order).
pub fn in_stable_order<T: Component + Clone>(world: &mut World) -> Vec<(Entity, T)> {
    let mut v: Vec<(StableId, Entity, T)> = with_query::<(Entity, &StableId, &T), (), _>(world, |world, q| {
        q.iter(world).map(|(e, s, x)| (*s, e, x.clone())).collect()
    });
    v.sort_by_key(|(s, ..)| *s);
    v.into_iter().map(|(_, e, x)| (e, x)).collect()
}

/// Query states kept between calls, by type. Building one walks every archetype of the world,
/// and resolution asks the same few questions of the world hundreds of times a turn.
#[derive(Resource, Default)]
pub struct Queries(HashMap<std::any::TypeId, Box<dyn std::any::Any + Send + Sync>>);

/// Runs `f` with the query state for `D` and `F`, kept in [`Queries`] from one call to the next
/// (a world without it builds the state afresh). The state brings itself up to date with the
/// world's archetypes when iterated, so it matches what a new one would.
pub fn with_query<D, F, R>(world: &mut World, f: impl FnOnce(&World, &mut QueryState<D, F>) -> R) -> R
where
    D: bevy::ecs::query::QueryData + 'static,
    F: bevy::ecs::query::QueryFilter + 'static,
{
    let key = std::any::TypeId::of::<QueryState<D, F>>();
    let kept = world.get_resource_mut::<Queries>().and_then(|mut q| q.0.remove(&key));
    let mut state: Box<QueryState<D, F>> =
        kept.and_then(|b| b.downcast().ok()).unwrap_or_else(|| Box::new(QueryState::new(world)));
    let answer = f(world, &mut state);
    if let Some(mut q) = world.get_resource_mut::<Queries>() {
        q.0.insert(key, state);
    }
    answer
}

/// Changes `from`'s relation with `to` by `delta`, within −100..100.
pub fn shift_relation(world: &mut World, from: Entity, to: Entity, delta: i64) {
    if let Some(mut r) = world.get_mut::<Relations>(from) {
        match r.0.iter_mut().find(|(e, _)| *e == to) {
            Some((_, v)) => *v = (*v + delta).clamp(-100, 100),
            None => r.0.push((to, delta.clamp(-100, 100))),
        }
    }
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Institution {
    pub rule: DecisionRule,
    pub legitimacy: f64,
    pub members: Vec<InstitutionMember>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InstitutionMember {
    Nation(Entity),
    Scripted { id: String, name: String, leaning: Leaning },
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct MandateTemplate {
    pub kind: MandateKind,
    pub responses: std::collections::BTreeMap<Severity, Vec<Response>>,
    pub contingent_kinds: Vec<ContingentKind>,
    pub duration_turns: u32,
    pub capital_cost: i64,
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Mandate {
    pub template: Entity,
    pub authorised_by: Entity,
    /// Empty means the whole line.
    pub sectors: Vec<Entity>,
    pub contributors: Vec<Entity>,
    pub start_turn: u32,
    pub duration_turns: Option<u32>,
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Sector {
    pub points: (u32, u32),
    pub length_km: f64,
    pub terrain: Terrain,
    pub buffer_km: f64,
    pub base_tension: f64,
}

/// A sector's current tension, 0..1.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Tension(pub f64);

/// Belligerents' troops in a sector, in stable order.
#[derive(Component, Clone, Debug, PartialEq, Default)]
pub struct Forces(pub Vec<(Entity, i64)>);

#[derive(Component, Clone, Debug, PartialEq)]
pub struct DefenceLine {
    pub depth: u32,
    pub nations: Vec<Entity>,
    pub engages: Condition,
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Contingent {
    pub owner: Entity,
    pub kind: ContingentKind,
    pub size: i64,
    pub line: Entity,
    pub mandate: Option<Entity>,
    /// `None` = at home.
    pub sector: Option<Entity>,
    pub posture: Posture,
    pub readiness: f64,
    pub losses: i64,
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Pledge {
    pub nation: Entity,
    pub contingent: Entity,
    pub sector: Entity,
    pub condition: Condition,
    pub lapses_after_turn: Option<u32>,
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct Guarantee {
    pub guarantor: Entity,
    pub recipient: Entity,
    pub components: Vec<GuaranteeComponent>,
    pub status: GuaranteeStatus,
    /// The first day it held, once accepted (`None`: from day 1).
    pub accepted_day: Option<u32>,
}

#[derive(Component, Clone, Debug, PartialEq)]
pub struct MonitoringAsset {
    pub owner: Entity,
    pub kind: AssetKind,
    pub count: i64,
    pub mandate: Option<Entity>,
    /// Empty means the whole line.
    pub sectors: Vec<Entity>,
    pub detection: f64,
    pub jamming: f64,
    pub restrictions_per_month: f64,
}

/// A scripted event (its id and name are on [`Key`] and [`Label`]).
#[derive(Component, Clone, Debug, PartialEq)]
pub struct Inject {
    pub text: String,
    pub trigger: Condition,
    pub repeat: bool,
    pub effects: Vec<Effect>,
    pub approval: Option<crate::scenario::model::Approval>,
}

/// Spawns the [`ActiveScenario`] into the world at start-up.
pub struct WorldPlugin;

impl Plugin for WorldPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Queries>().add_systems(Startup, spawn_active_scenario);
    }
}

/// Spawns the active scenario (a start-up system; other start-up systems run after it).
pub fn spawn_active_scenario(world: &mut World) {
    let Some(active) = world.get_resource::<ActiveScenario>().cloned() else {
        error!("no scenario to spawn: add ScenarioPlugin before WorldPlugin");
        return;
    };
    if let Err(problems) = spawn_scenario(world, &active.0) {
        // ScenarioPlugin only accepts validated scenarios; this would be a bug, not bad input.
        error!("the active scenario did not validate: {problems:?}");
    }
}

/// Whether a mandate is in force on `turn`. A mandate from before the game (`start_turn` 0) is
/// in force from turn 1, for its whole duration.
pub fn mandate_active(m: &Mandate, template: Option<&MandateTemplate>, turn: u32) -> bool {
    let duration = m.duration_turns.or(template.map(|t| t.duration_turns)).unwrap_or(1);
    let start = m.start_turn.max(1);
    start <= turn && turn < start.saturating_add(duration)
}
