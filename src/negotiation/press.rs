//! Press: private messages, group channels and public statements, delivered the moment they are
//! taken (docs/rules.md §2.6).

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::{PressRules, Talks};
use crate::rules::Clock;
use crate::rules::orders::MAX_TEXT_CHARS;
use crate::world::{Label, Nation, Registry};

/// Longest name of a group channel, in characters.
pub const MAX_CHANNEL_NAME_CHARS: usize = 40;
/// Most channels a game may hold (each seat's few with each group it talks to).
pub const MAX_CHANNELS: usize = 200;
/// Most press items a view carries (the newest); later ones arrive as `ServerMessage::Press`.
pub const PRESS_IN_VIEW: usize = 200;

/// Whom a piece of press is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum PressTo {
    /// One other seat, privately.
    Seat(String),
    /// The members of a group channel.
    Channel(u64),
    /// Every seat and observer.
    Public,
}

/// One message, statement or word about a deal, as it was delivered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PressItem {
    /// Its place in the game's press, from 1.
    pub n: u64,
    pub turn: u32,
    pub day: u32,
    /// The seat that said it.
    pub from: String,
    pub to: PressTo,
    pub text: String,
    /// The deal it offers or answers, if any.
    #[serde(default)]
    pub deal: Option<u64>,
}

/// A group channel: a seat opened it with seats it chose, who all read what is said in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Channel {
    pub id: u64,
    pub name: String,
    /// Its members by seat, the one who opened it first.
    pub members: Vec<String>,
}

impl Channel {
    pub fn has(&self, seat: &str) -> bool {
        self.members.iter().any(|m| m == seat)
    }
}

pub(super) fn nation_name(world: &World, id: &str) -> Option<String> {
    let e = world.resource::<Registry>().get(id).filter(|e| world.get::<Nation>(*e).is_some())?;
    Some(world.get::<Label>(e).map_or_else(|| id.to_string(), |l| l.0.clone()))
}

fn text_ok(text: &str, what: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{what} has no text"));
    }
    let n = text.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(format!("{what} is at most {MAX_TEXT_CHARS} characters; this one has {n}"));
    }
    Ok(())
}

/// Whether `from` may say `text` to `to` now, under the game's press rules.
pub fn check_press(world: &World, from: &str, to: &PressTo, text: &str) -> Result<(), String> {
    let talks = world.resource::<Talks>();
    match (talks.rules, to) {
        (PressRules::None, _) => {
            return Err("this game has no press: the facilitator has closed every channel (offers of deals still go \
                        through)"
                .into());
        }
        (PressRules::PublicOnly, PressTo::Seat(_) | PressTo::Channel(_)) => {
            return Err(
                "this game has public press only: every word is on the record, so make it a public statement".into()
            );
        }
        _ => {}
    }
    match to {
        PressTo::Seat(to) if to == from => return Err("you cannot send a message to yourself".into()),
        PressTo::Seat(to) if nation_name(world, to).is_none() => {
            return Err(format!("there is no seat {:?} in this game", to.chars().take(40).collect::<String>()));
        }
        PressTo::Channel(id) => match talks.channel(*id) {
            None => return Err(format!("there is no channel {id}")),
            Some(c) if !c.has(from) => return Err(format!("you are not in the channel {:?}", c.name)),
            Some(_) => {}
        },
        _ => {}
    }
    text_ok(text, "a message")
}

/// Adds a piece of press to the game's and returns its number. Delivery is the host's.
pub fn say(world: &mut World, from: &str, to: PressTo, text: &str, deal: Option<u64>) -> u64 {
    let clock = world.resource::<Clock>().clone();
    let mut talks = world.resource_mut::<Talks>();
    let n = talks.press.len() as u64 + 1;
    talks.press.push(PressItem {
        n,
        turn: clock.turn,
        day: clock.day,
        from: from.to_string(),
        to,
        text: text.to_string(),
        deal,
    });
    n
}

/// Whether `by` may open a channel called `name` with `members`.
pub fn check_channel(world: &World, by: &str, name: &str, members: &[String]) -> Result<(), String> {
    let talks = world.resource::<Talks>();
    if talks.rules != PressRules::Full {
        return Err(format!("a group channel is private press, and this game has {}", talks.rules.words()));
    }
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_CHANNEL_NAME_CHARS {
        return Err(format!("a channel's name is 1 to {MAX_CHANNEL_NAME_CHARS} characters"));
    }
    if members.is_empty() {
        return Err("a channel needs at least one other seat".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for m in members {
        if m == by {
            return Err("you are in your own channel already; name the other seats".into());
        }
        if nation_name(world, m).is_none() {
            return Err(format!("there is no seat {:?} in this game", m.chars().take(40).collect::<String>()));
        }
        if !seen.insert(m) {
            return Err(format!("{m} is named twice"));
        }
    }
    let wanted = channel_members(by, members);
    if let Some(c) = talks.channels.iter().find(|c| c.name == name.trim() && sorted(&c.members) == sorted(&wanted)) {
        return Err(format!("you have that channel already (channel {})", c.id));
    }
    if talks.channels.len() >= MAX_CHANNELS {
        return Err(format!("this game has {MAX_CHANNELS} channels, the most it may"));
    }
    Ok(())
}

fn channel_members(by: &str, members: &[String]) -> Vec<String> {
    std::iter::once(by.to_string()).chain(members.iter().cloned()).collect()
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// Opens a channel (checked already) and tells its members; returns its id.
pub fn open_channel(world: &mut World, by: &str, name: &str, members: &[String]) -> u64 {
    let members = channel_members(by, members);
    let names: Vec<String> = members.iter().map(|m| nation_name(world, m).unwrap_or_else(|| m.clone())).collect();
    let mut talks = world.resource_mut::<Talks>();
    let id = talks.channels.len() as u64 + 1;
    talks.channels.push(Channel { id, name: name.trim().to_string(), members });
    let text = format!("opened the channel \"{}\" with {}", name.trim(), names.join(", "));
    say(world, by, PressTo::Channel(id), &text, None);
    id
}
