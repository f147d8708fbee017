//! `truce batch`: a designed experiment of many games: design points (crossed `--set` lists or
//! the rows of a design file) times seeds, played in parallel, written as tidy CSV with a summary
//! per design point; deterministic shards for a cluster and their merge.
//!
//! Every run is numbered (design point major, seed minor). A shard `K/N` plays the runs whose
//! number is `K − 1` modulo `N`; merging sorts the rows back by run, so the merged files are the
//! unsharded batch's byte for byte. Summaries are always computed from the rows as written (whose
//! numbers read back to the same bits), so a merge and a single machine sum the same values.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::stats::{mean_interval, proportion_interval};
use super::{Engine, sha256_hex};
use crate::bots::Strategy;
use crate::record::TurnSummary;
use crate::scenario::Scenario;
use crate::scenario::overrides::{self, POLICY_PREFIX};
use crate::sim::Game;

pub const RUNS_FILE: &str = "runs.csv";
pub const TURNS_FILE: &str = "turns.csv";
pub const SUMMARY_FILE: &str = "summary.csv";
pub const MANIFEST_FILE: &str = "batch.json";
/// Most games one batch may hold.
pub const MAX_RUNS: usize = 10_000_000;

/// The design: named columns (scenario paths, or `policy.SEAT`) and one row of values per point.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub columns: Vec<String>,
    pub points: Vec<Vec<String>>,
}

impl Design {
    /// The full factorial of `--set PATH=V1,V2,…` lists, the last list varying fastest.
    pub fn factorial(sets: &[(String, Vec<String>)]) -> Design {
        let mut points = vec![Vec::new()];
        for (_, values) in sets {
            points = points
                .into_iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push(v.clone());
                        q
                    })
                })
                .collect();
        }
        Design { columns: sets.iter().map(|(p, _)| p.clone()).collect(), points }
    }

    /// Reads a design file: a CSV header of paths, one design point per row (as EMA Workbench,
    /// SALib or a spreadsheet write them).
    pub fn read_csv(path: &Path) -> Result<Design, String> {
        let name = path.display();
        let text = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        // The line a record starts on, past any blank or comment lines the reader skipped.
        let line_at = |byte: usize| {
            let mut at = byte.min(text.len());
            while at < text.len() && text[at].is_ascii_whitespace() {
                at += 1;
            }
            1 + text[..at].iter().filter(|&&b| b == b'\n').count()
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .flexible(true)
            .from_reader(text.as_slice());
        let columns: Vec<String> =
            reader.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(str::to_string).collect();
        if columns.is_empty() || columns.iter().any(String::is_empty) {
            return Err(format!("{name}: line 1 must name a scenario path in every column"));
        }
        let mut points = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| format!("{name}: {e}"))?;
            let line = row.position().map_or(i + 2, |p| line_at(p.byte() as usize));
            if row.len() != columns.len() {
                return Err(format!("{name}: line {line} has {} values for {} columns", row.len(), columns.len()));
            }
            if let Some((c, _)) = row.iter().enumerate().find(|(_, v)| v.is_empty()) {
                return Err(format!("{name}: line {line}, column `{}`: no value", columns[c]));
            }
            points.push(row.iter().map(str::to_string).collect());
        }
        if points.is_empty() {
            return Err(format!("{name}: no design points (a header and at least one row are needed)"));
        }
        Ok(Design { columns, points })
    }

    /// Every point of `self` with every point of `other` (no path may be in both).
    pub fn cross(self, other: Design) -> Result<Design, String> {
        if let Some(c) = self.columns.iter().find(|c| other.columns.contains(c)) {
            return Err(format!("`{c}` is set twice (by the design file and by --set)"));
        }
        let mut columns = self.columns;
        columns.extend(other.columns);
        let points = self
            .points
            .iter()
            .flat_map(|a| other.points.iter().map(move |b| [a.clone(), b.clone()].concat()))
            .collect();
        Ok(Design { columns, points })
    }
}

/// Which slice of a batch this process plays: `index` of `count`, from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not K/N with 1 ≤ K ≤ N (e.g. 2/4)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Seeds as `--seeds` takes them: `N` (1 to N) or `FIRST-LAST`.
pub fn parse_seeds(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("`{s}` is not a number of seeds (40) or a range FIRST-LAST (100-139)");
    let (first, last) = match s.split_once('-') {
        Some((a, b)) => (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?),
        None => (1, s.trim().parse().map_err(|_| bad())?),
    };
    if first > last || (first == 1 && last == 0) {
        return Err(bad());
    }
    Ok((first, last))
}

/// `PATH=V1,V2,…`, as `--set` takes it.
pub fn parse_set(s: &str) -> Result<(String, Vec<String>), String> {
    let (path, values) =
        s.split_once('=').ok_or_else(|| format!("`{s}` is not PATH=V1,V2,… (e.g. model.truce_days=7,14)"))?;
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if path.trim().is_empty() || values.iter().any(String::is_empty) {
        return Err(format!("`{s}` needs a path and values (e.g. model.truce_days=7,14)"));
    }
    Ok((path.trim().to_string(), values))
}

/// What a batch is: everything its results depend on. Shards of one batch share it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub engine: Engine,
    pub scenario_id: String,
    /// The scenario file as given (or the built-in one's name).
    pub scenario_file: String,
    pub scenario_sha256: String,
    /// The command that makes this batch, without where it is written or how it is split.
    pub command: String,
    pub design: Design,
    pub first_seed: u64,
    pub last_seed: u64,
    /// Strategies for every design point (`--policy`).
    pub policies: Vec<(String, String)>,
    /// Turns per game (`None`: the scenario's).
    pub turns: Option<u32>,
    pub per_turn: bool,
}

impl Plan {
    pub fn seeds(&self) -> u64 {
        self.last_seed - self.first_seed + 1
    }

    pub fn runs(&self) -> usize {
        self.design.points.len().max(1) * self.seeds() as usize
    }

    /// The design point and seed of run `r`.
    fn run_at(&self, r: usize) -> (usize, u64) {
        let n = self.seeds() as usize;
        (r / n, self.first_seed + (r % n) as u64)
    }

    /// Checks every path against the scenario and every point's values by making its scenario,
    /// so that a batch fails before its first game rather than in its thousandth.
    pub fn check(&self, base: &Scenario) -> Result<(), String> {
        if self.runs() > MAX_RUNS {
            return Err(format!("{} runs are more than one batch may hold ({MAX_RUNS})", self.runs()));
        }
        for c in &self.design.columns {
            overrides::check_path(base, c)?;
        }
        for (i, _) in self.design.points.iter().enumerate() {
            self.point(base, i).map_err(|e| format!("design point {}: {e}", i + 1))?;
        }
        Ok(())
    }

    /// The scenario and strategies of design point `i`.
    fn point(&self, base: &Scenario, i: usize) -> Result<(Scenario, Vec<(String, Strategy)>), String> {
        let values: &[String] = self.design.points.get(i).map_or(&[], Vec::as_slice);
        let sets: Vec<(String, String)> = self.design.columns.iter().cloned().zip(values.iter().cloned()).collect();
        let mut scenario = overrides::apply(base, &sets)?;
        let mut policies: Vec<(String, Strategy)> =
            self.policies.iter().map(|(seat, s)| Ok((seat.clone(), s.parse()?))).collect::<Result<_, String>>()?;
        for (path, v) in &sets {
            if let Some(seat) = path.strip_prefix(POLICY_PREFIX) {
                policies.retain(|(s, _)| s != seat);
                policies.push((seat.to_string(), v.parse()?));
            }
        }
        let turns = self.turns.unwrap_or(scenario.turns);
        scenario.turns = scenario.turns.max(turns);
        Ok((scenario, policies))
    }
}

/// One game of a batch, reduced to its rows.
struct Played {
    run: Vec<String>,
    turns: Vec<Vec<String>>,
}

/// Plays `scenario` from `seed` for `turns` turns with the strategies given, exactly as `truce
/// sim` does, and returns every turn's summary.
pub fn play(
    scenario: Scenario,
    seed: u64,
    turns: u32,
    policies: &[(String, Strategy)],
) -> Result<Vec<TurnSummary>, String> {
    let mut game = Game::with_policies(scenario, Some(seed), &[], policies)
        .map_err(|p| p.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "))?;
    let mut out = Vec::new();
    while out.len() < turns as usize
        && let Some(turn) = game.finish_turn()
    {
        out.push(turn);
    }
    Ok(out)
}

/// The columns of the tables, given the plan and the nations of the scenario.
struct Columns {
    nations: Vec<String>,
}

impl Columns {
    fn lead(plan: &Plan) -> Vec<String> {
        let mut h = vec!["run".to_string(), "point".to_string()];
        h.extend(plan.design.columns.iter().cloned());
        h.push("seed".into());
        h
    }

    fn runs(&self, plan: &Plan) -> Vec<String> {
        let mut h = Self::lead(plan);
        h.extend(RUN_FIGURES.iter().map(|s| s.to_string()));
        h.extend(self.per_nation());
        h
    }

    fn turns(&self, plan: &Plan) -> Vec<String> {
        let mut h = Self::lead(plan);
        h.extend(TURN_FIGURES.iter().map(|s| s.to_string()));
        h.extend(self.per_nation());
        h
    }

    fn per_nation(&self) -> Vec<String> {
        let mut h: Vec<String> = self.nations.iter().map(|n| format!("score_{n}")).collect();
        h.extend(self.nations.iter().map(|n| format!("support_{n}")));
        h
    }

    fn nation_cells(&self, t: Option<&TurnSummary>) -> Vec<String> {
        let find = |id: &str| t.and_then(|t| t.nations.iter().find(|n| n.id == id));
        let mut cells: Vec<String> =
            self.nations.iter().map(|n| find(n).map_or(String::new(), |x| x.score.to_string())).collect();
        cells.extend(self.nations.iter().map(|n| find(n).map_or(String::new(), |x| x.support.to_string())));
        cells
    }
}

const RUN_FIGURES: [&str; 13] = [
    "turns",
    "days",
    "ceasefire",
    "collapsed",
    "collapse_turn",
    "violations_true",
    "violations_recorded",
    "casualties",
    "escalation_final",
    "escalation_max",
    "collapse_hazard_mean",
    "events",
    "mandates",
];
const TURN_FIGURES: [&str; 11] = [
    "turn",
    "first_day",
    "days",
    "violations_true",
    "violations_recorded",
    "casualties",
    "escalation",
    "collapse_hazard",
    "ceasefire",
    "events",
    "mandates",
];

/// The figures summarised per design point, besides P(collapse).
const SUMMARISED: [&str; 5] = ["violations_true", "violations_recorded", "casualties", "escalation_final", "days"];

fn run_row(lead: &[String], history: &[TurnSummary], columns: &Columns) -> Vec<String> {
    let last = history.last();
    let collapsed = last.is_some_and(|t| t.ceasefire == "collapsed");
    let sum = |f: fn(&TurnSummary) -> u64| history.iter().map(f).sum::<u64>().to_string();
    let days: u32 = history.iter().map(|t| t.days).sum();
    let hazard = if days == 0 {
        0.0
    } else {
        history.iter().map(|t| t.collapse_hazard * t.days as f64).sum::<f64>() / days as f64
    };
    let mut row = lead.to_vec();
    row.extend([
        history.len().to_string(),
        days.to_string(),
        last.map_or(String::new(), |t| t.ceasefire.clone()),
        u8::from(collapsed).to_string(),
        if collapsed { last.map_or(String::new(), |t| t.turn.to_string()) } else { String::new() },
        sum(|t| t.violations_true),
        sum(|t| t.violations_recorded),
        sum(|t| t.casualties),
        last.map_or(0.0, |t| t.escalation).to_string(),
        history.iter().map(|t| t.escalation).fold(0.0, f64::max).to_string(),
        hazard.to_string(),
        sum(|t| t.events),
        last.map_or(String::new(), |t| t.mandates.join(";")),
    ]);
    row.extend(columns.nation_cells(last));
    row
}

fn turn_row(lead: &[String], t: &TurnSummary, columns: &Columns) -> Vec<String> {
    let mut row = lead.to_vec();
    row.extend([
        t.turn.to_string(),
        t.first_day.to_string(),
        t.days.to_string(),
        t.violations_true.to_string(),
        t.violations_recorded.to_string(),
        t.casualties.to_string(),
        t.escalation.to_string(),
        t.collapse_hazard.to_string(),
        t.ceasefire.clone(),
        t.events.to_string(),
        t.mandates.join(";"),
    ]);
    row.extend(columns.nation_cells(Some(t)));
    row
}

/// How a batch is run (none of it changes the results).
pub struct Running {
    pub shard: Option<Shard>,
    pub threads: Option<usize>,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
}

/// Plays the plan's runs (those of the shard, if any) and writes the tables to `out`.
pub fn run(plan: &Plan, base: &Scenario, running: &Running, out: &Path) -> Result<usize, String> {
    plan.check(base)?;
    let columns = Columns { nations: base.nations.iter().map(|n| n.id.clone()).collect() };
    let mine: Vec<usize> =
        (0..plan.runs()).filter(|r| running.shard.is_none_or(|s| r % s.count == s.index - 1)).collect();
    // Design points are made once; games share them.
    let points: Vec<(Scenario, Vec<(String, Strategy)>)> =
        (0..plan.design.points.len().max(1)).map(|i| plan.point(base, i)).collect::<Result<_, _>>()?;
    let bar = progress_bar(mine.len() as u64, running.progress);
    let play_one = |&r: &usize| -> Result<Played, String> {
        let (p, seed) = plan.run_at(r);
        let (scenario, policies) = &points[p];
        let turns = plan.turns.unwrap_or(scenario.turns);
        let history = play(scenario.clone(), seed, turns, policies).map_err(|e| format!("run {r}: {e}"))?;
        let mut lead = vec![r.to_string(), (p + 1).to_string()];
        lead.extend(plan.design.points.get(p).cloned().unwrap_or_default());
        lead.push(seed.to_string());
        let turns = if plan.per_turn { history.iter().map(|t| turn_row(&lead, t, &columns)).collect() } else { vec![] };
        bar.inc(1);
        Ok(Played { run: run_row(&lead, &history, &columns), turns })
    };
    let played: Vec<Played> = match running.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| format!("cannot start {n} threads: {e}"))?
            .install(|| mine.par_iter().map(play_one).collect::<Result<_, _>>())?,
        None => mine.par_iter().map(play_one).collect::<Result<_, _>>()?,
    };
    bar.finish_and_clear();
    let tables = Tables {
        runs_header: columns.runs(plan),
        runs: played.iter().map(|p| p.run.clone()).collect(),
        turns_header: columns.turns(plan),
        turns: played.into_iter().flat_map(|p| p.turns).collect(),
    };
    write(plan, running.shard, &tables, out)?;
    Ok(mine.len())
}

fn progress_bar(len: u64, shown: bool) -> indicatif::ProgressBar {
    if !shown {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} games, {per_sec}, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The rows of a batch, as written.
struct Tables {
    runs_header: Vec<String>,
    runs: Vec<Vec<String>>,
    turns_header: Vec<String>,
    turns: Vec<Vec<String>>,
}

/// What `batch.json` holds: the plan, the shard, and each file's SHA-256.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub plan: Plan,
    pub shard: Option<Shard>,
    /// Runs in this directory's tables.
    pub runs: usize,
    pub files: Vec<(String, String)>,
}

/// The comment lines at the head of every table: what made it.
fn provenance(plan: &Plan, shard: Option<Shard>) -> String {
    let mut s = format!(
        "# {} batch of {} ({}, sha256 {})\n# command: {}\n",
        plan.engine.words(),
        plan.scenario_id,
        plan.scenario_file,
        plan.scenario_sha256,
        plan.command
    );
    if let Some(shard) = shard {
        s.push_str(&format!("# shard: {shard} of the runs (merge the shards with `truce batch merge`)\n"));
    }
    s
}

fn csv_bytes(head: &str, header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut bytes = head.as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(&mut bytes);
        w.write_record(header).map_err(|e| e.to_string())?;
        for r in rows {
            w.write_record(r).map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

/// Writes the tables, the summary computed from them and the manifest.
fn write(plan: &Plan, shard: Option<Shard>, t: &Tables, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let head = provenance(plan, shard);
    let mut files = vec![(RUNS_FILE.to_string(), csv_bytes(&head, &t.runs_header, &t.runs)?)];
    if plan.per_turn {
        files.push((TURNS_FILE.to_string(), csv_bytes(&head, &t.turns_header, &t.turns)?));
    }
    let (sheader, srows) = summarise(plan, &t.runs_header, &t.runs)?;
    files.push((SUMMARY_FILE.to_string(), csv_bytes(&head, &sheader, &srows)?));
    let mut hashes = Vec::new();
    for (name, bytes) in &files {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        hashes.push((name.clone(), sha256_hex(bytes)));
    }
    let manifest = Manifest { plan: plan.clone(), shard, runs: t.runs.len(), files: hashes };
    let path = out.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// One row per design point: the number of runs, P(collapse) and the mean of each figure and
/// each nation's score, with 95% intervals.
fn summarise(plan: &Plan, header: &[String], rows: &[Vec<String>]) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let col = |name: &str| header.iter().position(|h| h == name).ok_or(format!("{RUNS_FILE} has no column {name}"));
    let point = col("point")?;
    let collapsed = col("collapsed")?;
    let mut figures: Vec<String> = SUMMARISED.iter().map(|s| s.to_string()).collect();
    figures.extend(header.iter().filter(|h| h.starts_with("score_")).cloned());
    let at: Vec<usize> = figures.iter().map(|f| col(f)).collect::<Result<_, _>>()?;
    let mut out_header = vec!["point".to_string()];
    out_header.extend(plan.design.columns.iter().cloned());
    out_header.extend(["runs", "p_collapse", "p_collapse_low", "p_collapse_high"].map(String::from));
    for f in &figures {
        out_header.extend([format!("{f}_mean"), format!("{f}_low"), format!("{f}_high")]);
    }
    let points: BTreeSet<usize> = rows.iter().filter_map(|r| r[point].parse().ok()).collect();
    let number = |s: &str| s.parse::<f64>().map_err(|_| format!("{RUNS_FILE}: `{s}` is not a number"));
    let mut out = Vec::new();
    for p in points {
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[point].parse() == Ok(p)).collect();
        let mut row = vec![p.to_string()];
        row.extend(plan.design.points.get(p - 1).cloned().unwrap_or_default());
        let hits = mine.iter().filter(|r| r[collapsed] == "1").count();
        let pc = proportion_interval(hits, mine.len());
        row.extend([mine.len().to_string(), pc.mean.to_string(), pc.low.to_string(), pc.high.to_string()]);
        for &c in &at {
            let xs: Vec<f64> =
                mine.iter().filter(|r| !r[c].is_empty()).map(|r| number(&r[c])).collect::<Result<_, _>>()?;
            let e = mean_interval(&xs);
            row.extend([e.mean.to_string(), e.low.to_string(), e.high.to_string()]);
        }
        out.push(row);
    }
    Ok((out_header, out))
}

/// Reads a batch directory's manifest.
pub fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a batch's manifest: {e}", path.display()))
}

/// The header and rows of a table a batch wrote.
pub fn read_rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    read_table(path).map(|(_, header, rows)| (header, rows))
}

/// A table a batch wrote: its comment head, header and rows.
type Table = (String, Vec<String>, Vec<Vec<String>>);

/// Reads a table a batch wrote.
fn read_table(path: &Path) -> Result<Table, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let head: String = text.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| format!("{}: {e}", path.display()))?.iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()).map_err(|e| format!("{}: {e}", path.display())))
        .collect::<Result<_, _>>()?;
    Ok((head, header, rows))
}

/// Joins the shards of one batch into `out`, as if it had run unsharded: every shard of the same
/// plan must be there exactly once, with every run.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, String> {
    let mut manifests = Vec::new();
    for d in dirs {
        manifests.push((d, read_manifest(d)?));
    }
    let Some((first_dir, first)) = manifests.first() else {
        return Err("name the shards' directories to merge".into());
    };
    let plan = first.plan.clone();
    let count = first.shard.map_or(1, |s| s.count);
    let mut seen = vec![false; count];
    for (d, m) in &manifests {
        if m.plan != plan {
            return Err(format!(
                "{} holds another batch than {} ({} against {})",
                d.display(),
                first_dir.display(),
                m.plan.command,
                plan.command
            ));
        }
        let Some(s) = m.shard.filter(|s| s.count == count) else {
            return Err(format!("{} is not one of {count} shards", d.display()));
        };
        if std::mem::replace(&mut seen[s.index - 1], true) {
            return Err(format!("shard {s} is given twice"));
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(format!("shard {}/{count} is missing", missing + 1));
    }
    let gather = |file: &str| -> Result<(Vec<String>, Vec<Vec<String>>), String> {
        let mut header = None;
        let mut rows = Vec::new();
        for (d, _) in &manifests {
            let (_, h, r) = read_table(&d.join(file))?;
            if header.get_or_insert_with(|| h.clone()) != &h {
                return Err(format!("{}: its columns are not those of the other shards", d.join(file).display()));
            }
            rows.extend(r);
        }
        // Stable: a run's turns keep their order.
        rows.sort_by_key(|r: &Vec<String>| r.first().and_then(|x| x.parse::<usize>().ok()).unwrap_or(usize::MAX));
        Ok((header.unwrap_or_default(), rows))
    };
    let (runs_header, runs) = gather(RUNS_FILE)?;
    let numbers: Vec<usize> = runs.iter().filter_map(|r| r.first()?.parse().ok()).collect();
    if numbers != (0..plan.runs()).collect::<Vec<_>>() {
        return Err(format!("the shards hold {} runs, not each of the batch's {} once", runs.len(), plan.runs()));
    }
    let (turns_header, turns) = if plan.per_turn { gather(TURNS_FILE)? } else { (Vec::new(), Vec::new()) };
    write(&plan, None, &Tables { runs_header, runs, turns_header, turns }, out)?;
    Ok(plan.runs())
}

/// Prints where the batch went, for the terminal.
pub fn report_done(out: &Path, runs: usize, seconds: f64, mut to: impl Write) {
    let _ = writeln!(
        to,
        "{runs} games in {seconds:.1} s ({:.0} a second); tables in {}",
        runs as f64 / seconds.max(1e-9),
        out.display()
    );
}
