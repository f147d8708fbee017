//! Red team, on the game directory: a second server, damaged journals, a lost autosave or seal,
//! and files others could read, against the real binary. A damaged directory is refused with
//! what is wrong and what to do, and left as it was; an intact one resumes with its clock.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::served::{Served, free_port};
use truce::net::client::NetClient;
use truce::protocol::{ClientMessage, ServerMessage, View};
use truce::rules::{Order, Phase};

/// Pumps `client` until the view it holds (`last`, kept up to date) satisfies `done`.
fn view_until(client: &mut NetClient, last: &mut Option<View>, done: impl Fn(&View) -> bool) -> View {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for m in client.pump() {
            match m {
                ServerMessage::View(v) => *last = Some(*v),
                ServerMessage::Patch(p) => {
                    assert!(last.as_mut().is_some_and(|v| p.apply(v)), "a patch for a view not held");
                }
                ServerMessage::Clock(c) => {
                    if let Some(v) = last.as_mut() {
                        v.clock = c;
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = last.as_ref().filter(|v| done(v)) {
            return v.clone();
        }
        assert!(Instant::now() < deadline, "no such view came; last: {:?}", last.as_ref().map(|v| (v.turn, v.phase)));
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A game with a few journalled orders, paused in turn 1 with a 600 s clock, then stopped.
fn played_and_paused(dir: &Path) -> u64 {
    let mut s = Served::new_game(dir, &["--turn-seconds", "600"]);
    let mut ukr = NetClient::join(s.addr, &s.code("ukr")).unwrap();
    let mut seen = None;
    view_until(&mut ukr, &mut seen, |v| v.phase == Phase::Lobby);
    s.type_line("start");
    view_until(&mut ukr, &mut seen, |v| v.phase == Phase::Orders);
    for n in 0..3 {
        ukr.send(&ClientMessage::Order(Order::PublicStatement { text: format!("statement {n}") }));
        view_until(&mut ukr, &mut seen, |v| v.draft.as_ref().is_some_and(|d| d.orders.len() > n));
    }
    s.type_line("pause");
    let paused = view_until(&mut ukr, &mut seen, |v| v.clock.paused);
    s.quit();
    paused.clock.remaining_ms.unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    let _ = std::fs::copy(from.with_extension("codes.json"), to.with_extension("codes.json"));
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "lock")
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn damaged_directories_are_refused_and_an_intact_one_resumes_paused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    let left = played_and_paused(&good);

    type Damage = fn(&Path);
    let cases: [(&str, Damage, &str); 7] = [
        (
            "cut",
            |d| {
                let mut l = lines(&d.join("journal.jsonl"));
                l.pop();
                write_lines(&d.join("journal.jsonl"), &l);
            },
            "cut short",
        ),
        ("emptied", |d| std::fs::write(d.join("journal.jsonl"), "").unwrap(), "empty or missing"),
        ("deleted", |d| std::fs::remove_file(d.join("journal.jsonl")).unwrap(), "missing"),
        (
            "reordered",
            |d| {
                let mut l = lines(&d.join("journal.jsonl"));
                l.swap(1, 2);
                write_lines(&d.join("journal.jsonl"), &l);
            },
            "does not follow",
        ),
        (
            "edited",
            |d| {
                let text = std::fs::read_to_string(d.join("journal.jsonl")).unwrap();
                std::fs::write(d.join("journal.jsonl"), text.replacen("statement 0", "statement 9", 1)).unwrap();
            },
            "journal",
        ),
        ("no-autosave", |d| std::fs::remove_file(d.join("autosave.json")).unwrap(), "autosave.json is missing"),
        ("no-seal", |d| std::fs::remove_file(d.join("seal.json")).unwrap(), "seal.json is missing"),
    ];
    for (name, damage, expected) in cases {
        let dir = tmp.path().join(name);
        copy_dir(&good, &dir);
        damage(&dir);
        let before = files(&dir);
        let err = Served::resume(&dir, free_port()).err().unwrap_or_else(|| panic!("{name}: the damaged game resumed"));
        assert!(err.contains("exit status: 2"), "{name}: {err}");
        assert!(err.contains(expected), "{name}: expected {expected:?} in {err}");
        assert!(err.contains("Restore the directory"), "{name}: says what to do: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(files(&dir), before, "{name}: a refused resume changes nothing");
    }

    // The intact directory resumes where it stood: paused, with the time it had left.
    let s = Served::resume(&good, free_port()).expect("the intact game resumes");
    let mut obs = NetClient::join(s.addr, &s.code("observer")).unwrap();
    let view = view_until(&mut obs, &mut None, |v| v.phase == Phase::Orders);
    assert!(view.clock.paused, "the pause survived the resume");
    let now = view.clock.remaining_ms.unwrap();
    assert!(now <= left && now + 5_000 >= left, "left {left} ms when paused, {now} ms after resuming");
}

#[test]
fn a_second_server_on_the_same_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    let mut first = Served::new_game(&dir, &[]);
    let err = Served::resume(&dir, free_port()).err().expect("a second server must not start");
    assert!(err.contains("another truce server"), "{err}");
    // A new game in the same directory is refused as well, and the first goes on serving.
    let args = ["serve", &support::served::tutorial(), "--game-dir", &dir.display().to_string()].map(str::to_string);
    let err = Served::spawn(&args, &dir, &dir.with_extension("x.json"), None).err().unwrap();
    assert!(err.contains("already holds a game"), "{err}");
    first.assert_serving(&first.code("ukr"));
}

#[test]
fn the_codes_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("private");
    let s = Served::new_game(&dir, &[]);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for name in ["game.json", "journal.jsonl", "seal.json", "lock"] {
        assert_eq!(mode(&dir.join(name)) & 0o077, 0, "{name} is {:o}", mode(&dir.join(name)));
    }
    assert_eq!(mode(&dir.with_extension("codes.json")) & 0o077, 0);
    s.quit();
}
