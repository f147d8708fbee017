//! Negotiation while the orders are open: press delivered at once (private, group channels,
//! public) under the game's press rules, and deals between seats that the rules settle.

pub mod deals;
pub mod press;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::scenario::model::PressRules;
pub use deals::{Deal, DealState, Offer};
pub use press::{Channel, PressItem, PressTo};

use crate::record::story::Reader;

/// Everything said and agreed in the game, in order. Rebuilt on resume by replaying the
/// journal, like the rest of the game.
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Talks {
    pub rules: PressRules,
    pub press: Vec<PressItem>,
    pub channels: Vec<Channel>,
    pub deals: Vec<Deal>,
}

impl Talks {
    /// Whether `reader` may read `item`: the white cell reads everything, everyone a public
    /// statement, a seat what it sent, what was sent to it and what its channels carry.
    pub fn may_read(&self, item: &PressItem, reader: Reader) -> bool {
        match (reader, &item.to) {
            (Reader::WhiteCell, _) | (_, PressTo::Public) => true,
            (Reader::Observer, _) => false,
            (Reader::Nation(n), PressTo::Seat(to)) => item.from == n || to == n,
            (Reader::Nation(n), PressTo::Channel(id)) => self.channel(*id).is_some_and(|c| c.has(n)),
        }
    }

    pub fn channel(&self, id: u64) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn deal(&self, id: u64) -> Option<&Deal> {
        self.deals.iter().find(|d| d.id == id)
    }

    /// The seats that may read `item` (beyond the white cell), by id.
    pub fn readers(&self, item: &PressItem) -> Option<Vec<String>> {
        match &item.to {
            PressTo::Public => None,
            PressTo::Seat(to) => Some(vec![item.from.clone(), to.clone()]),
            PressTo::Channel(id) => Some(self.channel(*id).map(|c| c.members.clone()).unwrap_or_default()),
        }
    }
}

/// What a connection knows of the negotiation: the press rules, its channels and its deals
/// (the white cell: all of them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TalkView {
    pub rules: PressRules,
    pub channels: Vec<Channel>,
    pub deals: Vec<DealView>,
}

/// A deal as a party reads it: the deal and its terms in words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DealView {
    pub deal: Deal,
    /// The whole deal in one sentence.
    pub words: String,
}

/// The negotiation as `reader` may know it.
pub fn talk_view(world: &World, reader: Reader) -> TalkView {
    let talks = world.resource::<Talks>();
    let concerns = |members: &[&str]| match reader {
        Reader::WhiteCell => true,
        Reader::Observer => false,
        Reader::Nation(n) => members.contains(&n),
    };
    TalkView {
        rules: talks.rules,
        channels: talks
            .channels
            .iter()
            .filter(|c| concerns(&c.members.iter().map(String::as_str).collect::<Vec<_>>()))
            .cloned()
            .collect(),
        deals: talks
            .deals
            .iter()
            .filter(|d| concerns(&[d.from.as_str(), d.to.as_str()]))
            .map(|d| DealView { deal: d.clone(), words: deals::in_words(world, d) })
            .collect(),
    }
}

/// The press items `reader` may read, the newest `most`.
pub fn press_for(world: &World, reader: Reader, most: usize) -> Vec<PressItem> {
    let talks = world.resource::<Talks>();
    let mut v: Vec<PressItem> =
        talks.press.iter().rev().filter(|i| talks.may_read(i, reader)).take(most).cloned().collect();
    v.reverse();
    v
}

/// Press and deals, and their settlement at each resolution.
pub struct NegotiationPlugin;

impl Plugin for NegotiationPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Talks>()
            .add_systems(Startup, adopt_press_rules.after(crate::world::spawn_active_scenario))
            .add_systems(
                crate::rules::ResolveTurn,
                (deals::lapse_unanswered_offers, deals::settle_deals)
                    .chain()
                    .in_set(crate::rules::Step::ApplyOrders)
                    .after(crate::rules::orders::apply_orders),
            );
    }
}

/// The game starts with the press rules its scenario sets.
fn adopt_press_rules(info: Option<Res<crate::world::ScenarioInfo>>, mut talks: ResMut<Talks>) {
    if let Some(info) = info {
        talks.rules = info.press;
    }
}
