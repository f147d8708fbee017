//! Deals: one seat offers another terms the rules can check ("I will hold fire in Pokrovsk if you
//! do"); an accepted deal binds both until its last turn, and is settled kept, lapsed or
//! breached with the reason in the trace (docs/rules.md §2.7).

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::Talks;
use super::press::{PressTo, nation_name, say};
use crate::record::{Audience, Trace};
use crate::rules::orders::{MAX_TEXT_CHARS, checkable, subject};
use crate::rules::{Clock, Order, OrderBook, Postures};
use crate::world::{Label, Model, Registry, ScenarioInfo, shift_relation};

/// Most terms on each side of a deal.
pub const MAX_TERMS: usize = 4;
/// Most offers one seat may have waiting for an answer at once.
pub const MAX_OPEN_OFFERS: usize = 8;
/// Most turns a deal may bind, the turn it is made included.
pub const MAX_DEAL_TURNS: u32 = 6;

/// An offer of a deal, as a seat hands it in: what it promises (`give`) for what it asks of the
/// other seat (`want`), each term an order of the promiser's, until the end of `until_turn`
/// (`None`: the next turn).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Offer {
    pub to: String,
    pub give: Vec<Order>,
    pub want: Vec<Order>,
    #[serde(default)]
    pub until_turn: Option<u32>,
    /// A word to go with it.
    #[serde(default)]
    pub note: String,
}

/// Where a deal stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DealState {
    /// Waiting for the other seat's answer (until the turn resolves).
    Offered,
    Rejected {
        reason: String,
    },
    /// Binding: its terms are checked at every resolution until its last turn.
    Accepted,
    /// Every term was met.
    Kept,
    /// It fell away through no one's fault: not answered in time, or what it named is gone.
    Lapsed {
        reason: String,
    },
    /// `by` broke it.
    Breached {
        by: String,
        reason: String,
    },
}

impl DealState {
    pub fn word(&self) -> &'static str {
        match self {
            DealState::Offered => "offered",
            DealState::Rejected { .. } => "rejected",
            DealState::Accepted => "binding",
            DealState::Kept => "kept",
            DealState::Lapsed { .. } => "lapsed",
            DealState::Breached { .. } => "breached",
        }
    }
}

/// A deal between two seats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deal {
    pub id: u64,
    /// The turn it was offered (and, if accepted, made).
    pub turn: u32,
    pub from: String,
    pub to: String,
    /// What `from` promises.
    pub give: Vec<Order>,
    /// What `to` promises.
    pub want: Vec<Order>,
    pub until_turn: u32,
    pub note: String,
    pub state: DealState,
    /// Which terms have been met so far: `give`'s, then `want`'s.
    pub met: Vec<bool>,
}

impl Deal {
    /// Every term with the seat that promised it.
    pub fn terms(&self) -> impl Iterator<Item = (&str, &Order)> {
        let from = self.give.iter().map(|t| (self.from.as_str(), t));
        from.chain(self.want.iter().map(|t| (self.to.as_str(), t)))
    }

    pub fn party(&self, seat: &str) -> bool {
        self.from == seat || self.to == seat
    }

    pub fn other(&self, seat: &str) -> &str {
        if self.from == seat { &self.to } else { &self.from }
    }

    pub fn binding(&self) -> bool {
        self.state == DealState::Accepted
    }
}

/// Orders a deal may promise: the ones whose keeping the rules can see.
fn promisable(order: &Order) -> Result<(), String> {
    match order {
        Order::PrivateMessage { .. }
        | Order::PublicStatement { .. }
        | Order::Accuse { .. }
        | Order::RequestAirSupport { .. } => {
            Err(format!("a {} cannot be a term of a deal: its keeping is nothing the rules can check", order.kind()))
        }
        _ => Ok(()),
    }
}

/// Whether `from` may make `offer` now.
pub fn check_offer(world: &mut World, from: &str, offer: &Offer) -> Result<(), String> {
    if offer.to == from {
        return Err("a deal takes two seats; you cannot offer one to yourself".into());
    }
    if nation_name(world, &offer.to).is_none() {
        return Err(format!("there is no seat {:?} in this game", offer.to.chars().take(40).collect::<String>()));
    }
    for (side, terms) in [("what you give", &offer.give), ("what you ask", &offer.want)] {
        if terms.is_empty() || terms.len() > MAX_TERMS {
            return Err(format!("{side} takes 1 to {MAX_TERMS} terms"));
        }
    }
    for (who, whose, terms) in [(from, "your", &offer.give), (offer.to.as_str(), "their", &offer.want)] {
        for (i, term) in terms.iter().enumerate() {
            promisable(term).map_err(|e| format!("{whose} term {}: {e}", i + 1))?;
            checkable(world, who, term).map_err(|e| format!("{whose} term {}: {e}", i + 1))?;
        }
    }
    let turn = world.resource::<Clock>().turn;
    let last = world.resource::<ScenarioInfo>().turns;
    let until = until_turn(offer, turn, last);
    if until < turn || until >= turn + MAX_DEAL_TURNS || until > last {
        return Err(format!(
            "a deal binds from this turn ({turn}) to at most turn {}, and not past the game's last turn ({last})",
            turn + MAX_DEAL_TURNS - 1
        ));
    }
    if offer.note.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("an offer's note is at most {MAX_TEXT_CHARS} characters"));
    }
    let open =
        world.resource::<Talks>().deals.iter().filter(|d| d.from == from && d.state == DealState::Offered).count();
    if open >= MAX_OPEN_OFFERS {
        return Err(format!("you have {open} offers waiting for an answer, the most a seat may"));
    }
    Ok(())
}

fn until_turn(offer: &Offer, turn: u32, last: u32) -> u32 {
    offer.until_turn.unwrap_or((turn + 1).min(last))
}

/// Records an offer (checked already) and tells the other seat; returns the deal's id.
pub fn offer(world: &mut World, from: &str, offer: &Offer) -> u64 {
    let turn = world.resource::<Clock>().turn;
    let last = world.resource::<ScenarioInfo>().turns;
    let mut talks = world.resource_mut::<Talks>();
    let id = talks.deals.len() as u64 + 1;
    let deal = Deal {
        id,
        turn,
        from: from.to_string(),
        to: offer.to.clone(),
        give: offer.give.clone(),
        want: offer.want.clone(),
        until_turn: until_turn(offer, turn, last),
        note: offer.note.trim().to_string(),
        state: DealState::Offered,
        met: vec![false; offer.give.len() + offer.want.len()],
    };
    talks.deals.push(deal.clone());
    let mut text = format!("Offer {id}: {}", in_words(world, &deal));
    if !deal.note.is_empty() {
        text.push_str(&format!(" \"{}\"", deal.note));
    }
    say(world, from, PressTo::Seat(offer.to.clone()), &text, Some(id));
    id
}

/// Whether `seat` may answer deal `id` now.
pub fn check_answer(world: &World, seat: &str, id: u64, reason: &str) -> Result<(), String> {
    let Some(deal) = world.resource::<Talks>().deal(id) else {
        return Err(format!("there is no offer {id}"));
    };
    if deal.to != seat {
        return Err(format!("offer {id} was not made to you"));
    }
    if deal.state != DealState::Offered {
        return Err(format!("offer {id} has been answered already ({})", deal.state.word()));
    }
    if reason.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("a reason is at most {MAX_TEXT_CHARS} characters"));
    }
    Ok(())
}

/// Accepts or rejects deal `id` (checked already), telling the seat that offered it.
pub fn answer(world: &mut World, seat: &str, id: u64, accept: bool, reason: &str) {
    let clock = world.resource::<Clock>().clone();
    let Some(deal) = world.resource::<Talks>().deal(id).cloned() else { return };
    let reason = reason.trim();
    let state = if accept { DealState::Accepted } else { DealState::Rejected { reason: reason.to_string() } };
    if let Some(d) = world.resource_mut::<Talks>().deals.iter_mut().find(|d| d.id == id) {
        d.state = state;
    }
    let word = if accept { "Accepted" } else { "Rejected" };
    let mut text = format!("{word} offer {id}.");
    if !reason.is_empty() {
        text.push(' ');
        text.push_str(reason);
    }
    say(world, seat, PressTo::Seat(deal.from.clone()), &text, Some(id));
    if accept {
        let line = format!("Deal {id} made: {}", in_words(world, &deal));
        private_entry(world, &clock, &deal, line);
    }
}

/// A trace entry the deal's two parties (and the white cell) read.
fn private_entry(world: &mut World, clock: &Clock, deal: &Deal, line: String) {
    world.resource_mut::<Trace>().add(
        clock.turn,
        clock.day,
        "deal",
        line.clone(),
        vec![(Audience::Nations(vec![deal.from.clone(), deal.to.clone()]), line)],
    );
}

/// §2.7 Offers nobody answered lapse when the turn resolves.
pub fn lapse_unanswered_offers(world: &mut World) {
    let mut talks = world.resource_mut::<Talks>();
    for d in talks.deals.iter_mut().filter(|d| d.state == DealState::Offered) {
        d.state = DealState::Lapsed { reason: "it was not answered before the turn resolved".into() };
    }
}

/// How one term stands at a resolution.
enum Standing {
    Met,
    Open,
    Broken(String),
    Gone(String),
}

/// §2.7 Every binding deal is checked against what its parties did this turn: broken at the
/// first term broken, lapsed when what a term names is gone, kept at the end of its last turn
/// when every term was met (a posture term: held at every resolution).
pub fn settle_deals(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let deals: Vec<Deal> = world.resource::<Talks>().deals.iter().filter(|d| d.binding()).cloned().collect();
    for mut deal in deals {
        if clock.turn < deal.turn {
            continue;
        }
        let standings: Vec<Standing> =
            deal.terms().enumerate().map(|(i, (who, term))| standing(world, who, term, deal.met[i])).collect();
        for (i, s) in standings.iter().enumerate() {
            deal.met[i] |= matches!(s, Standing::Met);
        }
        let terms: Vec<(String, Order)> = deal.terms().map(|(w, t)| (w.to_string(), t.clone())).collect();
        let broken = standings.iter().zip(&terms).find_map(|(s, (who, term))| match s {
            Standing::Broken(why) => Some((who.clone(), format!("{} {why}", promise_words(world, who, term)))),
            _ => None,
        });
        let gone = standings.iter().zip(&terms).find_map(|(s, (who, term))| match s {
            Standing::Gone(why) => Some(format!("{} can no longer be kept: {why}", promise_words(world, who, term))),
            _ => None,
        });
        let last = clock.turn >= deal.until_turn;
        let unmet = deal.met.iter().zip(&terms).find(|(m, _)| !**m).map(|(_, (who, term))| {
            (
                who.clone(),
                format!("{} was not done by the end of turn {}", promise_words(world, who, term), deal.until_turn),
            )
        });
        deal.state = match (broken, gone, last, unmet) {
            (Some((by, reason)), ..) => DealState::Breached { by, reason },
            (None, Some(reason), ..) => DealState::Lapsed { reason },
            (None, None, true, Some((by, reason))) => DealState::Breached { by, reason },
            (None, None, true, None) => DealState::Kept,
            _ => DealState::Accepted,
        };
        if !deal.binding() {
            settle(world, &clock, &deal);
        }
        if let Some(d) = world.resource_mut::<Talks>().deals.iter_mut().find(|d| d.id == deal.id) {
            *d = deal;
        }
    }
}

/// How `who`'s promise `term` stands after this turn's orders were applied.
fn standing(world: &mut World, who: &str, term: &Order, met: bool) -> Standing {
    if let Order::SetPosture { sector, pressure } = term {
        // A posture term is held, not done: the standing pressure must stay at or below it.
        let now = standing_pressure(world, who, sector);
        return if now <= pressure + 1e-9 {
            Standing::Met
        } else {
            Standing::Broken(format!("(its pressure there is {now:.2})"))
        };
    }
    let given = world.resource::<OrderBook>().drafts.get(who).map(|d| d.orders.clone()).unwrap_or_default();
    let about = subject(term);
    for d in &given {
        if &d.order == term {
            return Standing::Met;
        }
        if about.is_some() && subject(&d.order) == about && !met {
            return Standing::Broken(format!("(it gave another order on the same matter: {})", d.order.kind()));
        }
    }
    if met {
        return Standing::Met;
    }
    match checkable(world, who, term) {
        Ok(_) => Standing::Open,
        Err(why) => Standing::Gone(why),
    }
}

/// `who`'s standing pressure in `sector`: the posture it set, or its doctrine's.
fn standing_pressure(world: &World, who: &str, sector: &str) -> f64 {
    let registry = world.resource::<Registry>();
    let (Some(me), Some(s)) = (registry.get(who), registry.get(sector)) else { return 0.0 };
    let set = world.get::<Postures>(me).and_then(|p| p.0.get(&s).copied());
    set.unwrap_or_else(|| world.get::<crate::world::Nation>(me).map_or(0.0, |n| n.doctrine.aggression))
}

/// A deal's end: the trace says why, and a breach costs the breaker in relations.
fn settle(world: &mut World, clock: &Clock, deal: &Deal) {
    let effects = world.resource::<Model>().0.diplomacy.clone();
    let registry = world.resource::<Registry>();
    let (Some(a), Some(b)) = (registry.get(&deal.from), registry.get(&deal.to)) else { return };
    let line = match &deal.state {
        DealState::Kept => {
            shift_relation(world, a, b, effects.deal_kept_relations);
            shift_relation(world, b, a, effects.deal_kept_relations);
            format!(
                "Deal {} kept: every term was met; relations between {} and {} rise by {}.",
                deal.id,
                name(world, &deal.from),
                name(world, &deal.to),
                effects.deal_kept_relations
            )
        }
        DealState::Breached { by, reason } => {
            let (breaker, victim) = if *by == deal.from { (a, b) } else { (b, a) };
            shift_relation(world, victim, breaker, -effects.deal_breach_relations);
            shift_relation(world, breaker, victim, -effects.deal_breach_relations / 2);
            format!(
                "Deal {} breached by {}: {reason}. {} trusts it {} less.",
                deal.id,
                name(world, by),
                name(world, deal.other(by)),
                effects.deal_breach_relations
            )
        }
        DealState::Lapsed { reason } => format!("Deal {} lapsed: {reason}.", deal.id),
        _ => return,
    };
    private_entry(world, clock, deal, line);
}

fn name(world: &World, id: &str) -> String {
    let registry = world.resource::<Registry>();
    registry.get(id).and_then(|e| world.get::<Label>(e)).map_or_else(|| id.to_string(), |l| l.0.clone())
}

/// `who`'s promise in words: "Russia holds its pressure in Pokrovsk at or below 0.2".
pub fn promise_words(world: &World, who: &str, term: &Order) -> String {
    let n = |id: &str| name(world, id);
    let what = match term {
        Order::SetPosture { sector, pressure } => {
            format!("holds its pressure in {} at or below {pressure:.2}", n(sector))
        }
        Order::Vote { proposal, ballot } => {
            format!("votes {} on proposal {proposal}", format!("{ballot:?}").to_lowercase())
        }
        Order::Recommit { measures: true } => "recommits to the ceasefire with concrete measures".into(),
        Order::Recommit { measures: false } => "recommits to the ceasefire".into(),
        Order::LiftSanctions { target } => format!("lifts its sanctions on {}", n(target)),
        Order::ImposeSanctions { target } => format!("imposes sanctions on {}", n(target)),
        Order::ConsentToTroops { nation } => format!("consents to {}'s troops on its soil", n(nation)),
        Order::RefuseTroops { nation } => format!("refuses {}'s troops", n(nation)),
        Order::Pledge { contingent, sector, condition } => {
            let when = if condition.is_some() { "on a condition" } else { "at once" };
            format!("pledges {} to {} {when}", n(contingent), n(sector))
        }
        Order::Deploy { contingent, sector } => format!("deploys {} to {}", n(contingent), n(sector)),
        Order::Withdraw { contingent } => format!("withdraws {}", n(contingent)),
        Order::OfferGuarantee { recipient, components } => {
            let parts: Vec<String> = components.iter().map(|c| format!("{c:?}")).collect();
            format!("offers {} a guarantee ({})", n(recipient), parts.join(", "))
        }
        Order::AcceptGuarantee { guarantee } => format!("accepts guarantee {}", n(guarantee)),
        Order::RejectGuarantee { guarantee } => format!("rejects guarantee {}", n(guarantee)),
        Order::ShareIntelligence { with } => format!("shares intelligence with {}", n(with)),
        Order::ProposeMandate { template, institution, .. } => {
            format!("proposes {} to {}", n(template), n(institution))
        }
        Order::Lobby { institution, template } => format!("lobbies {} for {}", n(institution), n(template)),
        other => other.kind().to_string(),
    };
    format!("{} {what}", n(who))
}

/// The whole deal in one sentence.
pub fn in_words(world: &World, d: &Deal) -> String {
    let side = |who: &str, terms: &[Order]| {
        terms.iter().map(|t| promise_words(world, who, t)).collect::<Vec<_>>().join(" and ")
    };
    format!("{} if {}, until the end of turn {}", side(&d.from, &d.give), side(&d.to, &d.want), d.until_turn)
}
