//! A game server put together: the rules, the host, the network and the game directory; new
//! games and resumed ones, and the loop that sleeps between ticks.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::access::{Codes, SharedGate};
use crate::host::console::{Console, Line};
use crate::host::whitecell::{COUNTERFACTUALS_FILE, Counterfactual, CounterfactualDue, Counterfactuals};
use crate::host::{
    Autosave, GameFiles, HostPlugin, HostSettings, Pending, Record, Replaying, RestoredClock, Seal, apply_input,
};
use crate::net::{NetServerPlugin, bind_pair, start_server};
use crate::protocol::PROTOCOL_VERSION;
use crate::record::History;
use crate::record::journal::{
    AUTOSAVE_FILE, JOURNAL_FILE, Journal, META_FILE, SEAL_FILE, create_private_dir, genesis, lock_dir, read_json,
    write_atomic, write_private,
};
use crate::rules::{Clock, Phase};
use crate::scenario::Scenario;
use crate::scenario::validate::validate;

/// A game directory's settings, written once when the game is created.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    pub protocol_version: u16,
    pub created_unix: u64,
    pub seed: u64,
    pub settings: HostSettings,
    pub codes: Codes,
    pub scenario: Scenario,
    /// Bot strategies other than the advisor, by seat (`truce sim --policy`), as their names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<(String, String)>,
    /// Where the scenario came from: its file and the sha256 of its source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The game this one was branched from (`truce fork`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from: Option<ForkedFrom>,
}

/// The scenario file a game was made from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub sha256: String,
    /// `--set` overrides applied to it (already in `Meta::scenario`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<(String, String)>,
}

/// The original of a forked game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForkedFrom {
    pub game: String,
    /// The original journal's chain head.
    pub head: String,
    /// The turn at whose start it was branched.
    pub at_turn: u32,
}

impl Meta {
    /// The bot strategies it names, parsed.
    pub fn strategies(&self) -> Result<Vec<(String, crate::bots::Strategy)>, String> {
        self.policies.iter().map(|(seat, s)| Ok((seat.clone(), s.parse()?))).collect()
    }
}

/// How to run a server.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    /// A new game (with its scenario and seed) or the directory of one to resume.
    pub game: GameSource,
    pub codes_json: Option<PathBuf>,
    /// Facilitator commands to run first.
    pub script: Vec<Line>,
    /// Read commands typed on stdin.
    pub stdin: bool,
    /// Print the console's answers on stdout.
    pub echo: bool,
    /// Log to stderr at this level (`None`: no log).
    pub log: Option<bevy::log::Level>,
}

#[derive(Clone, Debug)]
pub enum GameSource {
    New { scenario: Box<Scenario>, seed: Option<u64>, settings: HostSettings, dir: PathBuf },
    Resume(PathBuf),
}

/// A running server, before its loop.
pub struct Server {
    pub app: App,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub codes: Codes,
    /// Rung when a datagram with work arrives: an idle server sleeps until it rings or its tick.
    doorbell: Option<crate::net::transport::Doorbell>,
}

/// Idle frames come this often: a turn-based game needs no more, and the CPU sleeps between.
pub const IDLE_TICK: Duration = Duration::from_millis(100);
/// Frames come this often while something is happening (a turn resolving, messages arriving).
pub const BUSY_TICK: Duration = Duration::from_millis(1);

impl Server {
    /// Creates or resumes the game, binds the network and prints nothing.
    pub fn start(options: ServeOptions) -> Result<Server, String> {
        if let GameSource::Resume(dir) = &options.game
            && !dir.join(META_FILE).exists()
        {
            return Err(format!("{} holds no game (no {META_FILE})", dir.display()));
        }
        // The port first: a server that cannot listen leaves no half-made game behind.
        let (udp, tcp) = bind_pair(options.bind).map_err(|e| format!("cannot listen on {}: {e}", options.bind))?;
        let resuming = matches!(options.game, GameSource::Resume(_));
        let (meta, dir, lock) = open_game_dir(options.game)?;
        let problems = validate(&meta.scenario);
        if let Some(p) = problems.first() {
            return Err(format!("the game's scenario is not valid: {}: {}", p.path, p.message));
        }
        let mut app = App::new();
        // Peers' bad packets are counted by the transport, not logged one by one (a flood would
        // bury the console).
        if let Some(level) = options.log {
            app.add_plugins(bevy::log::LogPlugin { level, filter: "renetcode=off,renet=off".into(), ..default() });
        }
        let gate = SharedGate::new(meta.codes.clone());
        game_app(&mut app, &meta, &gate)?;
        let meta_bytes = std::fs::read(dir.join(META_FILE)).map_err(|e| format!("{}: {e}", dir.display()))?;
        if resuming && !dir.join(JOURNAL_FILE).exists() && dir.join(SEAL_FILE).exists() {
            return Err(damaged(&dir, &format!("{JOURNAL_FILE} is missing")));
        }
        let (journal, records) = Journal::open::<Record>(&dir, genesis(&meta_bytes)).map_err(|e| damaged(&dir, &e))?;
        if !records.is_empty() && !resuming {
            return Err(format!("{} has a journal but no game; remove it or resume", dir.display()));
        }
        if resuming {
            let checked = check_game_dir(&dir, &journal, &records).map_err(|e| damaged(&dir, &e))?;
            replay(&mut app, &records, checked.autosave.as_ref())?;
            if let Some(seal) = checked.seal {
                app.insert_resource(RestoredClock(seal.clock.restore()));
            }
        }
        {
            let world = app.world_mut();
            let mut files = world.resource_mut::<GameFiles>();
            files.dir = Some(dir.clone());
            files.journal = Some(journal);
            files.lock = Some(lock);
            // Treat the phase as new: an autosave is written (the clock is restored if it ran).
            world.resource_mut::<Pending>().seen = None;
        }
        // From its first moment the directory says what it holds.
        crate::host::seal_journal(app.world_mut())?;
        let addr = start_server(&mut app, udp, tcp, gate.clone())
            .map_err(|e| format!("cannot listen on {}: {e}", options.bind))?;
        let codes = gate.lock().codes().clone();
        if let Some(path) = &options.codes_json {
            let text = serde_json::to_string_pretty(&codes.to_json()).unwrap_or_default();
            write_private(path, (text + "\n").as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        app.insert_resource(Console::new(options.script, options.stdin, options.echo));
        if dir.join(COUNTERFACTUALS_FILE).exists() {
            app.insert_resource(read_json::<Counterfactuals>(&dir.join(COUNTERFACTUALS_FILE))?);
        }
        app.finish();
        app.cleanup();
        let doorbell = app.world().get_resource::<crate::net::NetServer>().map(|n| n.transport.doorbell());
        Ok(Server { app, addr, dir, codes, doorbell })
    }

    /// Runs frames until the app exits: at once while busy; otherwise every `IDLE_TICK`, or as soon
    /// as a datagram with work arrives.
    pub fn run(mut self) -> AppExit {
        loop {
            let started = Instant::now();
            self.update();
            if let Some(exit) = self.app.should_exit() {
                // An autosave still due is written before the server stops.
                let world = self.app.world_mut();
                if std::mem::take(&mut world.resource_mut::<Pending>().autosave_due) {
                    crate::host::autosave(world);
                }
                return exit;
            }
            if self.app.world().resource::<Pending>().backlog {
                // Packets wait to be sent: the next frame sends them at once.
                continue;
            }
            if !self.tick_again_soon() {
                let rest = IDLE_TICK.saturating_sub(started.elapsed());
                match &self.doorbell {
                    Some(bell) => bell.wait(rest),
                    None => std::thread::sleep(rest),
                }
            } else {
                std::thread::sleep(BUSY_TICK);
            }
        }
    }

    /// Runs one frame (for in-process tests and `truce solo`).
    pub fn update(&mut self) {
        self.app.update();
        if let Some(crate::host::whitecell::RollbackDue(turn)) =
            self.app.world_mut().remove_resource::<crate::host::whitecell::RollbackDue>()
            && let Err(e) = self.roll_back(turn)
        {
            // The rollback is journalled: a resume rebuilds the game where it meant to go.
            crate::host::stop_unsaved(self.app.world_mut(), &format!("could not roll the game back: {e}"));
        }
        let due = self.app.world_mut().remove_resource::<CounterfactualDue>().map_or_else(Vec::new, |d| d.0);
        for turn in due {
            if let Err(e) = self.counterfactual(turn) {
                let line = format!("the counterfactual of turn {turn} could not be worked out: {e}");
                self.app.world_mut().resource_mut::<crate::host::Notices>().log.push(line);
            }
        }
    }

    /// §3.3 Plays overridden turn `turn` again without its overrides, from the journal, and
    /// sets the two ends of the turn side by side for the white cell and the after-action
    /// record (`counterfactuals.json` in the game's directory).
    fn counterfactual(&mut self, turn: u32) -> Result<(), String> {
        let meta: Meta = read_json(&self.dir.join(META_FILE))?;
        let meta_bytes = std::fs::read(self.dir.join(META_FILE)).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let (records, _) = crate::record::journal::read::<Record>(&self.dir, genesis(&meta_bytes))?;
        let active = crate::host::active_branch(&records);
        let without: Vec<Record> = records
            .iter()
            .zip(active)
            .filter(|(r, a)| {
                *a && r.turn <= turn && !matches!(r.input, crate::host::Input::Override { .. } if r.turn == turn)
            })
            .map(|(r, _)| r.clone())
            .collect();
        let mut app = App::new();
        game_app(&mut app, &meta, &SharedGate::new(meta.codes.clone()))?;
        replay(&mut app, &without, None)?;
        let summary = |app: &App| app.world().resource::<History>().0.iter().find(|s| s.turn == turn).cloned();
        for _ in 0..64 {
            if summary(&app).is_some() {
                break;
            }
            app.update();
        }
        let other = summary(&app).ok_or("the turn did not resolve without its overrides")?;
        let played = summary(&self.app).ok_or("the turn has not resolved")?;
        use crate::host::whitecell::{attribution_differences, attributions, differences, overrides_in};
        let mut found =
            Counterfactual { turn, overrides: overrides_in(&records, turn), differences: differences(&played, &other) };
        let trace = |app: &App| attributions(app.world().resource::<crate::record::Trace>(), turn);
        found.differences.extend(attribution_differences(&trace(&self.app), &trace(&app)));
        let world = self.app.world_mut();
        let mut all = world.get_resource_or_init::<Counterfactuals>();
        all.0.retain(|c| c.turn != turn);
        all.0.push(found);
        let all = all.clone();
        world.resource_mut::<Pending>().omniscient_stale = true;
        write_atomic(&self.dir.join(COUNTERFACTUALS_FILE), &all).map_err(|e| format!("{COUNTERFACTUALS_FILE}: {e}"))
    }

    /// Rebuilds the game at the start of turn `turn` from the journal's active branch, and puts
    /// the network, the console and the game's files into it: every connection stays, and is
    /// sent its full view of the game as it now stands.
    fn roll_back(&mut self, turn: u32) -> Result<(), String> {
        let meta: Meta = read_json(&self.dir.join(META_FILE))?;
        let meta_bytes = std::fs::read(self.dir.join(META_FILE)).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let (records, _) = crate::record::journal::read::<Record>(&self.dir, genesis(&meta_bytes))?;
        let old = self.app.world_mut();
        let gate = old.resource::<SharedGate>().clone();
        let mut app = App::new();
        game_app(&mut app, &meta, &gate)?;
        replay(&mut app, &records, None)?;
        step_to(&mut app, turn, Phase::Orders, records.len())?;
        let old = self.app.world_mut();
        let new = app.world_mut();
        move_resource::<crate::net::NetServer>(old, new);
        move_resource::<bevy_renet::RenetServer>(old, new);
        move_resource::<crate::net::ws::Sockets>(old, new);
        move_resource::<crate::host::console::Console>(old, new);
        move_resource::<GameFiles>(old, new);
        move_resource::<crate::host::Connections>(old, new);
        move_resource::<crate::host::LastHeard>(old, new);
        move_resource::<Counterfactuals>(old, new);
        let line = format!("turn {turn}: the white cell took the game back to the start of this turn");
        let mut notices = new.resource_mut::<crate::host::Notices>();
        notices.log.push(line);
        notices.public.push(format!("Facilitator: the game is back at the start of turn {turn}."));
        let everyone: Vec<u64> = new.resource::<crate::host::Connections>().0.keys().copied().collect();
        for c in new.resource_mut::<crate::host::Connections>().0.values_mut() {
            c.last_view = None;
        }
        let mut pending = new.resource_mut::<Pending>();
        pending.views.extend(everyone);
        pending.press_sent = 0;
        pending.seen = None;
        pending.busy = true;
        app.finish();
        app.cleanup();
        self.app = app;
        crate::host::seal_journal(self.app.world_mut())
    }

    /// Whether something is under way that wants the next frame soon.
    pub fn tick_again_soon(&mut self) -> bool {
        let world = self.app.world_mut();
        let phase = *world.resource::<State<Phase>>().get();
        let busy = std::mem::take(&mut world.resource_mut::<Pending>().busy);
        busy || matches!(phase, Phase::Resolution | Phase::Briefing)
    }
}

/// The game's plugins, its host and network, for `meta`; the world spawned and the bots' strategies set.
fn game_app(app: &mut App, meta: &Meta, gate: &SharedGate) -> Result<(), String> {
    app.add_plugins(bevy::time::TimePlugin);
    crate::sim::game_plugins(app, meta.scenario.clone(), Some(meta.seed));
    app.add_plugins((HostPlugin { settings: meta.settings.clone() }, NetServerPlugin));
    app.insert_resource(gate.clone());
    app.update(); // spawn the world
    crate::bots::set_strategies(app.world_mut(), &meta.strategies()?);
    Ok(())
}

/// Moves a resource from one world to another, if the first has it.
fn move_resource<R: Resource>(from: &mut World, to: &mut World) {
    if let Some(r) = from.remove_resource::<R>() {
        to.insert_resource(r);
    }
}

/// Makes a new game's directory (private, locked, with its `game.json`) or opens and locks a
/// resumed one.
fn open_game_dir(game: GameSource) -> Result<(Meta, PathBuf, std::fs::File), String> {
    match game {
        GameSource::New { scenario, seed, settings, dir } => {
            if dir.join(META_FILE).exists() {
                return Err(format!(
                    "{} already holds a game; resume it with `truce serve --resume {}` or choose another --game-dir",
                    dir.display(),
                    dir.display()
                ));
            }
            create_private_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let lock = lock_dir(&dir)?;
            let nations: Vec<(String, String)> =
                scenario.nations.iter().map(|n| (n.id.clone(), n.name.clone())).collect();
            let meta = Meta {
                protocol_version: PROTOCOL_VERSION,
                created_unix: unix_now(),
                seed: seed.unwrap_or(scenario.seed),
                settings,
                codes: Codes::generate(&nations),
                scenario: *scenario,
                policies: Vec::new(),
                source: None,
                forked_from: None,
            };
            write_atomic(&dir.join(META_FILE), &meta)
                .map_err(|e| format!("cannot write {}: {e}", dir.join(META_FILE).display()))?;
            Ok((meta, dir, lock))
        }
        GameSource::Resume(dir) => {
            let lock = lock_dir(&dir)?;
            let meta: Meta = read_json(&dir.join(META_FILE))?;
            if meta.protocol_version != PROTOCOL_VERSION {
                return Err(format!(
                    "{} was made by protocol version {}; this server speaks {PROTOCOL_VERSION}",
                    dir.display(),
                    meta.protocol_version
                ));
            }
            Ok((meta, dir, lock))
        }
    }
}

/// What a resumed directory's seal and autosave say, once checked against the journal.
struct Checked {
    seal: Option<Seal>,
    autosave: Option<Autosave>,
}

/// Checks a resumed directory: the journal holds every record the seal vouches for, with the
/// same chain; the autosave agrees with the chain where it was taken; nothing that a started
/// game must have is missing.
fn check_game_dir(dir: &Path, journal: &Journal, records: &[Record]) -> Result<Checked, String> {
    let seal: Option<Seal> = if dir.join(SEAL_FILE).exists() { Some(read_json(&dir.join(SEAL_FILE))?) } else { None };
    let autosave: Option<Autosave> =
        if dir.join(AUTOSAVE_FILE).exists() { Some(read_json(&dir.join(AUTOSAVE_FILE))?) } else { None };
    let started = records.iter().any(|r| matches!(r.input, crate::host::Input::Start { .. }));
    let Some(seal) = seal else {
        if records.is_empty() && autosave.is_none() {
            return Ok(Checked { seal: None, autosave: None });
        }
        return Err(format!("{SEAL_FILE} is missing, so nothing says how much of {JOURNAL_FILE} was acknowledged"));
    };
    if journal.len < seal.records {
        let what = if journal.len == 0 { "empty or missing" } else { "cut short" };
        return Err(format!(
            "{JOURNAL_FILE} is {what}: it holds {} records, but {} were acknowledged",
            journal.len, seal.records
        ));
    }
    if journal.head_at(seal.records).as_deref() != Some(seal.head.as_str()) {
        return Err(format!(
            "{JOURNAL_FILE} was changed: its first {} records are not the ones acknowledged",
            seal.records
        ));
    }
    match &autosave {
        None if started => return Err(format!("{AUTOSAVE_FILE} is missing, though the game had started")),
        Some(save) if journal.head_at(save.records).as_deref() != Some(save.head.as_str()) => {
            return Err(format!(
                "{AUTOSAVE_FILE} does not belong to this journal (it was taken after record {}, which differs)",
                save.records
            ));
        }
        _ => {}
    }
    Ok(Checked { seal: Some(seal), autosave })
}

/// A damaged directory's error, with what to do about it.
fn damaged(dir: &Path, problem: &str) -> String {
    format!(
        "cannot resume {}: {problem}.\nNothing was changed. Restore the directory from a backup (a copy taken while \
         the server was stopped), or start the game again from its scenario with the same --seed.",
        dir.display()
    )
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The order in which (turn, phase) pairs follow each other.
pub(crate) fn position(turn: u32, phase: Phase) -> (u32, u8) {
    let rank = match phase {
        Phase::Lobby => 0,
        Phase::Orders => 1,
        Phase::Resolution => 2,
        Phase::Briefing => 3,
        Phase::GameOver => 4,
    };
    (turn, rank)
}

pub(crate) fn now_at(app: &App) -> (u32, Phase) {
    (app.world().resource::<Clock>().turn, *app.world().resource::<State<Phase>>().get())
}

/// Runs frames until the game stands at (turn, phase); an error if it passes it, or stops moving
/// before it (a game of bots runs through many turns with nothing in the journal).
pub(crate) fn step_to(app: &mut App, turn: u32, phase: Phase, line: usize) -> Result<(), String> {
    let mut still = 0;
    let mut last = now_at(app);
    while still < 16 {
        let (t, p) = now_at(app);
        if (t, p) == (turn, phase) {
            return Ok(());
        }
        if position(t, p) > position(turn, phase) {
            break;
        }
        app.update();
        let at = now_at(app);
        still = if at == last { still + 1 } else { 0 };
        last = at;
    }
    let (t, p) = now_at(app);
    Err(format!(
        "journal record {line}: the game should reach turn {turn} ({phase:?}) but stands at turn {t} ({p:?}); \
         the journal does not belong to this game"
    ))
}

/// Replays a journal through the same function live inputs go through, and checks the result
/// against the autosave.
pub fn replay(app: &mut App, records: &[Record], autosave: Option<&Autosave>) -> Result<(), String> {
    app.world_mut().insert_resource(Replaying(true));
    let check = |app: &mut App, save: &Autosave| -> Result<(), String> {
        step_to(app, save.turn, save.phase, save.records as usize)?;
        let hash = format!("{:016x}", crate::record::state_hash(app.world_mut()));
        if hash != save.state_hash {
            return Err(format!(
                "replaying the journal gives state {hash} at turn {}, but the autosave recorded {}; \
                 refusing to resume a game that would differ",
                save.turn, save.state_hash
            ));
        }
        Ok(())
    };
    let active = crate::host::active_branch(records);
    for (i, r) in records.iter().enumerate() {
        // An autosave taken before a later rollback vouches for a branch left behind.
        let superseded = |s: &Autosave| {
            records.iter().skip(s.records as usize).any(|r| matches!(r.input, crate::host::Input::Rollback { .. }))
        };
        if let Some(save) = autosave.filter(|s| s.records == i as u64 && !superseded(s)) {
            check(app, save)?;
        }
        if !active[i] {
            continue; // rolled back: a branch the game no longer stands on
        }
        if r.input.changes_access() {
            // Who may join does not depend on where the game stands.
            let _ = apply_input(app.world_mut(), &r.input, &r.by);
            continue;
        }
        if !r.input.changes_game() {
            continue;
        }
        step_to(app, r.turn, r.phase, i)?;
        match apply_input(app.world_mut(), &r.input, &r.by) {
            Ok(applied) if applied.id == r.id => {}
            _ => {
                return Err(format!(
                    "journal record {i} ({:?} by {}) no longer applies the same way; the journal does not belong \
                     to this game",
                    r.input, r.by
                ));
            }
        }
    }
    if let Some(save) = autosave.filter(|s| s.records == records.len() as u64) {
        check(app, save)?;
    }
    app.world_mut().insert_resource(Replaying(false));
    Ok(())
}

/// The default directory for a new game: `truce-games/<scenario>-<time>`.
pub fn default_game_dir(scenario: &str) -> PathBuf {
    Path::new("truce-games").join(format!("{scenario}-{}", unix_now()))
}
