//! Bots: each nation's seat played by its scenario doctrine, through ordinary orders.
//!
//! A bot sees what its seat would see (the public record, its own forces, offers made to it) and
//! hands in orders that pass the same checks as a person's; it never writes to the world itself.

use std::collections::{BTreeMap, BTreeSet};

use bevy::prelude::*;

use crate::institutions::Proposals;
use crate::rng::{Dice, Purpose};
use crate::rules::conditions;
use crate::rules::line::sector_pictures;
use crate::rules::orders::{SeatAction, bot_seats};
use crate::rules::{
    Ballot, Ceasefire, Clock, Controller, Escalation, GameSeed, Order, OrderSubmitted, Phase, PledgeState, SeatCommand,
    Transit, TurnFacts,
};
use crate::scenario::model::{
    ContingentKind, DecisionRule, GuaranteeComponent, GuaranteePolicy, GuaranteeStatus, MandateKind, NationFlag,
    Severity,
};
use crate::world::*;

/// Drafts and locks the orders of every seat its bot plays.
pub struct BotsPlugin;

impl Plugin for BotsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(OnEnter(Phase::Orders), draft_bot_orders.after(crate::rules::orders::open_orders)).add_systems(
            crate::rules::ResolveTurn,
            remember_proposals.in_set(crate::rules::Step::ApplyOrders).after(crate::rules::orders::apply_orders),
        );
    }
}

/// Notes in each seat's memory the mandates it proposed this turn, whoever gave the order (its
/// bot here, a network bot, or its people), so that its bot does not propose them again at once.
fn remember_proposals(world: &mut World) {
    let turn = world.resource::<Clock>().turn;
    let made: Vec<(String, String, String)> = world
        .resource::<Proposals>()
        .open
        .iter()
        .filter(|p| p.turn == turn)
        .map(|p| (p.proposer.clone(), p.template.clone(), p.institution.clone()))
        .collect();
    for (proposer, template, institution) in made {
        let Some(e) = world.resource::<Registry>().get(&proposer) else { continue };
        let mut memory = world.get::<BotMemory>(e).cloned().unwrap_or_default();
        memory.proposed.insert((template, institution), turn);
        world.entity_mut(e).insert(memory);
    }
}

/// What a bot remembers between turns: when it last proposed each mandate.
#[derive(Component, Clone, Debug, Default)]
pub struct BotMemory {
    pub proposed: BTreeMap<(String, String), u32>,
}

/// Hands in the orders of every bot-played seat, then locks them.
pub fn draft_bot_orders(world: &mut World) {
    let seats = bot_seats(world);
    stand_in(world, seats);
}

/// Has the bot of each of `seats` hand in its orders and lock (at the start of a turn, or for a
/// seat whose people are absent when the clock runs out).
pub fn stand_in(world: &mut World, seats: Vec<(Entity, String)>) {
    if seats.is_empty() {
        return;
    }
    // Every bot reads the same world before any order applies: assess it once.
    let outlook = Outlook::take(world);
    for (e, key) in seats {
        let orders = plan(world, e, &key, &outlook);
        let mut out = world.resource_mut::<Messages<OrderSubmitted>>();
        for order in orders {
            out.write(OrderSubmitted { nation: key.clone(), order });
        }
        world.resource_mut::<Messages<SeatCommand>>().write(SeatCommand { nation: key, action: SeatAction::Lock });
    }
}

fn key_of(world: &World, e: Entity) -> String {
    world.get::<Key>(e).map_or_else(String::new, |k| k.0.clone())
}

/// What every bot reads of the world at the start of the orders phase.
pub struct Outlook {
    pub pictures: Vec<crate::rules::line::SectorPicture>,
    /// Contingents in stable order: (entity, id, contingent, travelling).
    contingents: Vec<(Entity, String, Contingent, bool)>,
    /// Contingents with a pending pledge; with a pending or active one.
    pending: BTreeSet<Entity>,
    pledged: BTreeSet<Entity>,
    /// Guarantees in stable order, with their ids.
    guarantees: Vec<(String, Guarantee)>,
    /// Mandates in stable order.
    mandates: Vec<Mandate>,
    /// Nations that own a monitoring asset.
    asset_owners: BTreeSet<Entity>,
}

impl Outlook {
    pub fn take(world: &mut World) -> Outlook {
        let turn = world.resource::<Clock>().turn;
        let mut contingents: Vec<(StableId, (Entity, String, Contingent, bool))> = world
            .query::<(Entity, &StableId, &Key, &Contingent, Has<Transit>)>()
            .iter(world)
            .map(|(e, s, k, c, t)| (*s, (e, k.0.clone(), c.clone(), t)))
            .collect();
        contingents.sort_by_key(|(s, _)| *s);
        let (mut pending, mut pledged) = (BTreeSet::new(), BTreeSet::new());
        for (p, state) in world.query::<(&Pledge, &PledgeState)>().iter(world) {
            if *state == PledgeState::Pending {
                pending.insert(p.contingent);
            }
            if matches!(state, PledgeState::Pending | PledgeState::Active) {
                pledged.insert(p.contingent);
            }
        }
        let mut guarantees: Vec<(StableId, (String, Guarantee))> = world
            .query::<(&StableId, &Key, &Guarantee)>()
            .iter(world)
            .map(|(s, k, g)| (*s, (k.0.clone(), g.clone())))
            .collect();
        guarantees.sort_by_key(|(s, _)| *s);
        let mut mandates: Vec<(StableId, Mandate)> =
            world.query::<(&StableId, &Mandate)>().iter(world).map(|(s, m)| (*s, m.clone())).collect();
        mandates.sort_by_key(|(s, _)| *s);
        let asset_owners = world.query::<&MonitoringAsset>().iter(world).map(|a| a.owner).collect();
        Outlook {
            pictures: sector_pictures(world, turn),
            contingents: contingents.into_iter().map(|(_, c)| c).collect(),
            pending,
            pledged,
            guarantees: guarantees.into_iter().map(|(_, g)| g).collect(),
            mandates: mandates.into_iter().map(|(_, m)| m).collect(),
            asset_owners,
        }
    }
}

/// The orders nation `me` would give this turn, by its doctrine.
pub fn plan(world: &mut World, me: Entity, key: &str, outlook: &Outlook) -> Vec<Order> {
    let Some(nation) = world.get::<Nation>(me).cloned() else {
        return Vec::new();
    };
    let clock = world.resource::<Clock>().clone();
    let seed = world.resource::<GameSeed>().0;
    let info = world.resource::<ScenarioInfo>().clone();
    let escalation = world.resource::<Escalation>().clone();
    let facts = world.resource::<TurnFacts>().clone();
    let costs = world.resource::<Model>().0.costs.clone();
    let stable = world.get::<StableId>(me).map_or(0, |s| u64::from(s.0));
    let mut dice = Dice::new(seed, clock.turn, Purpose::Bots, stable);
    let d = &nation.doctrine;
    let mut capital = world.get::<Capital>(me).map_or(0, |c| c.0);
    let mut orders = Vec::new();
    let spend = |cost: i64, capital: &mut i64| {
        if *capital >= cost {
            *capital -= cost;
            true
        } else {
            false
        }
    };

    // On the line: pressure, aimed at weakly watched sectors if the doctrine says so.
    if nation.has(NationFlag::Belligerent) {
        let pictures = &outlook.pictures;
        let mine: Vec<_> = pictures
            .iter()
            .filter(|p| world.get::<Forces>(p.sector).is_some_and(|f| f.0.iter().any(|(n, t)| *n == me && *t > 0)))
            .collect();
        let watched = mine.iter().map(|p| p.detection);
        let (least, most) = watched.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let current = world.get::<crate::rules::Postures>(me).cloned().unwrap_or_default();
        for (watch, sector) in mine.iter().map(|p| (p.detection, &p.sector)) {
            // The least watched sector gets half as much again, the best watched half, and the
            // rest in between by how well they are watched: equally watched sectors are pressed
            // equally, wherever the file lists them.
            let place = if most - least > 1e-9 { (watch - least) / (most - least) } else { 0.5 };
            let factor = if d.probe_weak_sectors { 1.5 - place } else { 1.0 };
            let pressure = ((d.aggression * factor).clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
            // Only changes are ordered: a posture stands until changed.
            let standing = current.0.get(sector).copied().unwrap_or(d.aggression);
            if (standing - pressure).abs() > 1e-9 {
                orders.push(Order::SetPosture { sector: key_of(world, *sector), pressure });
            }
        }
        if escalation.ceasefire == Ceasefire::Fraying && dice.chance(d.recommit) {
            let measures = dice.chance(0.5);
            let cost = if measures { costs.recommit_with_measures } else { costs.recommit };
            if spend(cost, &mut capital) {
                orders.push(Order::Recommit { measures });
            }
        }
        if nation.alignment > 0.0 && facts.worst_last_turn.is_some_and(|s| s >= Severity::Incursion) {
            let hottest = mine.iter().max_by(|a, b| {
                let ta = world.get::<Tension>(a.sector).map_or(0.0, |t| t.0);
                let tb = world.get::<Tension>(b.sector).map_or(0.0, |t| t.0);
                ta.total_cmp(&tb)
            });
            if let Some(p) = hottest
                && spend(costs.request_air_support, &mut capital)
            {
                orders.push(Order::RequestAirSupport { sector: key_of(world, p.sector) });
            }
        }
    }

    // Votes on open proposals before its institutions.
    let proposals = world.resource::<Proposals>().clone();
    let registry = world.resource::<Registry>().ids();
    for p in &proposals.open {
        if p.turn >= clock.turn {
            continue;
        }
        let Some(inst) = registry.get(&p.institution).and_then(|e| world.get::<Institution>(e)) else {
            continue;
        };
        if !inst.members.iter().any(|m| matches!(m, InstitutionMember::Nation(n) if *n == me)) {
            continue;
        }
        let kind = registry
            .get(&p.template)
            .and_then(|e| world.get::<MandateTemplate>(e))
            .map_or(MandateKind::ObserveReport, |t| t.kind);
        let lean = match kind {
            MandateKind::ObserveReport => d.votes.observe,
            MandateKind::Interpose => d.votes.interpose,
            MandateKind::Enforce => d.votes.enforce,
        };
        let ballot = if p.proposer == key || dice.chance(lean) {
            Ballot::Yes
        } else if lean < 0.35 {
            Ballot::No
        } else {
            Ballot::Abstain
        };
        orders.push(Order::Vote { proposal: p.id, ballot });
    }

    // Proposals: the first preferred mandate not yet in force or before the body, at most one a
    // turn, and not the same one again within three turns.
    let mut memory = world.get::<BotMemory>(me).cloned().unwrap_or_default();
    for pr in &d.proposals {
        let Some(t) = registry.get(&pr.template).and_then(|e| world.get::<MandateTemplate>(e)).cloned() else {
            continue;
        };
        let body = registry.get(&pr.institution);
        // A mandate of this kind from this body still running when a new one would start: a voting
        // body decides next turn, a coalition at once, so a renewal is asked for in time.
        let votes =
            body.and_then(|b| world.get::<Institution>(b)).is_some_and(|i| !matches!(i.rule, DecisionRule::NoVote));
        let starts = clock.turn + if votes { 2 } else { 1 };
        let in_force = outlook.mandates.iter().any(|m| {
            let template = world.get::<MandateTemplate>(m.template);
            Some(m.authorised_by) == body
                && template.is_some_and(|x| x.kind == t.kind)
                && conditions::mandate_active(m, template, starts)
        });
        let pending = proposals.open.iter().any(|p| p.institution == pr.institution && p.template == pr.template);
        let recent =
            memory.proposed.get(&(pr.template.clone(), pr.institution.clone())).is_some_and(|t| clock.turn < t + 3);
        if in_force || pending || recent {
            continue;
        }
        if spend(t.capital_cost, &mut capital) {
            memory.proposed.insert((pr.template.clone(), pr.institution.clone()), clock.turn);
            orders.push(Order::ProposeMandate {
                template: pr.template.clone(),
                institution: pr.institution.clone(),
                sectors: Vec::new(),
                contributors: Vec::new(),
                duration_turns: None,
            });
        }
        break;
    }
    world.entity_mut(me).insert(memory);

    // Guarantees offered to it.
    for (gkey, g) in &outlook.guarantees {
        if g.recipient != me || g.status != GuaranteeStatus::Offered {
            continue;
        }
        let accept = match d.accept_guarantees {
            GuaranteePolicy::Any => true,
            GuaranteePolicy::Never => false,
            GuaranteePolicy::FromHelpersOnly => is_helper(world, outlook, g.guarantor, me, &g.components),
        };
        let guarantee = gkey.clone();
        orders.push(if accept { Order::AcceptGuarantee { guarantee } } else { Order::RejectGuarantee { guarantee } });
    }

    // Contingents: send idle ones to serve an active mandate it supports; bring them home when
    // support at home runs low.
    if !nation.has(NationFlag::Belligerent) {
        let support = world.get::<Support>(me).cloned();
        // (stable order, entity, id, contingent, travelling, pledged and waiting)
        let mine: Vec<(usize, Entity, String, Contingent, bool, bool)> = outlook
            .contingents
            .iter()
            .enumerate()
            .filter(|(_, (_, _, c, _))| c.owner == me)
            .map(|(i, (e, k, c, t))| (i, *e, k.clone(), c.clone(), *t, outlook.pending.contains(e)))
            .collect();
        let deployed: i64 = mine.iter().filter(|r| r.3.sector.is_some() || r.4).map(|r| r.3.size).sum();
        if let Some(s) = support
            && s.level < s.params.withdraw_below + 0.05
        {
            if let Some(r) = mine.iter().filter(|r| r.3.sector.is_some()).max_by_key(|r| r.3.size)
                && spend(costs.withdraw, &mut capital)
            {
                orders.push(Order::Withdraw { contingent: r.2.clone() });
            }
        } else {
            let budget = (nation.pools.troops as f64 * d.max_deployment_share) as i64 - deployed;
            let mandates = &outlook.mandates;
            let pictures = &outlook.pictures;
            let mut room = budget;
            let occupied: BTreeSet<Entity> = mine.iter().filter_map(|x| x.3.sector).collect();
            for r in
                mine.iter().filter(|r| r.3.sector.is_none() && !r.4 && !r.5 && r.3.kind != ContingentKind::AirSupport)
            {
                let fits = mandates.iter().find(|m| {
                    let t = world.get::<MandateTemplate>(m.template);
                    let lean = t.map_or(0.0, |t| match t.kind {
                        MandateKind::ObserveReport => d.votes.observe,
                        MandateKind::Interpose => d.votes.interpose,
                        MandateKind::Enforce => d.votes.enforce,
                    });
                    conditions::mandate_active(m, t, clock.turn)
                        && t.is_some_and(|t| t.contingent_kinds.contains(&r.3.kind))
                        && lean >= 0.5
                        && (m.contributors.contains(&me)
                            || world.get::<Institution>(m.authorised_by).is_some_and(|i| {
                                i.members.iter().any(|x| matches!(x, InstitutionMember::Nation(n) if *n == me))
                            }))
                });
                let size = if r.3.kind.is_armed() { r.3.size } else { 0 };
                if let Some(m) = fits
                    && size <= room
                {
                    // The hottest covered sector where it has nobody yet.
                    let target = pictures
                        .iter()
                        .filter(|p| m.sectors.is_empty() || m.sectors.contains(&p.sector))
                        .filter(|p| !occupied.contains(&p.sector))
                        .max_by(|a, b| {
                            let ta = world.get::<Tension>(a.sector).map_or(0.0, |t| t.0);
                            let tb = world.get::<Tension>(b.sector).map_or(0.0, |t| t.0);
                            ta.total_cmp(&tb)
                        })
                        .map(|p| p.sector);
                    if let Some(s) = target
                        && spend(costs.deploy, &mut capital)
                    {
                        room -= size;
                        orders.push(Order::Deploy { contingent: r.2.clone(), sector: key_of(world, s) });
                    }
                }
            }
        }
    }

    // Pressure on the side it opposes once the ceasefire frays: sanctions and shared intelligence.
    if !nation.has(NationFlag::Belligerent) && nation.alignment >= 0.5 {
        let target = info_side(world, &info, false);
        let friend = info_side(world, &info, true);
        let sanctions = world.resource::<crate::rules::Sanctions>().clone();
        if escalation.ceasefire != Ceasefire::Holding
            && !sanctions.0.contains(&(key.to_string(), target.clone()))
            && spend(costs.sanctions, &mut capital)
        {
            orders.push(Order::ImposeSanctions { target });
        }
        let sharing = world.resource::<crate::rules::IntelSharing>().clone();
        let has_drones = outlook.asset_owners.contains(&me);
        if has_drones
            && !sharing.0.contains(&(key.to_string(), friend.clone()))
            && friend != key
            && spend(costs.share_intelligence, &mut capital)
        {
            orders.push(Order::ShareIntelligence { with: friend });
        }
    }
    orders
}

/// The scenario's positive or negative side, by id.
fn info_side(world: &World, info: &ScenarioInfo, positive: bool) -> String {
    key_of(world, if positive { info.positive_side } else { info.negative_side })
}

/// Whether `guarantor` helps `recipient` ("guarantees only from those countries that are ready to
/// help us"): on good terms with it, and with forces committed or material help on offer.
pub fn is_helper(
    world: &World,
    outlook: &Outlook,
    guarantor: Entity,
    recipient: Entity,
    offered: &[GuaranteeComponent],
) -> bool {
    let friendly = world
        .get::<Relations>(recipient)
        .and_then(|r| r.0.iter().find(|(e, _)| *e == guarantor).map(|(_, v)| *v))
        .unwrap_or(0)
        >= 25;
    // Committed: troops on the line or on their way, a pledge standing, or monitoring assets.
    let committed = outlook.contingents.iter().any(|(e, _, c, moving)| {
        c.owner == guarantor && (c.sector.is_some() || *moving || outlook.pledged.contains(e))
    }) || outlook.asset_owners.contains(&guarantor);
    let material = offered.iter().any(|c| {
        matches!(
            c,
            GuaranteeComponent::Training
                | GuaranteeComponent::WeaponsSupply
                | GuaranteeComponent::DefenceIndustry
                | GuaranteeComponent::IntelligenceSharing
        )
    });
    friendly && (committed || material)
}

/// Marks the seats people play; the others stay with their bots.
pub fn set_controllers(world: &mut World, humans: &[String]) {
    let mut q = world.query::<(&Key, &mut Controller)>();
    for (k, mut c) in q.iter_mut(world) {
        *c = if humans.contains(&k.0) { Controller::Human } else { Controller::Bot };
    }
}
