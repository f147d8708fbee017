//! The rules: the turn cycle, orders and their validation, and the resolution of a turn in one
//! fixed order (`docs/rules.md` describes every step and formula).

pub mod conditions;
pub mod forces;
pub mod guarantees;
pub mod line;
pub mod menu;
pub mod orders;
pub mod politics;

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;

use crate::world::{Key, Nation, ScenarioInfo, StableId};

pub use crate::game::{
    Ballot, Casualties, Ceasefire, Clock, Controller, Escalation, GameSeed, IntelSharing, Leaks, ObjectiveRecord,
    Override, Overrides, Phase, PledgeState, Postures, ResolveTurn, Sanctions, Score, Step, Transit, Truce, TurnFacts,
};
pub use orders::{Order, OrderBook, OrderSubmitted, OrderVerdict, SeatCommand};

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
            .init_resource::<Overrides>()
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
        guarantees::plugin(app);
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
        commands.entity(e).insert((
            Score::default(),
            ObjectiveRecord::default(),
            Casualties::default(),
            Controller::Bot,
            Postures::default(),
        ));
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
    let mut v: Vec<(StableId, Entity, String)> =
        crate::world::with_query::<(Entity, &StableId, &Key), With<Nation>, _>(world, |world, q| {
            q.iter(world).map(|(e, s, k)| (*s, e, k.0.clone())).collect()
        });
    v.sort_by_key(|(s, _, _)| *s);
    v.into_iter().map(|(_, e, k)| (e, k)).collect()
}
