//! The server under load, as a separate process on loopback: CPU use while 50 clients sit idle in
//! a game; over a whole 24-turn game of 100 clients whose seats hand in their advisor's orders,
//! the bytes each client receives per turn and the time from the last lock of a turn until all
//! hold the next turn's view; each over UDP and over the WebSocket; the browser client's files,
//! their size and the time to fetch them; against a raw UDP echo round trip on the same machine. Process-level figures do not fit
//! criterion's model (one function timed in a loop), so this prints its own; they are recorded in
//! docs/performance.md.
//!
//! Run: `cargo bench --bench network`.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/support/socket.rs"]
#[allow(dead_code)] // the tests use all of it, the benchmark most
mod socket;

use socket::AnyClient;
use truce::protocol::{ClientMessage, ServerMessage, View};
use truce::rules::Phase;
use truce::rules::orders::SeatAction;

struct Server {
    child: Child,
    addr: SocketAddr,
    codes: serde_json::Value,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(scenario: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let codes = dir.path().join("codes.json");
    let path = format!("{}/scenarios/{scenario}.ron", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(["serve", &path, "--bind", &addr.to_string(), "--turn-seconds", "0", "--game-dir"])
        .arg(dir.path().join("game"))
        .arg("--codes-json")
        .arg(&codes)
        .stdin(Stdio::piped()) // kept open: the console waits on it
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("Type `help`") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let codes = serde_json::from_str(&std::fs::read_to_string(&codes).unwrap()).unwrap();
    Server { child, addr, codes, _dir: dir }
}

/// CPU seconds the process has used (user + system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ is 100 on Linux
}

/// Which wire a crowd speaks over.
#[derive(Clone, Copy, PartialEq)]
enum Wire {
    Udp,
    Socket,
}

impl Wire {
    fn name(self) -> &'static str {
        match self {
            Wire::Udp => "UDP",
            Wire::Socket => "WebSocket",
        }
    }
}

/// Joins with `code` over `wire`; a socket keeps no copy of its frames.
fn join_over(wire: Wire, addr: SocketAddr, code: &str) -> AnyClient {
    let mut client = AnyClient::join(addr, code, wire == Wire::Socket).unwrap();
    if let AnyClient::Socket(c) = &mut client {
        c.keep = false;
    }
    client
}

/// One client of the crowd: its seat, its connection, its view (patches applied), and what it
/// has received.
struct One {
    seat: String,
    net: AnyClient,
    view: Option<View>,
    turn: u32,
    phase: Phase,
    /// Bytes received (messages as encoded on the wire).
    bytes: u64,
    /// Messages sent, and answers (verdicts and refusals) received.
    sent: u64,
    answers: u64,
}

impl One {
    fn pump(&mut self) {
        let (messages, bytes) = self.net.pump();
        self.bytes += bytes;
        for m in messages {
            match m {
                ServerMessage::Verdict(_) | ServerMessage::Refused { .. } => {
                    self.answers += 1;
                    continue;
                }
                ServerMessage::View(v) => self.view = Some(*v),
                ServerMessage::Patch(p) => {
                    let view = self.view.as_mut().expect("a patch before any view");
                    assert!(p.apply(view), "a patch for another view");
                }
                _ => continue,
            }
            let v = self.view.as_ref().unwrap();
            (self.turn, self.phase) = (v.turn, v.phase);
        }
    }

    fn send(&mut self, m: &ClientMessage) {
        self.net.send(m);
        self.sent += 1;
    }
}

/// The crowd, pumped on two threads as two rooms of machines would be.
struct Clients {
    clients: Vec<One>,
}

impl Clients {
    fn join(server: &Server, seats: &[String], n: usize, wire: Wire) -> Clients {
        let mut clients = Clients { clients: Vec::new() };
        let started = Instant::now();
        for i in 0..n {
            let seat = &seats[i % seats.len()];
            let code = server.codes[seat.as_str()].as_str().unwrap();
            let net = join_over(wire, server.addr, code);
            clients.clients.push(One {
                seat: seat.clone(),
                net,
                view: None,
                turn: 0,
                phase: Phase::Lobby,
                bytes: 0,
                sent: 0,
                answers: 0,
            });
            // Everyone already in keeps talking while the others arrive.
            clients.pump();
        }
        eprintln!("{n} clients joined over {} in {:?}", wire.name(), started.elapsed());
        clients
    }

    fn pump(&mut self) {
        let half = self.clients.len().div_ceil(2).max(1);
        std::thread::scope(|s| {
            for chunk in self.clients.chunks_mut(half) {
                s.spawn(move || chunk.iter_mut().for_each(One::pump));
            }
        });
    }

    fn all(&self, f: impl Fn(&One) -> bool) -> bool {
        self.clients.iter().all(f)
    }

    fn until(&mut self, timeout: Duration, mut done: impl FnMut(&Clients) -> bool) {
        let end = Instant::now() + timeout;
        while !done(self) {
            if Instant::now() >= end {
                let connected = self.clients.iter().filter(|c| c.net.is_connected()).count();
                let gone = self.clients.iter().filter(|c| c.net.is_disconnected()).count();
                let why: std::collections::BTreeSet<String> = self
                    .clients
                    .iter()
                    .filter_map(|c| c.net.disconnect_reason().map(|r| format!("{}: {r}", c.seat)))
                    .collect();
                eprintln!("{why:?}");
                let turns: Vec<u32> = self.clients.iter().map(|c| c.turn).collect();
                panic!("timed out: {connected} connected, {gone} disconnected; turns {turns:?}");
            }
            self.pump();
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// The seat of the `i`th client (clients are dealt to seats in turn).
fn clients_seat(seats: &[String], i: usize) -> &str {
    &seats[i % seats.len()]
}

/// Joins as the facilitator, keeping the other clients talking meanwhile.
fn join_facilitator(server: &Server, clients: &mut Clients, wire: Wire) -> AnyClient {
    let code = server.codes["facilitator"].as_str().unwrap();
    let mut facilitator = join_over(wire, server.addr, code);
    let end = Instant::now() + Duration::from_secs(10);
    while !facilitator.is_connected() && Instant::now() < end {
        facilitator.pump();
        clients.pump();
        std::thread::sleep(Duration::from_millis(1));
    }
    facilitator
}

/// Pumps a client for a moment so that what it queued is on its way.
fn flush(c: &mut AnyClient) {
    for _ in 0..50 {
        c.pump();
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn idle_cpu(wire: Wire) {
    let server = start("ukraine_2026");
    let seats: Vec<String> = ["ukr", "rus", "usa", "fra", "deu"].iter().map(|s| s.to_string()).collect();
    let mut clients = Clients::join(&server, &seats, 50, wire);
    clients.until(Duration::from_secs(30), |c| c.all(|x| x.phase == Phase::Lobby && x.view.is_some()));
    let mut facilitator = join_facilitator(&server, &mut clients, wire);
    facilitator.send(&ClientMessage::Command(truce::protocol::Command::Start));
    flush(&mut facilitator);
    clients.until(Duration::from_secs(30), |c| c.all(|x| x.phase == Phase::Orders));
    // Settle, then measure ten seconds of nothing happening but keep-alives.
    let settle = Instant::now() + Duration::from_secs(2);
    while Instant::now() < settle {
        clients.pump();
        facilitator.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = server.child.id();
    let (cpu0, t0) = (cpu_seconds(pid), Instant::now());
    while t0.elapsed() < Duration::from_secs(10) {
        clients.pump();
        facilitator.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let share = (cpu_seconds(pid) - cpu0) / t0.elapsed().as_secs_f64();
    println!(
        "idle: 50 {} clients connected, orders phase open: server CPU {:.2}% of one core",
        wire.name(),
        share * 100.0
    );
}

/// A whole game of 100 clients on 13 seats: at each turn, one member of each seat hands in its
/// advisor's orders and locks, the last seat once all the others are answered. Measures the bytes
/// every client receives per turn and the time from that last lock until every client holds the
/// next turn's view.
fn whole_game(wire: Wire) {
    let server = start("ukraine_2026");
    let seats: Vec<String> = ["ukr", "rus", "usa", "gbr", "fra", "deu", "ita", "pol", "eu", "bra", "ind", "tur", "chn"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut clients = Clients::join(&server, &seats, 100, wire);
    let mut facilitator = join_facilitator(&server, &mut clients, wire);
    clients.until(Duration::from_secs(30), |c| c.all(|x| x.net.is_connected()));
    facilitator.send(&ClientMessage::Command(truce::protocol::Command::Start));
    flush(&mut facilitator);
    clients.until(Duration::from_secs(30), |c| c.all(|x| x.phase == Phase::Orders && x.turn == 1));
    let mut latencies = Vec::new();
    let mut per_turn = Vec::new();
    let mut turns = 0;
    for turn in 1.. {
        let before: Vec<u64> = clients.clients.iter().map(|c| c.bytes).collect();
        // One member of each seat hands in its advisor's orders, and every seat but the last
        // locks; once all are answered, the last seat locks, which starts the clock.
        let mut firsts = Vec::new();
        for (i, c) in clients.clients.iter_mut().enumerate() {
            if firsts.iter().any(|j: &usize| clients_seat(&seats, *j) == c.seat) {
                continue;
            }
            firsts.push(i);
            let advice = c.view.as_ref().and_then(|v| v.options.as_ref()).map(|o| o.advice.clone());
            for order in advice.unwrap_or_default() {
                c.send(&ClientMessage::Order(order));
            }
        }
        let last = *firsts.last().unwrap();
        for &i in &firsts[..firsts.len() - 1] {
            clients.clients[i].send(&ClientMessage::Seat(SeatAction::Lock));
        }
        clients.until(Duration::from_secs(30), |c| c.all(|x| x.answers == x.sent));
        clients.clients[last].send(&ClientMessage::Seat(SeatAction::Lock));
        let t0 = Instant::now();
        clients.pump();
        facilitator.pump();
        clients.until(Duration::from_secs(30), |c| {
            c.all(|x| (x.turn > turn && x.phase == Phase::Orders) || x.phase == Phase::GameOver)
        });
        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
        per_turn.extend(clients.clients.iter().zip(&before).map(|(c, b)| (c.bytes - b) as f64));
        turns = turn;
        if clients.clients[0].phase == Phase::GameOver {
            break;
        }
    }
    let (p50, p99) = (percentile(&mut latencies, 0.5), percentile(&mut latencies, 0.99));
    println!(
        "turn ({}): last lock to all 100 clients holding the next view, over {} turns: p50 {p50:.1} ms, p99 {p99:.1} ms",
        wire.name(),
        latencies.len()
    );
    let (b50, b99) = (percentile(&mut per_turn, 0.5), percentile(&mut per_turn, 0.99));
    let total: u64 = clients.clients.iter().map(|c| c.bytes).sum();
    println!(
        "bytes ({}): per client per turn over {turns} turns: median {:.1} KB, p99 {:.1} KB; {:.1} MB to 100 clients in all",
        wire.name(),
        b50 / 1000.0,
        b99 / 1000.0,
        total as f64 / 1e6
    );
}

/// The browser client as a first visit fetches it: every file, one after the other, on one
/// connection; its size in all and the time, five times.
fn page_load() {
    let server = start("tutorial");
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..5 {
        let t0 = Instant::now();
        size = 0;
        for path in std::iter::once("").chain(truce::net::web::FILES.iter().map(|(p, _)| *p)) {
            let mut response = agent.get(&format!("http://{}/{path}", server.addr)).call().unwrap();
            size += response.body_mut().read_to_vec().unwrap().len();
        }
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let files = truce::net::web::FILES.len();
    let p50 = percentile(&mut times, 0.5);
    println!(
        "page: index and {files} files, {:.1} KB in all, fetched in {p50:.1} ms (median of 5)",
        size as f64 / 1000.0
    );
}

fn udp_echo() {
    let echo = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = echo.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = echo.recv_from(&mut buf) {
            let _ = echo.send_to(&buf[..n], from);
        }
    });
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rtts = Vec::new();
    let mut buf = [0u8; 1500];
    for _ in 0..2000 {
        let t0 = Instant::now();
        s.send_to(&[7u8; 100], addr).unwrap();
        s.recv_from(&mut buf).unwrap();
        rtts.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p99) = (percentile(&mut rtts, 0.5), percentile(&mut rtts, 0.99));
    println!("raw UDP echo round trip on loopback: p50 {p50:.3} ms, p99 {p99:.3} ms");
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less arguments; only measure when asked.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    udp_echo();
    page_load();
    for wire in [Wire::Udp, Wire::Socket] {
        if std::env::var("TRUCE_BENCH_SKIP_IDLE").is_err() {
            idle_cpu(wire);
        }
        whole_game(wire);
    }
    udp_echo();
}
