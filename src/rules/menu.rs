//! The orders a seat can pick from menus: every candidate of each kind, and the ones the rules
//! would take now (docs/rules.md §2.5).

use bevy::prelude::*;

use crate::rules::Order;
use crate::rules::orders::{Ballot, check};
use crate::scenario::model::{Condition, GuaranteeComponent, GuaranteeStatus, MandateKind};
use crate::world::{Contingent, Guarantee, Institution, Key, MandateTemplate, Nation, Registry, Sector, StableId};

/// Every kind of order a menu can build, in the order menus list them.
pub const KINDS: [&str; 20] = [
    "private message",
    "public statement",
    "mandate proposal",
    "vote",
    "pledge",
    "deployment",
    "withdrawal",
    "guarantee offer",
    "acceptance of a guarantee",
    "rejection of a guarantee",
    "sanctions",
    "lifting of sanctions",
    "intelligence sharing",
    "posture",
    "recommitment",
    "request for air support",
    "accusation",
    "lobbying",
    "refusal of troops",
    "consent to troops",
];

/// The parts of a guarantee a menu offers, one to an offer.
pub const COMPONENTS: [GuaranteeComponent; 8] = [
    GuaranteeComponent::Training,
    GuaranteeComponent::WeaponsSupply,
    GuaranteeComponent::DefenceIndustry,
    GuaranteeComponent::IntelligenceSharing,
    GuaranteeComponent::SanctionsOnAggressor,
    GuaranteeComponent::EconomicCooperation,
    GuaranteeComponent::EuAccessionPath,
    GuaranteeComponent::MutualAssistance,
];

/// The pressures a menu offers for a posture: 0, 0.1, … 1.
pub fn pressures() -> impl Iterator<Item = f64> {
    (0..=10).map(|i| f64::from(i) / 10.0)
}

/// The conditions a menu offers for a pledge, in words: at once, or once a mandate of a kind is in
/// force, or while the ceasefire holds.
pub fn pledge_conditions() -> [(&'static str, Option<Condition>); 4] {
    [
        ("At once", None),
        ("When an armed (interpose) mandate is in force", Some(Condition::MandateOfKind(MandateKind::Interpose))),
        ("When an enforcement mandate is in force", Some(Condition::MandateOfKind(MandateKind::Enforce))),
        ("While the ceasefire holds", Some(Condition::CeasefireHolds)),
    ]
}

/// What a message or a statement says while the rules check it: the text is the sender's to write,
/// so a menu leaves it empty.
const SOME_TEXT: &str = "(text)";

/// The orders of `kind` that `seat` may give now, as the rules would take them one at a time
/// against its draft and the capital it has left. Text is left empty for the sender to write.
pub fn legal_orders(world: &mut World, seat: &str, kind: &str) -> Vec<Order> {
    candidates(world, seat, kind).into_iter().filter(|o| takes(world, seat, o)).collect()
}

/// Whether the rules would take at least one order of `kind` from `seat` now.
pub fn any_legal(world: &mut World, seat: &str, kind: &str) -> bool {
    candidates(world, seat, kind).iter().any(|o| takes(world, seat, o))
}

/// Whether the rules would take `order` from `seat` now, with some text in it if it has any.
fn takes(world: &mut World, seat: &str, order: &Order) -> bool {
    check(world, seat, &with_text(order, SOME_TEXT)).is_ok()
}

/// Every order of `kind` a menu could build for `seat`, legal or not: each target the game has.
pub fn candidates(world: &mut World, seat: &str, kind: &str) -> Vec<Order> {
    let Some(me) = world.resource::<Registry>().get(seat) else { return Vec::new() };
    let others: Vec<String> = keys_of::<Nation>(world).into_iter().filter(|n| n != seat).collect();
    let each_nation = |f: fn(String) -> Order| others.iter().cloned().map(f).collect::<Vec<_>>();
    match kind {
        "private message" => each_nation(|to| Order::PrivateMessage { to, text: String::new() }),
        "public statement" => vec![Order::PublicStatement { text: String::new() }],
        "mandate proposal" => mandate_proposals(world, seat),
        "vote" => votes(world),
        "pledge" => {
            let (contingents, sectors) = (own_contingents(world, me), keys_of::<Sector>(world));
            let mut v = Vec::new();
            for contingent in &contingents {
                for sector in &sectors {
                    for (_, condition) in pledge_conditions() {
                        v.push(Order::Pledge { contingent: contingent.clone(), sector: sector.clone(), condition });
                    }
                }
            }
            v
        }
        "deployment" => {
            let (contingents, sectors) = (own_contingents(world, me), keys_of::<Sector>(world));
            contingents
                .iter()
                .flat_map(|c| sectors.iter().map(|s| Order::Deploy { contingent: c.clone(), sector: s.clone() }))
                .collect()
        }
        "withdrawal" => {
            own_contingents(world, me).into_iter().map(|contingent| Order::Withdraw { contingent }).collect()
        }
        "guarantee offer" => others
            .iter()
            .flat_map(|n| {
                COMPONENTS.iter().map(|c| Order::OfferGuarantee { recipient: n.clone(), components: vec![*c] })
            })
            .collect(),
        "acceptance of a guarantee" => {
            offers_to(world, me).into_iter().map(|guarantee| Order::AcceptGuarantee { guarantee }).collect()
        }
        "rejection of a guarantee" => {
            offers_to(world, me).into_iter().map(|guarantee| Order::RejectGuarantee { guarantee }).collect()
        }
        "sanctions" => each_nation(|target| Order::ImposeSanctions { target }),
        "lifting of sanctions" => each_nation(|target| Order::LiftSanctions { target }),
        "intelligence sharing" => each_nation(|with| Order::ShareIntelligence { with }),
        "posture" => keys_of::<Sector>(world)
            .into_iter()
            .flat_map(|s| pressures().map(move |pressure| Order::SetPosture { sector: s.clone(), pressure }))
            .collect(),
        "recommitment" => vec![Order::Recommit { measures: false }, Order::Recommit { measures: true }],
        "request for air support" => {
            keys_of::<Sector>(world).into_iter().map(|sector| Order::RequestAirSupport { sector }).collect()
        }
        "accusation" => each_nation(|nation| Order::Accuse { nation, violation: None }),
        "lobbying" => {
            let templates = keys_of::<MandateTemplate>(world);
            keys_of::<Institution>(world)
                .into_iter()
                .flat_map(|i| {
                    templates.iter().map(move |t| Order::Lobby { institution: i.clone(), template: t.clone() })
                })
                .collect()
        }
        "refusal of troops" => each_nation(|nation| Order::RefuseTroops { nation }),
        "consent to troops" => each_nation(|nation| Order::ConsentToTroops { nation }),
        _ => Vec::new(),
    }
}

/// Each template asked of each body, for the whole line or one sector, with the seat as its
/// contributor (as a menu builds it).
fn mandate_proposals(world: &mut World, seat: &str) -> Vec<Order> {
    let (templates, bodies) = (keys_of::<MandateTemplate>(world), keys_of::<Institution>(world));
    let wheres: Vec<Vec<String>> =
        std::iter::once(Vec::new()).chain(keys_of::<Sector>(world).into_iter().map(|s| vec![s])).collect();
    let mut v = Vec::new();
    for template in &templates {
        for institution in &bodies {
            for sectors in &wheres {
                v.push(Order::ProposeMandate {
                    template: template.clone(),
                    institution: institution.clone(),
                    sectors: sectors.clone(),
                    contributors: vec![seat.to_string()],
                    duration_turns: None,
                });
            }
        }
    }
    v
}

/// Every ballot on every open proposal.
fn votes(world: &World) -> Vec<Order> {
    let open: Vec<u64> = world
        .get_resource::<crate::institutions::Proposals>()
        .map(|p| p.open.iter().map(|p| p.id).collect())
        .unwrap_or_default();
    open.into_iter()
        .flat_map(|proposal| {
            [Ballot::Yes, Ballot::No, Ballot::Abstain].into_iter().map(move |ballot| Order::Vote { proposal, ballot })
        })
        .collect()
}

/// The order with its text (if it has one) replaced.
fn with_text(order: &Order, text: &str) -> Order {
    match order {
        Order::PrivateMessage { to, .. } => Order::PrivateMessage { to: to.clone(), text: text.into() },
        Order::PublicStatement { .. } => Order::PublicStatement { text: text.into() },
        other => other.clone(),
    }
}

/// The scenario ids of every entity with a `T`, in the scenario's order.
fn keys_of<T: Component>(world: &mut World) -> Vec<String> {
    keys_where::<T>(world, |_| true)
}

/// The scenario ids of the entities whose `T` passes `keep`, in the scenario's order.
fn keys_where<T: Component>(world: &mut World, keep: impl Fn(&T) -> bool) -> Vec<String> {
    let mut v: Vec<(StableId, String)> = world
        .query::<(&StableId, &Key, &T)>()
        .iter(world)
        .filter(|(_, _, x)| keep(x))
        .map(|(s, k, _)| (*s, k.0.clone()))
        .collect();
    v.sort_by_key(|(s, _)| *s);
    v.into_iter().map(|(_, k)| k).collect()
}

fn own_contingents(world: &mut World, me: Entity) -> Vec<String> {
    keys_where::<Contingent>(world, |c| c.owner == me)
}

fn offers_to(world: &mut World, me: Entity) -> Vec<String> {
    keys_where::<Guarantee>(world, |g| g.recipient == me && g.status == GuaranteeStatus::Offered)
}
