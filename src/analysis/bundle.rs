//! The research bundle of a recorded game (`truce export`): tidy CSV tables of what happened,
//! the game's settings and inputs with its join codes taken out, and a manifest of hashes that
//! `truce replay` checks by playing the game again.

use std::path::Path;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::Engine;
use super::recorded::{Recorded, headless};
use crate::host::{Input, Record, Replaying};
use crate::record::{History, Trace};
use crate::rules::Phase;
use crate::rules::orders::Order;
use crate::server::Meta;

pub const MANIFEST_FILE: &str = "manifest.json";
const GAME_FILE: &str = "game.json";
const INPUTS_FILE: &str = "inputs.jsonl";

/// Every order a seat handed in, people's and bots' alike, as the book held it when the turn
/// resolved: (turn, seat, id, order).
#[derive(Resource, Default)]
pub struct OrdersKept(pub Vec<(u32, String, u64, Order)>);

/// Keeps the turn's orders as resolution begins.
pub fn keep_orders(
    book: Res<crate::rules::orders::OrderBook>,
    clock: Res<crate::rules::Clock>,
    mut kept: ResMut<OrdersKept>,
) {
    for (seat, draft) in &book.drafts {
        for d in &draft.orders {
            kept.0.push((clock.turn, seat.clone(), d.id, d.order.clone()));
        }
    }
}

/// A file of the bundle and its fingerprint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    pub name: String,
    pub rows: usize,
    pub sha256: String,
}

/// What a bundle holds and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub engine: Engine,
    pub command: String,
    pub game: String,
    pub scenario_id: String,
    /// The sha256 of the scenario file the game was made from, when the game says.
    pub scenario_file_sha256: Option<String>,
    /// The sha256 of the scenario as the game holds it (canonical JSON).
    pub scenario_sha256: String,
    pub seed: u64,
    /// The sha256 of the game's journal file and its chain's head.
    pub journal_sha256: String,
    pub journal_head: String,
    pub records: usize,
    pub end_turn: u32,
    pub end_phase: Phase,
    pub state_hash: String,
    pub files: Vec<FileHash>,
}

/// Writes the bundle of `game` into `out`.
pub fn export(game: &Recorded, out: &Path, command: &str) -> Result<Manifest, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    if out.join(MANIFEST_FILE).exists() {
        return Err(format!("{} already holds a bundle; choose another directory", out.display()));
    }
    let mut app = game.replay()?;
    let (end_turn, end_phase) = game.end();
    let mut files = write_inputs(out, &game.meta, &game.records)?;
    files.extend(write_tables(out, app.world_mut(), &game.records)?);
    let manifest = Manifest {
        engine: Engine::this(),
        command: command.to_string(),
        game: game.dir.display().to_string(),
        scenario_id: game.meta.scenario.id.clone(),
        scenario_file_sha256: game.meta.source.as_ref().map(|s| s.sha256.clone()),
        scenario_sha256: scenario_sha256(&game.meta),
        seed: game.meta.seed,
        journal_sha256: game.journal_sha256(),
        journal_head: game.head.clone(),
        records: game.records.len(),
        end_turn,
        end_phase,
        state_hash: format!("{:016x}", crate::record::state_hash(app.world_mut())),
        files,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())? + "\n";
    write(&out.join(MANIFEST_FILE), text.as_bytes())?;
    Ok(manifest)
}

fn scenario_sha256(meta: &Meta) -> String {
    super::sha256_hex(&serde_json::to_vec(&meta.scenario).unwrap_or_default())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The game's settings and inputs, without the codes that let people join it.
fn write_inputs(out: &Path, meta: &Meta, records: &[Record]) -> Result<Vec<FileHash>, String> {
    let mut meta = meta.clone();
    for seat in &mut meta.codes.seats {
        seat.2 = "redacted".into();
    }
    for code in [&mut meta.codes.facilitator, &mut meta.codes.observer, &mut meta.codes.projector] {
        *code = "redacted".into();
    }
    let game = serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())?;
    let mut inputs = Vec::new();
    for r in records {
        let mut r = r.clone();
        if let Input::Revoke { code, .. } = &mut r.input {
            *code = "redacted".into();
        }
        inputs.extend(serde_json::to_vec(&r).map_err(|e| e.to_string())?);
        inputs.push(b'\n');
    }
    write(&out.join(GAME_FILE), &game)?;
    write(&out.join(INPUTS_FILE), &inputs)?;
    Ok(vec![
        FileHash { name: GAME_FILE.into(), rows: 1, sha256: super::sha256_hex(&game) },
        FileHash { name: INPUTS_FILE.into(), rows: records.len(), sha256: super::sha256_hex(&inputs) },
    ])
}

/// A table being written: its header and rows.
struct Table {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(name: &'static str, header: &[&str]) -> Table {
        Table { name, header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }

    /// The table as CSV, and its entry in the manifest.
    fn bytes(&self) -> Result<(Vec<u8>, FileHash), String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.header).map_err(|e| e.to_string())?;
        for r in &self.rows {
            w.write_record(r).map_err(|e| e.to_string())?;
        }
        let bytes = w.into_inner().map_err(|e| e.to_string())?;
        let hash = FileHash { name: self.name.into(), rows: self.rows.len(), sha256: super::sha256_hex(&bytes) };
        Ok((bytes, hash))
    }
}

/// Writes the tables into `out`.
fn write_tables(out: &Path, world: &mut World, records: &[Record]) -> Result<Vec<FileHash>, String> {
    tables(world, records)
        .iter()
        .map(|t| {
            let (bytes, hash) = t.bytes()?;
            write(&out.join(t.name), &bytes)?;
            Ok(hash)
        })
        .collect()
}

/// The tidy tables: turns, sectors, nations, incidents, orders, votes, messages, deals,
/// facilitator.
fn tables(world: &mut World, records: &[Record]) -> [Table; 9] {
    let history = world.resource::<History>().0.clone();
    let trace = world.resource::<Trace>().clone();
    let kept = world.remove_resource::<OrdersKept>().unwrap_or_default().0;
    let talks = world.get_resource::<crate::negotiation::Talks>().cloned().unwrap_or_default();
    [
        turns_table(&history),
        sectors_table(&history),
        nations_table(&history),
        incidents_table(&trace),
        orders_table(&kept),
        votes_table(&kept),
        messages_table(&kept, &talks),
        deals_table(world, &talks),
        facilitator_table(records),
    ]
}

fn turns_table(history: &[crate::record::TurnSummary]) -> Table {
    let mut t = Table::new(
        "turns.csv",
        &[
            "turn",
            "first_day",
            "days",
            "violations_true",
            "violations_recorded",
            "escalation",
            "collapse_hazard",
            "ceasefire",
            "casualties",
            "events",
            "mandates",
        ],
    );
    for s in history {
        t.rows.push(vec![
            s.turn.to_string(),
            s.first_day.to_string(),
            s.days.to_string(),
            s.violations_true.to_string(),
            s.violations_recorded.to_string(),
            s.escalation.to_string(),
            s.collapse_hazard.to_string(),
            s.ceasefire.clone(),
            s.casualties.to_string(),
            s.events.to_string(),
            s.mandates.join(";"),
        ]);
    }
    t
}

fn sectors_table(history: &[crate::record::TurnSummary]) -> Table {
    let mut t = Table::new(
        "sectors.csv",
        &[
            "turn",
            "sector",
            "violations_true",
            "violations_recorded",
            "incidents",
            "tension",
            "deterrence",
            "detection",
            "peacekeepers",
        ],
    );
    for s in history {
        for x in &s.sectors {
            t.rows.push(vec![
                s.turn.to_string(),
                x.id.clone(),
                x.violations_true.to_string(),
                x.violations_recorded.to_string(),
                x.incidents.to_string(),
                x.tension.to_string(),
                x.deterrence.to_string(),
                x.detection.to_string(),
                x.peacekeepers.to_string(),
            ]);
        }
    }
    t
}

fn nations_table(history: &[crate::record::TurnSummary]) -> Table {
    let mut t =
        Table::new("nations.csv", &["turn", "nation", "support", "capital", "score", "deployed_troops", "casualties"]);
    for s in history {
        for n in &s.nations {
            t.rows.push(vec![
                s.turn.to_string(),
                n.id.clone(),
                n.support.to_string(),
                n.capital.to_string(),
                n.score.to_string(),
                n.deployed_troops.to_string(),
                n.casualties.to_string(),
            ]);
        }
    }
    t
}

/// One row per adjudicated violation, its facts as columns (the union over the game).
fn incidents_table(trace: &Trace) -> Table {
    let facts: Vec<(u64, u32, u32, serde_json::Map<String, serde_json::Value>)> = trace
        .entries
        .iter()
        .filter(|e| e.incident.is_some())
        .filter_map(|e| {
            let v = trace.entry_json(e);
            v.get("incident").and_then(|i| i.as_object()).map(|i| (e.seq, e.turn, e.day, i.clone()))
        })
        .collect();
    let mut keys: Vec<String> = facts.iter().flat_map(|(.., m)| m.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let mut header = vec!["seq", "turn", "day"];
    header.extend(keys.iter().map(String::as_str));
    let mut t = Table::new("incidents.csv", &header);
    for (seq, turn, day, m) in &facts {
        let mut row = vec![seq.to_string(), turn.to_string(), day.to_string()];
        row.extend(keys.iter().map(|k| cell(m.get(k))));
        t.rows.push(row);
    }
    t
}

fn cell(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The variant name of an order, as its table's `kind`.
fn kind(order: &Order) -> String {
    match serde_json::to_value(order) {
        Ok(serde_json::Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn orders_table(kept: &[(u32, String, u64, Order)]) -> Table {
    let mut t = Table::new("orders.csv", &["turn", "seat", "id", "kind", "order"]);
    for (turn, seat, id, order) in kept {
        // Messages' words are the players' own: the table keeps that they were sent, not what.
        let body = match order {
            Order::PrivateMessage { .. } | Order::PublicStatement { .. } => String::new(),
            o => serde_json::to_string(o).unwrap_or_default(),
        };
        t.rows.push(vec![turn.to_string(), seat.clone(), id.to_string(), kind(order), body]);
    }
    t
}

fn votes_table(kept: &[(u32, String, u64, Order)]) -> Table {
    let mut t = Table::new("votes.csv", &["turn", "seat", "proposal", "ballot"]);
    for (turn, seat, _, order) in kept {
        if let Order::Vote { proposal, ballot } = order {
            t.rows.push(vec![turn.to_string(), seat.clone(), proposal.to_string(), format!("{ballot:?}")]);
        }
    }
    t
}

/// Who wrote to whom and how long, not what: the message orders, then the press.
fn messages_table(kept: &[(u32, String, u64, Order)], talks: &crate::negotiation::Talks) -> Table {
    use crate::negotiation::PressTo;
    let mut t = Table::new("messages.csv", &["turn", "from", "to", "kind", "chars"]);
    for (turn, seat, _, order) in kept {
        let (to, text) = match order {
            Order::PrivateMessage { to, text } => (to.clone(), text),
            Order::PublicStatement { text } => ("everyone".to_string(), text),
            _ => continue,
        };
        t.rows.push(vec![turn.to_string(), seat.clone(), to, kind(order), text.chars().count().to_string()]);
    }
    for p in &talks.press {
        let (to, kind) = match &p.to {
            PressTo::Seat(s) => (s.clone(), "press"),
            PressTo::Channel(id) => (format!("channel {id}"), "press"),
            PressTo::Public => ("everyone".to_string(), "press"),
        };
        let kind = if p.deal.is_some() { "deal" } else { kind };
        t.rows.push(vec![p.turn.to_string(), p.from.clone(), to, kind.into(), p.text.chars().count().to_string()]);
    }
    t
}

/// Every deal offered: its parties, its terms in words, and how it stood at the end.
fn deals_table(world: &World, talks: &crate::negotiation::Talks) -> Table {
    use crate::negotiation::DealState as S;
    let mut t = Table::new("deals.csv", &["id", "turn", "from", "to", "until_turn", "terms", "state", "by", "reason"]);
    for d in &talks.deals {
        let (by, reason) = match &d.state {
            // The rules' reasons only: a seat's own words stay in the game, as messages do.
            S::Breached { by, reason } => (by.clone(), reason.clone()),
            S::Lapsed { reason } => (String::new(), reason.clone()),
            _ => (String::new(), String::new()),
        };
        t.rows.push(vec![
            d.id.to_string(),
            d.turn.to_string(),
            d.from.clone(),
            d.to.clone(),
            d.until_turn.to_string(),
            crate::negotiation::deals::in_words(world, d),
            d.state.word().into(),
            by,
            reason,
        ]);
    }
    t
}

/// What the facilitator (and the clock) did, from the journal.
fn facilitator_table(records: &[Record]) -> Table {
    let mut t = Table::new("facilitator.csv", &["n", "turn", "phase", "by", "input"]);
    for r in records.iter().filter(|r| !r.input.seat_input()) {
        let mut input = r.input.clone();
        if let Input::Revoke { code, .. } = &mut input {
            *code = "redacted".into();
        }
        t.rows.push(vec![
            r.n.to_string(),
            r.turn.to_string(),
            format!("{:?}", r.phase),
            r.by.clone(),
            serde_json::to_string(&input).unwrap_or_default(),
        ]);
    }
    t
}

/// Plays a bundle's game again from its settings and inputs, and checks every file and the final
/// state against its manifest. Returns the manifest and what was checked.
pub fn verify(bundle: &Path) -> Result<(Manifest, Vec<String>), String> {
    let manifest: Manifest = crate::record::journal::read_json(&bundle.join(MANIFEST_FILE))?;
    let mut checked = Vec::new();
    for f in &manifest.files {
        let path = bundle.join(&f.name);
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if super::sha256_hex(&bytes) != f.sha256 {
            return Err(format!("{}: its sha256 is not the manifest's: the file was changed", path.display()));
        }
    }
    checked.push(format!("{} files match their sha256", manifest.files.len()));
    let meta: Meta = crate::record::journal::read_json(&bundle.join(GAME_FILE))?;
    if scenario_sha256(&meta) != manifest.scenario_sha256 {
        return Err(format!("{GAME_FILE}: its scenario is not the one the manifest names"));
    }
    let text = std::fs::read_to_string(bundle.join(INPUTS_FILE)).map_err(|e| format!("{INPUTS_FILE}: {e}"))?;
    let records: Vec<Record> = text
        .lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{INPUTS_FILE}:{}: {e}", i + 1)))
        .collect::<Result<_, _>>()?;
    let mut app = headless(&meta)?;
    crate::server::replay(&mut app, &records, None)?;
    app.world_mut().insert_resource(Replaying(true));
    super::recorded::run_to(&mut app, (manifest.end_turn, manifest.end_phase));
    let hash = format!("{:016x}", crate::record::state_hash(app.world_mut()));
    if hash != manifest.state_hash {
        return Err(format!("the game replays to state {hash}, but the manifest recorded {}", manifest.state_hash));
    }
    checked.push(format!("the game replays to state {hash}, as recorded"));
    for t in tables(app.world_mut(), &records) {
        let (_, f) = t.bytes()?;
        match manifest.files.iter().find(|m| m.name == f.name) {
            Some(m) if m == &f => {}
            _ => return Err(format!("{}: the replayed game gives another table than the bundle's", f.name)),
        }
    }
    checked.push("every table is what the replayed game gives".into());
    Ok((manifest, checked))
}
