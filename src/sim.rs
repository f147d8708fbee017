//! A game run in-process: the app with every rules plugin, driven turn by turn. Used by
//! `truce sim`, the tests and the benchmarks; the server wraps the same plugins.

use bevy::ecs::message::MessageCursor;
use bevy::prelude::*;

use crate::bots::{BotsPlugin, Strategy, set_controllers, set_strategies};
use crate::institutions::InstitutionsPlugin;
use crate::record::{History, RecordPlugin, Trace, TurnSummary, state_hash};
use crate::rules::orders::SeatAction;
use crate::rules::{
    Escalation, GameSeed, Order, OrderSubmitted, OrderVerdict, Phase, RulesPlugin, SeatCommand, StartGame,
};
use crate::scenario::validate::{Problem, validate};
use crate::scenario::{Scenario, ScenarioPlugin};
use crate::world::WorldPlugin;

/// The plugins of a game, without any transport or terminal.
pub fn game_plugins(app: &mut App, scenario: Scenario, seed: Option<u64>) {
    if let Some(seed) = seed {
        app.insert_resource(GameSeed(seed));
    }
    app.add_plugins((
        ScenarioPlugin { scenario },
        WorldPlugin,
        RecordPlugin,
        RulesPlugin,
        InstitutionsPlugin,
        BotsPlugin,
        crate::negotiation::NegotiationPlugin,
    ));
}

/// A game in progress.
pub struct Game {
    pub app: App,
    verdicts: MessageCursor<OrderVerdict>,
}

/// Most frames a turn may take before the driver gives up (a turn needs three or four).
const FRAMES_PER_TURN: usize = 16;

impl Game {
    /// A game of `scenario` with every seat played by its bot.
    pub fn new(scenario: Scenario, seed: Option<u64>) -> Result<Game, Vec<Problem>> {
        Game::with_humans(scenario, seed, &[])
    }

    /// A game where the seats in `humans` wait for orders and the others are bots. An invalid
    /// scenario is refused with its problems.
    pub fn with_humans(scenario: Scenario, seed: Option<u64>, humans: &[String]) -> Result<Game, Vec<Problem>> {
        Game::with_policies(scenario, seed, humans, &[])
    }

    /// A game where the seats in `humans` wait for orders, the seats in `policies` are played by
    /// their bots with the strategy given, and the others by their advisors.
    pub fn with_policies(
        scenario: Scenario,
        seed: Option<u64>,
        humans: &[String],
        policies: &[(String, Strategy)],
    ) -> Result<Game, Vec<Problem>> {
        let problems = validate(&scenario);
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut app = App::new();
        game_plugins(&mut app, scenario, seed);
        app.update(); // start-up: spawn the world
        set_controllers(app.world_mut(), humans);
        set_strategies(app.world_mut(), policies);
        app.world_mut().write_message(StartGame);
        let verdicts = app.world().resource::<Messages<OrderVerdict>>().get_cursor();
        let mut game = Game { app, verdicts };
        // Lobby → briefing → orders.
        for _ in 0..FRAMES_PER_TURN {
            if matches!(game.phase(), Phase::Orders | Phase::GameOver) {
                break;
            }
            game.app.update();
        }
        Ok(game)
    }

    pub fn phase(&self) -> Phase {
        *self.app.world().resource::<State<Phase>>().get()
    }

    pub fn world(&mut self) -> &mut World {
        self.app.world_mut()
    }

    /// Hands in an order for `nation` and returns the verdict.
    pub fn submit(&mut self, nation: &str, order: Order) -> OrderVerdict {
        self.app.world_mut().write_message(OrderSubmitted { nation: nation.to_string(), order });
        self.take_verdicts().pop().expect("intake answers every order")
    }

    /// Locks, unlocks or retracts, and returns the verdict.
    pub fn command(&mut self, nation: &str, action: SeatAction) -> OrderVerdict {
        self.app.world_mut().write_message(SeatCommand { nation: nation.to_string(), action });
        self.take_verdicts().pop().expect("intake answers every command")
    }

    /// Runs intake (one frame) and returns the verdicts it gave.
    fn take_verdicts(&mut self) -> Vec<OrderVerdict> {
        crate::rules::orders::intake_orders(self.app.world_mut());
        let messages = self.app.world().resource::<Messages<OrderVerdict>>();
        self.verdicts.read(messages).cloned().collect()
    }

    /// Locks every seat still open and plays until the turn is resolved and the next one opens
    /// (or the game ends). Returns the turn's summary.
    pub fn finish_turn(&mut self) -> Option<TurnSummary> {
        if self.phase() == Phase::GameOver {
            return None;
        }
        let before = self.app.world().resource::<History>().0.len();
        let seats: Vec<String> = self
            .app
            .world_mut()
            .query_filtered::<&crate::world::Key, With<crate::world::Nation>>()
            .iter(self.app.world())
            .map(|k| k.0.clone())
            .collect();
        for s in seats {
            self.app.world_mut().write_message(SeatCommand { nation: s, action: SeatAction::Lock });
        }
        for _ in 0..FRAMES_PER_TURN {
            self.app.update();
            let done = self.app.world().resource::<History>().0.len() > before;
            if done && matches!(self.phase(), Phase::Orders | Phase::GameOver) {
                break;
            }
        }
        self.app.world().resource::<History>().0.get(before).cloned()
    }

    /// Plays to the end; returns every turn's summary.
    pub fn play_out(&mut self) -> Vec<TurnSummary> {
        while self.finish_turn().is_some() {}
        self.history().to_vec()
    }

    pub fn history(&self) -> &[TurnSummary] {
        &self.app.world().resource::<History>().0
    }

    pub fn trace(&self) -> &Trace {
        self.app.world().resource::<Trace>()
    }

    pub fn escalation(&self) -> &Escalation {
        self.app.world().resource::<Escalation>()
    }

    pub fn state_hash(&mut self) -> u64 {
        state_hash(self.app.world_mut())
    }
}
