//! Packets nobody on the project would send: the two published crash classes of the networking
//! stack, undecodable and deeply nested messages, and a flood of random datagrams from connected
//! and unconnected addresses. The server must keep serving everyone else.

mod support;

use std::net::UdpSocket;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::{Harness, Player};
use truce::host::OnTimeout;
use truce::net::NetServer;
use truce::protocol::{ClientMessage, Command, ServerMessage, encode};
use truce::rules::{Order, Phase};
use truce::scenario::model::Condition;

const WAIT: Duration = Duration::from_secs(20);

fn started() -> (Harness, Player, Player) {
    let mut h = Harness::new("tutorial", None, OnTimeout::Bot);
    let mut ukr = h.join("ukr");
    let mut fac = h.join("facilitator");
    fac.send(ClientMessage::Command(Command::Start));
    h.run(&mut [&mut ukr, &mut fac], WAIT, |ps| ps.iter().all(|p| p.phase() == Some(Phase::Orders)));
    (h, ukr, fac)
}

/// The bystander still gets its orders answered.
fn still_served(h: &mut Harness, p: &mut Player, text: &str) {
    let mark = p.received.len();
    p.send(ClientMessage::Order(Order::PublicStatement { text: text.into() }));
    h.run(&mut [&mut *p], WAIT, |ps| ps[0].answer_since(mark).is_some());
    assert!(matches!(p.answer_since(mark), Some(ServerMessage::Verdict(v)) if v.accepted), "{:?}", p.since(mark));
}

fn screened(h: &Harness) -> truce::net::transport::Screened {
    h.server.app.world().resource::<NetServer>().transport.screened()
}

#[test]
fn sequence_nibbles_above_eight_from_a_connected_client_are_dropped() {
    let (mut h, mut ukr, mut fac) = started();
    let mut attacker = h.join("fra");
    // Every packet type with every sequence length the standard forbids, padded to look real.
    for nibble in 9u8..=15 {
        for kind in 0u8..=6 {
            let mut d = vec![(nibble << 4) | kind];
            d.extend(std::iter::repeat_n(0xAB, 60));
            attacker.client.transport_mut().send_raw(&d).unwrap();
        }
    }
    // And a sequence near u64::MAX, which overflows replay protection in debug builds.
    let mut d = vec![(8 << 4) | 4];
    d.extend([0xFF; 8]);
    d.extend([0u8; 16]);
    attacker.client.transport_mut().send_raw(&d).unwrap();
    h.idle(&mut [&mut ukr, &mut fac, &mut attacker], Duration::from_millis(200));
    assert!(screened(&h).datagrams_dropped > 7 * 7, "every forbidden nibble and the huge sequence");
    still_served(&mut h, &mut ukr, "still here after the nibbles");
    assert!(attacker.client.is_connected(), "dropped datagrams cost nothing");
}

#[test]
fn a_slice_index_not_below_its_count_costs_only_its_sender_the_connection() {
    let (mut h, mut ukr, mut fac) = started();
    let mut attacker = h.join("fra");
    // renet ReliableSlice: type 2, sequence 0, channel 0, message 0, slice 5 of 5, one byte.
    for packet in [vec![2u8, 0, 0, 0, 5, 5, 1, 0x42], vec![3u8, 0, 0, 0, 9, 2, 1, 0x42]] {
        attacker.client.transport_mut().send_raw_payload(&packet).unwrap();
    }
    h.run(&mut [&mut ukr, &mut fac, &mut attacker], WAIT, |ps| ps[2].client.is_disconnected());
    assert!(screened(&h).packets_refused >= 1);
    still_served(&mut h, &mut ukr, "still here after the slice");
    assert!(fac.client.is_connected());

    // The same from an observer, in two steps: a message announced in 2 slices, then a slice of
    // it claiming to be number 13 of 14 (renet made room for 2).
    let mut observer = h.join("observer");
    let mut first = vec![2u8, 0, 0, 0, 0, 2, 0x44, 0xB0];
    first.extend([7u8; 1200]);
    let mut second = vec![2u8, 1, 0, 0, 13, 14, 0x44, 0xB0];
    second.extend([7u8; 1200]);
    observer.client.transport_mut().send_raw_payload(&first).unwrap();
    observer.client.transport_mut().send_raw_payload(&second).unwrap();
    h.run(&mut [&mut ukr, &mut fac, &mut observer], WAIT, |ps| ps[2].client.is_disconnected());
    still_served(&mut h, &mut ukr, "still here after the disagreeing slices");
}

#[test]
fn bytes_that_are_not_a_message_disconnect_the_sender_and_nobody_else_notices() {
    let (mut h, mut ukr, mut fac) = started();
    let mut attacker = h.join("fra");
    h.idle(&mut [&mut ukr, &mut fac, &mut attacker], Duration::from_millis(300));
    let before = ukr.received.len();
    attacker.client.send_bytes(vec![0xFF; 300]);
    h.run(&mut [&mut ukr, &mut fac, &mut attacker], WAIT, |ps| ps[2].client.is_disconnected());
    // The bystander heard nothing but the seat table changing.
    assert!(ukr.since(before).iter().all(|m| matches!(m, ServerMessage::Seats(_))), "{:?}", ukr.since(before));
    still_served(&mut h, &mut ukr, "still here after the nonsense");

    // A condition nested sixteen thousand deep is refused, not a stack overflow.
    let mut attacker = h.join("fra");
    let pledge = |c: Condition| {
        encode(&ClientMessage::Order(Order::Pledge { contingent: "c".into(), sector: "s".into(), condition: Some(c) }))
    };
    let one = pledge(Condition::Not(Box::new(Condition::Always)));
    let two = pledge(Condition::Not(Box::new(Condition::Not(Box::new(Condition::Always)))));
    let at = one.iter().zip(&two).take_while(|(a, b)| a == b).count();
    let level = &two[at..at + (two.len() - one.len())];
    let mut deep = one[..at].to_vec();
    for _ in 0..16_000 {
        deep.extend_from_slice(level);
    }
    deep.extend_from_slice(&one[at..]);
    attacker.client.send_bytes(deep);
    h.run(&mut [&mut ukr, &mut fac, &mut attacker], WAIT, |ps| ps[2].client.is_disconnected());
    still_served(&mut h, &mut ukr, "still here after the nesting");
}

#[test]
fn a_flood_of_random_datagrams_from_connected_and_unconnected_addresses_changes_nothing() {
    let (mut h, mut ukr, mut fac) = started();
    let mut attacker = h.join("fra");
    let strangers: Vec<UdpSocket> = (0..4).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    let target = h.server.addr;
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut buf = vec![0u8; 1400];
    for i in 0..100_000u32 {
        let len = rng.random_range(1..=1400usize);
        rng.fill(&mut buf[..len]);
        if i % 2 == 0 {
            let _ = attacker.client.transport_mut().send_raw(&buf[..len]);
        } else {
            let _ = strangers[(i as usize / 2) % strangers.len()].send_to(&buf[..len], target);
        }
        if i % 100 == 99 {
            // Keep the socket buffers from overflowing, so the server really reads the flood.
            h.server.update();
            ukr.pump();
            fac.pump();
        }
    }
    h.idle(&mut [&mut ukr, &mut fac], Duration::from_millis(300));
    let s = screened(&h);
    // Most random datagrams fail the screens; under load the kernel may drop some before they are read.
    assert!(s.datagrams_dropped > 10_000, "{s:?}");
    still_served(&mut h, &mut ukr, "still here after the flood");
    assert!(fac.client.is_connected());
    // The game goes on to the next turn.
    fac.send(ClientMessage::Command(Command::EndPhase));
    h.run(&mut [&mut ukr, &mut fac], WAIT, |ps| ps.iter().all(|p| p.turn() == 2));
}

#[test]
fn random_renet_packets_from_authenticated_clients_cost_only_their_senders() {
    let (mut h, mut ukr, mut fac) = started();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for round in 0..60 {
        let mut attacker = h.join("fra");
        for _ in 0..50 {
            // A plausible packet type and channel first, so the bytes get past the first checks.
            let len = rng.random_range(2..=1200usize);
            let mut p = vec![0u8; len];
            rng.fill(&mut p[..]);
            p[0] = rng.random_range(0..=5u8);
            if len > 2 && rng.random_bool(0.7) {
                p[2] = 0;
            }
            let _ = attacker.client.transport_mut().send_raw_payload(&p);
        }
        h.idle(&mut [&mut ukr, &mut fac, &mut attacker], Duration::from_millis(20));
        if round % 20 == 0 {
            still_served(&mut h, &mut ukr, &format!("still here in round {round}"));
        }
    }
    still_served(&mut h, &mut ukr, "still here after the random packets");
    assert!(fac.client.is_connected());
}

#[test]
fn numbers_that_are_not_finite_are_refused_before_they_reach_the_journal() {
    let (mut h, mut ukr, _fac) = started();
    let mark = ukr.received.len();
    ukr.send(ClientMessage::Order(Order::Pledge {
        contingent: "x".into(),
        sector: "north".into(),
        condition: Some(Condition::All(vec![Condition::EscalationAtLeast(f64::NAN)])),
    }));
    h.run(&mut [&mut ukr], WAIT, |ps| ps[0].answer_since(mark).is_some());
    assert!(
        matches!(ukr.answer_since(mark), Some(ServerMessage::Refused { reason, .. }) if reason.contains("finite")),
        "{:?}",
        ukr.since(mark)
    );
}
