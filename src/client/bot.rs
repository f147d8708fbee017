//! `truce bot`: a network client that plays a seat with its nation's doctrine. The server works
//! out what the seat's bot would order (the advisor, in the seat's view), exactly as the
//! in-process bots do; this client hands those orders in and locks, turn after turn, reconnecting
//! on its own and asking a busy server again with growing pauses. It is also the reference client
//! for third parties (see docs/protocol.md).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::Client;
use super::run::{Connection, OPEN_PATIENCE};
use crate::protocol::{ClientMessage, Role};
use crate::rules::Phase;
use crate::rules::orders::SeatAction;

/// What a bot did over a game.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BotReport {
    pub turns_played: u32,
    pub orders_sent: usize,
    pub last_turn: u32,
}

/// Plays the seat of `code` until the game ends (or `deadline` passes). `say` receives a line per
/// turn for the console.
pub fn play(
    server: SocketAddr,
    code: &str,
    deadline: Option<Duration>,
    mut say: impl FnMut(&str),
) -> Result<BotReport, String> {
    let mut connection = Connection::open_within(server, code, OPEN_PATIENCE, |why, wait| {
        say(&format!("{why}; asking again in {:.1} s", wait.as_secs_f64()));
    })
    .map_err(|e| e.to_string())?;
    if connection.net.as_ref().is_some_and(|n| n.reply.role != Role::Player) {
        return Err("a bot plays a nation's seat: use a nation's code".into());
    }
    let started = Instant::now();
    let mut client = Client::default();
    let mut report = BotReport::default();
    // Orders tried this turn (refused ones are not tried again).
    let mut tried: BTreeSet<String> = BTreeSet::new();
    let mut tried_turn = 0;
    let mut lock_sent_at: Option<Instant> = None;
    loop {
        connection.pump(&mut client);
        if let Some(why) = &client.closed {
            return Err(format!("the server closed the connection: {why}"));
        }
        if deadline.is_some_and(|d| started.elapsed() > d) {
            connection.close();
            return Err(format!("the game did not end within {:?}", deadline.unwrap_or_default()));
        }
        let Some(view) = client.view.clone() else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        report.last_turn = view.turn;
        if view.phase == Phase::GameOver {
            say(&format!("game over after turn {}", view.turn));
            // Stay a moment so the server hears the goodbye.
            connection.close();
            for _ in 0..5 {
                connection.pump(&mut client);
                std::thread::sleep(Duration::from_millis(10));
            }
            return Ok(report);
        }
        let draft = view.draft.clone().unwrap_or_default();
        if view.phase == Phase::Orders && !draft.locked {
            if view.turn != tried_turn {
                tried.clear();
                tried_turn = view.turn;
                lock_sent_at = None;
            }
            let advice = view.options.as_ref().map(|o| o.advice.clone()).unwrap_or_default();
            let mut sent = 0;
            for order in advice {
                let key = format!("{order:?}");
                if draft.orders.iter().any(|d| d.order == order) || !tried.insert(key) {
                    continue;
                }
                connection.send(&ClientMessage::Order(order));
                sent += 1;
            }
            report.orders_sent += sent;
            // Lock once, and again only if the view still says unlocked a while later (a lost
            // connection, say).
            if lock_sent_at.is_none_or(|t| t.elapsed() > Duration::from_secs(2)) {
                connection.send(&ClientMessage::Seat(SeatAction::Lock));
                if lock_sent_at.is_none() {
                    report.turns_played += 1;
                    say(&format!("turn {}: {} orders handed in, locked", view.turn, tried.len()));
                }
                lock_sent_at = Some(Instant::now());
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
