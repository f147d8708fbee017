//! What accepted security guarantees do (docs/rules.md §5.6): each component's effect on the
//! recipient's first line, its sight and its politics, and the bond of mutual assistance that
//! holds the guarantor to its word.

use std::collections::{BTreeMap, BTreeSet};

use bevy::prelude::*;

use super::conditions::{self, holds};
use super::{Clock, ResolveTurn, Step};
use crate::record::Trace;
use crate::scenario::model::{
    Condition, ContingentKind, GuaranteeComponent, GuaranteeEffects, GuaranteeStatus, NationFlag,
};
use crate::world::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(ResolveTurn, hold_to_assistance.in_set(Step::Politics));
}

/// What a nation's accepted guarantees give it, combined over its guarantors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Backing {
    /// Weapons supply: share of the fire at it that its first line deters (the defence industry's
    /// share, which builds up, is in `industry`).
    pub weapons: f64,
    /// Defence industry: the day each was accepted, for its build-up.
    pub industry: Vec<u32>,
    /// Training: share of the incursions it would suffer unanswered that its first line repels.
    pub resistance: f64,
    /// Training: share of the gap to full readiness its contingents close.
    pub readiness: f64,
    /// Intelligence sharing: added to its own chance of seeing each violation.
    pub detection: f64,
    /// Intelligence sharing: share of wrong attributions to it corrected.
    pub attribution: f64,
    /// Intelligence sharing: the guarantors whose sensors count as its own.
    pub sensors_of: BTreeSet<Entity>,
    /// Economic cooperation and the EU accession path: support gained per day.
    pub support_per_day: f64,
}

impl Backing {
    /// The share of the fire at the recipient its first line deters on `day`: weapons, and
    /// industry as far as it has been built up.
    pub fn deterrence(&self, day: u32, g: &GuaranteeEffects) -> f64 {
        let left = self.industry.iter().fold(1.0 - self.weapons, |left, &since| {
            let built = 1.0 - libm::exp(-f64::from(day.saturating_sub(since)) / g.industry_build_days);
            left * (1.0 - g.industry_deterrence * built)
        });
        1.0 - left
    }
}

/// Independent shares combined: `n` guarantees of share `x` each.
fn combined(x: f64, n: usize) -> f64 {
    1.0 - (1.0 - x).powi(n as i32)
}

/// Rates per day with diminishing returns: the first source gives `rate`, each further one half
/// the one before.
pub fn halving(rate: f64, n: usize) -> f64 {
    2.0 * rate * (1.0 - 0.5f64.powi(n as i32))
}

/// The accepted guarantees in stable order.
fn accepted(world: &mut World) -> Vec<(Entity, Guarantee)> {
    let mut all = in_stable_order::<Guarantee>(world);
    all.retain(|(_, g)| g.status == GuaranteeStatus::Accepted);
    all
}

/// What every recipient's accepted guarantees give it.
pub fn backing(world: &mut World) -> BTreeMap<Entity, Backing> {
    let g = world.resource::<Model>().0.guarantees.clone();
    let mut counts: BTreeMap<(Entity, GuaranteeComponent), usize> = BTreeMap::new();
    let mut out: BTreeMap<Entity, Backing> = BTreeMap::new();
    for (_, x) in accepted(world) {
        let b = out.entry(x.recipient).or_default();
        for c in &x.components {
            *counts.entry((x.recipient, *c)).or_default() += 1;
            match c {
                GuaranteeComponent::DefenceIndustry => b.industry.push(x.accepted_day.unwrap_or(1)),
                GuaranteeComponent::IntelligenceSharing => {
                    b.sensors_of.insert(x.guarantor);
                }
                _ => {}
            }
        }
    }
    for ((recipient, c), n) in counts {
        let b = out.entry(recipient).or_default();
        match c {
            GuaranteeComponent::Training => {
                b.resistance = combined(g.training_resistance, n);
                b.readiness = combined(g.training_readiness, n);
            }
            GuaranteeComponent::WeaponsSupply => b.weapons = combined(g.weapons_deterrence, n),
            GuaranteeComponent::IntelligenceSharing => {
                b.detection = combined(g.intelligence_detection, n);
                b.attribution = combined(g.intelligence_attribution, n);
            }
            GuaranteeComponent::EconomicCooperation => b.support_per_day += halving(g.economic_support_per_day, n),
            GuaranteeComponent::EuAccessionPath => b.support_per_day += halving(g.accession_support_per_day, n),
            GuaranteeComponent::DefenceIndustry
            | GuaranteeComponent::SanctionsOnAggressor
            | GuaranteeComponent::MutualAssistance => {}
        }
    }
    out
}

/// The nations that sanction each target through an accepted guarantee's sanctions on the
/// aggressor: every belligerent but the recipient.
pub fn sanctioning(world: &mut World) -> BTreeMap<Entity, BTreeSet<Entity>> {
    let belligerents: Vec<Entity> = world
        .query::<(Entity, &Nation)>()
        .iter(world)
        .filter(|(_, n)| n.has(NationFlag::Belligerent))
        .map(|(e, _)| e)
        .collect();
    let mut out: BTreeMap<Entity, BTreeSet<Entity>> = BTreeMap::new();
    for (_, x) in accepted(world) {
        if x.components.contains(&GuaranteeComponent::SanctionsOnAggressor) {
            for &b in belligerents.iter().filter(|b| **b != x.recipient && **b != x.guarantor) {
                out.entry(b).or_default().insert(x.guarantor);
            }
        }
    }
    out
}

/// Who is bound to assist, and when: the guarantors of accepted guarantees with mutual assistance.
pub struct Assistance {
    guarantors: BTreeSet<Entity>,
    when: Condition,
}

impl Assistance {
    pub fn read(world: &mut World) -> Assistance {
        let when = world.resource::<Model>().0.guarantees.assistance_when.clone();
        let guarantors = accepted(world)
            .into_iter()
            .filter(|(_, x)| x.components.contains(&GuaranteeComponent::MutualAssistance))
            .map(|(_, x)| x.guarantor)
            .collect();
        Assistance { guarantors, when }
    }

    /// When a line of defence engages: on its own condition, or, for a deeper line of a guarantor
    /// bound to assist, also when assistance is called for.
    pub fn engages(&self, line: &DefenceLine) -> Condition {
        if line.depth >= 2 && line.nations.iter().any(|n| self.guarantors.contains(n)) {
            Condition::Any(vec![line.engages.clone(), self.when.clone()])
        } else {
            line.engages.clone()
        }
    }
}

/// What one component does, in words, for the trace when it is accepted.
pub fn in_words(c: GuaranteeComponent, g: &GuaranteeEffects, recipient: &str) -> String {
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let month = |x: f64| format!("{:.1} points", x * 3000.0);
    match c {
        GuaranteeComponent::Training => format!(
            "training ({recipient}'s own forces repel {} of the incursions no force answers; its contingents close {} of the gap to full readiness)",
            pct(g.training_resistance),
            pct(g.training_readiness)
        ),
        GuaranteeComponent::WeaponsSupply => {
            format!("weapons supply ({recipient}'s first line deters {} of the fire at it)", pct(g.weapons_deterrence))
        }
        GuaranteeComponent::DefenceIndustry => format!(
            "defence industry (up to {} of the fire at {recipient} deterred, built up over about {:.0} days)",
            pct(g.industry_deterrence),
            g.industry_build_days
        ),
        GuaranteeComponent::IntelligenceSharing => format!(
            "intelligence sharing ({recipient} sees through the guarantor's sensors and {} more of the fire; {} of wrong attributions to it corrected)",
            pct(g.intelligence_detection),
            pct(g.intelligence_attribution)
        ),
        GuaranteeComponent::SanctionsOnAggressor => format!(
            "sanctions on the aggressor (a point of capital a turn and {} of support a month)",
            month(g.sanctions_support_per_day)
        ),
        GuaranteeComponent::EconomicCooperation => {
            format!("economic cooperation (+{} of support a month in {recipient})", month(g.economic_support_per_day))
        }
        GuaranteeComponent::EuAccessionPath => format!(
            "EU accession path (+{} of support a month in {recipient}; relations +{} both ways)",
            month(g.accession_support_per_day),
            g.accession_relations
        ),
        GuaranteeComponent::MutualAssistance => {
            "mutual assistance (the guarantor's deeper lines of defence engage when it is called; failing to assist is a breach)"
                .to_string()
        }
    }
}

/// The recipient accepts a guarantee on `day`: it holds from that day, the accession path brings
/// the two nations closer, and the words say what each component will do.
pub fn accept(world: &mut World, guarantee: Entity, day: u32) -> String {
    let g = world.resource::<Model>().0.guarantees.clone();
    let Some(x) = world.get::<Guarantee>(guarantee).cloned() else { return String::new() };
    if let Some(mut mine) = world.get_mut::<Guarantee>(guarantee) {
        mine.status = GuaranteeStatus::Accepted;
        mine.accepted_day = Some(day);
    }
    if x.components.contains(&GuaranteeComponent::EuAccessionPath) {
        shift_relation(world, x.recipient, x.guarantor, g.accession_relations);
        shift_relation(world, x.guarantor, x.recipient, g.accession_relations);
    }
    let recipient = world.get::<Label>(x.recipient).map_or_else(String::new, |l| l.0.clone());
    x.components.iter().map(|c| in_words(*c, &g, &recipient)).collect::<Vec<_>>().join("; ")
}

/// Whether the guarantor has anything to assist with: a contingent standing on the line, or air
/// support in a deeper line of defence.
fn can_assist(world: &mut World, guarantor: Entity) -> bool {
    let air_lines: Vec<Entity> = world
        .query::<(Entity, &DefenceLine)>()
        .iter(world)
        .filter(|(_, l)| l.depth >= 3 && l.nations.contains(&guarantor))
        .map(|(e, _)| e)
        .collect();
    world.query::<&Contingent>().iter(world).any(|c| {
        c.owner == guarantor
            && (c.sector.is_some() || (c.kind == ContingentKind::AirSupport && air_lines.contains(&c.line)))
    })
}

/// §5.6 Hold to assistance: a guarantor bound to assist that has nothing on the line or in the air
/// has breached its guarantee. The guarantee does nothing more, and every other nation trusts the
/// guarantor less.
pub fn hold_to_assistance(world: &mut World) {
    let clock = world.resource::<Clock>().clone();
    let g = world.resource::<Model>().0.guarantees.clone();
    let situation = conditions::assess(world);
    if !holds(&g.assistance_when, &situation) {
        return;
    }
    let nations: Vec<Entity> = super::nations_in_order(world).into_iter().map(|(e, _)| e).collect();
    for (e, x) in accepted(world) {
        if !x.components.contains(&GuaranteeComponent::MutualAssistance) || can_assist(world, x.guarantor) {
            continue;
        }
        if let Some(mut mine) = world.get_mut::<Guarantee>(e) {
            mine.status = GuaranteeStatus::Breached;
        }
        for &n in nations.iter().filter(|n| **n != x.guarantor) {
            shift_relation(world, n, x.guarantor, -g.breach_relations);
        }
        let name = |e: Entity| world.get::<Label>(e).map_or_else(String::new, |l| l.0.clone());
        let text = format!(
            "{} breaches its guarantee to {}: bound to assist, it has no forces on the line or in the air \
             (every nation's relations with it −{})",
            name(x.guarantor),
            name(x.recipient),
            g.breach_relations
        );
        world.resource_mut::<Trace>().public(clock.turn, clock.day, "guarantee", text);
    }
}
