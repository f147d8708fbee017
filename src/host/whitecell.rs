//! The white cell's control of the game: injects that wait for its approval, with the default
//! done for it when its time is up.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bevy::prelude::*;

use super::{Applied, note, refused};
use crate::protocol::{Command, ServerMessage};
use crate::rules::politics::{AwaitingApproval, fire_inject_now};
use crate::scenario::model::Unanswered;
use crate::world::{Inject, Registry};

/// A rollback journalled and waiting for the server to rebuild the game at the start of this turn.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollbackDue(pub u32);

/// Whether the game can go back to the start of `turn`: one already begun, in a game that keeps
/// a journal to rebuild it from.
pub(super) fn check_rollback(world: &World, turn: u32) -> Result<(), String> {
    let now = world.resource::<crate::rules::Clock>().turn;
    if turn == 0 || turn > now {
        return Err(format!("the game can go back to the start of turns 1 to {now}, not {turn}"));
    }
    if world.resource::<super::GameFiles>().journal.is_none() {
        return Err("this game keeps no journal to go back through".into());
    }
    Ok(())
}

/// When each inject awaiting approval was first shown to the white cell, and when its time is up.
#[derive(Resource, Debug, Default)]
pub struct ApprovalDeadlines(pub BTreeMap<String, Instant>);

/// An inject waiting for approval fires now, at the size the facilitator chose.
pub(super) fn approve(world: &mut World, by: &str, inject: &str, scale: f64) -> Result<Applied, ServerMessage> {
    if !world.resource::<AwaitingApproval>().0.iter().any(|(i, _)| i == inject) {
        return Err(refused("approve", format!("the inject {inject:?} is not waiting for approval")));
    }
    match fire_inject_now(world, inject, scale) {
        Ok(name) => {
            let size = if scale == 1.0 { String::new() } else { format!(" at {scale} of its size") };
            note(world, by, &format!("approved the inject {name}{size}"));
            Ok(Applied { reply: ServerMessage::Done { what: format!("approve {inject}") }, id: None })
        }
        Err(reason) => Err(refused("approve", reason)),
    }
}

/// What the inject's author said should happen if the facilitator does not decide.
fn default_for(world: &World, id: &str) -> Command {
    let unanswered = world
        .resource::<Registry>()
        .get(id)
        .and_then(|e| world.get::<Inject>(e))
        .and_then(|i| i.approval)
        .map_or(Unanswered::Fire, |a| a.unanswered);
    match unanswered {
        Unanswered::Fire => Command::Approve { inject: id.to_string(), scale: 1.0 },
        Unanswered::Skip => Command::Skip(id.to_string()),
    }
}

/// The defaults due now: each inject awaiting approval gets its time from when the white cell
/// first saw it; when that is up, the clock does what the author said (journalled as the clock's).
pub(super) fn undecided_in_time(world: &mut World) -> Vec<Command> {
    let awaiting: Vec<String> = world.resource::<AwaitingApproval>().0.iter().map(|(i, _)| i.clone()).collect();
    let now = Instant::now();
    let seconds: Vec<(String, u64)> = awaiting
        .iter()
        .map(|id| {
            let s = world.resource::<Registry>().get(id).and_then(|e| world.get::<Inject>(e)).and_then(|i| i.approval);
            (id.clone(), s.map_or(0, |a| u64::from(a.seconds)))
        })
        .collect();
    let mut deadlines = world.get_resource_or_init::<ApprovalDeadlines>();
    deadlines.0.retain(|id, _| awaiting.contains(id));
    let mut due = Vec::new();
    for (id, s) in seconds {
        let at = *deadlines.0.entry(id.clone()).or_insert(now + Duration::from_secs(s));
        if now >= at {
            deadlines.0.remove(&id);
            due.push(id);
        }
    }
    due.iter().map(|id| default_for(world, id)).collect()
}

/// Turns the white cell overrode whose counterfactual is still to be worked out.
#[derive(Resource, Debug, Default)]
pub struct OverriddenTurns(pub std::collections::BTreeSet<u32>);

/// Turns whose counterfactual the server should work out now (they have resolved).
#[derive(Resource, Clone, Debug, PartialEq, Eq)]
pub struct CounterfactualDue(pub Vec<u32>);

/// Every counterfactual worked out so far, oldest first.
#[derive(Resource, Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counterfactuals(pub Vec<Counterfactual>);

/// An overridden turn set against the same turn played without its overrides.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Counterfactual {
    pub turn: u32,
    /// Each override in words, with its rationale.
    pub overrides: Vec<String>,
    /// Where the two differ at the end of the turn: what, as played, and without the overrides.
    pub differences: Vec<(String, String, String)>,
}

/// The file of a game directory that keeps its counterfactuals for the after-action review.
pub const COUNTERFACTUALS_FILE: &str = "counterfactuals.json";

fn override_words(what: &crate::game::Override) -> String {
    match what {
        crate::game::Override::Escalation { scale } => format!("scaled this turn's escalation by {scale}"),
        crate::game::Override::Vote { proposal, passes } => {
            format!("set proposal {proposal} to {}", if *passes { "pass" } else { "fail" })
        }
        crate::game::Override::Attribution { sector, to } => {
            format!("laid every violation named in {sector} this turn on {to}")
        }
    }
}

/// §3.3 The white cell overrides this turn's adjudication: checked, kept for the turn's
/// resolution, and written into the record with its rationale.
pub(super) fn override_adjudication(
    world: &mut World,
    by: &str,
    what: &crate::game::Override,
    rationale: &str,
) -> Result<Applied, ServerMessage> {
    let clock = world.resource::<crate::rules::Clock>().clone();
    if let crate::game::Override::Vote { proposal, .. } = what {
        let decided_now = world
            .resource::<crate::institutions::Proposals>()
            .open
            .iter()
            .any(|p| p.id == *proposal && p.turn < clock.turn);
        if !decided_now {
            return Err(refused("override", format!("proposal {proposal} is not put to the vote this turn")));
        }
    }
    if let crate::game::Override::Attribution { sector, to } = what {
        let registry = world.resource::<Registry>();
        let (Some(s), Some(n)) = (registry.get(sector), registry.get(to)) else {
            return Err(refused("override", format!("there is no sector {sector:?} or no nation {to:?} in this game")));
        };
        let belligerent = world
            .get::<crate::world::Nation>(n)
            .is_some_and(|x| x.has(crate::scenario::model::NationFlag::Belligerent));
        let there = world.get::<crate::world::Forces>(s).is_some_and(|f| f.0.iter().any(|(e, t)| *e == n && *t > 0));
        if !(belligerent && there) {
            return Err(refused(
                "override",
                format!("{to} has no troops of a side in {sector} to lay the violations on"),
            ));
        }
    }
    world.resource_mut::<crate::game::Overrides>().0.push((what.clone(), rationale.trim().to_string()));
    if !world.resource::<super::Replaying>().0 {
        // A replayed override was compared when it was first played.
        world.get_resource_or_init::<OverriddenTurns>().0.insert(clock.turn);
    }
    let words = override_words(what);
    let line = format!("The white cell {words}: {}", rationale.trim());
    world.resource_mut::<crate::record::Trace>().add(
        clock.turn,
        clock.day,
        "override",
        line.clone(),
        vec![(crate::record::Audience::WhiteCell, line)],
    );
    note(world, by, &format!("overrode the adjudication ({words})"));
    Ok(Applied { reply: ServerMessage::Done { what: "override".into() }, id: None })
}

/// A new phase: the overridden turns now resolved are due their counterfactual.
pub(super) fn note_overridden_turns(world: &mut World, (turn, phase): (u32, crate::rules::Phase)) {
    if world.resource::<super::Replaying>().0 {
        return;
    }
    let mut turns = world.get_resource_or_init::<OverriddenTurns>();
    let done: Vec<u32> =
        turns.0.iter().copied().filter(|t| *t < turn || phase == crate::rules::Phase::GameOver).collect();
    turns.0.retain(|t| !done.contains(t));
    if !done.is_empty() {
        world.insert_resource(CounterfactualDue(done));
    }
}

/// The words of the overrides the journal's active branch gave in `turn`.
pub fn overrides_in(records: &[super::Record], turn: u32) -> Vec<String> {
    let active = super::active_branch(records);
    records
        .iter()
        .zip(active)
        .filter(|(r, a)| *a && r.turn == turn)
        .map(|(r, _)| r)
        .filter_map(|r| match &r.input {
            super::Input::Override { what, rationale } => Some(format!("{}: {rationale}", override_words(what))),
            _ => None,
        })
        .collect()
}

/// Where two summaries of the same turn differ, field by field (the count of trace entries
/// aside: the override's own record is no difference in the game).
pub fn differences(
    game: &crate::record::TurnSummary,
    without: &crate::record::TurnSummary,
) -> Vec<(String, String, String)> {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<(String, String, String)>) {
        use serde_json::Value as V;
        match (a, b) {
            (V::Object(x), V::Object(y)) => {
                for (k, v) in x {
                    let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    walk(&here, v, y.get(k).unwrap_or(&V::Null), out);
                }
            }
            (V::Array(x), V::Array(y)) if x.len() == y.len() && x.iter().all(|v| v.is_object()) => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    let name = v
                        .get("id")
                        .or_else(|| v.get("sector"))
                        .and_then(|n| n.as_str())
                        .map_or(i.to_string(), str::to_string);
                    walk(&format!("{path}[{name}]"), v, w, out);
                }
            }
            _ if a != b => out.push((path.to_string(), a.to_string(), b.to_string())),
            _ => {}
        }
    }
    let (a, b) = (serde_json::to_value(game).unwrap_or_default(), serde_json::to_value(without).unwrap_or_default());
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out.retain(|(what, ..)| what != "events");
    out
}

/// How many of `turn`'s incidents monitors laid on each side in each sector, as
/// ("attributed in SECTOR to NATION", count): what a ruling on attribution changes first.
pub fn attributions(trace: &crate::record::Trace, turn: u32) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for e in trace.entries.iter().filter(|e| e.turn == turn) {
        let Some(i) = &e.incident else { continue };
        let told = trace.told(i);
        if let Some(named) = told.named() {
            *out.entry(format!("attributed in {} to {named}", told.place.sector)).or_insert(0) += 1;
        }
    }
    out
}

/// The attributions that differ between the game and its counterfactual, as differences.
pub fn attribution_differences(
    game: &BTreeMap<String, u64>,
    without: &BTreeMap<String, u64>,
) -> Vec<(String, String, String)> {
    let keys: std::collections::BTreeSet<&String> = game.keys().chain(without.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (game.get(k).copied().unwrap_or(0), without.get(k).copied().unwrap_or(0));
            (a != b).then(|| (k.clone(), a.to_string(), b.to_string()))
        })
        .collect()
}

/// §3.4 The facilitator's order for a seat, in place of the seat's own on the same matter.
pub(super) fn order_for(
    world: &mut World,
    by: &str,
    seat: &str,
    order: &crate::rules::Order,
) -> Result<Applied, ServerMessage> {
    let id = crate::rules::orders::put_in_draft(world, seat, order.clone()).map_err(|r| refused("order for", r))?;
    // The white cell's log only: which seat a teacher steers is nobody else's business.
    let line =
        format!("turn {}: {by} gave {seat} an order: {}", world.resource::<crate::rules::Clock>().turn, order.kind());
    world.resource_mut::<super::Notices>().log.push(line);
    world.resource_mut::<super::Pending>().seats = true;
    Ok(Applied { reply: ServerMessage::Done { what: format!("order {id} for {seat}") }, id: Some(id) })
}
