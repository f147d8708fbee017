//! How a bot negotiates (docs/rules.md §9.9): it weighs an offer's terms by its doctrine and
//! answers with its reason, replies to messages, offers deals to the seats people play, and keeps
//! or breaks its deals as its doctrine says.

use bevy::prelude::*;

use super::{Strategy, leaning};
use crate::institutions::Proposals;
use crate::negotiation::deals::{self, Deal, DealState, Offer, promise_words};
use crate::negotiation::press::{self, PressTo};
use crate::negotiation::{PressRules, Talks};
use crate::rng::{Dice, Purpose};
use crate::rules::orders::put_in_draft;
use crate::rules::{Ballot, Clock, Controller, GameSeed, Order, Sanctions};
use crate::scenario::model::{Doctrine, GuaranteePolicy, MandateKind, NationFlag};
use crate::world::*;

/// A bot's doctrine as it plays it (its strategy applied), and who it is.
struct Counterpart {
    me: Entity,
    key: String,
    name: String,
    nation: Nation,
    doctrine: Doctrine,
}

impl Counterpart {
    fn of(world: &World, key: &str) -> Option<Counterpart> {
        let me = world.resource::<Registry>().get(key)?;
        let nation = world.get::<Nation>(me)?.clone();
        let strategy = world.get::<Strategy>(me).copied().unwrap_or_default();
        Some(Counterpart {
            me,
            key: key.to_string(),
            name: world.get::<Label>(me).map_or_else(|| key.to_string(), |l| l.0.clone()),
            doctrine: strategy.doctrine(&nation.doctrine),
            nation,
        })
    }

    /// Whether `other` stands on the far side of the line from it.
    fn opposes(&self, world: &World, other: &str) -> bool {
        let them = world.resource::<Registry>().get(other).and_then(|e| world.get::<Nation>(e));
        them.is_some_and(|n| n.alignment * self.nation.alignment < 0.0)
    }

    fn has_troops_in(&self, world: &World, sector: &str) -> bool {
        let s = world.resource::<Registry>().get(sector);
        s.and_then(|s| world.get::<Forces>(s)).is_some_and(|f| f.0.iter().any(|(n, t)| *n == self.me && *t > 0))
    }

    /// Its leaning for the kind of mandate a proposal would make (1 for its own proposals).
    fn leaning_on(&self, world: &World, proposal: u64) -> f64 {
        let proposals = world.resource::<Proposals>();
        let Some(p) = proposals.open.iter().find(|p| p.id == proposal) else { return 0.5 };
        if p.proposer == self.key {
            return 1.0;
        }
        let registry = world.resource::<Registry>();
        let kind = registry
            .get(&p.template)
            .and_then(|e| world.get::<MandateTemplate>(e))
            .map_or(MandateKind::ObserveReport, |t| t.kind);
        leaning(&self.doctrine, kind)
    }

    /// What giving `term` costs it, 0 (it would do it anyway) .. 10 (against everything it stands for).
    fn cost(&self, world: &World, term: &Order) -> f64 {
        let d = &self.doctrine;
        match term {
            Order::SetPosture { pressure, .. } => 10.0 * (d.aggression - pressure).max(0.0),
            Order::Vote { proposal, ballot } => {
                let lean = self.leaning_on(world, *proposal);
                match ballot {
                    Ballot::Yes => 10.0 * (1.0 - lean),
                    Ballot::No => 10.0 * lean,
                    Ballot::Abstain => 5.0 * (lean - 0.5).abs() * 2.0,
                }
            }
            Order::Recommit { measures } => 10.0 * (1.0 - d.recommit) + if *measures { 2.0 } else { 0.0 },
            Order::LiftSanctions { target } => {
                if self.opposes(world, target) {
                    6.0
                } else {
                    2.0
                }
            }
            Order::ImposeSanctions { target } => {
                if self.opposes(world, target) {
                    2.0
                } else {
                    7.0
                }
            }
            Order::ConsentToTroops { .. } | Order::AcceptGuarantee { .. } => match d.accept_guarantees {
                GuaranteePolicy::Any => 1.0,
                GuaranteePolicy::FromHelpersOnly => 4.0,
                GuaranteePolicy::Never => 10.0,
            },
            Order::Pledge { .. } | Order::Deploy { .. } => 10.0 * (1.0 - d.max_deployment_share),
            _ => 5.0,
        }
    }

    /// What `term`, given by `giver`, is worth to it, 0 .. 10.
    fn value(&self, world: &World, term: &Order) -> f64 {
        let me = self.key.as_str();
        match term {
            Order::SetPosture { sector, pressure } => {
                let near = if self.has_troops_in(world, sector) { 10.0 } else { 3.0 };
                near * (1.0 - pressure).clamp(0.0, 1.0)
            }
            Order::Vote { proposal, ballot } => {
                let lean = self.leaning_on(world, *proposal);
                match ballot {
                    Ballot::Yes => 10.0 * lean,
                    Ballot::No => 10.0 * (1.0 - lean),
                    Ballot::Abstain => 2.0,
                }
            }
            Order::Recommit { measures } => 4.0 + 4.0 * self.doctrine.recommit + if *measures { 2.0 } else { 0.0 },
            Order::LiftSanctions { target } if target == me => 10.0,
            Order::ImposeSanctions { target } if self.opposes(world, target) => 6.0,
            Order::ConsentToTroops { nation } if nation == me => 8.0,
            Order::OfferGuarantee { recipient, .. } if recipient == me => match self.doctrine.accept_guarantees {
                GuaranteePolicy::Any => 8.0,
                GuaranteePolicy::FromHelpersOnly => 6.0,
                GuaranteePolicy::Never => 0.0,
            },
            Order::ShareIntelligence { with } if with == me => 6.0,
            Order::Pledge { .. } | Order::Deploy { .. } => 4.0 + 4.0 * self.doctrine.votes.interpose,
            _ => 1.0,
        }
    }
}

/// §9.9 A bot's answer to deal `id` offered to it: accept when what it gets is worth at least
/// what it gives, by its doctrine, and it can afford its side; with its reason in one sentence.
pub fn weigh_offer(world: &mut World, id: u64) -> Option<(bool, String)> {
    let deal = world.resource::<Talks>().deal(id)?.clone();
    let bot = Counterpart::of(world, &deal.to)?;
    if world.get::<Controller>(bot.me) != Some(&Controller::Bot) {
        return None;
    }
    let price: i64 = deal.want.iter().map(|t| crate::rules::orders::checkable(world, &bot.key, t).unwrap_or(0)).sum();
    let spent = world.resource::<crate::rules::OrderBook>().drafts.get(&bot.key).map_or(0, |d| d.spent());
    let left = world.get::<Capital>(bot.me).map_or(0, |c| c.0) - spent;
    if price > left {
        return Some((
            false,
            format!(
                "{}: we cannot afford it this turn ({price} political capital, and we have {left} left).",
                bot.name
            ),
        ));
    }
    let costs: Vec<(f64, &Order)> = deal.want.iter().map(|t| (bot.cost(world, t), t)).collect();
    let values: Vec<(f64, &Order)> = deal.give.iter().map(|t| (bot.value(world, t), t)).collect();
    let cost: f64 = costs.iter().map(|(c, _)| c).sum();
    let value: f64 = values.iter().map(|(v, _)| v).sum();
    let dearest = costs.iter().max_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, t)| promise_words(world, &bot.key, t));
    let best = values.iter().max_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, t)| promise_words(world, &deal.from, t));
    let (dearest, best) = (dearest.unwrap_or_default(), best.unwrap_or_default());
    if value > 0.0 && value >= cost {
        Some((
            true,
            format!(
                "{}: that is a fair exchange — {best} is worth more to us than it costs us that {dearest}.",
                bot.name
            ),
        ))
    } else {
        Some((
            false,
            format!(
                "{}: no — that {dearest} goes against our line, and {best} does not make up for it (to us it is worth \
                 {value:.0} against a cost of {cost:.0}).",
                bot.name
            ),
        ))
    }
}

/// A bot that accepted a deal puts its side of it into its (locked) draft at once, where it can.
pub fn keep_promises_now(world: &mut World, id: u64) {
    let Some(deal) = world.resource::<Talks>().deal(id).cloned() else { return };
    let terms = if world.resource::<Registry>().get(&deal.to).and_then(|e| world.get::<Controller>(e).copied())
        == Some(Controller::Bot)
    {
        (deal.to.clone(), deal.want.clone())
    } else {
        (deal.from.clone(), deal.give.clone())
    };
    for term in terms.1 {
        // A term it cannot give yet (a vote on a proposal not yet open) waits for its next plan.
        let _ = put_in_draft(world, &terms.0, term);
    }
}

/// §9.9 A bot's reply to a private message from a seat people play: what it stands for, and the
/// deal it would take.
pub fn reply_to_message(world: &mut World, from: &str, to: &str) -> Option<String> {
    let bot = Counterpart::of(world, to)?;
    let sender = world.resource::<Registry>().get(from)?;
    if world.get::<Controller>(bot.me) != Some(&Controller::Bot)
        || world.get::<Controller>(sender) != Some(&Controller::Human)
    {
        return None;
    }
    let d = bot.doctrine.clone();
    let stance = if bot.nation.has(NationFlag::Belligerent) {
        if d.aggression > 0.5 {
            "We answer fire with fire, and we do not take words for deeds."
        } else {
            "We want the line quiet as much as you do, if you hold your side of it."
        }
    } else if d.votes.interpose >= 0.5 {
        "We back a force that stands between the sides, if it is properly mandated."
    } else {
        "We back observers before soldiers, and deeds before words."
    };
    let suggested = suggested_deal(world, &bot, from);
    let suggestion = suggested
        .map(|o| {
            let terms = |who: &str, ts: &[Order]| {
                ts.iter().map(|t| promise_words(world, who, t)).collect::<Vec<_>>().join(" and ")
            };
            format!(
                " Put it in an offer we can hold you to: we would take {} if {}.",
                terms(&bot.key, &o.give),
                terms(from, &o.want)
            )
        })
        .unwrap_or_else(|| " Put what you want in an offer, and we will answer it.".into());
    Some(format!("{}: {stance}{suggestion}", bot.name))
}

/// The deal a bot would offer `other`: a belligerent, matched restraint in the sector where both
/// have troops and fire is heaviest; a state sanctioning `other`, the sanctions lifted for a
/// recommitment with measures.
fn suggested_deal(world: &mut World, bot: &Counterpart, other: &str) -> Option<Offer> {
    let them = Counterpart::of(world, other)?;
    let turn = world.resource::<Clock>().turn;
    if bot.nation.has(NationFlag::Belligerent) && them.nation.has(NationFlag::Belligerent) && bot.opposes(world, other)
    {
        let shared = in_stable_order::<Sector>(world)
            .into_iter()
            .filter_map(|(e, _)| {
                let key = world.get::<Key>(e)?.0.clone();
                (bot.has_troops_in(world, &key) && them.has_troops_in(world, &key))
                    .then(|| (world.get::<Tension>(e).map_or(0.0, |t| t.0), key))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let (_, sector) = shared?;
        let pressure = (bot.doctrine.aggression / 2.0 * 10.0).floor() / 10.0;
        let hold = Order::SetPosture { sector, pressure };
        return Some(Offer {
            to: other.to_string(),
            give: vec![hold.clone()],
            want: vec![hold],
            until_turn: None,
            note: format!("Hold your fire there through turn {} and we will hold ours.", turn + 1),
        });
    }
    let sanctions = world.resource::<Sanctions>();
    if sanctions.0.contains(&(bot.key.clone(), other.to_string())) && them.nation.has(NationFlag::Belligerent) {
        return Some(Offer {
            to: other.to_string(),
            give: vec![Order::LiftSanctions { target: other.to_string() }],
            want: vec![Order::Recommit { measures: true }],
            until_turn: None,
            note: "Concrete measures on the line, and our sanctions go.".into(),
        });
    }
    None
}

/// §9.9 At the start of each orders phase, each bot offers its deal to the seats people play
/// (at most one offer to each every three turns, none while one between them stands).
pub fn offer_deals(world: &mut World) {
    let turn = world.resource::<Clock>().turn;
    let seats = crate::rules::nations_in_order(world);
    let control = |world: &World, e: Entity| world.get::<Controller>(e).copied();
    let bots: Vec<String> =
        seats.iter().filter(|(e, _)| control(world, *e) == Some(Controller::Bot)).map(|(_, k)| k.clone()).collect();
    let people: Vec<String> =
        seats.iter().filter(|(e, _)| control(world, *e) == Some(Controller::Human)).map(|(_, k)| k.clone()).collect();
    if people.is_empty() {
        return;
    }
    for bot_key in &bots {
        for person in &people {
            let recent = world.resource::<Talks>().deals.iter().any(|d| {
                d.party(bot_key)
                    && d.party(person)
                    && (d.turn + 3 > turn || matches!(d.state, DealState::Offered | DealState::Accepted))
            });
            if recent {
                continue;
            }
            let Some(bot) = Counterpart::of(world, bot_key) else { continue };
            let Some(offer) = suggested_deal(world, &bot, person) else { continue };
            if deals::check_offer(world, bot_key, &offer).is_ok() {
                deals::offer(world, bot_key, &offer);
            }
        }
    }
}

/// §9.9 The orders a bot's standing deals ask of it this turn, unless its doctrine has it break
/// them (a draw against `keeps_deals`, once a turn for each deal).
pub fn promised_orders(world: &World, key: &str, doctrine: &Doctrine) -> Vec<Order> {
    let Some(me) = world.resource::<Registry>().get(key) else { return Vec::new() };
    let turn = world.resource::<Clock>().turn;
    let seed = world.resource::<GameSeed>().0;
    let stable = world.get::<StableId>(me).map_or(0, |s| u64::from(s.0));
    let mut out = Vec::new();
    for deal in world.resource::<Talks>().deals.iter().filter(|d| d.binding() && d.party(key) && d.until_turn >= turn) {
        let mut dice = Dice::new(seed, turn, Purpose::Deals, stable ^ (deal.id << 20));
        if !dice.chance(doctrine.keeps_deals) {
            continue;
        }
        out.extend(own_terms(deal, key).iter().cloned());
    }
    out
}

fn own_terms<'d>(deal: &'d Deal, key: &str) -> &'d [Order] {
    if deal.from == key { &deal.give } else { &deal.want }
}

/// Sends a bot's reply to a private message from a seat people play, if it has one. A bot
/// answers only what is put to it privately: a channel of people is theirs.
pub fn answer_message(world: &mut World, from: &str, to: &str) {
    if world.resource::<Talks>().rules != PressRules::Full {
        return;
    }
    if let Some(text) = reply_to_message(world, from, to) {
        press::say(world, to, PressTo::Seat(from.to_string()), &text, None);
    }
}

/// §9.9 At the start of each orders phase, a belligerent bot whose positions came under fire
/// last turn in violations monitors laid on the other side accuses it in public, naming the
/// count and the sector where most fell (in games people play: bots need no words among
/// themselves).
pub fn accuse_in_public(world: &mut World) {
    use crate::record::{Party, Trace};
    let turn = world.resource::<Clock>().turn;
    if turn <= 1 || world.resource::<Talks>().rules == PressRules::None {
        return;
    }
    let seats = crate::rules::nations_in_order(world);
    let control = |e: Entity| world.get::<Controller>(e).copied();
    if !seats.iter().any(|(e, _)| control(*e) == Some(Controller::Human)) {
        return;
    }
    let bots: Vec<String> = seats
        .iter()
        .filter(|(e, _)| control(*e) == Some(Controller::Bot))
        .filter(|(e, _)| world.get::<Nation>(*e).is_some_and(|n| n.has(NationFlag::Belligerent)))
        .map(|(_, k)| k.clone())
        .collect();
    // (victim, firer) → (firer's name, recorded violations by sector)
    let mut laid: std::collections::BTreeMap<(String, String), (String, std::collections::BTreeMap<String, u64>)> =
        Default::default();
    let trace = world.resource::<Trace>();
    for e in trace.entries.iter().filter(|e| e.turn + 1 == turn) {
        let Some(i) = e.incident.as_ref().filter(|i| i.attributed_to == Some(Party::Firer) && i.recorded > 0) else {
            continue;
        };
        let told = trace.told(i);
        let entry = laid
            .entry((told.parties.against_id.clone(), told.parties.by_id.clone()))
            .or_insert_with(|| (told.parties.by.clone(), Default::default()));
        *entry.1.entry(told.place.sector.clone()).or_insert(0) += i.recorded;
    }
    let mut statements = Vec::new();
    for bot in &bots {
        for ((victim, _), (firer, sectors)) in laid.iter().filter(|((v, _), _)| v == bot) {
            let total: u64 = sectors.values().sum();
            let worst = sectors.iter().max_by_key(|(_, n)| **n).map(|(s, _)| s.clone()).unwrap_or_default();
            let name = Counterpart::of(world, victim).map_or_else(|| victim.clone(), |c| c.name);
            statements.push((
                victim.clone(),
                format!(
                    "{name} accuses {firer}: monitors laid {total} violations on it last turn, most of them in {worst}. \
                     We will answer in kind if it goes on."
                ),
            ));
        }
    }
    for (from, text) in statements {
        press::say(world, &from, PressTo::Public, &text, None);
    }
}
