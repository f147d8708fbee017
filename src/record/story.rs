//! The story of a turn as one reader may read it: what changed and why, sector by sector figures,
//! the notable events and the worst incidents, with every incident available by page.

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::{History, SeatEntry, Trace, TraceEntry, TurnSummary};

/// Incidents in one page: a screenful or two, and a bounded answer to any request.
pub const INCIDENTS_PER_PAGE: usize = 50;
/// The worst incidents a story names.
pub const WORST_INCIDENTS: usize = 5;
/// Causes of the change in escalation a story names; the rest are summed as one.
pub const MAX_CAUSES: usize = 8;

/// Who reads: a nation's seat, an observer (what is public), or the white cell (everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader<'a> {
    Nation(&'a str),
    Observer,
    WhiteCell,
}

impl<'a> Reader<'a> {
    /// A seat's reader, or an observer's when there is no seat.
    pub fn seat(nation: Option<&'a str>) -> Reader<'a> {
        nation.map_or(Reader::Observer, Reader::Nation)
    }

    fn nation(self) -> Option<&'a str> {
        match self {
            Reader::Nation(n) => Some(n),
            _ => None,
        }
    }
}

/// One resolved turn, told to one reader.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TurnStory {
    pub turn: u32,
    /// Day of the game the turn started on, and the days it covered.
    pub first_day: u32,
    pub days: u32,
    /// The turn in one sentence: how escalation moved and its main cause.
    pub headline: String,
    pub escalation_before: f64,
    pub escalation_after: f64,
    pub ceasefire: String,
    /// What moved escalation: the sectors' violations the reader may read, largest first, then
    /// what is summed (the rest, the unseen, the fading of what came before); they sum to the change.
    pub causes: Vec<Cause>,
    pub sectors: Vec<StorySector>,
    /// The turn's events other than incidents (votes, mandates, arrivals, withdrawals, breaches,
    /// statements, the ceasefire's changes), in order.
    pub events: Vec<SeatEntry>,
    /// The most serious incidents the reader may read, worst first.
    pub worst: Vec<SeatEntry>,
    /// Incidents the reader may read this turn, and in how many pages of `INCIDENTS_PER_PAGE`.
    pub incidents: u32,
    pub pages: u32,
}

/// One cause of a change in escalation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cause {
    pub text: String,
    /// Its share of the change over the turn (escalation added, less its fading by the turn's end).
    pub change: f64,
    /// Whether it names fire in a sector (not the rest summed, the unseen, or the fading).
    pub named: bool,
}

/// One sector over the turn, as the reader may know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StorySector {
    pub name: String,
    /// Violations impartial monitoring recorded.
    pub recorded: u64,
    /// Tension at the end of the turn, 0..1, and its change over the turn.
    pub tension: f64,
    pub tension_change: f64,
    /// Incidents the reader may read there.
    pub incidents: u32,
    /// Every violation, recorded or not: the white cell's only.
    pub violations: Option<u64>,
}

/// One page of a turn's incidents, as the reader may read them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IncidentPage {
    pub turn: u32,
    /// From 0.
    pub page: u32,
    pub pages: u32,
    pub entries: Vec<SeatEntry>,
}

impl Trace {
    /// The entries of `turn`, in order (the trace is kept in turn order).
    pub fn of_turn(&self, turn: u32) -> &[TraceEntry] {
        let start = self.entries.partition_point(|e| e.turn < turn);
        let end = self.entries.partition_point(|e| e.turn <= turn);
        &self.entries[start..end]
    }

    /// What `reader` may read of one entry, if anything.
    pub fn read(&self, e: &TraceEntry, reader: Reader) -> Option<SeatEntry> {
        let text = match reader {
            Reader::WhiteCell => self.text(e).into_owned(),
            _ => self.seat_text(e, reader.nation())?,
        };
        Some(SeatEntry { seq: e.seq, turn: e.turn, day: e.day, rule: e.rule.to_string(), text })
    }

    /// The incidents of `turn` that `reader` may read, in order.
    fn incidents_read<'a>(&'a self, turn: u32, reader: Reader<'a>) -> impl Iterator<Item = &'a TraceEntry> + 'a {
        self.of_turn(turn).iter().filter(move |e| match &e.incident {
            Some(i) => reader == Reader::WhiteCell || self.told(i).readable(reader.nation()),
            None => false,
        })
    }
}

/// Pages needed for `n` incidents (at least one, empty when there are none).
fn pages(n: usize) -> u32 {
    n.div_ceil(INCIDENTS_PER_PAGE).max(1) as u32
}

/// The story of `turn` for `reader`, if the turn has been resolved.
pub fn story(world: &World, reader: Reader, turn: u32) -> Option<TurnStory> {
    let history = &world.get_resource::<History>()?.0;
    let at = history.iter().position(|s| s.turn == turn)?;
    let summary = &history[at];
    let before = at.checked_sub(1).map(|i| &history[i]);
    let trace = world.get_resource::<Trace>()?;
    let decay = world.get_resource::<crate::world::Model>().map_or(0.0, |m| m.0.escalation_decay_per_day);
    let escalation_before = before.map_or(0.0, |b| b.escalation);
    let causes = causes(trace, summary, reader, decay, escalation_before);
    // The incidents it may read, found once for the figures, the sectors and the worst.
    let read: Vec<&TraceEntry> = trace.incidents_read(turn, reader).collect();
    let incidents = read.len();
    Some(TurnStory {
        turn,
        first_day: summary.first_day,
        days: summary.days,
        headline: headline(escalation_before, summary, &causes),
        escalation_before,
        escalation_after: summary.escalation,
        ceasefire: summary.ceasefire.clone(),
        sectors: sectors(world, trace, summary, before, reader, &read),
        events: trace
            .of_turn(turn)
            .iter()
            .filter(|e| e.incident.is_none())
            .filter_map(|e| trace.read(e, reader))
            .collect(),
        worst: worst(trace, &read, reader),
        causes,
        incidents: incidents as u32,
        pages: pages(incidents),
    })
}

/// Page `page` (from 0) of the incidents of `turn` that `reader` may read; `None` if the turn has
/// not been resolved or the page is past the last.
pub fn incident_page(world: &World, reader: Reader, turn: u32, page: u32) -> Option<IncidentPage> {
    let history = &world.get_resource::<History>()?.0;
    history.iter().find(|s| s.turn == turn)?;
    let trace = world.get_resource::<Trace>()?;
    let all: Vec<&TraceEntry> = trace.incidents_read(turn, reader).collect();
    let pages = pages(all.len());
    if page >= pages {
        return None;
    }
    let entries = all
        .iter()
        .skip(page as usize * INCIDENTS_PER_PAGE)
        .take(INCIDENTS_PER_PAGE)
        .filter_map(|e| trace.read(e, reader))
        .collect();
    Some(IncidentPage { turn, page, pages, entries })
}

/// What moved escalation over the turn: each incident's escalation, faded to the turn's end,
/// summed by the sector it happened in over the incidents the reader may read, largest first; then
/// the rest, what the reader may not see, and the fading of the escalation the turn began with.
fn causes(trace: &Trace, summary: &TurnSummary, reader: Reader, decay: f64, before: f64) -> Vec<Cause> {
    let last_day = summary.first_day + summary.days.saturating_sub(1);
    let keep = 1.0 - decay;
    let mut by: std::collections::BTreeMap<String, f64> = Default::default();
    let mut unseen = 0.0;
    for e in trace.of_turn(summary.turn) {
        let Some(i) = &e.incident else { continue };
        let share = i.escalation * keep.powi(last_day.saturating_sub(e.day) as i32);
        let told = trace.told(i);
        let text = (reader == Reader::WhiteCell || told.readable(reader.nation()))
            .then(|| format!("violations in {}", told.place.sector));
        match text {
            Some(t) => *by.entry(t).or_default() += share,
            None => unseen += share,
        }
    }
    let mut causes: Vec<Cause> = by.into_iter().map(|(text, change)| Cause { text, change, named: true }).collect();
    causes.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    let mut rest = Vec::new();
    if causes.len() > MAX_CAUSES {
        let elsewhere: f64 = causes.drain(MAX_CAUSES..).map(|c| c.change).sum();
        rest.push(Cause { text: "violations elsewhere".into(), change: elsewhere, named: false });
    }
    if unseen != 0.0 {
        rest.push(Cause { text: "fire no monitor recorded".into(), change: unseen, named: false });
    }
    let fading = before * keep.powi(summary.days as i32) - before;
    if fading != 0.0 {
        rest.push(Cause {
            text: format!("escalation fading over {} days", summary.days),
            change: fading,
            named: false,
        });
    }
    rest.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    causes.extend(rest);
    causes
}

/// The turn in one sentence.
fn headline(before: f64, summary: &TurnSummary, causes: &[Cause]) -> String {
    let after = summary.escalation;
    let moved = if after > before + 5e-4 {
        "rose"
    } else if after < before - 5e-4 {
        "fell"
    } else {
        "held"
    };
    // The largest cause the reader can name that moved escalation the way it went.
    let main = causes
        .iter()
        .filter(|c| c.named)
        .find(|c| (c.change > 0.0) == (after >= before))
        .map(|c| format!(", mostly {} ({:+.3})", c.text, c.change))
        .unwrap_or_default();
    format!(
        "Turn {}: escalation {moved} from {before:.3} to {after:.3}{main}; the ceasefire is {}.",
        summary.turn, summary.ceasefire
    )
}

/// Each sector's figures over the turn, in the order of the line.
fn sectors(
    world: &World,
    trace: &Trace,
    summary: &TurnSummary,
    before: Option<&TurnSummary>,
    reader: Reader,
    read: &[&TraceEntry],
) -> Vec<StorySector> {
    let registry = world.get_resource::<crate::world::Registry>();
    let name = |id: &str| {
        registry
            .and_then(|r| r.get(id))
            .and_then(|e| world.get::<crate::world::Label>(e))
            .map_or_else(|| id.to_string(), |l| l.0.clone())
    };
    let mut per_sector: std::collections::BTreeMap<&str, u32> = Default::default();
    for e in read {
        if let Some(i) = &e.incident {
            *per_sector.entry(trace.told(i).place.sector.as_str()).or_default() += 1;
        }
    }
    summary
        .sectors
        .iter()
        .map(|s| {
            let name = name(&s.id);
            let was = before.and_then(|b| b.sectors.iter().find(|x| x.id == s.id)).map_or(s.tension, |x| x.tension);
            StorySector {
                incidents: per_sector.get(name.as_str()).copied().unwrap_or(0),
                name,
                recorded: s.violations_recorded,
                tension: s.tension,
                tension_change: s.tension - was,
                violations: (reader == Reader::WhiteCell).then_some(s.violations_true),
            }
        })
        .collect()
}

/// The most serious incidents the reader may read: by the severity and the count its own account
/// states, so that the order tells it nothing its entries do not.
fn worst(trace: &Trace, read: &[&TraceEntry], reader: Reader) -> Vec<SeatEntry> {
    let mut known: Vec<(_, u64, &TraceEntry)> = read
        .iter()
        .filter_map(|&e| {
            let i = e.incident.as_ref()?;
            let told = trace.told(i);
            let nation = reader.nation();
            let (severity, count) = if reader == Reader::WhiteCell || nation == Some(told.parties.by_id.as_str()) {
                (i.severity, i.violations)
            } else if nation == Some(told.parties.against_id.as_str()) {
                (i.severity, i.seen_by_victim.max(i.recorded))
            } else {
                (i.recorded_severity.unwrap_or(i.severity), i.recorded)
            };
            Some((severity, count, e))
        })
        .collect();
    known.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.seq.cmp(&b.2.seq)));
    known.into_iter().take(WORST_INCIDENTS).filter_map(|(_, _, e)| trace.read(e, reader)).collect()
}
