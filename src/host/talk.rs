//! The host's side of negotiation: press, channels, offers and answers taken as inputs (a bot
//! answers at once, within the same input), and press delivered to its readers as it is said.

use std::sync::Arc;

use bevy::prelude::*;

use super::view::reader;
use super::{Applied, Connections, Outgoing, Pending, note, refused};
use crate::bots::negotiate;
use crate::negotiation::{PressTo, Talks, deals, press};
use crate::protocol::ServerMessage;
use crate::rules::Controller;
use crate::world::Registry;

fn is_bot(world: &World, seat: &str) -> bool {
    let e = world.resource::<Registry>().get(seat);
    e.and_then(|e| world.get::<Controller>(e)).copied() == Some(Controller::Bot)
}

fn done(what: String) -> Result<Applied, ServerMessage> {
    Ok(Applied { reply: ServerMessage::Done { what }, id: None })
}

/// Applies one negotiation input (the same in live play and in replay: a bot's answer is made
/// again from the same game, so it is not journalled apart).
pub(super) fn carry_out(world: &mut World, input: &super::Input, by: &str) -> Result<Applied, ServerMessage> {
    use super::Input;
    match input {
        Input::Press { seat, to, text } => {
            press::check_press(world, seat, to, text).map_err(|r| refused("press", r))?;
            let n = press::say(world, seat, to.clone(), text.trim(), None);
            if let PressTo::Seat(them) = to
                && is_bot(world, them)
            {
                negotiate::answer_message(world, seat, them);
            }
            done(format!("press {n}"))
        }
        Input::OpenChannel { seat, name, members } => {
            press::check_channel(world, seat, name, members).map_err(|r| refused("channel", r))?;
            let id = press::open_channel(world, seat, name, members);
            done(format!("channel {id}"))
        }
        Input::Offer { seat, offer } => {
            deals::check_offer(world, seat, offer).map_err(|r| refused("offer", r))?;
            let id = deals::offer(world, seat, offer);
            if let Some((accept, reason)) = negotiate::weigh_offer(world, id) {
                deals::answer(world, &offer.to, id, accept, &reason);
                if accept {
                    negotiate::keep_promises_now(world, id);
                }
            }
            done(format!("offer {id}"))
        }
        Input::Answer { seat, deal, accept, reason } => {
            deals::check_answer(world, seat, *deal, reason).map_err(|r| refused("answer", r))?;
            deals::answer(world, seat, *deal, *accept, reason);
            let offered_by = world.resource::<Talks>().deal(*deal).map(|d| d.from.clone()).unwrap_or_default();
            if *accept && is_bot(world, &offered_by) {
                negotiate::keep_promises_now(world, *deal);
            }
            done(format!("answer {deal}"))
        }
        Input::PressRules(rules) => {
            world.resource_mut::<Talks>().rules = *rules;
            note(world, by, &format!("set the press rules to {}", rules.words()));
            done("press".into())
        }
        _ => Err(refused("input", "not a negotiation input".into())),
    }
}

/// Sends every piece of press said since the last frame to each connection that may read it:
/// every connection of the seats concerned, the white cell, and for a public statement everyone.
pub(super) fn deliver_press(world: &mut World) {
    let sent = world.resource::<Pending>().press_sent;
    let talks = world.resource::<Talks>();
    if talks.press.len() as u64 <= sent {
        return;
    }
    let fresh: Vec<_> = talks.press[sent as usize..].to_vec();
    let connections = world.resource::<Connections>();
    let mut out = Vec::new();
    for item in &fresh {
        let message = Arc::new(ServerMessage::Press(Box::new(item.clone())));
        for (id, c) in &connections.0 {
            if talks.may_read(item, reader(c.role, c.seat.as_deref())) {
                out.push(Outgoing { to: *id, message: message.clone() });
            }
        }
    }
    world.resource_mut::<Pending>().press_sent += fresh.len() as u64;
    for o in out {
        world.write_message(o);
    }
}
