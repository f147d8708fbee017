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
