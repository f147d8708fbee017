//! `truce bot` from other processes plays seats of a `truce serve` game to its end, and plays them
//! exactly as the in-process bots would: the game ends in the same state as an all-bot game.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use truce::host::Autosave;
use truce::rules::Phase;
use truce::sim::Game;

struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn network_bots_in_other_processes_play_a_game_to_its_end_as_in_process_bots_would() {
    let dir = tempfile::tempdir().unwrap();
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let tutorial = format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"));
    let commands = dir.path().join("commands");
    std::fs::write(&commands, "# start once both network bots are in\nwait-players 2\nstart\n").unwrap();
    let codes = dir.path().join("codes.json");
    let game = dir.path().join("game");
    let mut server = Reaped(
        Command::new(env!("CARGO_BIN_EXE_truce"))
            .args(["serve", &tutorial, "--bind", &addr, "--turn-seconds", "0", "--commands"])
            .arg(&commands)
            .arg("--codes-json")
            .arg(&codes)
            .arg("--game-dir")
            .arg(&game)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let out = server.0.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("Type `help`") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&codes).unwrap()).unwrap();
    let bot = |seat: &str| {
        Reaped(
            Command::new(env!("CARGO_BIN_EXE_truce"))
                .args(["bot", &addr, "--code", table[seat].as_str().unwrap()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    };
    let mut bots = [bot("rus"), bot("fra")];
    let end = Instant::now() + Duration::from_secs(120);
    for b in bots.iter_mut() {
        let status = loop {
            if let Some(s) = b.0.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < end, "a bot did not finish its game");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut said = String::new();
        std::io::Read::read_to_string(b.0.stdout.as_mut().unwrap(), &mut said).unwrap();
        assert!(status.success(), "{said}");
        assert!(said.contains("turn 1:") && said.contains("game over"), "{said}");
    }
    let save: Autosave = serde_json::from_str(&std::fs::read_to_string(game.join("autosave.json")).unwrap()).unwrap();
    assert_eq!(save.phase, Phase::GameOver);

    // The same game with every seat played in-process ends in the same state.
    let scenario = truce::scenario::load_file(std::path::Path::new(&tutorial)).unwrap();
    let mut reference = Game::new(scenario, None).unwrap();
    reference.play_out();
    assert_eq!(save.state_hash, format!("{:016x}", reference.state_hash()));
}
