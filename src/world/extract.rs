//! Reading a world back into scenario form: for saving a game as a new scenario, and to prove
//! that spawning keeps every value.

use std::collections::{BTreeMap, HashMap};

use bevy::prelude::*;

use super::*;
use crate::scenario::model::{self as m, Scenario};

/// The scenario that `world` now stands for: its spawned objects with their current values.
pub fn extract_scenario(world: &mut World) -> Scenario {
    let k = Keys::of(world);
    let (nations, institutions) = extract_nations(world, &k);
    let (mandate_templates, mandates) = extract_mandates(world, &k);
    let (sectors, defence_lines) = extract_line(world, &k);
    let (contingents, assets) = extract_forces(world, &k);
    let (pledges, guarantees, injects) = extract_commitments(world, &k);
    let info = world.resource::<ScenarioInfo>().clone();
    let geometry = world.resource::<LineGeometry>().clone();
    Scenario {
        id: info.id,
        name: info.name,
        description: info.description,
        start_date: info.start_date,
        seed: info.seed,
        turn_days: info.turn_days,
        turns: info.turns,
        sides: m::Sides { positive: k.one(&info.positive_side), negative: k.one(&info.negative_side) },
        nations,
        institutions,
        mandate_templates,
        mandates,
        line: m::CeasefireLine { name: geometry.name, length_km: geometry.length_km, points: geometry.points, sectors },
        defence_lines,
        contingents,
        pledges,
        guarantees,
        assets,
        injects,
        press: info.press,
        model: world.resource::<Model>().0.clone(),
    }
}

/// Every object's scenario id, by entity.
struct Keys(HashMap<Entity, String>);

impl Keys {
    fn of(world: &mut World) -> Keys {
        Keys(world.query::<(Entity, &Key)>().iter(world).map(|(e, k)| (e, k.0.clone())).collect())
    }

    fn one(&self, e: &Entity) -> String {
        self.0.get(e).cloned().unwrap_or_default()
    }

    fn all(&self, v: &[Entity]) -> Vec<String> {
        v.iter().map(|e| self.one(e)).collect()
    }

    fn map(&self, v: &[(Entity, i64)]) -> BTreeMap<String, i64> {
        v.iter().map(|(e, x)| (self.one(e), *x)).collect()
    }
}

/// Nations with their current support, capital and relations; institutions.
fn extract_nations(world: &mut World, k: &Keys) -> (Vec<m::Nation>, Vec<m::Institution>) {
    let nations =
        sorted::<(&Nation, &Support, &Capital, &Relations), _>(world, |(id, l, (n, sup, cap, rel))| m::Nation {
            id: id.0.clone(),
            name: l.0.clone(),
            flags: n.flags.clone(),
            pools: m::Pools { capital: cap.0, ..n.pools.clone() },
            support: m::DomesticSupport { initial: sup.level, ..sup.params.clone() },
            relations: k.map(&rel.0),
            alignment: n.alignment,
            objectives: n.objectives.clone(),
            doctrine: n.doctrine.clone(),
            loyalty_risk: n.loyalty_risk.clone(),
            refuses: k.all(&n.refuses),
        });
    let institutions = sorted::<&Institution, _>(world, |(id, l, i)| m::Institution {
        id: id.0.clone(),
        name: l.0.clone(),
        rule: i.rule.clone(),
        legitimacy: i.legitimacy,
        members: i
            .members
            .iter()
            .map(|mem| match mem {
                InstitutionMember::Nation(e) => m::Member::Nation(k.one(e)),
                InstitutionMember::Scripted { id, name, leaning } => {
                    m::Member::Scripted { id: id.clone(), name: name.clone(), leaning: leaning.clone() }
                }
            })
            .collect(),
    });
    (nations, institutions)
}

/// Mandate templates and mandates.
fn extract_mandates(world: &mut World, k: &Keys) -> (Vec<m::MandateTemplate>, Vec<m::Mandate>) {
    let mandate_templates = sorted::<&MandateTemplate, _>(world, |(id, l, t)| m::MandateTemplate {
        id: id.0.clone(),
        name: l.0.clone(),
        kind: t.kind,
        responses: t.responses.clone(),
        contingent_kinds: t.contingent_kinds.clone(),
        duration_turns: t.duration_turns,
        capital_cost: t.capital_cost,
    });
    let mandates = sorted::<&Mandate, _>(world, |(id, _l, x)| m::Mandate {
        id: id.0.clone(),
        template: k.one(&x.template),
        authorised_by: k.one(&x.authorised_by),
        sectors: k.all(&x.sectors),
        contributors: k.all(&x.contributors),
        start_turn: x.start_turn,
        duration_turns: x.duration_turns,
    });
    (mandate_templates, mandates)
}

/// The sectors with their current tension and forces, and the lines of defence.
fn extract_line(world: &mut World, k: &Keys) -> (Vec<m::Sector>, Vec<m::DefenceLine>) {
    let sectors = sorted::<(&Sector, &Tension, &Forces), _>(world, |(id, l, (x, t, f))| m::Sector {
        id: id.0.clone(),
        name: l.0.clone(),
        points: x.points,
        length_km: x.length_km,
        terrain: x.terrain,
        buffer_km: x.buffer_km,
        base_tension: t.0,
        forces: k.map(&f.0),
    });
    let defence_lines = sorted::<&DefenceLine, _>(world, |(id, l, d)| m::DefenceLine {
        id: id.0.clone(),
        name: l.0.clone(),
        depth: d.depth,
        nations: k.all(&d.nations),
        engages: d.engages.clone(),
    });
    (sectors, defence_lines)
}

/// Contingents and monitoring assets.
fn extract_forces(world: &mut World, k: &Keys) -> (Vec<m::Contingent>, Vec<m::MonitoringAsset>) {
    let contingents = sorted::<&Contingent, _>(world, |(id, _l, c)| m::Contingent {
        id: id.0.clone(),
        owner: k.one(&c.owner),
        kind: c.kind,
        size: c.size,
        line: k.one(&c.line),
        mandate: c.mandate.as_ref().map(|e| k.one(e)),
        sector: c.sector.as_ref().map(|e| k.one(e)),
        posture: c.posture,
        readiness: c.readiness,
        losses: c.losses,
    });
    let assets = sorted::<&MonitoringAsset, _>(world, |(id, _l, a)| m::MonitoringAsset {
        id: id.0.clone(),
        owner: k.one(&a.owner),
        kind: a.kind,
        count: a.count,
        mandate: a.mandate.as_ref().map(|e| k.one(e)),
        sectors: k.all(&a.sectors),
        detection: a.detection,
        jamming: a.jamming,
        restrictions_per_month: a.restrictions_per_month,
    });
    (contingents, assets)
}

/// Pledges, guarantees and injects.
fn extract_commitments(world: &mut World, k: &Keys) -> (Vec<m::Pledge>, Vec<m::Guarantee>, Vec<m::Inject>) {
    let pledges = sorted::<&Pledge, _>(world, |(id, _l, p)| m::Pledge {
        id: id.0.clone(),
        nation: k.one(&p.nation),
        contingent: k.one(&p.contingent),
        sector: k.one(&p.sector),
        condition: p.condition.clone(),
        lapses_after_turn: p.lapses_after_turn,
    });
    let guarantees = sorted::<&Guarantee, _>(world, |(id, _l, g)| m::Guarantee {
        id: id.0.clone(),
        guarantor: k.one(&g.guarantor),
        recipient: k.one(&g.recipient),
        components: g.components.clone(),
        status: g.status,
        accepted_day: g.accepted_day,
    });
    let injects = sorted::<&Inject, _>(world, |(id, l, i)| m::Inject {
        id: id.0.clone(),
        name: l.0.clone(),
        text: i.text.clone(),
        trigger: i.trigger.clone(),
        repeat: i.repeat,
        effects: i.effects.clone(),
        approval: i.approval.is_some(),
        approval_seconds: i.approval.map_or_else(m::default_approval_seconds, |a| a.seconds),
        unanswered: i.approval.map(|a| a.unanswered).unwrap_or_default(),
    });

    (pledges, guarantees, injects)
}

/// Maps every entity that has `D` through `f`, in stable order.
fn sorted<D, T>(world: &mut World, f: impl Fn((&Key, &Label, D::Item<'_, '_>)) -> T) -> Vec<T>
where
    D: bevy::ecs::query::ReadOnlyQueryData + 'static,
{
    let mut q = world.query::<(&StableId, &Key, &Label, D)>();
    let mut rows: Vec<_> = q.iter(world).map(|(s, k, l, d)| (*s, f((k, l, d)))).collect();
    rows.sort_by_key(|(s, _)| *s);
    rows.into_iter().map(|(_, t)| t).collect()
}
