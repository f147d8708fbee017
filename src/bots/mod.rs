//! Bots: each nation's seat played by its scenario doctrine, or a strategy made from it, through
//! ordinary orders.
//!
//! A bot sees what its seat would see (the public record, its own forces, offers made to it) and
//! hands in orders that pass the same checks as a person's; it never writes to the world itself.

use std::collections::{BTreeMap, BTreeSet};

use bevy::prelude::*;

pub mod negotiate;

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
    ContingentKind, DecisionRule, Doctrine, GuaranteeComponent, GuaranteePolicy, GuaranteeStatus, MandateKind,
    NationFlag, OrderCosts, Severity,
};
use crate::world::*;

/// Drafts and locks the orders of every seat its bot plays.
pub struct BotsPlugin;

impl Plugin for BotsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            OnEnter(Phase::Orders),
            (draft_bot_orders, negotiate::offer_deals, negotiate::accuse_in_public)
                .chain()
                .after(crate::rules::orders::open_orders),
        )
        .add_systems(
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

/// How a bot plays its seat (docs/rules.md §9.8). Every strategy is made from the seat's own
/// doctrine, so each works for any nation of any scenario.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// The doctrine as the scenario writes it: the advisor's plan.
    #[default]
    Advisor,
    /// Hands in nothing and locks: what a seat whose people lock empty drafts gets.
    Idle,
    /// A hard line: presses harder, never recommits, votes down what neither it nor a friend
    /// proposed, sanctions the side it opposes from the start and sends all the troops it can.
    Hawk,
    /// Conciliation: eases its pressure, always recommits with measures, votes for observers and
    /// interposition whoever asks, accepts any guarantee and troops, sanctions nobody and sends
    /// no armed troops of its own accord.
    Dove,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [Strategy::Advisor, Strategy::Idle, Strategy::Hawk, Strategy::Dove];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Advisor => "advisor",
            Strategy::Idle => "idle",
            Strategy::Hawk => "hawk",
            Strategy::Dove => "dove",
        }
    }

    /// The doctrine the bot plays by under this strategy (§9.8).
    fn doctrine(self, d: &Doctrine) -> Doctrine {
        let mut d = d.clone();
        match self {
            Strategy::Advisor | Strategy::Idle => {}
            Strategy::Hawk => {
                d.aggression = round3((d.aggression + 1.0) / 2.0);
                d.probe_weak_sectors = true;
                d.recommit = 0.0;
                if d.accept_guarantees == GuaranteePolicy::Any {
                    d.accept_guarantees = GuaranteePolicy::FromHelpersOnly;
                }
                if d.max_deployment_share > 0.0 {
                    d.max_deployment_share = 1.0;
                }
                d.keeps_deals = round3(d.keeps_deals / 2.0);
            }
            Strategy::Dove => {
                d.aggression = round3(d.aggression / 2.0);
                d.probe_weak_sectors = false;
                d.recommit = 1.0;
                d.accept_guarantees = GuaranteePolicy::Any;
                d.votes.observe = 1.0;
                d.votes.interpose = 1.0;
                d.votes.enforce = 0.0;
                d.keeps_deals = 1.0;
            }
        }
        d
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Strategy, String> {
        let wanted = s.trim().to_ascii_lowercase();
        Strategy::ALL.into_iter().find(|x| x.name() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Strategy::ALL.iter().map(|x| x.name()).collect();
            format!("unknown strategy `{s}` (one of: {})", names.join(", "))
        })
    }
}

fn round3(x: f64) -> f64 {
    (x.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

/// Sets the strategy of each named seat's bot; the others keep theirs (the advisor by default).
pub fn set_strategies(world: &mut World, policies: &[(String, Strategy)]) {
    for (seat, strategy) in policies {
        if let Some(e) = world.resource::<Registry>().get(seat) {
            world.entity_mut(e).insert(*strategy);
        }
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
        let mut contingents: Vec<(StableId, (Entity, String, Contingent, bool))> =
            with_query::<(Entity, &StableId, &Key, &Contingent, Has<Transit>), (), _>(world, |world, q| {
                q.iter(world).map(|(e, s, k, c, t)| (*s, (e, k.0.clone(), c.clone(), t))).collect()
            });
        contingents.sort_by_key(|(s, _)| *s);
        let (mut pending, mut pledged) = (BTreeSet::new(), BTreeSet::new());
        with_query::<(&Pledge, &PledgeState), (), _>(world, |world, q| {
            for (p, state) in q.iter(world) {
                if *state == PledgeState::Pending {
                    pending.insert(p.contingent);
                }
                if matches!(state, PledgeState::Pending | PledgeState::Active) {
                    pledged.insert(p.contingent);
                }
            }
        });
        let mut guarantees: Vec<(StableId, (String, Guarantee))> =
            with_query::<(&StableId, &Key, &Guarantee), (), _>(world, |world, q| {
                q.iter(world).map(|(s, k, g)| (*s, (k.0.clone(), g.clone()))).collect()
            });
        guarantees.sort_by_key(|(s, _)| *s);
        let mut mandates: Vec<(StableId, Mandate)> = with_query::<(&StableId, &Mandate), (), _>(world, |world, q| {
            q.iter(world).map(|(s, m)| (*s, m.clone())).collect()
        });
        mandates.sort_by_key(|(s, _)| *s);
        let asset_owners =
            with_query::<&MonitoringAsset, (), _>(world, |world, q| q.iter(world).map(|a| a.owner).collect());
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

/// One bot drafting its orders: who it is, what it read, the capital it has left and the
/// orders so far. Each decision of docs/rules.md §9 is one method, taken in the rule book's order.
struct Bot<'o> {
    me: Entity,
    key: String,
    nation: Nation,
    outlook: &'o Outlook,
    clock: Clock,
    escalation: Escalation,
    costs: OrderCosts,
    dice: Dice,
    capital: i64,
    strategy: Strategy,
    orders: Vec<Order>,
}

impl Bot<'_> {
    /// Pays for an order if it can; false if the capital left does not cover it.
    fn spend(&mut self, cost: i64) -> bool {
        if self.capital >= cost {
            self.capital -= cost;
            true
        } else {
            false
        }
    }

    /// Sectors where it has troops.
    fn my_sectors(&self, world: &World) -> Vec<&crate::rules::line::SectorPicture> {
        let me = self.me;
        self.outlook
            .pictures
            .iter()
            .filter(|p| world.get::<Forces>(p.sector).is_some_and(|f| f.0.iter().any(|(n, t)| *n == me && *t > 0)))
            .collect()
    }

    /// §9.1 Postures: pressure from its doctrine, aimed at weakly watched sectors if the doctrine
    /// says so; only changes are ordered.
    fn set_postures(&mut self, world: &World) {
        let d = &self.nation.doctrine;
        let mine = self.my_sectors(world);
        let watched = mine.iter().map(|p| p.detection);
        let (least, most) = watched.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let current = world.get::<crate::rules::Postures>(self.me).cloned().unwrap_or_default();
        let mut orders = Vec::new();
        for (watch, sector) in mine.iter().map(|p| (p.detection, &p.sector)) {
            // The least watched sector gets half as much again, the best watched half, and the
            // rest in between by how well they are watched: equally watched sectors are pressed
            // equally, wherever the file lists them.
            let place = if most - least > 1e-9 { (watch - least) / (most - least) } else { 0.5 };
            let factor = if d.probe_weak_sectors { 1.5 - place } else { 1.0 };
            let pressure = ((d.aggression * factor).clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
            // Only changes are ordered: a posture stands until changed.
            // With none set, the standing pressure is the scenario's, whatever the strategy.
            let default = world.get::<Nation>(self.me).map_or(d.aggression, |n| n.doctrine.aggression);
            let standing = current.0.get(sector).copied().unwrap_or(default);
            if (standing - pressure).abs() > 1e-9 {
                orders.push(Order::SetPosture { sector: key_of(world, *sector), pressure });
            }
        }
        self.orders.extend(orders);
    }

    /// §9.1 Recommitment: when the ceasefire frays, by chance, with or without measures.
    fn recommit(&mut self) {
        if self.escalation.ceasefire == Ceasefire::Fraying && self.dice.chance(self.nation.doctrine.recommit) {
            let measures = self.strategy == Strategy::Dove || self.dice.chance(0.5);
            let cost = if measures { self.costs.recommit_with_measures } else { self.costs.recommit };
            if self.spend(cost) {
                self.orders.push(Order::Recommit { measures });
            }
        }
    }

    /// §9.1 Air support: after an incursion, a side the deeper lines defend asks for it over its
    /// tensest sector.
    fn call_air_support(&mut self, world: &World, facts: &TurnFacts) {
        if self.nation.alignment <= 0.0 || facts.worst_last_turn.is_none_or(|s| s < Severity::Incursion) {
            return;
        }
        let tension = |s: Entity| world.get::<Tension>(s).map_or(0.0, |t| t.0);
        let hottest = self.my_sectors(world).into_iter().max_by(|a, b| tension(a.sector).total_cmp(&tension(b.sector)));
        if let Some(sector) = hottest.map(|p| p.sector)
            && self.spend(self.costs.request_air_support)
        {
            self.orders.push(Order::RequestAirSupport { sector: key_of(world, sector) });
        }
    }

    /// §9.2 Votes: on every open proposal before its institutions, by its leaning for the kind.
    fn vote(&mut self, world: &World, proposals: &Proposals) {
        let registry = world.resource::<Registry>().ids();
        for p in &proposals.open {
            if p.turn >= self.clock.turn {
                continue;
            }
            let Some(inst) = registry.get(&p.institution).and_then(|e| world.get::<Institution>(e)) else {
                continue;
            };
            if !inst.members.iter().any(|m| matches!(m, InstitutionMember::Nation(n) if *n == self.me)) {
                continue;
            }
            let kind = registry
                .get(&p.template)
                .and_then(|e| world.get::<MandateTemplate>(e))
                .map_or(MandateKind::ObserveReport, |t| t.kind);
            let lean = leaning(&self.nation.doctrine, kind);
            // It does not put its name to a rival's plan, whatever the plan.
            let relation =
                registry.get(&p.proposer).and_then(|them| world.get::<Relations>(self.me).map(|r| r.with(them)));
            let hostile = relation.is_some_and(|r| r <= HOSTILE);
            let friendly = relation.is_some_and(|r| r >= FRIENDLY);
            let ballot = if p.proposer == self.key {
                Ballot::Yes
            } else if self.strategy == Strategy::Hawk {
                if friendly && lean >= 0.5 { Ballot::Yes } else { Ballot::No }
            } else if self.strategy == Strategy::Dove {
                if lean >= 0.5 { Ballot::Yes } else { Ballot::No }
            } else if hostile {
                Ballot::No
            } else if self.dice.chance(lean) {
                Ballot::Yes
            } else if lean < 0.35 {
                Ballot::No
            } else {
                Ballot::Abstain
            };
            self.orders.push(Order::Vote { proposal: p.id, ballot });
        }
    }

    /// §9.3 Proposals: the first preferred mandate not yet in force or before the body, at most
    /// one a turn, and not the same one again within three turns.
    fn propose(&mut self, world: &mut World, proposals: &Proposals) {
        let registry = world.resource::<Registry>().ids();
        let mut memory = world.get::<BotMemory>(self.me).cloned().unwrap_or_default();
        let turn = self.clock.turn;
        for pr in &self.nation.doctrine.proposals {
            let Some(t) = registry.get(&pr.template).and_then(|e| world.get::<MandateTemplate>(e)).cloned() else {
                continue;
            };
            let body = registry.get(&pr.institution);
            // A mandate of this kind from this body still running when a new one would start: a
            // voting body decides next turn, a coalition at once, so a renewal is asked for in time.
            let votes =
                body.and_then(|b| world.get::<Institution>(b)).is_some_and(|i| !matches!(i.rule, DecisionRule::NoVote));
            let starts = turn + if votes { 2 } else { 1 };
            let in_force = self.outlook.mandates.iter().any(|m| {
                let template = world.get::<MandateTemplate>(m.template);
                Some(m.authorised_by) == body
                    && template.is_some_and(|x| x.kind == t.kind)
                    && conditions::mandate_active(m, template, starts)
            });
            let pending = proposals.open.iter().any(|p| p.institution == pr.institution && p.template == pr.template);
            let asked = (pr.template.clone(), pr.institution.clone());
            let recent = memory.proposed.get(&asked).is_some_and(|t| turn < t + 3);
            if in_force || pending || recent {
                continue;
            }
            if self.capital >= t.capital_cost {
                self.capital -= t.capital_cost;
                memory.proposed.insert(asked, turn);
                self.orders.push(Order::ProposeMandate {
                    template: pr.template.clone(),
                    institution: pr.institution.clone(),
                    sectors: Vec::new(),
                    contributors: Vec::new(),
                    duration_turns: None,
                });
            }
            break;
        }
        world.entity_mut(self.me).insert(memory);
    }

    /// §9.3 Lobbying: it presses a body to back the first mandate of its doctrine's `lobby` list
    /// whose kind the body's members do not yet back (a position below 0.9), if it can afford it.
    fn lobby(&mut self, world: &World) {
        let registry = world.resource::<Registry>().ids();
        let lobbying = world.resource::<crate::institutions::Lobbying>();
        for l in self.nation.doctrine.lobby.clone() {
            let inst = registry.get(&l.institution).and_then(|e| world.get::<Institution>(e));
            let kind = registry.get(&l.template).and_then(|e| world.get::<MandateTemplate>(e)).map(|t| t.kind);
            let (Some(inst), Some(kind)) = (inst, kind) else { continue };
            if lobbying.position(inst, kind).is_none_or(|p| p >= WON_OVER) {
                continue;
            }
            if self.spend(self.costs.lobby) {
                self.orders.push(Order::Lobby { institution: l.institution, template: l.template });
            }
            return;
        }
    }

    /// §9.4 Guarantees: every open offer made to it is answered by its doctrine.
    fn answer_guarantees(&mut self, world: &World) {
        for (gkey, g) in &self.outlook.guarantees {
            if g.recipient != self.me || g.status != GuaranteeStatus::Offered {
                continue;
            }
            let accept = match self.nation.doctrine.accept_guarantees {
                GuaranteePolicy::Any => true,
                GuaranteePolicy::Never => false,
                GuaranteePolicy::FromHelpersOnly => is_helper(world, self.outlook, g.guarantor, self.me, &g.components),
            };
            let guarantee = gkey.clone();
            self.orders.push(if accept {
                Order::AcceptGuarantee { guarantee }
            } else {
                Order::RejectGuarantee { guarantee }
            });
        }
    }

    /// §9.7 Consent: a host refuses the troops of a nation that leans to a side it fights, and
    /// consents again to any other it refused.
    fn answer_for_its_soil(&mut self, world: &mut World) {
        if !self.nation.has(NationFlag::Host) {
            return;
        }
        let nations = in_stable_order::<Nation>(world);
        let keys: BTreeMap<Entity, String> = crate::rules::nations_in_order(world).into_iter().collect();
        let belligerents: BTreeSet<&str> = nations
            .iter()
            .filter(|(_, n)| n.has(NationFlag::Belligerent))
            .filter_map(|(e, _)| keys.get(e).map(String::as_str))
            .collect();
        for (n, them) in nations.iter().filter(|(n, x)| *n != self.me && !x.has(NationFlag::Belligerent)) {
            let leans = them.loyalty_risk.as_ref().map(|r| r.leans_to.as_str());
            let hostile =
                self.strategy != Strategy::Dove && leans.is_some_and(|to| to != self.key && belligerents.contains(to));
            let refused = self.nation.refuses.contains(n);
            let key = keys.get(n).cloned().unwrap_or_default();
            if hostile && !refused {
                self.orders.push(Order::RefuseTroops { nation: key });
            } else if !hostile && refused {
                self.orders.push(Order::ConsentToTroops { nation: key });
            }
        }
    }

    /// §9.5 Deployments and withdrawals: idle contingents go to serve an active mandate it
    /// supports; the largest comes home when support at home runs low.
    fn deploy_or_withdraw(&mut self, world: &World) {
        let me = self.me;
        let support = world.get::<Support>(me).cloned();
        let mine = my_contingents(self.outlook, me);
        // A hawk holds on until its people make it leave (§8.3); the others leave a little earlier.
        let margin = if self.strategy == Strategy::Hawk { 0.0 } else { 0.05 };
        if let Some(s) = support
            && s.level < s.params.withdraw_below + margin
        {
            if let Some(r) = mine.iter().filter(|r| r.contingent.sector.is_some()).max_by_key(|r| r.contingent.size)
                && self.spend(self.costs.withdraw)
            {
                self.orders.push(Order::Withdraw { contingent: r.id.clone() });
            }
            return;
        }
        // A dove keeps its soldiers out of harm's way: armed contingents come home.
        if self.strategy == Strategy::Dove {
            for r in
                mine.iter().filter(|r| r.contingent.kind.is_armed() && (r.contingent.sector.is_some() || r.travelling))
            {
                if self.spend(self.costs.withdraw) {
                    self.orders.push(Order::Withdraw { contingent: r.id.clone() });
                }
            }
        }
        let deployed: i64 =
            mine.iter().filter(|r| r.contingent.sector.is_some() || r.travelling).map(|r| r.contingent.size).sum();
        let mut room = (self.nation.pools.troops as f64 * self.nation.doctrine.max_deployment_share) as i64 - deployed;
        let occupied: BTreeSet<Entity> = mine.iter().filter_map(|x| x.contingent.sector).collect();
        let idle = mine.iter().filter(|r| {
            r.contingent.sector.is_none()
                && !r.travelling
                && !r.waiting
                && r.contingent.kind != ContingentKind::AirSupport
        });
        for r in idle {
            let Some(m) = self.mandate_to_serve(world, &r.contingent) else { continue };
            let size = if r.contingent.kind.is_armed() { r.contingent.size } else { 0 };
            if size > room || (size > 0 && self.strategy == Strategy::Dove) {
                continue;
            }
            // The tensest covered sector where it has nobody yet.
            let tension = |s: Entity| world.get::<Tension>(s).map_or(0.0, |t| t.0);
            let target = self
                .outlook
                .pictures
                .iter()
                .filter(|p| m.sectors.is_empty() || m.sectors.contains(&p.sector))
                .filter(|p| !occupied.contains(&p.sector))
                .max_by(|a, b| tension(a.sector).total_cmp(&tension(b.sector)))
                .map(|p| p.sector);
            if let Some(s) = target
                && self.spend(self.costs.deploy)
            {
                room -= size;
                self.orders.push(Order::Deploy { contingent: r.id.clone(), sector: key_of(world, s) });
            }
        }
    }

    /// The first mandate in force that takes the contingent's kind, that its doctrine supports
    /// (leaning at least 0.5) and that it may serve under (a named contributor or a member).
    fn mandate_to_serve(&self, world: &World, c: &Contingent) -> Option<&'_ Mandate> {
        let (me, d) = (self.me, &self.nation.doctrine);
        self.outlook.mandates.iter().find(|m| {
            let t = world.get::<MandateTemplate>(m.template);
            let lean = t.map_or(0.0, |t| leaning(d, t.kind));
            conditions::mandate_active(m, t, self.clock.turn)
                && t.is_some_and(|t| t.contingent_kinds.contains(&c.kind))
                && lean >= 0.5
                && (m.contributors.contains(&me)
                    || world.get::<Institution>(m.authorised_by).is_some_and(|i| {
                        i.members.iter().any(|x| matches!(x, InstitutionMember::Nation(n) if *n == me))
                    }))
        })
    }

    /// §9.6 Sanctions and intelligence: pressure on the side it opposes once the ceasefire frays,
    /// and its drones' pictures shared with the side it favours.
    fn sanction_and_share(&mut self, world: &World, info: &ScenarioInfo) {
        let hawk = self.strategy == Strategy::Hawk;
        let leaning = if hawk { 0.25 } else { 0.5 };
        if self.nation.alignment.abs() < leaning || (!hawk && self.nation.alignment < 0.0) {
            return;
        }
        let favours_positive = self.nation.alignment > 0.0;
        let target = info_side(world, info, !favours_positive);
        let friend = info_side(world, info, favours_positive);
        let sanctions = world.resource::<crate::rules::Sanctions>();
        let when = hawk || self.escalation.ceasefire != Ceasefire::Holding;
        if when
            && self.strategy != Strategy::Dove
            && !sanctions.0.contains(&(self.key.clone(), target.clone()))
            && self.spend(self.costs.sanctions)
        {
            self.orders.push(Order::ImposeSanctions { target });
        }
        let sharing = world.resource::<crate::rules::IntelSharing>();
        let has_drones = self.outlook.asset_owners.contains(&self.me);
        if has_drones
            && !sharing.0.contains(&(self.key.clone(), friend.clone()))
            && friend != self.key
            && self.spend(self.costs.share_intelligence)
        {
            self.orders.push(Order::ShareIntelligence { with: friend });
        }
    }
}

/// A relation at or below which a bot votes against whatever the other nation proposes.
const HOSTILE: i64 = -50;

/// A relation at or above which a hawk still votes for what the other nation proposes.
const FRIENDLY: i64 = 50;

impl Bot<'_> {
    /// §9.9 Deals: what its standing deals ask of it takes the place of its own order on the
    /// same matter, unless its doctrine has it break them this turn.
    fn keep_deals(&mut self, world: &World) {
        for promised in negotiate::promised_orders(world, &self.key, &self.nation.doctrine) {
            let about = crate::rules::orders::subject(&promised);
            self.orders.retain(|o| about.is_none() || crate::rules::orders::subject(o) != about);
            self.orders.push(promised);
        }
    }
}

/// Its doctrine's leaning towards a mandate of this kind.
fn leaning(d: &Doctrine, kind: MandateKind) -> f64 {
    d.votes.of(kind)
}

/// A body's position a bot stops lobbying at: there is little left to win.
const WON_OVER: f64 = 0.9;

/// One of a bot's own contingents as the outlook read it.
struct Mine {
    id: String,
    contingent: Contingent,
    travelling: bool,
    /// Pledged and waiting for the pledge's condition.
    waiting: bool,
}

fn my_contingents(outlook: &Outlook, me: Entity) -> Vec<Mine> {
    outlook
        .contingents
        .iter()
        .filter(|(_, _, c, _)| c.owner == me)
        .map(|(e, k, c, t)| Mine {
            id: k.clone(),
            contingent: c.clone(),
            travelling: *t,
            waiting: outlook.pending.contains(e),
        })
        .collect()
}

/// The orders nation `me` would give this turn, by its doctrine: each decision of §9 in turn.
pub fn plan(world: &mut World, me: Entity, key: &str, outlook: &Outlook) -> Vec<Order> {
    let strategy = world.get::<Strategy>(me).copied().unwrap_or_default();
    let Some(mut nation) = world.get::<Nation>(me).cloned() else {
        return Vec::new();
    };
    if strategy == Strategy::Idle {
        return Vec::new();
    }
    nation.doctrine = strategy.doctrine(&nation.doctrine);
    let clock = world.resource::<Clock>().clone();
    let seed = world.resource::<GameSeed>().0;
    let stable = world.get::<StableId>(me).map_or(0, |s| u64::from(s.0));
    let mut bot = Bot {
        me,
        key: key.to_string(),
        dice: Dice::new(seed, clock.turn, Purpose::Bots, stable),
        capital: world.get::<Capital>(me).map_or(0, |c| c.0),
        escalation: world.resource::<Escalation>().clone(),
        costs: world.resource::<Model>().0.costs.clone(),
        clock,
        nation,
        outlook,
        strategy,
        orders: Vec::new(),
    };
    let belligerent = bot.nation.has(NationFlag::Belligerent);
    if belligerent {
        let facts = world.resource::<TurnFacts>().clone();
        bot.set_postures(world);
        bot.recommit();
        bot.call_air_support(world, &facts);
    }
    let proposals = world.resource::<Proposals>().clone();
    bot.vote(world, &proposals);
    bot.propose(world, &proposals);
    bot.lobby(world);
    bot.answer_guarantees(world);
    bot.answer_for_its_soil(world);
    if !belligerent {
        let info = world.resource::<ScenarioInfo>().clone();
        bot.deploy_or_withdraw(world);
        bot.sanction_and_share(world, &info);
    }
    bot.keep_deals(world);
    bot.orders
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
    let friendly = world.get::<Relations>(recipient).map_or(0, |r| r.with(guarantor)) >= 25;
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
