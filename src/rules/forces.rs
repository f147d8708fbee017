//! Forces in motion: mandates starting and expiring, conditional pledges activating or lapsing,
//! contingents travelling, arriving, joining mandates and going home.

use std::collections::{BTreeMap, BTreeSet};

use bevy::prelude::*;

use super::conditions::{self, describe, holds};
use super::{Clock, PledgeState, ResolveTurn, Step, Transit};
use crate::record::Trace;
use crate::world::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(ResolveTurn, expire_mandates.in_set(Step::StartAndExpireMandates))
        .add_systems(ResolveTurn, settle_pledges.in_set(Step::SettlePledges))
        .add_systems(ResolveTurn, move_contingents.in_set(Step::MoveContingents));
}

fn label(world: &World, e: Entity) -> String {
    world.get::<Label>(e).map_or_else(|| "?".into(), |l| l.0.clone())
}

/// Whether bringing a contingent home breaks the pledge that sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recall {
    /// The nation chose to (or had to) pull out: an active pledge is breached.
    Breach,
    /// The mandate ended: the pledge was kept.
    Kept,
}

/// The first host (stable order) that refuses `nation`'s troops on its soil, if any.
pub fn refused_by(world: &mut World, nation: Entity) -> Option<Entity> {
    let mut hosts: Vec<(StableId, Entity)> = world
        .query::<(Entity, &StableId, &Nation)>()
        .iter(world)
        .filter(|(_, _, n)| n.refuses.contains(&nation))
        .map(|(e, s, _)| (*s, e))
        .collect();
    hosts.sort();
    hosts.first().map(|(_, e)| *e)
}

/// §5.7 A host refuses `nation`'s troops on its soil: those already there or on their way go
/// home, their pledges kept, since consent is the host's to give.
pub fn refuse_troops(world: &mut World, host: Entity, nation: Entity) {
    let clock = world.resource::<Clock>().clone();
    if let Some(mut n) = world.get_mut::<Nation>(host) {
        n.refuses.push(nation);
    }
    let why = format!("{} refuses {}'s troops on its soil", label(world, host), label(world, nation));
    world.resource_mut::<Trace>().public(clock.turn, clock.day, "consent", why.clone());
    let going: Vec<Entity> =
        in_stable_order::<Contingent>(world).into_iter().filter(|(_, c)| c.owner == nation).map(|(e, _)| e).collect();
    recall(world, &going, &why, Recall::Kept);
}

/// §5.7 A host consents again to `nation`'s troops.
pub fn consent_to_troops(world: &mut World, host: Entity, nation: Entity) {
    let clock = world.resource::<Clock>().clone();
    if let Some(mut n) = world.get_mut::<Nation>(host) {
        n.refuses.retain(|x| *x != nation);
    }
    let text = format!("{} consents to {}'s troops on its soil", label(world, host), label(world, nation));
    world.resource_mut::<Trace>().public(clock.turn, clock.day, "consent", text);
}

/// Sends contingents home, with the reason in the trace.
pub fn recall(world: &mut World, contingents: &[Entity], why: &str, kind: Recall) {
    let clock = world.resource::<Clock>().clone();
    let mut leaving = Vec::new();
    for &contingent in contingents {
        let Some(mut c) = world.get_mut::<Contingent>(contingent) else { continue };
        let was = c.sector;
        c.sector = None;
        c.mandate = None;
        let travelling = world.entity_mut(contingent).take::<Transit>().is_some();
        if was.is_some() || travelling {
            leaving.push((contingent, was));
        }
    }
    if leaving.is_empty() {
        return;
    }
    // One pass over the pledges for all of them: a whole force may go home at once.
    let going: BTreeSet<Entity> = leaving.iter().map(|(c, _)| *c).collect();
    let mut breached: BTreeMap<Entity, Vec<Entity>> = BTreeMap::new();
    let mut pledges = world.query::<(Entity, &Pledge, &mut PledgeState)>();
    for (e, p, mut state) in pledges.iter_mut(world) {
        if going.contains(&p.contingent) && *state == PledgeState::Active {
            if kind == Recall::Breach {
                *state = PledgeState::Breached;
                breached.entry(p.contingent).or_default().push(e);
            } else {
                *state = PledgeState::Fulfilled;
            }
        }
    }
    for (contingent, was) in leaving {
        let name = label(world, contingent);
        let from = was.map_or_else(|| "its journey".to_string(), |s| label(world, s));
        let mut text = format!("{name} leaves {from} for home: {why}");
        for p in breached.get(&contingent).into_iter().flatten() {
            text.push_str(&format!("; pledge {} is breached", label(world, *p)));
        }
        world.resource_mut::<Trace>().public(clock.turn, clock.day, "forces", text);
    }
}

/// Ends mandates whose time is up. Their contingents move to a successor mandate that covers
/// their sector (a renewal) or go home.
pub fn expire_mandates(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let mut ended = BTreeSet::new();
    for (e, m) in in_stable_order::<Mandate>(world) {
        let template = world.get::<MandateTemplate>(m.template).cloned();
        let was = clock.turn > 0 && conditions::mandate_active(&m, template.as_ref(), clock.turn - 1);
        if was && !conditions::mandate_active(&m, template.as_ref(), clock.turn) {
            let name = label(world, e);
            world.resource_mut::<Trace>().public(
                clock.turn,
                clock.day,
                "mandates",
                format!("Mandate '{name}' has expired"),
            );
            ended.insert(e);
        }
    }
    if ended.is_empty() {
        return;
    }
    let affected: Vec<(Entity, Contingent)> = in_stable_order::<Contingent>(world)
        .into_iter()
        .filter(|(_, k)| k.mandate.is_some_and(|m| ended.contains(&m)))
        .collect();
    // A contingent that served under the ended mandate is one of its successors' contributors: a
    // renewal by the same body keeps its troops, members of the body or not.
    let mut served: BTreeMap<Entity, Entity> = BTreeMap::new();
    for (c, k) in &affected {
        if let Some(body) = k.mandate.and_then(|m| world.get::<Mandate>(m)).map(|m| m.authorised_by) {
            served.insert(*c, body);
        }
        if let Some(mut k) = world.get_mut::<Contingent>(*c) {
            k.mandate = None;
        }
    }
    join(world, &served);
    for (c, k) in affected {
        if world.get::<Contingent>(c).is_some_and(|x| x.mandate.is_none()) {
            let name = k.mandate.map_or_else(String::new, |m| label(world, m));
            recall(world, &[c], &format!("its mandate '{name}' expired"), Recall::Kept);
        }
    }
}

/// Activates pledges whose condition holds and lapses those whose time ran out.
pub fn settle_pledges(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let travel = world.resource::<Model>().0.travel_days;
    let situation = conditions::assess(world);
    for (e, p) in in_stable_order::<Pledge>(world) {
        let state = world.get::<PledgeState>(e).copied();
        if state == Some(PledgeState::Active) {
            hold_to_condition(world, e, &p, &situation);
            continue;
        }
        if state != Some(PledgeState::Pending) {
            continue;
        }
        let who = label(world, p.nation);
        let what = label(world, p.contingent);
        let because = describe(world, &p.condition);
        let met = holds(&p.condition, &situation);
        let refused = met.then(|| refused_by(world, p.nation)).flatten();
        let late = p.lapses_after_turn.is_some_and(|t| clock.turn > t);
        if met && refused.is_none() {
            world.entity_mut(e).insert(PledgeState::Active);
            let at_home = world.get::<Contingent>(p.contingent).is_some_and(|c| c.sector.is_none());
            let movement = if at_home && world.get::<Transit>(p.contingent).is_none() {
                let arrives = clock.day + travel;
                world.entity_mut(p.contingent).insert(Transit { to: p.sector, arrives });
                format!("{what} sets off for {}, arriving on day {arrives}", label(world, p.sector))
            } else {
                format!("{what} is already on its way or on the line")
            };
            let text = format!("{who}'s pledge {} activates because {because}: {movement}", label(world, e));
            world.resource_mut::<Trace>().public(clock.turn, clock.day, "pledge", text);
        } else if late {
            // Not met in time, or met while the host refused: a waiting pledge lapses too.
            world.entity_mut(e).insert(PledgeState::Lapsed);
            let why = match refused {
                Some(host) => format!("{} did not consent to its troops in time", label(world, host)),
                None => format!("its condition ({because}) was not met in time"),
            };
            let text = format!("{who}'s pledge {} of {what} lapses: {why}", label(world, e));
            world.resource_mut::<Trace>().public(clock.turn, clock.day, "pledge", text);
        } else if let Some(host) = refused {
            // Its condition holds, but the host does not consent: it waits for consent.
            let text = format!(
                "{who}'s pledge {} waits: {} does not consent to its troops on its soil",
                label(world, e),
                label(world, host)
            );
            world.resource_mut::<Trace>().public(clock.turn, clock.day, "pledge", text);
        }
    }
}

/// A conditional pledge binds only while its condition holds: once it no longer does, the
/// contingent it sent goes home, and the pledge was kept.
fn hold_to_condition(world: &mut World, e: Entity, p: &Pledge, situation: &conditions::Situation) {
    let out = world.get::<Contingent>(p.contingent).is_some_and(|c| c.sector.is_some())
        || world.get::<Transit>(p.contingent).is_some();
    if !out || holds(&p.condition, situation) {
        return;
    }
    let why = format!(
        "the condition of {}'s pledge {} ({}) no longer holds",
        label(world, p.nation),
        label(world, e),
        describe(world, &p.condition)
    );
    recall(world, &[p.contingent], &why, Recall::Kept);
}

/// Contingents whose journey is over arrive; contingents on the line join a mandate that fits.
pub fn move_contingents(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    for (e, t) in in_stable_order::<Transit>(world) {
        if t.arrives <= clock.day {
            world.entity_mut(e).remove::<Transit>();
            if let Some(mut c) = world.get_mut::<Contingent>(e) {
                c.sector = Some(t.to);
            }
            let text = format!("{} arrives in {}", label(world, e), label(world, t.to));
            world.resource_mut::<Trace>().public(clock.turn, clock.day, "forces", text);
        }
    }
    join_mandates(world);
}

/// A contingent on the line without a mandate joins the strongest active one that covers its
/// sector and takes its kind, if its nation contributes to it, sits in the authorising body, sent
/// the contingent on a pledge that this mandate set off, or (at an expiry) served under a mandate
/// of the same body that just ended: a renewal.
pub fn join_mandates(world: &mut World) {
    join(world, &BTreeMap::new());
}

/// Has every contingent on the line without a mandate in force join the strongest one it may
/// serve under; `renewing` gives, for a contingent whose mandate just ended, the body that
/// authorised it.
fn join(world: &mut World, renewing: &BTreeMap<Entity, Entity>) {
    let clock = world.resource::<Clock>().clone();
    let situation = conditions::assess(world);
    let mandates: Vec<(Entity, Mandate, MandateTemplate)> = in_stable_order::<Mandate>(world)
        .into_iter()
        .filter_map(|(e, m)| {
            let t = world.get::<MandateTemplate>(m.template).cloned()?;
            conditions::mandate_active(&m, Some(&t), clock.turn).then_some((e, m, t))
        })
        .collect();
    if mandates.is_empty() {
        return;
    }
    // Contingents sent by an active pledge, with the institution their pledge waited for.
    let mut pledges = world.query::<(&Pledge, &PledgeState)>();
    let pledged: Vec<(Entity, crate::scenario::model::Condition)> = pledges
        .iter(world)
        .filter(|(_, s)| **s == PledgeState::Active)
        .map(|(p, _)| (p.contingent, p.condition.clone()))
        .collect();
    for (c, k) in in_stable_order::<Contingent>(world) {
        let Some(sector) = k.sector else { continue };
        if k.mandate.is_some_and(|m| mandates.iter().any(|(e, ..)| *e == m)) {
            continue;
        }
        let member = |m: &Mandate| {
            let body = world.get::<Key>(m.authorised_by).map_or("", |k| k.0.as_str());
            let sent_for =
                pledged.iter().any(|(pc, cond)| *pc == c && mentions_body(cond, body) && holds(cond, &situation));
            sent_for
                || renewing.get(&c) == Some(&m.authorised_by)
                || m.contributors.contains(&k.owner)
                || world.get::<Institution>(m.authorised_by).is_some_and(|i| {
                    i.members.iter().any(|x| matches!(x, InstitutionMember::Nation(n) if *n == k.owner))
                })
        };
        let best = mandates
            .iter()
            .filter(|(_, m, t)| {
                (m.sectors.is_empty() || m.sectors.contains(&sector))
                    && t.contingent_kinds.contains(&k.kind)
                    && member(m)
            })
            .max_by_key(|(_, _, t)| t.kind)
            .map(|(e, ..)| *e);
        if let Some(m) = best {
            if let Some(mut x) = world.get_mut::<Contingent>(c) {
                x.mandate = Some(m);
            }
            let text = format!("{} now serves under '{}'", label(world, c), label(world, m));
            world.resource_mut::<Trace>().public(clock.turn, clock.day, "mandates", text);
        }
    }
}

/// Whether a pledge's condition waits for a mandate from `body`.
fn mentions_body(c: &crate::scenario::model::Condition, body: &str) -> bool {
    use crate::scenario::model::Condition as C;
    match c {
        C::MandateFrom(i) => i == body,
        C::MandateOfKind(_) | C::Always => true,
        C::All(l) | C::Any(l) => l.iter().any(|x| mentions_body(x, body)),
        _ => false,
    }
}
