//! Each class of semantic error in a scenario produces its message, the path of the value and the
//! line:column where that value stands in the file.

use truce::scenario::{self, Diagnostic};

const TUTORIAL: &str = include_str!("../scenarios/tutorial.ron");

/// The tutorial with `find` (which must occur exactly once) replaced.
fn edit(find: &str, replace: &str) -> String {
    assert_eq!(TUTORIAL.matches(find).count(), 1, "{find:?} must occur once in the tutorial");
    TUTORIAL.replacen(find, replace, 1)
}

fn diagnostics(src: &str) -> Vec<Diagnostic> {
    match scenario::parse("tutorial.ron", src.as_bytes()) {
        Ok(_) => panic!("the edited scenario was accepted"),
        Err(e) => {
            assert_eq!(e.file, "tutorial.ron");
            e.diagnostics
        }
    }
}

/// Line and column (1-based, in characters) of the first occurrence of `marker` in `src`.
fn position_of(src: &str, marker: &str) -> (usize, usize) {
    let at = src.find(marker).unwrap_or_else(|| panic!("marker {marker:?} not in source"));
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

/// Asserts that a diagnostic at `path` says `words` and points at `marker`.
fn expect(src: &str, path: &str, words: &str, marker: &str) {
    let all = diagnostics(src);
    let d = all.iter().find(|d| d.path == path).unwrap_or_else(|| panic!("no diagnostic at {path}; got {all:#?}"));
    assert!(d.message.contains(words), "message {:?} lacks {words:?}", d.message);
    assert_eq!((d.line, d.col), position_of(src, marker), "position of {path}: {}", d.message);
    assert!(!d.source_line.is_empty());
}

#[test]
fn the_tutorial_itself_is_valid() {
    scenario::parse("tutorial.ron", TUTORIAL.as_bytes()).expect("tutorial is valid");
}

#[test]
fn unknown_reference_in_relations_suggests_the_near_id() {
    let src =
        edit(r#"relations: {"ukr": 60, "rus": -60, "ita": 70}"#, r#"relations: {"ukr": 60, "russ": -60, "ita": 70}"#);
    expect(&src, "nations[2].relations.russ", "unknown nation \"russ\"; did you mean \"rus\"?", "\"russ\"");
}

#[test]
fn reference_to_the_wrong_kind_says_what_it_is() {
    let src = edit(r#"goal: Deployed("fra")"#, r#"goal: Deployed("unsc")"#);
    expect(
        &src,
        "nations[2].objectives[0].goal",
        "\"unsc\" is an institution, but a nation is expected",
        "goal: Deployed(\"unsc\")",
    );
}

#[test]
fn duplicate_ids_name_the_first_use() {
    let src = edit(r#"id: "ita_drones", owner"#, r#"id: "fra_bde", owner"#);
    let marker_src = src.replacen("id: \"fra_bde\"", "FIRST", 1);
    let (line, col) = position_of(&marker_src, "id: \"fra_bde\"");
    let all = diagnostics(&src);
    let d = all.iter().find(|d| d.path == "contingents[2].id").expect("duplicate reported");
    assert!(d.message.contains("duplicate id \"fra_bde\"") && d.message.contains("contingents[0]"), "{}", d.message);
    assert_eq!((d.line, d.col), (line, col));
}

#[test]
fn malformed_ids_are_reported() {
    let src = edit(r#"id: "north","#, r#"id: "North Sector","#);
    expect(&src, "line.sectors[0].id", "must be 1 to 32 characters", "id: \"North Sector\"");
}

#[test]
fn negative_troops_are_out_of_range() {
    let src = edit("troops: 3000,", "troops: -3000,");
    expect(&src, "nations[3].pools.troops", "cannot be negative", "troops: -3000");
}

#[test]
fn probabilities_outside_zero_to_one_are_out_of_range() {
    let src = edit("detection: 0.50", "detection: 1.5");
    expect(&src, "assets[1].detection", "1.5 is out of range; expected 0 to 1", "detection: 1.5");
}

#[test]
fn numbers_too_large_to_represent_are_not_finite() {
    let src = edit("base_tension: 0.35", "base_tension: 1e309");
    expect(&src, "line.sectors[0].base_tension", "not a finite number", "base_tension: 1e309");
}

#[test]
fn sector_lengths_must_add_up_to_the_line() {
    let src = edit("length_km: 180.0", "length_km: 150.0");
    expect(&src, "line.length_km", "add up to 390.0 km, but the line is 420 km long", "length_km: 420.0");
}

#[test]
fn a_polyline_needs_two_points() {
    let start = TUTORIAL.find("points: [").unwrap();
    let end = start + TUTORIAL[start..].find("],").unwrap() + 2;
    let src = format!("{}points: [(lat: 50.0, lon: 37.0)],{}", &TUTORIAL[..start], &TUTORIAL[end..]);
    let all = diagnostics(&src);
    let d = all.iter().find(|d| d.path == "line.points").expect("short polyline reported");
    assert!(d.message.contains("at least two points (found 1)"), "{}", d.message);
    assert_eq!((d.line, d.col), position_of(&src, "points: [(lat"));
    // The sectors now name points that do not exist: reported too, in the same run.
    assert!(all.iter().any(|d| d.path.starts_with("line.sectors[0].points")), "{all:#?}");
}

#[test]
fn sectors_must_be_contiguous() {
    let src = edit("points: (2, 4)", "points: (3, 4)");
    expect(&src, "line.sectors[1].points[0]", "must start where the previous sector ends, at point 2", "3, 4)");
}

#[test]
fn a_vetoing_member_must_be_a_member() {
    let src = edit(r#"vetoes: ["rus", "fra", "gbr", "usa", "chn"]"#, r#"vetoes: ["rus", "fra", "gbr", "usa", "ind"]"#);
    expect(&src, "institutions[0].rule.vetoes[4]", "\"ind\" holds a veto but is not a member of \"unsc\"", "\"ind\"");
}

#[test]
fn a_qualified_majority_must_be_reachable() {
    let src = edit("QualifiedMajority(yes: 9,", "QualifiedMajority(yes: 16,");
    expect(&src, "institutions[0].rule.yes", "16 votes can never be reached by 15 members", "yes: 16");
}

#[test]
fn observers_cannot_be_allowed_to_fire() {
    let src = edit(
        "SmallArms: [Record, ReportPublicly],\n                Artillery: [Record, ReportPublicly, Protest],\n                Incursion: [Record, ReportPublicly, Protest, Investigate],",
        "SmallArms: [Record, ReturnFire],\n                Artillery: [Record, ReportPublicly, Protest],\n                Incursion: [Record, ReportPublicly, Protest, Investigate],",
    );
    expect(
        &src,
        "mandate_templates[0].responses.SmallArms",
        "ObserveReport mandate cannot permit ReturnFire",
        "SmallArms: [Record, ReturnFire]",
    );
}

#[test]
fn every_severity_needs_responses() {
    let src = edit(
        "                DroneStrike: [Record, ReportPublicly, Protest],\n                AttackOnMonitors: [Record, ReportPublicly, Protest, ReturnFire],",
        "                AttackOnMonitors: [Record, ReportPublicly, Protest, ReturnFire],",
    );
    expect(
        &src,
        "mandate_templates[1].responses",
        "no responses given for severity DroneStrike",
        "responses: {\n                SmallArms: [Record, ReportPublicly],\n                Artillery: [Record, ReportPublicly, Protest, Interpose]",
    );
}

#[test]
fn only_drones_are_jammed() {
    let src = edit("kind: ShortRangeDrones, count: 60", "kind: FixedCameras, count: 60");
    expect(&src, "assets[0].jamming", "only drones are jammed", "jamming: 0.50");
}

#[test]
fn only_belligerents_hold_forces_on_the_line() {
    let src = edit(r#"forces: {"ukr": 25000, "rus": 40000}"#, r#"forces: {"ukr": 25000, "rus": 40000, "fra": 100}"#);
    expect(&src, "line.sectors[0].forces.fra", "not flagged Belligerent", "\"fra\": 100");
}

#[test]
fn a_pledged_contingent_must_belong_to_the_pledger() {
    let src = edit(
        r#"Pledge(id: "ita_obs_pledge", nation: "ita", contingent: "ita_obs""#,
        r#"Pledge(id: "ita_obs_pledge", nation: "ita", contingent: "fra_bde""#,
    );
    expect(&src, "pledges[0].contingent", "\"fra_bde\" belongs to \"fra\", not to \"ita\"", "contingent: \"fra_bde\"");
}

#[test]
fn conditions_cannot_name_turns_that_do_not_exist() {
    let src = edit("trigger: AtTurn(3)", "trigger: AtTurn(30)");
    expect(&src, "injects[0].trigger", "turn 30 does not exist; turns run from 1 to 8", "trigger: AtTurn(30)");
}

#[test]
fn armed_contingents_cannot_exceed_the_troop_pool() {
    let src = edit("kind: Mechanised, size: 5000", "kind: Mechanised, size: 50000");
    expect(&src, "contingents[0].size", "total 50000 troops, more than its pool of 10000", "size: 50000");
}

#[test]
fn all_problems_are_reported_in_one_run_in_file_order() {
    let src = edit("troops: 3000,", "troops: -3000,")
        .replacen("detection: 0.50", "detection: 1.5", 1)
        .replacen(r#"vetoes: ["rus", "fra""#, r#"vetoes: ["rus", "xyz""#, 1)
        .replacen("trigger: AtTurn(3)", "trigger: AtTurn(30)", 1);
    let all = diagnostics(&src);
    let paths: Vec<&str> = all.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        ["nations[3].pools.troops", "institutions[0].rule.vetoes[1]", "assets[1].detection", "injects[0].trigger"],
        "{all:#?}"
    );
    let lines: Vec<usize> = all.iter().map(|d| d.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn unknown_fields_are_errors_with_the_expected_ones_listed() {
    let src = edit("seed: 7,", "seed: 7, colour: \"red\",");
    let all = diagnostics(&src);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].path, "colour");
    assert!(all[0].message.contains("unexpected field named `colour`") && all[0].message.contains("`turn_days`"));
    assert_eq!((all[0].line, all[0].col), position_of(&src, "colour"));
}

#[test]
fn the_display_names_file_line_column_path_and_shows_the_line() {
    let src = edit("detection: 0.50", "detection: 1.5");
    let err = scenario::parse("scenarios/edited.ron", src.as_bytes()).unwrap_err();
    let text = err.to_string();
    let (line, col) = position_of(&src, "detection: 1.5");
    assert!(text.starts_with(&format!("error: scenarios/edited.ron:{line}:{col}: assets[1].detection: ")), "{text}");
    assert!(text.contains("detection: 1.5, jamming"), "the offending line is shown: {text}");
    assert!(text.lines().last().unwrap().trim_end().ends_with('^'), "a caret marks the column: {text}");
}

#[test]
fn a_control_character_in_any_text_is_refused_where_it_stands() {
    // An escape sequence in a nation's name would reach every player's terminal.
    let src = edit(r#"name: "Ukraine""#, "name: \"Ukr\\u{1b}]0;pwned\\u{7}aine\"");
    expect(&src, "nations[0].name", "control characters", "name: \"Ukr\\u{1b}");
}
