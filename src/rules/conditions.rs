//! Conditions on the state of the world (pledges, objectives, lines of defence, injects): a
//! snapshot of the facts they read, their evaluation and their description in words.

use std::collections::BTreeSet;

use bevy::prelude::*;

pub use crate::world::mandate_active;

use super::{Ceasefire, Clock, Escalation, TurnFacts};
use crate::scenario::model::{Condition, GuaranteeStatus, MandateKind, Severity};
use crate::world::*;

/// The facts conditions are evaluated against, taken at one moment of resolution. Conditions
/// name things by scenario id; the snapshot keeps entities and the shared id map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Situation {
    pub turn: u32,
    pub escalation: f64,
    pub collapsed: bool,
    /// Active mandates: (authorising institution, kind).
    pub mandates: Vec<(Entity, MandateKind)>,
    /// Nations with a contingent standing on the line.
    pub deployed: BTreeSet<Entity>,
    /// Accepted guarantees: (guarantor, recipient).
    pub accepted: BTreeSet<(Entity, Entity)>,
    pub worst_detected: Option<Severity>,
    pub recorded_last_turn: u64,
    /// Each nation's support, sorted by entity.
    pub support: Vec<(Entity, f64)>,
    /// Each relation (from, to), sorted.
    pub relations: Vec<((Entity, Entity), i64)>,
    /// Nations under sanctions imposed by order.
    pub sanctioned: BTreeSet<Entity>,
    /// Each institution's position: the mean leaning of its scripted members, by kind.
    pub positions: std::sync::Arc<crate::institutions::Positions>,
    ids: std::sync::Arc<std::collections::HashMap<String, Entity>>,
}

impl Situation {
    fn id(&self, key: &str) -> Option<Entity> {
        self.ids.get(key).copied()
    }
}

/// Takes the snapshot.
pub fn assess(world: &mut World) -> Situation {
    let turn = world.resource::<Clock>().turn;
    let escalation = world.resource::<Escalation>();
    let (level, collapsed) = (escalation.level, escalation.ceasefire == Ceasefire::Collapsed);
    let facts = world.resource::<TurnFacts>();
    // This turn's days, or last turn's while this turn's are still to come.
    let (worst_detected, recorded_last_turn) =
        (facts.worst_detected.max(facts.worst_last_turn), facts.recorded_last_turn);
    let ids = world.resource::<Registry>().by_key.clone();
    let mandates = with_query::<&Mandate, (), _>(world, |world, q| {
        q.iter(world)
            .filter_map(|m| {
                let template = world.get::<MandateTemplate>(m.template);
                template.filter(|_| mandate_active(m, template, turn)).map(|t| (m.authorised_by, t.kind))
            })
            .collect()
    });
    let deployed = with_query::<&Contingent, (), _>(world, |world, q| {
        q.iter(world).filter(|c| c.sector.is_some()).map(|c| c.owner).collect()
    });
    let accepted = with_query::<&Guarantee, (), _>(world, |world, q| {
        q.iter(world).filter(|g| g.status == GuaranteeStatus::Accepted).map(|g| (g.guarantor, g.recipient)).collect()
    });
    let (mut support, mut relations) = (Vec::new(), Vec::new());
    with_query::<(Entity, &Support, &Relations), (), _>(world, |world, q| {
        for (e, s, r) in q.iter(world) {
            support.push((e, s.level));
            relations.extend(r.0.iter().map(|(other, v)| ((e, *other), *v)));
        }
    });
    support.sort_unstable_by_key(|(e, _)| *e);
    relations.sort_unstable_by_key(|(k, _)| *k);
    let sanctioned = world.resource::<super::Sanctions>().0.iter().filter_map(|(_, t)| ids.get(t).copied()).collect();
    let positions = crate::institutions::positions(world);
    Situation {
        turn,
        escalation: level,
        collapsed,
        mandates,
        deployed,
        accepted,
        worst_detected,
        recorded_last_turn,
        support,
        relations,
        sanctioned,
        positions,
        ids,
    }
}

/// Whether `c` holds in `s`. A condition naming something unknown does not hold.
pub fn holds(c: &Condition, s: &Situation) -> bool {
    match c {
        Condition::Always => true,
        Condition::Never => false,
        Condition::FromTurn(t) => s.turn >= *t,
        Condition::AtTurn(t) => s.turn == *t,
        Condition::MandateFrom(i) => s.id(i).is_some_and(|i| s.mandates.iter().any(|(inst, _)| *inst == i)),
        Condition::MandateOfKind(k) => s.mandates.iter().any(|(_, kind)| kind == k),
        Condition::Deployed(n) => s.id(n).is_some_and(|n| s.deployed.contains(&n)),
        Condition::GuaranteeAccepted { guarantor, recipient } => {
            matches!((s.id(guarantor), s.id(recipient)), (Some(g), Some(r)) if s.accepted.contains(&(g, r)))
        }
        Condition::EscalationAtLeast(x) => s.escalation >= *x,
        Condition::EscalationBelow(x) => s.escalation < *x,
        Condition::CeasefireHolds => !s.collapsed,
        Condition::ViolationAtLeast(sev) => s.worst_detected.is_some_and(|w| w >= *sev),
        Condition::RecordedViolationsAtLeast(n) => s.recorded_last_turn >= (*n).max(0) as u64,
        Condition::SupportAtLeast { nation, value } => {
            s.id(nation).and_then(|n| looked_up(&s.support, &n)).is_some_and(|v| v >= *value)
        }
        Condition::RelationsAtLeast { from, to, value } => match (s.id(from), s.id(to)) {
            (Some(a), Some(b)) => looked_up(&s.relations, &(a, b)).unwrap_or(0) >= *value,
            _ => false,
        },
        Condition::Sanctioned(n) => s.id(n).is_some_and(|n| s.sanctioned.contains(&n)),
        Condition::Leans { institution, kind, value } => {
            s.id(institution).and_then(|i| s.positions.get(&(i, *kind))).is_some_and(|p| p >= value)
        }
        Condition::All(list) => list.iter().all(|c| holds(c, s)),
        Condition::Any(list) => list.iter().any(|c| holds(c, s)),
        Condition::Not(inner) => !holds(inner, s),
    }
}

/// The value kept under `key` in a list sorted by key.
fn looked_up<K: Ord, V: Copy>(list: &[(K, V)], key: &K) -> Option<V> {
    list.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| list[i].1)
}

/// Whether a condition reads the state of the ceasefire or the escalation (directly or inside
/// `All`, `Any` or `Not`): what a fraying ceasefire puts at risk.
pub fn reads_the_ceasefire(c: &Condition) -> bool {
    match c {
        Condition::CeasefireHolds | Condition::EscalationAtLeast(_) | Condition::EscalationBelow(_) => true,
        Condition::All(l) | Condition::Any(l) => l.iter().any(reads_the_ceasefire),
        Condition::Not(inner) => reads_the_ceasefire(inner),
        _ => false,
    }
}

/// Checks that a condition given in an order names things that exist.
pub fn check(world: &World, c: &Condition) -> Result<(), String> {
    let registry = world.resource::<Registry>();
    let exists = |id: &str, what: &str, ok: bool| {
        if ok { Ok(()) } else { Err(format!("the condition names an unknown {what} {id:?}")) }
    };
    let is_nation = |id: &str| registry.get(id).is_some_and(|e| world.get::<Nation>(e).is_some());
    match c {
        Condition::MandateFrom(i) | Condition::Leans { institution: i, .. } => {
            exists(i, "institution", registry.get(i).is_some_and(|e| world.get::<Institution>(e).is_some()))
        }
        Condition::Deployed(n) | Condition::Sanctioned(n) | Condition::SupportAtLeast { nation: n, .. } => {
            exists(n, "nation", is_nation(n))
        }
        Condition::GuaranteeAccepted { guarantor: a, recipient: b }
        | Condition::RelationsAtLeast { from: a, to: b, .. } => {
            exists(a, "nation", is_nation(a))?;
            exists(b, "nation", is_nation(b))
        }
        Condition::All(list) | Condition::Any(list) => list.iter().try_for_each(|c| check(world, c)),
        Condition::Not(inner) => check(world, inner),
        _ => Ok(()),
    }
}

/// Plain conditions described at most in one description; the rest are counted ("… and 7,899
/// more conditions"), so that no condition a player writes can fill the trace.
pub const MOST_CONDITIONS_DESCRIBED: usize = 12;

/// A condition in words: "a mandate from the UN Security Council is in force".
pub fn describe(world: &World, c: &Condition) -> String {
    let mut budget = MOST_CONDITIONS_DESCRIBED;
    let mut words = describe_within(world, c, &mut budget);
    let total = plain_conditions(c);
    if total > MOST_CONDITIONS_DESCRIBED {
        let more = total - MOST_CONDITIONS_DESCRIBED;
        words.push_str(&format!(" … and {} more condition{}", thousands(more), if more == 1 { "" } else { "s" }));
    }
    words
}

/// The plain (not All, Any or Not) conditions in `c`.
fn plain_conditions(c: &Condition) -> usize {
    match c {
        Condition::All(list) | Condition::Any(list) => list.iter().map(plain_conditions).sum(),
        Condition::Not(inner) => plain_conditions(inner),
        _ => 1,
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Describes `c`, spending one of `budget` per plain condition; lists stop when it runs out.
fn describe_within(world: &World, c: &Condition, budget: &mut usize) -> String {
    let mut list_words = |list: &[Condition], joint: &str| -> String {
        let mut parts = Vec::new();
        for c in list {
            if *budget == 0 {
                break;
            }
            parts.push(describe_within(world, c, budget));
        }
        parts.join(joint)
    };
    match c {
        Condition::All(list) => return list_words(list, " and "),
        Condition::Any(list) => return format!("({})", list_words(list, " or ")),
        Condition::Not(inner) => return format!("not ({})", describe_within(world, inner, budget)),
        _ => *budget = budget.saturating_sub(1),
    }
    plain_words(world, c)
}

/// A plain condition in words.
fn plain_words(world: &World, c: &Condition) -> String {
    let registry = world.resource::<Registry>();
    let name =
        |id: &str| registry.get(id).and_then(|e| world.get::<Label>(e)).map_or_else(|| id.to_string(), |l| l.0.clone());
    match c {
        Condition::Always => "always".into(),
        Condition::Never => "never".into(),
        Condition::FromTurn(t) => format!("turn {t} has come"),
        Condition::AtTurn(t) => format!("it is turn {t}"),
        Condition::MandateFrom(i) => format!("a mandate from the {} is in force", name(i)),
        Condition::MandateOfKind(k) => format!("a mandate to {} is in force", k.words()),
        Condition::Deployed(n) => format!("{} has forces on the line", name(n)),
        Condition::GuaranteeAccepted { guarantor, recipient } => {
            format!("{} has accepted a guarantee from {}", name(recipient), name(guarantor))
        }
        Condition::EscalationAtLeast(x) => format!("escalation is at least {x:.2}"),
        Condition::EscalationBelow(x) => format!("escalation is below {x:.2}"),
        Condition::CeasefireHolds => "the ceasefire holds".into(),
        Condition::ViolationAtLeast(s) => {
            format!("a violation of severity {s:?} or worse was detected this turn")
        }
        Condition::RecordedViolationsAtLeast(n) => {
            format!("at least {n} violations were recorded last turn")
        }
        Condition::SupportAtLeast { nation, value } => {
            format!("support in {} is at least {:.0}%", name(nation), value * 100.0)
        }
        Condition::RelationsAtLeast { from, to, value } => {
            format!("{}'s relations with {} are at least {value}", name(from), name(to))
        }
        Condition::Sanctioned(n) => format!("{} is under sanctions", name(n)),
        Condition::Leans { institution, kind, value } => {
            format!(
                "the members of the {} lean at least {value:.2} to a mandate to {}",
                name(institution),
                kind.words()
            )
        }
        // Lists and negations are put into words by `describe_within`.
        Condition::All(_) | Condition::Any(_) | Condition::Not(_) => String::new(),
    }
}
