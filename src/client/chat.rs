//! The chat panel's state and keys: the conversations a seat has (public, each other seat, each
//! channel) with their unread marks, the line being typed, and the offer dialog (your term built
//! like an order, then what you ask for, from a list).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::form::name_of as name;
use super::{Action, Builder, Client, Tab};
use crate::negotiation::{DealState, Offer, PressItem, PressTo};
use crate::protocol::{ClientMessage, Role, View, Welcome, is_control};
use crate::rules::{Ballot, Order};

/// One conversation of the chat panel.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conversation {
    Public,
    /// Privately with one seat (a player's view).
    Seat(String),
    Channel(u64),
    /// Two seats' private messages (the white cell reads them all).
    Pair(String, String),
}

/// The conversation a piece of press belongs to, for the reader in `me` (`None`: the white cell
/// or an observer).
pub fn conversation(item: &PressItem, me: Option<&str>) -> Conversation {
    match (&item.to, me) {
        (PressTo::Public, _) => Conversation::Public,
        (PressTo::Channel(id), _) => Conversation::Channel(*id),
        (PressTo::Seat(to), Some(me)) => {
            Conversation::Seat(if item.from == me { to.clone() } else { item.from.clone() })
        }
        (PressTo::Seat(to), None) => {
            let (a, b) = if item.from <= *to { (&item.from, to) } else { (to, &item.from) };
            Conversation::Pair(a.clone(), b.clone())
        }
    }
}

/// What the chat panel is doing besides showing a conversation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chat {
    /// The conversation shown, by its place in `conversations`.
    pub selected: usize,
    /// A message being typed.
    pub typing: Option<String>,
    /// What is typed opens a channel (`name: seat seat…`) rather than saying something.
    pub opening: bool,
    /// An offer being put together.
    pub offer: Option<OfferForm>,
}

/// The offer dialog: your terms come from the order builder; then one of `asks` is chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferForm {
    pub to: String,
    pub give: Vec<Order>,
    /// Once `give` has a term: the list of asks and the one under the cursor.
    pub cursor: usize,
}

/// The conversations to list, with their labels: public first, then each other seat, then each
/// channel (the white cell: each pair that has spoken, then the channels).
pub fn conversations(view: &View, welcome: Option<&Welcome>) -> Vec<(Conversation, String)> {
    let mut out = vec![(Conversation::Public, "Public".to_string())];
    match view.seat.as_deref() {
        Some(me) => {
            for (id, n) in welcome.iter().flat_map(|w| &w.nations).filter(|(id, _)| id != me) {
                out.push((Conversation::Seat(id.clone()), n.clone()));
            }
        }
        None => {
            let mut pairs: Vec<Conversation> = view
                .press
                .iter()
                .map(|i| conversation(i, None))
                .filter(|c| matches!(c, Conversation::Pair(..)))
                .collect();
            pairs.sort();
            pairs.dedup();
            for p in pairs {
                if let Conversation::Pair(a, b) = &p {
                    let label = format!("{} ↔ {}", name(welcome, a), name(welcome, b));
                    out.push((p.clone(), label));
                }
            }
        }
    }
    for c in view.talk.iter().flat_map(|t| &t.channels) {
        out.push((Conversation::Channel(c.id), format!("#{}", c.name)));
    }
    out
}

/// What the client asks of the other seat in an offer: the asks the rules can check, from what
/// the client knows (the other seat's posture in each sector, its recommitment, a vote on each
/// open proposal, and what it could do for this seat).
pub fn asks(view: &View, welcome: Option<&Welcome>) -> Vec<(Order, String)> {
    let me = view.seat.clone().unwrap_or_default();
    let mut out = Vec::new();
    for s in welcome.iter().flat_map(|w| &w.map.sectors) {
        out.push((
            Order::SetPosture { sector: s.id.clone(), pressure: 0.2 },
            format!("hold fire in {} (pressure at most 0.2)", s.name),
        ));
    }
    out.push((Order::Recommit { measures: true }, "recommit to the ceasefire with measures".into()));
    out.push((Order::Recommit { measures: false }, "recommit to the ceasefire".into()));
    for p in view.options.iter().flat_map(|o| &o.proposals) {
        out.push((
            Order::Vote { proposal: p.id, ballot: Ballot::Yes },
            format!("vote yes on proposal {} ({})", p.id, name(welcome, &p.template)),
        ));
    }
    out.push((Order::LiftSanctions { target: me.clone() }, "lift its sanctions on you".into()));
    out.push((Order::ConsentToTroops { nation: me.clone() }, "consent to your troops".into()));
    out.push((Order::ShareIntelligence { with: me }, "share intelligence with you".into()));
    out
}

/// A channel as typed: `name: seat seat…` (seats by id, spaces or commas between them).
pub fn opening(text: &str) -> Option<(String, Vec<String>)> {
    let (name, seats) = text.split_once(':')?;
    let members: Vec<String> =
        seats.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    (!name.trim().is_empty() && !members.is_empty()).then(|| (name.trim().to_string(), members))
}

/// The newest offer waiting for this seat's answer in the conversation shown.
fn waiting_offer(view: &View, with: &str) -> Option<u64> {
    let me = view.seat.as_deref()?;
    view.talk
        .iter()
        .flat_map(|t| &t.deals)
        .rev()
        .find(|d| d.deal.to == me && d.deal.from == with && d.deal.state == DealState::Offered)
        .map(|d| d.deal.id)
}

impl Client {
    /// The conversation the chat panel shows.
    pub fn shown_conversation(&self) -> Option<Conversation> {
        let v = self.view.as_ref()?;
        let list = conversations(v, self.welcome.as_ref());
        list.get(self.chat.selected.min(list.len().saturating_sub(1))).map(|(c, _)| c.clone())
    }

    /// Handles a key in the chat panel; `None` when the key is not the panel's.
    pub fn on_chat_key(&mut self, key: KeyEvent) -> Option<Vec<Action>> {
        if self.tab != Tab::Chat {
            return None;
        }
        // The builder was left without a term: there is no offer.
        if self.builder.is_none() && self.chat.offer.as_ref().is_some_and(|o| o.give.is_empty()) {
            self.chat.offer = None;
        }
        if self.chat.typing.is_some() {
            return Some(self.on_typing_key(key));
        }
        if self.chat.offer.as_ref().is_some_and(|o| !o.give.is_empty()) {
            return Some(self.on_ask_key(key));
        }
        let count = self.view.as_ref().map_or(0, |v| conversations(v, self.welcome.as_ref()).len());
        let player = self.role() == Role::Player;
        let shown = self.shown_conversation();
        match key.code {
            KeyCode::Up => self.chat.selected = self.chat.selected.saturating_sub(1),
            KeyCode::Down => self.chat.selected = (self.chat.selected + 1).min(count.saturating_sub(1)),
            KeyCode::Enter | KeyCode::Char('m') if player => {
                self.chat.typing = Some(String::new());
                self.chat.opening = false;
            }
            KeyCode::Char('c') if player => {
                self.chat.typing = Some(String::new());
                self.chat.opening = true;
            }
            KeyCode::Char('f') if player => {
                let Some(Conversation::Seat(to)) = shown else {
                    self.event("✘ choose a seat to make an offer to".into());
                    return Some(Vec::new());
                };
                self.chat.offer = Some(OfferForm { to, give: Vec::new(), cursor: 0 });
                self.builder =
                    Some(Builder { kind: None, values: Vec::new(), cursor: 0, text: String::new(), menu: None });
            }
            KeyCode::Char('y') | KeyCode::Char('x') if player => {
                let Some(Conversation::Seat(with)) = shown else { return Some(Vec::new()) };
                let Some(deal) = self.view.as_ref().and_then(|v| waiting_offer(v, &with)) else {
                    self.event("✘ no offer from them is waiting for your answer".into());
                    return Some(Vec::new());
                };
                let accept = key.code == KeyCode::Char('y');
                return Some(vec![Action::Send(ClientMessage::Answer { deal, accept, reason: String::new() })]);
            }
            _ => return None,
        }
        if let Some(c) = self.shown_conversation() {
            self.unread.remove(&c);
        }
        Some(Vec::new())
    }

    fn on_typing_key(&mut self, key: KeyEvent) -> Vec<Action> {
        let Some(text) = self.chat.typing.as_mut() else { return Vec::new() };
        match key.code {
            KeyCode::Esc => self.chat.typing = None,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) if !is_control(c) && text.chars().count() < crate::rules::orders::MAX_TEXT_CHARS => {
                text.push(c)
            }
            KeyCode::Enter if self.chat.opening => {
                let text = self.chat.typing.take().unwrap_or_default();
                match opening(&text) {
                    Some((name, members)) => return vec![Action::Send(ClientMessage::OpenChannel { name, members })],
                    None => self.event("✘ a channel is opened as `name: seat seat…`, e.g. `back room: fra ita`".into()),
                }
            }
            KeyCode::Enter => {
                let text = self.chat.typing.take().unwrap_or_default();
                let to = match self.shown_conversation() {
                    Some(Conversation::Seat(s)) => PressTo::Seat(s),
                    Some(Conversation::Channel(id)) => PressTo::Channel(id),
                    _ => PressTo::Public,
                };
                if !text.trim().is_empty() {
                    return vec![Action::Send(ClientMessage::Press { to, text })];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Choosing what to ask for, once your term is built.
    fn on_ask_key(&mut self, key: KeyEvent) -> Vec<Action> {
        let asks = self.view.as_ref().map(|v| asks(v, self.welcome.as_ref())).unwrap_or_default();
        let Some(form) = self.chat.offer.as_mut() else { return Vec::new() };
        match key.code {
            KeyCode::Esc => self.chat.offer = None,
            KeyCode::Up => form.cursor = form.cursor.saturating_sub(1),
            KeyCode::Down => form.cursor = (form.cursor + 1).min(asks.len().saturating_sub(1)),
            KeyCode::Enter => {
                let Some((want, _)) = asks.get(form.cursor) else { return Vec::new() };
                let offer = Offer {
                    to: form.to.clone(),
                    give: form.give.clone(),
                    want: vec![want.clone()],
                    until_turn: None,
                    note: String::new(),
                };
                self.chat.offer = None;
                return vec![Action::Send(ClientMessage::Offer(offer))];
            }
            _ => {}
        }
        Vec::new()
    }

    /// The order builder finished an order: in the offer dialog it is your term, not an order.
    pub fn built(&mut self, order: Order) -> Vec<Action> {
        if let Some(form) = self.chat.offer.as_mut() {
            form.give.push(order);
            self.tab = Tab::Chat;
            return Vec::new();
        }
        self.tab = Tab::Orders;
        vec![Action::Send(ClientMessage::Order(order))]
    }
}
