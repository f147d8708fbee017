//! Building an order from menus: the kind, then each of its fields from the choices the game
//! offers now (nations, sectors, the seat's contingents, open proposals, guarantee offers).

use crate::protocol::{View, Welcome};
use crate::rules::Order;
use crate::rules::menu;
use crate::rules::orders::Ballot;
use crate::scenario::model::{Condition, GuaranteeComponent};

/// What a field asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field {
    Nation,
    Sector,
    SectorOrWhole,
    Template,
    Institution,
    Proposal,
    Contingent,
    Offer,
    Ballot,
    Pressure,
    YesNo,
    Component,
    When,
    Text,
}

/// A chosen value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Id(String),
    Number(f64),
    Yes(bool),
    Text(String),
    Ballot(Ballot),
    Component(GuaranteeComponent),
    When(Option<Condition>),
    /// Whole line (for a mandate's sectors).
    Nothing,
}

/// The fields of each kind of order, with their prompts.
pub fn fields(kind: &str) -> Vec<(&'static str, Field)> {
    use Field::*;
    match kind {
        "private message" => vec![("To whom", Nation), ("Message", Text)],
        "public statement" => vec![("Statement", Text)],
        "mandate proposal" => vec![("Mandate", Template), ("Asked of", Institution), ("Where", SectorOrWhole)],
        "vote" => vec![("Proposal", Proposal), ("Ballot", Ballot)],
        "pledge" => vec![("Contingent", Contingent), ("Sector", Sector), ("When", When)],
        "deployment" => vec![("Contingent", Contingent), ("Sector", Sector)],
        "withdrawal" => vec![("Contingent", Contingent)],
        "guarantee offer" => vec![("To", Nation), ("What", Component)],
        "acceptance of a guarantee" | "rejection of a guarantee" => vec![("Guarantee", Offer)],
        "sanctions" | "lifting of sanctions" => vec![("Target", Nation)],
        "intelligence sharing" => vec![("With", Nation)],
        "posture" => vec![("Sector", Sector), ("Pressure", Pressure)],
        "recommitment" => vec![("With concrete measures", YesNo)],
        "request for air support" => vec![("Sector", Sector)],
        "accusation" => vec![("Accuse", Nation)],
        "refusal of troops" => vec![("Refuse the troops of", Nation)],
        "consent to troops" => vec![("Consent to the troops of", Nation)],
        "lobbying" => vec![("Press the members of", Institution), ("To back a mandate like", Template)],
        _ => Vec::new(),
    }
}

/// The name of the nation, sector, body or mandate template `id`, as the welcome gives it; the id
/// itself when the welcome does not know it.
pub fn name_of(w: Option<&Welcome>, id: &str) -> String {
    w.and_then(|w| {
        w.nations
            .iter()
            .chain(&w.choices.institutions)
            .chain(&w.choices.templates)
            .find(|(k, _)| k == id)
            .map(|(_, n)| n.clone())
            .or_else(|| w.map.sectors.iter().find(|s| s.id == id).map(|s| s.name.clone()))
    })
    .unwrap_or_else(|| id.to_string())
}

/// The choices for a field: (what the menu shows, the value).
pub fn choices(field: Field, welcome: &Welcome, view: &View) -> Vec<(String, Value)> {
    let me = view.seat.clone().unwrap_or_default();
    let ids = |v: &[(String, String)]| -> Vec<(String, Value)> {
        v.iter().map(|(id, name)| (name.clone(), Value::Id(id.clone()))).collect()
    };
    let name = |id: &str| name_of(Some(welcome), id);
    match field {
        Field::Nation => ids(&welcome.nations.iter().filter(|(id, _)| *id != me).cloned().collect::<Vec<_>>()),
        Field::Sector => welcome.map.sectors.iter().map(|s| (s.name.clone(), Value::Id(s.id.clone()))).collect(),
        Field::SectorOrWhole => {
            let mut v = vec![("The whole line".to_string(), Value::Nothing)];
            v.extend(welcome.map.sectors.iter().map(|s| (s.name.clone(), Value::Id(s.id.clone()))));
            v
        }
        Field::Template => template_choices(welcome),
        Field::Institution => ids(&welcome.choices.institutions),
        Field::Proposal => proposal_choices(welcome, view),
        Field::Contingent => view
            .briefing
            .own
            .iter()
            .flat_map(|o| &o.contingents)
            .map(|(id, kind, size, at)| (format!("{id}: {size} {kind}, at {}", name(at)), Value::Id(id.clone())))
            .collect(),
        Field::Offer => view
            .briefing
            .own
            .iter()
            .flat_map(|o| &o.offers)
            .map(|(id, from)| (format!("{id} from {}", name(from)), Value::Id(id.clone())))
            .collect(),
        Field::Ballot => [("Yes", Ballot::Yes), ("No", Ballot::No), ("Abstain", Ballot::Abstain)]
            .into_iter()
            .map(|(l, b)| (l.to_string(), Value::Ballot(b)))
            .collect(),
        Field::Pressure => menu::pressures()
            .map(|p| {
                let words = if p == 0.0 {
                    " (hold fire)"
                } else if p == 1.0 {
                    " (push hard)"
                } else {
                    ""
                };
                (format!("{p:.1}{words}"), Value::Number(p))
            })
            .collect(),
        Field::YesNo => vec![("No".to_string(), Value::Yes(false)), ("Yes".to_string(), Value::Yes(true))],
        Field::Component => menu::COMPONENTS.into_iter().map(|c| (format!("{c:?}"), Value::Component(c))).collect(),
        Field::When => menu::pledge_conditions().into_iter().map(|(l, c)| (l.to_string(), Value::When(c))).collect(),
        Field::Text => Vec::new(),
    }
}

/// The mandate templates by name, each with its cost when it has one.
fn template_choices(welcome: &Welcome) -> Vec<(String, Value)> {
    welcome
        .choices
        .templates
        .iter()
        .map(|(id, name)| {
            let cost = welcome.mandates.iter().find(|t| t.id == *id).map(|t| t.cost);
            let label = match cost {
                Some(c) if c > 0 => format!("{name} (costs {c})"),
                _ => name.clone(),
            };
            (label, Value::Id(id.clone()))
        })
        .collect()
}

/// The proposals the seat may vote on, in words.
fn proposal_choices(welcome: &Welcome, view: &View) -> Vec<(String, Value)> {
    let name = |id: &str| name_of(Some(welcome), id);
    view.options
        .iter()
        .flat_map(|o| &o.proposals)
        .map(|p| {
            let r#where = if p.sectors.is_empty() {
                "whole line".to_string()
            } else {
                p.sectors.iter().map(|s| name(s)).collect::<Vec<_>>().join(", ")
            };
            (
                format!(
                    "proposal {}: {} to {} by {} ({where})",
                    p.id,
                    name(&p.template),
                    name(&p.institution),
                    name(&p.proposer)
                ),
                Value::Number(p.id as f64),
            )
        })
        .collect()
}

/// The order the chosen values make, for the seat `me`.
pub fn build(kind: &str, values: &[Value], me: &str) -> Option<Order> {
    let id = |i: usize| match values.get(i) {
        Some(Value::Id(s)) => Some(s.clone()),
        _ => None,
    };
    let text = |i: usize| match values.get(i) {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    };
    Some(match kind {
        "private message" => Order::PrivateMessage { to: id(0)?, text: text(1)? },
        "public statement" => Order::PublicStatement { text: text(0)? },
        "mandate proposal" => Order::ProposeMandate {
            template: id(0)?,
            institution: id(1)?,
            sectors: id(2).into_iter().collect(),
            contributors: vec![me.to_string()],
            duration_turns: None,
        },
        "vote" => match (values.first(), values.get(1)) {
            (Some(Value::Number(p)), Some(Value::Ballot(b))) => Order::Vote { proposal: *p as u64, ballot: *b },
            _ => return None,
        },
        "pledge" => Order::Pledge {
            contingent: id(0)?,
            sector: id(1)?,
            condition: match values.get(2) {
                Some(Value::When(c)) => c.clone(),
                _ => None,
            },
        },
        "deployment" => Order::Deploy { contingent: id(0)?, sector: id(1)? },
        "withdrawal" => Order::Withdraw { contingent: id(0)? },
        "guarantee offer" => match values.get(1) {
            Some(Value::Component(c)) => Order::OfferGuarantee { recipient: id(0)?, components: vec![*c] },
            _ => return None,
        },
        "acceptance of a guarantee" => Order::AcceptGuarantee { guarantee: id(0)? },
        "rejection of a guarantee" => Order::RejectGuarantee { guarantee: id(0)? },
        "sanctions" => Order::ImposeSanctions { target: id(0)? },
        "lifting of sanctions" => Order::LiftSanctions { target: id(0)? },
        "intelligence sharing" => Order::ShareIntelligence { with: id(0)? },
        "posture" => match values.get(1) {
            Some(Value::Number(p)) => Order::SetPosture { sector: id(0)?, pressure: *p },
            _ => return None,
        },
        "recommitment" => match values.first() {
            Some(Value::Yes(m)) => Order::Recommit { measures: *m },
            _ => return None,
        },
        "request for air support" => Order::RequestAirSupport { sector: id(0)? },
        "accusation" => Order::Accuse { nation: id(0)?, violation: None },
        "refusal of troops" => Order::RefuseTroops { nation: id(0)? },
        "consent to troops" => Order::ConsentToTroops { nation: id(0)? },
        "lobbying" => Order::Lobby { institution: id(0)?, template: id(1)? },
        _ => return None,
    })
}

/// Whether choosing `candidate` after `chosen` can still end in one of the `menu`'s orders of
/// `kind` (the orders the server would take now). Text is the sender's and matches any.
pub fn leads_to_one(kind: &str, chosen: &[Value], candidate: &Value, menu: &[Order]) -> bool {
    let at = chosen.len();
    menu.iter().filter(|o| o.kind() == kind).map(values_of).any(|values| {
        let same = |(a, b): (&Value, &Value)| matches!((a, b), (Value::Text(_), Value::Text(_))) || a == b;
        values.len() > at && chosen.iter().zip(&values).all(same) && same((candidate, &values[at]))
    })
}

/// The values the menus choose for `order`, field by field: what `build` turns back into it.
pub fn values_of(order: &Order) -> Vec<Value> {
    let id = |s: &String| Value::Id(s.clone());
    match order {
        Order::PrivateMessage { to, text } => vec![id(to), Value::Text(text.clone())],
        Order::PublicStatement { text } => vec![Value::Text(text.clone())],
        Order::ProposeMandate { template, institution, sectors, .. } => {
            vec![id(template), id(institution), sectors.first().map_or(Value::Nothing, id)]
        }
        Order::Vote { proposal, ballot } => vec![Value::Number(*proposal as f64), Value::Ballot(*ballot)],
        Order::Pledge { contingent, sector, condition } => {
            vec![id(contingent), id(sector), Value::When(condition.clone())]
        }
        Order::Deploy { contingent, sector } => vec![id(contingent), id(sector)],
        Order::Withdraw { contingent } => vec![id(contingent)],
        Order::OfferGuarantee { recipient, components } => {
            let mut v = vec![id(recipient)];
            v.extend(components.first().map(|c| Value::Component(*c)));
            v
        }
        Order::AcceptGuarantee { guarantee } | Order::RejectGuarantee { guarantee } => vec![id(guarantee)],
        Order::ImposeSanctions { target } | Order::LiftSanctions { target } => vec![id(target)],
        Order::ShareIntelligence { with } => vec![id(with)],
        Order::SetPosture { sector, pressure } => vec![id(sector), Value::Number(*pressure)],
        Order::Recommit { measures } => vec![Value::Yes(*measures)],
        Order::RequestAirSupport { sector } => vec![id(sector)],
        Order::Accuse { nation, .. } | Order::RefuseTroops { nation } | Order::ConsentToTroops { nation } => {
            vec![id(nation)]
        }
        Order::Lobby { institution, template } => vec![id(institution), id(template)],
    }
}

/// An order in words, with the names of the nations, sectors, bodies and mandates it names (as
/// the welcome gives them; an id the welcome does not know is shown as it is).
pub fn describe(order: &Order, w: Option<&crate::protocol::Welcome>) -> String {
    let name = |id: &str| name_of(w, id);
    match order {
        Order::PrivateMessage { to, text } => format!("message to {}: {text}", name(to)),
        Order::PublicStatement { text } => format!("statement: {text}"),
        Order::ProposeMandate { template, institution, sectors, .. } => {
            let r#where = if sectors.is_empty() {
                "whole line".into()
            } else {
                sectors.iter().map(|s| name(s)).collect::<Vec<_>>().join(", ")
            };
            format!("propose {} to {} ({where})", name(template), name(institution))
        }
        Order::Vote { proposal, ballot } => format!("vote {ballot:?} on proposal {proposal}"),
        Order::Pledge { contingent, sector, condition } => match condition {
            None => format!("pledge {contingent} to {} at once", name(sector)),
            Some(_) => format!("pledge {contingent} to {} on a condition", name(sector)),
        },
        Order::Withdraw { contingent } => format!("withdraw {contingent}"),
        Order::Deploy { contingent, sector } => format!("deploy {contingent} to {}", name(sector)),
        Order::OfferGuarantee { recipient, components } => {
            let parts: Vec<String> = components.iter().map(|c| format!("{c:?}")).collect();
            format!("offer {} a guarantee: {}", name(recipient), parts.join(", "))
        }
        Order::AcceptGuarantee { guarantee } => format!("accept guarantee {guarantee}"),
        Order::RejectGuarantee { guarantee } => format!("reject guarantee {guarantee}"),
        Order::ImposeSanctions { target } => format!("sanction {}", name(target)),
        Order::LiftSanctions { target } => format!("lift sanctions on {}", name(target)),
        Order::ShareIntelligence { with } => format!("share intelligence with {}", name(with)),
        Order::SetPosture { sector, pressure } => format!("posture {pressure:.1} in {}", name(sector)),
        Order::Recommit { measures } => {
            if *measures {
                "recommit, with measures".into()
            } else {
                "recommit".into()
            }
        }
        Order::RequestAirSupport { sector } => format!("request air support in {}", name(sector)),
        Order::Accuse { nation, .. } => format!("accuse {}", name(nation)),
        Order::RefuseTroops { nation } => format!("refuse {}'s troops", name(nation)),
        Order::ConsentToTroops { nation } => format!("consent to {}'s troops", name(nation)),
        Order::Lobby { institution, template } => format!("lobby {} for {}", name(institution), name(template)),
    }
}
