//! Orders: what a seat can do in a turn, how each order is checked, and how accepted orders take
//! effect at the start of resolution.

use std::collections::BTreeMap;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::conditions;
use super::{Clock, Controller, IntelSharing, Phase, PledgeState, Postures, Sanctions, Transit, Truce, TurnFacts};
use crate::institutions::{Proposal, Proposals};
use crate::record::{Audience, Trace};
use crate::scenario::model::{
    Condition, ContingentKind, DecisionRule, GuaranteeComponent, GuaranteeStatus, NationFlag,
};
use crate::world::*;

/// Longest text of a message or statement, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Most orders one seat may hold in a turn.
pub const MAX_ORDERS_PER_TURN: usize = 64;

pub use crate::game::Ballot;

/// Everything a seat can ask for in a turn. References are scenario ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Order {
    /// A private message to another nation's seat.
    PrivateMessage {
        to: String,
        text: String,
    },
    /// A statement every seat reads.
    PublicStatement {
        text: String,
    },
    /// Ask an institution to authorise a mandate (voted on next turn; a coalition decides at once).
    ProposeMandate {
        template: String,
        institution: String,
        /// Empty = the whole line.
        sectors: Vec<String>,
        contributors: Vec<String>,
        duration_turns: Option<u32>,
    },
    Vote {
        proposal: u64,
        ballot: Ballot,
    },
    /// Promise a contingent of one's own, to deploy when `condition` holds (`None` = at once).
    Pledge {
        contingent: String,
        sector: String,
        condition: Option<Condition>,
    },
    /// Bring a contingent home.
    Withdraw {
        contingent: String,
    },
    /// Send a contingent at home to a sector (or redeploy one on the line).
    Deploy {
        contingent: String,
        sector: String,
    },
    OfferGuarantee {
        recipient: String,
        components: Vec<GuaranteeComponent>,
    },
    AcceptGuarantee {
        guarantee: String,
    },
    RejectGuarantee {
        guarantee: String,
    },
    ImposeSanctions {
        target: String,
    },
    LiftSanctions {
        target: String,
    },
    ShareIntelligence {
        with: String,
    },
    /// A belligerent's secret pressure in a sector, 0 (hold fire) .. 1 (push hard).
    SetPosture {
        sector: String,
        pressure: f64,
    },
    /// Recommit to the ceasefire, with or without concrete measures.
    Recommit {
        measures: bool,
    },
    RequestAirSupport {
        sector: String,
    },
    /// Publicly accuse a nation of violating the ceasefire (optionally naming a violation).
    Accuse {
        nation: String,
        violation: Option<u64>,
    },
    /// A host refuses a foreign nation's contingents on its soil: those there go home.
    RefuseTroops {
        nation: String,
    },
    /// A host consents again to a foreign nation's contingents it had refused.
    ConsentToTroops {
        nation: String,
    },
}

impl Order {
    /// A short name of the order's kind, for verdicts and menus.
    pub fn kind(&self) -> &'static str {
        match self {
            Order::PrivateMessage { .. } => "private message",
            Order::PublicStatement { .. } => "public statement",
            Order::ProposeMandate { .. } => "mandate proposal",
            Order::Vote { .. } => "vote",
            Order::Pledge { .. } => "pledge",
            Order::Withdraw { .. } => "withdrawal",
            Order::Deploy { .. } => "deployment",
            Order::OfferGuarantee { .. } => "guarantee offer",
            Order::AcceptGuarantee { .. } => "acceptance of a guarantee",
            Order::RejectGuarantee { .. } => "rejection of a guarantee",
            Order::ImposeSanctions { .. } => "sanctions",
            Order::LiftSanctions { .. } => "lifting of sanctions",
            Order::ShareIntelligence { .. } => "intelligence sharing",
            Order::SetPosture { .. } => "posture",
            Order::Recommit { .. } => "recommitment",
            Order::RequestAirSupport { .. } => "request for air support",
            Order::Accuse { .. } => "accusation",
            Order::RefuseTroops { .. } => "refusal of troops",
            Order::ConsentToTroops { .. } => "consent to troops",
        }
    }
}

/// The first id that appears twice in `ids`, if any.
fn first_repeated(ids: &[String]) -> Option<&str> {
    let mut seen = std::collections::BTreeSet::new();
    ids.iter().find(|id| !seen.insert(id.as_str())).map(String::as_str)
}

/// An order handed in by a seat (from the network, the console or a bot).
#[derive(Message, Clone, Debug)]
pub struct OrderSubmitted {
    pub nation: String,
    pub order: Order,
}

/// What a seat does with its draft as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeatAction {
    /// The orders are final for this turn.
    Lock,
    /// Reopen the draft to revise it.
    Unlock,
    /// Take back one accepted order (its capital is refunded).
    Retract(u64),
}

#[derive(Message, Clone, Debug)]
pub struct SeatCommand {
    pub nation: String,
    pub action: SeatAction,
}

/// The answer to a submitted order or seat command.
#[derive(Message, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderVerdict {
    pub nation: String,
    /// The id the order got, when accepted.
    pub id: Option<u64>,
    pub what: String,
    pub accepted: bool,
    /// Why it was refused, in words a student understands; empty when accepted.
    pub reason: String,
    pub cost: i64,
}

/// One accepted order in a seat's draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drafted {
    pub id: u64,
    pub order: Order,
    pub cost: i64,
}

/// A seat's draft for the current turn.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub orders: Vec<Drafted>,
    pub locked: bool,
    /// The subject of each order that has one, with the order's id.
    pub subjects: BTreeMap<String, u64>,
}

impl Draft {
    pub fn spent(&self) -> i64 {
        self.orders.iter().map(|d| d.cost).sum()
    }
}

/// Every seat's draft for the turn.
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderBook {
    pub drafts: BTreeMap<String, Draft>,
    pub next_id: u64,
}

impl OrderBook {
    pub fn is_locked(&self, nation: &str) -> bool {
        self.drafts.get(nation).is_some_and(|d| d.locked)
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(super::ResolveTurn, apply_orders.in_set(super::Step::ApplyOrders));
}

/// Opens a new turn: clears the drafts and advances the clock.
pub fn open_orders(
    mut book: ResMut<OrderBook>,
    mut clock: ResMut<Clock>,
    info: Res<ScenarioInfo>,
    mut facts: ResMut<TurnFacts>,
    seats: Query<&Key, With<Nation>>,
) {
    if clock.turn > 0 {
        clock.day += info.turn_days;
    }
    clock.turn += 1;
    let next_id = book.next_id;
    *book = OrderBook { drafts: seats.iter().map(|k| (k.0.clone(), Draft::default())).collect(), next_id };
    facts.recorded_last_turn = facts.violations_recorded;
    facts.violations_true = 0;
    facts.violations_recorded = 0;
    facts.casualties = 0;
    facts.hazard_days = 0.0;
    facts.worst_last_turn = facts.worst_detected.take();
    facts.pictures.clear();
    facts.air_support_requested.clear();
    facts.by_sector.clear();
    facts.casualties_by_nation.clear();
}

/// Checks every submitted order and seat command; accepted orders join the seat's draft.
pub fn intake_orders(world: &mut World) {
    let submitted: Vec<OrderSubmitted> = world.resource_mut::<Messages<OrderSubmitted>>().drain().collect();
    let commands: Vec<SeatCommand> = world.resource_mut::<Messages<SeatCommand>>().drain().collect();
    if submitted.is_empty() && commands.is_empty() {
        return;
    }
    let in_orders = *world.resource::<State<Phase>>().get() == Phase::Orders;
    let mut verdicts = Vec::new();
    for s in submitted {
        let what = s.order.kind().to_string();
        let checked = if in_orders { check(world, &s.nation, &s.order) } else { Err(not_now(world)) };
        let verdict = match checked {
            Ok(cost) => {
                let mut book = world.resource_mut::<OrderBook>();
                book.next_id += 1;
                let id = book.next_id;
                let draft = book.drafts.entry(s.nation.clone()).or_default();
                if let Some(subject) = subject(&s.order) {
                    draft.subjects.insert(subject, id);
                }
                draft.orders.push(Drafted { id, order: s.order, cost });
                OrderVerdict { nation: s.nation, id: Some(id), what, accepted: true, reason: String::new(), cost }
            }
            Err(reason) => OrderVerdict { nation: s.nation, id: None, what, accepted: false, reason, cost: 0 },
        };
        verdicts.push(verdict);
    }
    for c in commands {
        let what = match c.action {
            SeatAction::Lock => "lock",
            SeatAction::Unlock => "unlock",
            SeatAction::Retract(_) => "retraction",
        };
        let result = if !in_orders { Err(not_now(world)) } else { seat_action(world, &c) };
        let (accepted, reason) = match result {
            Ok(()) => (true, String::new()),
            Err(r) => (false, r),
        };
        verdicts.push(OrderVerdict { nation: c.nation, id: None, what: what.into(), accepted, reason, cost: 0 });
    }
    let mut out = world.resource_mut::<Messages<OrderVerdict>>();
    for v in verdicts {
        out.write(v);
    }
}

fn not_now(world: &World) -> String {
    let phase = *world.resource::<State<Phase>>().get();
    format!("orders are taken only in the orders phase; the game is now in {phase:?}")
}

fn seat_action(world: &mut World, c: &SeatCommand) -> Result<(), String> {
    let mut book = world.resource_mut::<OrderBook>();
    let Some(draft) = book.drafts.get_mut(&c.nation) else {
        return Err(format!("there is no seat {:?} in this game", c.nation));
    };
    match c.action {
        SeatAction::Lock if draft.locked => return Err("your orders are already locked".into()),
        SeatAction::Unlock if !draft.locked => return Err("your orders are not locked".into()),
        SeatAction::Lock => draft.locked = true,
        SeatAction::Unlock => draft.locked = false,
        SeatAction::Retract(id) => {
            if draft.locked {
                return Err("your orders are locked; unlock them first to revise".into());
            }
            let before = draft.orders.len();
            draft.orders.retain(|d| d.id != id);
            draft.subjects.retain(|_, x| *x != id);
            if draft.orders.len() == before {
                return Err(format!("you have no order number {id} this turn"));
            }
        }
    }
    Ok(())
}

/// Whether `nation` may give `order` now, and at what cost in political capital.
pub fn check(world: &mut World, nation: &str, order: &Order) -> Result<i64, String> {
    let lookup = |world: &World, id: &str| world.resource::<Registry>().get(id);
    let Some(me) = lookup(world, nation).filter(|e| world.get::<Nation>(*e).is_some()) else {
        return Err(format!("there is no nation {nation:?} in this game"));
    };
    let (locked, held, spent) = world
        .resource::<OrderBook>()
        .drafts
        .get(nation)
        .map_or((false, 0, 0), |d| (d.locked, d.orders.len(), d.spent()));
    if locked {
        return Err("your orders are locked for this turn; unlock them to revise".into());
    }
    // Room for a posture in every sector, and as many other orders as anyone needs.
    let most = MAX_ORDERS_PER_TURN + world.resource::<LineGeometry>().points.len().saturating_sub(1);
    if held >= most {
        return Err(format!("you already have {most} orders this turn, the most allowed"));
    }
    let model = world.resource::<Model>().0.clone();
    let costs = &model.costs;
    let turns = world.resource::<ScenarioInfo>().turns;
    let name = |world: &World, e: Entity| world.get::<Label>(e).map_or_else(String::new, |l| l.0.clone());
    let find = |world: &World, id: &str, kind: &str, has: fn(&World, Entity) -> bool| -> Result<Entity, String> {
        match lookup(world, id) {
            Some(e) if has(world, e) => Ok(e),
            Some(_) => Err(format!("{id:?} is not a {kind}")),
            None => Err(format!("there is no {kind} {id:?} in this scenario")),
        }
    };
    let nation_e = |world: &World, id: &str| find(world, id, "nation", |w, e| w.get::<Nation>(e).is_some());
    let sector_e = |world: &World, id: &str| find(world, id, "sector", |w, e| w.get::<Sector>(e).is_some());
    let own_contingent = |world: &World, id: &str| -> Result<(Entity, Contingent), String> {
        let e = find(world, id, "contingent", |w, e| w.get::<Contingent>(e).is_some())?;
        let c = world.get::<Contingent>(e).cloned().ok_or("no such contingent")?;
        if c.owner != me {
            return Err(format!("{id:?} belongs to {}, not to you", name(world, c.owner)));
        }
        Ok((e, c))
    };
    let text_ok = |text: &str| -> Result<(), String> {
        if text.trim().is_empty() {
            Err("the text is empty".into())
        } else if text.chars().count() > MAX_TEXT_CHARS {
            Err(format!("the text is longer than {MAX_TEXT_CHARS} characters"))
        } else {
            Ok(())
        }
    };
    let me_nation = world.get::<Nation>(me).cloned().ok_or("no such nation")?;
    let cost = match order {
        Order::PrivateMessage { to, text } => {
            let them = nation_e(world, to)?;
            if them == me {
                return Err("you cannot send a private message to yourself".into());
            }
            text_ok(text)?;
            0
        }
        Order::PublicStatement { text } => {
            text_ok(text)?;
            costs.public_statement
        }
        Order::ProposeMandate { template, institution, sectors, contributors, duration_turns } => {
            let t = find(world, template, "mandate template", |w, e| w.get::<MandateTemplate>(e).is_some())?;
            let i = find(world, institution, "institution", |w, e| w.get::<Institution>(e).is_some())?;
            let inst = world.get::<Institution>(i).cloned().ok_or("no such institution")?;
            // Any nation may lobby a voting body; a coalition acts only for its own members.
            let member = inst.members.iter().any(|m| matches!(m, InstitutionMember::Nation(e) if *e == me));
            if matches!(inst.rule, DecisionRule::NoVote) && !member {
                return Err(format!("only members of the {} can act through it", name(world, i)));
            }
            for s in sectors {
                sector_e(world, s)?;
            }
            for c in contributors {
                nation_e(world, c)?;
            }
            if let Some(twice) = first_repeated(sectors) {
                return Err(format!("the sector {twice:?} is named more than once"));
            }
            if let Some(twice) = first_repeated(contributors) {
                return Err(format!("the contributor {twice:?} is named more than once"));
            }
            if let Some(d) = duration_turns
                && (*d == 0 || *d > turns)
            {
                return Err(format!("a mandate lasts 1 to {turns} turns"));
            }
            let proposals = world.resource::<Proposals>();
            if proposals.open.iter().any(|p| p.institution == *institution && p.template == *template)
                || world.resource::<OrderBook>().drafts.get(nation).is_some_and(|d| {
                    d.orders.iter().any(|d| matches!(&d.order, Order::ProposeMandate { institution: i2, template: t2, .. } if i2 == institution && t2 == template))
                })
            {
                return Err(format!("the {} already has this proposal before it", name(world, i)));
            }
            world.get::<MandateTemplate>(t).map_or(0, |t| t.capital_cost)
        }
        Order::Vote { proposal, ballot: _ } => {
            let proposals = world.resource::<Proposals>();
            let clock = world.resource::<Clock>();
            let Some(p) = proposals.open.iter().find(|p| p.id == *proposal) else {
                return Err(format!("there is no open proposal number {proposal}"));
            };
            if p.turn >= clock.turn {
                return Err("this proposal was made this turn; it is voted on next turn".into());
            }
            let i = lookup(world, &p.institution).ok_or("no such institution")?;
            let inst = world.get::<Institution>(i).cloned().ok_or("no such institution")?;
            if matches!(inst.rule, DecisionRule::NoVote) {
                return Err(format!("the {} does not vote", name(world, i)));
            }
            if !inst.members.iter().any(|m| matches!(m, InstitutionMember::Nation(e) if *e == me)) {
                return Err(format!("you are not a member of the {}", name(world, i)));
            }
            0
        }
        Order::Pledge { contingent, sector, condition } => {
            let (e, c) = own_contingent(world, contingent)?;
            sector_e(world, sector)?;
            if c.sector.is_some() || world.get::<Transit>(e).is_some() {
                return Err(format!("{contingent:?} is already deployed; only a contingent at home can be pledged"));
            }
            let mut pledges = world.query::<(&Pledge, &PledgeState)>();
            if pledges
                .iter(world)
                .any(|(p, s)| p.contingent == e && matches!(s, PledgeState::Pending | PledgeState::Active))
            {
                return Err(format!("{contingent:?} is already pledged"));
            }
            if let Some(cond) = condition {
                conditions::check(world, cond)?;
            }
            costs.pledge
        }
        Order::Withdraw { contingent } => {
            let (e, c) = own_contingent(world, contingent)?;
            if c.sector.is_none() && world.get::<Transit>(e).is_none() {
                return Err(format!("{contingent:?} is already at home"));
            }
            costs.withdraw
        }
        Order::Deploy { contingent, sector } => {
            let (e, c) = own_contingent(world, contingent)?;
            let s = sector_e(world, sector)?;
            if c.sector == Some(s) || world.get::<Transit>(e).is_some_and(|t| t.to == s) {
                return Err(format!("{contingent:?} is already there"));
            }
            if c.kind == ContingentKind::AirSupport {
                return Err("air support flies from outside the country; it is not deployed to a sector".into());
            }
            if let Some(host) = super::forces::refused_by(world, me) {
                return Err(format!("{} does not consent to your troops on its soil", name(world, host)));
            }
            costs.deploy
        }
        Order::OfferGuarantee { recipient, components } => {
            let r = nation_e(world, recipient)?;
            if r == me {
                return Err("you cannot guarantee yourself".into());
            }
            if components.is_empty() {
                return Err("a guarantee needs at least one component".into());
            }
            let mut seen = components.clone();
            seen.sort();
            seen.dedup();
            if seen.len() != components.len() {
                return Err("a component is listed twice".into());
            }
            let mut guarantees = world.query::<&Guarantee>();
            if guarantees
                .iter(world)
                .any(|g| g.guarantor == me && g.recipient == r && g.status == GuaranteeStatus::Offered)
            {
                return Err(format!("you already have an offer before {}", name(world, r)));
            }
            costs.offer_guarantee
        }
        Order::AcceptGuarantee { guarantee } | Order::RejectGuarantee { guarantee } => {
            let e = find(world, guarantee, "guarantee", |w, e| w.get::<Guarantee>(e).is_some())?;
            let g = world.get::<Guarantee>(e).cloned().ok_or("no such guarantee")?;
            if g.recipient != me {
                return Err(format!("this guarantee is offered to {}, not to you", name(world, g.recipient)));
            }
            if g.status != GuaranteeStatus::Offered {
                return Err(format!("this guarantee was already {:?}", g.status).to_lowercase());
            }
            0
        }
        Order::ImposeSanctions { target } | Order::LiftSanctions { target } => {
            let t = nation_e(world, target)?;
            if t == me {
                return Err("you cannot sanction yourself".into());
            }
            let active = world.resource::<Sanctions>().0.contains(&(nation.to_string(), target.clone()));
            match order {
                Order::ImposeSanctions { .. } if active => {
                    return Err(format!("you already sanction {}", name(world, t)));
                }
                Order::LiftSanctions { .. } if !active => {
                    return Err(format!("you have no sanctions on {}", name(world, t)));
                }
                Order::ImposeSanctions { .. } => costs.sanctions,
                _ => 0,
            }
        }
        Order::ShareIntelligence { with } => {
            let t = nation_e(world, with)?;
            if t == me {
                return Err("you already know what you know".into());
            }
            if world.resource::<IntelSharing>().0.contains(&(nation.to_string(), with.clone())) {
                return Err(format!("you already share intelligence with {}", name(world, t)));
            }
            costs.share_intelligence
        }
        Order::SetPosture { sector, pressure } => {
            if !me_nation.has(NationFlag::Belligerent) {
                return Err("only a party to the conflict sets a posture on the line".into());
            }
            let s = sector_e(world, sector)?;
            if !world.get::<Forces>(s).is_some_and(|f| f.0.iter().any(|(n, t)| *n == me && *t > 0)) {
                return Err(format!("you have no forces in {}", name(world, s)));
            }
            if !(pressure.is_finite() && (0.0..=1.0).contains(pressure)) {
                return Err("pressure runs from 0 (hold fire) to 1 (push hard)".into());
            }
            0
        }
        Order::Recommit { measures } => {
            if !me_nation.has(NationFlag::Belligerent) {
                return Err("only a party to the conflict can recommit to the ceasefire".into());
            }
            if *measures { costs.recommit_with_measures } else { costs.recommit }
        }
        Order::RequestAirSupport { sector } => {
            let s = sector_e(world, sector)?;
            let mut contingents = world.query::<&Contingent>();
            if !contingents.iter(world).any(|c| c.kind == ContingentKind::AirSupport) {
                return Err("no nation in this scenario has air support to call on".into());
            }
            // Air support defends those on the ground: a side's own forces there, or its contingents.
            let own_forces = world.get::<Forces>(s).is_some_and(|f| f.0.iter().any(|(n, t)| *n == me && *t > 0));
            let own_troops = contingents.iter(world).any(|c| c.owner == me && c.sector == Some(s));
            if !own_forces && !own_troops {
                return Err(format!("you have nobody in {} to call air support for", name(world, s)));
            }
            // The deeper lines defend the nations of the shallower ones, no one else.
            let mut lines = world.query::<&DefenceLine>();
            if !lines.iter(world).any(|d| d.depth < 3 && d.nations.contains(&me)) {
                return Err(
                    "air support defends the nations in the first and second lines of defence, and you are in neither"
                        .into(),
                );
            }
            costs.request_air_support
        }
        Order::Accuse { nation: accused, violation } => {
            let t = nation_e(world, accused)?;
            if t == me {
                return Err("you cannot accuse yourself".into());
            }
            if let Some(v) = violation
                && (*v == 0 || *v > world.resource::<TurnFacts>().next_violation)
            {
                return Err(format!("there is no violation number {v}"));
            }
            costs.accuse
        }
        Order::RefuseTroops { nation: other } | Order::ConsentToTroops { nation: other } => {
            if !me_nation.has(NationFlag::Host) {
                return Err("only the host nation, on whose soil the line runs, consents to foreign troops".into());
            }
            let t = nation_e(world, other)?;
            if t == me {
                return Err("you are the host; your own forces need no consent".into());
            }
            if world.get::<Nation>(t).is_some_and(|n| n.has(NationFlag::Belligerent)) {
                return Err(format!("{} is a party to the conflict, not a foreign contributor", name(world, t)));
            }
            let refused = me_nation.refuses.contains(&t);
            match order {
                Order::RefuseTroops { .. } if refused => {
                    return Err(format!("you already refuse {}'s troops", name(world, t)));
                }
                Order::ConsentToTroops { .. } if !refused => {
                    return Err(format!("{}'s troops already have your consent", name(world, t)));
                }
                _ => 0,
            }
        }
    };
    // One order per thing a turn: a second one would be charged twice and applied twice.
    if let Some(subject) = subject(order)
        && let Some(draft) = world.resource::<OrderBook>().drafts.get(nation)
        && let Some(id) = draft.subjects.get(&subject)
    {
        let kind = draft.orders.iter().find(|d| d.id == *id).map_or("order", |d| d.order.kind());
        return Err(format!(
            "your orders already include a {kind} for this (order {id}); retract it first to change it"
        ));
    }
    let capital = world.get::<Capital>(me).map_or(0, |c| c.0);
    let available = capital - spent;
    if cost > available {
        return Err(format!(
            "this {} costs {cost} political capital and you have {available} left this turn",
            order.kind()
        ));
    }
    Ok(cost)
}

/// What an order acts on (a contingent, a guarantee, a target, a sector…): a seat gives one
/// order per subject a turn.
fn subject(order: &Order) -> Option<String> {
    use Order::*;
    Some(match order {
        Pledge { contingent, .. } | Withdraw { contingent } | Deploy { contingent, .. } => {
            format!("contingent {contingent}")
        }
        AcceptGuarantee { guarantee } | RejectGuarantee { guarantee } => format!("guarantee {guarantee}"),
        ImposeSanctions { target } | LiftSanctions { target } => format!("sanctions {target}"),
        OfferGuarantee { recipient, .. } => format!("offer {recipient}"),
        ShareIntelligence { with } => format!("sharing {with}"),
        SetPosture { sector, .. } => format!("posture {sector}"),
        RequestAirSupport { sector } => format!("air {sector}"),
        Vote { proposal, .. } => format!("vote {proposal}"),
        Recommit { .. } => "recommit".to_string(),
        RefuseTroops { nation } | ConsentToTroops { nation } => format!("troops {nation}"),
        PrivateMessage { .. } | PublicStatement { .. } | ProposeMandate { .. } | Accuse { .. } => return None,
    })
}

/// Applies the turn's accepted orders, seat by seat in stable order, each seat's in the order given.
pub fn apply_orders(world: &mut World) {
    let book = world.resource::<OrderBook>().clone();
    let clock = world.resource::<Clock>().clone();
    for (me, key) in super::nations_in_order(world) {
        let Some(draft) = book.drafts.get(&key) else {
            continue;
        };
        for d in &draft.orders {
            // Orders were checked when given; the world may have moved since (an earlier order of
            // another seat), so each is checked once more and skipped, with a note, if now invalid.
            if let Err(why) = recheck(world, me, &d.order) {
                world.resource_mut::<Trace>().add(
                    clock.turn,
                    clock.day,
                    "orders",
                    format!("{key}'s {} (order {}) lapsed: {why}", d.order.kind(), d.id),
                    vec![(
                        Audience::Nations(vec![key.clone()]),
                        format!("Your {} (order {}) could not be carried out: {why}", d.order.kind(), d.id),
                    )],
                );
                continue;
            }
            if let Some(mut cap) = world.get_mut::<Capital>(me) {
                cap.0 -= d.cost;
            }
            apply(world, me, &key, d, &clock);
        }
    }
}

/// Checks that still matter at resolution time.
fn recheck(world: &mut World, me: Entity, order: &Order) -> Result<(), String> {
    let registry = world.resource::<Registry>();
    match order {
        Order::Deploy { contingent, .. } | Order::Withdraw { contingent } | Order::Pledge { contingent, .. } => {
            let e = registry.get(contingent).ok_or("unknown contingent")?;
            let c = world.get::<Contingent>(e).ok_or("unknown contingent")?;
            if c.owner != me {
                return Err("not yours".into());
            }
            if matches!(order, Order::Deploy { .. })
                && let Some(host) = super::forces::refused_by(world, me)
            {
                return Err(format!("{} does not consent to your troops on its soil", label(world, host)));
            }
            Ok(())
        }
        Order::AcceptGuarantee { guarantee } | Order::RejectGuarantee { guarantee } => {
            let e = registry.get(guarantee).ok_or("unknown guarantee")?;
            match world.get::<Guarantee>(e) {
                Some(g) if g.status == GuaranteeStatus::Offered => Ok(()),
                _ => Err("the offer is no longer open".into()),
            }
        }
        _ => Ok(()),
    }
}

fn label(world: &World, e: Entity) -> String {
    world.get::<Label>(e).map_or_else(|| "?".into(), |l| l.0.clone())
}

fn apply(world: &mut World, me: Entity, key: &str, d: &Drafted, clock: &Clock) {
    let me_name = label(world, me);
    let (turn, day) = (clock.turn, clock.day);
    // Checked orders name existing things; PLACEHOLDER is never reached.
    let get = |world: &World, k: &str| world.resource::<Registry>().get(k).unwrap_or(Entity::PLACEHOLDER);
    match &d.order {
        Order::PrivateMessage { to, text } => {
            let line = format!("Private message from {me_name} to {}: {text}", label(world, get(world, to)));
            world.resource_mut::<Trace>().add(
                turn,
                day,
                "message",
                line.clone(),
                vec![(Audience::Nations(vec![key.into(), to.clone()]), line)],
            );
        }
        Order::PublicStatement { text } => {
            world.resource_mut::<Trace>().public(turn, day, "statement", format!("{me_name} states: {text}"));
        }
        Order::ProposeMandate { template, institution, sectors, contributors, duration_turns } => {
            let mut proposals = world.resource_mut::<Proposals>();
            proposals.next_id += 1;
            let id = proposals.next_id;
            let mut contributors = contributors.clone();
            if !contributors.iter().any(|c| c == key) {
                contributors.insert(0, key.to_string());
            }
            proposals.open.push(Proposal {
                id,
                turn,
                proposer: key.to_string(),
                institution: institution.clone(),
                template: template.clone(),
                sectors: sectors.clone(),
                contributors,
                duration_turns: *duration_turns,
                votes: BTreeMap::new(),
            });
            let text = format!(
                "{me_name} proposes to the {} a mandate '{}' (proposal {id})",
                label(world, get(world, institution)),
                label(world, get(world, template))
            );
            world.resource_mut::<Trace>().public(turn, day, "institutions", text);
        }
        Order::Vote { proposal, ballot } => {
            let mut proposals = world.resource_mut::<Proposals>();
            if let Some(p) = proposals.open.iter_mut().find(|p| p.id == *proposal) {
                p.votes.insert(key.to_string(), *ballot);
            }
        }
        Order::Pledge { contingent, sector, condition } => {
            let next = world.resource::<Registry>().ordered.len() as u32;
            let pledge_key = format!("pledge_{}", d.id);
            let c = get(world, contingent);
            let s = get(world, sector);
            let condition = condition.clone().unwrap_or(Condition::Always);
            let text = format!(
                "{me_name} pledges {} to {} if {}",
                label(world, c),
                label(world, s),
                conditions::describe(world, &condition)
            );
            let e = world
                .spawn((
                    StableId(next),
                    Key(pledge_key.clone()),
                    Label(pledge_key.clone()),
                    Pledge { nation: me, contingent: c, sector: s, condition, lapses_after_turn: None },
                    PledgeState::Pending,
                ))
                .id();
            let mut reg = world.resource_mut::<Registry>();
            reg.insert(pledge_key, e);
            world.resource_mut::<Trace>().public(turn, day, "pledge", text);
        }
        Order::Withdraw { contingent } => {
            let c = get(world, contingent);
            super::forces::recall(world, &[c], &format!("{me_name} withdraws it"), super::forces::Recall::Breach);
        }
        Order::Deploy { contingent, sector } => {
            let c = get(world, contingent);
            let s = get(world, sector);
            let travel = world.resource::<Model>().0.travel_days;
            let at_home = world.get::<Contingent>(c).is_some_and(|k| k.sector.is_none());
            // Moving along the line takes half the time of coming from home.
            let arrives = day + if at_home { travel } else { travel / 2 };
            // It leaves its mandate with its sector; at the new one it joins whatever fits.
            if let Some(mut k) = world.get_mut::<Contingent>(c) {
                k.sector = None;
                k.mandate = None;
            }
            world.entity_mut(c).insert(Transit { to: s, arrives });
            // A direct deployment fulfils a pending pledge of the same contingent.
            let mut pledges = world.query::<(&Pledge, &mut PledgeState)>();
            for (p, mut state) in pledges.iter_mut(world) {
                if p.contingent == c && *state == PledgeState::Pending {
                    *state = PledgeState::Active;
                }
            }
            let text = format!("{me_name} sends {} to {}, arriving on day {arrives}", label(world, c), label(world, s));
            world.resource_mut::<Trace>().public(turn, day, "deployment", text);
        }
        Order::OfferGuarantee { recipient, components } => {
            let next = world.resource::<Registry>().ordered.len() as u32;
            let g_key = format!("guarantee_{}", d.id);
            let r = get(world, recipient);
            let e = world
                .spawn((
                    StableId(next),
                    Key(g_key.clone()),
                    Label(g_key.clone()),
                    Guarantee {
                        guarantor: me,
                        recipient: r,
                        components: components.clone(),
                        status: GuaranteeStatus::Offered,
                        accepted_day: None,
                    },
                ))
                .id();
            let mut reg = world.resource_mut::<Registry>();
            reg.insert(g_key.clone(), e);
            let text = format!("{me_name} offers {} a security guarantee ({g_key}): {components:?}", label(world, r));
            world.resource_mut::<Trace>().public(turn, day, "guarantee", text);
        }
        Order::AcceptGuarantee { guarantee } | Order::RejectGuarantee { guarantee } => {
            let accept = matches!(d.order, Order::AcceptGuarantee { .. });
            let g = get(world, guarantee);
            let from = world.get::<Guarantee>(g).map_or_else(String::new, |x| label(world, x.guarantor));
            let text = if accept {
                let effects = super::guarantees::accept(world, g, day);
                format!("{me_name} accepts the guarantee offered by {from}: {effects}")
            } else {
                if let Some(mut x) = world.get_mut::<Guarantee>(g) {
                    x.status = GuaranteeStatus::Rejected;
                }
                format!("{me_name} rejects the guarantee offered by {from}")
            };
            world.resource_mut::<Trace>().public(turn, day, "guarantee", text);
        }
        Order::ImposeSanctions { target } => {
            world.resource_mut::<Sanctions>().0.insert((key.to_string(), target.clone()));
            let text = format!("{me_name} imposes sanctions on {}", label(world, get(world, target)));
            world.resource_mut::<Trace>().public(turn, day, "sanctions", text);
        }
        Order::LiftSanctions { target } => {
            world.resource_mut::<Sanctions>().0.remove(&(key.to_string(), target.clone()));
            let text = format!("{me_name} lifts its sanctions on {}", label(world, get(world, target)));
            world.resource_mut::<Trace>().public(turn, day, "sanctions", text);
        }
        Order::ShareIntelligence { with } => {
            world.resource_mut::<IntelSharing>().0.insert((key.to_string(), with.clone()));
            let text = format!("{me_name} shares its intelligence with {}", label(world, get(world, with)));
            let private = vec![(Audience::Nations(vec![key.into(), with.clone()]), text.clone())];
            world.resource_mut::<Trace>().add(turn, day, "intelligence", text, private);
        }
        Order::SetPosture { sector, pressure } => {
            let s = get(world, sector);
            if let Some(mut p) = world.get_mut::<Postures>(me) {
                p.0.insert(s, *pressure);
            }
            let text = format!("{me_name} sets its pressure in {} to {pressure:.2}", label(world, s));
            let private = vec![(Audience::Nations(vec![key.into()]), text.clone())];
            world.resource_mut::<Trace>().add(turn, day, "posture", text, private);
        }
        Order::Recommit { measures } => {
            world.entity_mut(me).insert(Truce { day, measures: *measures });
            if *measures {
                let cut = world.resource::<Model>().0.measures_tension_cut;
                let mut tensions = world.query::<&mut Tension>();
                for mut t in tensions.iter_mut(world) {
                    t.0 = (t.0 - cut).max(0.0);
                }
            }
            let how = if *measures {
                "with concrete measures (disengagement and fire orders)"
            } else {
                "without concrete measures"
            };
            world.resource_mut::<Trace>().public(
                turn,
                day,
                "truce",
                format!("{me_name} recommits to the ceasefire {how}"),
            );
        }
        Order::RequestAirSupport { sector } => {
            let s = get(world, sector);
            world.resource_mut::<TurnFacts>().air_support_requested.insert((s, me));
            let text = format!("{me_name} requests air support over {}", label(world, s));
            world.resource_mut::<Trace>().public(turn, day, "defence", text);
        }
        Order::Accuse { nation, violation } => {
            let about = violation.map_or_else(String::new, |v| format!(" (violation {v})"));
            let text =
                format!("{me_name} accuses {} of violating the ceasefire{about}", label(world, get(world, nation)));
            world.resource_mut::<Trace>().public(turn, day, "statement", text);
            shift_relation(world, get(world, nation), me, -5);
        }
        Order::RefuseTroops { nation } => super::forces::refuse_troops(world, me, get(world, nation)),
        Order::ConsentToTroops { nation } => super::forces::consent_to_troops(world, me, get(world, nation)),
    }
}

/// Seats played by bots, in stable order.
pub fn bot_seats(world: &mut World) -> Vec<(Entity, String)> {
    super::nations_in_order(world)
        .into_iter()
        .filter(|(e, _)| world.get::<Controller>(*e) == Some(&Controller::Bot))
        .collect()
}
