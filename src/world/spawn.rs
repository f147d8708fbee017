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

    // Pass 1: one entity per object, in scenario order, so that links may point forwards.
    let mut registry = Registry::default();
    let mut reserve = |world: &mut World, key: &str, label: &str| {
        let stable = StableId(registry.ordered.len() as u32);
        let e = world.spawn((stable, Key(key.to_string()), Label(label.to_string()))).id();
        registry.insert(key.to_string(), e);
        e
    };
    let nations: Vec<Entity> = s.nations.iter().map(|n| reserve(world, &n.id, &n.name)).collect();
    let institutions: Vec<Entity> = s.institutions.iter().map(|i| reserve(world, &i.id, &i.name)).collect();
    let templates: Vec<Entity> = s.mandate_templates.iter().map(|t| reserve(world, &t.id, &t.name)).collect();
    let mandates: Vec<Entity> = s.mandates.iter().map(|m| reserve(world, &m.id, &m.id)).collect();
    let sectors: Vec<Entity> = s.line.sectors.iter().map(|x| reserve(world, &x.id, &x.name)).collect();
    let lines: Vec<Entity> = s.defence_lines.iter().map(|d| reserve(world, &d.id, &d.name)).collect();
    let contingents: Vec<Entity> = s.contingents.iter().map(|k| reserve(world, &k.id, &k.id)).collect();
    let pledges: Vec<Entity> = s.pledges.iter().map(|p| reserve(world, &p.id, &p.id)).collect();
    let guarantees: Vec<Entity> = s.guarantees.iter().map(|g| reserve(world, &g.id, &g.id)).collect();
    let assets: Vec<Entity> = s.assets.iter().map(|a| reserve(world, &a.id, &a.id)).collect();
    let injects: Vec<Entity> = s.injects.iter().map(|i| reserve(world, &i.id, &i.name)).collect();

    // Validation guarantees every id resolves; PLACEHOLDER is never reached.
    let link = |key: &str| registry.get(key).unwrap_or(Entity::PLACEHOLDER);
    let links = |keys: &[String]| keys.iter().map(|k| link(k)).collect::<Vec<_>>();
    // Stable order of every object, looked up once rather than searched for each entry.
    let place: std::collections::HashMap<Entity, usize> =
        registry.ordered.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let ordered = |map: &std::collections::BTreeMap<String, i64>| {
        let mut v: Vec<(Entity, i64)> = map.iter().map(|(k, x)| (link(k), *x)).collect();
        v.sort_by_key(|(e, _)| place.get(e).copied());
        v
    };

    // Pass 2: the data.
    for (n, &e) in s.nations.iter().zip(&nations) {
        world.entity_mut(e).insert((
            Nation {
                flags: n.flags.clone(),
                pools: n.pools.clone(),
                alignment: n.alignment,
                objectives: n.objectives.clone(),
                doctrine: n.doctrine.clone(),
                loyalty_risk: n.loyalty_risk.clone(),
                refuses: links(&n.refuses),
            },
            Support { level: n.support.initial, params: n.support.clone() },
            Capital(n.pools.capital),
            Relations(ordered(&n.relations)),
        ));
    }
    for (inst, &e) in s.institutions.iter().zip(&institutions) {
        let members = inst
            .members
            .iter()
            .map(|m| match m {
                Member::Nation(id) => InstitutionMember::Nation(link(id)),
                Member::Scripted { id, name, leaning } => {
                    InstitutionMember::Scripted { id: id.clone(), name: name.clone(), leaning: leaning.clone() }
                }
            })
            .collect();
        world.entity_mut(e).insert(Institution { rule: inst.rule.clone(), legitimacy: inst.legitimacy, members });
    }
    for (t, &e) in s.mandate_templates.iter().zip(&templates) {
        world.entity_mut(e).insert(MandateTemplate {
            kind: t.kind,
            responses: t.responses.clone(),
            contingent_kinds: t.contingent_kinds.clone(),
            duration_turns: t.duration_turns,
            capital_cost: t.capital_cost,
        });
    }
    for (m, &e) in s.mandates.iter().zip(&mandates) {
        world.entity_mut(e).insert(Mandate {
            template: link(&m.template),
            authorised_by: link(&m.authorised_by),
            sectors: links(&m.sectors),
            contributors: links(&m.contributors),
            start_turn: m.start_turn,
            duration_turns: m.duration_turns,
        });
    }
    for (x, &e) in s.line.sectors.iter().zip(&sectors) {
        world.entity_mut(e).insert((
            Sector {
                points: x.points,
                length_km: x.length_km,
                terrain: x.terrain,
                buffer_km: x.buffer_km,
                base_tension: x.base_tension,
            },
            Tension(x.base_tension),
            Forces(ordered(&x.forces)),
        ));
    }
    for (d, &e) in s.defence_lines.iter().zip(&lines) {
        world.entity_mut(e).insert(DefenceLine {
            depth: d.depth,
            nations: links(&d.nations),
            engages: d.engages.clone(),
        });
    }
    for (k, &e) in s.contingents.iter().zip(&contingents) {
        world.entity_mut(e).insert(Contingent {
            owner: link(&k.owner),
            kind: k.kind,
            size: k.size,
            line: link(&k.line),
            mandate: k.mandate.as_deref().map(link),
            sector: k.sector.as_deref().map(link),
            posture: k.posture,
            readiness: k.readiness,
            losses: k.losses,
        });
    }
    for (p, &e) in s.pledges.iter().zip(&pledges) {
        world.entity_mut(e).insert(Pledge {
            nation: link(&p.nation),
            contingent: link(&p.contingent),
            sector: link(&p.sector),
            condition: p.condition.clone(),
            lapses_after_turn: p.lapses_after_turn,
        });
    }
    for (g, &e) in s.guarantees.iter().zip(&guarantees) {
        world.entity_mut(e).insert(Guarantee {
            guarantor: link(&g.guarantor),
            recipient: link(&g.recipient),
            components: g.components.clone(),
            status: g.status,
            accepted_day: g.accepted_day,
        });
    }
    for (a, &e) in s.assets.iter().zip(&assets) {
        world.entity_mut(e).insert(MonitoringAsset {
            owner: link(&a.owner),
            kind: a.kind,
            count: a.count,
            mandate: a.mandate.as_deref().map(link),
            sectors: links(&a.sectors),
            detection: a.detection,
            jamming: a.jamming,
            restrictions_per_month: a.restrictions_per_month,
        });
    }
    for (i, &e) in s.injects.iter().zip(&injects) {
        world.entity_mut(e).insert(Inject {
            text: i.text.clone(),
            trigger: i.trigger.clone(),
            repeat: i.repeat,
            effects: i.effects.clone(),
            approval: i.approval(),
        });
    }

    world.insert_resource(ScenarioInfo {
        id: s.id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        start_date: s.start_date.clone(),
        seed: s.seed,
        turn_days: s.turn_days,
        turns: s.turns,
        positive_side: link(&s.sides.positive),
        negative_side: link(&s.sides.negative),
        press: s.press,
    });
    world.insert_resource(LineGeometry {
        name: s.line.name.clone(),
        length_km: s.line.length_km,
        points: s.line.points.clone(),
    });
    world.insert_resource(Model(s.model.clone()));
    world.insert_resource(registry);
    Ok(())
}
