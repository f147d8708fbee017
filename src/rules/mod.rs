//! The rules: the turn cycle, orders and their validation, and the resolution of a turn in one
//! fixed order (`docs/rules.md` describes every step and formula).

pub mod conditions;
pub mod forces;
pub mod line;
pub mod orders;
pub mod politics;

use std::collections::{BTreeMap, BTreeSet};

use bevy::ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use serde::{Deserialize, Serialize};

use crate::world::{Key, Nation, ScenarioInfo, StableId};

pub use orders::{Ballot, Order, OrderBook, OrderSubmitted, OrderVerdict, SeatCommand};

/// The phases of a game.
#[derive(States, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// Seats are filling; nothing has happened yet.
    #[default]
    Lobby,
    /// Each seat reads its picture of the last turn.
    Briefing,
    /// Negotiation and orders: seats submit, revise and lock.
    Orders,
    /// Everything resolves, in a fixed order.
    Resolution,
    /// The game has ended (the last turn was played, or the ceasefire collapsed).
    GameOver,
}

/// Where the game stands in time.
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Clock {
    /// The turn being played or just resolved; 0 before the first.
    pub turn: u32,
    /// Days elapsed since day 0 at the start of the current turn.
    pub day: u32,
}

/// The state of the ceasefire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ceasefire {
    Holding,
    Fraying,
    Collapsed,
}

impl Ceasefire {
    pub fn word(self) -> &'static str {
        match self {
            Ceasefire::Holding => "holding",
            Ceasefire::Fraying => "fraying",
            Ceasefire::Collapsed => "collapsed",
        }
    }
}

/// Escalation along the whole line, 0 upwards; the ceasefire collapses at the model's threshold.
#[derive(Resource, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    pub level: f64,
    pub ceasefire: Ceasefire,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation { level: 0.0, ceasefire: Ceasefire::Holding }
    }
}

/// The seed of this game's dice (the scenario's, or the one given on the command line).
#[derive(Resource, Clone, Copy, Debug)]
pub struct GameSeed(pub u64);

/// Who plays a nation's seat.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Controller {
    /// Its bot drafts and locks orders at the start of each orders phase.
    Bot,
    /// People play it; if the clock ends with nothing locked, the bot may stand in.
    Human,
}

/// A belligerent's secret pressure per sector, 0..1.
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub struct Postures(pub BTreeMap<Entity, f64>);

/// A belligerent's standing recommitment to the ceasefire.
#[derive(Component, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truce {
    /// The day it was made.
    pub day: u32,
    /// Whether it came with concrete measures (disengagement, fire orders).
    pub measures: bool,
}

/// A nation's score so far.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score(pub i64);

/// A nation's casualties so far (its forces on the line and its contingents).
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casualties(pub u64);

/// Where a contingent on its way stands.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transit {
    pub to: Entity,
    /// Day of the game it arrives.
    pub arrives: u32,
}

/// The state of a pledge.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PledgeState {
    /// Waiting for its condition.
    Pending,
    /// Its condition held and the contingent was sent.
    Active,
    /// Its time ran out unmet.
    Lapsed,
    /// It was active and the nation pulled the contingent out.
    Breached,
    /// It was active until its mandate ended: the promise was kept.
    Fulfilled,
}

/// Sanctions in force: (imposer, target).
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sanctions(pub BTreeSet<(String, String)>);

/// Intelligence-sharing arrangements: (from, to).
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntelSharing(pub BTreeSet<(String, String)>);

/// Share of detection each nation evades this turn because its plans leaked to it, by nation id.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct Leaks(pub BTreeMap<String, f64>);

/// Facts about this turn that conditions and reports read.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct TurnFacts {
    pub violations_true: u64,
    pub violations_recorded: u64,
    pub recorded_last_turn: u64,
    pub casualties: u64,
    /// The worst severity an impartial observer detected this turn.
    pub worst_detected: Option<crate::scenario::model::Severity>,
    /// The same, last turn.
    pub worst_last_turn: Option<crate::scenario::model::Severity>,
    /// Per sector, as they stood while the days were played: (deterrence, detection, peacekeepers).
    pub pictures: BTreeMap<Entity, (f64, f64, f64)>,
    /// Air support requested this turn: (sector, requesting nation).
    pub air_support_requested: BTreeSet<(Entity, Entity)>,
    /// Per sector: (true, recorded, incidents).
    pub by_sector: BTreeMap<Entity, (u64, u64, u64)>,
    /// Casualties this turn, by nation.
    pub casualties_by_nation: BTreeMap<Entity, u64>,
    /// Next id for violations.
    pub next_violation: u64,
}

/// Runs every step of resolution once, in order.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResolveTurn;

/// The ordered steps of resolution; each domain's systems say which step they belong to.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    ApplyOrders,
    DecideInstitutions,
    StartAndExpireMandates,
    SettlePledges,
    MoveContingents,
    Injects,
    SimulateDays,
    Politics,
    Score,
    Report,
}

/// The turn cycle and the resolution schedule.
pub struct RulesPlugin;

impl Plugin for RulesPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<StatesPlugin>() {
            app.add_plugins(StatesPlugin);
        }
        let mut resolve = Schedule::new(ResolveTurn);
        // One thread and one fixed order: the same inputs give the same game.
        resolve.set_executor(SingleThreadedExecutor::new());
        resolve.configure_sets(
            (
                Step::ApplyOrders,
                Step::DecideInstitutions,
                Step::StartAndExpireMandates,
                Step::SettlePledges,
                Step::MoveContingents,
                Step::Injects,
                Step::SimulateDays,
                Step::Politics,
                Step::Score,
                Step::Report,
            )
                .chain(),
        );
        app.add_schedule(resolve)
            .init_state::<Phase>()
            .init_resource::<Clock>()
            .init_resource::<Escalation>()
            .init_resource::<Sanctions>()
            .init_resource::<IntelSharing>()
            .init_resource::<Leaks>()
            .init_resource::<TurnFacts>()
            .init_resource::<OrderBook>()
            .add_message::<OrderSubmitted>()
            .add_message::<OrderVerdict>()
            .add_message::<SeatCommand>()
            .add_message::<StartGame>()
            .add_systems(Startup, prepare_nations.after(crate::world::spawn_active_scenario))
            .add_systems(OnEnter(Phase::Orders), orders::open_orders)
            .add_systems(OnEnter(Phase::Resolution), resolve_turn)
            .add_systems(OnEnter(Phase::Briefing), begin_briefing)
            .add_systems(Update, (start_game, orders::intake_orders, advance_phase).chain());
        orders::plugin(app);
        forces::plugin(app);
        line::plugin(app);
        politics::plugin(app);
    }
}

/// Asks a game in the lobby to begin.
#[derive(Message, Clone, Debug)]
pub struct StartGame;

/// Gives every nation and pledge its runtime state.
fn prepare_nations(
    mut commands: Commands,
    nations: Query<Entity, (With<Nation>, Without<Score>)>,
    pledges: Query<Entity, (With<crate::world::Pledge>, Without<PledgeState>)>,
    seed: Option<Res<GameSeed>>,
    info: Option<Res<ScenarioInfo>>,
) {
    for e in &nations {
        commands.entity(e).insert((Score::default(), Casualties::default(), Controller::Bot, Postures::default()));
    }
    for e in &pledges {
        commands.entity(e).insert(PledgeState::Pending);
    }
    if seed.is_none()
        && let Some(info) = info
    {
        commands.insert_resource(GameSeed(info.seed));
    }
}

fn start_game(mut starts: MessageReader<StartGame>, phase: Res<State<Phase>>, mut next: ResMut<NextState<Phase>>) {
    if starts.read().count() > 0 && *phase.get() == Phase::Lobby {
        next.set(Phase::Briefing);
    }
}

/// Briefings are assembled at the end of resolution; a headless game reads them at once.
fn begin_briefing(
    clock: Res<Clock>,
    info: Res<ScenarioInfo>,
    escalation: Res<Escalation>,
    mut next: ResMut<NextState<Phase>>,
) {
    if escalation.ceasefire == Ceasefire::Collapsed || clock.turn >= info.turns {
        next.set(Phase::GameOver);
    } else {
        next.set(Phase::Orders);
    }
}

/// Moves from orders to resolution once every seat has locked.
pub fn advance_phase(
    phase: Res<State<Phase>>,
    book: Res<OrderBook>,
    seats: Query<&Key, With<Nation>>,
    mut next: ResMut<NextState<Phase>>,
) {
    if *phase.get() == Phase::Orders && seats.iter().all(|k| book.is_locked(&k.0)) {
        next.set(Phase::Resolution);
    }
}

/// Runs the resolution schedule, then moves on to the briefing.
fn resolve_turn(world: &mut World) {
    world.run_schedule(ResolveTurn);
    world.resource_mut::<NextState<Phase>>().set(Phase::Briefing);
}

/// Nations in stable order, as (entity, key).
pub fn nations_in_order(world: &mut World) -> Vec<(Entity, String)> {
    let mut v: Vec<(StableId, Entity, String)> = world
        .query_filtered::<(Entity, &StableId, &Key), With<Nation>>()
        .iter(world)
        .map(|(e, s, k)| (*s, e, k.0.clone()))
        .collect();
    v.sort_by_key(|(s, _, _)| *s);
    v.into_iter().map(|(_, e, k)| (e, k)).collect()
}
