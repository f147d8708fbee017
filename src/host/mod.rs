//! The hosted game: connections and seats, inputs from players and the facilitator, the phase
//! clock and absent seats, what each connection sees, and the journal that makes it replayable.
//!
//! Every input, from the network or the console, goes through `apply_inputs` in one place of the
//! frame; accepted ones are journalled and synced before anyone is told. Replaying the journal
//! through the same function rebuilds the same game (`resume`).

pub mod console;
mod talk;
pub mod view;
pub mod whitecell;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bevy::ecs::message::MessageCursor;
use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::access::{SharedGate, fresh_code, holder_named};
use crate::bots::{set_controllers, stand_in};
use crate::protocol::{
    Allowance, ClientMessage, ClockView, Command, MAX_INPUTS_PER_SEAT_PER_TURN, REFRESH_EVERY_MS, Role,
    SILENT_AFTER_MS, ServerMessage, legal, most_connections,
};
use crate::record::journal::{AUTOSAVE_FILE, Journal, SEAL_FILE, write_atomic};
use crate::record::{History, TurnSummary, state_hash};
use crate::rules::orders::{Draft, SeatAction, intake_orders};
use crate::rules::{Clock, Controller, Order, OrderBook, OrderSubmitted, OrderVerdict, Phase, SeatCommand, StartGame};
use crate::world::{Key, Nation, Registry};

/// What happens to a seat with nothing locked when the clock runs out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum OnTimeout {
    /// Its bot plays the turn (the draft is set aside).
    #[default]
    Bot,
    /// The draft is locked as it stands.
    Lock,
}

/// How this game is hosted (fixed for the game; kept in its directory).
#[derive(Resource, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostSettings {
    /// Length of the orders phase; `None` = untimed (the facilitator ends it).
    pub turn_seconds: Option<u32>,
    pub on_timeout: OnTimeout,
}

/// One accepted input, as the game understands it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The game begins; these seats are played by people, the rest by bots.
    Start {
        humans: Vec<String>,
    },
    Order {
        seat: String,
        order: Order,
    },
    Seat {
        seat: String,
        action: SeatAction,
    },
    /// A seat is handed to its bot, or back to its people.
    Control {
        seat: String,
        bot: bool,
    },
    Inject(String),
    /// The orders phase ends now (the clock ran out, or the facilitator ended it).
    EndPhase {
        timed_out: bool,
    },
    Announce(String),
    /// The white cell changes one of the model's rates from now on (`model.…` path, value), as
    /// `truce fork --set` does.
    Amend {
        path: String,
        value: String,
    },
    /// A change to the clock (pause, resume, extend, shorten): kept for the record.
    Clock(Command),
    /// Press from a seat, delivered at once.
    Press {
        seat: String,
        to: crate::negotiation::PressTo,
        text: String,
    },
    OpenChannel {
        seat: String,
        name: String,
        members: Vec<String>,
    },
    Offer {
        seat: String,
        offer: crate::negotiation::Offer,
    },
    Answer {
        seat: String,
        deal: u64,
        accept: bool,
        reason: String,
    },
    /// The facilitator sets who may talk to whom.
    PressRules(crate::negotiation::PressRules),
    /// The facilitator's order for a seat, in place of the seat's own on the same matter.
    OrderFor {
        seat: String,
        order: Order,
    },
    /// An inject waiting for approval fires, its effects at `scale` of their size.
    Approve {
        inject: String,
        scale: f64,
    },
    /// An inject waiting for approval does not fire this time.
    Skip(String),
    /// The game goes back to the start of turn `turn`'s orders phase: what was journalled from
    /// then on stays in the journal as a branch no longer played (`active_branch`).
    Rollback {
        turn: u32,
    },
    /// The white cell overrides this turn's adjudication, saying why.
    Override {
        what: crate::game::Override,
        rationale: String,
    },
    /// The seat's (or the observers') connections closed and its code barred.
    Kick(String),
    Readmit(String),
    /// A seat's new code (the journal is readable by its owner only).
    Revoke {
        seat: String,
        code: String,
    },
    Save,
}

impl Input {
    /// Whether a seat handed it in (and so counts towards the seat's inputs this turn).
    pub fn seat_input(&self) -> bool {
        matches!(
            self,
            Input::Order { .. }
                | Input::Seat { .. }
                | Input::Press { .. }
                | Input::OpenChannel { .. }
                | Input::Offer { .. }
                | Input::Answer { .. }
        )
    }

    /// Whether the input changes the game (and so must be replayed in its place on resume).
    pub fn changes_game(&self) -> bool {
        !matches!(self, Input::Clock(_) | Input::Save) && !self.changes_access()
    }

    /// Whether the input changes who may join (replayed on resume to rebuild the gate).
    pub fn changes_access(&self) -> bool {
        matches!(self, Input::Kick(_) | Input::Readmit(_) | Input::Revoke { .. })
    }
}

/// Which records of a journal the game now stands on: every one, less those a later
/// `Rollback` took back (the records of the turn it went back to and after, up to it). The
/// journal keeps them all; a resumed or rebuilt game replays only these.
pub fn active_branch(records: &[Record]) -> Vec<bool> {
    let mut active = vec![false; records.len()];
    for (i, r) in records.iter().enumerate() {
        if let Input::Rollback { turn } = r.input {
            for (j, kept) in active.iter_mut().enumerate().take(i) {
                let q = &records[j];
                let earlier = q.turn < turn || (q.turn == turn && matches!(q.phase, Phase::Lobby | Phase::Briefing));
                if q.input.changes_game() && !earlier {
                    *kept = false;
                }
            }
            continue;
        }
        active[i] = true;
    }
    active
}

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the journal, from 0.
    pub n: u64,
    pub turn: u32,
    pub phase: Phase,
    /// Who gave it: `console`, `clock`, or a connection's role, seat and id.
    pub by: String,
    pub input: Input,
    /// The id an accepted order got (checked on replay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// When it was accepted (Unix milliseconds).
    #[serde(default)]
    pub at_ms: u64,
}

/// A connection as the host knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub role: Role,
    pub seat: Option<String>,
    pub name: String,
    /// Messages it may still send now; refilled at `MESSAGES_PER_SECOND`.
    allowance: Allowance,
    /// When a `Refresh` was last answered; a fingerprint of the last view it was sent, and that
    /// view (the base of the next patch).
    refreshed: Option<Instant>,
    pub(crate) view_sent: u64,
    pub(crate) last_view: Option<std::sync::Arc<crate::protocol::View>>,
}

/// A connection's sustained rate of messages, and its burst: far above any person or bot, far below
/// what would fill the journal or the disk.
const MESSAGES_PER_SECOND: f64 = 20.0;
const MESSAGE_BURST: f64 = 100.0;

impl Connection {
    pub fn new(role: Role, seat: Option<String>) -> Connection {
        Connection {
            role,
            seat,
            name: String::new(),
            allowance: Allowance::new(MESSAGES_PER_SECOND, MESSAGE_BURST, Instant::now()),
            refreshed: None,
            view_sent: 0,
            last_view: None,
        }
    }

    /// Whether a `Refresh` may be answered now (at most once every `REFRESH_EVERY_MS`).
    fn may_refresh(&mut self) -> bool {
        let now = Instant::now();
        if self.refreshed.is_some_and(|t| now.duration_since(t) < Duration::from_millis(REFRESH_EVERY_MS)) {
            return false;
        }
        self.refreshed = Some(now);
        true
    }

    /// Takes one message from the allowance; false when the connection is sending too fast.
    fn allow(&mut self) -> bool {
        self.allowance.take(Instant::now())
    }

    fn label(&self, client: u64) -> String {
        let who = match &self.seat {
            Some(s) => format!("{} {s}", self.role.word()),
            None => self.role.word().to_string(),
        };
        if self.name.is_empty() { format!("{who} #{client:x}") } else { format!("{who} #{client:x} ({})", self.name) }
    }
}

/// Every open connection by client id.
#[derive(Resource, Clone, Debug, Default)]
pub struct Connections(pub BTreeMap<u64, Connection>);

impl Connections {
    /// Seats with at least one player connected.
    pub fn occupied(&self) -> BTreeSet<String> {
        self.0.values().filter(|c| c.role == Role::Player).filter_map(|c| c.seat.clone()).collect()
    }

    pub fn in_seat<'a>(&'a self, seat: &'a str) -> impl Iterator<Item = u64> + 'a {
        self.0.iter().filter(move |(_, c)| c.seat.as_deref() == Some(seat)).map(|(id, _)| *id)
    }
}

/// A client connected (the network layer read its seat and role from its token).
#[derive(Message, Clone, Debug)]
pub struct Joined {
    pub client: u64,
    pub role: Role,
    pub seat: Option<String>,
}

/// A client is gone.
#[derive(Message, Clone, Debug)]
pub struct Left {
    pub client: u64,
}

/// A decoded message from a client.
#[derive(Message, Clone, Debug)]
pub struct Incoming {
    pub client: u64,
    pub message: ClientMessage,
}

/// A message for one client. Shared, so that the transport encodes a message sent to many
/// connections (a seat's view to each of its people) once.
#[derive(Message, Clone, Debug)]
pub struct Outgoing {
    pub to: u64,
    pub message: std::sync::Arc<ServerMessage>,
}

impl Outgoing {
    pub fn new(to: u64, message: ServerMessage) -> Outgoing {
        Outgoing { to, message: std::sync::Arc::new(message) }
    }
}

/// Close a client's connection (after telling it why, and whether to try again later).
#[derive(Message, Clone, Debug)]
pub struct Disconnect {
    pub client: u64,
    pub reason: String,
    pub rejoin: bool,
}

/// When each connection was last heard from (the network fills it every frame).
#[derive(Resource, Clone, Debug, Default)]
pub struct LastHeard(pub BTreeMap<u64, Instant>);

/// A line for the server console's output.
#[derive(Message, Clone, Debug)]
pub struct ConsoleOutput(pub String);

/// A command typed at (or scripted for) the server console.
#[derive(Message, Clone, Debug)]
pub struct ConsoleCommand(pub Command);

/// The orders phase's clock.
#[derive(Resource, Clone, Debug, Default)]
pub struct PhaseClock {
    /// The turn whose orders phase the clock times (a deadline left from a turn that ended early
    /// must not end the next one).
    pub turn: u32,
    pub deadline: Option<Instant>,
    /// Time left while paused.
    pub paused: Option<Duration>,
}

impl PhaseClock {
    pub fn view(&self) -> ClockView {
        let now = Instant::now();
        match (self.paused, self.deadline) {
            (Some(left), _) => ClockView { remaining_ms: Some(left.as_millis() as u64), paused: true },
            (None, Some(d)) => {
                ClockView { remaining_ms: Some(d.saturating_duration_since(now).as_millis() as u64), paused: false }
            }
            (None, None) => ClockView { remaining_ms: None, paused: false },
        }
    }

    fn change(&mut self, command: &Command) -> Result<(), String> {
        let now = Instant::now();
        match command {
            Command::Pause => {
                let Some(d) = self.deadline.take() else {
                    return Err(
                        if self.paused.is_some() { "the clock is already paused" } else { "no clock runs" }.into()
                    );
                };
                self.paused = Some(d.saturating_duration_since(now));
            }
            Command::Resume => {
                let Some(left) = self.paused.take() else { return Err("the clock is not paused".into()) };
                self.deadline = Some(now + left);
            }
            Command::Extend(s) | Command::Shorten(s) => {
                let delta = Duration::from_secs(u64::from(*s));
                let extend = matches!(command, Command::Extend(_));
                let shift = |t: Duration| if extend { t + delta } else { t.saturating_sub(delta) };
                if let Some(left) = self.paused.as_mut() {
                    *left = shift(*left);
                } else if let Some(d) = self.deadline {
                    self.deadline = Some(now + shift(d.saturating_duration_since(now)));
                } else {
                    return Err("this phase has no clock".into());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Announcements everyone may read, and the facilitator's actions with who took them.
#[derive(Resource, Clone, Debug, Default)]
pub struct Notices {
    pub public: Vec<String>,
    pub log: Vec<String>,
}

/// The journal and directory of the game, when it has one, and the lock that keeps a second
/// server out of it.
#[derive(Resource, Default)]
pub struct GameFiles {
    pub dir: Option<PathBuf>,
    pub journal: Option<Journal>,
    pub lock: Option<std::fs::File>,
}

/// Set while the journal is replayed: the clock stands still and nothing is written or sent.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Replaying(pub bool);

/// What needs sending at the end of the frame.
#[derive(Resource, Debug, Default)]
pub struct Pending {
    /// Connections that need their full view.
    pub views: BTreeSet<u64>,
    /// Connections that asked for their full view again.
    pub refreshes: BTreeSet<u64>,
    /// The number of the last view built (views are numbered for patches).
    pub views_built: u64,
    /// The seat table may have changed (locks, bots, connections).
    pub seats: bool,
    /// The seat table as it was last sent to everyone.
    pub seats_sent: Option<Vec<crate::protocol::SeatStatus>>,
    /// Drafts or seats changed since the white cell's views were last sent.
    pub omniscient_stale: bool,
    /// The (turn, phase) last seen, to notice a new phase.
    pub seen: Option<(u32, Phase)>,
    /// When the omniscient views were last sent (they change with every draft).
    pub omniscient_sent: Option<Instant>,
    /// Something happened this frame: the loop should come round again at once.
    pub busy: bool,
    /// The autosave of a new orders phase, written at the start of a later frame.
    pub autosave_due: bool,
    /// The transport still has packets queued that this frame's budget did not send.
    pub backlog: bool,
    /// Press items sent to their readers so far.
    pub press_sent: u64,
}

/// The autosave written at the start of every turn and at the end of the game.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Autosave {
    pub turn: u32,
    pub phase: Phase,
    /// Journal records applied when it was taken, and the hash chain's head after them.
    pub records: u64,
    #[serde(default)]
    pub head: String,
    /// `state_hash` of the game then, as 16 hex digits.
    pub state_hash: String,
    pub saved_at_unix: u64,
    pub last_turn: Option<TurnSummary>,
    /// The scenario state as it stood (nations, sectors, forces, mandates…).
    pub state: crate::scenario::Scenario,
}

pub struct HostPlugin {
    pub settings: HostSettings,
}

impl Plugin for HostPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.settings.clone())
            .init_resource::<Connections>()
            .init_resource::<PhaseClock>()
            .init_resource::<Notices>()
            .init_resource::<GameFiles>()
            .init_resource::<Replaying>()
            .init_resource::<Pending>()
            .init_resource::<Reclaims>()
            .init_resource::<LobbyChoices>()
            .init_resource::<HeldForBots>()
            .init_resource::<InputCounts>()
            .init_resource::<LockedBefore>()
            .init_resource::<LastHeard>()
            .add_message::<Joined>()
            .add_message::<Left>()
            .add_message::<Incoming>()
            .add_message::<Outgoing>()
            .add_message::<Disconnect>()
            .add_message::<ConsoleOutput>()
            .add_message::<ConsoleCommand>()
            .add_systems(
                Update,
                (track_connections, apply_inputs)
                    .chain()
                    .after(crate::rules::orders::intake_orders)
                    .before(crate::rules::advance_phase),
            )
            .add_systems(First, write_due_autosave)
            .add_systems(PostUpdate, (note_new_phase, view::send_views).chain());
        console::plugin(app);
    }
}

/// Seats the facilitator handed to bots (true) or kept for people (false) before the start.
#[derive(Resource, Debug, Default)]
pub struct LobbyChoices(pub BTreeMap<String, bool>);

/// Seats the facilitator handed to their bots: they stay with the bot until `human SEAT`, however
/// often their people reconnect.
#[derive(Resource, Debug, Default)]
pub struct HeldForBots(pub BTreeSet<String>);

/// Inputs each seat handed in this turn: (turn, count).
#[derive(Resource, Debug, Default)]
pub struct InputCounts(pub BTreeMap<String, (u32, usize)>);

/// A seat's draft as it stood locked before someone unlocked it this turn: if the clock ends
/// before the seat locks again, the locked orders stand (not the bot's).
#[derive(Resource, Debug, Default)]
pub struct LockedBefore(pub BTreeMap<String, Draft>);

/// The clock as a resumed game found it, to be put back instead of a fresh one.
#[derive(Resource, Debug, Clone)]
pub struct RestoredClock(pub PhaseClock);

/// Players who came back to a seat its bot holds, this frame.
#[derive(Resource, Debug, Default)]
pub struct Reclaims(pub Vec<(u64, String)>);

/// What arrived: a client's message, or a player's return to a seat a bot holds.
enum Request {
    Message(ClientMessage),
    Reclaim(String),
}

/// Who gave an input.
#[derive(Clone, Debug)]
enum Actor {
    Console,
    Clock,
    Client(u64),
}

/// The connection of the same code as `joined` that has been silent longest, if the code is full
/// and that one has been silent `SILENT_AFTER_MS`: it gives its place to the newcomer. `Err` when
/// the code is full of live connections.
fn place_for(connections: &Connections, heard: &LastHeard, joined: &Joined) -> Result<Option<u64>, usize> {
    let same: Vec<u64> = connections
        .0
        .iter()
        .filter(|(_, c)| c.role == joined.role && c.seat == joined.seat)
        .map(|(id, _)| *id)
        .collect();
    if same.len() < most_connections(joined.role) {
        return Ok(None);
    }
    let now = Instant::now();
    let silence = |id: &u64| heard.0.get(id).map_or(Duration::MAX, |t| now.saturating_duration_since(*t));
    same.iter()
        .max_by_key(|id| silence(id))
        .filter(|id| silence(id) >= Duration::from_millis(SILENT_AFTER_MS))
        .map(|id| Some(*id))
        .ok_or(same.len())
}

/// Keeps the connection table; welcomes newcomers and gives a returning player its seat back
/// (unless the facilitator holds it for the bot).
#[allow(clippy::too_many_arguments)] // one reader or writer per thing a connection touches
fn track_connections(
    mut joined: MessageReader<Joined>,
    mut left: MessageReader<Left>,
    mut connections: ResMut<Connections>,
    mut pending: ResMut<Pending>,
    mut reclaims: ResMut<Reclaims>,
    mut out: MessageWriter<Outgoing>,
    mut closing: MessageWriter<Disconnect>,
    (heard, held): (Res<LastHeard>, Res<HeldForBots>),
    welcome: view::WelcomeParams,
) {
    for j in joined.read() {
        match place_for(&connections, &heard, j) {
            Ok(None) => {}
            Ok(Some(silent)) => {
                connections.0.remove(&silent);
                pending.views.remove(&silent);
                closing.write(Disconnect {
                    client: silent,
                    reason: "a newer connection with this code took the place of this silent one".into(),
                    rejoin: true,
                });
            }
            Err(live) => {
                closing.write(Disconnect {
                    client: j.client,
                    reason: format!("this code already has {live} live connections, the most it may have"),
                    rejoin: true,
                });
                continue;
            }
        }
        connections.0.insert(j.client, Connection::new(j.role, j.seat.clone()));
        out.write(Outgoing::new(
            j.client,
            ServerMessage::Welcome(Box::new(view::welcome(&welcome, j.role, j.seat.clone()))),
        ));
        pending.views.insert(j.client);
        pending.seats = true;
        pending.busy = true;
        // A player back in a seat its bot was holding takes it back.
        if let Some(seat) = &j.seat
            && j.role == Role::Player
            && welcome.is_bot(seat)
        {
            if held.0.contains(seat) {
                out.write(Outgoing::new(j.client, ServerMessage::Notice(held_notice(seat))));
            } else {
                reclaims.0.push((j.client, seat.clone()));
            }
        }
    }
    for l in left.read() {
        connections.0.remove(&l.client);
        pending.views.remove(&l.client);
        pending.seats = true;
    }
}

/// Applies every input of this frame in arrival order: checks it, applies it, journals the
/// accepted ones, syncs the journal once, then answers.
pub fn apply_inputs(world: &mut World) {
    let requests = gather_requests(world);
    if requests.is_empty() {
        return;
    }
    world.resource_mut::<Pending>().busy = true;
    let mut frame = FrameOutcome::default();
    for (actor, request) in requests {
        if let Err(e) = take_request(world, actor, request, &mut frame) {
            return stop_unsaved(world, &e);
        }
    }
    if frame.journalled
        && let Err(e) = seal_journal(world)
    {
        return stop_unsaved(world, &e);
    }
    for (actor, message) in frame.replies {
        match actor {
            Actor::Client(to) => {
                world.write_message(Outgoing::new(to, message));
            }
            Actor::Console | Actor::Clock => {
                if let Some(line) = console_line(&message) {
                    world.write_message(ConsoleOutput(line));
                }
            }
        }
    }
    for d in frame.disconnects {
        world.write_message(d);
    }
}

/// What this frame's inputs gave: answers, connections to close, and whether anything was
/// journalled (and so must be synced before anyone is told).
#[derive(Default)]
struct FrameOutcome {
    replies: Vec<(Actor, ServerMessage)>,
    disconnects: Vec<Disconnect>,
    journalled: bool,
    phase_ended: bool,
}

/// This frame's requests in arrival order; the clock first (an input that arrives after time is
/// up is too late).
fn gather_requests(world: &mut World) -> Vec<(Actor, Request)> {
    let mut requests: Vec<(Actor, Request)> = Vec::new();
    let phase = *world.resource::<State<Phase>>().get();
    let turn_now = world.resource::<Clock>().turn;
    let expired = phase == Phase::Orders
        && !world.resource::<Replaying>().0
        && world.resource::<PhaseClock>().turn == turn_now
        && world.resource::<PhaseClock>().deadline.is_some_and(|d| Instant::now() >= d);
    if expired {
        world.resource_mut::<PhaseClock>().deadline = None;
        requests.push((Actor::Clock, Request::Message(ClientMessage::Command(Command::EndPhase))));
    }
    if phase == Phase::Orders && !world.resource::<Replaying>().0 {
        requests.extend(
            whitecell::undecided_in_time(world)
                .into_iter()
                .map(|c| (Actor::Clock, Request::Message(ClientMessage::Command(c)))),
        );
    }
    requests.extend(
        world
            .resource_mut::<Messages<ConsoleCommand>>()
            .drain()
            .map(|c| (Actor::Console, Request::Message(ClientMessage::Command(c.0)))),
    );
    let reclaims = std::mem::take(&mut world.resource_mut::<Reclaims>().0);
    requests.extend(reclaims.into_iter().map(|(client, seat)| (Actor::Client(client), Request::Reclaim(seat))));
    requests.extend(
        world
            .resource_mut::<Messages<Incoming>>()
            .drain()
            .map(|i| (Actor::Client(i.client), Request::Message(i.message))),
    );
    requests
}

/// Handles one request; `Err` only when the journal could not be written.
fn take_request(world: &mut World, actor: Actor, request: Request, frame: &mut FrameOutcome) -> Result<(), String> {
    let phase = *world.resource::<State<Phase>>().get();
    let (role, seat, by) = match &actor {
        Actor::Console => (Role::Facilitator, None, "console".to_string()),
        Actor::Clock => (Role::Facilitator, None, "clock".to_string()),
        Actor::Client(id) => match world.resource::<Connections>().0.get(id) {
            Some(c) => (c.role, c.seat.clone(), c.label(*id)),
            None => return Ok(()), // gone in the meantime
        },
    };
    let message = match request {
        Request::Message(m) => m,
        Request::Reclaim(seat) => return reclaim(world, actor, seat, &by, frame),
    };
    let what = message.word().to_string();
    if let Err(reason) = screen(world, &actor, &message, phase, role, seat.as_deref(), frame.phase_ended) {
        frame.replies.push((actor, ServerMessage::Refused { what, reason }));
        return Ok(());
    }
    let input = match message {
        ClientMessage::Hello { name } => {
            if let Actor::Client(id) = actor
                && let Some(c) = world.resource_mut::<Connections>().0.get_mut(&id)
            {
                c.name = name;
            }
            return Ok(());
        }
        ClientMessage::Refresh => {
            if let Actor::Client(id) = actor {
                world.resource_mut::<Pending>().refreshes.insert(id);
            }
            return Ok(());
        }
        ClientMessage::Story { turn } => {
            let reply = view::story_reply(world, role, seat.as_deref(), turn);
            frame.replies.push((actor, reply));
            return Ok(());
        }
        ClientMessage::Incidents { turn, page } => {
            let reply = view::incidents_reply(world, role, seat.as_deref(), turn, page);
            frame.replies.push((actor, reply));
            return Ok(());
        }
        ClientMessage::Menu { kind } => {
            let reply = view::menu_reply(world, seat.as_deref().unwrap_or_default(), &kind);
            frame.replies.push((actor, reply));
            return Ok(());
        }
        ClientMessage::Order(order) => Input::Order { seat: seat.clone().unwrap_or_default(), order },
        ClientMessage::OrderFor { seat, order } => Input::OrderFor { seat, order },
        ClientMessage::Press { to, text } => Input::Press { seat: seat.clone().unwrap_or_default(), to, text },
        ClientMessage::OpenChannel { name, members } => {
            Input::OpenChannel { seat: seat.clone().unwrap_or_default(), name, members }
        }
        ClientMessage::Offer(offer) => Input::Offer { seat: seat.clone().unwrap_or_default(), offer },
        ClientMessage::Answer { deal, accept, reason } => {
            Input::Answer { seat: seat.clone().unwrap_or_default(), deal, accept, reason }
        }
        ClientMessage::Seat(action) => Input::Seat { seat: seat.clone().unwrap_or_default(), action },
        ClientMessage::Command(c) => match to_input(world, c, matches!(actor, Actor::Clock)) {
            Ok(input) => input,
            Err(reason) => {
                frame.replies.push((actor, ServerMessage::Refused { what, reason }));
                return Ok(());
            }
        },
    };
    let turn = world.resource::<Clock>().turn;
    match apply_input(world, &input, &by) {
        Ok(applied) => {
            frame.phase_ended |= matches!(input, Input::EndPhase { .. });
            if let Some(seat) = seat.filter(|_| input.seat_input()) {
                count_input(world, &seat, turn);
            }
            let record = Record { n: 0, turn, phase, by: by.clone(), input: input.clone(), id: applied.id, at_ms: 0 };
            frame.journalled |= journal(world, record)?;
            after_applied(world, &input, &by, &mut frame.disconnects);
            frame.replies.push((actor, applied.reply));
        }
        Err(reply) => frame.replies.push((actor, reply)),
    }
    Ok(())
}

/// A player back in a seat its bot was holding takes it back (between turns: once the next
/// one opens).
fn reclaim(world: &mut World, actor: Actor, seat: String, by: &str, frame: &mut FrameOutcome) -> Result<(), String> {
    let phase = *world.resource::<State<Phase>>().get();
    if matches!(phase, Phase::Briefing | Phase::Resolution) {
        if let Actor::Client(client) = actor {
            world.resource_mut::<Reclaims>().0.push((client, seat));
        }
        return Ok(());
    }
    if phase != Phase::Orders || world.resource::<HeldForBots>().0.contains(&seat) {
        return Ok(());
    }
    let input = Input::Control { seat, bot: false };
    let turn = world.resource::<Clock>().turn;
    if let Ok(applied) = apply_input(world, &input, by) {
        let record = Record { n: 0, turn, phase, by: by.to_string(), input, id: applied.id, at_ms: 0 };
        frame.journalled |= journal(world, record)?;
        refresh_every_view(world);
    }
    Ok(())
}

/// Whether a message may be taken now: the sender's rate, the protocol's `legal`, a phase that
/// has just ended, the seat's inputs this turn, and a seat the facilitator handed to its bot.
fn screen(
    world: &mut World,
    actor: &Actor,
    message: &ClientMessage,
    phase: Phase,
    role: Role,
    seat: Option<&str>,
    phase_ended: bool,
) -> Result<(), String> {
    if let Actor::Client(id) = actor {
        if !world.resource_mut::<Connections>().0.get_mut(id).is_some_and(Connection::allow) {
            return Err("too many messages at once; slow down".into());
        }
        if matches!(message, ClientMessage::Refresh)
            && !world.resource_mut::<Connections>().0.get_mut(id).is_some_and(Connection::may_refresh)
        {
            return Err(format!("a view is sent at most once every {REFRESH_EVERY_MS} ms"));
        }
    }
    legal(message, phase, role)?;
    use ClientMessage as M;
    let seat_input = matches!(
        message,
        M::Order(_) | M::Seat(_) | M::Press { .. } | M::OpenChannel { .. } | M::Offer(_) | M::Answer { .. }
    );
    // Once the phase has been ended in this frame, nothing may reopen it.
    if phase_ended && (seat_input || matches!(message, ClientMessage::Command(Command::EndPhase))) {
        return Err("the orders phase has just ended".into());
    }
    if let Some(seat) = seat.filter(|_| seat_input) {
        // A seat its bot holds may still talk; it gives no orders and makes no deals.
        if world.resource::<HeldForBots>().0.contains(seat)
            && !matches!(message, M::Press { .. } | M::OpenChannel { .. })
        {
            return Err(held_notice(seat));
        }
        // A seat at its cap may always lock what it has.
        if matches!(message, ClientMessage::Seat(SeatAction::Lock)) {
            return Ok(());
        }
        let turn = world.resource::<Clock>().turn;
        let used = world.resource::<InputCounts>().0.get(seat).filter(|(t, _)| *t == turn).map_or(0, |(_, n)| *n);
        if used >= MAX_INPUTS_PER_SEAT_PER_TURN {
            return Err(format!(
                "this seat has handed in {used} inputs this turn, the most a seat may; lock what you have"
            ));
        }
    }
    Ok(())
}

fn count_input(world: &mut World, seat: &str, turn: u32) {
    let mut counts = world.resource_mut::<InputCounts>();
    let entry = counts.0.entry(seat.to_string()).or_insert((turn, 0));
    if entry.0 != turn {
        *entry = (turn, 0);
    }
    entry.1 += 1;
}

fn held_notice(seat: &str) -> String {
    format!(
        "the facilitator has handed {seat} to its bot until they give it back (`human {seat}`); \
         you can watch, but the seat takes no orders from you"
    )
}

fn console_line(message: &ServerMessage) -> Option<String> {
    match message {
        ServerMessage::Refused { what, reason } => Some(format!("{what}: refused: {reason}")),
        ServerMessage::Done { what } => Some(format!("ok: {what}")),
        _ => None,
    }
}

/// Appends a record to the journal (when the game has one and is live). True if written.
fn journal(world: &mut World, mut record: Record) -> Result<bool, String> {
    if world.resource::<Replaying>().0 {
        return Ok(false);
    }
    let Some(j) = world.resource_mut::<GameFiles>().into_inner().journal.as_mut() else { return Ok(false) };
    record.n = j.len;
    record.at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    j.append(&record).map_err(|e| format!("could not write the journal {}: {e}", j.path().display()))?;
    Ok(true)
}

/// The seal of a game directory: how many journal records were acknowledged, the hash chain's
/// head after them, and the clock as it stood. Rewritten (atomically) after every sync, so a
/// journal cut short or edited later no longer matches it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seal {
    pub records: u64,
    pub head: String,
    pub clock: ClockState,
}

/// The orders phase's clock as a seal keeps it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockState {
    pub turn: u32,
    /// Milliseconds left when the seal was written; `None` for an untimed phase.
    pub left_ms: Option<u64>,
    pub paused: bool,
}

impl ClockState {
    /// The clock this state describes, running from now.
    pub fn restore(&self) -> PhaseClock {
        let left = self.left_ms.map(Duration::from_millis);
        let now = Instant::now();
        PhaseClock {
            turn: self.turn,
            deadline: left.filter(|_| !self.paused).map(|l| now + l),
            paused: left.filter(|_| self.paused),
        }
    }
}

/// Syncs the journal, then writes the seal that vouches for it.
pub fn seal_journal(world: &mut World) -> Result<(), String> {
    let clock = {
        let c = world.resource::<PhaseClock>();
        let view = c.view();
        ClockState { turn: c.turn, left_ms: view.remaining_ms, paused: view.paused }
    };
    let files = world.resource_mut::<GameFiles>().into_inner();
    let (Some(j), Some(dir)) = (files.journal.as_mut(), files.dir.as_ref()) else { return Ok(()) };
    j.sync().map_err(|e| format!("could not sync the journal {}: {e}", j.path().display()))?;
    let seal = Seal { records: j.len, head: j.head(), clock };
    write_atomic(&dir.join(SEAL_FILE), &seal).map_err(|e| format!("could not write {SEAL_FILE}: {e}"))
}

/// The journal cannot be written: stop at once, before anyone is told that an input was taken.
/// What was synced is safe; `--resume` continues from it.
pub(crate) fn stop_unsaved(world: &mut World, error: &str) {
    error!("{error}; stopping so that nothing acknowledged is lost");
    world.write_message(ConsoleOutput(format!("error: {error}; the server stops (resume with --resume)")));
    world.write_message(AppExit::error());
}

/// Turns a facilitator's command into the input it means now (for `start`: which seats have
/// people), or refuses it.
fn to_input(world: &mut World, command: Command, by_clock: bool) -> Result<Input, String> {
    let seat_exists = |world: &World, seat: &str| {
        world.resource::<Registry>().get(seat).is_some_and(|e| world.get::<Nation>(e).is_some())
    };
    Ok(match command {
        Command::Start | Command::ForceStart => {
            let mut humans = world.resource::<Connections>().occupied();
            for (seat, bot) in &world.resource::<LobbyChoices>().0 {
                if *bot {
                    humans.remove(seat);
                } else {
                    humans.insert(seat.clone());
                }
            }
            // With nobody in a seat the bots would play the whole game through in seconds: a
            // slip of one key would end the class before it began.
            if humans.is_empty() && command == Command::Start {
                let turns = world.resource::<crate::world::ScenarioInfo>().turns;
                return Err(format!(
                    "nobody has joined a seat yet: the bots would play all {turns} turns through at once. \
                     Wait for the players, or type `start --force` to start anyway"
                ));
            }
            Input::Start { humans: humans.into_iter().collect() }
        }
        Command::Pause | Command::Resume | Command::Extend(_) | Command::Shorten(_) => {
            world.resource_mut::<PhaseClock>().change(&command)?;
            Input::Clock(command)
        }
        Command::EndPhase => Input::EndPhase { timed_out: by_clock },
        Command::Inject(id) => Input::Inject(id),
        Command::Announce(text) => Input::Announce(text),
        Command::HandToBot(seat) | Command::ForceHandToBot(seat) | Command::HandBack(seat)
            if !seat_exists(world, &seat) =>
        {
            return Err(format!("there is no seat {seat:?} in this game"));
        }
        // A seat whose people are at their laptops is not taken from them by a slip of the keys.
        Command::HandToBot(seat)
            if *world.resource::<State<Phase>>().get() == Phase::Orders
                && world.resource::<Connections>().in_seat(&seat).next().is_some() =>
        {
            let people = world.resource::<Connections>().in_seat(&seat).count();
            return Err(format!(
                "{seat} has {people} connection{} playing it now; `bot {seat} --force` hands it to its bot anyway \
                 (their draft is kept, and the bot adds its orders and locks)",
                if people == 1 { "" } else { "s" }
            ));
        }
        Command::HandToBot(seat) | Command::ForceHandToBot(seat) => Input::Control { seat, bot: true },
        Command::HandBack(seat) => Input::Control { seat, bot: false },
        Command::Kick(target) | Command::Readmit(target) if target != "observers" && !seat_exists(world, &target) => {
            return Err(format!("there is no seat {target:?} in this game (or say `observers`)"));
        }
        Command::Kick(target) => Input::Kick(target),
        Command::Readmit(target) => Input::Readmit(target),
        Command::Revoke(seat) if !seat_exists(world, &seat) => {
            return Err(format!("there is no seat {seat:?} in this game"));
        }
        Command::Revoke(seat) => Input::Revoke { seat, code: fresh_code() },
        Command::Save => Input::Save,
        Command::Press(rules) => Input::PressRules(rules),
        Command::Approve { inject, scale } => Input::Approve { inject, scale },
        Command::Skip(inject) => Input::Skip(inject),
        Command::Override { what, rationale } => Input::Override { what, rationale },
        Command::Rollback(turn) => whitecell::check_rollback(world, turn).map(|()| Input::Rollback { turn })?,
    })
}

/// What applying an input gave.
pub struct Applied {
    pub reply: ServerMessage,
    pub id: Option<u64>,
}

/// `bot SEAT` / `human SEAT` in the orders phase: the seat passes to its bot (which keeps the
/// people's draft, adds its orders and locks, and the people are told) or back to its people.
/// Changes one of the model's rates in the running game: the rules read them every day, so the
/// change holds from the next day on. Values fixed when the world was made (nations, sectors,
/// forces) are not the model's and are refused.
fn amend_model(world: &mut World, path: &str, value: &str) -> Result<(), String> {
    if !path.starts_with("model.") {
        return Err(format!(
            "`{path}` is fixed when the game is made; a running game changes only the model's rates (model.…)"
        ));
    }
    // The change is checked against the scenario as it was made (its state since then is the
    // game's, not the author's), with the rates as they stand now.
    let mut now = world.resource::<crate::scenario::ActiveScenario>().0.clone();
    now.model = world.resource::<crate::world::Model>().0.clone();
    let changed = crate::scenario::overrides::apply(&now, &[(path.to_string(), value.to_string())])?;
    world.insert_resource(crate::world::Model(changed.model));
    Ok(())
}

fn hand_seat(world: &mut World, by: &str, seat: &str, bot: bool) -> Result<Applied, ServerMessage> {
    let done = |what: String| Ok(Applied { reply: ServerMessage::Done { what }, id: None });
    let Some(e) = world.resource::<Registry>().get(seat) else {
        return Err(refused("control", format!("there is no seat {seat:?}")));
    };
    let now = world.get::<Controller>(e).copied();
    let wanted = if bot { Controller::Bot } else { Controller::Human };
    if now == Some(wanted) {
        let who = if bot { "its bot" } else { "its people" };
        return Err(refused(if bot { "bot" } else { "human" }, format!("{seat} is already played by {who}")));
    }
    world.entity_mut(e).insert(wanted);
    if bot {
        world.resource_mut::<HeldForBots>().0.insert(seat.to_string());
    } else {
        world.resource_mut::<HeldForBots>().0.remove(seat);
    }
    let phase = *world.resource::<State<Phase>>().get();
    if bot && phase == Phase::Orders && !world.resource::<OrderBook>().is_locked(seat) {
        // The people's draft stands: the bot adds what does not clash with it, and locks.
        stand_in(world, vec![(e, seat.to_string())]);
        intake_orders(world);
    }
    if bot {
        let told = "The facilitator has handed your seat to its bot: your draft is kept, the bot adds \
                    its own orders and locks, and the seat takes no orders from you until it is given \
                    back";
        let people: Vec<u64> = world.resource::<Connections>().in_seat(seat).collect();
        for to in people {
            world.write_message(Outgoing::new(to, ServerMessage::Notice(told.into())));
        }
    }
    let words = if bot { "handed {} to its bot" } else { "gave {} back to its people" };
    note(world, by, &words.replace("{}", seat));
    world.resource_mut::<Pending>().seats = true;
    done(if bot { format!("bot {seat}") } else { format!("human {seat}") })
}

/// Applies one input to the game. The same function serves live play and replay, which is why
/// a replayed journal rebuilds the same game. On refusal, returns the reply to give.
pub fn apply_input(world: &mut World, input: &Input, by: &str) -> Result<Applied, ServerMessage> {
    let applied = carry_out(world, input, by);
    if applied.is_ok() {
        // Whatever was applied may change what each menu holds.
        world.get_resource_or_init::<view::Menus>().inputs += 1;
    }
    applied
}

/// What `apply_input` does with each input.
fn carry_out(world: &mut World, input: &Input, by: &str) -> Result<Applied, ServerMessage> {
    let done = |what: String| Ok(Applied { reply: ServerMessage::Done { what }, id: None });
    match input {
        Input::Start { humans } => {
            let held: BTreeSet<String> =
                world.resource::<LobbyChoices>().0.iter().filter(|(_, bot)| **bot).map(|(s, _)| s.clone()).collect();
            world.resource_mut::<HeldForBots>().0 = held;
            set_controllers(world, humans);
            world.write_message(StartGame);
            let bots = seats_where(world, |c| c == Controller::Bot);
            note(world, by, &format!("started the game; bots play {}", list_or_none(&bots)));
            done("start".into())
        }
        Input::Order { seat, order } => {
            world.write_message(OrderSubmitted { nation: seat.clone(), order: order.clone() });
            verdict(world)
        }
        Input::Seat { seat, action } => {
            let standing = world.resource::<OrderBook>().drafts.get(seat).filter(|d| d.locked).cloned();
            world.write_message(SeatCommand { nation: seat.clone(), action: action.clone() });
            let applied = verdict(world)?;
            let mut before = world.resource_mut::<LockedBefore>();
            match (action, standing) {
                (SeatAction::Unlock, Some(draft)) => {
                    before.0.insert(seat.clone(), draft);
                }
                (SeatAction::Lock, _) => {
                    before.0.remove(seat);
                }
                _ => {}
            }
            Ok(applied)
        }
        Input::Control { seat, bot } if *world.resource::<State<Phase>>().get() == Phase::Lobby => {
            // Before the start, a preference that `start` honours.
            world.resource_mut::<LobbyChoices>().0.insert(seat.clone(), *bot);
            let words = if *bot { "will hand {} to its bot at the start" } else { "will keep {} for its people" };
            note(world, by, &words.replace("{}", seat));
            done(if *bot { format!("bot {seat}") } else { format!("human {seat}") })
        }
        Input::Control { seat, bot } => hand_seat(world, by, seat, *bot),
        Input::Inject(id) => match crate::rules::politics::fire_inject_now(world, id, 1.0) {
            Ok(name) => {
                note(world, by, &format!("fired the inject {name}"));
                done(format!("inject {id}"))
            }
            Err(reason) => Err(refused("inject", reason)),
        },
        Input::Approve { inject, scale } => whitecell::approve(world, by, inject, *scale),
        Input::Override { what, rationale } => whitecell::override_adjudication(world, by, what, rationale),
        Input::Rollback { turn } => {
            world.insert_resource(whitecell::RollbackDue(*turn));
            note(world, by, &format!("takes the game back to the start of turn {turn}"));
            done(format!("rollback {turn}"))
        }
        Input::Skip(id) => match crate::rules::politics::skip_inject(world, id) {
            Ok(name) => {
                note(world, by, &format!("skipped the inject {name}"));
                done(format!("skip {id}"))
            }
            Err(reason) => Err(refused("skip", reason)),
        },
        Input::Press { .. }
        | Input::OpenChannel { .. }
        | Input::Offer { .. }
        | Input::Answer { .. }
        | Input::PressRules(_) => talk::carry_out(world, input, by),
        Input::OrderFor { seat, order } => whitecell::order_for(world, by, seat, order),
        Input::EndPhase { timed_out } => {
            end_orders_phase(world);
            let why = if *timed_out { "time ran out" } else { "ended the orders phase" };
            note(world, by, why);
            done("end-phase".into())
        }
        Input::Announce(text) => {
            world.resource_mut::<Notices>().public.push(text.clone());
            world.resource_mut::<Notices>().log.push(format!("{by} announced: {text}"));
            done("announce".into())
        }
        Input::Amend { path, value } => match amend_model(world, path, value) {
            Ok(()) => {
                note(world, by, &format!("set {path} to {value} from now on"));
                done(format!("set {path}"))
            }
            Err(reason) => Err(refused("set", reason)),
        },
        Input::Clock(c) => {
            note(world, by, c.word());
            done(c.word().into())
        }
        Input::Kick(_) | Input::Readmit(_) | Input::Revoke { .. } => apply_access(world, input, by),
        Input::Save => {
            world.resource_mut::<Notices>().log.push(format!("{by} saved the game"));
            done("save".into())
        }
    }
}

/// Applies a change to who may join: a kick bars the code, a readmission lifts the bar, a
/// revocation replaces the seat's code. Logged for the white cell without the new code (the
/// projector reads the log too).
fn apply_access(world: &mut World, input: &Input, by: &str) -> Result<Applied, ServerMessage> {
    let turn = world.resource::<Clock>().turn;
    let (what, logged) = match input {
        Input::Kick(target) => {
            let barred = with_gate(world, |g| g.bar(holder_named(target)));
            let again = if barred == Some(false) { " (its code was barred already)" } else { "" };
            (format!("kick {target}{again}"), format!("kicked {target} and barred its code"))
        }
        Input::Readmit(target) => {
            if with_gate(world, |g| g.readmit(&holder_named(target))) == Some(false) {
                return Err(refused("readmit", format!("the code of {target} is not barred")));
            }
            (format!("readmit {target}"), format!("readmitted {target}"))
        }
        Input::Revoke { seat, code } => {
            with_gate(world, |g| g.revoke(seat, code));
            (format!("revoke {seat}: the new code is {code}"), format!("replaced the code of {seat}"))
        }
        _ => return Err(refused("access", "not a change to who may join".into())),
    };
    world.resource_mut::<Notices>().log.push(format!("turn {turn}: {by} {logged}"));
    Ok(Applied { reply: ServerMessage::Done { what }, id: None })
}

/// Effects of an accepted input outside the game itself (connections, files).
fn after_applied(world: &mut World, input: &Input, by: &str, disconnects: &mut Vec<Disconnect>) {
    match input {
        Input::Kick(target) | Input::Revoke { seat: target, .. } => {
            let holder = holder_named(target);
            let victims: Vec<u64> = world
                .resource::<Connections>()
                .0
                .iter()
                .filter(|(_, c)| (c.role, c.seat.clone()) == holder)
                .map(|(id, _)| *id)
                .collect();
            let reason = if matches!(input, Input::Kick(_)) {
                format!("the facilitator ({by}) closed this connection and barred its code until they readmit it")
            } else {
                format!("the facilitator ({by}) gave this seat a new code; ask them for it")
            };
            for client in victims {
                disconnects.push(Disconnect { client, reason: reason.clone(), rejoin: false });
            }
        }
        Input::Control { seat, bot: true } => {
            let team: Vec<u64> = world.resource::<Connections>().in_seat(seat).collect();
            for to in team {
                world.write_message(Outgoing::new(to, ServerMessage::Notice(held_notice(seat))));
            }
            refresh_every_view(world);
        }
        Input::Save => autosave(world),
        Input::Announce(text) => tell_everyone(world, &ServerMessage::Notice(text.clone())),
        Input::Order { seat, .. } | Input::Seat { seat, .. } => {
            let team: Vec<u64> = world.resource::<Connections>().in_seat(seat).collect();
            let mut pending = world.resource_mut::<Pending>();
            pending.views.extend(team);
            pending.seats = true;
        }
        Input::Clock(_) => {
            let clock = world.resource::<PhaseClock>().view();
            tell_everyone(world, &ServerMessage::Clock(clock));
        }
        // Press goes out as it is (view::send_views); only the white cell's view changes.
        Input::Press { .. } => world.resource_mut::<Pending>().omniscient_stale = true,
        _ => refresh_every_view(world),
    }
}

/// Runs `f` on the game's gate, if it has one (a game without a network has none).
fn with_gate<T>(world: &World, f: impl FnOnce(&mut crate::access::Gate) -> T) -> Option<T> {
    world.get_resource::<SharedGate>().map(|g| f(&mut g.lock()))
}

/// Sends `message` to every connection.
fn tell_everyone(world: &mut World, message: &ServerMessage) {
    let everyone: Vec<u64> = world.resource::<Connections>().0.keys().copied().collect();
    let message = std::sync::Arc::new(message.clone());
    for to in everyone {
        world.write_message(Outgoing { to, message: message.clone() });
    }
}

/// Marks every connection's view for sending at the end of the frame.
fn refresh_every_view(world: &mut World) {
    let everyone: Vec<u64> = world.resource::<Connections>().0.keys().copied().collect();
    world.resource_mut::<Pending>().views.extend(everyone);
}

fn refused(what: &str, reason: String) -> ServerMessage {
    ServerMessage::Refused { what: what.to_string(), reason }
}

/// Runs intake now and returns the verdict of the one order or command just written.
fn verdict(world: &mut World) -> Result<Applied, ServerMessage> {
    let mut cursor = world.remove_resource::<VerdictCursor>().unwrap_or_else(|| {
        let mut c = world.resource::<Messages<OrderVerdict>>().get_cursor();
        // Only verdicts from now on.
        c.clear(world.resource::<Messages<OrderVerdict>>());
        VerdictCursor(c)
    });
    intake_orders(world);
    let last = cursor.0.read(world.resource::<Messages<OrderVerdict>>()).last().cloned();
    world.insert_resource(cursor);
    match last {
        Some(v) if v.accepted => Ok(Applied { id: v.id, reply: ServerMessage::Verdict(v) }),
        Some(v) => Err(ServerMessage::Verdict(v)),
        None => Err(refused("order", "the rules gave no verdict".into())),
    }
}

#[derive(Resource)]
struct VerdictCursor(MessageCursor<OrderVerdict>);

/// Ends the orders phase: locked drafts stand; every other seat is played by its bot (or its
/// draft is locked as it stands, if the game says so).
fn end_orders_phase(world: &mut World) {
    let policy = world.resource::<HostSettings>().on_timeout;
    // A seat unlocked since it last locked: what it had locked stands.
    for (seat, draft) in std::mem::take(&mut world.resource_mut::<LockedBefore>().0) {
        let mut book = world.resource_mut::<OrderBook>();
        if book.drafts.get(&seat).is_some_and(|d| !d.locked) {
            book.drafts.insert(seat, draft);
        }
    }
    let open: Vec<(Entity, String)> = crate::rules::nations_in_order(world)
        .into_iter()
        .filter(|(_, k)| !world.resource::<OrderBook>().is_locked(k))
        .collect();
    match policy {
        OnTimeout::Bot => {
            for (_, seat) in &open {
                clear_draft(world, seat);
            }
            if !open.is_empty() {
                let names: Vec<String> = open.iter().map(|(_, k)| k.clone()).collect();
                let turn = world.resource::<Clock>().turn;
                world
                    .resource_mut::<Notices>()
                    .public
                    .push(format!("Turn {turn}: bots stood in for {}.", names.join(", ")));
            }
            stand_in(world, open);
        }
        OnTimeout::Lock => {
            for (_, seat) in open {
                world.write_message(SeatCommand { nation: seat, action: SeatAction::Lock });
            }
        }
    }
    intake_orders(world);
}

fn clear_draft(world: &mut World, seat: &str) {
    if let Some(d) = world.resource_mut::<OrderBook>().drafts.get_mut(seat) {
        d.orders.clear();
        d.subjects.clear();
        d.locked = false;
    }
}

fn seats_where(world: &mut World, f: impl Fn(Controller) -> bool) -> Vec<String> {
    let mut v: Vec<String> =
        world.query::<(&Key, &Controller)>().iter(world).filter(|(_, c)| f(**c)).map(|(k, _)| k.0.clone()).collect();
    v.sort();
    v
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() { "no seat".into() } else { v.join(", ") }
}

/// Records a facilitator's action with who took it: in the log the white cell reads, and as a
/// public notice.
fn note(world: &mut World, by: &str, what: &str) {
    let line = format!("turn {}: {by} {what}", world.resource::<Clock>().turn);
    let mut notices = world.resource_mut::<Notices>();
    notices.log.push(line);
    notices.public.push(format!("Facilitator: {what}."));
}

/// Notices a new phase: restarts the clock, autosaves, and marks every view for sending.
fn note_new_phase(world: &mut World) {
    let now = (world.resource::<Clock>().turn, *world.resource::<State<Phase>>().get());
    if world.resource::<Pending>().seen == Some(now) {
        return;
    }
    world.resource_mut::<Pending>().seen = Some(now);
    if !matches!(now.1, Phase::Orders | Phase::GameOver | Phase::Lobby) {
        world.resource_mut::<Pending>().busy = true;
        return;
    }
    let seconds = world.resource::<HostSettings>().turn_seconds;
    *world.resource_mut::<PhaseClock>() = match world.remove_resource::<RestoredClock>() {
        Some(restored) if restored.0.turn == now.0 && now.1 == Phase::Orders => restored.0,
        _ => PhaseClock {
            turn: now.0,
            deadline: seconds
                .filter(|_| now.1 == Phase::Orders)
                .map(|s| Instant::now() + Duration::from_secs(u64::from(s))),
            paused: None,
        },
    };
    if now.1 != Phase::Lobby {
        // A turn's views go out first; its autosave is written at the start of the first frame
        // after they have all left, before any input is taken (the journal already holds
        // everything it would record), or as the server stops.
        world.resource_mut::<Pending>().autosave_due = true;
    }
    whitecell::note_overridden_turns(world, now);
    refresh_every_view(world);
    let mut pending = world.resource_mut::<Pending>();
    pending.seats = true;
    pending.busy = true;
}

/// Writes the autosave that the start of an orders phase asked for, once the turn's views are
/// all on their way (before any input of the frame is taken).
fn write_due_autosave(world: &mut World) {
    let pending = world.resource::<Pending>();
    if pending.autosave_due && !pending.backlog {
        world.resource_mut::<Pending>().autosave_due = false;
        autosave(world);
    }
}

/// Writes the autosave (atomically) when the game has a directory and is live.
pub fn autosave(world: &mut World) {
    if world.resource::<Replaying>().0 {
        return;
    }
    let Some(dir) = world.resource::<GameFiles>().dir.clone() else { return };
    let save = snapshot(world);
    if let Err(e) = write_atomic(&dir.join(AUTOSAVE_FILE), &save) {
        error!("could not write the autosave in {}: {e}", dir.display());
    }
    if let Err(e) = seal_journal(world) {
        error!("{e}");
    }
}

/// The state of the game now, as the autosave holds it.
pub fn snapshot(world: &mut World) -> Autosave {
    let (records, head) =
        world.resource::<GameFiles>().journal.as_ref().map_or((0, String::new()), |j| (j.len, j.head()));
    Autosave {
        turn: world.resource::<Clock>().turn,
        phase: *world.resource::<State<Phase>>().get(),
        records,
        head,
        state_hash: format!("{:016x}", state_hash(world)),
        saved_at_unix: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        last_turn: world.resource::<History>().0.last().cloned(),
        state: crate::world::extract_scenario(world),
    }
}
