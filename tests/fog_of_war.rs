//! A seat's briefings never carry another seat's secrets: private messages, postures, secret
//! objectives, or the truth about who fired when nobody attributed it.

use truce::record::briefing_for;
use truce::record::story::{self, Reader};
use truce::rules::Order;
use truce::scenario;
use truce::sim::Game;

#[test]
fn briefings_over_a_whole_game_keep_every_secret() {
    let path = format!("{}/scenarios/ukraine_2026.ron", env!("CARGO_MANIFEST_DIR"));
    let s = scenario::load_file(std::path::Path::new(&path)).unwrap();
    let secret_objectives: Vec<(String, String)> = s
        .nations
        .iter()
        .flat_map(|n| n.objectives.iter().filter(|o| !o.public).map(|o| (n.id.clone(), o.text.clone())))
        .collect();
    assert!(!secret_objectives.is_empty());
    let nations: Vec<String> = s.nations.iter().map(|n| n.id.clone()).collect();
    // Two people-played seats exchange secrets; every other seat is a bot.
    let mut game = Game::with_humans(s, Some(11), &["gbr".to_string(), "fra".to_string()]).unwrap();
    let mut seen: Vec<(String, String)> = Vec::new(); // (reader, everything it was told)
    let mut turn = 0;
    while game.phase() != truce::rules::Phase::GameOver && turn < 24 {
        turn += 1;
        let secret = format!("Secret plan number {turn}");
        assert!(game.submit("gbr", Order::PrivateMessage { to: "fra".into(), text: secret }).accepted);
        for reader in nations.iter().map(Some).chain([None]) {
            seen.push((reader.cloned().unwrap_or_else(|| "observer".into()), told(&mut game, reader)));
        }
        if game.finish_turn().is_none() {
            break;
        }
    }
    assert!(turn >= 2);
    for (reader, text) in &seen {
        if reader != "gbr" && reader != "fra" {
            assert!(!text.contains("Secret plan number"), "{reader} read a private message");
        }
        if reader == "observer" {
            assert!(!text.contains("sets its pressure"), "an observer saw a posture");
        }
        for (owner, objective) in &secret_objectives {
            // Two nations may share a secret aim in the same words; each reads its own.
            let also_mine = secret_objectives.iter().any(|(o, t)| o == reader && t == objective);
            if owner != reader && !also_mine {
                assert!(!text.contains(objective.as_str()), "{reader} read {owner}'s secret objective {objective:?}");
            }
        }
    }
    // The people who were told do see it.
    assert!(seen.iter().any(|(r, t)| r == "fra" && t.contains("Secret plan number 1")));
    // Belligerents see their own postures but not each other's.
    let rus: Vec<&String> = seen.iter().filter(|(r, _)| r == "rus").map(|(_, t)| t).collect();
    let ukr: Vec<&String> = seen.iter().filter(|(r, _)| r == "ukr").map(|(_, t)| t).collect();
    assert!(rus.iter().any(|t| t.contains("Russia sets its pressure")));
    assert!(!ukr.iter().any(|t| t.contains("Russia sets its pressure")));
    assert!(!rus.iter().any(|t| t.contains("Ukraine sets its pressure")));
}

/// Everything `reader` (a nation, or an observer) is told now: its briefing, the last turn's story
/// and every page of that turn's incidents.
fn told(game: &mut Game, reader: Option<&String>) -> String {
    let nation = reader.map(String::as_str);
    let b = briefing_for(game.world(), nation);
    let world: &_ = game.world();
    let last = world.resource::<truce::record::History>().0.last().map(|s| s.turn);
    let who = Reader::seat(nation);
    let story = last.and_then(|t| story::story(world, who, t));
    let pages: Vec<_> =
        last.into_iter().flat_map(|t| (0..).map_while(move |p| story::incident_page(world, who, t, p))).collect();
    serde_json::to_string(&(b, story, pages)).unwrap()
}

#[test]
fn an_observer_sees_the_record_not_the_truth() {
    let path = format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"));
    let s = scenario::load_file(std::path::Path::new(&path)).unwrap();
    let mut game = Game::new(s, Some(4)).unwrap();
    game.finish_turn();
    let b = briefing_for(game.world(), None);
    assert!(b.own.is_none());
    let text = serde_json::to_string(&b).unwrap();
    assert!(!text.contains("violations_true"));
    // Every public report of a violation states only what was recorded.
    let pages: Vec<_> = (0..).map_while(|p| story::incident_page(game.world(), Reader::Observer, 1, p)).collect();
    assert!(!pages.is_empty());
    for r in pages.iter().flat_map(|p| &p.entries) {
        assert!(r.text.contains("recorded"), "{}", r.text);
        assert!(!r.text.contains(", by "), "the perpetrator leaked: {}", r.text);
    }
    // Whether an incident is readable is decided without writing it, and agrees with its wording.
    let trace = game.trace().clone();
    for i in trace.entries.iter().filter_map(|e| e.incident.as_deref()) {
        for reader in [None, Some("ukr"), Some("rus"), Some("fra")] {
            assert_eq!(trace.told(i).readable(reader), trace.told(i).view(reader).is_some());
        }
    }
    let ukr = briefing_for(game.world(), Some("ukr"));
    let own = ukr.own.expect("a seat sees its own state");
    assert!(own.objectives.iter().any(|(_, public, _)| *public));
    assert!(ukr.nations.iter().any(|n| n.id == "rus"));
}
