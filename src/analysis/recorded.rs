//! A recorded game: a game directory (hosted, or saved by `truce sim --save`) read back, replayed
//! headless, branched at a turn (`truce fork`) and compared with another (`truce diff`).

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::Deserialize;

use crate::host::{Autosave, GameFiles, HostPlugin, Input, Record, Replaying, apply_input};
use crate::record::journal::{self, AUTOSAVE_FILE, JOURNAL_FILE, Journal, META_FILE, genesis, read_json, write_atomic};
use crate::record::{History, Trace, TurnSummary, state_hash};
use crate::rules::Phase;
use crate::rules::orders::{Order, SeatAction};
use crate::server::{ForkedFrom, Meta, now_at, position, step_to};

/// Who gives the inputs a fork adds, as the journal names them.
pub const FORK_BY: &str = "fork";

/// A game directory as it was read.
pub struct Recorded {
    pub dir: PathBuf,
    pub meta: Meta,
    pub records: Vec<Record>,
    /// The journal chain's head after the last record.
    pub head: String,
    pub autosave: Option<Autosave>,
}

impl Recorded {
    /// Reads a game directory without changing it, checking its journal's chain.
    pub fn open(dir: &Path) -> Result<Recorded, String> {
        let meta_path = dir.join(META_FILE);
        let meta_bytes = std::fs::read(&meta_path)
            .map_err(|e| format!("{} holds no game ({}: {e})", dir.display(), meta_path.display()))?;
        let meta: Meta = read_json(&meta_path)?;
        let (records, head) = if dir.join(JOURNAL_FILE).exists() {
            journal::read::<Record>(dir, genesis(&meta_bytes))?
        } else {
            (Vec::new(), String::new())
        };
        let save_path = dir.join(AUTOSAVE_FILE);
        let autosave = if save_path.exists() { Some(read_json::<Autosave>(&save_path)?) } else { None };
        Ok(Recorded { dir: dir.to_path_buf(), meta, records, head, autosave })
    }

    /// Where the recorded game stood last: its autosave, or its last record if that came later.
    pub fn end(&self) -> (u32, Phase) {
        let save = self.autosave.as_ref().map(|s| (s.turn, s.phase));
        let active = crate::host::active_branch(&self.records);
        let last = self
            .records
            .iter()
            .zip(active)
            .rev()
            .find(|(r, a)| *a && r.input.changes_game())
            .map(|(r, _)| (r.turn, r.phase));
        [save, last].into_iter().flatten().max_by_key(|&(t, p)| position(t, p)).unwrap_or((0, Phase::Lobby))
    }

    /// The sha256 of its journal file, as it is on disk.
    pub fn journal_sha256(&self) -> String {
        std::fs::read(self.dir.join(JOURNAL_FILE)).map(|b| super::sha256_hex(&b)).unwrap_or_default()
    }

    /// Replays it headless to where it stood, checking the autosave's state on the way.
    pub fn replay(&self) -> Result<App, String> {
        let mut app = headless(&self.meta)?;
        crate::server::replay(&mut app, &self.records, self.autosave.as_ref())
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        app.world_mut().insert_resource(Replaying(true));
        run_to(&mut app, self.end());
        Ok(app)
    }
}

/// A game with the host's rules and no network, which never waits for a clock: inputs are given
/// to it in place, as a resume does.
pub fn headless(meta: &Meta) -> Result<App, String> {
    if let Some(p) = crate::scenario::validate::validate(&meta.scenario).first() {
        return Err(format!("the game's scenario is not valid: {}: {}", p.path, p.message));
    }
    let mut app = App::new();
    app.add_plugins(bevy::time::TimePlugin);
    crate::sim::game_plugins(&mut app, meta.scenario.clone(), Some(meta.seed));
    app.add_plugins(HostPlugin { settings: meta.settings.clone() });
    app.init_resource::<super::bundle::OrdersKept>()
        .add_systems(OnEnter(Phase::Resolution), super::bundle::keep_orders);
    app.update(); // spawn the world
    crate::bots::set_strategies(app.world_mut(), &meta.strategies()?);
    app.world_mut().insert_resource(Replaying(true));
    Ok(app)
}

/// Runs frames until the game stands at `end`, ends, or waits for people.
pub fn run_to(app: &mut App, end: (u32, Phase)) {
    let (turn, phase) = end;
    let mut still = 0;
    while still < 16 {
        let at = now_at(app);
        if position(at.0, at.1) >= position(turn, phase) || at.1 == Phase::GameOver {
            return;
        }
        app.update();
        still = if now_at(app) == at { still + 1 } else { 0 };
    }
}

/// A seat's orders for the turn a fork starts at, as `--orders FILE` gives them (RON):
/// `(seat: "rus", orders: [SetPosture(sector: "north", pressure: 1.0)])`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatOrders {
    pub seat: String,
    pub orders: Vec<Order>,
}

impl SeatOrders {
    pub fn read(path: &Path) -> Result<SeatOrders, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        ron::from_str(&text)
            .map_err(|e| format!("{}:{}:{}: {}", path.display(), e.span.start.line, e.span.start.col, e.code))
    }
}

/// What a fork changes at the start of turn `at`.
#[derive(Clone, Debug, Default)]
pub struct ForkPlan {
    pub at: u32,
    pub orders: Option<SeatOrders>,
    /// Model rates to change from that turn on (`model.…` paths).
    pub sets: Vec<(String, String)>,
}

/// A branched game: its journal, its world, and the original's records it could not keep.
pub struct Forked {
    pub meta: Meta,
    pub records: Vec<Record>,
    pub app: App,
    /// The original's records that no longer apply, each with why.
    pub dropped: Vec<String>,
}

/// Branches `original` at the start of turn `plan.at`: everything before it is replayed as it
/// was, the plan's inputs are given, and the original's later inputs follow in place where they
/// still apply; the game then runs to where the original stood.
pub fn fork(original: &Recorded, plan: &ForkPlan) -> Result<Forked, String> {
    let (end_turn, _) = original.end();
    if plan.at == 0 || plan.at > end_turn.max(1) {
        return Err(format!("--at {}: the game was played from turn 1 to turn {end_turn}", plan.at));
    }
    let mut app = headless(&original.meta)?;
    let mut records = Vec::new();
    let branch = position(plan.at, Phase::Orders);
    let active = crate::host::active_branch(&original.records);
    let played = original.records.iter().zip(active).filter(|(_, a)| *a).map(|(r, _)| r);
    let (before, after): (Vec<&Record>, Vec<&Record>) = played.partition(|r| position(r.turn, r.phase) < branch);
    for r in before {
        give(&mut app, r.clone(), &mut records).map_err(|e| format!("the original does not replay: {e}"))?;
    }
    // The turn opens with the orders phase: the changes go in just before it.
    step_to(&mut app, plan.at - 1, Phase::Briefing, records.len())?;
    let mut added = Vec::new();
    for (path, value) in &plan.sets {
        added.push(Input::Amend { path: path.clone(), value: value.clone() });
    }
    let seat = plan.orders.as_ref().map(|o| o.seat.as_str());
    let bot = match seat {
        Some(s) => seat_is_bot(&mut app, s)?,
        None => false,
    };
    if let (Some(s), true) = (seat, bot) {
        added.push(Input::Control { seat: s.to_string(), bot: false });
    }
    for input in added {
        give_new(&mut app, input, &mut records)?;
    }
    if let Some(o) = &plan.orders {
        step_to(&mut app, plan.at, Phase::Orders, records.len())?;
        for (i, order) in o.orders.iter().enumerate() {
            let input = Input::Order { seat: o.seat.clone(), order: order.clone() };
            give_new(&mut app, input, &mut records).map_err(|e| format!("--orders: order {}: {e}", i + 1))?;
        }
        give_new(&mut app, Input::Seat { seat: o.seat.clone(), action: SeatAction::Lock }, &mut records)?;
        if bot {
            give_new(&mut app, Input::Control { seat: o.seat.clone(), bot: true }, &mut records)?;
        }
    }
    let mut dropped = Vec::new();
    for r in after {
        if seat.is_some_and(|s| r.turn == plan.at && seat_of(&r.input) == Some(s)) {
            dropped.push(format!("record {} ({}): replaced by --orders", r.n, words(&r.input)));
            continue;
        }
        if let Err(e) = give(&mut app, r.clone(), &mut records) {
            dropped.push(format!("record {} ({}): {e}", r.n, words(&r.input)));
        }
    }
    run_to(&mut app, original.end());
    let mut meta = original.meta.clone();
    meta.created_unix = crate::server::unix_now();
    meta.forked_from =
        Some(ForkedFrom { game: original.dir.display().to_string(), head: original.head.clone(), at_turn: plan.at });
    Ok(Forked { meta, records, app, dropped })
}

fn seat_is_bot(app: &mut App, seat: &str) -> Result<bool, String> {
    let world = app.world_mut();
    let Some(e) = world.resource::<crate::world::Registry>().get(seat) else {
        return Err(format!("--orders: there is no seat `{seat}` in this game"));
    };
    Ok(world.get::<crate::game::Controller>(e).is_some_and(|c| *c == crate::game::Controller::Bot))
}

/// The seat an input speaks for, if any.
fn seat_of(input: &Input) -> Option<&str> {
    match input {
        Input::Order { seat, .. }
        | Input::Seat { seat, .. }
        | Input::Press { seat, .. }
        | Input::OpenChannel { seat, .. }
        | Input::Offer { seat, .. }
        | Input::Answer { seat, .. } => Some(seat),
        _ => None,
    }
}

/// An input in a few words, for the list of dropped records.
fn words(input: &Input) -> String {
    let text = serde_json::to_string(input).unwrap_or_default();
    if text.chars().count() > 80 { format!("{}…", text.chars().take(80).collect::<String>()) } else { text }
}

/// Gives a recorded input in its place (stepping the game to its turn and phase) and keeps it.
fn give(app: &mut App, mut r: Record, records: &mut Vec<Record>) -> Result<(), String> {
    if r.input.changes_access() || !r.input.changes_game() {
        if r.input.changes_access() {
            let _ = apply_input(app.world_mut(), &r.input, &r.by);
        }
        r.n = records.len() as u64;
        records.push(r);
        return Ok(());
    }
    step_to(app, r.turn, r.phase, r.n as usize)?;
    let applied = apply_input(app.world_mut(), &r.input, &r.by).map_err(|m| refusal(&m))?;
    r.id = applied.id;
    r.n = records.len() as u64;
    records.push(r);
    Ok(())
}

/// Gives a fork's own input now, and keeps it.
fn give_new(app: &mut App, input: Input, records: &mut Vec<Record>) -> Result<(), String> {
    let (turn, phase) = now_at(app);
    let applied = apply_input(app.world_mut(), &input, FORK_BY).map_err(|m| refusal(&m))?;
    records.push(Record { n: records.len() as u64, turn, phase, by: FORK_BY.into(), input, id: applied.id, at_ms: 0 });
    Ok(())
}

fn refusal(m: &crate::protocol::ServerMessage) -> String {
    match m {
        crate::protocol::ServerMessage::Refused { what, reason } => format!("refused ({what}): {reason}"),
        crate::protocol::ServerMessage::Verdict(v) => format!("refused ({}): {}", v.what, v.reason),
        other => format!("refused: {other:?}"),
    }
}

/// Writes a game directory: its settings, the journal of `records`, the autosave and seal of
/// the game as `app` holds it. The directory must not hold a game already.
pub fn write_game(dir: &Path, meta: &Meta, records: &[Record], app: &mut App) -> Result<(), String> {
    if dir.join(META_FILE).exists() {
        return Err(format!("{} already holds a game; choose another directory", dir.display()));
    }
    journal::create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let meta_path = dir.join(META_FILE);
    write_atomic(&meta_path, meta).map_err(|e| format!("cannot write {}: {e}", meta_path.display()))?;
    let meta_bytes = std::fs::read(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let (mut j, _) = Journal::open::<Record>(dir, genesis(&meta_bytes))?;
    for r in records {
        j.append(r).map_err(|e| format!("cannot write {}: {e}", j.path().display()))?;
    }
    let world = app.world_mut();
    world.resource_mut::<GameFiles>().dir = Some(dir.to_path_buf());
    world.resource_mut::<GameFiles>().journal = Some(j);
    world.insert_resource(Replaying(false));
    crate::host::autosave(world);
    world.resource_mut::<GameFiles>().journal = None;
    world.resource_mut::<GameFiles>().dir = None;
    world.insert_resource(Replaying(true));
    Ok(())
}

/// The settings of a game `truce sim` plays: untimed, every seat its bot's, fresh codes (so that
/// `truce serve --resume` can host the rest of it).
pub fn sim_meta(
    scenario: crate::scenario::Scenario,
    seed: u64,
    policies: &[(String, crate::bots::Strategy)],
    source: Option<crate::server::Source>,
) -> Meta {
    let nations: Vec<(String, String)> = scenario.nations.iter().map(|n| (n.id.clone(), n.name.clone())).collect();
    Meta {
        protocol_version: crate::protocol::PROTOCOL_VERSION,
        created_unix: crate::server::unix_now(),
        seed,
        settings: crate::host::HostSettings { turn_seconds: None, on_timeout: Default::default() },
        codes: crate::access::Codes::generate(&nations),
        scenario,
        policies: policies.iter().map(|(seat, s)| (seat.clone(), s.name().to_string())).collect(),
        source,
        forked_from: None,
    }
}

/// Saves a game `truce sim` played as a game directory: it is replayed under the host's rules
/// to where the sim stopped, and must come to the same state.
pub fn save_sim(dir: &Path, meta: &Meta, sim_hash: u64, end: (u32, Phase)) -> Result<(), String> {
    let records = sim_records();
    let mut app = headless(meta)?;
    crate::server::replay(&mut app, &records, None)?;
    app.world_mut().insert_resource(Replaying(true));
    run_to(&mut app, end);
    let hash = state_hash(app.world_mut());
    if hash != sim_hash {
        return Err(format!("the saved game replays to state {hash:016x}, not the sim's {sim_hash:016x}"));
    }
    write_game(dir, meta, &records, &mut app)
}

/// The record of a game played by `truce sim`: its bots in every seat, started at once.
pub fn sim_records() -> Vec<Record> {
    vec![Record {
        n: 0,
        turn: 0,
        phase: Phase::Lobby,
        by: "console".into(),
        input: Input::Start { humans: Vec::new() },
        id: None,
        at_ms: 0,
    }]
}

/// What a game came to: its turns, trace and state.
pub struct Outcome {
    pub history: Vec<TurnSummary>,
    pub trace: Trace,
    pub state_hash: u64,
}

impl Outcome {
    pub fn of(app: &mut App) -> Outcome {
        let world = app.world_mut();
        Outcome {
            history: world.resource::<History>().0.clone(),
            trace: world.resource::<Trace>().clone(),
            state_hash: state_hash(world),
        }
    }
}

/// Where two games part: a line per turn, and the first trace entry that differs.
pub fn diff(a: &Outcome, b: &Outcome) -> (Vec<String>, Option<String>) {
    let mut lines = vec![format!(
        "{:>4}  {:>15}  {:>15}  {:>15}  {:>15}  {}",
        "turn", "true A / B", "recorded A / B", "escalation A/B", "scores A / B", "mandates"
    )];
    let turns = a.history.len().max(b.history.len());
    for t in 0..turns {
        let (x, y) = (a.history.get(t), b.history.get(t));
        let pair =
            |f: &dyn Fn(&TurnSummary) -> String| format!("{} / {}", x.map_or("-".into(), f), y.map_or("-".into(), f));
        let scores = |s: &TurnSummary| s.nations.iter().map(|n| n.score.to_string()).collect::<Vec<_>>().join(",");
        let mandates = |s: &TurnSummary| if s.mandates.is_empty() { "-".into() } else { s.mandates.join(",") };
        let same = x == y;
        lines.push(format!(
            "{:>4}{} {:>15}  {:>15}  {:>15}  {:>15}  {}",
            t + 1,
            if same { ' ' } else { '*' },
            pair(&|s| s.violations_true.to_string()),
            pair(&|s| s.violations_recorded.to_string()),
            pair(&|s| format!("{:.3}", s.escalation)),
            pair(&scores),
            if x.map(mandates) == y.map(mandates) { x.map_or("-".into(), mandates) } else { pair(&mandates) },
        ));
    }
    let first = a.trace.entries.iter().zip(&b.trace.entries).find(|(x, y)| x != y).map(|(x, y)| {
        format!(
            "first difference: turn {}, day {}:\n  A [{}] {}\n  B [{}] {}",
            x.turn.min(y.turn),
            x.day.min(y.day),
            x.rule,
            a.trace.text(x),
            y.rule,
            b.trace.text(y)
        )
    });
    let first = first.or_else(|| {
        let (n, m) = (a.trace.entries.len(), b.trace.entries.len());
        (n != m).then(|| {
            let (longer, name, t) = if n > m { (a, "A", &a.trace) } else { (b, "B", &b.trace) };
            let e = &longer.trace.entries[n.min(m)];
            format!("first difference: {name} goes on: turn {}, day {}: [{}] {}", e.turn, e.day, e.rule, t.text(e))
        })
    });
    let first = first.or_else(|| {
        let t = a.history.iter().zip(&b.history).position(|(x, y)| x != y)?;
        Some(format!("the same events; the figures part at turn {}", t + 1))
    });
    (lines, first)
}
