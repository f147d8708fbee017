//! Adjudicator cases, in the manner of the Diplomacy adjudicator test cases (DATC): a scenario,
//! edits to it (the pre-state), the orders of each turn, and facts that must hold afterwards.
//! `truce test` runs them against any scenario; the format is in docs/cases.md.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::orders::SeatAction;
use crate::rules::{Order, PledgeState};
use crate::scenario::model::{GuaranteeStatus, LoyaltyRisk, Mandate as MandateDef, MandateKind, Scenario};
use crate::sim::Game;
use crate::world::{Contingent, Guarantee, Key, Mandate, MandateTemplate, Registry, Support};

/// Largest case file read.
pub const MAX_CASE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub title: String,
    /// The rules the case exercises (free text, for the index in docs/rules.md).
    pub rules: Vec<String>,
    /// A scenario in `scenarios/`, without `.ron`.
    pub scenario: String,
    pub seed: u64,
    #[serde(default)]
    pub setup: Vec<Setup>,
    /// Seats played by their bots; every other seat plays only the orders given here.
    #[serde(default)]
    pub bots: Vec<String>,
    /// One list of actions per turn; each turn is resolved after its actions.
    pub turns: Vec<Vec<Action>>,
    pub expect: Vec<Expect>,
}

#[derive(Debug, Deserialize)]
pub enum Setup {
    Aggression(String, f64),
    Retaliation(String, f64),
    Tension(String, f64),
    Jamming(String, f64),
    Detection(String, f64),
    Restrictions(String, f64),
    RemoveAssets,
    Deploy {
        contingent: String,
        sector: String,
    },
    AddMandate(MandateDef),
    Support(String, f64),
    Capital(String, i64),
    Loyalty {
        nation: String,
        leans_to: String,
        intelligence_leak: f64,
        crisis_defection: f64,
    },
    Leaning {
        institution: String,
        member: String,
        observe: f64,
        interpose: f64,
        enforce: f64,
    },
    /// Sets one of the model's numbers by name (`truce_days`, `attribution_accuracy`, …).
    Model(String, f64),
    Turns(u32),
    Forces {
        sector: String,
        nation: String,
        troops: i64,
    },
    Asset(crate::scenario::model::MonitoringAsset),
    /// Every scripted member of the institution leans this way.
    AllScripted {
        institution: String,
        observe: f64,
        interpose: f64,
        enforce: f64,
    },
    Posture {
        contingent: String,
        posture: crate::scenario::model::Posture,
    },
    /// A sector's buffer-zone width in km.
    Buffer(String, f64),
    Terrain(String, crate::scenario::model::Terrain),
    /// A nation's pool of drones.
    DronePool(String, i64),
}

#[derive(Debug, Deserialize)]
pub enum Action {
    /// An order that must be accepted.
    Order(String, Order),
    /// An order that must be refused with a reason containing the text.
    Refused(String, Order, String),
    Unlock(String),
    Lock(String),
}

#[derive(Debug, Deserialize)]
pub enum Expect {
    MandateFrom(String),
    NoMandateFrom(String),
    MandateOfKind(MandateKind),
    /// Some trace entry contains every one of these texts.
    Trace(Vec<String>),
    /// No trace entry contains every one of these texts.
    NoTrace(Vec<String>),
    /// The nation's view of the trace contains (or does not contain) the text.
    Sees(String, String),
    DoesNotSee(String, String),
    ObserverSees(String),
    ObserverDoesNotSee(String),
    Pledge(String, PledgeState),
    ContingentIn(String, Option<String>),
    ContingentServes(String, bool),
    Guarantee(String, GuaranteeStatus),
    Ceasefire(String),
    EscalationAtLeast(f64),
    EscalationBelow(f64),
    TrueViolationsBetween(u64, u64),
    RecordedBetween(u64, u64),
    /// Recorded violations as a share of true ones, at most this.
    RecordedShareAtMost(f64),
    SupportBelow(String, f64),
    SupportAtLeast(String, f64),
    CasualtiesAtLeast(u64),
    Turns(usize),
    /// The share of fire deterred in a sector on the last turn.
    DeterrenceBetween(String, f64, f64),
    /// True violations in `turn` divided by those in `base` lie in `min..=max`.
    TrueRatio {
        turn: usize,
        base: usize,
        min: f64,
        max: f64,
    },
    CapitalAtMost(String, i64),
    ScoreAtLeast(String, i64),
}

fn apply_setup(s: &mut Scenario, setup: &[Setup]) -> Result<(), String> {
    for step in setup {
        match step {
            Setup::Aggression(n, v) => nation(s, n)?.doctrine.aggression = *v,
            Setup::Retaliation(n, v) => nation(s, n)?.doctrine.retaliation = *v,
            Setup::Support(n, v) => nation(s, n)?.support.initial = *v,
            Setup::Capital(n, v) => nation(s, n)?.pools.capital = *v,
            Setup::Loyalty { nation: n, leans_to, intelligence_leak, crisis_defection } => {
                nation(s, n)?.loyalty_risk = Some(LoyaltyRisk {
                    leans_to: leans_to.clone(),
                    intelligence_leak: *intelligence_leak,
                    crisis_defection: *crisis_defection,
                })
            }
            Setup::Buffer(sector, v) => {
                s.line.sectors.iter_mut().find(|x| x.id == *sector).ok_or(format!("no sector {sector}"))?.buffer_km = *v
            }
            Setup::Terrain(sector, t) => {
                s.line.sectors.iter_mut().find(|x| x.id == *sector).ok_or(format!("no sector {sector}"))?.terrain = *t
            }
            Setup::DronePool(nation, n) => {
                s.nations.iter_mut().find(|x| x.id == *nation).ok_or(format!("no nation {nation}"))?.pools.drones = *n
            }
            Setup::Tension(sector, v) => {
                s.line.sectors.iter_mut().find(|x| x.id == *sector).ok_or(format!("no sector {sector}"))?.base_tension =
                    *v
            }
            Setup::Forces { sector, nation: n, troops } => {
                s.line
                    .sectors
                    .iter_mut()
                    .find(|x| x.id == *sector)
                    .ok_or(format!("no sector {sector}"))?
                    .forces
                    .insert(n.clone(), *troops);
            }
            Setup::Jamming(a, v) => asset(s, a)?.jamming = *v,
            Setup::Detection(a, v) => asset(s, a)?.detection = *v,
            Setup::Restrictions(a, v) => asset(s, a)?.restrictions_per_month = *v,
            Setup::RemoveAssets => s.assets.clear(),
            Setup::Deploy { contingent, sector } => {
                s.pledges.retain(|p| p.contingent != *contingent);
                s.contingents
                    .iter_mut()
                    .find(|c| c.id == *contingent)
                    .ok_or(format!("no contingent {contingent}"))?
                    .sector = Some(sector.clone());
            }
            Setup::AddMandate(m) => s.mandates.push(m.clone()),
            Setup::Leaning { institution, member, observe, interpose, enforce } => {
                set_leanings(s, institution, Some(member), [*observe, *interpose, *enforce])?
            }
            Setup::Model(name, v) => {
                let mut json = serde_json::to_value(&s.model).map_err(|e| e.to_string())?;
                let pointer = format!("/{}", name.replace('.', "/"));
                let slot = json.pointer_mut(&pointer).ok_or(format!("the model has no number {name}"))?;
                *slot = if slot.is_u64() { serde_json::json!(*v as u64) } else { serde_json::json!(v) };
                s.model = serde_json::from_value(json).map_err(|e| e.to_string())?;
            }
            Setup::Turns(t) => s.turns = *t,
            Setup::Asset(a) => s.assets.push(a.clone()),
            Setup::AllScripted { institution, observe, interpose, enforce } => {
                set_leanings(s, institution, None, [*observe, *interpose, *enforce])?
            }
            Setup::Posture { contingent, posture } => {
                s.contingents
                    .iter_mut()
                    .find(|c| c.id == *contingent)
                    .ok_or(format!("no contingent {contingent}"))?
                    .posture = *posture;
            }
        }
    }
    Ok(())
}

/// Sets the leaning of one scripted member of an institution (or of all of them).
fn set_leanings(
    s: &mut Scenario,
    institution: &str,
    member: Option<&str>,
    [observe, interpose, enforce]: [f64; 3],
) -> Result<(), String> {
    let inst =
        s.institutions.iter_mut().find(|i| i.id == institution).ok_or(format!("no institution {institution}"))?;
    for m in &mut inst.members {
        if let crate::scenario::model::Member::Scripted { id, leaning, .. } = m
            && member.is_none_or(|x| x == id)
        {
            *leaning = crate::scenario::model::Leaning { observe, interpose, enforce };
        }
    }
    Ok(())
}

fn nation<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut crate::scenario::model::Nation, String> {
    s.nations.iter_mut().find(|n| n.id == id).ok_or(format!("no nation {id}"))
}

fn asset<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut crate::scenario::model::MonitoringAsset, String> {
    s.assets.iter_mut().find(|a| a.id == id).ok_or(format!("no asset {id}"))
}

/// Runs one case on `s` (the case's scenario, or another one an author is testing); returns what
/// failed, with the record to reason from.
pub fn run(case: &Case, mut s: Scenario) -> Vec<String> {
    if let Err(e) = apply_setup(&mut s, &case.setup) {
        return vec![format!("setup: {e}")];
    }
    let humans: Vec<String> = s.nations.iter().map(|n| n.id.clone()).filter(|n| !case.bots.contains(n)).collect();
    let mut game = match Game::with_humans(s, Some(case.seed), &humans) {
        Ok(g) => g,
        Err(problems) => return vec![format!("the edited scenario is invalid: {problems:?}")],
    };
    let mut failures = play_turns(case, &mut game);
    let end = Finished::of(&mut game);
    let world = game.world();
    for x in &case.expect {
        if !end.holds(world, x) {
            failures.push(format!("expected {x:?}; found {}", end.found(world, x)));
        }
    }
    if !failures.is_empty() {
        failures.push(end.record());
    }
    failures
}

/// Plays the case's turns: its orders and commands, then the rest of each turn.
fn play_turns(case: &Case, game: &mut Game) -> Vec<String> {
    let mut failures = Vec::new();
    for (t, actions) in case.turns.iter().enumerate() {
        for a in actions {
            match a {
                Action::Order(n, o) => {
                    let v = game.submit(n, o.clone());
                    if !v.accepted {
                        failures.push(format!("turn {}: {n}'s {o:?} was refused: {}", t + 1, v.reason));
                    }
                }
                Action::Refused(n, o, why) => {
                    let v = game.submit(n, o.clone());
                    if v.accepted || !v.reason.contains(why.as_str()) {
                        failures.push(format!("turn {}: {n}'s {o:?} should be refused with {why:?}, got {v:?}", t + 1));
                    }
                }
                Action::Unlock(n) => {
                    game.command(n, SeatAction::Unlock);
                }
                Action::Lock(n) => {
                    game.command(n, SeatAction::Lock);
                }
            }
        }
        game.finish_turn();
    }
    failures
}

/// How a case's game ended, for its expectations.
struct Finished {
    trace: crate::record::Trace,
    history: Vec<crate::record::TurnSummary>,
    registry: Registry,
    turn: u32,
    total_true: u64,
    total_recorded: u64,
}

impl Finished {
    fn of(game: &mut Game) -> Finished {
        let trace = game.trace().clone();
        let history = game.history().to_vec();
        let world = game.world();
        let total_true = history.iter().map(|h| h.violations_true).sum();
        let total_recorded = history.iter().map(|h| h.violations_recorded).sum();
        Finished {
            trace,
            history,
            registry: world.resource::<Registry>().clone(),
            turn: world.resource::<crate::rules::Clock>().turn,
            total_true,
            total_recorded,
        }
    }

    /// The mandates in force: (institution, kind).
    fn active(&self, world: &mut bevy::prelude::World) -> Vec<(String, MandateKind)> {
        let mut out = Vec::new();
        let mut q = world.query::<&Mandate>();
        for m in q.iter(world) {
            let t = world.get::<MandateTemplate>(m.template);
            if crate::rules::conditions::mandate_active(m, t, self.turn) {
                let inst = world.get::<Key>(m.authorised_by).map_or_else(String::new, |k| k.0.clone());
                out.push((inst, t.map_or(MandateKind::ObserveReport, |t| t.kind)));
            }
        }
        out
    }

    fn entry(&self, texts: &[String]) -> bool {
        self.trace.entries.iter().any(|e| {
            let text = self.trace.text(e);
            texts.iter().all(|t| text.contains(t.as_str()))
        })
    }

    fn sees(&self, who: Option<&str>, text: &str) -> bool {
        self.trace.view_for(who).any(|e| e.text.contains(text))
    }

    /// Whether an expectation holds.
    fn holds(&self, world: &mut bevy::prelude::World, x: &Expect) -> bool {
        let (history, registry, total_true, total_recorded) =
            (&self.history, &self.registry, self.total_true, self.total_recorded);
        let active = |world: &mut bevy::prelude::World| self.active(world);
        let entry = |texts: &[String]| self.entry(texts);
        let sees = |who: Option<&str>, text: &str| self.sees(who, text);
        match x {
            Expect::MandateFrom(i) => active(world).iter().any(|(inst, _)| inst == i),
            Expect::NoMandateFrom(i) => !active(world).iter().any(|(inst, _)| inst == i),
            Expect::MandateOfKind(k) => active(world).iter().any(|(_, kind)| kind == k),
            Expect::Trace(texts) => entry(texts),
            Expect::NoTrace(texts) => !entry(texts),
            Expect::Sees(n, text) => sees(Some(n), text),
            Expect::DoesNotSee(n, text) => !sees(Some(n), text),
            Expect::ObserverSees(text) => sees(None, text),
            Expect::ObserverDoesNotSee(text) => !sees(None, text),
            Expect::Pledge(p, state) => registry.get(p).and_then(|e| world.get::<PledgeState>(e)) == Some(state),
            Expect::ContingentIn(c, sector) => {
                let want = sector.as_ref().and_then(|s| registry.get(s));
                registry.get(c).and_then(|e| world.get::<Contingent>(e)).is_some_and(|k| k.sector == want)
            }
            Expect::ContingentServes(c, serves) => {
                registry.get(c).and_then(|e| world.get::<Contingent>(e)).is_some_and(|k| k.mandate.is_some() == *serves)
            }
            Expect::Guarantee(g, status) => {
                registry.get(g).and_then(|e| world.get::<Guarantee>(e)).is_some_and(|x| x.status == *status)
            }
            Expect::Ceasefire(word) => history.last().is_some_and(|h| h.ceasefire == *word),
            Expect::EscalationAtLeast(v) => history.last().is_some_and(|h| h.escalation >= *v),
            Expect::EscalationBelow(v) => history.last().is_some_and(|h| h.escalation < *v),
            Expect::TrueViolationsBetween(lo, hi) => (*lo..=*hi).contains(&total_true),
            Expect::RecordedBetween(lo, hi) => (*lo..=*hi).contains(&total_recorded),
            Expect::RecordedShareAtMost(v) => total_true > 0 && (total_recorded as f64 / total_true as f64) <= *v,
            Expect::SupportBelow(n, v) => {
                registry.get(n).and_then(|e| world.get::<Support>(e)).is_some_and(|s| s.level < *v)
            }
            Expect::SupportAtLeast(n, v) => {
                registry.get(n).and_then(|e| world.get::<Support>(e)).is_some_and(|s| s.level >= *v)
            }
            Expect::CasualtiesAtLeast(n) => history.iter().map(|h| h.casualties).sum::<u64>() >= *n,
            Expect::Turns(n) => history.len() == *n,
            Expect::DeterrenceBetween(sector, lo, hi) => history
                .last()
                .and_then(|h| h.sectors.iter().find(|x| x.id == *sector))
                .is_some_and(|x| x.deterrence >= *lo && x.deterrence <= *hi),
            Expect::TrueRatio { turn, base, min, max } => {
                let at = |t: usize| history.get(t.wrapping_sub(1)).map_or(0, |h| h.violations_true) as f64;
                let r = at(*turn) / at(*base).max(1.0);
                r >= *min && r <= *max
            }
            Expect::CapitalAtMost(n, v) => {
                history.last().and_then(|h| h.nations.iter().find(|x| x.id == *n)).is_some_and(|x| x.capital <= *v)
            }
            Expect::ScoreAtLeast(n, v) => {
                history.last().and_then(|h| h.nations.iter().find(|x| x.id == *n)).is_some_and(|x| x.score >= *v)
            }
        }
    }

    /// What the game shows instead of what an expectation wanted.
    fn found(&self, world: &mut bevy::prelude::World, x: &Expect) -> String {
        let (history, registry, total_true, total_recorded) =
            (&self.history, &self.registry, self.total_true, self.total_recorded);
        match x {
            Expect::Pledge(p, _) => {
                format!("{:?}", registry.get(p).and_then(|e| world.get::<PledgeState>(e)))
            }
            Expect::Guarantee(g, _) => {
                format!("{:?}", registry.get(g).and_then(|e| world.get::<Guarantee>(e)).map(|x| x.status))
            }
            Expect::Ceasefire(_) => format!("{:?}", history.last().map(|h| &h.ceasefire)),
            Expect::EscalationAtLeast(_) | Expect::EscalationBelow(_) => {
                format!("escalation {:?}", history.last().map(|h| h.escalation))
            }
            Expect::TrueViolationsBetween(..) => format!("{total_true} true violations"),
            Expect::RecordedBetween(..) | Expect::RecordedShareAtMost(_) => {
                format!("{total_recorded} recorded of {total_true} true violations")
            }
            Expect::Turns(_) => format!("{} turns", history.len()),
            Expect::MandateFrom(_) | Expect::NoMandateFrom(_) | Expect::MandateOfKind(_) => {
                format!("mandates in force: {:?}", self.active(world))
            }
            _ => "otherwise (see the record below)".to_string(),
        }
    }

    /// The record a reader of a failure reasons from: the turn summaries and the trace.
    fn record(&self) -> String {
        let (trace, history) = (&self.trace, &self.history);
        let tail: Vec<String> = trace
            .entries
            .iter()
            .filter(|e| e.rule != "violation" || trace.text(e).contains("Violation 1 "))
            .map(|e| format!("  t{} [{}] {}", e.turn, e.rule, trace.text(e)))
            .collect();
        format!(
            "turn summaries: {:?}\ntrace (without most violations):\n{}",
            history
                .iter()
                .map(|h| (h.turn, h.violations_true, h.violations_recorded, h.escalation))
                .collect::<Vec<_>>(),
            tail.join("\n")
        )
    }
}

/// Reads a case file, with a clear error for one that does not parse.
pub fn load(path: &Path) -> Result<Case, String> {
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: cannot read the file: {e}"))?;
    if meta.len() > MAX_CASE_BYTES {
        return Err(format!("{name}: the file is {} bytes; a case may be at most {MAX_CASE_BYTES}", meta.len()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read the file: {e}"))?;
    let case: Case = ron::Options::default()
        .with_recursion_limit(crate::scenario::MAX_NESTING)
        .from_str(&text)
        .map_err(|e| format!("{name}:{}:{}: {}", e.span.start.line, e.span.start.col, e.code))?;
    if case.rules.is_empty() {
        return Err(format!("{name}: `rules` is empty; say which rules the case covers"));
    }
    Ok(case)
}

/// The case files named: files as they are, directories for the `.ron` files in them, sorted.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "ron"))
                .collect();
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

/// The scenario a case names (`scenario: "tutorial"`): `tutorial.ron` in a `scenarios/` folder
/// beside the case or above it, or in the current directory's `scenarios/`.
pub fn scenario_for(case_file: &Path, name: &str) -> Result<Scenario, String> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(format!("{}: scenario {name:?} is not a scenario's name", case_file.display()));
    }
    let file = format!("{name}.ron");
    let mut places: Vec<PathBuf> = case_file.ancestors().skip(1).map(|d| d.join("scenarios").join(&file)).collect();
    places.push(Path::new("scenarios").join(&file));
    match places.iter().find(|p| p.is_file()) {
        Some(p) => crate::scenario::load_file(p).map_err(|e| e.to_string()),
        None if name == crate::scenario::BUILTIN_NAME => crate::scenario::builtin().map_err(|e| e.to_string()),
        None => Err(format!(
            "{}: no scenario {name:?} was found in a scenarios/ folder beside or above the case; give one with --scenario",
            case_file.display()
        )),
    }
}
