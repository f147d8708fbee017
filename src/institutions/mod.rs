//! Institutions deciding on mandates: proposals, lobbying, votes (played and scripted) and
//! decision rules.

use std::collections::BTreeMap;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::game::{Ballot, Clock, ResolveTurn, Step};
use crate::record::Trace;
use crate::scenario::model::{DecisionRule, Leaning, MandateKind};
use crate::world::*;

/// A mandate put to an institution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: u64,
    /// The turn it was made; members vote on it the turn after (a coalition decides at once).
    pub turn: u32,
    pub proposer: String,
    pub institution: String,
    pub template: String,
    pub sectors: Vec<String>,
    pub contributors: Vec<String>,
    pub duration_turns: Option<u32>,
    /// Played members' ballots, by nation id.
    pub votes: BTreeMap<String, Ballot>,
}

/// Proposals waiting for a decision.
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Proposals {
    pub open: Vec<Proposal>,
    pub next_id: u64,
}

/// The pull lobbying has put on scripted members' leanings, by member id (observe, interpose,
/// enforce). A scripted member is one state wherever it sits: Denmark pressed in the Council of
/// the EU votes the same way in the Security Council.
#[derive(Resource, Clone, Debug, Default)]
pub struct Lobbying {
    pulls: BTreeMap<String, [f64; 3]>,
    /// Each body's position by kind, worked out again only after the pulls change.
    positions: Option<std::sync::Arc<Positions>>,
}

/// Each voting body's position by kind: the mean leaning of its scripted members.
pub type Positions = BTreeMap<(Entity, MandateKind), f64>;

fn slot(kind: MandateKind) -> usize {
    match kind {
        MandateKind::ObserveReport => 0,
        MandateKind::Interpose => 1,
        MandateKind::Enforce => 2,
    }
}

impl Lobbying {
    /// A scripted member's leaning for `kind` now: its scenario leaning and the pull on it.
    pub fn leaning(&self, id: &str, base: &Leaning, kind: MandateKind) -> f64 {
        let pull = self.pulls.get(id).map_or(0.0, |p| p[slot(kind)]);
        (base.of(kind) + pull).clamp(0.0, 1.0)
    }

    /// The mean leaning of an institution's scripted members for `kind` now; None if it has none.
    pub fn position(&self, inst: &Institution, kind: MandateKind) -> Option<f64> {
        let (mut sum, mut n) = (0.0, 0usize);
        for m in &inst.members {
            if let InstitutionMember::Scripted { id, leaning, .. } = m {
                sum += self.leaning(id, leaning, kind);
                n += 1;
            }
        }
        (n > 0).then(|| sum / n as f64)
    }

    fn pull(&mut self, id: &str, kind: MandateKind, by: f64) {
        self.pulls.entry(id.to_string()).or_insert([0.0; 3])[slot(kind)] += by;
        self.positions = None;
    }
}

/// Every voting body's position by kind now (docs/rules.md §4.5), as conditions read it.
pub fn positions(world: &mut World) -> std::sync::Arc<Positions> {
    if let Some(p) = &world.resource::<Lobbying>().positions {
        return p.clone();
    }
    let lobbying = world.resource::<Lobbying>().clone();
    let mut positions = Positions::new();
    crate::world::with_query::<(Entity, &Institution), (), _>(world, |world, q| {
        for (e, inst) in q.iter(world) {
            for kind in [MandateKind::ObserveReport, MandateKind::Interpose, MandateKind::Enforce] {
                if let Some(p) = lobbying.position(inst, kind) {
                    positions.insert((e, kind), p);
                }
            }
        }
    });
    let positions = std::sync::Arc::new(positions);
    world.resource_mut::<Lobbying>().positions = Some(positions.clone());
    positions
}

/// Proposals, lobbying and institutional decisions.
pub struct InstitutionsPlugin;

impl Plugin for InstitutionsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Proposals>()
            .init_resource::<Lobbying>()
            .add_systems(ResolveTurn, decide_institutions.in_set(Step::DecideInstitutions))
            .add_systems(ResolveTurn, fade_lobbying.in_set(Step::Politics));
    }
}

/// §4.5 Lobbying: a nation presses the scripted members of `inst` to back a mandate of `kind`.
/// Over the turn's days each member's leaning moves `1 − exp(−days / lobby_days)` of the way to
/// 1, so the reluctant move most. Returns the trace's words: the body's position before and
/// after, and the members whose vote changes.
pub fn lobby(world: &mut World, inst_e: Entity, kind: MandateKind) -> String {
    let Some(inst) = world.get::<Institution>(inst_e).cloned() else {
        return String::new();
    };
    let days = f64::from(world.resource::<ScenarioInfo>().turn_days);
    let pull = 1.0 - libm::exp(-days / world.resource::<Model>().0.diplomacy.lobby_days);
    let mut lobbying = world.resource::<Lobbying>().clone();
    let before = lobbying.position(&inst, kind).unwrap_or(0.0);
    let mut turned = Vec::new();
    for m in &inst.members {
        if let InstitutionMember::Scripted { id, name, leaning } = m {
            let was = lobbying.leaning(id, leaning, kind);
            let now = was + pull * (1.0 - was);
            lobbying.pull(id, kind, now - was);
            if scripted_ballot(now) != scripted_ballot(was) {
                turned.push(format!("{name} now votes {}", format!("{:?}", scripted_ballot(now)).to_lowercase()));
            }
        }
    }
    let after = lobbying.position(&inst, kind).unwrap_or(0.0);
    *world.resource_mut::<Lobbying>() = lobbying;
    let turned = if turned.is_empty() { String::new() } else { format!(" ({})", turned.join(", ")) };
    format!("its members now lean {after:.2} to it on average, from {before:.2}{turned}")
}

/// §4.5 Lobbying fades: at the end of each turn every pull shrinks by exp(−days / lobby_fade_days), so a
/// position held by pressure drifts back to the scenario's once the pressure stops.
pub fn fade_lobbying(world: &mut World) {
    let days = f64::from(world.resource::<ScenarioInfo>().turn_days);
    let fade = world.resource::<Model>().0.diplomacy.lobby_fade_days;
    let keep = libm::exp(-days / fade);
    let mut lobbying = world.resource_mut::<Lobbying>();
    if lobbying.pulls.is_empty() {
        return;
    }
    for pull in lobbying.pulls.values_mut().flatten() {
        *pull *= keep;
    }
    lobbying.pulls.retain(|_, p| p.iter().any(|x| x.abs() > 1e-9));
    lobbying.positions = None;
}

/// The outcome of one vote, with the tally for the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub authorised: bool,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    /// Veto holders that voted no.
    pub vetoed_by: Vec<String>,
    /// Members whose no blocked a unanimity or consensus rule.
    pub blocked_by: Vec<String>,
}

/// Applies a decision rule to the members' ballots (in member order).
pub fn decide(rule: &DecisionRule, ballots: &[(String, Ballot)]) -> Decision {
    let count = |b: Ballot| ballots.iter().filter(|(_, x)| *x == b).count() as u32;
    let (yes, no, abstain) = (count(Ballot::Yes), count(Ballot::No), count(Ballot::Abstain));
    let who =
        |f: &dyn Fn(Ballot) -> bool| ballots.iter().filter(|(_, b)| f(*b)).map(|(m, _)| m.clone()).collect::<Vec<_>>();
    let mut d = Decision { authorised: false, yes, no, abstain, vetoed_by: Vec::new(), blocked_by: Vec::new() };
    match rule {
        DecisionRule::QualifiedMajority { yes: needed, vetoes } => {
            d.vetoed_by = ballots
                .iter()
                .filter(|(m, b)| *b == Ballot::No && vetoes.contains(m))
                .map(|(m, _)| m.clone())
                .collect();
            d.authorised = yes >= *needed && d.vetoed_by.is_empty();
        }
        DecisionRule::Unanimity => {
            d.blocked_by = who(&|b| b != Ballot::Yes);
            d.authorised = d.blocked_by.is_empty() && !ballots.is_empty();
        }
        DecisionRule::Consensus => {
            d.blocked_by = who(&|b| b == Ballot::No);
            d.authorised = d.blocked_by.is_empty();
        }
        DecisionRule::NoVote => d.authorised = true,
    }
    d
}

/// Decides every proposal that is due, creating the mandates that pass.
pub fn decide_institutions(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let registry = world.resource::<Registry>().ids();
    let lobbying = world.resource::<Lobbying>().clone();
    let open = std::mem::take(&mut world.resource_mut::<Proposals>().open);
    let mut still_open = Vec::new();
    for p in open {
        let (Some(inst_e), Some(template_e)) = (registry.get(&p.institution), registry.get(&p.template)) else {
            continue;
        };
        let (Some(inst), Some(template)) =
            (world.get::<Institution>(inst_e).cloned(), world.get::<MandateTemplate>(template_e).cloned())
        else {
            continue;
        };
        let no_vote = matches!(inst.rule, DecisionRule::NoVote);
        if !no_vote && p.turn >= clock.turn {
            still_open.push(p); // voted on next turn
            continue;
        }
        let mut ballots = Vec::new();
        let mut names = BTreeMap::new();
        for m in &inst.members {
            match m {
                InstitutionMember::Nation(e) => {
                    let k = world.get::<Key>(*e).map_or_else(String::new, |k| k.0.clone());
                    names.insert(k.clone(), world.get::<Label>(*e).map_or_else(|| k.clone(), |l| l.0.clone()));
                    ballots.push((k.clone(), p.votes.get(&k).copied().unwrap_or(Ballot::Abstain)));
                }
                InstitutionMember::Scripted { id, name, leaning } => {
                    names.insert(id.clone(), name.clone());
                    let chance = lobbying.leaning(id, leaning, template.kind);
                    // A scripted member votes as it leans: a body decides as its members' leanings
                    // say it should, not by a lottery that 27 draws make nearly impossible to win.
                    let ballot = scripted_ballot(chance);
                    ballots.push((id.clone(), ballot));
                }
            }
        }
        // Two seats may put the same mandate to a body in one turn; it is created once.
        let mut duplicate = world.query::<&Mandate>();
        // A renewal voted while the old mandate still runs this turn is not moot: only one that
        // would still be running next turn is.
        // The same mandate created this turn by another proposal makes it moot as well.
        let sectors: std::collections::BTreeSet<Option<Entity>> = p.sectors.iter().map(|k| registry.get(k)).collect();
        let in_force = duplicate.iter(world).any(|m| {
            m.authorised_by == inst_e
                && m.template == template_e
                && m.sectors.iter().copied().map(Some).collect::<std::collections::BTreeSet<_>>() == sectors
                && (crate::world::mandate_active(m, Some(&template), clock.turn + 1) || m.start_turn == clock.turn)
        });
        if in_force {
            let text = format!("Proposal {} is moot: the same mandate from the same body is already in force", p.id);
            world.resource_mut::<Trace>().public(clock.turn, clock.day, "institutions", text);
            continue;
        }
        let mut decision = decide(&inst.rule, &ballots);
        let overridden = world.get_resource::<crate::game::Overrides>().and_then(|o| o.vote(p.id));
        if let Some(passes) = overridden {
            decision.authorised = passes;
        }
        let inst_name = world.get::<Label>(inst_e).map_or_else(String::new, |l| l.0.clone());
        let template_name = world.get::<Label>(template_e).map_or_else(String::new, |l| l.0.clone());
        let named = |list: &[String]| {
            list.iter().map(|k| names.get(k).cloned().unwrap_or_else(|| k.clone())).collect::<Vec<_>>().join(", ")
        };
        let tally = if no_vote {
            "no vote is needed".to_string()
        } else {
            format!("{} yes, {} no, {} abstaining", decision.yes, decision.no, decision.abstain)
        };
        let why = match (&inst.rule, decision.authorised) {
            _ if overridden.is_some() => "; the white cell set the outcome".to_string(),
            (_, true) => String::new(),
            (DecisionRule::QualifiedMajority { .. }, false) if !decision.vetoed_by.is_empty() => {
                format!("; vetoed by {}", named(&decision.vetoed_by))
            }
            (DecisionRule::QualifiedMajority { yes, .. }, false) => {
                format!("; {yes} yes votes were needed")
            }
            (DecisionRule::Unanimity, false) => {
                format!("; unanimity failed: {} did not vote yes", named(&decision.blocked_by))
            }
            (DecisionRule::Consensus, false) => {
                format!("; no consensus: {} objected", named(&decision.blocked_by))
            }
            (DecisionRule::NoVote, false) => String::new(),
        };
        let verdict = if decision.authorised { "authorised" } else { "refused" };
        let text = format!(
            "{inst_name}, proposal {} ('{template_name}', a mandate to {}): {tally} → {verdict}{why}",
            p.id,
            template.kind.words()
        );
        world.resource_mut::<Trace>().public(clock.turn, clock.day, "institutions", text);
        if decision.authorised {
            create_mandate(world, &p, inst_e, template_e, clock.turn);
        }
    }
    world.resource_mut::<Proposals>().open.extend(still_open);
}

fn create_mandate(world: &mut World, p: &Proposal, inst: Entity, template: Entity, turn: u32) {
    let registry = world.resource::<Registry>().ids();
    let links = |keys: &[String]| keys.iter().filter_map(|k| registry.get(k)).collect::<Vec<_>>();
    // A readable id: the template and the turn, or the proposal number if that is taken.
    let mut key = format!("{}_t{turn}", p.template);
    if key.len() > 32 || registry.get(&key).is_some() {
        key = format!("mandate_p{}", p.id);
    }
    let label = format!(
        "{} ({})",
        world.get::<Label>(template).map_or_else(String::new, |l| l.0.clone()),
        world.get::<Label>(inst).map_or_else(String::new, |l| l.0.clone())
    );
    let next = world.resource::<Registry>().ordered.len() as u32;
    let e = world
        .spawn((
            StableId(next),
            Key(key.clone()),
            Label(label),
            Mandate {
                template,
                authorised_by: inst,
                sectors: links(&p.sectors),
                contributors: links(&p.contributors),
                start_turn: turn,
                duration_turns: p.duration_turns,
            },
        ))
        .id();
    let mut reg = world.resource_mut::<Registry>();
    reg.insert(key, e);
}

/// A scripted member's ballot from its leaning for the proposal's kind: yes from 0.5, no below
/// 0.25, abstention in between (docs/rules.md §4.3).
pub fn scripted_ballot(leaning: f64) -> Ballot {
    if leaning >= 0.5 {
        Ballot::Yes
    } else if leaning < 0.25 {
        Ballot::No
    } else {
        Ballot::Abstain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ballots(list: &[(&str, Ballot)]) -> Vec<(String, Ballot)> {
        list.iter().map(|(m, b)| (m.to_string(), *b)).collect()
    }

    #[test]
    fn a_permanent_members_no_vetoes_but_its_abstention_does_not() {
        let rule = DecisionRule::QualifiedMajority { yes: 2, vetoes: vec!["rus".into()] };
        let d = decide(&rule, &ballots(&[("rus", Ballot::No), ("a", Ballot::Yes), ("b", Ballot::Yes)]));
        assert!(!d.authorised);
        assert_eq!(d.vetoed_by, ["rus"]);
        let d = decide(&rule, &ballots(&[("rus", Ballot::Abstain), ("a", Ballot::Yes), ("b", Ballot::Yes)]));
        assert!(d.authorised);
    }

    #[test]
    fn unanimity_needs_every_yes_and_consensus_only_no_objection() {
        let list = ballots(&[("a", Ballot::Yes), ("b", Ballot::Abstain)]);
        assert!(!decide(&DecisionRule::Unanimity, &list).authorised);
        assert!(decide(&DecisionRule::Consensus, &list).authorised);
        let list = ballots(&[("a", Ballot::Yes), ("b", Ballot::No)]);
        assert!(!decide(&DecisionRule::Consensus, &list).authorised);
    }
}
