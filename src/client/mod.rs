//! The terminal client: what a player, observer, projector or facilitator sees and does, drawn
//! with ratatui from what the server sent, cleaned and bounded; the network bot; and the loop
//! that keeps both connected.

pub mod bot;
pub mod chat;
pub mod form;
pub mod guard;
pub mod run;
pub mod ui;

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::protocol::{
    ClientMessage, Command, IncidentPage, Role, ServerMessage, TurnStory, View, Welcome, is_control,
};
use crate::rules::Phase;
use crate::rules::orders::SeatAction;
use form::{Field, Value};

/// Verdicts and announcements kept, newest: the inbox shows a few, and a server that sends a
/// stream of them must not fill the memory.
pub const MAX_EVENTS: usize = 500;
/// Stories of turns kept, newest: every turn of any scenario, and a bound on what a server can
/// make the client hold.
pub const MAX_STORIES: usize = 500;

/// The panels on the right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// The story of a turn: what changed and why, the events, the worst incidents; every incident
    /// by page.
    Story,
    /// A player's objectives, the offers before it and its postures, in words.
    Goals,
    Orders,
    Seats,
    /// The white cell's drafts and log (the facilitator's).
    WhiteCell,
    /// Press and deals: the conversations, the line being typed, the offers.
    Chat,
}

/// The state of the connection, as the client shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Connected,
    /// Lost; trying again (why it was lost).
    Reconnecting(String),
    /// Closed by the server on purpose; not tried again.
    Closed(String),
}

/// An order being built from menus.
#[derive(Clone, Debug, PartialEq)]
pub struct Builder {
    /// `None` while the kind is being chosen.
    pub kind: Option<String>,
    pub values: Vec<Value>,
    pub cursor: usize,
    pub text: String,
    /// The orders of the chosen kind the server would take now, once it has answered: each
    /// field offers only the choices that lead to one of them.
    pub menu: Option<Vec<crate::rules::Order>>,
}

/// Everything the client knows and shows.
pub struct Client {
    pub welcome: Option<Welcome>,
    pub view: Option<View>,
    /// The stories of the turns had so far, by turn: each view brings the last turn's, and
    /// earlier ones come when asked for (after a rejoin, say). The newest `MAX_STORIES`.
    pub stories: BTreeMap<u32, TurnStory>,
    /// The turn the story panel shows; `None` follows the last one.
    pub story_turn: Option<u32>,
    /// The page of incidents shown under the story, when one was asked for.
    pub page: Option<IncidentPage>,
    /// What the client must send without a key being pressed (a refresh when a patch does not
    /// fit the view held).
    pub outbox: Vec<ClientMessage>,
    /// Verdicts, refusals and announcements, newest last; the newest `MAX_EVENTS`.
    pub events: Vec<String>,
    pub link: Link,
    pub tab: Tab,
    pub sector: usize,
    pub scroll: usize,
    /// Selected line in the orders or seats list.
    pub line: usize,
    pub builder: Option<Builder>,
    /// A facilitator's command being typed after `:`.
    pub prompt: Option<String>,
    pub help: bool,
    /// The server closed this connection on purpose (the facilitator kicked it): do not rejoin.
    pub closed: Option<String>,
    /// When the clock in `view` was read from the server: the client counts down from it on its
    /// own, so the time left moves every second whether or not anything else arrives.
    pub clock_read: Option<std::time::Instant>,
    pub chat: chat::Chat,
    /// Press not yet read, by conversation.
    pub unread: BTreeMap<chat::Conversation, u32>,
}

/// What a key asks the loop to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Send(ClientMessage),
    Quit,
}

impl Default for Client {
    fn default() -> Self {
        Client {
            welcome: None,
            view: None,
            stories: BTreeMap::new(),
            story_turn: None,
            page: None,
            outbox: Vec::new(),
            events: Vec::new(),
            link: Link::Connecting,
            tab: Tab::Story,
            sector: 0,
            scroll: 0,
            line: 0,
            builder: None,
            prompt: None,
            help: false,
            closed: None,
            clock_read: None,
            chat: chat::Chat::default(),
            unread: BTreeMap::new(),
        }
    }
}

impl Client {
    pub fn role(&self) -> Role {
        self.welcome.as_ref().map_or(Role::Observer, |w| w.role)
    }

    pub fn phase(&self) -> Option<Phase> {
        self.view.as_ref().map(|v| v.phase)
    }

    /// The time left in the phase at `now`: what the server last said, less the time since it
    /// said it, unless the clock is paused. None when the phase is not timed.
    pub fn remaining_ms(&self, now: std::time::Instant) -> Option<u64> {
        let clock = &self.view.as_ref()?.clock;
        let left = clock.remaining_ms?;
        if clock.paused {
            return Some(left);
        }
        let since = self.clock_read.map_or(0, |t| now.saturating_duration_since(t).as_millis() as u64);
        Some(left.saturating_sub(since))
    }

    /// Takes in one message from the server, cleaned and bounded first (see `guard`).
    pub fn on_message(&mut self, message: ServerMessage) {
        let Some(message) = guard::guard(message) else {
            self.event("✘ the server sent a message this client cannot read".into());
            return;
        };
        match message {
            ServerMessage::Welcome(w) => {
                if self.welcome.is_none() && w.role.omniscient() {
                    self.tab = Tab::Seats;
                }
                self.welcome = Some(*w);
            }
            ServerMessage::View(v) => {
                if let Some(s) = &v.story {
                    self.take_story(s.clone());
                }
                self.view = Some(*v);
                self.clock_read = Some(std::time::Instant::now());
            }
            ServerMessage::Patch(p) => {
                if let Some(Some(s)) = &p.story {
                    self.take_story(s.clone());
                }
                let clock = p.clock.is_some();
                let applied = self.view.as_mut().is_some_and(|v| p.apply(v));
                if !applied {
                    // Not the view it was made from: ask for the whole view again.
                    self.outbox.push(ClientMessage::Refresh);
                } else if clock {
                    self.clock_read = Some(std::time::Instant::now());
                }
            }
            ServerMessage::Story(s) => self.take_story(*s),
            ServerMessage::Menu(m) => {
                let turn = self.view.as_ref().map(|v| v.turn);
                if let Some(b) = self.builder.as_mut()
                    && b.kind.as_deref() == Some(m.kind.as_str())
                    && turn == Some(m.turn)
                {
                    b.menu = Some(m.orders);
                }
            }
            ServerMessage::Incidents(p) => {
                if Some(p.turn) == self.shown_turn() {
                    self.page = Some(*p);
                }
            }
            ServerMessage::Verdict(v) => {
                let line = if v.accepted {
                    match v.id {
                        Some(id) => format!("✔ {} accepted as order {id} (cost {})", v.what, v.cost),
                        None => format!("✔ {} done", v.what),
                    }
                } else {
                    format!("✘ {} refused: {}", v.what, v.reason)
                };
                self.event(line);
            }
            ServerMessage::Refused { what, reason } => self.event(format!("✘ {what} refused: {reason}")),
            ServerMessage::Done { what } => self.event(format!("✔ {what}")),
            ServerMessage::Clock(c) => {
                if let Some(v) = self.view.as_mut() {
                    v.clock = c;
                    self.clock_read = Some(std::time::Instant::now());
                }
            }
            ServerMessage::Seats(s) => {
                if let Some(v) = self.view.as_mut() {
                    v.seats = s;
                }
            }
            ServerMessage::Notice(n) => self.event(format!("📣 {n}")),
            ServerMessage::Press(item) => self.take_press(*item),
            ServerMessage::Goodbye { reason, rejoin: true } => {
                self.event(format!("The server closed this connection: {reason}; trying again shortly"));
            }
            ServerMessage::Goodbye { reason, rejoin: false } => {
                self.event(format!("The server closed this connection: {reason}"));
                self.closed = Some(reason);
            }
        }
    }

    /// Adds a line to the events, forgetting the oldest past `MAX_EVENTS`.
    pub fn event(&mut self, line: String) {
        self.events.push(line);
        guard::keep_newest(&mut self.events, MAX_EVENTS);
    }

    /// Keeps a piece of press in the view's (once, in order, the newest `PRESS_IN_VIEW`) and
    /// marks its conversation unread.
    fn take_press(&mut self, item: crate::negotiation::PressItem) {
        let Some(v) = self.view.as_mut() else { return };
        if v.press.iter().any(|p| p.n == item.n) {
            return;
        }
        let at = v.press.partition_point(|p| p.n < item.n);
        v.press.insert(at, item.clone());
        guard::keep_newest(&mut v.press, crate::negotiation::press::PRESS_IN_VIEW);
        let mine = v.seat.as_deref() == Some(item.from.as_str());
        if !mine {
            *self.unread.entry(chat::conversation(&item, v.seat.as_deref())).or_default() += 1;
        }
    }

    /// Keeps a turn's story, forgetting the oldest past `MAX_STORIES`.
    fn take_story(&mut self, story: TurnStory) {
        self.stories.insert(story.turn, story);
        while self.stories.len() > MAX_STORIES {
            self.stories.pop_first();
        }
    }

    /// The turn the story panel shows: the one chosen, or the last one had.
    pub fn shown_turn(&self) -> Option<u32> {
        self.story_turn.or_else(|| self.stories.last_key_value().map(|(t, _)| *t))
    }

    /// The story the panel shows, if the client holds it.
    pub fn shown_story(&self) -> Option<&TurnStory> {
        self.stories.get(&self.shown_turn()?)
    }

    /// Moves the story panel `by` turns (back when negative), asking for a story it does not
    /// hold.
    fn step_story(&mut self, by: i64) -> Vec<Action> {
        let last =
            self.stories.last_key_value().map(|(t, _)| *t).max(self.view.as_ref().map(|v| v.turn.saturating_sub(1)));
        let (Some(last), Some(at)) = (last, self.shown_turn()) else { return Vec::new() };
        let turn = (i64::from(at) + by).clamp(1, i64::from(last.max(1))) as u32;
        self.story_turn = (turn != last).then_some(turn);
        self.page = None;
        self.scroll = 0;
        if self.stories.contains_key(&turn) { Vec::new() } else { vec![Action::Send(ClientMessage::Story { turn })] }
    }

    /// Asks for the next page of the shown turn's incidents (back when `by` is negative); past the
    /// last page, the story again.
    fn step_page(&mut self, by: i64) -> Vec<Action> {
        let Some(story) = self.shown_story() else { return Vec::new() };
        let (turn, pages, incidents) = (story.turn, story.pages, story.incidents);
        let next = match &self.page {
            None if by > 0 => 0,
            None => i64::from(pages) - 1,
            Some(p) => i64::from(p.page) + by,
        };
        self.scroll = 0;
        if incidents == 0 || next < 0 || next >= i64::from(pages) {
            self.page = None;
            return Vec::new();
        }
        vec![Action::Send(ClientMessage::Incidents { turn, page: next as u32 })]
    }

    fn tabs(&self) -> Vec<Tab> {
        match self.role() {
            Role::Player => vec![Tab::Story, Tab::Goals, Tab::Orders, Tab::Chat, Tab::Seats],
            Role::Observer | Role::Projector => vec![Tab::Story, Tab::Chat, Tab::Seats],
            Role::Facilitator => vec![Tab::Seats, Tab::WhiteCell, Tab::Chat, Tab::Story],
        }
    }

    fn sectors(&self) -> usize {
        self.welcome.as_ref().map_or(0, |w| w.map.sectors.len())
    }

    /// Handles a key; returns what to send (or to quit).
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return vec![Action::Quit];
        }
        if self.help {
            self.help = false;
            return Vec::new();
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(key);
        }
        if self.builder.is_some() {
            return self.on_builder_key(key);
        }
        if let Some(actions) = self.on_chat_key(key) {
            return actions;
        }
        let player = self.role() == Role::Player;
        match key.code {
            KeyCode::Char('q') => return vec![Action::Quit],
            KeyCode::Char('?') | KeyCode::Char('h') | KeyCode::F(1) => self.help = true,
            KeyCode::Tab | KeyCode::BackTab => {
                let tabs = self.tabs();
                let at = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
                let next = if key.code == KeyCode::Tab { at + 1 } else { at + tabs.len() - 1 };
                self.tab = tabs[next % tabs.len()];
                self.scroll = 0;
                self.line = 0;
            }
            KeyCode::Left | KeyCode::Char('[') => self.sector = self.sector.saturating_sub(1),
            KeyCode::Right | KeyCode::Char(']') => {
                self.sector = (self.sector + 1).min(self.sectors().saturating_sub(1));
            }
            KeyCode::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                self.line = self.line.saturating_sub(1);
            }
            KeyCode::Down => {
                self.scroll += 1;
                self.line += 1;
            }
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::PageDown => self.scroll += 10,
            KeyCode::Char('r') => return vec![Action::Send(ClientMessage::Refresh)],
            KeyCode::Char('<') | KeyCode::Char(',') => return self.step_story(-1),
            KeyCode::Char('>') | KeyCode::Char('.') => return self.step_story(1),
            KeyCode::Char('i') if self.tab == Tab::Story => return self.step_page(1),
            KeyCode::Char('I') if self.tab == Tab::Story => return self.step_page(-1),
            KeyCode::Char('n') | KeyCode::Char('o') if player => {
                self.builder =
                    Some(Builder { kind: None, values: Vec::new(), cursor: 0, text: String::new(), menu: None });
            }
            // Lock and unlock are two keys, not one toggle: a team-mate's press never undoes yours.
            KeyCode::Char('l') if player => return vec![Action::Send(ClientMessage::Seat(SeatAction::Lock))],
            KeyCode::Char('u') if player => return vec![Action::Send(ClientMessage::Seat(SeatAction::Unlock))],
            KeyCode::Char('a') if player => {
                // Hand in the advisor's orders that are not in the draft yet.
                let Some(v) = self.view.as_ref() else { return Vec::new() };
                let draft: Vec<_> = v.draft.iter().flat_map(|d| &d.orders).map(|d| d.order.clone()).collect();
                return v
                    .options
                    .iter()
                    .flat_map(|o| &o.advice)
                    .filter(|o| !draft.contains(o))
                    .map(|o| Action::Send(ClientMessage::Order(o.clone())))
                    .collect();
            }
            KeyCode::Char('d') | KeyCode::Delete if player && self.tab == Tab::Orders => {
                let id = self
                    .view
                    .as_ref()
                    .and_then(|v| v.draft.as_ref())
                    .and_then(|d| d.orders.get(self.line.min(d.orders.len().saturating_sub(1))))
                    .map(|o| o.id);
                if let Some(id) = id {
                    return vec![Action::Send(ClientMessage::Seat(SeatAction::Retract(id)))];
                }
            }
            KeyCode::Char(':') if self.role() == Role::Facilitator => self.prompt = Some(String::new()),
            KeyCode::Char('s') if self.role() == Role::Facilitator && self.phase() == Some(Phase::Lobby) => {
                return vec![Action::Send(ClientMessage::Command(Command::Start))];
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_prompt_key(&mut self, key: KeyEvent) -> Vec<Action> {
        let Some(text) = self.prompt.as_mut() else { return Vec::new() };
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Enter => {
                let line = std::mem::take(text);
                self.prompt = None;
                if let Some(answer) = self.local_command(&line) {
                    self.event(answer);
                    return Vec::new();
                }
                match Command::parse(&line) {
                    Ok(c) => return vec![Action::Send(ClientMessage::Command(c))],
                    Err(e) => self.event(format!("✘ {e}")),
                }
            }
            // Typed text is text too: no control character reaches a command.
            KeyCode::Char(c) if !is_control(c) && text.chars().count() < crate::protocol::MAX_ANNOUNCEMENT_CHARS => {
                text.push(c)
            }
            _ => {}
        }
        Vec::new()
    }

    /// The console's words that this client answers itself from what it holds: `help`, `status`
    /// and `injects`; `quit` and the script-only words are the server terminal's.
    fn local_command(&self, line: &str) -> Option<String> {
        let word = line.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        let v = self.view.as_ref();
        Some(match word.as_str() {
            "help" | "?" => crate::protocol::COMMANDS_HELP.to_string(),
            "status" | "seats" => {
                let mut text = v.map_or_else(String::new, |v| {
                    format!("turn {}, {};", v.turn, crate::protocol::phase_word(v.phase))
                });
                for s in v.iter().flat_map(|v| &v.seats) {
                    let who = if s.bot { "bot" } else { "people" };
                    let lock = if s.locked { "locked" } else { "open" };
                    text.push_str(&format!(" {} ({who}, {lock}, {} connected);", s.name, s.connected));
                }
                let connections = v.and_then(|v| v.omniscient.as_ref()).map_or(0, |o| o.connections.len());
                text.push_str(&format!(" {connections} connections in all"));
                text
            }
            "injects" => {
                let list: Vec<String> = self
                    .welcome
                    .iter()
                    .flat_map(|w| &w.choices.injects)
                    .map(|(id, name)| format!("{id} ({name})"))
                    .collect();
                if list.is_empty() {
                    "this scenario has no injects".into()
                } else {
                    format!("injects (fire one with `inject ID`): {}", list.join("; "))
                }
            }
            "quit" | "exit" => "`quit` stops the server: type it in the server's own terminal".into(),
            "wait" | "wait-turn" | "wait-players" => format!("`{word}` is for scripts given with --commands"),
            _ => return None,
        })
    }

    /// The menu the builder shows now: its title and (label, value) lines; an empty list means
    /// free text.
    pub fn builder_menu(&self) -> (String, Vec<(String, Option<Value>)>) {
        let (Some(b), Some(w), Some(v)) = (self.builder.as_ref(), self.welcome.as_ref(), self.view.as_ref()) else {
            return (String::new(), Vec::new());
        };
        match &b.kind {
            None => {
                let kinds: Vec<String> = v.options.as_ref().map(|o| o.kinds.clone()).unwrap_or_default();
                let lines = kinds
                    .into_iter()
                    .map(|k| {
                        let cost = w.choices.costs.iter().find(|(c, _)| *c == k).map(|(_, c)| *c);
                        let label = match cost {
                            Some(c) if c > 0 => format!("{k} (costs {c})"),
                            _ => k,
                        };
                        (label, None)
                    })
                    .collect();
                ("New order: what kind?".into(), lines)
            }
            Some(kind) => {
                let fields = form::fields(kind);
                let Some((prompt, field)) = fields.get(b.values.len()) else { return (String::new(), Vec::new()) };
                let title = format!("{kind}: {prompt}");
                if *field == Field::Text {
                    return (title, Vec::new());
                }
                let Some(menu) = &b.menu else {
                    return (format!("{kind}: asking the server what it would take…"), Vec::new());
                };
                let lines = form::choices(*field, w, v)
                    .into_iter()
                    .filter(|(_, value)| form::leads_to_one(kind, &b.values, value, menu))
                    .map(|(l, v)| (l, Some(v)))
                    .collect::<Vec<_>>();
                if lines.is_empty() {
                    return (format!("{kind}: the rules would take none of these now (Esc)"), lines);
                }
                (title, lines)
            }
        }
    }

    fn on_builder_key(&mut self, key: KeyEvent) -> Vec<Action> {
        let (_, menu) = self.builder_menu();
        let me = self.view.as_ref().and_then(|v| v.seat.clone()).unwrap_or_default();
        let kinds: Vec<String> =
            self.view.as_ref().and_then(|v| v.options.as_ref()).map(|o| o.kinds.clone()).unwrap_or_default();
        let Some(b) = self.builder.as_mut() else { return Vec::new() };
        let field = b.kind.as_deref().and_then(|k| form::fields(k).get(b.values.len()).map(|(_, f)| *f));
        let text_field = field == Some(Field::Text);
        match key.code {
            KeyCode::Esc => {
                self.builder = None;
                return Vec::new();
            }
            KeyCode::Up if !text_field => b.cursor = b.cursor.saturating_sub(1),
            KeyCode::Down if !text_field => b.cursor = (b.cursor + 1).min(menu.len().saturating_sub(1)),
            KeyCode::Backspace if text_field => {
                b.text.pop();
            }
            KeyCode::Char(c)
                if text_field && !is_control(c) && b.text.chars().count() < crate::rules::orders::MAX_TEXT_CHARS =>
            {
                b.text.push(c);
            }
            KeyCode::Enter => {
                if b.kind.is_none() {
                    let Some(kind) = kinds.get(b.cursor) else { return Vec::new() };
                    b.kind = Some(kind.clone());
                    b.cursor = 0;
                    b.menu = None;
                    return vec![Action::Send(ClientMessage::Menu { kind: kind.clone() })];
                } else if b.menu.is_none() && !text_field {
                    // Still waiting for the server's menu.
                    return Vec::new();
                } else if text_field {
                    if b.text.trim().is_empty() {
                        return Vec::new();
                    }
                    b.values.push(Value::Text(std::mem::take(&mut b.text)));
                } else if let Some((_, Some(value))) = menu.get(b.cursor) {
                    b.values.push(value.clone());
                    b.cursor = 0;
                } else {
                    self.event("✘ nothing to choose here".into());
                    self.builder = None;
                    return Vec::new();
                }
                let kind = b.kind.clone().unwrap_or_default();
                if b.values.len() == form::fields(&kind).len() {
                    let order = form::build(&kind, &b.values, &me);
                    self.builder = None;
                    if let Some(order) = order {
                        return self.built(order);
                    }
                    self.tab = Tab::Orders;
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
