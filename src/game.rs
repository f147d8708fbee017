//! The state every domain shares: the phase and the clock, the seed, escalation and the ceasefire,
//! scores, casualties and the turn's facts, and the ordered steps of resolution. It depends on no
//! other domain, so the rules, the record and the institutions can all read it.

use std::collections::{BTreeMap, BTreeSet};

use bevy::ecs::schedule::ScheduleLabel;
use bevy::prelude::*;
use serde::{Deserialize, Serialize};

/// A yes, no or abstention on a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Ballot {
    Yes,
    No,
    Abstain,
}

/// The phases of a game.
#[derive(States, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
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

/// Turns on which each of a nation's objectives held at scoring, in the order of its objectives.
#[derive(Component, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveRecord(pub Vec<u32>);

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
    /// The daily hazard of collapse, summed over the turn's days.
    pub hazard_days: f64,
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

/// A white cell's override of this turn's adjudication (docs/rules.md §3.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Override {
    /// The escalation this turn's violations gather is scaled (0 cancels it, 2 doubles it).
    Escalation { scale: f64 },
    /// A proposal decided this turn passes or fails, whatever its votes.
    Vote { proposal: u64, passes: bool },
    /// Every violation monitors name in `sector` this turn is laid on `to`, one of the two
    /// sides there: the white cell's ruling on who fired.
    Attribution { sector: String, to: String },
}

/// The overrides the white cell gave for the turn being played, with their rationales; cleared
/// when the next turn opens.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct Overrides(pub Vec<(Override, String)>);

impl Overrides {
    /// The scale on this turn's escalation (1 when not overridden).
    pub fn escalation_scale(&self) -> f64 {
        self.0
            .iter()
            .rev()
            .find_map(|(o, _)| if let Override::Escalation { scale } = o { Some(*scale) } else { None })
            .unwrap_or(1.0)
    }

    /// The side every violation named in `sector` is laid on this turn, if the white cell ruled.
    pub fn attribution(&self, sector: &str) -> Option<&str> {
        self.0.iter().rev().find_map(|(o, _)| match o {
            Override::Attribution { sector: s, to } if s == sector => Some(to.as_str()),
            _ => None,
        })
    }

    /// The outcome set for proposal `id`, if any.
    pub fn vote(&self, id: u64) -> Option<bool> {
        self.0.iter().rev().find_map(|(o, _)| match o {
            Override::Vote { proposal, passes } if *proposal == id => Some(*passes),
            _ => None,
        })
    }
}
