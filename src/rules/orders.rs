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
    Condition, ContingentKind, DecisionRule, GuaranteeComponent, GuaranteeStatus, NationFlag, OrderCosts,
};
use crate::world::*;

/// Longest text of a message or statement, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Most orders one seat may hold in a turn.
pub const MAX_ORDERS_PER_TURN: usize = 64;

pub use crate::game::Ballot;

/// Everything a seat can ask for in a turn. References are scenario ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Press the members of a voting body to back a mandate of the template's kind.
    Lobby {
        institution: String,
        template: String,
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
            Order::Lobby { .. } => "lobbying",
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Message, Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Drafted {
    pub id: u64,
    pub order: Order,
    pub cost: i64,
}

/// A seat's draft for the current turn.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    mut overrides: ResMut<super::Overrides>,
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
    overrides.0.clear();
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
        // Locking a locked draft or unlocking an open one changes nothing and is no error: two
        // students on one seat who both press lock leave it locked.
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
    let a = Asker::new(world, me, nation)?;
    let cost = cost_of(world, &a, order)?;
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

/// Who gives an order being checked, and what checking it reads.
struct Asker<'a> {
    me: Entity,
    key: &'a str,
    /// The asking nation's flags and the nations it refuses (all the checks read of it).
    flags: Vec<crate::scenario::model::NationFlag>,
    refuses: Vec<Entity>,
    costs: OrderCosts,
    turns: u32,
}

impl<'a> Asker<'a> {
    fn new(world: &World, me: Entity, key: &'a str) -> Result<Asker<'a>, String> {
        Ok(Asker {
            me,
            key,
            flags: world.get::<Nation>(me).map(|n| n.flags.clone()).ok_or("no such nation")?,
            refuses: world.get::<Nation>(me).map(|n| n.refuses.clone()).unwrap_or_default(),
            costs: world.resource::<Model>().0.costs.clone(),
            turns: world.resource::<ScenarioInfo>().turns,
        })
    }
}

/// Puts `order` into `nation`'s draft in place of any order of its on the same subject, locked
/// or not (the draft stays as locked as it was): how a bot keeps a promise made after it locked.
pub fn put_in_draft(world: &mut World, nation: &str, order: Order) -> Result<u64, String> {
    let about = subject(&order);
    let mut book = world.resource_mut::<OrderBook>();
    let Some(draft) = book.drafts.get_mut(nation) else {
        return Err(format!("there is no seat {nation:?} in this game"));
    };
    let before = draft.clone();
    let was_locked = draft.locked;
    draft.locked = false;
    if let Some(about) = &about
        && let Some(id) = draft.subjects.remove(about)
    {
        draft.orders.retain(|d| d.id != id);
    }
    let checked = check(world, nation, &order);
    let mut book = world.resource_mut::<OrderBook>();
    let Ok(cost) = checked else {
        book.drafts.insert(nation.to_string(), before);
        return checked.map(|_| 0);
    };
    book.next_id += 1;
    let id = book.next_id;
    let draft = book.drafts.entry(nation.to_string()).or_default();
    if let Some(about) = about {
        draft.subjects.insert(about, id);
    }
    draft.orders.push(Drafted { id, order, cost });
    draft.locked = was_locked;
    Ok(id)
}

/// Whether `order` is one `nation` could give as the world stands, whatever its draft and its
/// capital this turn: what a promise in a deal is checked against (docs/rules.md §2.7).
pub fn checkable(world: &mut World, nation: &str, order: &Order) -> Result<i64, String> {
    let Some(me) = lookup(world, nation).filter(|e| world.get::<Nation>(*e).is_some()) else {
        return Err(format!("there is no nation {nation:?} in this game"));
    };
    let a = Asker::new(world, me, nation)?;
    cost_of(world, &a, order)
}

/// §2.3 The further checks of each kind of order, and what it costs.
fn cost_of(world: &mut World, a: &Asker, order: &Order) -> Result<i64, String> {
    match order {
        Order::PrivateMessage { to, text } => check_message(world, a, to, text),
        Order::PublicStatement { text } => check_statement(a, text),
        Order::ProposeMandate { template, institution, sectors, contributors, duration_turns } => {
            check_proposal(world, a, template, institution, sectors, contributors, duration_turns)
        }
        Order::Vote { proposal, ballot: _ } => check_vote(world, a, *proposal),
        Order::Pledge { contingent, sector, condition } => check_pledge(world, a, contingent, sector, condition),
        Order::Withdraw { contingent } => check_withdrawal(world, a, contingent),
        Order::Deploy { contingent, sector } => check_deployment(world, a, contingent, sector),
        Order::OfferGuarantee { recipient, components } => check_guarantee_offer(world, a, recipient, components),
        Order::AcceptGuarantee { guarantee } | Order::RejectGuarantee { guarantee } => {
            check_guarantee_answer(world, a, guarantee)
        }
        Order::ImposeSanctions { target } => check_sanctions(world, a, target, true),
        Order::LiftSanctions { target } => check_sanctions(world, a, target, false),
        Order::ShareIntelligence { with } => check_intelligence(world, a, with),
        Order::SetPosture { sector, pressure } => check_posture(world, a, sector, *pressure),
        Order::Recommit { measures } => check_recommitment(a, *measures),
        Order::RequestAirSupport { sector } => check_air_support_request(world, a, sector),
        Order::Accuse { nation: accused, violation } => check_accusation(world, a, accused, violation),
        Order::RefuseTroops { nation: other } => check_consent(world, a, other, true),
        Order::ConsentToTroops { nation: other } => check_consent(world, a, other, false),
        Order::Lobby { institution, template } => check_lobbying(world, a, institution, template),
    }
}

fn lookup(world: &World, id: &str) -> Option<Entity> {
    world.resource::<Registry>().get(id)
}

fn name(world: &World, e: Entity) -> String {
    world.get::<Label>(e).map_or_else(String::new, |l| l.0.clone())
}

/// The entity `id` names, if it is a `kind` (as `has` tells).
fn find(world: &World, id: &str, kind: &str, has: fn(&World, Entity) -> bool) -> Result<Entity, String> {
    match lookup(world, id) {
        Some(e) if has(world, e) => Ok(e),
        Some(_) => Err(format!("{id:?} is not a {kind}")),
        None => Err(format!("there is no {kind} {id:?} in this scenario")),
    }
}

fn nation_e(world: &World, id: &str) -> Result<Entity, String> {
    find(world, id, "nation", |w, e| w.get::<Nation>(e).is_some())
}

fn sector_e(world: &World, id: &str) -> Result<Entity, String> {
    find(world, id, "sector", |w, e| w.get::<Sector>(e).is_some())
}

/// One of `me`'s own contingents.
fn own_contingent(world: &World, me: Entity, id: &str) -> Result<(Entity, Contingent), String> {
    let e = find(world, id, "contingent", |w, e| w.get::<Contingent>(e).is_some())?;
    let c = world.get::<Contingent>(e).cloned().ok_or("no such contingent")?;
    if c.owner != me {
        return Err(format!("{id:?} belongs to {}, not to you", name(world, c.owner)));
    }
    Ok((e, c))
}

/// A text anyone can read: not empty, not too long.
fn text_ok(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        Err("the text is empty".into())
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Err(format!("the text is longer than {MAX_TEXT_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// §2.3 A private message: to another nation, of a length anyone can read.
fn check_message(world: &mut World, a: &Asker, to: &str, text: &str) -> Result<i64, String> {
    let them = nation_e(world, to)?;
    if them == a.me {
        return Err("you cannot send a private message to yourself".into());
    }
    text_ok(text)?;
    Ok(0)
}

/// §2.3 A public statement: of a length anyone can read.
fn check_statement(a: &Asker, text: &str) -> Result<i64, String> {
    text_ok(text)?;
    Ok(a.costs.public_statement)
}

/// §2.3 A mandate proposal: to a body that takes it, naming real sectors and contributors, not already before it.
fn check_proposal(
    world: &mut World,
    a: &Asker,
    template: &str,
    institution: &str,
    sectors: &[String],
    contributors: &[String],
    duration_turns: &Option<u32>,
) -> Result<i64, String> {
    let t = find(world, template, "mandate template", |w, e| w.get::<MandateTemplate>(e).is_some())?;
    let i = find(world, institution, "institution", |w, e| w.get::<Institution>(e).is_some())?;
    let inst = world.get::<Institution>(i).cloned().ok_or("no such institution")?;
    // Any nation may lobby a voting body; a coalition acts only for its own members.
    let member = inst.members.iter().any(|m| matches!(m, InstitutionMember::Nation(e) if *e == a.me));
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
        && (*d == 0 || *d > a.turns)
    {
        return Err(format!("a mandate lasts 1 to {} turns", a.turns));
    }
    let proposals = world.resource::<Proposals>();
    if proposals.open.iter().any(|p| p.institution == *institution && p.template == *template)
        || world.resource::<OrderBook>().drafts.get(a.key).is_some_and(|d| {
            d.orders.iter().any(|d| matches!(&d.order, Order::ProposeMandate { institution: i2, template: t2, .. } if i2 == institution && t2 == template))
        })
    {
        return Err(format!("the {} already has this proposal before it", name(world, i)));
    }
    Ok(world.get::<MandateTemplate>(t).map_or(0, |t| t.capital_cost))
}

/// §2.3 A vote: by a member, on a proposal made in an earlier turn to a body that votes.
fn check_vote(world: &mut World, a: &Asker, proposal: u64) -> Result<i64, String> {
    let proposals = world.resource::<Proposals>();
    let clock = world.resource::<Clock>();
    let Some(p) = proposals.open.iter().find(|p| p.id == proposal) else {
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
    if !inst.members.iter().any(|m| matches!(m, InstitutionMember::Nation(e) if *e == a.me)) {
        return Err(format!("you are not a member of the {}", name(world, i)));
    }
    Ok(0)
}

/// §2.3 A pledge: of one's own contingent at home, not pledged already.
fn check_pledge(
    world: &mut World,
    a: &Asker,
    contingent: &str,
    sector: &str,
    condition: &Option<Condition>,
) -> Result<i64, String> {
    let (e, c) = own_contingent(world, a.me, contingent)?;
    sector_e(world, sector)?;
    if c.sector.is_some() || world.get::<Transit>(e).is_some() {
        return Err(format!("{contingent:?} is already deployed; only a contingent at home can be pledged"));
    }
    let mut pledges = world.query::<(&Pledge, &PledgeState)>();
    if pledges.iter(world).any(|(p, s)| p.contingent == e && matches!(s, PledgeState::Pending | PledgeState::Active)) {
        return Err(format!("{contingent:?} is already pledged"));
    }
    if let Some(cond) = condition {
        conditions::check(world, cond)?;
    }
    Ok(a.costs.pledge)
}

/// §2.3 A withdrawal: of one's own contingent on the line or on its way.
fn check_withdrawal(world: &mut World, a: &Asker, contingent: &str) -> Result<i64, String> {
    let (e, c) = own_contingent(world, a.me, contingent)?;
    if c.sector.is_none() && world.get::<Transit>(e).is_none() {
        return Err(format!("{contingent:?} is already at home"));
    }
    Ok(a.costs.withdraw)
}

/// §2.3 A deployment: of one's own contingent, not air support, where the host consents.
fn check_deployment(world: &mut World, a: &Asker, contingent: &str, sector: &str) -> Result<i64, String> {
    let (e, c) = own_contingent(world, a.me, contingent)?;
    let s = sector_e(world, sector)?;
    if c.sector == Some(s) || world.get::<Transit>(e).is_some_and(|t| t.to == s) {
        return Err(format!("{contingent:?} is already there"));
    }
    if c.kind == ContingentKind::AirSupport {
        return Err("air support flies from outside the country; it is not deployed to a sector".into());
    }
    if let Some(host) = super::forces::refused_by(world, a.me) {
        return Err(format!("{} does not consent to your troops on its soil", name(world, host)));
    }
    Ok(a.costs.deploy)
}

/// §2.3 A guarantee offer: to another nation, each component once, no other offer to it open.
fn check_guarantee_offer(
    world: &mut World,
    a: &Asker,
    recipient: &str,
    components: &[GuaranteeComponent],
) -> Result<i64, String> {
    let r = nation_e(world, recipient)?;
    if r == a.me {
        return Err("you cannot guarantee yourself".into());
    }
    if components.is_empty() {
        return Err("a guarantee needs at least one component".into());
    }
    let mut seen = components.to_vec();
    seen.sort();
    seen.dedup();
    if seen.len() != components.len() {
        return Err("a component is listed twice".into());
    }
    let mut guarantees = world.query::<&Guarantee>();
    if guarantees.iter(world).any(|g| g.guarantor == a.me && g.recipient == r && g.status == GuaranteeStatus::Offered) {
        return Err(format!("you already have an offer before {}", name(world, r)));
    }
    Ok(a.costs.offer_guarantee)
}

/// §2.3 The answer to a guarantee: by its recipient, while it is offered.
fn check_guarantee_answer(world: &mut World, a: &Asker, guarantee: &str) -> Result<i64, String> {
    let e = find(world, guarantee, "guarantee", |w, e| w.get::<Guarantee>(e).is_some())?;
    let g = world.get::<Guarantee>(e).cloned().ok_or("no such guarantee")?;
    if g.recipient != a.me {
        return Err(format!("this guarantee is offered to {}, not to you", name(world, g.recipient)));
    }
    if g.status != GuaranteeStatus::Offered {
        return Err(format!("this guarantee was already {:?}", g.status).to_lowercase());
    }
    Ok(0)
}

/// §2.3 Sanctions imposed or lifted: on another nation, not already so.
fn check_sanctions(world: &mut World, a: &Asker, target: &str, impose: bool) -> Result<i64, String> {
    let t = nation_e(world, target)?;
    if t == a.me {
        return Err("you cannot sanction yourself".into());
    }
    let active = world.resource::<Sanctions>().0.contains(&(a.key.to_string(), target.to_string()));
    if impose && active {
        return Err(format!("you already sanction {}", name(world, t)));
    }
    if !impose && !active {
        return Err(format!("you have no sanctions on {}", name(world, t)));
    }
    Ok(if impose { a.costs.sanctions } else { 0 })
}

/// §2.3 Intelligence sharing: with another nation, not already.
fn check_intelligence(world: &mut World, a: &Asker, with: &str) -> Result<i64, String> {
    let t = nation_e(world, with)?;
    if t == a.me {
        return Err("you already know what you know".into());
    }
    if world.resource::<IntelSharing>().0.contains(&(a.key.to_string(), with.to_string())) {
        return Err(format!("you already share intelligence with {}", name(world, t)));
    }
    Ok(a.costs.share_intelligence)
}

/// §2.3 A posture: by a belligerent with forces in the sector, between 0 and 1.
fn check_posture(world: &mut World, a: &Asker, sector: &str, pressure: f64) -> Result<i64, String> {
    if !a.flags.contains(&NationFlag::Belligerent) {
        return Err("only a party to the conflict sets a posture on the line".into());
    }
    let s = sector_e(world, sector)?;
    if !world.get::<Forces>(s).is_some_and(|f| f.0.iter().any(|(n, t)| *n == a.me && *t > 0)) {
        return Err(format!("you have no forces in {}", name(world, s)));
    }
    if !(pressure.is_finite() && (0.0..=1.0).contains(&pressure)) {
        return Err("pressure runs from 0 (hold fire) to 1 (push hard)".into());
    }
    Ok(0)
}

/// §2.3 A recommitment: by a belligerent.
fn check_recommitment(a: &Asker, measures: bool) -> Result<i64, String> {
    if !a.flags.contains(&NationFlag::Belligerent) {
        return Err("only a party to the conflict can recommit to the ceasefire".into());
    }
    Ok(if measures { a.costs.recommit_with_measures } else { a.costs.recommit })
}

/// §2.3 A request for air support: by a nation the first two lines defend, with somebody in the sector.
fn check_air_support_request(world: &mut World, a: &Asker, sector: &str) -> Result<i64, String> {
    let s = sector_e(world, sector)?;
    let mut contingents = world.query::<&Contingent>();
    if !contingents.iter(world).any(|c| c.kind == ContingentKind::AirSupport) {
        return Err("no nation in this scenario has air support to call on".into());
    }
    // Air support defends those on the ground: a side's own forces there, or its contingents.
    let own_forces = world.get::<Forces>(s).is_some_and(|f| f.0.iter().any(|(n, t)| *n == a.me && *t > 0));
    let own_troops = contingents.iter(world).any(|c| c.owner == a.me && c.sector == Some(s));
    if !own_forces && !own_troops {
        return Err(format!("you have nobody in {} to call air support for", name(world, s)));
    }
    // The deeper lines defend the nations of the shallower ones, no one else.
    let mut lines = world.query::<&DefenceLine>();
    if !lines.iter(world).any(|d| d.depth < 3 && d.nations.contains(&a.me)) {
        return Err(
            "air support defends the nations in the first and second lines of defence, and you are in neither".into()
        );
    }
    Ok(a.costs.request_air_support)
}

/// §2.3 An accusation: of another nation, naming a violation that happened, if any.
fn check_accusation(world: &mut World, a: &Asker, accused: &str, violation: &Option<u64>) -> Result<i64, String> {
    let t = nation_e(world, accused)?;
    if t == a.me {
        return Err("you cannot accuse yourself".into());
    }
    if let Some(v) = violation
        && (*v == 0 || *v > world.resource::<TurnFacts>().next_violation)
    {
        return Err(format!("there is no violation number {v}"));
    }
    Ok(a.costs.accuse)
}

/// §2.3 A refusal of or consent to troops: by a host, about a foreign nation, changing its answer.
fn check_consent(world: &mut World, a: &Asker, other: &str, refuse: bool) -> Result<i64, String> {
    if !a.flags.contains(&NationFlag::Host) {
        return Err("only the host nation, on whose soil the line runs, consents to foreign troops".into());
    }
    let t = nation_e(world, other)?;
    if t == a.me {
        return Err("you are the host; your own forces need no consent".into());
    }
    if world.get::<Nation>(t).is_some_and(|n| n.has(NationFlag::Belligerent)) {
        return Err(format!("{} is a party to the conflict, not a foreign contributor", name(world, t)));
    }
    let refused = a.refuses.contains(&t);
    if refuse && refused {
        return Err(format!("you already refuse {}'s troops", name(world, t)));
    }
    if !refuse && !refused {
        return Err(format!("{}'s troops already have your consent", name(world, t)));
    }
    Ok(0)
}

/// §2.3 Lobbying: of a body that votes and has members nobody plays, for a mandate it could take.
fn check_lobbying(world: &mut World, a: &Asker, institution: &str, template: &str) -> Result<i64, String> {
    let i = find(world, institution, "institution", |w, e| w.get::<Institution>(e).is_some())?;
    find(world, template, "mandate template", |w, e| w.get::<MandateTemplate>(e).is_some())?;
    let inst = world.get::<Institution>(i).cloned().ok_or("no such institution")?;
    if matches!(inst.rule, DecisionRule::NoVote) {
        return Err(format!("the {} does not vote; there is nobody to win over", name(world, i)));
    }
    if !inst.members.iter().any(|m| matches!(m, InstitutionMember::Scripted { .. })) {
        return Err(format!("every member of the {} is played; talk to them instead", name(world, i)));
    }
    Ok(a.costs.lobby)
}

/// What an order acts on (a contingent, a guarantee, a target, a sector…): a seat gives one
/// order per subject a turn.
pub fn subject(order: &Order) -> Option<String> {
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
        Lobby { institution, .. } => format!("lobby {institution}"),
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

/// Who gives an order being applied, and when.
struct By<'a> {
    me: Entity,
    key: &'a str,
    name: String,
    /// The order's number in the game.
    id: u64,
    turn: u32,
    day: u32,
}

/// Carries out one accepted order: each kind of order of §2.3 is one step below.
fn apply(world: &mut World, me: Entity, key: &str, d: &Drafted, clock: &Clock) {
    let by = By { me, key, name: label(world, me), id: d.id, turn: clock.turn, day: clock.day };
    match &d.order {
        Order::PrivateMessage { to, text } => send_message(world, &by, to, text),
        Order::PublicStatement { text } => make_statement(world, &by, text),
        Order::ProposeMandate { template, institution, sectors, contributors, duration_turns } => {
            put_proposal(world, &by, template, institution, sectors, contributors, *duration_turns)
        }
        Order::Vote { proposal, ballot } => cast_vote(world, &by, *proposal, *ballot),
        Order::Pledge { contingent, sector, condition } => make_pledge(world, &by, contingent, sector, condition),
        Order::Withdraw { contingent } => withdraw(world, &by, contingent),
        Order::Deploy { contingent, sector } => deploy(world, &by, contingent, sector),
        Order::OfferGuarantee { recipient, components } => offer_guarantee(world, &by, recipient, components),
        Order::AcceptGuarantee { guarantee } => answer_guarantee(world, &by, guarantee, true),
        Order::RejectGuarantee { guarantee } => answer_guarantee(world, &by, guarantee, false),
        Order::ImposeSanctions { target } => impose_sanctions(world, &by, target),
        Order::LiftSanctions { target } => lift_sanctions(world, &by, target),
        Order::ShareIntelligence { with } => share_intelligence(world, &by, with),
        Order::SetPosture { sector, pressure } => set_posture(world, &by, sector, *pressure),
        Order::Recommit { measures } => recommit(world, &by, *measures),
        Order::RequestAirSupport { sector } => request_air_support(world, &by, sector),
        Order::Accuse { nation, violation } => accuse(world, &by, nation, *violation),
        Order::RefuseTroops { nation } => super::forces::refuse_troops(world, by.me, get(world, nation)),
        Order::ConsentToTroops { nation } => super::forces::consent_to_troops(world, by.me, get(world, nation)),
        Order::Lobby { institution, template } => lobby(world, &by, institution, template),
    }
}

/// The entity a checked order names; checked orders name existing things, so PLACEHOLDER is
/// never reached.
fn get(world: &World, k: &str) -> Entity {
    world.resource::<Registry>().get(k).unwrap_or(Entity::PLACEHOLDER)
}

/// §2.3 A private message: read by sender and recipient only.
fn send_message(world: &mut World, by: &By, to: &str, text: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let key = by.key;
    let line = format!("Private message from {me_name} to {}: {text}", label(world, get(world, to)));
    world.resource_mut::<Trace>().add(
        turn,
        day,
        "message",
        line.clone(),
        vec![(Audience::Nations(vec![key.into(), to.to_string()]), line)],
    );
}

/// §2.3 A public statement: read by all.
fn make_statement(world: &mut World, by: &By, text: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    world.resource_mut::<Trace>().public(turn, day, "statement", format!("{me_name} states: {text}"));
}

/// §2.3, §4.1 A mandate proposal: opened before the body, the proposer first among the contributors.
fn put_proposal(
    world: &mut World,
    by: &By,
    template: &str,
    institution: &str,
    sectors: &[String],
    contributors: &[String],
    duration_turns: Option<u32>,
) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let key = by.key;
    let mut proposals = world.resource_mut::<Proposals>();
    proposals.next_id += 1;
    let id = proposals.next_id;
    let mut contributors = contributors.to_vec();
    if !contributors.iter().any(|c| c == key) {
        contributors.insert(0, key.to_string());
    }
    proposals.open.push(Proposal {
        id,
        turn,
        proposer: key.to_string(),
        institution: institution.to_string(),
        template: template.to_string(),
        sectors: sectors.to_vec(),
        contributors,
        duration_turns,
        votes: BTreeMap::new(),
    });
    let text = format!(
        "{me_name} proposes to the {} a mandate '{}' (proposal {id})",
        label(world, get(world, institution)),
        label(world, get(world, template))
    );
    world.resource_mut::<Trace>().public(turn, day, "institutions", text);
}

/// §2.3, §4.3 A vote: the seat's ballot on an open proposal.
fn cast_vote(world: &mut World, by: &By, proposal: u64, ballot: Ballot) {
    let key = by.key;
    let mut proposals = world.resource_mut::<Proposals>();
    if let Some(p) = proposals.open.iter_mut().find(|p| p.id == proposal) {
        p.votes.insert(key.to_string(), ballot);
    }
}

/// §2.3, §5.2 A pledge: a pending promise, with no lapse turn.
fn make_pledge(world: &mut World, by: &By, contingent: &str, sector: &str, condition: &Option<Condition>) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let me = by.me;
    let next = world.resource::<Registry>().ordered.len() as u32;
    let pledge_key = format!("pledge_{}", by.id);
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

/// §2.3, §5.5 A withdrawal: the contingent goes home, its pledge breached.
fn withdraw(world: &mut World, by: &By, contingent: &str) {
    let me_name = &by.name;
    let c = get(world, contingent);
    super::forces::recall(world, &[c], &format!("{me_name} withdraws it"), super::forces::Recall::Breach);
}

/// §2.3, §5.4 A deployment: the contingent leaves its sector and mandate and travels.
fn deploy(world: &mut World, by: &By, contingent: &str, sector: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
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

/// §2.3, §5.6 A guarantee offer: a new guarantee, offered.
fn offer_guarantee(world: &mut World, by: &By, recipient: &str, components: &[GuaranteeComponent]) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let me = by.me;
    let next = world.resource::<Registry>().ordered.len() as u32;
    let g_key = format!("guarantee_{}", by.id);
    let r = get(world, recipient);
    let e = world
        .spawn((
            StableId(next),
            Key(g_key.clone()),
            Label(g_key.clone()),
            Guarantee {
                guarantor: me,
                recipient: r,
                components: components.to_vec(),
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

/// §2.3, §5.6 The answer to a guarantee: accepted (it takes effect) or rejected.
fn answer_guarantee(world: &mut World, by: &By, guarantee: &str, accept: bool) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
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

/// §2.3, §8.2, §8.7 Sanctions imposed: the target likes the sanctioner less.
fn impose_sanctions(world: &mut World, by: &By, target: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let key = by.key;
    world.resource_mut::<Sanctions>().0.insert((key.to_string(), target.to_string()));
    let t = get(world, target);
    let cost = world.resource::<Model>().0.diplomacy.sanction_relations;
    shift_relation(world, t, by.me, -cost);
    let text = format!("{me_name} imposes sanctions on {} (its relations with {me_name} −{cost})", label(world, t));
    world.resource_mut::<Trace>().public(turn, day, "sanctions", text);
}

/// §2.3, §8.7 Sanctions lifted: half the relations they cost come back.
fn lift_sanctions(world: &mut World, by: &By, target: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let key = by.key;
    world.resource_mut::<Sanctions>().0.remove(&(key.to_string(), target.to_string()));
    let t = get(world, target);
    let back = world.resource::<Model>().0.diplomacy.sanction_relations / 2;
    shift_relation(world, t, by.me, back);
    let text = format!("{me_name} lifts its sanctions on {} (its relations with {me_name} +{back})", label(world, t));
    world.resource_mut::<Trace>().public(turn, day, "sanctions", text);
}

/// §2.3, §4.5 Lobbying: the body's scripted members lean further towards the mandate's kind.
fn lobby(world: &mut World, by: &By, institution: &str, template: &str) {
    let (i, t) = (get(world, institution), get(world, template));
    let Some(kind) = world.get::<MandateTemplate>(t).map(|t| t.kind) else { return };
    let effect = crate::institutions::lobby(world, i, kind);
    let text = format!(
        "{} presses the {} to back a mandate like '{}', to {}: {effect}",
        by.name,
        label(world, i),
        label(world, t),
        kind.words()
    );
    world.resource_mut::<Trace>().public(by.turn, by.day, "institutions", text);
}

/// §2.3, §6.1 Intelligence shared: the partner sees through the seat's sensors.
fn share_intelligence(world: &mut World, by: &By, with: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let key = by.key;
    world.resource_mut::<IntelSharing>().0.insert((key.to_string(), with.to_string()));
    let text = format!("{me_name} shares its intelligence with {}", label(world, get(world, with)));
    let private = vec![(Audience::Nations(vec![key.into(), with.to_string()]), text.clone())];
    world.resource_mut::<Trace>().add(turn, day, "intelligence", text, private);
}

/// §2.3, §6.2 A posture: the belligerent's secret pressure in a sector.
fn set_posture(world: &mut World, by: &By, sector: &str, pressure: f64) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let key = by.key;
    let me = by.me;
    let s = get(world, sector);
    if let Some(mut p) = world.get_mut::<Postures>(me) {
        p.0.insert(s, pressure);
    }
    let text = format!("{me_name} sets its pressure in {} to {pressure:.2}", label(world, s));
    let private = vec![(Audience::Nations(vec![key.into()]), text.clone())];
    world.resource_mut::<Trace>().add(turn, day, "posture", text, private);
}

/// §2.3, §6.2.1 A recommitment: a truce from today, with measures a cut in tension.
fn recommit(world: &mut World, by: &By, measures: bool) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let me = by.me;
    world.entity_mut(me).insert(Truce { day, measures });
    if measures {
        let cut = world.resource::<Model>().0.measures_tension_cut;
        let mut tensions = world.query::<&mut Tension>();
        for mut t in tensions.iter_mut(world) {
            t.0 = (t.0 - cut).max(0.0);
        }
    }
    let how =
        if measures { "with concrete measures (disengagement and fire orders)" } else { "without concrete measures" };
    world.resource_mut::<Trace>().public(turn, day, "truce", format!("{me_name} recommits to the ceasefire {how}"));
}

/// §2.3, §6.5 A request for air support over a sector, for this turn's days.
fn request_air_support(world: &mut World, by: &By, sector: &str) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let me = by.me;
    let s = get(world, sector);
    world.resource_mut::<TurnFacts>().air_support_requested.insert((s, me));
    let text = format!("{me_name} requests air support over {}", label(world, s));
    world.resource_mut::<Trace>().public(turn, day, "defence", text);
}

/// §2.3 An accusation: public, and the accused likes the accuser less.
fn accuse(world: &mut World, by: &By, nation: &str, violation: Option<u64>) {
    let me_name = &by.name;
    let (turn, day) = (by.turn, by.day);
    let me = by.me;
    let about = violation.map_or_else(String::new, |v| format!(" (violation {v})"));
    let text = format!("{me_name} accuses {} of violating the ceasefire{about}", label(world, get(world, nation)));
    world.resource_mut::<Trace>().public(turn, day, "statement", text);
    shift_relation(world, get(world, nation), me, -5);
}

/// Seats played by bots, in stable order.
pub fn bot_seats(world: &mut World) -> Vec<(Entity, String)> {
    super::nations_in_order(world)
        .into_iter()
        .filter(|(e, _)| world.get::<Controller>(*e) == Some(&Controller::Bot))
        .collect()
}
