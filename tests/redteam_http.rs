//! Red team, over HTTP: the attacks that once killed or froze the join endpoint, replayed against
//! the real `truce serve` binary on loopback. After each, the process must be alive and a right
//! code answered within two seconds.

mod support;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use support::served::{Served, connect_from, raw_status, read_status};

fn game(name: &str) -> (tempfile::TempDir, Served) {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::new_game(&tmp.path().join(name), &[]);
    (tmp, served)
}

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

#[test]
fn declared_lengths_beyond_reason_are_refused_unread() {
    let (_tmp, mut s) = game("lengths");
    let code = s.code("ukr");
    for length in ["4611686018427387904", "18446744073709551615", "99999999999999999999999", "-1", "2000"] {
        let join = format!("POST /join HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{\"code\":");
        let status = raw_status(s.addr, join.as_bytes());
        assert!(matches!(status, 400 | 413 | 431), "Content-Length {length}: {status}");
        let get = format!("GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nabcdef");
        let status = raw_status(s.addr, get.as_bytes());
        assert!(matches!(status, 200 | 400 | 431), "GET with Content-Length {length}: {status}");
        s.assert_serving(&code);
    }
    // Chunked bodies and bodies without a length are refused too.
    let chunked = b"POST /join HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\n";
    assert_eq!(raw_status(s.addr, chunked), 411);
    assert_eq!(raw_status(s.addr, b"POST /join HTTP/1.1\r\nHost: x\r\n\r\n"), 411);
    s.assert_serving(&code);
}

#[test]
fn bodies_that_never_come_and_expect_continue_hold_nothing_up() {
    let (_tmp, mut s) = game("stalls");
    let code = s.code("ukr");
    // A body of 500 declared bytes of which 10 come, held open; six Expect: 100-continue requests
    // whose bodies never come; all from one address other than the students'.
    let mut held = Vec::new();
    let mut stalled = connect_from(loopback(2), s.addr).unwrap();
    stalled.write_all(b"POST /join HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"code\":\"").unwrap();
    held.push(stalled);
    for _ in 0..6 {
        let mut c = connect_from(loopback(2), s.addr).unwrap();
        c.write_all(b"POST /join HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nExpect: 100-continue\r\n\r\n").unwrap();
        held.push(c);
    }
    std::thread::sleep(Duration::from_millis(200));
    s.assert_serving(&code);
    // The stalled body is given up on within its time limit, with an answer.
    held[0].set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    assert_eq!(read_status(&mut held[0]), 408);
    assert!(started.elapsed() < Duration::from_secs(8));
    s.assert_serving(&code);
}

#[test]
fn an_endless_header_line_costs_no_memory() {
    let (_tmp, mut s) = game("headers");
    let code = s.code("ukr");
    let before = s.rss_kib();
    let mut stream = TcpStream::connect(s.addr).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Long: ").unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0usize;
    // Up to 400 MB, as the finding sent; the server must close the connection long before.
    while sent < 400 * 1024 * 1024 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(sent < 64 * 1024 * 1024, "the server read {sent} bytes of one header line");
    let after = s.rss_kib();
    assert!(after < before + 32 * 1024, "memory grew from {before} KiB to {after} KiB");
    s.assert_serving(&code);
}

#[test]
fn thousands_of_half_open_connections_make_no_threads_and_block_no_one() {
    let (_tmp, mut s) = game("slowloris");
    let code = s.code("ukr");
    let threads_before = s.threads();
    let mut held = Vec::new();
    // 3,000 connections from one address, each a few bytes of a request line (slowloris), and
    // a hundred each from eight more addresses.
    for _ in 0..3000 {
        if let Ok(mut c) = connect_from(loopback(3), s.addr) {
            let _ = c.write_all(b"GET /sta");
            held.push(c);
        }
    }
    for n in 10..18 {
        for _ in 0..100 {
            if let Ok(mut c) = connect_from(loopback(n), s.addr) {
                let _ = c.write_all(b"POST /join HTTP/1.1\r\n");
                held.push(c);
            }
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.threads() <= threads_before + 1, "threads went from {threads_before} to {}", s.threads());
    s.assert_serving(&code);
    drop(held);
    s.assert_serving(&code);
}

#[test]
fn running_out_of_file_descriptors_pauses_accepting_and_no_more() {
    // The server with a small descriptor limit, as under `ulimit -n`.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fds");
    let codes = dir.with_extension("codes.json");
    let port = support::served::free_port();
    let script = format!(
        "ulimit -n 128 && exec '{}' serve '{}' --game-dir '{}' --codes-json '{}' --bind 127.0.0.1:{port}",
        env!("CARGO_BIN_EXE_truce"),
        support::served::tutorial(),
        dir.display(),
        codes.display()
    );
    let mut shell = std::process::Command::new("bash");
    shell.args(["-c", &script]);
    let mut s = Served::launch(shell, &dir, &codes, port).expect("the server starts");
    let code = s.code("ukr");
    let mut held = Vec::new();
    for n in 20..40 {
        for _ in 0..10 {
            if let Ok(c) = connect_from(loopback(n), s.addr) {
                held.push(c);
            }
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.alive(), "the server died of too many connections");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    s.assert_serving(&code);
}

#[test]
fn wrong_codes_slow_their_address_and_lock_no_one_out() {
    let (_tmp, mut s) = game("guesses");
    for i in 0..12 {
        let (status, _) = s.join(&format!("WRNG-{i:04}"));
        assert!(matches!(status, 403 | 429), "{status}");
    }
    // The same address with the right code: in, after the penalty second.
    let (status, took) = s.join(&s.code("ukr"));
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(3), "{took:?}");
    s.assert_serving(&s.code("rus"));
}
