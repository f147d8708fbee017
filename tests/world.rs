//! Shipped scenarios spawn into a Bevy world with the expected entities and links, and the world
//! reads back into exactly the scenario it came from.

use bevy::prelude::*;
use truce::scenario::model::{Condition, ContingentKind, DecisionRule, NationFlag, Scenario};
use truce::scenario::{self, ActiveScenario, ScenarioPlugin};
use truce::world::*;

fn load(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    scenario::load_file(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

fn spawned(s: &Scenario) -> World {
    let mut world = World::new();
    spawn_scenario(&mut world, s).expect("valid scenario spawns");
    world
}

fn count<C: Component>(world: &mut World) -> usize {
    world.query_filtered::<(), With<C>>().iter(world).count()
}

fn entity(world: &World, key: &str) -> Entity {
    world.resource::<Registry>().get(key).unwrap_or_else(|| panic!("{key} not spawned"))
}

#[test]
fn tutorial_spawns_the_expected_entities() {
    let mut world = spawned(&load("tutorial"));
    assert_eq!(count::<Nation>(&mut world), 4);
    assert_eq!(count::<Institution>(&mut world), 2);
    assert_eq!(count::<MandateTemplate>(&mut world), 2);
    assert_eq!(count::<Mandate>(&mut world), 0);
    assert_eq!(count::<Sector>(&mut world), 2);
    assert_eq!(count::<DefenceLine>(&mut world), 2);
    assert_eq!(count::<Contingent>(&mut world), 3);
    assert_eq!(count::<Pledge>(&mut world), 2);
    assert_eq!(count::<Guarantee>(&mut world), 1);
    assert_eq!(count::<MonitoringAsset>(&mut world), 2);
    assert_eq!(count::<Inject>(&mut world), 1);
    // Every object has a stable id, unique and dense from 0.
    let mut ids: Vec<u32> = world.query::<&StableId>().iter(&world).map(|s| s.0).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..21).collect::<Vec<_>>());
    // Links point at the right entities.
    let ita = entity(&world, "ita");
    let south = entity(&world, "south");
    let pledge = world.get::<Pledge>(entity(&world, "ita_obs_pledge")).unwrap();
    assert_eq!((pledge.nation, pledge.sector), (ita, south));
    assert_eq!(pledge.condition, Condition::MandateFrom("unsc".into()));
    let obs = world.get::<Contingent>(pledge.contingent).unwrap();
    assert_eq!((obs.owner, obs.kind, obs.sector), (ita, ContingentKind::Monitors, None));
    assert_eq!(world.get::<Label>(ita).unwrap().0, "Italy");
}

#[test]
fn ukraine_2026_spawns_the_seed_situation() {
    let s = load("ukraine_2026");
    let mut world = spawned(&s);
    assert_eq!(count::<Nation>(&mut world), s.nations.len());
    assert!(s.nations.len() >= 11, "the brief's ten named seats plus the Global South");
    assert_eq!(count::<Institution>(&mut world), s.institutions.len());
    assert_eq!(count::<Sector>(&mut world), s.line.sectors.len());
    assert_eq!(count::<Contingent>(&mut world), s.contingents.len());
    assert_eq!(count::<Pledge>(&mut world), s.pledges.len());
    assert_eq!(count::<Guarantee>(&mut world), s.guarantees.len());
    assert_eq!(count::<MonitoringAsset>(&mut world), s.assets.len());
    assert_eq!(count::<DefenceLine>(&mut world), 3, "three lines of defence");
    let total_km: f64 = world.query::<&Sector>().iter(&world).map(|x| x.length_km).sum();
    assert!((total_km - 1218.0).abs() <= 1.0, "the 1,218 km front: {total_km}");

    // The UN Security Council: 15 members, 9 votes, vetoes for the permanent five.
    let unsc = world.get::<Institution>(entity(&world, "unsc")).unwrap().clone();
    assert_eq!(unsc.members.len(), 15);
    let DecisionRule::QualifiedMajority { yes, vetoes } = &unsc.rule else {
        panic!("UNSC votes by qualified majority")
    };
    assert_eq!(*yes, 9);
    for p5 in ["chn", "fra", "gbr", "rus", "usa"] {
        assert!(vetoes.iter().any(|v| v == p5), "{p5} holds a veto");
        assert!(world.get::<Nation>(entity(&world, p5)).unwrap().has(NationFlag::PermanentFive));
    }

    // China's pledge is conditional on a UN Security Council mandate.
    let chn = entity(&world, "chn");
    let mut pledges = world.query::<&Pledge>();
    let chinese: Vec<&Pledge> = pledges.iter(&world).filter(|p| p.nation == chn).collect();
    assert!(!chinese.is_empty(), "China pledges a contingent");
    for p in chinese {
        assert!(format!("{:?}", p.condition).contains("MandateFrom(\"unsc\")"), "{:?}", p.condition);
    }
    let china = world.get::<Nation>(chn).unwrap();
    assert_eq!(china.loyalty_risk.as_ref().map(|r| r.leans_to.as_str()), Some("rus"));
    // Ukraine accepts guarantees only from helpers; Italy proposes a UN mandate.
    let ukr = world.get::<Nation>(entity(&world, "ukr")).unwrap();
    assert_eq!(ukr.doctrine.accept_guarantees, truce::scenario::model::GuaranteePolicy::FromHelpersOnly);
    let ita = world.get::<Nation>(entity(&world, "ita")).unwrap();
    assert!(ita.doctrine.proposals.iter().any(|p| p.institution == "unsc"));
}

#[test]
fn donbas_2019_spawns_the_osce_mission() {
    let s = load("donbas_2019");
    let mut world = spawned(&s);
    assert_eq!(count::<Nation>(&mut world), s.nations.len());
    assert_eq!(count::<Mandate>(&mut world), s.mandates.len());
    assert!(!s.mandates.is_empty(), "the SMM is in force on day 0");
    let total_km: f64 = world.query::<&Sector>().iter(&world).map(|x| x.length_km).sum();
    assert!((total_km - 420.0).abs() <= 1.0, "the 420 km contact line: {total_km}");
    let mut assets = world.query::<&MonitoringAsset>();
    let monitors: i64 =
        assets.iter(&world).filter(|a| a.kind == truce::scenario::model::AssetKind::Monitors).map(|a| a.count).sum();
    assert!((500..=1000).contains(&monitors), "the mission's real size: {monitors}");
    assert!(assets.iter(&world).any(|a| (a.jamming - 0.75).abs() < 1e-9), "long-range drones jammed on 75% of flights");
}

#[test]
fn spawned_worlds_read_back_into_the_same_scenario() {
    for name in ["tutorial", "ukraine_2026", "donbas_2019"] {
        let s = load(name);
        let mut world = spawned(&s);
        assert_eq!(extract_scenario(&mut world), s, "{name} round trip");
    }
}

#[test]
fn an_invalid_scenario_spawns_nothing() {
    let mut s = load("tutorial");
    s.contingents[0].owner = "nobody".into();
    let mut world = World::new();
    let problems = spawn_scenario(&mut world, &s).unwrap_err();
    assert!(problems.iter().any(|p| p.path == "contingents[0].owner"));
    assert_eq!(count::<Nation>(&mut world), 0);
}

#[test]
fn the_plugins_spawn_the_active_scenario_on_startup() {
    let s = load("tutorial");
    let mut app = App::new();
    app.add_plugins((ScenarioPlugin { scenario: s.clone() }, WorldPlugin));
    app.update();
    let world = app.world_mut();
    assert_eq!(world.resource::<ActiveScenario>().0.id, "tutorial");
    assert_eq!(world.resource::<ScenarioInfo>().turns, 8);
    assert_eq!(count::<Nation>(world), 4);
    assert_eq!(extract_scenario(world), s);
}

#[test]
fn the_builtin_scenario_is_ukraine_2026() {
    let builtin = scenario::builtin().expect("the built-in scenario is valid");
    assert_eq!(builtin, load("ukraine_2026"));
}
