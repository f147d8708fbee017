//! Where history is known, the bots reproduce it (docs/calibration.md, docs/rules.md §4.3, §9.2):
//! over many seeds of bot play, no armed UN force on the Donbas line in 2019, and an EU Council that
//! decides as its members lean.

use truce::scenario::model::{MandateKind, Member, Scenario};
use truce::sim::Game;
use truce::world::{Key, Mandate, MandateTemplate};

mod support;
use support::scenario as load;

/// The mandates of a bot-played game: (authorising body, kind), created before or during play.
fn mandates(s: &Scenario, seed: u64) -> Vec<(String, MandateKind)> {
    let mut game = Game::new(s.clone(), Some(seed)).expect("valid scenario");
    game.play_out();
    let w = game.world();
    let all: Vec<Mandate> = w.query::<&Mandate>().iter(w).cloned().collect();
    all.iter()
        .filter_map(|m| {
            let body = w.get::<Key>(m.authorised_by)?.0.clone();
            Some((body, w.get::<MandateTemplate>(m.template)?.kind))
        })
        .collect()
}

#[test]
fn no_armed_un_force_is_authorised_for_donbas_in_2019_in_at_least_90_percent_of_seeds() {
    let s = load("donbas_2019");
    let armed = (1..=20u64)
        .filter(|seed| {
            mandates(&s, *seed).iter().any(|(body, kind)| body == "unsc" && *kind != MandateKind::ObserveReport)
        })
        .count();
    assert!(armed <= 2, "an armed UN force was authorised in {armed} of 20 games");
}

/// Games among the seeds in which the EU Council authorised a mandate.
fn eu_passes(s: &Scenario) -> usize {
    (1..=10u64).filter(|seed| mandates(s, *seed).iter().any(|(body, _)| body == "eu_council")).count()
}

#[test]
fn the_eu_council_decides_as_its_members_lean() {
    // As shipped, Hungary and Slovakia lean against an armed EU mission: it never passes.
    let shipped = load("ukraine_2026");
    assert_eq!(eu_passes(&shipped), 0, "the EU's armed mission passed against Hungary's and Slovakia's leanings");
    // With every scripted member leaning for it, the first vote on it passes, in every seed.
    let mut willing = shipped.clone();
    for i in willing.institutions.iter_mut().filter(|i| i.id == "eu_council") {
        for m in &mut i.members {
            if let Member::Scripted { leaning, .. } = m {
                leaning.interpose = leaning.interpose.max(0.5);
            }
        }
    }
    assert_eq!(eu_passes(&willing), 10, "with every member leaning for it");
}
