//! Turning a validated scenario into entities.

use bevy::prelude::*;

use super::*;
use crate::scenario::model::{Member, Scenario};
use crate::scenario::validate::{Problem, validate};

/// Spawns every object of `s` into `world` and inserts the scenario-wide resources.
///
/// The scenario is validated first; an invalid one spawns nothing and returns its problems.
pub fn spawn_scenario(world: &mut World, s: &Scenario) -> Result<(), Vec<Problem>> {
    let problems = validate(s);
    if !problems.is_empty() {
        return Err(problems);
    }
    let (registry, e) = reserve_entities(world, s);
    let l = Links::of(&registry);
    insert_nations(world, s, &e, &l);
    insert_mandates(world, s, &e, &l);
    insert_line(world, s, &e, &l);
    insert_forces(world, s, &e, &l);
    insert_commitments(world, s, &e, &l);
    insert_scenario_info(world, s, &l);
    world.insert_resource(registry);
    Ok(())
}

/// The entity reserved for each object of the scenario, by kind, in scenario order.
struct Reserved {
    nations: Vec<Entity>,
    institutions: Vec<Entity>,
    templates: Vec<Entity>,
    mandates: Vec<Entity>,
    sectors: Vec<Entity>,
    lines: Vec<Entity>,
    contingents: Vec<Entity>,
    pledges: Vec<Entity>,
    guarantees: Vec<Entity>,
    assets: Vec<Entity>,
    injects: Vec<Entity>,
}

/// Pass 1: one entity per object, in scenario order, so that links may point forwards.
fn reserve_entities(world: &mut World, s: &Scenario) -> (Registry, Reserved) {
    let mut registry = Registry::default();
    let mut reserve = |world: &mut World, key: &str, label: &str| {
        let stable = StableId(registry.ordered.len() as u32);
        let e = world.spawn((stable, Key(key.to_string()), Label(label.to_string()))).id();
        registry.insert(key.to_string(), e);
        e
    };
    let reserved = Reserved {
        nations: s.nations.iter().map(|n| reserve(world, &n.id, &n.name)).collect(),
        institutions: s.institutions.iter().map(|i| reserve(world, &i.id, &i.name)).collect(),
        templates: s.mandate_templates.iter().map(|t| reserve(world, &t.id, &t.name)).collect(),
        mandates: s.mandates.iter().map(|m| reserve(world, &m.id, &m.id)).collect(),
        sectors: s.line.sectors.iter().map(|x| reserve(world, &x.id, &x.name)).collect(),
        lines: s.defence_lines.iter().map(|d| reserve(world, &d.id, &d.name)).collect(),
        contingents: s.contingents.iter().map(|k| reserve(world, &k.id, &k.id)).collect(),
        pledges: s.pledges.iter().map(|p| reserve(world, &p.id, &p.id)).collect(),
        guarantees: s.guarantees.iter().map(|g| reserve(world, &g.id, &g.id)).collect(),
        assets: s.assets.iter().map(|a| reserve(world, &a.id, &a.id)).collect(),
        injects: s.injects.iter().map(|i| reserve(world, &i.id, &i.name)).collect(),
    };
    (registry, reserved)
}

/// Scenario ids turned into the entities reserved for them.
struct Links<'r> {
    registry: &'r Registry,
    /// Stable order of every object, looked up once rather than searched for each entry.
    place: HashMap<Entity, usize>,
}

impl<'r> Links<'r> {
    fn of(registry: &'r Registry) -> Links<'r> {
        Links { registry, place: registry.ordered.iter().enumerate().map(|(i, e)| (*e, i)).collect() }
    }

    /// Validation guarantees every id resolves; PLACEHOLDER is never reached.
    fn one(&self, key: &str) -> Entity {
        self.registry.get(key).unwrap_or(Entity::PLACEHOLDER)
    }

    fn all(&self, keys: &[String]) -> Vec<Entity> {
        keys.iter().map(|k| self.one(k)).collect()
    }

    fn opt(&self, key: &Option<String>) -> Option<Entity> {
        key.as_deref().map(|k| self.one(k))
    }

    /// A map keyed by ids, as entities in the scenario's order.
    fn ordered(&self, map: &std::collections::BTreeMap<String, i64>) -> Vec<(Entity, i64)> {
        let mut v: Vec<(Entity, i64)> = map.iter().map(|(k, x)| (self.one(k), *x)).collect();
        v.sort_by_key(|(e, _)| self.place.get(e).copied());
        v
    }
}

/// Nations with their support, capital and relations; institutions with their members.
fn insert_nations(world: &mut World, s: &Scenario, e: &Reserved, l: &Links) {
    for (n, &e) in s.nations.iter().zip(&e.nations) {
        world.entity_mut(e).insert((
            Nation {
                flags: n.flags.clone(),
                pools: n.pools.clone(),
                alignment: n.alignment,
                objectives: n.objectives.clone(),
                doctrine: n.doctrine.clone(),
                loyalty_risk: n.loyalty_risk.clone(),
                refuses: l.all(&n.refuses),
            },
            Support { level: n.support.initial, params: n.support.clone() },
            Capital(n.pools.capital),
            Relations(l.ordered(&n.relations)),
        ));
    }
    for (inst, &e) in s.institutions.iter().zip(&e.institutions) {
        let members = inst
            .members
            .iter()
            .map(|m| match m {
                Member::Nation(id) => InstitutionMember::Nation(l.one(id)),
                Member::Scripted { id, name, leaning } => {
                    InstitutionMember::Scripted { id: id.clone(), name: name.clone(), leaning: leaning.clone() }
                }
            })
            .collect();
        world.entity_mut(e).insert(Institution { rule: inst.rule.clone(), legitimacy: inst.legitimacy, members });
    }
}

/// Mandate templates and the mandates made from them.
fn insert_mandates(world: &mut World, s: &Scenario, e: &Reserved, l: &Links) {
    for (t, &e) in s.mandate_templates.iter().zip(&e.templates) {
        world.entity_mut(e).insert(MandateTemplate {
            kind: t.kind,
            responses: t.responses.clone(),
            contingent_kinds: t.contingent_kinds.clone(),
            duration_turns: t.duration_turns,
            capital_cost: t.capital_cost,
        });
    }
    for (m, &e) in s.mandates.iter().zip(&e.mandates) {
        world.entity_mut(e).insert(Mandate {
            template: l.one(&m.template),
            authorised_by: l.one(&m.authorised_by),
            sectors: l.all(&m.sectors),
            contributors: l.all(&m.contributors),
            start_turn: m.start_turn,
            duration_turns: m.duration_turns,
        });
    }
}

/// The line's sectors with their tension and forces, and the lines of defence behind them.
fn insert_line(world: &mut World, s: &Scenario, e: &Reserved, l: &Links) {
    for (x, &e) in s.line.sectors.iter().zip(&e.sectors) {
        world.entity_mut(e).insert((
            Sector {
                points: x.points,
                length_km: x.length_km,
                terrain: x.terrain,
                buffer_km: x.buffer_km,
                base_tension: x.base_tension,
            },
            Tension(x.base_tension),
            Forces(l.ordered(&x.forces)),
        ));
    }
    for (d, &e) in s.defence_lines.iter().zip(&e.lines) {
        world.entity_mut(e).insert(DefenceLine {
            depth: d.depth,
            nations: l.all(&d.nations),
            engages: d.engages.clone(),
        });
    }
}

/// Contingents and monitoring assets.
fn insert_forces(world: &mut World, s: &Scenario, e: &Reserved, l: &Links) {
    for (k, &e) in s.contingents.iter().zip(&e.contingents) {
        world.entity_mut(e).insert(Contingent {
            owner: l.one(&k.owner),
            kind: k.kind,
            size: k.size,
            line: l.one(&k.line),
            mandate: l.opt(&k.mandate),
            sector: l.opt(&k.sector),
            posture: k.posture,
            readiness: k.readiness,
            losses: k.losses,
        });
    }
    for (a, &e) in s.assets.iter().zip(&e.assets) {
        world.entity_mut(e).insert(MonitoringAsset {
            owner: l.one(&a.owner),
            kind: a.kind,
            count: a.count,
            mandate: l.opt(&a.mandate),
            sectors: l.all(&a.sectors),
            detection: a.detection,
            jamming: a.jamming,
            restrictions_per_month: a.restrictions_per_month,
        });
    }
}

/// Pledges, guarantees and the white cell's injects.
fn insert_commitments(world: &mut World, s: &Scenario, e: &Reserved, l: &Links) {
    for (p, &e) in s.pledges.iter().zip(&e.pledges) {
        world.entity_mut(e).insert(Pledge {
            nation: l.one(&p.nation),
            contingent: l.one(&p.contingent),
            sector: l.one(&p.sector),
            condition: p.condition.clone(),
            lapses_after_turn: p.lapses_after_turn,
        });
    }
    for (g, &e) in s.guarantees.iter().zip(&e.guarantees) {
        world.entity_mut(e).insert(Guarantee {
            guarantor: l.one(&g.guarantor),
            recipient: l.one(&g.recipient),
            components: g.components.clone(),
            status: g.status,
            accepted_day: g.accepted_day,
        });
    }
    for (i, &e) in s.injects.iter().zip(&e.injects) {
        world.entity_mut(e).insert(Inject {
            text: i.text.clone(),
            trigger: i.trigger.clone(),
            repeat: i.repeat,
            effects: i.effects.clone(),
            approval: i.approval(),
        });
    }
}

/// The scenario-wide resources: its facts, the line's geometry and the model's parameters.
fn insert_scenario_info(world: &mut World, s: &Scenario, l: &Links) {
    world.insert_resource(ScenarioInfo {
        id: s.id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        start_date: s.start_date.clone(),
        seed: s.seed,
        turn_days: s.turn_days,
        turns: s.turns,
        positive_side: l.one(&s.sides.positive),
        negative_side: l.one(&s.sides.negative),
        press: s.press,
    });
    world.insert_resource(LineGeometry {
        name: s.line.name.clone(),
        length_km: s.line.length_km,
        points: s.line.points.clone(),
    });
    world.insert_resource(Model(s.model.clone()));
}
