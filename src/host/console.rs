//! The server console: facilitator commands typed on stdin or scripted in a file, and the lines
//! the server prints back.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use bevy::prelude::*;

use super::{Connections, ConsoleCommand, ConsoleOutput, Pending};
use crate::protocol::{Command, Role};
use crate::rules::{Clock, Phase};

/// One line of a script or of stdin, already understood.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Command(Command),
    /// Wait this long before the next line (scripts).
    Wait(Duration),
    /// Wait for the orders phase of this turn (scripts).
    WaitTurn(u32),
    /// Wait until this many players are connected (scripts).
    WaitPlayers(usize),
    /// Print the seats and connections.
    Status,
    /// Print the scenario's injects, with their ids.
    Injects,
    /// Save and stop the server.
    Quit,
    Help,
}

pub const HELP: &str = crate::protocol::COMMANDS_HELP;

/// Parses one console line; `Ok(None)` for a blank line or a comment. A `#` at the start of a
/// line, or after a space, starts a comment, except in the text of an announcement.
pub fn parse_line(line: &str) -> Result<Option<Line>, String> {
    let line = crate::protocol::clean_text(line);
    let line = line.trim();
    let announcing = line.split_whitespace().next().is_some_and(|w| matches!(w, "announce" | "say"));
    let line = if announcing || line.starts_with('#') {
        if line.starts_with('#') { "" } else { line }
    } else {
        line.split(" #").next().unwrap_or("").trim()
    };
    if line.is_empty() {
        return Ok(None);
    }
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let number = |what: &str| -> Result<u64, String> {
        rest.parse::<u64>().map_err(|_| format!("`{word}` needs {what}, not {rest:?}"))
    };
    Ok(Some(match word.to_ascii_lowercase().as_str() {
        "wait" => {
            let s: f64 = rest.parse().map_err(|_| format!("`wait` needs seconds, not {rest:?}"))?;
            if !(0.0..=86_400.0).contains(&s) {
                return Err("`wait` takes 0 to 86400 seconds".into());
            }
            Line::Wait(Duration::from_secs_f64(s))
        }
        "wait-turn" => Line::WaitTurn(u32::try_from(number("a turn number")?).map_err(|_| "turn too large")?),
        "wait-players" => Line::WaitPlayers(number("a number of players")? as usize),
        "status" | "seats" => Line::Status,
        "injects" => Line::Injects,
        "quit" | "exit" => Line::Quit,
        "help" | "?" => Line::Help,
        _ => Line::Command(Command::parse(line)?),
    }))
}

/// Reads a script file: every line checked up front, errors with their line numbers.
pub fn read_script(path: &Path) -> Result<Vec<Line>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = Vec::new();
    for (i, l) in text.lines().enumerate() {
        match parse_line(l) {
            Ok(Some(line)) => lines.push(line),
            Ok(None) => {}
            Err(e) => return Err(format!("{}:{}: {e}", path.display(), i + 1)),
        }
    }
    Ok(lines)
}

/// The console's state: a script still to run, and lines arriving from stdin.
#[derive(Resource)]
pub struct Console {
    script: std::collections::VecDeque<Line>,
    waiting_until: Option<Instant>,
    stdin: Option<Mutex<Receiver<String>>>,
    /// Print answers on stdout (not when a terminal client owns the screen).
    echo: bool,
}

impl Console {
    /// A console running `script`, then reading stdin if `stdin` is set; answers are printed if
    /// `echo` is.
    pub fn new(script: Vec<Line>, stdin: bool, echo: bool) -> Console {
        let stdin = stdin.then(|| {
            let (tx, rx): (Sender<String>, Receiver<String>) = channel();
            std::thread::spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            Mutex::new(rx)
        });
        Console { script: script.into(), waiting_until: None, stdin, echo }
    }
}

pub fn plugin(app: &mut App) {
    app.add_systems(PreUpdate, run_console.run_if(resource_exists::<Console>)).add_systems(Last, print_console_output);
}

/// Runs the script's next lines (as far as its waits allow) and any typed line.
#[allow(clippy::too_many_arguments)] // one reader or writer per thing the console touches
fn run_console(
    mut console: ResMut<Console>,
    clock: Res<Clock>,
    phase: Res<State<Phase>>,
    connections: Res<Connections>,
    injects: Query<(&crate::world::StableId, &crate::world::Key, &crate::world::Label), With<crate::world::Inject>>,
    mut commands: MessageWriter<ConsoleCommand>,
    mut output: MessageWriter<ConsoleOutput>,
    mut exit: MessageWriter<AppExit>,
    mut pending: ResMut<Pending>,
) {
    let mut lines: Vec<Line> = Vec::new();
    let now = Instant::now();
    while let Some(next) = console.script.front().cloned() {
        if console.waiting_until.is_some_and(|t| now < t) {
            break;
        }
        console.waiting_until = None;
        match next {
            Line::Wait(d) => {
                console.waiting_until = Some(now + d);
                console.script.pop_front();
            }
            Line::WaitTurn(n) => {
                let reached = clock.turn > n
                    || (clock.turn == n && *phase.get() == Phase::Orders)
                    || *phase.get() == Phase::GameOver;
                if !reached {
                    break;
                }
                console.script.pop_front();
            }
            Line::WaitPlayers(n) => {
                if connections.0.values().filter(|c| c.role == Role::Player).count() < n {
                    break;
                }
                console.script.pop_front();
            }
            other => {
                lines.push(other);
                console.script.pop_front();
            }
        }
    }
    if let Some(rx) = &console.stdin
        && let Ok(rx) = rx.lock()
    {
        while let Ok(typed) = rx.try_recv() {
            match parse_line(&typed) {
                Ok(Some(Line::Wait(_) | Line::WaitTurn(_) | Line::WaitPlayers(_))) => {
                    output.write(ConsoleOutput("waits are for scripts".into()));
                }
                Ok(Some(line)) => lines.push(line),
                Ok(None) => {}
                Err(e) => {
                    output.write(ConsoleOutput(e));
                }
            }
        }
    }
    for line in lines {
        pending.busy = true;
        match line {
            Line::Command(c) => {
                commands.write(ConsoleCommand(c));
            }
            Line::Status => {
                let mut text =
                    format!("turn {}, {}; connections:", clock.turn, crate::protocol::phase_word(*phase.get()));
                for (id, c) in &connections.0 {
                    text.push_str(&format!("\n  #{id:x} {} {}", c.role.word(), c.seat.as_deref().unwrap_or("")));
                }
                output.write(ConsoleOutput(text));
            }
            Line::Help => {
                output.write(ConsoleOutput(HELP.into()));
            }
            Line::Injects => {
                let mut list: Vec<_> = injects.iter().collect();
                list.sort_by_key(|(s, ..)| **s);
                let mut text = String::from("injects (fire one with `inject ID`):");
                for (_, k, l) in list {
                    text.push_str(&format!("\n  {} — {}", k.0, l.0));
                }
                output.write(ConsoleOutput(text));
            }
            Line::Quit => {
                output.write(ConsoleOutput("stopping".into()));
                exit.write(AppExit::Success);
            }
            Line::Wait(_) | Line::WaitTurn(_) | Line::WaitPlayers(_) => {}
        }
    }
}

fn print_console_output(mut lines: MessageReader<ConsoleOutput>, console: Option<Res<Console>>) {
    if !console.is_some_and(|c| c.echo) {
        lines.clear();
        return;
    }
    let mut out = std::io::stdout().lock();
    for l in lines.read() {
        let _ = writeln!(out, "{}", l.0);
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_starts_a_comment_but_not_inside_an_announcement() {
        let announce = |l: &str| match parse_line(l) {
            Ok(Some(Line::Command(Command::Announce(t)))) => t,
            other => panic!("{other:?}"),
        };
        assert_eq!(announce("announce Room #4 at 10"), "Room #4 at 10");
        assert_eq!(announce("say We meet in #general"), "We meet in #general");
        assert_eq!(parse_line("# a comment").unwrap(), None);
        assert_eq!(parse_line("extend 30 # thirty more seconds").unwrap(), Some(Line::Command(Command::Extend(30))));
        // What a console cannot print is not passed on.
        assert_eq!(announce("announce \u{1b}[2J\u{1b}]0;title\u{7}Hello\u{7} all"), "Hello all");
    }
}
