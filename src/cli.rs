//! The `truce` command line: argument parsing and the output of each subcommand.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::scenario::{self, Scenario};
use crate::sim::Game;

/// Exit code for invalid input (a bad scenario; clap uses it for bad arguments too).
pub const EXIT_INVALID: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "truce", version, about = "Negotiate a peacekeeping force, then see whether the ceasefire holds.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate scenario files and report every problem with its place (the built-in scenario if
    /// no file is given). Exits 0 when all are valid, 2 otherwise.
    Check {
        /// Scenario files (RON).
        files: Vec<PathBuf>,
        /// Also list every value a `--set PATH=…` can change, with its value.
        #[arg(long)]
        paths: bool,
    },
    /// Play a whole game headless, with a bot in every seat, and print each turn.
    Sim(SimArgs),
    /// Branch a recorded game (a hosted game's directory, or `truce sim --save`) at the start of a
    /// turn with changed inputs, play it to where the original stood, and save it as a new game.
    Fork {
        /// The game directory to branch.
        game: PathBuf,
        /// The turn at whose start the branch begins (1 = the first).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        at: u32,
        /// One seat's orders for that turn instead of its own (RON: `(seat: "rus", orders: [...])`).
        #[arg(long, value_name = "FILE")]
        orders: Option<PathBuf>,
        /// Change one of the model's rates from that turn on, e.g. `--set model.truce_days=7`.
        #[arg(long, value_name = "PATH=VALUE", value_parser = parse_one_set)]
        set: Vec<(String, String)>,
        /// Directory for the branched game.
        #[arg(long, value_name = "DIR")]
        save: PathBuf,
    },
    /// Write a recorded game's research bundle: tidy CSV tables (turns, sectors, nations,
    /// incidents, orders, votes, messages' metadata, facilitator actions), its settings and inputs
    /// without join codes, and manifest.json with the hashes `truce replay` checks.
    Export {
        game: PathBuf,
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Write the after-action review of a recorded game, or the report of a batch directory, as
    /// one self-contained HTML file.
    Report {
        /// A game directory, or a `truce batch` output directory.
        path: PathBuf,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Play a bundle's game again and check every hash in its manifest. Exits 0 when all hold.
    Replay { bundle: PathBuf },
    /// Compare two recorded games turn by turn and name the first event where they part. Exits 0
    /// when they are the same game, 1 when they differ.
    Diff { a: PathBuf, b: PathBuf },
    /// Play many games in parallel: a design (crossed `--set` lists, or a design file) times seeds.
    /// Writes runs.csv (one row per game), summary.csv (per design point, with 95% intervals),
    /// turns.csv (with --per-turn) and batch.json to --out.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Batch {
        #[command(subcommand)]
        merge: Option<BatchCommand>,
        #[command(flatten)]
        args: Option<BatchArgs>,
    },
    /// Run adjudicator cases (docs/cases.md) and say which pass; exits 1 if any fails.
    Test {
        /// Case files (RON) or directories of them.
        #[arg(required = true)]
        cases: Vec<PathBuf>,
        /// Run every case on this scenario instead of the one each case names.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
    },
    /// Host a game: prints a join code for every seat, the facilitator, observers and the
    /// projector, then serves until `quit` is typed. Facilitator commands are read from stdin.
    Serve {
        /// Scenario file (RON); the built-in ukraine_2026 if none is given.
        #[arg(conflicts_with = "resume")]
        scenario: Option<PathBuf>,
        /// Address and port for the game (UDP) and the join endpoint (TCP, same port).
        #[arg(long, default_value = "0.0.0.0:7878")]
        bind: std::net::SocketAddr,
        /// Length of each orders phase in seconds; 0 for no clock (the facilitator ends phases).
        #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u32).range(0..=86_400))]
        turn_seconds: u32,
        /// What happens to a seat with nothing locked when the clock runs out.
        #[arg(long, value_enum, default_value_t = crate::host::OnTimeout::Bot)]
        on_timeout: crate::host::OnTimeout,
        /// Also write the join codes as JSON to this file.
        #[arg(long)]
        codes_json: Option<PathBuf>,
        /// Directory for the game's journal and saves (default: truce-games/<scenario>-<time>).
        #[arg(long, conflicts_with = "resume")]
        game_dir: Option<PathBuf>,
        /// Continue the game saved in this directory (after a crash, or next week).
        #[arg(long, value_name = "DIR")]
        resume: Option<PathBuf>,
        /// Run the facilitator commands in this file first (one per line; see `help`).
        #[arg(long, value_name = "FILE")]
        commands: Option<PathBuf>,
        /// Seed of the game's dice (default: the scenario's).
        #[arg(long, conflicts_with = "resume")]
        seed: Option<u64>,
    },
    /// Join a game with a code: the terminal client for players, observers and the facilitator.
    Join {
        /// The server, as HOST or HOST:PORT (port 7878 if none is given).
        server: String,
        /// Your join code, as the facilitator gave it (case and dashes do not matter).
        #[arg(long)]
        code: String,
    },
    /// Play a nation's seat in a game with its bot's doctrine, from this machine.
    Bot {
        /// The server, as HOST or HOST:PORT (port 7878 if none is given).
        server: String,
        /// The nation's join code.
        #[arg(long)]
        code: String,
    },
    /// Play alone against bots: a game on this machine, bots in every other seat, and you.
    Solo {
        /// Scenario file (RON); the built-in ukraine_2026 if none is given.
        scenario: Option<PathBuf>,
        /// The nation to play, by id or name in any case (`--as ukraine`, `--as ukr`).
        #[arg(long = "as", value_name = "NATION")]
        nation: String,
        /// Seed of the game's dice (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Print the JSON Schema of the protocol's messages (what `truce serve` serves at
    /// `/schema.json`), for writing a client or a bot in another language.
    Schema,
}

/// `truce sim`'s arguments.
#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Scenario file (RON); the built-in ukraine_2026 if none is given.
    scenario: Option<PathBuf>,
    /// Turns to play (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    turns: Option<u32>,
    /// Seed of the game's dice (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON object per line per turn instead of a table.
    #[arg(long)]
    json: bool,
    /// Also print the explanation trace (the white cell's view).
    #[arg(long)]
    trace: bool,
    /// Play a seat with one of its bot's strategies instead of its advisor: advisor, idle,
    /// hawk or dove (docs/rules.md §9.8). Repeat for several seats: `--policy ukr=idle`.
    #[arg(long, value_name = "SEAT=STRATEGY", value_parser = parse_policy)]
    policy: Vec<(String, crate::bots::Strategy)>,
    /// Change one scenario value by its path (`truce check --paths` lists them), e.g.
    /// `--set model.truce_days=7` or `--set nations[rus].doctrine.aggression=0.3`. Repeatable.
    #[arg(long, value_name = "PATH=VALUE", value_parser = parse_one_set)]
    set: Vec<(String, String)>,
    /// Also save the game as a game directory (for fork, diff, report, export, or
    /// `truce serve --resume`).
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum BatchCommand {
    /// Join the shards of one batch (`--shard K/N` runs) into the tables the unsharded batch writes.
    Merge {
        /// The shards' output directories, all N of them.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Directory for the merged tables.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// Scenario file (RON); the built-in ukraine_2026 if none is given.
    pub scenario: Option<PathBuf>,
    /// Seeds of each design point: N (seeds 1 to N) or FIRST-LAST.
    #[arg(long, value_parser = crate::analysis::batch::parse_seeds)]
    pub seeds: (u64, u64),
    /// A factor: a scenario path and its levels, `--set model.truce_days=7,14,30`; several are
    /// crossed. `policy.SEAT=advisor,hawk` varies a seat's strategy.
    #[arg(long, value_name = "PATH=V1,V2,…", value_parser = crate::analysis::batch::parse_set)]
    pub set: Vec<(String, Vec<String>)>,
    /// A design file: a CSV header of paths, one design point per row (crossed with any --set).
    #[arg(long, value_name = "FILE.csv")]
    pub design: Option<PathBuf>,
    /// A seat's strategy in every game: advisor, idle, hawk or dove (docs/rules.md §9.8).
    #[arg(long, value_name = "SEAT=STRATEGY", value_parser = parse_policy)]
    pub policy: Vec<(String, crate::bots::Strategy)>,
    /// Turns per game (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub turns: Option<u32>,
    /// Also write turns.csv, one row per game and turn.
    #[arg(long)]
    pub per_turn: bool,
    /// Play only slice K of N (for a job array); `truce batch merge` joins the slices.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::analysis::batch::Shard>,
    /// Threads to play on (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Directory for the tables.
    #[arg(long)]
    pub out: PathBuf,
}

/// Parses the process arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files, paths } => check(&files, paths),
        Command::Sim(args) => sim(&args),
        Command::Fork { game, at, orders, set, save } => fork(&game, at, orders.as_deref(), set, &save),
        Command::Diff { a, b } => diff(&a, &b),
        Command::Export { game, to } => export(&game, &to),
        Command::Report { path, output } => report(&path, &output),
        Command::Replay { bundle } => replay(&bundle),
        Command::Batch { merge: Some(BatchCommand::Merge { shards, out }), .. } => batch_merge(&shards, &out),
        Command::Batch { args: Some(args), .. } => batch(&args),
        Command::Batch { .. } => fail("`truce batch` needs --seeds and --out (see `truce batch --help`)"),
        Command::Test { cases, scenario } => test_cases(&cases, scenario.as_deref()),
        Command::Serve { scenario, bind, turn_seconds, on_timeout, codes_json, game_dir, resume, commands, seed } => {
            let settings =
                crate::host::HostSettings { turn_seconds: (turn_seconds > 0).then_some(turn_seconds), on_timeout };
            serve(scenario, bind, settings, codes_json, game_dir, resume, commands, seed)
        }
        Command::Join { server, code } => join(&server, &code),
        Command::Bot { server, code } => bot(&server, &code),
        Command::Solo { scenario, nation, seed } => solo(scenario, &nation, seed),
        Command::Schema => {
            let text = serde_json::to_string_pretty(&crate::protocol::schema()).unwrap_or_default();
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{text}") {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
    }
}

fn check(files: &[PathBuf], paths: bool) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let mut failed = 0usize;
    let targets: Vec<Option<&PathBuf>> = if files.is_empty() { vec![None] } else { files.iter().map(Some).collect() };
    for target in targets {
        let name = target.map_or(scenario::BUILTIN_FILE.to_string(), |p| p.display().to_string());
        // Output errors (a closed pipe) are ignored: the exit code still tells the result.
        match scenario::load(target.map(PathBuf::as_path)) {
            Ok(s) => {
                let _ = writeln!(out, "ok: {name}: {}", summary(&s));
                if paths {
                    for (path, value) in crate::scenario::overrides::paths(&s) {
                        let _ = writeln!(out, "  {path} = {value}");
                    }
                }
            }
            Err(e) => {
                failed += 1;
                let n = e.diagnostics.len();
                let _ = writeln!(err, "{e}");
                let _ = writeln!(err, "{name}: {n} error{}\n", if n == 1 { "" } else { "s" });
            }
        }
    }
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_INVALID) }
}

/// One line that says what a scenario holds.
pub fn summary(s: &Scenario) -> String {
    format!(
        "{} — {} nations, {} institutions, {} sectors, {} km, {} contingents, {} turns of {} days",
        s.id,
        s.nations.len(),
        s.institutions.len(),
        s.line.sectors.len(),
        s.line.length_km,
        s.contingents.len(),
        s.turns,
        s.turn_days
    )
}

/// `PATH=VALUE`, as `truce sim --set` takes it (one value: lists are for `truce batch`).
fn parse_one_set(s: &str) -> Result<(String, String), String> {
    let (path, values) = crate::analysis::batch::parse_set(s)?;
    match values.as_slice() {
        [one] => Ok((path, one.clone())),
        _ => Err(format!("`{s}`: sim plays one game, so one value; `truce batch --set` crosses lists")),
    }
}

/// `SEAT=STRATEGY`, as `--policy` takes it.
fn parse_policy(s: &str) -> Result<(String, crate::bots::Strategy), String> {
    let (seat, strategy) = s.split_once('=').ok_or_else(|| format!("`{s}` is not SEAT=STRATEGY (e.g. ukr=idle)"))?;
    if seat.trim().is_empty() {
        return Err(format!("`{s}` names no seat (e.g. ukr=idle)"));
    }
    Ok((seat.trim().to_string(), strategy.parse()?))
}

/// The scenario a sim plays, with its `--set` changes, and its source's sha256; the error's exit
/// code (and message, written) for a bad scenario, change, policy or save directory.
fn sim_scenario(a: &SimArgs) -> Result<(Scenario, String), ExitCode> {
    if let Some(dir) = &a.save
        && dir.join(crate::record::journal::META_FILE).exists()
    {
        return Err(fail(&format!("--save {}: it already holds a game; choose another directory", dir.display())));
    }
    let (scenario, sha256) = scenario::load_with_sha256(a.scenario.as_deref()).map_err(|e| {
        let _ = writeln!(std::io::stderr(), "{e}");
        ExitCode::from(EXIT_INVALID)
    })?;
    let scenario = crate::scenario::overrides::apply(&scenario, &a.set).map_err(|e| fail(&format!("--set {e}")))?;
    let seats: Vec<&str> = scenario.nations.iter().map(|n| n.id.as_str()).collect();
    if let Some((seat, _)) = a.policy.iter().find(|(seat, _)| !seats.contains(&seat.as_str())) {
        let _ = writeln!(
            std::io::stderr(),
            "error: --policy {seat}=…: `{seat}` is not a seat of {} (seats: {})",
            scenario.id,
            seats.join(", ")
        );
        return Err(ExitCode::from(EXIT_INVALID));
    }
    Ok((scenario, sha256))
}

fn sim(a: &SimArgs) -> ExitCode {
    let (path, turns, seed, json, trace, policy, sets) =
        (a.scenario.as_deref(), a.turns, a.seed, a.json, a.trace, &a.policy[..], &a.set[..]);
    let (mut scenario, sha256) = match sim_scenario(a) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // More turns than the scenario has extend it; fewer stop the game early.
    let turns = turns.unwrap_or(scenario.turns);
    scenario.turns = scenario.turns.max(turns);
    let seed = seed.unwrap_or(scenario.seed);
    let mut out = std::io::stdout().lock();
    if !json {
        let _ = writeln!(out, "{} — seed {seed}, {turns} turns of {} days\n", scenario.name, scenario.turn_days);
        let _ = writeln!(
            out,
            "{:>4} {:>5} {:>9} {:>9} {:>10} {:>10} {:>10}  mandates",
            "turn", "days", "true", "recorded", "escalation", "ceasefire", "casualties"
        );
    }
    let source = crate::server::Source {
        file: path.map_or(scenario::BUILTIN_FILE.to_string(), |p| p.display().to_string()),
        sha256: sha256.clone(),
        set: sets.to_vec(),
    };
    let meta = crate::analysis::recorded::sim_meta(scenario.clone(), seed, policy, Some(source));
    let mut game = match Game::with_policies(scenario, Some(seed), &[], policy) {
        Ok(g) => g,
        Err(problems) => {
            for p in problems {
                let _ = writeln!(std::io::stderr(), "error: {}: {}", p.path, p.message);
            }
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let engine = crate::analysis::Engine::this().words();
    let scenario_id = game.app.world().resource::<crate::scenario::ActiveScenario>().0.id.clone();
    let mut printed = 0;
    while printed < turns
        && let Some(turn) = game.finish_turn()
    {
        if trace {
            let trace = game.trace();
            for e in trace.entries.iter().filter(|e| e.turn == turn.turn) {
                let line = if json {
                    trace.entry_json(e).to_string()
                } else {
                    format!("  [{} d{}] {}", e.rule, e.day, trace.text(e))
                };
                let _ = writeln!(out, "{line}");
            }
        }
        let line = if json {
            let line = SimLine { scenario: &scenario_id, scenario_sha256: &sha256, seed, engine: &engine, turn: &turn };
            serde_json::to_string(&line).unwrap_or_default()
        } else {
            format!(
                "{:>4} {:>5} {:>9} {:>9} {:>10.3} {:>10} {:>10}  {}",
                turn.turn,
                turn.days,
                turn.violations_true,
                turn.violations_recorded,
                turn.escalation,
                turn.ceasefire,
                turn.casualties,
                if turn.mandates.is_empty() { "-".to_string() } else { turn.mandates.join(", ") }
            )
        };
        if writeln!(out, "{line}").is_err() {
            return ExitCode::SUCCESS; // the reader went away (a closed pipe)
        }
        printed += 1;
    }
    if !json {
        print_scores(&mut out, &mut game, printed);
    }
    if let Some(dir) = &a.save {
        let end = (game.app.world().resource::<crate::rules::Clock>().turn, game.phase());
        if let Err(e) = crate::analysis::recorded::save_sim(dir, &meta, game.state_hash(), end) {
            return fail(&format!("--save {}: {e}", dir.display()));
        }
        if !json {
            let _ = writeln!(out, "Saved in {}", dir.display());
        }
    }
    ExitCode::SUCCESS
}

/// The end of a sim's table: where the ceasefire stands, the scores, the state hash.
fn print_scores(out: &mut impl Write, game: &mut Game, printed: u32) {
    let Some(last) = game.history().last().cloned() else { return };
    let _ = writeln!(out, "\nAfter {printed} turns the ceasefire is {}. Scores:", last.ceasefire);
    let mut nations = last.nations;
    nations.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
    for n in nations {
        let _ = writeln!(
            out,
            "  {:<6} {:>5} points, support {:>3.0}%, {} troops deployed",
            n.id,
            n.score,
            n.support * 100.0,
            n.deployed_troops
        );
    }
    let _ = writeln!(out, "State hash: {:016x}", game.state_hash());
}

fn fork(
    game: &std::path::Path,
    at: u32,
    orders: Option<&std::path::Path>,
    sets: Vec<(String, String)>,
    save: &std::path::Path,
) -> ExitCode {
    use crate::analysis::recorded::{self, ForkPlan, Outcome, Recorded, SeatOrders};
    let original = match Recorded::open(game) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let orders_file = orders.map(|p| p.display().to_string()).unwrap_or_default();
    let orders = match orders.map(SeatOrders::read).transpose() {
        Ok(o) => o,
        Err(e) => return fail(&format!("--orders {e}")),
    };
    let forked = original.replay().and_then(|mut app| {
        let outcome = Outcome::of(&mut app);
        recorded::fork(&original, &ForkPlan { at, orders, sets }).map(|f| (outcome, f))
    });
    let (before, mut forked) = match forked {
        Ok(f) => f,
        Err(e) => return fail(&e.replace("--orders:", &format!("--orders {orders_file}:"))),
    };
    if let Err(e) = recorded::write_game(save, &forked.meta, &forked.records, &mut forked.app) {
        return fail(&e);
    }
    let after = Outcome::of(&mut forked.app);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Forked {} at the start of turn {at} into {}.", game.display(), save.display());
    for d in &forked.dropped {
        let _ = writeln!(out, "  dropped {d}");
    }
    print_diff(&mut out, &before, &after);
    ExitCode::SUCCESS
}

fn export(game: &std::path::Path, to: &std::path::Path) -> ExitCode {
    use crate::analysis::shell_word;
    let command = format!(
        "truce export {} --to {}",
        shell_word(&game.display().to_string()),
        shell_word(&to.display().to_string())
    );
    let done =
        crate::analysis::recorded::Recorded::open(game).and_then(|g| crate::analysis::bundle::export(&g, to, &command));
    match done {
        Ok(m) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "Exported {} (seed {}, {} inputs, state {}) to {}:",
                game.display(),
                m.seed,
                m.records,
                m.state_hash,
                to.display()
            );
            for f in &m.files {
                let _ = writeln!(out, "  {:<16} {:>7} rows  sha256 {}", f.name, f.rows, f.sha256);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn report(path: &std::path::Path, output: &std::path::Path) -> ExitCode {
    use crate::analysis::{batch, report, shell_word};
    let command = format!(
        "truce report {} -o {}",
        shell_word(&path.display().to_string()),
        shell_word(&output.display().to_string())
    );
    let html = if path.join(batch::MANIFEST_FILE).exists() {
        report::batch_report(path)
    } else {
        crate::analysis::recorded::Recorded::open(path).and_then(|g| report::game_report(&g, &command))
    };
    let written =
        html.and_then(|h| std::fs::write(output, h).map_err(|e| format!("cannot write {}: {e}", output.display())));
    match written {
        Ok(()) => {
            let _ = writeln!(std::io::stdout(), "Wrote {}", output.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn replay(bundle: &std::path::Path) -> ExitCode {
    match crate::analysis::bundle::verify(bundle) {
        Ok((m, checked)) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "ok: {} ({} seed {}, made by {})",
                bundle.display(),
                m.scenario_id,
                m.seed,
                m.engine.words()
            );
            for c in checked {
                let _ = writeln!(out, "  {c}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {}: {e}", bundle.display());
            ExitCode::from(1)
        }
    }
}

fn diff(a: &std::path::Path, b: &std::path::Path) -> ExitCode {
    use crate::analysis::recorded::{Outcome, Recorded};
    let outcome =
        |dir: &std::path::Path| Recorded::open(dir).and_then(|r| r.replay()).map(|mut app| Outcome::of(&mut app));
    let (x, y) = match (outcome(a), outcome(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return fail(&e),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "A: {}\nB: {}", a.display(), b.display());
    if print_diff(&mut out, &x, &y) { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// Prints where two games part; whether they are the same.
fn print_diff(
    out: &mut impl Write,
    a: &crate::analysis::recorded::Outcome,
    b: &crate::analysis::recorded::Outcome,
) -> bool {
    let (lines, first) = crate::analysis::recorded::diff(a, b);
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    match first {
        Some(f) => {
            let _ = writeln!(out, "{f}");
            false
        }
        None if a.state_hash == b.state_hash => {
            let _ = writeln!(out, "The same game: state {:016x}.", a.state_hash);
            true
        }
        None => {
            let _ = writeln!(out, "Same events, different states: {:016x} and {:016x}.", a.state_hash, b.state_hash);
            false
        }
    }
}

/// One line of `truce sim --json`: a turn's summary with what it came from.
#[derive(serde::Serialize)]
struct SimLine<'a> {
    scenario: &'a str,
    scenario_sha256: &'a str,
    seed: u64,
    engine: &'a str,
    #[serde(flatten)]
    turn: &'a crate::record::TurnSummary,
}

/// The command that makes a batch, as recorded in its files: everything that shapes its results,
/// nothing about where it is written or how it is split.
fn batch_command(a: &BatchArgs) -> String {
    use crate::analysis::shell_word;
    let mut words = vec!["truce".to_string(), "batch".to_string()];
    if let Some(s) = &a.scenario {
        words.push(shell_word(&s.display().to_string()));
    }
    let (first, last) = a.seeds;
    words.push(format!("--seeds {}", if first == 1 { last.to_string() } else { format!("{first}-{last}") }));
    if let Some(d) = &a.design {
        words.push(format!("--design {}", shell_word(&d.display().to_string())));
    }
    for (path, values) in &a.set {
        words.push(format!("--set {}", shell_word(&format!("{path}={}", values.join(",")))));
    }
    for (seat, strategy) in &a.policy {
        words.push(format!("--policy {}", shell_word(&format!("{seat}={}", strategy.name()))));
    }
    if let Some(t) = a.turns {
        words.push(format!("--turns {t}"));
    }
    if a.per_turn {
        words.push("--per-turn".into());
    }
    words.join(" ")
}

fn batch(a: &BatchArgs) -> ExitCode {
    use crate::analysis::batch::{self, Design, Plan, Running};
    use std::io::IsTerminal;
    let (scenario, sha256) = match scenario::load_with_sha256(a.scenario.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let design = match &a.design {
        Some(file) => Design::read_csv(file).and_then(|d| d.cross(Design::factorial(&a.set))),
        None => Ok(Design::factorial(&a.set)),
    };
    let design = match design {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let plan = Plan {
        engine: crate::analysis::Engine::this(),
        scenario_id: scenario.id.clone(),
        scenario_file: a.scenario.as_ref().map_or(scenario::BUILTIN_FILE.to_string(), |p| p.display().to_string()),
        scenario_sha256: sha256,
        command: batch_command(a),
        design,
        first_seed: a.seeds.0,
        last_seed: a.seeds.1,
        policies: a.policy.iter().map(|(seat, s)| (seat.clone(), s.name().to_string())).collect(),
        turns: a.turns,
        per_turn: a.per_turn,
    };
    let running =
        Running { shard: a.shard, threads: a.threads.map(usize::from), progress: std::io::stderr().is_terminal() };
    let started = std::time::Instant::now();
    match batch::run(&plan, &scenario, &running, &a.out) {
        Ok(runs) => {
            batch::report_done(&a.out, runs, started.elapsed().as_secs_f64(), std::io::stderr());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn batch_merge(shards: &[PathBuf], out: &std::path::Path) -> ExitCode {
    match crate::analysis::batch::merge(shards, out) {
        Ok(runs) => {
            let _ =
                writeln!(std::io::stderr(), "{runs} runs from {} shards merged into {}", shards.len(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `truce test`: every case, pass or fail, and the difference on failure.
fn test_cases(paths: &[PathBuf], scenario_file: Option<&std::path::Path>) -> ExitCode {
    use crate::analysis::cases;
    let files = match cases::files(paths) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return fail("no case files (.ron) were found there"),
        Err(e) => return fail(&e),
    };
    let fixed = match scenario_file.map(scenario::load_file).transpose() {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for f in &files {
        let result = cases::load(f).and_then(|case| {
            let s = match &fixed {
                Some(s) => s.clone(),
                None => cases::scenario_for(f, &case.scenario)?,
            };
            Ok((case.title.clone(), cases::run(&case, s)))
        });
        let name = f.display();
        match result {
            Ok((title, failures)) if failures.is_empty() => {
                let _ = writeln!(out, "pass  {name}: {title}");
            }
            Ok((title, failures)) => {
                failed += 1;
                let _ = writeln!(out, "FAIL  {name}: {title}");
                for line in failures.iter().flat_map(|f| f.lines()) {
                    let _ = writeln!(out, "      {line}");
                }
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(out, "FAIL  {e}");
            }
        }
    }
    let _ = writeln!(out, "\n{} of {} cases passed", files.len() - failed, files.len());
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[allow(clippy::too_many_arguments)]
fn serve(
    scenario: Option<PathBuf>,
    bind: std::net::SocketAddr,
    settings: crate::host::HostSettings,
    codes_json: Option<PathBuf>,
    game_dir: Option<PathBuf>,
    resume: Option<PathBuf>,
    commands: Option<PathBuf>,
    seed: Option<u64>,
) -> ExitCode {
    use crate::server::{GameSource, ServeOptions, Server, default_game_dir};
    let fail = |e: String| {
        let _ = writeln!(std::io::stderr(), "error: {e}");
        ExitCode::from(EXIT_INVALID)
    };
    let script = match commands.as_deref().map(crate::host::console::read_script) {
        Some(Ok(lines)) => lines,
        Some(Err(e)) => return fail(e),
        None => Vec::new(),
    };
    let game = match resume {
        Some(dir) => GameSource::Resume(dir),
        None => {
            let scenario = match scenario::load(scenario.as_deref()) {
                Ok(s) => s,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "{e}");
                    return ExitCode::from(EXIT_INVALID);
                }
            };
            let dir = game_dir.unwrap_or_else(|| default_game_dir(&scenario.id));
            GameSource::New { scenario: Box::new(scenario), seed, settings, dir }
        }
    };
    let resuming = matches!(game, GameSource::Resume(_));
    let options =
        ServeOptions { bind, game, codes_json, script, stdin: true, echo: true, log: Some(bevy::log::Level::WARN) };
    let server = match Server::start(options) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut out = std::io::stdout().lock();
    let shown = if server.addr.ip().is_unspecified() {
        format!("THIS-MACHINE:{}", server.addr.port())
    } else {
        server.addr.to_string()
    };
    let _ = writeln!(
        out,
        "Truce server {} on {} (UDP game; TCP: browser client, join endpoint, WebSocket); game directory {}\n",
        if resuming { "resumed" } else { "started" },
        server.addr,
        server.dir.display()
    );
    let _ = writeln!(out, "{}", server.codes.table(&shown));
    let _ = writeln!(out, "Type `help` for the facilitator's commands; `start` begins the game.");
    let _ = out.flush();
    drop(out);
    server.run();
    ExitCode::SUCCESS
}

fn join(server: &str, code: &str) -> ExitCode {
    let addr = match crate::net::client::resolve(server) {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    match crate::client::run::run(addr, code) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn bot(server: &str, code: &str) -> ExitCode {
    let addr = match crate::net::client::resolve(server) {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let result = crate::client::bot::play(addr, code, None, |line| {
        let _ = writeln!(std::io::stdout(), "{line}");
    });
    match result {
        Ok(report) => {
            let _ = writeln!(std::io::stdout(), "played {} turns, {} orders", report.turns_played, report.orders_sent);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {e}");
    ExitCode::from(EXIT_INVALID)
}

/// Finds a nation by id or name, in any case; a unique start of a name will do.
pub fn find_nation(scenario: &Scenario, wanted: &str) -> Result<String, String> {
    let w = wanted.trim().to_lowercase();
    let exact = scenario.nations.iter().find(|n| n.id.to_lowercase() == w || n.name.to_lowercase() == w);
    if let Some(n) = exact {
        return Ok(n.id.clone());
    }
    let starts: Vec<_> =
        scenario.nations.iter().filter(|n| !w.is_empty() && n.name.to_lowercase().starts_with(&w)).collect();
    if let [one] = starts.as_slice() {
        return Ok(one.id.clone());
    }
    let all: Vec<String> = scenario.nations.iter().map(|n| format!("{} ({})", n.name, n.id)).collect();
    Err(format!("no single nation {wanted:?} in {}; choose one of: {}", scenario.id, all.join(", ")))
}

fn solo(scenario: Option<PathBuf>, nation: &str, seed: Option<u64>) -> ExitCode {
    use crate::host::console::Line;
    use crate::server::{GameSource, ServeOptions, Server, default_game_dir};
    let scenario = match scenario::load(scenario.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let seat = match find_nation(&scenario, nation) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let dir = default_game_dir(&format!("solo-{}", scenario.id));
    let options = ServeOptions {
        bind: "127.0.0.1:0".parse().expect("literal"),
        game: GameSource::New {
            scenario: Box::new(scenario),
            seed,
            settings: crate::host::HostSettings { turn_seconds: None, on_timeout: crate::host::OnTimeout::Bot },
            dir: dir.clone(),
        },
        codes_json: None,
        // The game starts as soon as the player is in; every other seat is a bot.
        script: vec![Line::WaitPlayers(1), Line::Command(crate::protocol::Command::Start)],
        stdin: false,
        echo: false,
        log: None,
    };
    // The server runs on a thread of its own, on loopback, for as long as the player plays.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || match Server::start(options) {
        Ok(server) => {
            let code = server.codes.seats.iter().find(|(id, _, _)| *id == seat).map(|s| s.2.clone());
            let _ = tx.send(Ok((server.addr, code)));
            server.run();
        }
        Err(e) => {
            let _ = tx.send(Err(e));
        }
    });
    let (addr, code) = match rx.recv() {
        Ok(Ok((addr, Some(code)))) => (addr, code),
        Ok(Ok((_, None))) => return fail("the chosen nation has no seat"),
        Ok(Err(e)) => return fail(&e),
        Err(_) => return fail("the game could not start"),
    };
    match crate::client::run::run(addr, &code) {
        Ok(()) => {
            let _ = writeln!(
                std::io::stdout(),
                "The game is saved in {}; `truce serve --resume {}` continues it.",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
