//! Politics around the line: scripted injects, domestic support, political capital, sanctions,
//! leaks of intelligence, forced withdrawals, scoring and the turn's summary.

use bevy::prelude::*;

use super::conditions::{self, holds};
use super::forces::{Recall, recall};
use super::guarantees;
use super::{
    Casualties, Ceasefire, Clock, Escalation, GameSeed, IntelSharing, Leaks, ObjectiveRecord, ResolveTurn, Sanctions,
    Score, Step, TurnFacts,
};
use crate::record::{Audience, History, NationSummary, SectorSummary, Trace, TurnSummary};
use crate::rng::{Dice, Purpose};
use crate::scenario::model::{Condition, Effect, NationFlag};
use crate::world::*;

/// Injects that have fired (so that non-repeating ones fire once).
#[derive(Component, Clone, Copy, Debug)]
pub struct Fired;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<AwaitingApproval>()
        .add_systems(ResolveTurn, fire_injects.in_set(Step::Injects))
        .add_systems(
            ResolveTurn,
            (apply_politics, leak_intelligence).chain().in_set(Step::Politics).after(guarantees::hold_to_assistance),
        )
        .add_systems(ResolveTurn, score_objectives.in_set(Step::Score))
        .add_systems(ResolveTurn, summarise_turn.in_set(Step::Report));
}

fn label(world: &World, e: Entity) -> String {
    world.get::<Label>(e).map_or_else(|| "?".into(), |l| l.0.clone())
}

/// Injects whose trigger held but which wait for the facilitator's approval: (id, turn it came).
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct AwaitingApproval(pub Vec<(String, u32)>);

/// §3.2 Fires the scripted injects whose trigger holds; one marked for approval waits for the
/// facilitator instead.
pub fn fire_injects(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    // Defaults first: one just skipped or fired is not queued again in the same step.
    take_defaults(world, &clock);
    let situation = conditions::assess(world);
    let mut injects: Vec<(StableId, Entity, Inject, bool)> = world
        .query::<(Entity, &StableId, &Inject, Has<Fired>)>()
        .iter(world)
        .map(|(e, s, i, f)| (*s, e, i.clone(), f))
        .collect();
    injects.sort_by_key(|(s, ..)| *s);
    for (_, e, inject, fired) in injects {
        if (fired && !inject.repeat) || !holds(&inject.trigger, &situation) {
            continue;
        }
        if inject.approval.is_some() {
            let id = world.get::<Key>(e).map_or_else(String::new, |k| k.0.clone());
            let mut awaiting = world.resource_mut::<AwaitingApproval>();
            if !awaiting.0.iter().any(|(i, _)| *i == id) {
                awaiting.0.push((id, clock.turn));
                let name = label(world, e);
                let line = format!("{name} is due ({}) and waits for the facilitator's approval", inject.text);
                white_cell_entry(world, &clock, line);
            }
            continue;
        }
        fire(world, e, &inject, 1.0);
    }
}

/// An inject's entry in the trace that only the white cell reads.
fn white_cell_entry(world: &mut World, clock: &Clock, line: String) {
    world.resource_mut::<Trace>().add(clock.turn, clock.day, "inject", line.clone(), vec![(Audience::WhiteCell, line)]);
}

/// §3.2 An inject still waiting for approval when the next turn resolves takes the default its
/// author wrote, so none waits into a turn it was not meant for.
fn take_defaults(world: &mut World, clock: &Clock) {
    let undecided: Vec<String> = world
        .resource::<AwaitingApproval>()
        .0
        .iter()
        .filter(|(_, t)| *t < clock.turn)
        .map(|(i, _)| i.clone())
        .collect();
    for id in undecided {
        let Ok((e, inject)) = find_inject(world, &id) else { continue };
        let skip = inject.approval.is_some_and(|a| a.unanswered == crate::scenario::model::Unanswered::Skip);
        world.resource_mut::<AwaitingApproval>().0.retain(|(i, _)| *i != id);
        if skip {
            if !inject.repeat {
                world.entity_mut(e).insert(Fired);
            }
            let line = format!("{} was skipped: nobody decided on it before the turn resolved", label(world, e));
            white_cell_entry(world, clock, line);
        } else {
            fire(world, e, &inject, 1.0);
        }
    }
}

/// Fires an inject: the public reads its text, and its effects apply at `scale` of their size.
fn fire(world: &mut World, e: Entity, inject: &Inject, scale: f64) {
    let clock = world.resource::<Clock>().clone();
    world.entity_mut(e).insert(Fired);
    let name = label(world, e);
    world.resource_mut::<Trace>().public(clock.turn, clock.day, "inject", format!("{name}: {}", inject.text));
    for effect in &inject.effects {
        apply_effect(world, effect, scale);
    }
}

fn find_inject(world: &World, id: &str) -> Result<(Entity, Inject), String> {
    let found = world.resource::<Registry>().get(id).and_then(|e| world.get::<Inject>(e).cloned().map(|i| (e, i)));
    found.ok_or_else(|| format!("there is no inject {id:?} in this scenario"))
}

/// Fires the inject `id` now, whatever its trigger, its effects at `scale` of the size the
/// author wrote (a facilitator's decision, or an approval); returns its name.
pub fn fire_inject_now(world: &mut World, id: &str, scale: f64) -> Result<String, String> {
    let (e, inject) = find_inject(world, id)?;
    world.resource_mut::<AwaitingApproval>().0.retain(|(i, _)| i != id);
    fire(world, e, &inject, scale);
    Ok(label(world, e))
}

/// §3.2 The facilitator lets an inject waiting for approval pass this time (a one-off inject
/// does not come back); returns its name.
pub fn skip_inject(world: &mut World, id: &str) -> Result<String, String> {
    let (e, inject) = find_inject(world, id)?;
    let mut awaiting = world.resource_mut::<AwaitingApproval>();
    if !awaiting.0.iter().any(|(i, _)| i == id) {
        return Err(format!("the inject {id:?} is not waiting for approval"));
    }
    awaiting.0.retain(|(i, _)| i != id);
    if !inject.repeat {
        world.entity_mut(e).insert(Fired);
    }
    let clock = world.resource::<Clock>().clone();
    let name = label(world, e);
    let line = format!("{name} was skipped by the facilitator");
    world.resource_mut::<Trace>().add(clock.turn, clock.day, "inject", line.clone(), vec![(Audience::WhiteCell, line)]);
    Ok(name)
}

/// Applies one effect of an inject (scripted or a facilitator's) at `scale` of its size: a
/// change is scaled, a value set moves `scale` of the way from where it stands.
pub fn apply_effect(world: &mut World, effect: &Effect, scale: f64) {
    let registry = world.resource::<Registry>().ids();
    let get = |k: &str| registry.get(k);
    let towards = |now: f64, to: f64| if scale == 1.0 { to } else { now + (to - now) * scale };
    match effect {
        Effect::Tension { sector, delta } => {
            if let Some(mut t) = get(sector).and_then(|e| world.get_mut::<Tension>(e)) {
                t.0 = (t.0 + delta * scale).clamp(0.0, 1.0);
            }
        }
        Effect::Support { nation, delta } => {
            if let Some(mut s) = get(nation).and_then(|e| world.get_mut::<Support>(e)) {
                s.level = (s.level + delta * scale).clamp(0.0, 1.0);
            }
        }
        Effect::Capital { nation, delta } => {
            if let Some(mut c) = get(nation).and_then(|e| world.get_mut::<Capital>(e)) {
                c.0 = (c.0 + (*delta as f64 * scale).round() as i64).max(0);
            }
        }
        Effect::Relations { from, to, delta } => {
            if let (Some(a), Some(b)) = (get(from), get(to)) {
                shift_relation(world, a, b, (*delta as f64 * scale).round() as i64);
            }
        }
        Effect::Jamming { asset, value } => {
            if let Some(mut a) = get(asset).and_then(|e| world.get_mut::<MonitoringAsset>(e)) {
                a.jamming = towards(a.jamming, *value).clamp(0.0, 1.0);
            }
        }
        Effect::Restrictions { asset, per_month } => {
            if let Some(mut a) = get(asset).and_then(|e| world.get_mut::<MonitoringAsset>(e)) {
                a.restrictions_per_month = towards(a.restrictions_per_month, *per_month).max(0.0);
            }
        }
        Effect::Aggression { nation, value } => {
            if let Some(mut n) = get(nation).and_then(|e| world.get_mut::<Nation>(e)) {
                n.doctrine.aggression = towards(n.doctrine.aggression, *value).clamp(0.0, 1.0);
            }
        }
    }
}

/// Support moves with casualties and cost; capital comes in; sanctions bite; governments whose
/// support fell below their threshold bring their contingents home.
pub fn apply_politics(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let info = world.resource::<ScenarioInfo>().clone();
    let facts = world.resource::<TurnFacts>().clone();
    let sanctions = world.resource::<Sanctions>().clone();
    let model = world.resource::<Model>().0.clone();
    let nations = super::nations_in_order(world);
    let backing = guarantees::backing(world);
    let by_guarantee = guarantees::sanctioning(world);
    // The most legitimate mandate each nation has troops serving under.
    let mut legitimacy: std::collections::BTreeMap<Entity, f64> = std::collections::BTreeMap::new();
    let under: Vec<(Entity, Entity)> = with_query::<&Contingent, (), _>(world, |world, q| {
        q.iter(world).filter(|c| c.sector.is_some()).filter_map(|c| c.mandate.map(|m| (c.owner, m))).collect()
    });
    for (owner, m) in under {
        let l = world
            .get::<Mandate>(m)
            .and_then(|m| world.get::<Institution>(m.authorised_by))
            .map_or(0.0, |i| i.legitimacy);
        let slot = legitimacy.entry(owner).or_insert(0.0);
        *slot = slot.max(l);
    }
    let mut contingents: Vec<(StableId, Entity, Contingent)> =
        with_query::<(Entity, &StableId, &Contingent), (), _>(world, |world, q| {
            q.iter(world).map(|(e, s, c)| (*s, e, c.clone())).collect()
        });
    contingents.sort_by_key(|(s, ..)| *s);
    for (e, key) in &nations {
        let deployed: i64 =
            contingents.iter().filter(|(_, _, c)| c.owner == *e && c.sector.is_some()).map(|(_, _, c)| c.size).sum();
        let lost = facts.casualties_by_nation.get(e).copied().unwrap_or(0);
        let Some(nation) = world.get::<Nation>(*e).cloned() else {
            continue;
        };
        let Some(mut support) = world.get_mut::<Support>(*e) else {
            continue;
        };
        let before = support.level;
        let troop_days = deployed as f64 * f64::from(info.turn_days);
        // Support erodes mainly with casualties (facts.md, "long missions"): a brigade's year on
        // the line costs a few points, not a government.
        let cost = support.params.cost_sensitivity * troop_days / TROOP_DAYS_PER_COST;
        let grief = support.params.casualty_sensitivity * lost as f64 / 100.0;
        // Serving under a legitimate mandate earns a little support at home.
        let honour = legitimacy.get(e).copied().unwrap_or(0.0) * model.legitimacy_support;
        // Economic cooperation and an accession path lift support; sanctions, by order or by a
        // guarantee, wear it down, each further sanctioning nation less than the one before.
        let days = f64::from(info.turn_days);
        let backed = backing.get(e).map_or(0.0, |b| b.support_per_day) * days;
        let mut sanctioners: std::collections::BTreeSet<Entity> = sanctions
            .0
            .iter()
            .filter(|(_, target)| target == key)
            .filter_map(|(from, _)| nations.iter().find(|(_, k)| k == from).map(|(n, _)| *n))
            .collect();
        sanctioners.extend(by_guarantee.get(e).into_iter().flatten());
        let sanctioned = guarantees::halving(model.guarantees.sanctions_support_per_day, sanctioners.len()) * days;
        support.level = (support.level - cost - grief + honour + backed - sanctioned).clamp(0.0, 1.0);
        let (level, threshold) = (support.level, support.params.withdraw_below);
        let income = nation.pools.capital_per_turn;
        let penalty = sanctioners.len() as i64;
        if let Some(mut c) = world.get_mut::<Capital>(*e) {
            c.0 = (c.0 + income - penalty).max(0);
        }
        if (before - level).abs() >= 0.005 {
            let name = label(world, *e);
            let mut why = format!("{lost} casualties, {deployed} troops deployed");
            if backed > 0.0 {
                why += &format!(", guarantees +{:.1} points", backed * 100.0);
            }
            if sanctioned > 0.0 {
                why += &format!(", sanctions −{:.1} points", sanctioned * 100.0);
            }
            let text = format!("Support in {name} moves from {:.0}% to {:.0}% ({why})", before * 100.0, level * 100.0);
            let views = if nation.has(NationFlag::Democracy) {
                vec![(Audience::Public, text.clone())]
            } else {
                vec![(Audience::Nations(vec![key.clone()]), text.clone())]
            };
            world.resource_mut::<Trace>().add(clock.turn, clock.day, "politics", text, views);
        }
        if level < threshold && deployed > 0 {
            let name = label(world, *e);
            let why = format!(
                "support in {name} fell to {:.0}%, below its threshold of {:.0}% (forced withdrawal)",
                level * 100.0,
                threshold * 100.0
            );
            let going: Vec<Entity> = contingents
                .iter()
                .filter(|(_, _, k)| k.owner == *e && k.sector.is_some())
                .map(|(_, c, _)| *c)
                .collect();
            recall(world, &going, &why, Recall::Breach);
        }
    }
}

/// A nation with a loyalty risk that sees the mission's plans (it has forces on the line or is
/// given intelligence) may pass them to the side it leans to, which then evades detection.
pub fn leak_intelligence(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let seed = world.resource::<GameSeed>().0;
    let evasion = world.resource::<Model>().0.leak_evasion;
    let sharing = world.resource::<IntelSharing>().clone();
    let situation = conditions::assess(world);
    let mut leaks = Leaks::default();
    for (e, key) in super::nations_in_order(world) {
        let Some(risk) = world.get::<Nation>(e).and_then(|n| n.loyalty_risk.clone()) else {
            continue;
        };
        let sees = situation.deployed.contains(&e) || sharing.0.iter().any(|(_, to)| *to == key);
        if !sees {
            continue;
        }
        let stable = world.get::<StableId>(e).map_or(0, |s| u64::from(s.0));
        let mut dice = Dice::new(seed, clock.turn, Purpose::Intelligence, stable);
        if dice.chance(risk.intelligence_leak) {
            leaks.0.insert(risk.leans_to.clone(), evasion);
            let who = label(world, e);
            let to = world
                .resource::<Registry>()
                .get(&risk.leans_to)
                .map_or_else(|| risk.leans_to.clone(), |x| label(world, x));
            let text = format!(
                "{who} passed the mission's patrol and drone plans to {to}: next turn {to} evades {:.0}% of detection",
                evasion * 100.0
            );
            let view = vec![(
                Audience::Nations(vec![risk.leans_to.clone()]),
                format!("Our partners in {who} have passed us the mission's patrol and drone plans"),
            )];
            world.resource_mut::<Trace>().add(clock.turn, clock.day, "intelligence", text, view);
        }
    }
    *world.resource_mut::<Leaks>() = leaks;
}

/// Each nation earns its objectives' weights when their goals hold; a collapse costs those who
/// wanted the ceasefire.
pub fn score_objectives(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let situation = conditions::assess(world);
    let collapsed_now = world.resource::<Escalation>().ceasefire == Ceasefire::Collapsed;
    for (e, key) in super::nations_in_order(world) {
        let Some(nation) = world.get::<Nation>(e).cloned() else {
            continue;
        };
        let mut points = 0;
        let mut met = Vec::new();
        let mut record = world.get::<ObjectiveRecord>(e).cloned().unwrap_or_default();
        record.0.resize(nation.objectives.len(), 0);
        for (o, turns) in nation.objectives.iter().zip(&mut record.0) {
            if holds(&o.goal, &situation) {
                points += o.weight;
                met.push(o.id.clone());
                *turns += 1;
            }
        }
        world.entity_mut(e).insert(record);
        let wanted_peace: i64 =
            nation.objectives.iter().filter(|o| mentions_ceasefire(&o.goal)).map(|o| o.weight).sum();
        if collapsed_now && wanted_peace > 0 {
            points -= 10 * wanted_peace;
        }
        if let Some(mut s) = world.get_mut::<Score>(e) {
            s.0 += points;
        }
        let text = format!(
            "{} scores {points:+} this turn (objectives met: {})",
            label(world, e),
            if met.is_empty() { "none".to_string() } else { met.join(", ") }
        );
        world.resource_mut::<Trace>().add(
            clock.turn,
            clock.day,
            "score",
            text.clone(),
            vec![(Audience::Nations(vec![key]), text)],
        );
    }
}

fn mentions_ceasefire(c: &Condition) -> bool {
    match c {
        Condition::CeasefireHolds => true,
        Condition::All(l) | Condition::Any(l) => l.iter().any(mentions_ceasefire),
        _ => false,
    }
}

/// Troop-days abroad that cost a nation `cost_sensitivity` of its support.
const TROOP_DAYS_PER_COST: f64 = 100_000.0;

/// Adds the turn's summary to the history.
pub fn summarise_turn(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let info = world.resource::<ScenarioInfo>().clone();
    let facts = world.resource::<TurnFacts>().clone();
    let escalation = world.resource::<Escalation>().clone();
    // The sector pictures as they stood while the days were played (drawn afresh only when no
    // day was played, after a collapse).
    let pictures: Vec<(Entity, (f64, f64, f64))> = if facts.pictures.is_empty() {
        super::line::sector_pictures(world, clock.turn)
            .iter()
            .map(|p| (p.sector, (p.deterrence, p.detection, p.peacekeepers)))
            .collect()
    } else {
        let mut v: Vec<(StableId, Entity)> = with_query::<(Entity, &StableId, &Sector), (), _>(world, |world, q| {
            q.iter(world).map(|(e, s, _)| (*s, e)).collect()
        });
        v.sort();
        v.into_iter().map(|(_, e)| (e, facts.pictures.get(&e).copied().unwrap_or_default())).collect()
    };
    let sectors = pictures
        .iter()
        .map(|(sector, (deterrence, detection, peacekeepers))| {
            let (t, r, i) = facts.by_sector.get(sector).copied().unwrap_or_default();
            SectorSummary {
                id: world.get::<Key>(*sector).map_or_else(String::new, |k| k.0.clone()),
                violations_true: t,
                violations_recorded: r,
                incidents: i,
                tension: round4(world.get::<Tension>(*sector).map_or(0.0, |x| x.0)),
                deterrence: round4(*deterrence),
                detection: round4(*detection),
                peacekeepers: peacekeepers.round() as i64,
            }
        })
        .collect();
    let deployed: Vec<(Entity, i64)> = with_query::<&Contingent, (), _>(world, |world, q| {
        q.iter(world).filter(|c| c.sector.is_some()).map(|c| (c.owner, c.size)).collect()
    });
    let nations = super::nations_in_order(world)
        .into_iter()
        .map(|(e, key)| NationSummary {
            id: key,
            support: round4(world.get::<Support>(e).map_or(0.0, |s| s.level)),
            capital: world.get::<Capital>(e).map_or(0, |c| c.0),
            score: world.get::<Score>(e).map_or(0, |s| s.0),
            deployed_troops: deployed.iter().filter(|(o, _)| *o == e).map(|(_, s)| s).sum(),
            casualties: world.get::<Casualties>(e).map_or(0, |c| c.0),
        })
        .collect();
    let mut mandates: Vec<(StableId, String)> = with_query::<(&StableId, &Key, &Mandate), (), _>(world, |world, q| {
        q.iter(world)
            .filter(|(_, _, m)| conditions::mandate_active(m, world.get::<MandateTemplate>(m.template), clock.turn))
            .map(|(s, k, _)| (*s, k.0.clone()))
            .collect()
    });
    mandates.sort();
    let events = world.resource::<Trace>().entries.iter().filter(|e| e.turn == clock.turn).count() as u64;
    let summary = TurnSummary {
        turn: clock.turn,
        days: info.turn_days,
        first_day: clock.day,
        violations_true: facts.violations_true,
        violations_recorded: facts.violations_recorded,
        escalation: round4(escalation.level),
        collapse_hazard: facts.hazard_days / f64::from(info.turn_days.max(1)),
        ceasefire: escalation.ceasefire.word().to_string(),
        casualties: facts.casualties,
        sectors,
        nations,
        mandates: mandates.into_iter().map(|(_, k)| k).collect(),
        events,
    };
    world.resource_mut::<History>().0.push(summary);
}

/// Four decimals are plenty for reports and keep the JSON readable.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
