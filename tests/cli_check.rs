//! `truce check` as a user runs it: the real binary on real files.

mod support;

use support::cli::truce;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn shipped_scenarios_pass_with_a_summary_each() {
    let out = truce(&["check", "scenarios/tutorial.ron", "scenarios/ukraine_2026.ron", "scenarios/donbas_2019.ron"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(stdout.lines().count(), 3);
    assert!(stdout.contains(
        "ok: scenarios/tutorial.ron: tutorial — 4 nations, 2 institutions, 2 sectors, 420 km, 3 contingents"
    ));
    assert!(stdout.contains("ok: scenarios/ukraine_2026.ron: ukraine_2026 — "));
    assert!(stdout.contains(", 1218 km, "));
    assert!(stdout.contains("ok: scenarios/donbas_2019.ron: donbas_2019 — "));
    assert!(stdout.contains(", 420 km, "));
}

#[test]
fn with_no_file_the_builtin_scenario_is_checked() {
    let out = truce(&["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("ukraine_2026 — "));
}

#[test]
fn broken_files_exit_2_and_every_one_is_named_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let tutorial = std::fs::read_to_string(format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.ron", Vec::new()),
        ("garbage.ron", (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("nested.ron", "[".repeat(200_000).into_bytes()),
        ("truncated.ron", tutorial.as_bytes()[..tutorial.len() / 2].to_vec()),
        ("semantic.ron", tutorial.replace("detection: 0.50", "detection: 7.0").into_bytes()),
        ("huge_number.ron", tutorial.replace("length_km: 420.0", "length_km: 1e309").into_bytes()),
    ];
    let mut args = vec!["check".to_string()];
    for (name, bytes) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        args.push(path.display().to_string());
    }
    // One valid file among them still gets its ok line.
    args.push("scenarios/tutorial.ron".into());
    let out = truce(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (name, _) in &cases {
        let pattern = format!("{}:", dir.path().join(name).display());
        let at = stderr.find(&pattern).unwrap_or_else(|| panic!("{name} not reported: {stderr}"));
        let rest = &stderr[at + pattern.len()..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap();
        let col = parts.next().unwrap();
        assert!(line.parse::<usize>().is_ok() && col.parse::<usize>().is_ok(), "{name}: no line:column in {rest:.80}");
    }
    assert!(stderr.contains("assets[1].detection: 7 is out of range; expected 0 to 1"), "{stderr}");
    assert!(text(&out.stdout).contains("ok: scenarios/tutorial.ron"));
}

#[test]
fn missing_files_and_directories_are_errors_not_crashes() {
    let out = truce(&["check", "scenarios/no_such_file.ron", "scenarios"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("scenarios/no_such_file.ron:1:1: cannot read the file"), "{stderr}");
    assert!(stderr.contains("scenarios:1:1: this is a directory"), "{stderr}");
}

#[test]
fn bad_arguments_get_usage_and_exit_2() {
    let out = truce(&["check", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Usage"));
    let out = truce(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}
