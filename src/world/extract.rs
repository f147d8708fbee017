//! Reading a world back into scenario form: for saving a game as a new scenario, and to prove
//! that spawning keeps every value.

use std::collections::{BTreeMap, HashMap};

use bevy::prelude::*;

use super::*;
use crate::scenario::model::{self as m, Scenario};

/// The scenario that `world` now stands for: its spawned objects with their current values.
pub fn extract_scenario(world: &mut World) -> Scenario {
    let keys: HashMap<Entity, String> =
        world.query::<(Entity, &Key)>().iter(world).map(|(e, k)| (e, k.0.clone())).collect();
    let key = |e: &Entity| keys.get(e).cloned().unwrap_or_default();
    let keyed = |v: &[Entity]| v.iter().map(key).collect::<Vec<_>>();
    let map = |v: &[(Entity, i64)]| v.iter().map(|(e, x)| (key(e), *x)).collect::<BTreeMap<_, _>>();

    let nations =
        sorted::<(&Nation, &Support, &Capital, &Relations), _>(world, |(k, l, (n, sup, cap, rel))| m::Nation {
            id: k.0.clone(),
            name: l.0.clone(),
            flags: n.flags.clone(),
            pools: m::Pools { capital: cap.0, ..n.pools.clone() },
            support: m::DomesticSupport { initial: sup.level, ..sup.params.clone() },
            relations: map(&rel.0),
            alignment: n.alignment,
            objectives: n.objectives.clone(),
            doctrine: n.doctrine.clone(),
            loyalty_risk: n.loyalty_risk.clone(),
            refuses: keyed(&n.refuses),
        });
    let institutions = sorted::<&Institution, _>(world, |(k, l, i)| m::Institution {
        id: k.0.clone(),
        name: l.0.clone(),
        rule: i.rule.clone(),
        legitimacy: i.legitimacy,
        members: i
            .members
            .iter()
            .map(|mem| match mem {
                InstitutionMember::Nation(e) => m::Member::Nation(key(e)),
                InstitutionMember::Scripted { id, name, leaning } => {
                    m::Member::Scripted { id: id.clone(), name: name.clone(), leaning: leaning.clone() }
                }
            })
            .collect(),
    });
    let mandate_templates = sorted::<&MandateTemplate, _>(world, |(k, l, t)| m::MandateTemplate {
        id: k.0.clone(),
        name: l.0.clone(),
        kind: t.kind,
        responses: t.responses.clone(),
        contingent_kinds: t.contingent_kinds.clone(),
        duration_turns: t.duration_turns,
        capital_cost: t.capital_cost,
    });
    let mandates = sorted::<&Mandate, _>(world, |(k, _l, x)| m::Mandate {
        id: k.0.clone(),
        template: key(&x.template),
        authorised_by: key(&x.authorised_by),
        sectors: keyed(&x.sectors),
        contributors: keyed(&x.contributors),
        start_turn: x.start_turn,
        duration_turns: x.duration_turns,
    });
    let sectors = sorted::<(&Sector, &Tension, &Forces), _>(world, |(k, l, (x, t, f))| m::Sector {
        id: k.0.clone(),
        name: l.0.clone(),
        points: x.points,
        length_km: x.length_km,
        terrain: x.terrain,
        buffer_km: x.buffer_km,
        base_tension: t.0,
        forces: map(&f.0),
    });
    let defence_lines = sorted::<&DefenceLine, _>(world, |(k, l, d)| m::DefenceLine {
        id: k.0.clone(),
        name: l.0.clone(),
        depth: d.depth,
        nations: keyed(&d.nations),
        engages: d.engages.clone(),
    });
    let contingents = sorted::<&Contingent, _>(world, |(k, _l, c)| m::Contingent {
        id: k.0.clone(),
        owner: key(&c.owner),
        kind: c.kind,
        size: c.size,
        line: key(&c.line),
        mandate: c.mandate.as_ref().map(key),
        sector: c.sector.as_ref().map(key),
        posture: c.posture,
        readiness: c.readiness,
        losses: c.losses,
    });
    let pledges = sorted::<&Pledge, _>(world, |(k, _l, p)| m::Pledge {
        id: k.0.clone(),
        nation: key(&p.nation),
        contingent: key(&p.contingent),
        sector: key(&p.sector),
        condition: p.condition.clone(),
        lapses_after_turn: p.lapses_after_turn,
    });
    let guarantees = sorted::<&Guarantee, _>(world, |(k, _l, g)| m::Guarantee {
        id: k.0.clone(),
        guarantor: key(&g.guarantor),
        recipient: key(&g.recipient),
        components: g.components.clone(),
        status: g.status,
        accepted_day: g.accepted_day,
    });
    let assets = sorted::<&MonitoringAsset, _>(world, |(k, _l, a)| m::MonitoringAsset {
        id: k.0.clone(),
        owner: key(&a.owner),
        kind: a.kind,
        count: a.count,
        mandate: a.mandate.as_ref().map(key),
        sectors: keyed(&a.sectors),
        detection: a.detection,
        jamming: a.jamming,
        restrictions_per_month: a.restrictions_per_month,
    });
    let injects = sorted::<&Inject, _>(world, |(k, l, i)| m::Inject {
        id: k.0.clone(),
        name: l.0.clone(),
        text: i.text.clone(),
        trigger: i.trigger.clone(),
        repeat: i.repeat,
        effects: i.effects.clone(),
        approval: i.approval.is_some(),
        approval_seconds: i.approval.map_or_else(m::default_approval_seconds, |a| a.seconds),
        unanswered: i.approval.map(|a| a.unanswered).unwrap_or_default(),
    });

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
        sides: m::Sides { positive: key(&info.positive_side), negative: key(&info.negative_side) },
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
