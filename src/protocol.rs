//! The wire protocol between the server and every client: versioned messages, their size limits,
//! their encoding, and the one function that says which message is legal in which phase for whom.
//!
//! `docs/protocol.md` describes the same for authors of clients in other languages.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::negotiation::{Offer, PressItem, PressRules, PressTo, TalkView};
use crate::record::Briefing;
pub use crate::record::SeatEntry;
pub use crate::record::story::{Cause, IncidentPage, StorySector, TurnStory};
use crate::rules::orders::{Draft, SeatAction};
use crate::rules::{Order, OrderVerdict, Phase};
pub use crate::text::{clean_text, is_control};

/// Bumped whenever a message changes shape; the netcode protocol id derives from it, so clients
/// of another version cannot connect at all (they fail at the handshake, not mid-game).
pub const PROTOCOL_VERSION: u16 = 7;

/// The netcode protocol id: "TRUCE" and the version.
pub const fn protocol_id() -> u64 {
    u64::from_be_bytes([b'T', b'R', b'U', b'C', b'E', 0, 0, 0]) | PROTOCOL_VERSION as u64
}

/// Largest message a client may send (an order with a 1,000-character text fits many times over).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;
/// Largest message the server sends (a full view); a larger view drops its story's oldest events.
pub const MAX_SERVER_MESSAGE_BYTES: usize = 1024 * 1024;
/// Longest display name a client may give.
pub const MAX_NAME_CHARS: usize = 40;
/// Largest size the facilitator may give an approved inject's effects (1 = as the author wrote them).
pub const MAX_INJECT_SCALE: f64 = 3.0;
/// Longest free text in a facilitator command (an announcement).
pub const MAX_ANNOUNCEMENT_CHARS: usize = 1000;
/// Most seconds a facilitator may add to or take from the clock at once.
pub const MAX_CLOCK_CHANGE_SECONDS: u32 = 24 * 3600;
/// Longest join code a client may send to the join endpoint.
pub const MAX_CODE_CHARS: usize = 32;
/// Largest body the join endpoint reads.
pub const MAX_JOIN_BODY_BYTES: usize = 1024;
/// Seconds a connect token stays valid for connecting: a client uses it at once, and an unused
/// one holds one of its code's few places for no longer than this.
pub const TOKEN_EXPIRE_SECONDS: u64 = 10;
/// Tokens one code may have out and unused at once (a team reconnecting together); the next
/// request is answered 503 with `Retry-After: 1`.
pub const UNUSED_TOKENS_PER_CODE: usize = 8;
/// Handshakes under way from one IP address at once (a class behind one router shares one).
pub const MAX_PENDING_HANDSHAKES_PER_ADDRESS: usize = 32;
/// A connection silent this long gives its place to a newer connection of the same code.
pub const SILENT_AFTER_MS: u64 = 2000;
/// Inputs (orders, retractions, locks) one seat may hand in per turn: far above any team's
/// need, and a bound on what one seat can write to the journal.
pub const MAX_INPUTS_PER_SEAT_PER_TURN: usize = 300;
/// A `Refresh` is answered at most this often per connection, and only when the view changed.
pub const REFRESH_EVERY_MS: u64 = 1000;
/// Seconds of silence after which netcode drops a connection.
pub const CONNECTION_TIMEOUT_SECONDS: i32 = 8;

/// A token bucket: `burst` messages at once, refilled at `per_second`. The host rations every
/// connection's messages with one; the WebSocket transport detects floods with another.
#[derive(Clone, Debug, PartialEq)]
pub struct Allowance {
    left: f64,
    at: std::time::Instant,
    per_second: f64,
    burst: f64,
}

impl Allowance {
    pub fn new(per_second: f64, burst: f64, now: std::time::Instant) -> Allowance {
        Allowance { left: burst, at: now, per_second, burst }
    }

    /// Takes one message; false when there is none left to take now.
    pub fn take(&mut self, now: std::time::Instant) -> bool {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.per_second;
        self.left = (self.left + refill).min(self.burst);
        self.at = now;
        if self.left < 1.0 {
            return false;
        }
        self.left -= 1.0;
        true
    }
}

/// Live connections one code may hold at once (a team, a class of observers, the white cell).
/// When a code is full, a new connection replaces the code's longest-silent one if that one has
/// been silent `SILENT_AFTER_MS`; otherwise it is told to try again later.
pub fn most_connections(role: Role) -> usize {
    match role {
        Role::Player => 16,
        Role::Observer => 128,
        Role::Projector => 8,
        Role::Facilitator => 4,
    }
}

/// What a connection may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Plays one nation's seat (with any team-mates holding the same code).
    Player,
    /// Reads the public view.
    Observer,
    /// The public big-screen view for a room's projector: what observers read, and nothing
    /// secret, so a teacher may project it to the class. Commands nothing.
    Projector,
    /// Runs the game: commands, and the omniscient view.
    Facilitator,
}

impl Role {
    /// Whether this role reads everything (every draft and the white cell's trace): only the
    /// facilitator's code opens the white cell.
    pub fn omniscient(self) -> bool {
        self == Role::Facilitator
    }

    pub fn word(self) -> &'static str {
        match self {
            Role::Player => "player",
            Role::Observer => "observer",
            Role::Projector => "projector",
            Role::Facilitator => "facilitator",
        }
    }
}

/// What a connect token's 256 bytes of authenticated user data carry: the seat and the role, as
/// the server issued them. Clients cannot forge it (netcode encrypts it with the server's key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TokenData {
    pub version: u16,
    pub role: Role,
    /// The nation's id for a player; `None` otherwise.
    pub seat: Option<String>,
}

impl TokenData {
    pub fn to_user_data(&self) -> Option<[u8; 256]> {
        let mut out = [0u8; 256];
        postcard::to_slice(self, &mut out).ok()?;
        Some(out)
    }

    pub fn from_user_data(data: &[u8; 256]) -> Option<TokenData> {
        postcard::from_bytes(data).ok()
    }
}

/// The join endpoint's request body: `{"code": "..."}`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct JoinRequest {
    pub code: String,
}

/// The join endpoint's answer: the seat (nation id, or null), the role and the connect token
/// (standard base64 of `ConnectToken::write`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct JoinReply {
    pub seat: Option<String>,
    pub role: Role,
    pub token: String,
}

/// The join endpoint's answer when it refuses.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct JoinError {
    pub error: String,
}

/// The facilitator's words, as the console and the facilitator's client list them.
pub const COMMANDS_HELP: &str = "commands: start [--force] | pause | resume | extend SECONDS | shorten SECONDS | end-phase | \
inject ID | approve ID [SCALE] | skip ID | announce TEXT | press full|public|none | override escalation SCALE WHY | \
override vote ID pass|fail WHY | override attribution SECTOR NATION WHY | bot SEAT [--force] | human SEAT | kick SEAT|observers | readmit SEAT|observers | revoke SEAT | \
rollback TURN | save | status | injects | quit; in scripts also: wait SECONDS | wait-turn N | wait-players N; a line starting with # is a \
comment";

/// A facilitator's command (from the server console or a facilitator connection).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum Command {
    /// Leave the lobby: seats nobody joined go to their bots.
    Start,
    /// Stop the clock.
    Pause,
    /// Restart the clock.
    Resume,
    /// Add seconds to the clock.
    Extend(u32),
    /// Take seconds off the clock (it stops at zero, which ends the phase).
    Shorten(u32),
    /// End the orders phase now, as if the clock had run out.
    EndPhase,
    /// Fire one of the scenario's injects now, whatever its trigger.
    Inject(String),
    /// Tell every connection something.
    Announce(String),
    /// Hand a seat to its bot from now on.
    HandToBot(String),
    /// Give a seat back to its people.
    HandBack(String),
    /// Disconnect every connection of a seat (or "observers") and bar its code until `Readmit`.
    Kick(String),
    /// Let a kicked seat's (or the observers') code in again.
    Readmit(String),
    /// Give a seat a new code (told to the facilitator only) and disconnect the old one's holders.
    Revoke(String),
    /// Write a save now.
    Save,
    /// Leave the lobby even with nobody in a seat: the bots then play every turn through at once.
    ForceStart,
    /// Hand a seat to its bot even while its people are connected (their draft is kept).
    ForceHandToBot(String),
    /// Set who may talk to whom from now on.
    Press(PressRules),
    /// Let an inject that waits for approval fire now, its effects scaled (1 = as written).
    Approve { inject: String, scale: f64 },
    /// Let an inject that waits for approval not fire this time.
    Skip(String),
    /// Take the game back to the start of an earlier turn's orders phase (the journal keeps
    /// what came after, as a branch).
    Rollback(u32),
    /// Override this turn's adjudication, with the white cell's reason for the record.
    Override { what: crate::game::Override, rationale: String },
}

impl Command {
    pub fn word(&self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Extend(_) => "extend",
            Command::Shorten(_) => "shorten",
            Command::EndPhase => "end-phase",
            Command::Inject(_) => "inject",
            Command::Announce(_) => "announce",
            Command::HandToBot(_) => "bot",
            Command::HandBack(_) => "human",
            Command::Kick(_) => "kick",
            Command::Readmit(_) => "readmit",
            Command::Revoke(_) => "revoke",
            Command::Save => "save",
            Command::ForceStart => "start --force",
            Command::ForceHandToBot(_) => "bot --force",
            Command::Press(_) => "press",
            Command::Approve { .. } => "approve",
            Command::Skip(_) => "skip",
            Command::Rollback(_) => "rollback",
            Command::Override { .. } => "override",
        }
    }

    /// Parses a console line such as `extend 120` or `bot russia`.
    pub fn parse(line: &str) -> Result<Command, String> {
        let line = line.trim();
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let arg = |what: &str| {
            if rest.is_empty() { Err(format!("`{word}` needs {what}")) } else { Ok(rest.to_string()) }
        };
        let seconds = || -> Result<u32, String> {
            let n: u32 = rest.parse().map_err(|_| format!("`{word}` needs a number of seconds, not {rest:?}"))?;
            if n == 0 || n > MAX_CLOCK_CHANGE_SECONDS {
                return Err(format!("`{word}` takes 1 to {MAX_CLOCK_CHANGE_SECONDS} seconds"));
            }
            Ok(n)
        };
        let none = |c: Command| {
            if rest.is_empty() { Ok(c) } else { Err(format!("`{word}` takes no argument")) }
        };
        match word.to_ascii_lowercase().as_str() {
            "start" if matches!(rest, "--force" | "-f") => Ok(Command::ForceStart),
            "start" => none(Command::Start),
            "pause" => none(Command::Pause),
            "resume" => none(Command::Resume),
            "extend" => Ok(Command::Extend(seconds()?)),
            "shorten" => Ok(Command::Shorten(seconds()?)),
            "end-phase" | "end" => none(Command::EndPhase),
            "inject" => Ok(Command::Inject(arg("an inject id")?)),
            "announce" | "say" => Ok(Command::Announce(arg("a text")?)),
            "bot" => {
                let seat = arg("a seat (nation id)")?;
                let words: Vec<&str> = seat.split_whitespace().collect();
                match words.as_slice() {
                    [s, "--force" | "-f"] | ["--force" | "-f", s] => Ok(Command::ForceHandToBot(s.to_string())),
                    _ => Ok(Command::HandToBot(seat)),
                }
            }
            "human" => Ok(Command::HandBack(arg("a seat (nation id)")?)),
            "kick" => Ok(Command::Kick(arg("a seat (nation id) or `observers`")?)),
            "readmit" => Ok(Command::Readmit(arg("a seat (nation id) or `observers`")?)),
            "revoke" => Ok(Command::Revoke(arg("a seat (nation id)")?)),
            "save" => none(Command::Save),
            "press" => match rest.to_ascii_lowercase().as_str() {
                "full" => Ok(Command::Press(PressRules::Full)),
                "public" | "public-only" | "public_only" => Ok(Command::Press(PressRules::PublicOnly)),
                "none" | "off" => Ok(Command::Press(PressRules::None)),
                _ => Err("`press` takes full, public or none".into()),
            },
            "approve" => {
                arg("an inject id")?;
                let mut parts = rest.split_whitespace();
                let inject = parts.next().unwrap_or_default().to_string();
                let scale = match parts.next() {
                    None => 1.0,
                    Some(x) => x
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite() && (0.0..=MAX_INJECT_SCALE).contains(x))
                        .ok_or_else(|| {
                            format!("`approve` takes a size from 0 to {MAX_INJECT_SCALE} (1 = as written), not {x:?}")
                        })?,
                };
                if parts.next().is_some() {
                    return Err("`approve` takes an inject id and at most a size".into());
                }
                Ok(Command::Approve { inject, scale })
            }
            "skip" => Ok(Command::Skip(arg("an inject id")?)),
            "override" => parse_override(rest),
            "rollback" => {
                let turn: u32 = rest.parse().map_err(|_| format!("`rollback` needs a turn number, not {rest:?}"))?;
                if turn == 0 {
                    return Err("turns are numbered from 1".into());
                }
                Ok(Command::Rollback(turn))
            }
            "" => Err("empty command".into()),
            other => Err(format!(
                "unknown command {other:?}; commands: start [--force], pause, resume, extend N, shorten N, end-phase, \
                 inject ID, approve ID [SCALE], skip ID, announce TEXT, press full|public|none, bot SEAT [--force], \
                 override escalation|vote|attribution …, human SEAT, kick SEAT, readmit SEAT, revoke SEAT, rollback TURN, save"
            )),
        }
    }

    /// Whether its arguments are within the limits.
    fn within_limits(&self) -> Result<(), String> {
        use crate::game::Override as O;
        match self {
            Command::Override { rationale, .. } if rationale.trim().is_empty() => {
                Err("an override needs its rationale, for the record".into())
            }
            Command::Override { rationale, .. } if rationale.chars().count() > MAX_ANNOUNCEMENT_CHARS => {
                Err(format!("a rationale is at most {MAX_ANNOUNCEMENT_CHARS} characters"))
            }
            Command::Override { what: O::Escalation { scale }, .. }
                if !(scale.is_finite() && (0.0..=MAX_INJECT_SCALE).contains(scale)) =>
            {
                Err(format!("escalation is scaled by 0 to {MAX_INJECT_SCALE}"))
            }
            Command::Extend(n) | Command::Shorten(n) if *n == 0 || *n > MAX_CLOCK_CHANGE_SECONDS => {
                Err(format!("the clock changes by 1 to {MAX_CLOCK_CHANGE_SECONDS} seconds"))
            }
            Command::Announce(t) if t.chars().count() > MAX_ANNOUNCEMENT_CHARS => {
                Err(format!("an announcement is at most {MAX_ANNOUNCEMENT_CHARS} characters"))
            }
            Command::Approve { scale, .. } if !(scale.is_finite() && (0.0..=MAX_INJECT_SCALE).contains(scale)) => {
                Err(format!("an inject's size is 0 to {MAX_INJECT_SCALE} (1 = as written)"))
            }
            Command::Inject(s)
            | Command::Skip(s)
            | Command::Approve { inject: s, .. }
            | Command::HandToBot(s)
            | Command::HandBack(s)
            | Command::Kick(s)
            | Command::Readmit(s)
            | Command::Revoke(s)
                if s.len() > 64 =>
            {
                Err("that id is longer than any in this game".into())
            }
            _ => Ok(()),
        }
    }
}

/// Everything a client may send.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum ClientMessage {
    /// Optional: a display name for the facilitator's list.
    Hello { name: String },
    /// Hand in an order for the seat.
    Order(Order),
    /// Lock, unlock, or retract one order of the seat's draft.
    Seat(SeatAction),
    /// A facilitator's command.
    Command(Command),
    /// Ask for the full current view again.
    Refresh,
    /// Ask for the story of a resolved turn (any turn of the game, for a rejoin or a resume).
    Story { turn: u32 },
    /// Ask for one page (from 0) of a resolved turn's incidents, as the seat may read them.
    Incidents { turn: u32, page: u32 },
    /// Ask which orders of one kind (a word of `SeatOptions::kinds`, such as "pledge") the
    /// rules would take from the seat now; answered with `ServerMessage::Menu`.
    Menu { kind: String },
    /// Say something now: to one seat, to a channel the seat is in, or to everyone.
    Press { to: PressTo, text: String },
    /// Open a group channel with the seats named.
    OpenChannel { name: String, members: Vec<String> },
    /// Offer another seat a deal.
    Offer(Offer),
    /// Accept or reject a deal offered to the seat, with a reason.
    Answer { deal: u64, accept: bool, reason: String },
    /// The facilitator hands in an order for any seat (a teacher's sandbox).
    OrderFor { seat: String, order: Order },
}

impl ClientMessage {
    pub fn word(&self) -> &'static str {
        match self {
            ClientMessage::Hello { .. } => "hello",
            ClientMessage::Order(_) => "order",
            ClientMessage::Seat(SeatAction::Lock) => "lock",
            ClientMessage::Seat(SeatAction::Unlock) => "unlock",
            ClientMessage::Seat(SeatAction::Retract(_)) => "retract",
            ClientMessage::Command(c) => c.word(),
            ClientMessage::Refresh => "refresh",
            ClientMessage::Story { .. } => "story",
            ClientMessage::Incidents { .. } => "incidents",
            ClientMessage::Menu { .. } => "menu",
            ClientMessage::Press { .. } => "press",
            ClientMessage::OpenChannel { .. } => "channel",
            ClientMessage::Offer(_) => "offer",
            ClientMessage::Answer { .. } => "answer",
            ClientMessage::OrderFor { .. } => "order for",
        }
    }
}

/// `override escalation SCALE RATIONALE…` or `override vote PROPOSAL pass|fail RATIONALE…`.
fn parse_override(rest: &str) -> Result<Command, String> {
    use crate::game::Override as O;
    let usage = "`override escalation SCALE WHY…` (0 cancels this turn's escalation), `override vote PROPOSAL pass|fail \
                 WHY…` or `override attribution SECTOR NATION WHY…`";
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (what, why) = match words.as_slice() {
        ["escalation", scale, why @ ..] => {
            let scale: f64 = scale.parse().map_err(|_| format!("{usage}: {scale:?} is not a number"))?;
            (O::Escalation { scale }, why)
        }
        ["attribution", sector, to, why @ ..] => {
            (O::Attribution { sector: sector.to_string(), to: to.to_string() }, why)
        }
        ["vote", proposal, outcome @ ("pass" | "fail"), why @ ..] => {
            let proposal: u64 =
                proposal.parse().map_err(|_| format!("{usage}: {proposal:?} is not a proposal number"))?;
            (O::Vote { proposal, passes: *outcome == "pass" }, why)
        }
        _ => return Err(usage.into()),
    };
    Ok(Command::Override { what, rationale: why.join(" ") })
}

/// Whether `message` may be sent now by a connection of `role` while the game is in `phase`;
/// the error is the reason the sender is told. Orders are also checked by the rules afterwards.
pub fn legal(message: &ClientMessage, phase: Phase, role: Role) -> Result<(), String> {
    use ClientMessage as M;
    only_text(message)?;
    match message {
        M::Hello { name } if name.chars().count() > MAX_NAME_CHARS => {
            Err(format!("a name is at most {MAX_NAME_CHARS} characters"))
        }
        M::Hello { .. } | M::Refresh | M::Story { .. } | M::Incidents { .. } => Ok(()),
        M::Order(order) | M::OrderFor { order, .. } if !numbers_finite(order) => {
            Err("numbers in an order must be finite".into())
        }
        M::Offer(offer) if !offer.give.iter().chain(&offer.want).all(numbers_finite) => {
            Err("numbers in a deal's terms must be finite".into())
        }
        M::OrderFor { .. } if role != Role::Facilitator => {
            Err("only the facilitator gives orders for another seat".into())
        }
        M::OrderFor { .. } if phase != Phase::Orders => {
            Err(format!("orders are taken only in the orders phase; the game is now in {}", phase_word(phase)))
        }
        M::OrderFor { .. } => Ok(()),
        M::Menu { kind } if !crate::rules::menu::KINDS.contains(&kind.as_str()) => {
            Err(format!("there is no kind of order called {:?}", kind.chars().take(40).collect::<String>()))
        }
        M::Order(_)
        | M::Seat(_)
        | M::Menu { .. }
        | M::Press { .. }
        | M::OpenChannel { .. }
        | M::Offer(_)
        | M::Answer { .. } => {
            if role != Role::Player {
                let what = if matches!(message, M::Press { .. } | M::OpenChannel { .. }) {
                    "speak for"
                } else {
                    "give orders for"
                };
                Err(format!("the {} has no seat to {what}", role.word()))
            } else if phase != Phase::Orders {
                Err(format!("orders are taken only in the orders phase; the game is now in {}", phase_word(phase)))
            } else {
                Ok(())
            }
        }
        M::Command(c) => {
            if role != Role::Facilitator {
                return Err("only the facilitator gives commands".into());
            }
            c.within_limits()?;
            let ok = match c {
                Command::Start | Command::ForceStart => phase == Phase::Lobby,
                Command::Pause | Command::Resume | Command::Extend(_) | Command::Shorten(_) => {
                    matches!(phase, Phase::Orders)
                }
                Command::EndPhase
                | Command::Inject(_)
                | Command::Approve { .. }
                | Command::Skip(_)
                | Command::Override { .. } => phase == Phase::Orders,
                Command::Press(_) => phase != Phase::GameOver,
                Command::Rollback(_) => matches!(phase, Phase::Orders | Phase::GameOver),
                Command::HandToBot(_) | Command::ForceHandToBot(_) | Command::HandBack(_) => {
                    matches!(phase, Phase::Lobby | Phase::Orders)
                }
                Command::Announce(_) | Command::Kick(_) | Command::Readmit(_) | Command::Revoke(_) | Command::Save => {
                    true
                }
            };
            if ok {
                Ok(())
            } else {
                Err(format!("`{}` cannot be used while the game is in {}", c.word(), phase_word(phase)))
            }
        }
    }
}

/// Refuses a message any of whose strings holds a control character (see `is_control`), naming
/// the first one and where it is.
fn only_text(message: &ClientMessage) -> Result<(), String> {
    fn find(v: &serde_json::Value) -> Option<(char, usize)> {
        match v {
            serde_json::Value::String(s) => s.chars().enumerate().find(|(_, c)| is_control(*c)).map(|(i, c)| (c, i)),
            serde_json::Value::Array(a) => a.iter().find_map(find),
            serde_json::Value::Object(o) => o.iter().find_map(|(k, v)| {
                k.chars().enumerate().find(|(_, c)| is_control(*c)).map(|(i, c)| (c, i)).or_else(|| find(v))
            }),
            _ => None,
        }
    }
    let value = serde_json::to_value(message).unwrap_or_default();
    match find(&value) {
        Some((c, at)) => {
            Err(format!("text may not hold control characters; found U+{:04X} at character {}", c as u32, at + 1))
        }
        None => Ok(()),
    }
}

/// Whether every number in an order is finite (NaN and infinities cannot be journalled as JSON,
/// and mean nothing in a condition).
fn numbers_finite(order: &Order) -> bool {
    use crate::scenario::model::Condition as C;
    fn condition(c: &C) -> bool {
        match c {
            C::EscalationAtLeast(x)
            | C::EscalationBelow(x)
            | C::SupportAtLeast { value: x, .. }
            | C::Leans { value: x, .. } => x.is_finite(),
            C::All(v) | C::Any(v) => v.iter().all(condition),
            C::Not(c) => condition(c),
            _ => true,
        }
    }
    match order {
        Order::SetPosture { pressure, .. } => pressure.is_finite(),
        Order::Pledge { condition: Some(c), .. } => condition(c),
        _ => true,
    }
}

pub fn phase_word(phase: Phase) -> &'static str {
    match phase {
        Phase::Lobby => "the lobby",
        Phase::Briefing => "the briefing",
        Phase::Orders => "the orders phase",
        Phase::Resolution => "resolution",
        Phase::GameOver => "game over",
    }
}

/// A point of the ceasefire line and the sectors along it, for drawing the map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MapInfo {
    pub line_name: String,
    pub length_km: f64,
    /// (latitude, longitude) of each point.
    pub points: Vec<(f64, f64)>,
    pub sectors: Vec<SectorInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SectorInfo {
    pub id: String,
    pub name: String,
    /// First and last point of the line in this sector.
    pub points: (u32, u32),
    pub length_km: f64,
}

/// The game's fixed facts, sent once on connecting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Welcome {
    pub version: u16,
    pub scenario: String,
    pub title: String,
    /// The scenario's premise, as its author wrote it.
    pub premise: String,
    pub turns: u32,
    pub turn_days: u32,
    pub role: Role,
    pub seat: Option<String>,
    pub map: MapInfo,
    /// Every nation: (id, name).
    pub nations: Vec<(String, String)>,
    /// Ids of the scenario's injects and of its institutions, mandate templates and contingents
    /// that the seat may name in orders.
    pub choices: Choices,
    /// Every voting body: who sits in it and how it decides.
    pub bodies: Vec<BodyInfo>,
    /// Every mandate template: what it lets a force do, what it takes and what it costs.
    pub mandates: Vec<TemplateInfo>,
}

/// A voting body as a seat needs to know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BodyInfo {
    pub id: String,
    pub name: String,
    /// Its members' names, nations of the game and scripted states alike.
    pub members: Vec<String>,
    /// How it decides, in words.
    pub rule: String,
}

/// A mandate template as a seat needs to know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TemplateInfo {
    pub id: String,
    pub name: String,
    /// What the force may do, in words.
    pub kind: String,
    /// Political capital the proposer spends.
    pub cost: i64,
    /// Turns it lasts before it must be renewed.
    pub duration_turns: u32,
    /// For each severity of violation (in words), the responses it permits (in words).
    pub responses: Vec<(String, Vec<String>)>,
    /// The kinds of contingent that may serve under it.
    pub contingents: Vec<String>,
}

/// Ids the orders menus offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Choices {
    pub institutions: Vec<(String, String)>,
    pub templates: Vec<(String, String)>,
    pub injects: Vec<(String, String)>,
    /// What each kind of order costs in political capital (by `Order::kind`; a mandate proposal
    /// as `mandate <template id>`).
    pub costs: Vec<(String, i64)>,
}

/// A proposal waiting for votes, as everyone may see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProposalView {
    pub id: u64,
    pub proposer: String,
    pub institution: String,
    pub template: String,
    /// Empty = the whole line.
    pub sectors: Vec<String>,
}

/// What a seat can do now: the kinds of order open to it, the proposals it can vote on, and what
/// its bot would hand in (the advisor; `truce bot` plays exactly this).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeatOptions {
    pub kinds: Vec<String>,
    pub proposals: Vec<ProposalView>,
    pub advice: Vec<Order>,
}

/// The phase clock as a client shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClockView {
    /// Milliseconds left in the phase; `None` when the phase is not timed.
    pub remaining_ms: Option<u64>,
    pub paused: bool,
}

/// One seat as everyone may see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeatStatus {
    pub id: String,
    pub name: String,
    pub locked: bool,
    pub bot: bool,
    /// Connections holding this seat now.
    pub connected: u32,
}

/// One sector as everyone may see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SectorView {
    pub id: String,
    /// Tension now, 0..1.
    pub tension: f64,
    pub recorded_last_turn: u64,
    pub incidents_last_turn: u64,
    /// Troops of contingents in the sector (peacekeepers and others deployed there).
    pub peacekeepers: i64,
    /// Monitoring assets watching the sector.
    pub monitors: i64,
}

/// Everything one connection may see now. A player's view holds only its own seat's secrets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct View {
    /// This view's number: a patch names the view it applies to and the one it makes.
    pub id: u64,
    pub turn: u32,
    pub phase: Phase,
    pub clock: ClockView,
    pub role: Role,
    pub seat: Option<String>,
    pub briefing: Briefing,
    /// The seat's draft for this turn (shared by its team).
    pub draft: Option<Draft>,
    pub seats: Vec<SeatStatus>,
    pub sectors: Vec<SectorView>,
    /// A player's choices this turn.
    pub options: Option<SeatOptions>,
    /// Announcements and facilitator actions everyone may read, newest last.
    pub notices: Vec<String>,
    /// For the facilitator only: the white cell.
    pub omniscient: Option<Omniscient>,
    /// The press rules, and the connection's channels and deals.
    pub talk: Option<TalkView>,
    /// The press this connection may read, newest last (the newest `PRESS_IN_VIEW`). Patches
    /// never carry it: later press arrives as `ServerMessage::Press`, each with its number.
    pub press: Vec<PressItem>,
    /// A player's goals and what is before it, in words.
    pub goals: Option<SeatGoals>,
    /// At game over, for everyone: the ranking, the record, and why the game ended.
    pub debrief: Option<Debrief>,
    /// The last resolved turn, told to this connection: what changed and why, the events and the
    /// worst incidents. Every incident is had by page (`ClientMessage::Incidents`), any earlier
    /// turn's story by `ClientMessage::Story`.
    pub story: Option<TurnStory>,
}

/// What changed from one view to the next: each field is `Some` only when it changed. The
/// channel is reliable and ordered, so the view it applies to (`base`) is the last one sent to the
/// connection; a client that holds another asks for `Refresh`. In JSON a field that did not
/// change is absent, and a field present as `null` became empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ViewPatch {
    pub base: u64,
    pub id: u64,
    #[serde(default, deserialize_with = "patched")]
    pub turn: Option<u32>,
    #[serde(default, deserialize_with = "patched")]
    pub phase: Option<Phase>,
    #[serde(default, deserialize_with = "patched")]
    pub clock: Option<ClockView>,
    #[serde(default, deserialize_with = "patched")]
    pub briefing: Option<Briefing>,
    #[serde(default, deserialize_with = "patched")]
    pub draft: Option<Option<Draft>>,
    #[serde(default, deserialize_with = "patched")]
    pub seats: Option<Vec<SeatStatus>>,
    #[serde(default, deserialize_with = "patched")]
    pub sectors: Option<Vec<SectorView>>,
    #[serde(default, deserialize_with = "patched")]
    pub options: Option<Option<SeatOptions>>,
    #[serde(default, deserialize_with = "patched")]
    pub notices: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patched")]
    pub omniscient: Option<Option<Omniscient>>,
    #[serde(default, deserialize_with = "patched")]
    pub talk: Option<Option<TalkView>>,
    #[serde(default, deserialize_with = "patched")]
    pub goals: Option<Option<SeatGoals>>,
    #[serde(default, deserialize_with = "patched")]
    pub debrief: Option<Option<Debrief>>,
    #[serde(default, deserialize_with = "patched")]
    pub story: Option<Option<TurnStory>>,
}

macro_rules! view_fields {
    ($m:ident) => {
        $m!(
            turn, phase, clock, briefing, draft, seats, sectors, options, notices, omniscient, talk, goals, debrief,
            story
        )
    };
}

impl ViewPatch {
    /// What turns `base` into `next` (the same connection's: role and seat never change).
    pub fn between(base: &View, next: &View) -> ViewPatch {
        let mut p = ViewPatch { base: base.id, id: next.id, ..Default::default() };
        macro_rules! diff {
            ($($f:ident),*) => {
                $(if base.$f != next.$f {
                    p.$f = Some(next.$f.clone());
                })*
            };
        }
        view_fields!(diff);
        p
    }

    /// Applies the patch to `view`; false (and `view` untouched) if `view` is not its base.
    pub fn apply(self, view: &mut View) -> bool {
        if view.id != self.base {
            return false;
        }
        view.id = self.id;
        macro_rules! set {
            ($($f:ident),*) => {
                $(if let Some(x) = self.$f {
                    view.$f = x;
                })*
            };
        }
        view_fields!(set);
        true
    }
}

/// A patch field: in JSON, present (even as `null`) means changed; in postcard, the usual option.
fn patched<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    if d.is_human_readable() { T::deserialize(d).map(Some) } else { Option::<T>::deserialize(d) }
}

/// The after-action debrief shown at game over.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Debrief {
    /// Why the game ended, in words.
    pub ended: String,
    pub turns_played: u32,
    /// Every seat, best score first (ties by stable order).
    pub ranking: Vec<DebriefSeat>,
    /// Escalation at the end of each turn played.
    pub escalation: Vec<f64>,
}

/// One seat in the debrief: its score and its objectives' record. A player reads all of its own
/// objectives and the public ones of others; the facilitator reads every one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DebriefSeat {
    pub id: String,
    pub name: String,
    pub score: i64,
    pub objectives: Vec<ObjectiveRecordView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveRecordView {
    pub text: String,
    pub public: bool,
    pub weight: i64,
    /// Turns on which it held at scoring.
    pub turns_met: u32,
}

/// What a seat plays for and what is before it, in words: its objectives, public and secret,
/// as they stand now; the guarantees offered to it, with what each component does; its own
/// postures on the line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeatGoals {
    pub objectives: Vec<ObjectiveStatus>,
    pub offers: Vec<OfferView>,
    /// Its standing pressure in each sector where it has troops: (sector name, 0..1).
    pub postures: Vec<(String, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveStatus {
    pub text: String,
    pub public: bool,
    /// Points a turn while it holds.
    pub weight: i64,
    pub status: GoalStatus,
}

/// Whether an objective holds as the world stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum GoalStatus {
    Met,
    /// It holds, but it rests on the ceasefire and the ceasefire is fraying.
    AtRisk,
    Missed,
}

/// A guarantee offered to the seat and still open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OfferView {
    pub id: String,
    /// The guarantor's name.
    pub from: String,
    /// Each component, with what it would do.
    pub components: Vec<String>,
}

/// The white cell's view: every seat's draft and state (its `View.story` tells the whole truth).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Omniscient {
    pub drafts: BTreeMap<String, Draft>,
    pub seats: Vec<Briefing>,
    /// Connections: (client id, role, seat, name).
    pub connections: Vec<(u64, Role, Option<String>, String)>,
    /// Every facilitator action with who did it.
    pub log: Vec<String>,
    /// Injects waiting for the white cell's approval: (id, its name and text).
    pub awaiting: Vec<(String, String)>,
    /// Each overridden turn set against the same turn without its overrides.
    pub counterfactuals: Vec<crate::host::whitecell::Counterfactual>,
}

/// Everything the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum ServerMessage {
    Welcome(Box<Welcome>),
    /// The full current view (on joining and on `Refresh`).
    View(Box<View>),
    /// The answer to an order or seat action.
    Verdict(OrderVerdict),
    /// A message was refused before it reached the rules: which one and why.
    Refused {
        what: String,
        reason: String,
    },
    /// A facilitator command was carried out.
    Done {
        what: String,
    },
    Clock(ClockView),
    /// The seat table changed (a lock, a bot, a connection).
    Seats(Vec<SeatStatus>),
    /// Something every connection should read now.
    Notice(String),
    /// The server is closing this connection, and why; `rejoin` says whether the client should
    /// try again later (the code is full) or not (kicked, code replaced, game over).
    Goodbye {
        reason: String,
        rejoin: bool,
    },
    /// What changed in the view since the last one sent (at each phase and whenever the seat's
    /// draft changes).
    Patch(Box<ViewPatch>),
    /// The story of a turn, asked for.
    Story(Box<TurnStory>),
    /// A page of a turn's incidents, asked for.
    Incidents(Box<IncidentPage>),
    /// The orders of one kind the rules would take from the seat, asked for.
    Menu(Box<MenuView>),
    /// Press the connection may read, the moment it was said.
    Press(Box<PressItem>),
}

/// Most orders one menu lists: every target of the largest kind in a scenario of 40 sectors and
/// 40 nations, with room to spare.
pub const MAX_MENU_ORDERS: usize = 4096;

/// The answer to `ClientMessage::Menu`: every order of `kind` the rules would take from the seat
/// at `turn`, one at a time against its draft and its capital, in the game's order. The text of a
/// message or a statement is left empty for the sender to write; any text is taken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MenuView {
    pub kind: String,
    pub turn: u32,
    pub orders: Vec<Order>,
}

/// Encodes a message for the wire.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message).unwrap_or_default()
}

/// Decodes a client's message; `None` when the bytes are not one (the sender is disconnected).
pub fn decode_client(bytes: &[u8]) -> Option<ClientMessage> {
    if bytes.len() > MAX_CLIENT_MESSAGE_BYTES {
        return None;
    }
    postcard::from_bytes(bytes).ok()
}

/// A server message as JSON, for the WebSocket: serde's externally tagged form, with the fields
/// of a patch that did not change left out.
pub fn encode_json(message: &ServerMessage) -> String {
    match message {
        ServerMessage::Patch(patch) => {
            let mut out = String::from("{\"Patch\":");
            out.push_str(&serde_json::to_string(&JsonPatch(patch)).unwrap_or_default());
            out.push('}');
            out
        }
        _ => serde_json::to_string(message).unwrap_or_default(),
    }
}

/// A patch as JSON writes it: only the fields that changed.
struct JsonPatch<'a>(&'a ViewPatch);

impl Serialize for JsonPatch<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let p = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("base", &p.base)?;
        map.serialize_entry("id", &p.id)?;
        macro_rules! changed {
            ($($f:ident),*) => {
                $(if let Some(value) = &p.$f {
                    map.serialize_entry(stringify!($f), value)?;
                })*
            };
        }
        view_fields!(changed);
        map.end()
    }
}

/// Decodes a client's JSON message, or says what is wrong with it and where.
pub fn decode_json_client(text: &str) -> Result<ClientMessage, String> {
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        return Err(format!("a message is at most {MAX_CLIENT_MESSAGE_BYTES} bytes"));
    }
    serde_json::from_str(text).map_err(|e| {
        let why = e.to_string();
        format!("not a message of protocol {PROTOCOL_VERSION}: {}", why.chars().take(300).collect::<String>())
    })
}

/// Decodes a server's JSON message.
pub fn decode_json_server(text: &str) -> Option<ServerMessage> {
    serde_json::from_str(text).ok()
}

/// The JSON Schema (draft 2020-12) of every message of this version: `client` is what a client
/// may send, `server` what it is sent, and `join` the join endpoint's bodies. Served at
/// `GET /schema.json`.
pub fn schema() -> serde_json::Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let refs = [
        ("client", generator.subschema_for::<ClientMessage>()),
        ("server", generator.subschema_for::<ServerMessage>()),
        ("join_request", generator.subschema_for::<JoinRequest>()),
        ("join_reply", generator.subschema_for::<JoinReply>()),
        ("join_error", generator.subschema_for::<JoinError>()),
    ];
    let defs = generator.take_definitions(true);
    let mut properties = serde_json::Map::new();
    for (name, schema) in &refs {
        properties.insert(name.to_string(), schema.clone().to_value());
    }
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("truce-protocol-{PROTOCOL_VERSION}"),
        "title": format!("Truce protocol {PROTOCOL_VERSION}: the messages of GET /ws as JSON"),
        "description": "One message per WebSocket text frame. A client sends `client`; the server sends `server`. Enums are externally tagged: a unit variant is its name as a string (\"Refresh\"), any other an object with one key ({\"Menu\": {\"kind\": \"vote\"}}).",
        "protocol_version": PROTOCOL_VERSION,
        "type": "object",
        "properties": properties,
        "$defs": defs,
    })
}

/// Decodes a server's message.
pub fn decode_server(bytes: &[u8]) -> Option<ServerMessage> {
    if bytes.len() > MAX_SERVER_MESSAGE_BYTES {
        return None;
    }
    postcard::from_bytes(bytes).ok()
}

/// The renet channels: one reliable ordered channel each way, budgets sized to the limits above.
pub fn connection_config() -> bevy_renet::renet::ConnectionConfig {
    use bevy_renet::renet::{ChannelConfig, ConnectionConfig, SendType};
    let channel = |bytes: usize| {
        vec![ChannelConfig {
            channel_id: 0,
            max_memory_usage_bytes: bytes,
            send_type: SendType::ReliableOrdered { resend_time: std::time::Duration::from_millis(200) },
        }]
    };
    ConnectionConfig {
        // Per client and frame; the transport also caps each frame's total.
        available_bytes_per_tick: 64 * 1024,
        server_channels_config: channel(8 * MAX_SERVER_MESSAGE_BYTES),
        client_channels_config: channel(8 * MAX_CLIENT_MESSAGE_BYTES),
    }
}

/// The one channel every message travels on.
pub const CHANNEL: u8 = 0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_in_json_leaves_out_what_did_not_change_and_says_what_became_empty() {
        let patch = ViewPatch { base: 3, id: 4, draft: Some(None), turn: Some(2), ..Default::default() };
        let json = encode_json(&ServerMessage::Patch(Box::new(patch.clone())));
        assert_eq!(json, r#"{"Patch":{"base":3,"id":4,"turn":2,"draft":null}}"#);
        assert_eq!(decode_json_server(&json), Some(ServerMessage::Patch(Box::new(patch.clone()))));
        // postcard keeps its own form of the same patch.
        assert_eq!(
            decode_server(&encode(&ServerMessage::Patch(Box::new(patch.clone())))),
            Some(ServerMessage::Patch(Box::new(patch)))
        );
    }

    #[test]
    fn a_client_message_that_is_not_one_is_refused_saying_why() {
        assert_eq!(decode_json_client(r#""Refresh""#), Ok(ClientMessage::Refresh));
        let why = decode_json_client(r#"{"Order": {"Teleport": {}}}"#).unwrap_err();
        assert!(why.contains("unknown variant") && why.contains("Teleport"), "{why}");
        assert!(decode_json_client(&"x".repeat(MAX_CLIENT_MESSAGE_BYTES + 1)).unwrap_err().contains("at most"));
    }
}
