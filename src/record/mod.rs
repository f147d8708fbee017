//! The record of a game: the explanation trace, per-turn summaries, per-seat views and the state
//! fingerprint used to prove that a replay matches.

pub mod journal;
pub mod story;

use bevy::prelude::*;
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::scenario::model::Response;

use crate::rng::fnv1a;
use crate::world::{Key, StableId};

/// Who may read a trace entry's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Audience {
    /// Every seat and observer.
    Public,
    /// Only these nations (by scenario id).
    Nations(Vec<String>),
    /// Only the white cell (facilitator, umpire, after-action review).
    WhiteCell,
}

/// A set of responses in one byte (a trace holds one per violation); written out as a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<Response>", into = "Vec<Response>")]
pub struct Responses(u8);

impl Responses {
    pub fn contains(self, r: Response) -> bool {
        self.0 & (1 << r as u8) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The responses in the order of their declaration.
    pub fn iter(self) -> impl Iterator<Item = Response> {
        Response::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl From<Vec<Response>> for Responses {
    fn from(v: Vec<Response>) -> Self {
        Responses(v.into_iter().fold(0, |bits, r| bits | 1 << r as u8))
    }
}

impl From<&[Response]> for Responses {
    fn from(v: &[Response]) -> Self {
        Responses(v.iter().fold(0, |bits, r| bits | 1 << *r as u8))
    }
}

impl From<Responses> for Vec<Response> {
    fn from(r: Responses) -> Self {
        r.iter().collect()
    }
}

/// A name shared by a turn's sector pictures: one allocation per sector or nation, however many
/// sides and responders mention it.
pub type Name = std::sync::Arc<str>;

/// One violation, adjudicated: the structured facts, from which each audience's sentence is
/// written when it is read (a long game holds hundreds of thousands of them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: u64,
    /// Where it happened, by position in the trace's `Shared::places`.
    pub place: u32,
    pub severity: crate::scenario::model::Severity,
    /// Who fired on whom, by position in the trace's `Shared::parties`.
    pub parties: u32,
    pub violations: u64,
    /// The violations by severity, in `Severity::ALL` order.
    pub mix: [u64; 5],
    /// The most serious severity monitoring recorded (what the public may be told of).
    #[serde(default)]
    pub recorded_severity: Option<crate::scenario::model::Severity>,
    pub recorded: u64,
    /// How many the side fired upon saw by its own means.
    pub seen_by_victim: u64,
    pub attributed_to: Option<Party>,
    pub investigated: bool,
    pub permitted: Responses,
    /// The force's answers on the ground, in public: put into words when read.
    pub answers: Answers,
    /// Pressure the side fired upon will add for it in the days after (told to the two sides
    /// when it is 0.02 or more).
    pub retaliation: f64,
    /// What is said of it beyond its figures, if anything (most incidents have nothing).
    #[serde(flatten, default)]
    pub notes: Option<Box<Notes>>,
    pub escalation: f64,
}

/// Which of the two parties monitoring named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Party {
    Firer,
    Target,
}

/// What a trace's incidents share, each kept once: where they happened, who fired on whom, and
/// the names of the contingents that answered. Incidents refer to them by position, so that
/// hundreds of thousands of incidents hold no names of their own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    pub places: Vec<Place>,
    pub parties: Vec<Parties>,
    pub names: Vec<String>,
}

impl Shared {
    /// Keeps a place; its position.
    pub fn place(&mut self, p: Place) -> u32 {
        self.places.push(p);
        (self.places.len() - 1) as u32
    }

    /// Keeps two parties; their position.
    pub fn parties(&mut self, p: Parties) -> u32 {
        self.parties.push(p);
        (self.parties.len() - 1) as u32
    }

    /// Keeps a name; its position.
    pub fn name(&mut self, n: &str) -> u32 {
        self.names.push(n.to_string());
        (self.names.len() - 1) as u32
    }
}

/// What is said of an incident beyond its figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Notes {
    /// What the mandate's force did, in public, beyond recording, reporting and protesting
    /// (which follow from what was permitted, recorded and attributed) and its answers.
    #[serde(default)]
    pub actions: Vec<Cow<'static, str>>,
    /// What reveals a side (retaliation, a side's own forces fighting): the two sides only.
    #[serde(default)]
    pub sides_actions: Vec<String>,
    /// What only the white cell learns (a contingent siding with one party).
    #[serde(default)]
    pub secret: Vec<String>,
}

static NO_NOTES: Notes = Notes { actions: Vec::new(), sides_actions: Vec::new(), secret: Vec::new() };

impl Notes {
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.sides_actions.is_empty() && self.secret.is_empty()
    }
}

/// Where an incident happened: shared by all of a sector's incidents in a turn.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub sector: String,
    /// The impartial monitoring of the sector, in words (empty when there is none).
    pub monitoring: String,
    /// The mandate covering it.
    pub mandate: Option<String>,
}

/// Who fired on whom (names and ids): shared by all the incidents of one side's fire in a sector
/// in a turn. The true perpetrator is known to itself and the white cell.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Parties {
    pub by: String,
    pub by_id: String,
    pub against: String,
    pub against_id: String,
}

/// The force's answers on the ground to one incident: "fra_bde interposed against artillery fire
/// (14 of 19)". One contingent answers an incident (the strongest acting in the sector), so the
/// answers are kept inline, by severity, and put into words when read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// The contingent that answered, by position in the trace's `Shared::names`.
    pub by: Option<u32>,
    /// For each severity in `Severity::ALL` order: how it was answered and how many violations.
    pub each: [Option<(Means, u32)>; 5],
}

/// How a force answers a violation on the ground.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Means {
    ReturnedFire,
    Interposed,
}

impl Means {
    pub fn words(self) -> &'static str {
        match self {
            Means::ReturnedFire => "returned fire on",
            Means::Interposed => "interposed against",
        }
    }
}

impl Answers {
    /// The answers in words, each with the number of violations of its severity (`of`).
    fn words<'a>(&'a self, of: &'a [u64; 5], names: &'a [String]) -> impl Iterator<Item = String> + 'a {
        const WHAT: [&str; 5] =
            ["small-arms fire", "artillery fire", "drone strikes", "incursions", "attacks on monitors"];
        let by = self.by.and_then(|k| names.get(k as usize)).map_or("?", String::as_str);
        self.each.iter().enumerate().filter_map(move |(k, a)| {
            a.map(|(how, count)| format!("{by} {} {} ({count} of {})", how.words(), WHAT[k], of[k]))
        })
    }
}

impl Incident {
    /// What is said of it beyond its figures.
    pub fn notes(&self) -> &Notes {
        self.notes.as_deref().unwrap_or(&NO_NOTES)
    }

    /// The violations by severity, in words: "28 small-arms fire, 14 artillery fire, 5 drone strikes".
    pub fn mix_words(&self) -> String {
        use crate::scenario::model::Severity as S;
        S::ALL
            .iter()
            .zip(self.mix)
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| {
                let one = n == 1;
                let what = match s {
                    S::SmallArms => "small-arms fire",
                    S::Artillery => "artillery fire",
                    S::DroneStrike if one => "drone strike",
                    S::DroneStrike => "drone strikes",
                    S::Incursion if one => "incursion",
                    S::Incursion => "incursions",
                    S::AttackOnMonitors if one => "attack on monitors",
                    S::AttackOnMonitors => "attacks on monitors",
                };
                format!("{n} {what}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An incident with the names its trace keeps for it: put into words for each audience.
pub struct Told<'a> {
    pub i: &'a Incident,
    pub place: &'a Place,
    pub parties: &'a Parties,
    names: &'a [String],
}

impl Told<'_> {
    /// The name of the side monitoring named, if it named one.
    pub fn named(&self) -> Option<&str> {
        self.i.attributed_to.map(|p| match p {
            Party::Firer => self.parties.by.as_str(),
            Party::Target => self.parties.against.as_str(),
        })
    }

    fn attribution(&self) -> String {
        match self.named() {
            Some(a) => format!("attributed to {a}{}", if self.i.investigated { " after investigation" } else { "" }),
            None => "not attributed".to_string(),
        }
    }

    /// What monitoring did with what it recorded: record it, report it, protest to the side named.
    fn reporting(&self) -> impl Iterator<Item = String> + '_ {
        use crate::scenario::model::Response as R;
        [R::Record, R::ReportPublicly, R::Protest]
            .into_iter()
            .filter(|r| {
                self.i.recorded > 0
                    && self.i.permitted.contains(*r)
                    && (*r != R::Protest || self.i.attributed_to.is_some())
            })
            .map(|r| r.words().to_string())
    }

    fn outcome(&self) -> String {
        let answers = self.i.answers.words(&self.i.mix, self.names);
        let all: Vec<String> =
            self.reporting().chain(self.i.notes().actions.iter().map(|a| a.to_string())).chain(answers).collect();
        if all.is_empty() { "nothing was done".to_string() } else { all.join(", ") }
    }

    fn sides_outcome(&self) -> String {
        let retaliated = (self.i.retaliation >= 0.02).then(|| {
            format!("{} retaliated (+{:.2} pressure for the days after)", self.parties.against, self.i.retaliation)
        });
        let all: Vec<String> = self.i.notes().sides_actions.iter().cloned().chain(retaliated).collect();
        if all.is_empty() { String::new() } else { format!("; {}", all.join(", ")) }
    }

    /// The whole truth, for the white cell.
    pub fn full(&self) -> String {
        let seen = if self.i.recorded > 0 {
            format!("{} recorded by {}", self.i.recorded, self.place.monitoring)
        } else if self.place.monitoring.is_empty() {
            "no impartial monitoring here".into()
        } else {
            format!("none recorded by {}", self.place.monitoring)
        };
        let mandate = match &self.place.mandate {
            Some(name) => format!(
                "mandate '{name}' permits {}",
                if self.i.permitted.is_empty() {
                    "nothing".into()
                } else {
                    self.i.permitted.iter().map(|r| r.words()).collect::<Vec<_>>().join(", ")
                }
            ),
            None => "no mandate covers the sector".to_string(),
        };
        format!(
            "Violation {} in {} ({} violations: {}, by {}) → {seen} → {} → {mandate} → {}{} → escalation {:+.4}{}",
            self.i.id,
            self.place.sector,
            self.i.violations,
            self.i.mix_words(),
            self.parties.by,
            self.attribution(),
            self.outcome(),
            self.sides_outcome(),
            self.i.escalation,
            if self.i.notes().secret.is_empty() {
                String::new()
            } else {
                format!(" [{}]", self.i.notes().secret.join("; "))
            }
        )
    }

    /// Whether `nation` (or an observer) may read anything of it: `view` without the writing.
    pub fn readable(&self, nation: Option<&str>) -> bool {
        nation == Some(self.parties.by_id.as_str())
            || nation == Some(self.parties.against_id.as_str())
            || self.i.recorded > 0
    }

    /// What `nation` (or an observer) may read of it, if anything.
    pub fn view(&self, nation: Option<&str>) -> Option<String> {
        if nation == Some(self.parties.by_id.as_str()) {
            return Some(format!(
                "Violation {}: our forces in {} fired ({} violations: {}); {} of them recorded by monitors{}",
                self.i.id,
                self.place.sector,
                self.i.violations,
                self.i.mix_words(),
                self.i.recorded,
                self.sides_outcome()
            ));
        }
        if nation == Some(self.parties.against_id.as_str()) {
            return Some(format!(
                "Violation {}: our positions in {} came under {} ({} seen by our own means){}{}",
                self.i.id,
                self.place.sector,
                self.i.severity.words(),
                self.i.seen_by_victim,
                if self.i.recorded > 0 {
                    format!("; {} recorded by monitors, {}, {}", self.i.recorded, self.attribution(), self.outcome())
                } else {
                    String::new()
                },
                self.sides_outcome()
            ));
        }
        (self.i.recorded > 0).then(|| {
            format!(
                "Violation {} in {}: {} ({} violations recorded) → {} → {}",
                self.i.id,
                self.place.sector,
                self.i.recorded_severity.unwrap_or(self.i.severity).words(),
                self.i.recorded,
                self.attribution(),
                self.outcome()
            )
        })
    }
}

/// One step of adjudication, explained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// Position in the game's trace, from 1.
    pub seq: u64,
    pub turn: u32,
    /// Day of the game (from day 0) the step concerns.
    pub day: u32,
    /// The rule that produced it (`institutions`, `violation`, `pledge`, …).
    pub rule: Cow<'static, str>,
    /// The full truth, for the white cell.
    pub text: String,
    /// What each audience may read: public wording, or a seat's own wording of the same event.
    pub views: Vec<(Audience, String)>,
    /// A violation's facts; its sentences are written from them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Box<Incident>>,
}

/// What one seat may read of an entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeatEntry {
    pub seq: u64,
    pub turn: u32,
    pub day: u32,
    pub rule: String,
    pub text: String,
}

/// The whole trace of a game, in order.
#[derive(Resource, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Trace {
    pub entries: Vec<TraceEntry>,
    /// What its incidents share.
    pub shared: Shared,
}

impl Trace {
    /// An incident with the names it refers to.
    pub fn told<'a>(&'a self, i: &'a Incident) -> Told<'a> {
        static NOBODY: Parties =
            Parties { by: String::new(), by_id: String::new(), against: String::new(), against_id: String::new() };
        static NOWHERE: Place = Place { sector: String::new(), monitoring: String::new(), mandate: None };
        Told {
            i,
            place: self.shared.places.get(i.place as usize).unwrap_or(&NOWHERE),
            parties: self.shared.parties.get(i.parties as usize).unwrap_or(&NOBODY),
            names: &self.shared.names,
        }
    }

    /// An entry's full sentence, for the white cell.
    pub fn text<'a>(&'a self, e: &'a TraceEntry) -> Cow<'a, str> {
        match &e.incident {
            Some(i) => Cow::Owned(self.told(i).full()),
            None => Cow::Borrowed(&e.text),
        }
    }

    /// An entry as JSON, with the names its incident refers to written out.
    pub fn entry_json(&self, e: &TraceEntry) -> serde_json::Value {
        let mut v = serde_json::to_value(e).unwrap_or_default();
        if let (Some(i), Some(incident)) = (&e.incident, v.get_mut("incident").and_then(|x| x.as_object_mut())) {
            let told = self.told(i);
            let mut named = serde_json::Map::new();
            for part in [serde_json::to_value(told.place), serde_json::to_value(told.parties)] {
                if let Ok(serde_json::Value::Object(fields)) = part {
                    named.extend(fields);
                }
            }
            named.insert("attributed_to".into(), told.named().into());
            let by = i.answers.by.and_then(|k| self.shared.names.get(k as usize)).map(String::as_str);
            if let Some(answers) = incident.get_mut("answers").and_then(|a| a.as_object_mut()) {
                answers.insert("by".into(), by.into());
            }
            incident.remove("place");
            incident.remove("parties");
            incident.extend(named);
        }
        v
    }

    /// Appends an entry: `text` is the whole truth; `views` say who else may read what.
    pub fn add(&mut self, turn: u32, day: u32, rule: &str, text: String, views: Vec<(Audience, String)>) {
        let seq = self.entries.len() as u64 + 1;
        self.entries.push(TraceEntry {
            seq,
            turn,
            day,
            rule: Cow::Owned(rule.to_string()),
            text,
            views,
            incident: None,
        });
    }

    /// Appends an adjudicated violation (boxed already: a line's turn makes many).
    pub fn incident(&mut self, turn: u32, day: u32, incident: Box<Incident>) {
        let seq = self.entries.len() as u64 + 1;
        self.entries.push(TraceEntry {
            seq,
            turn,
            day,
            rule: Cow::Borrowed("violation"),
            text: String::new(),
            views: Vec::new(),
            incident: Some(incident),
        });
    }

    /// An entry everyone may read as it stands.
    pub fn public(&mut self, turn: u32, day: u32, rule: &str, text: String) {
        let views = vec![(Audience::Public, text.clone())];
        self.add(turn, day, rule, text, views);
    }

    /// The entries `nation` may read (`None` = an observer, who reads only public ones), with the
    /// wording meant for it; at most one text per entry.
    pub fn view_for<'a>(&'a self, nation: Option<&'a str>) -> impl Iterator<Item = SeatEntry> + 'a {
        self.entries.iter().filter_map(move |e| self.read(e, story::Reader::seat(nation)))
    }

    /// The wording of one entry meant for `nation` (or an observer), if it may read it.
    fn seat_text(&self, e: &TraceEntry, nation: Option<&str>) -> Option<String> {
        if let Some(i) = &e.incident {
            return self.told(i).view(nation);
        }
        let own = nation.and_then(|n| {
            e.views.iter().find(|(a, _)| matches!(a, Audience::Nations(list) if list.iter().any(|x| x == n)))
        });
        let public = e.views.iter().find(|(a, _)| *a == Audience::Public);
        own.or(public).map(|(_, text)| text.clone())
    }
}

/// Aggregates of one resolved turn, for reports, `truce sim` and analysts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TurnSummary {
    pub turn: u32,
    /// Days the turn covered.
    pub days: u32,
    /// Day of the game the turn started on.
    pub first_day: u32,
    pub violations_true: u64,
    pub violations_recorded: u64,
    pub escalation: f64,
    /// The mean daily hazard of the ceasefire collapsing over the turn (the chance of it
    /// collapsing on a day, as escalation made it).
    #[serde(default)]
    pub collapse_hazard: f64,
    pub ceasefire: String,
    pub casualties: u64,
    pub sectors: Vec<SectorSummary>,
    pub nations: Vec<NationSummary>,
    /// Mandates in force at the end of the turn.
    pub mandates: Vec<String>,
    /// Trace entries this turn.
    pub events: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectorSummary {
    pub id: String,
    pub violations_true: u64,
    pub violations_recorded: u64,
    pub incidents: u64,
    pub tension: f64,
    /// Share of fire deterred by armed presence.
    pub deterrence: f64,
    /// Chance that an impartial observer records a violation here.
    pub detection: f64,
    pub peacekeepers: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NationSummary {
    pub id: String,
    pub support: f64,
    pub capital: i64,
    pub score: i64,
    pub deployed_troops: i64,
    pub casualties: u64,
}

/// The summaries of every resolved turn.
#[derive(Resource, Clone, Debug, Default)]
pub struct History(pub Vec<TurnSummary>);

/// A fingerprint of everything that matters in `world`: the same inputs must give the same value.
///
/// It covers the scenario state read back from the world, the trace and the turn summaries; all
/// are serialised to JSON (whose float formatting is exact and stable) and hashed with FNV-1a.
pub fn state_hash(world: &mut World) -> u64 {
    let scenario = crate::world::extract_scenario(world);
    let mut bytes = serde_json::to_vec(&scenario).unwrap_or_default();
    if let Some(trace) = world.get_resource::<Trace>() {
        bytes.extend(serde_json::to_vec(trace).unwrap_or_default());
    }
    if let Some(history) = world.get_resource::<History>() {
        bytes.extend(serde_json::to_vec(&history.0).unwrap_or_default());
    }
    let mut keys: Vec<(u32, String)> =
        world.query::<(&StableId, &Key)>().iter(world).map(|(s, k)| (s.0, k.0.clone())).collect();
    keys.sort();
    bytes.extend(serde_json::to_vec(&keys).unwrap_or_default());
    fnv1a(&bytes)
}

/// Holds the trace and history of the game.
pub struct RecordPlugin;

impl Plugin for RecordPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Trace>().init_resource::<History>();
    }
}

/// What one seat (or an observer) is told at the start of a turn: the public picture, its own
/// forces and secrets, and its share of the trace. Nothing in it belongs to another seat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Briefing {
    pub turn: u32,
    /// The seat's nation, or `None` for an observer.
    pub nation: Option<String>,
    pub escalation: f64,
    pub ceasefire: String,
    /// Recorded violations last turn, by sector id (true counts are never public).
    pub recorded: Vec<(String, u64)>,
    pub mandates: Vec<String>,
    /// Every nation's public face: id, name and public objectives.
    pub nations: Vec<PublicNation>,
    /// The seat's own state; `None` for an observer.
    pub own: Option<OwnState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PublicNation {
    pub id: String,
    pub name: String,
    pub public_objectives: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OwnState {
    pub capital: i64,
    pub support: f64,
    pub score: i64,
    /// All its objectives, secret ones included: (text, public, weight).
    pub objectives: Vec<(String, bool, i64)>,
    /// Its contingents: (id, kind, size, sector id or "home").
    pub contingents: Vec<(String, String, i64, String)>,
    /// Guarantees offered to it and still open: (id, guarantor id).
    pub offers: Vec<(String, String)>,
}

/// Builds the briefing of `nation` (or of an observer) from the world as it stands.
pub fn briefing_for(world: &mut World, nation: Option<&str>) -> Briefing {
    use crate::world::{Capital, Contingent, Guarantee, Label, Nation, Support};
    let turn = world.get_resource::<crate::game::Clock>().map_or(0, |c| c.turn);
    let last = world.get_resource::<History>().and_then(|h| h.0.last().cloned());
    let key_of = |world: &World, e: Entity| world.get::<Key>(e).map_or_else(String::new, |k| k.0.clone());
    let mut nations: Vec<(StableId, PublicNation)> = world
        .query::<(&StableId, &Key, &Label, &Nation)>()
        .iter(world)
        .map(|(s, k, l, n)| {
            let public_objectives = n.objectives.iter().filter(|o| o.public).map(|o| o.text.clone()).collect();
            (*s, PublicNation { id: k.0.clone(), name: l.0.clone(), public_objectives })
        })
        .collect();
    nations.sort_by_key(|(s, _)| *s);
    let own = nation.and_then(|id| {
        let e = world.get_resource::<crate::world::Registry>()?.get(id)?;
        let n = world.get::<Nation>(e)?.clone();
        let mut contingents: Vec<(StableId, (String, String, i64, String))> = world
            .query::<(&StableId, &Key, &Contingent)>()
            .iter(world)
            .filter(|(_, _, c)| c.owner == e)
            .map(|(s, k, c)| {
                (
                    *s,
                    (
                        k.0.clone(),
                        format!("{:?}", c.kind),
                        c.size,
                        c.sector.map_or_else(|| "home".to_string(), |x| key_of(world, x)),
                    ),
                )
            })
            .collect();
        contingents.sort_by_key(|(s, _)| *s);
        let mut offers: Vec<(StableId, (String, String))> = world
            .query::<(&StableId, &Key, &Guarantee)>()
            .iter(world)
            .filter(|(_, _, g)| g.recipient == e && g.status == crate::scenario::model::GuaranteeStatus::Offered)
            .map(|(s, k, g)| (*s, (k.0.clone(), key_of(world, g.guarantor))))
            .collect();
        offers.sort_by_key(|(s, _)| *s);
        Some(OwnState {
            capital: world.get::<Capital>(e).map_or(0, |c| c.0),
            support: world.get::<Support>(e).map_or(0.0, |s| s.level),
            score: world.get::<crate::game::Score>(e).map_or(0, |s| s.0),
            objectives: n.objectives.iter().map(|o| (o.text.clone(), o.public, o.weight)).collect(),
            contingents: contingents.into_iter().map(|(_, c)| c).collect(),
            offers: offers.into_iter().map(|(_, o)| o).collect(),
        })
    });
    Briefing {
        turn,
        nation: nation.map(str::to_string),
        escalation: last.as_ref().map_or(0.0, |l| l.escalation),
        ceasefire: last.as_ref().map_or_else(|| "holding".to_string(), |l| l.ceasefire.clone()),
        recorded: last
            .as_ref()
            .map(|l| l.sectors.iter().map(|s| (s.id.clone(), s.violations_recorded)).collect())
            .unwrap_or_default(),
        mandates: last.as_ref().map(|l| l.mandates.clone()).unwrap_or_default(),
        nations: nations.into_iter().map(|(_, n)| n).collect(),
        own,
    }
}
