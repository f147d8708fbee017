//! The browser client in a real headless Chromium, driven by Playwright (`tests/browser/run.mjs`)
//! against the real `truce serve` binary: a student joins with a code, builds orders from the
//! menus and locks; two browsers share one seat's draft; an observer's page holds no secret; the
//! facilitator pauses, extends, injects and hands a seat to a bot; a hostile statement stays text;
//! no page reaches outside the server. Screenshots go to `target/browser/`. The after-action
//! report opens offline, with its screenshots in `target/report/`.
//!
//! Needs Node.js with `npm ci` run, and Debian's `chromium`: `.ci/run` installs both.

mod support;

use std::path::Path;
use std::process::Command;

use support::served::Served;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn needs(what: &str, present: bool) {
    assert!(present, "the browser tests need {what}; `.ci/run` installs it (see the README)");
}

#[test]
fn the_browser_client_plays_in_a_real_browser() {
    needs("Node.js (`node`)", Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()));
    needs("the npm packages (`npm ci`)", root().join("node_modules/playwright-core").is_dir());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    needs("Chromium (`apt-get install -y chromium`)", Path::new(&chromium).exists());
    let dir = tempfile::tempdir().unwrap();
    let served = Served::new_game(&dir.path().join("game"), &["--turn-seconds", "600"]);
    let artifacts = root().join("target/browser");
    let out = Command::new("node")
        .arg(root().join("tests/browser/run.mjs"))
        .env("TRUCE_URL", format!("http://{}", served.addr))
        .env("TRUCE_CODES", dir.path().join("game.codes.json"))
        .env("TRUCE_ARTIFACTS", &artifacts)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    assert!(out.status.success(), "the browser checks failed:\n{stdout}\n{stderr}");
    assert!(!stdout.contains("not ok"), "{stdout}");
    let shots = std::fs::read_dir(&artifacts)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png")));
    assert!(shots.count() >= 6, "a screenshot of each main screen is kept in {}", artifacts.display());
}

/// Opens a report in Chromium with `tests/browser/report.mjs`: no console error, no request
/// outside the file, a screenshot kept in `target/report/`.
fn open_offline(report: &Path, shot: &str) {
    needs("Node.js (`node`)", Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()));
    needs("the npm packages (`npm ci`)", root().join("node_modules/playwright-core").is_dir());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    needs("Chromium (`apt-get install -y chromium`)", Path::new(&chromium).exists());
    let shots = root().join("target/report");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/browser/report.mjs"))
        .arg(report)
        .arg(shots.join(shot))
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !stdout.contains("not ok"), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(shots.join(shot).exists());
}

fn truce(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_truce")).args(args).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "truce {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into()
}

#[test]
fn the_after_action_report_opens_offline_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let game = dir.path().join("game");
    let html = dir.path().join("report.html");
    let p = |p: &Path| p.as_os_str().to_owned();
    truce(&[
        "sim".as_ref(),
        "scenarios/donbas_2019.ron".as_ref(),
        "--seed".as_ref(),
        "5".as_ref(),
        "--save".as_ref(),
        &p(&game),
    ]);
    truce(&["report".as_ref(), &p(&game), "-o".as_ref(), &p(&html)]);
    let text = std::fs::read_to_string(&html).unwrap();
    for part in
        ["What happened", "Map of the line", "Violations, true and recorded", "Turn by turn", "Decisions", "Seats"]
    {
        assert!(text.contains(part), "the report has no {part:?}");
    }
    open_offline(&html, "game-report.png");
    // A batch's report draws its design points.
    let batch = dir.path().join("batch");
    truce(&[
        "batch".as_ref(),
        "scenarios/tutorial.ron".as_ref(),
        "--seeds".as_ref(),
        "8".as_ref(),
        "--set".as_ref(),
        "policy.rus=hawk,dove".as_ref(),
        "--out".as_ref(),
        &p(&batch),
    ]);
    let html = dir.path().join("batch.html");
    truce(&["report".as_ref(), &p(&batch), "-o".as_ref(), &p(&html)]);
    assert!(std::fs::read_to_string(&html).unwrap().contains("policy.rus"));
    open_offline(&html, "batch-report.png");
}

#[test]
fn the_vendored_library_is_the_one_npm_installed() {
    needs("the npm packages (`npm ci`)", root().join("node_modules/htm").is_dir());
    let installed = std::fs::read(root().join("node_modules/htm/preact/standalone.module.js")).unwrap();
    let vendored = std::fs::read(root().join("assets/web/vendor/preact-htm.mjs")).unwrap();
    assert!(installed == vendored, "assets/web/vendor/preact-htm.mjs is stale: run `npm run vendor`");
}
