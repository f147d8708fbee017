//! Who may join the game: its codes, the codes the facilitator has barred, and the connect tokens
//! handed out for each code and not yet used.
//!
//! The gate is shared by three threads: the HTTP side issues tokens and admits WebSockets that
//! present one, the UDP screen admits only handshakes that carry an issued token from the address
//! that first used it, and the host bars, readmits and replaces codes when the facilitator says so.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bevy::prelude::Resource;
use renetcode::generate_random_bytes;
use serde::{Deserialize, Serialize};

use crate::protocol::{
    MAX_PENDING_HANDSHAKES_PER_ADDRESS, Role, TOKEN_EXPIRE_SECONDS, UNUSED_TOKENS_PER_CODE, most_connections,
};

/// Letters and digits that cannot be mistaken for each other when read aloud or off a board
/// (no 0/O, 1/I/L, 8/B, S).
const ALPHABET: &[u8] = b"2345679ACDEFGHJKMNPQRTUVWXYZ";
/// Characters in a code (shown as two groups of four): 28^8 ≈ 3.8e11 codes.
pub const CODE_LEN: usize = 8;
/// Bytes into a netcode connection request where the token's nonce starts: the prefix, the
/// version, the protocol id and the expiry come first, in the clear.
const REQUEST_NONCE_AT: usize = 1 + 13 + 8 + 8;
const NONCE_BYTES: usize = 24;

/// Who a code admits: the role and, for a player, the seat.
pub type Holder = (Role, Option<String>);

/// The holder a kick or readmit names: a seat id, or `observers`, `projector`, `facilitator`.
pub fn holder_named(name: &str) -> Holder {
    match name {
        "observers" | "observer" => (Role::Observer, None),
        "projector" => (Role::Projector, None),
        "facilitator" => (Role::Facilitator, None),
        seat => (Role::Player, Some(seat.to_string())),
    }
}

/// A game's join codes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Codes {
    /// (nation id, nation name, code), in the scenario's order.
    pub seats: Vec<(String, String, String)>,
    pub facilitator: String,
    pub observer: String,
    pub projector: String,
}

/// A fresh random code, as `ABCD-EFGH`.
pub fn fresh_code() -> String {
    let mut code = String::with_capacity(CODE_LEN + 1);
    // Rejection sampling keeps every letter equally likely.
    while code.len() < CODE_LEN + 1 {
        for b in generate_random_bytes::<32>() {
            let limit = 256 - 256 % ALPHABET.len();
            if (b as usize) < limit && code.len() < CODE_LEN + 1 {
                if code.len() == CODE_LEN / 2 {
                    code.push('-');
                }
                code.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    code
}

/// A code as typed (any case, with or without the dash or spaces) in its canonical form.
pub fn normalise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

impl Codes {
    /// Fresh codes for these nations: (id, name).
    pub fn generate(nations: &[(String, String)]) -> Codes {
        Codes {
            seats: nations.iter().map(|(id, name)| (id.clone(), name.clone(), fresh_code())).collect(),
            facilitator: fresh_code(),
            observer: fresh_code(),
            projector: fresh_code(),
        }
    }

    /// What a code opens.
    pub fn lookup(&self, code: &str) -> Option<Holder> {
        let code = normalise(code);
        if code.len() != CODE_LEN {
            return None;
        }
        let is = |c: &str| normalise(c) == code;
        if is(&self.facilitator) {
            return Some((Role::Facilitator, None));
        }
        if is(&self.observer) {
            return Some((Role::Observer, None));
        }
        if is(&self.projector) {
            return Some((Role::Projector, None));
        }
        self.seats.iter().find(|(_, _, c)| is(c)).map(|(id, _, _)| (Role::Player, Some(id.clone())))
    }

    /// Gives `seat` a new code; false if there is no such seat.
    pub fn replace(&mut self, seat: &str, code: &str) -> bool {
        match self.seats.iter_mut().find(|(id, _, _)| id == seat) {
            Some(entry) => {
                entry.2 = code.to_string();
                true
            }
            None => false,
        }
    }

    /// The codes as one JSON object: each seat's id, and `facilitator`, `observer`, `projector`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = BTreeMap::new();
        for (id, _, code) in &self.seats {
            map.insert(id.clone(), code.clone());
        }
        map.insert("facilitator".into(), self.facilitator.clone());
        map.insert("observer".into(), self.observer.clone());
        map.insert("projector".into(), self.projector.clone());
        serde_json::to_value(map).unwrap_or_default()
    }

    /// The seat table printed when the server starts.
    pub fn table(&self, address: &str) -> String {
        let others = [
            ("Facilitator (commands; white cell: every secret)", &self.facilitator),
            ("Observers (public view)", &self.observer),
            ("Projector (the public big screen: no secrets)", &self.projector),
        ];
        let width = self.seats.iter().map(|(_, n, _)| n.chars().count()).max().unwrap_or(0).max(24);
        let id_width = self.seats.iter().map(|(id, _, _)| id.chars().count()).max().unwrap_or(0).max(16);
        let all = (width + 2 + id_width).max(others.iter().map(|(w, _)| w.chars().count()).max().unwrap_or(0));
        let id_width = all - width - 2;
        let mut out = format!("Join in a browser at  http://{address}/  or with  truce join {address} --code CODE\n\n");
        out.push_str(&format!("  {:<width$}  {:<id_width$}  CODE\n", "SEAT", "ID"));
        for (id, name, code) in &self.seats {
            out.push_str(&format!("  {name:<width$}  {id:<id_width$}  {code}\n"));
        }
        out.push('\n');
        for (what, code) in others {
            out.push_str(&format!("  {what:<all$}  {code}\n"));
        }
        out
    }
}

/// A connect token handed out and not yet used to connect.
#[derive(Clone, Debug)]
struct Issued {
    nonce: [u8; NONCE_BYTES],
    client_id: u64,
    holder: Holder,
    expires: Instant,
    /// The address whose handshake first carried it; no other address may use it.
    bound: Option<SocketAddr>,
}

/// Why a token was not issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotIssued {
    /// No code matches.
    Unknown,
    /// The facilitator barred this code.
    Barred,
    /// This many tokens of the code are out and unused already; try again in a moment.
    Busy(usize),
}

/// The state of admission.
#[derive(Debug)]
pub struct Gate {
    codes: Codes,
    barred: BTreeSet<Holder>,
    issued: Vec<Issued>,
}

/// Tokens live this long unused.
const TOKEN_LIFE: Duration = Duration::from_secs(TOKEN_EXPIRE_SECONDS);

impl Gate {
    pub fn new(codes: Codes) -> Gate {
        Gate { codes, barred: BTreeSet::new(), issued: Vec::new() }
    }

    pub fn codes(&self) -> &Codes {
        &self.codes
    }

    /// Whom `code` admits now, if anyone.
    pub fn lookup(&self, code: &str) -> Option<Holder> {
        self.codes.lookup(code)
    }

    pub fn is_barred(&self, holder: &Holder) -> bool {
        self.barred.contains(holder)
    }

    /// Bars a code until `readmit`; false if it was barred already.
    pub fn bar(&mut self, holder: Holder) -> bool {
        self.issued.retain(|i| i.holder != holder);
        self.barred.insert(holder)
    }

    /// Lets a barred code in again; false if it was not barred.
    pub fn readmit(&mut self, holder: &Holder) -> bool {
        self.barred.remove(holder)
    }

    /// Gives `seat` a new code: tokens issued for the old one die with it.
    pub fn revoke(&mut self, seat: &str, code: &str) -> bool {
        let holder = (Role::Player, Some(seat.to_string()));
        self.issued.retain(|i| i.holder != holder);
        self.codes.replace(seat, code)
    }

    fn forget_expired(&mut self, now: Instant) {
        self.issued.retain(|i| i.expires > now);
    }

    /// Checks `code` and, when it may have a token now, calls `mint` for one and records it.
    /// `mint` returns the token's client id and nonce, and what the caller wants back.
    pub fn issue<T>(
        &mut self,
        code: &str,
        now: Instant,
        mint: impl FnOnce(&Holder) -> Option<(u64, [u8; NONCE_BYTES], T)>,
    ) -> Result<(Holder, Option<T>), NotIssued> {
        let holder = self.lookup(code).ok_or(NotIssued::Unknown)?;
        if self.is_barred(&holder) {
            return Err(NotIssued::Barred);
        }
        self.forget_expired(now);
        let unused = self.issued.iter().filter(|i| i.holder == holder).count();
        if unused >= UNUSED_TOKENS_PER_CODE.min(most_connections(holder.0)) {
            // The oldest token nobody has started a handshake with gives way: one holder asking
            // for tokens it never uses cannot keep the rest of its code out. Only when every one
            // is in a handshake is the asker told to wait.
            let idle = self.issued.iter().position(|i| i.holder == holder && i.bound.is_none());
            match idle {
                Some(at) => {
                    self.issued.remove(at);
                }
                None => return Err(NotIssued::Busy(unused)),
            }
        }
        let minted = mint(&holder);
        let made = minted.map(|(client_id, nonce, out)| {
            self.issued.push(Issued {
                nonce,
                client_id,
                holder: holder.clone(),
                expires: now + TOKEN_LIFE,
                bound: None,
            });
            out
        });
        Ok((holder, made))
    }

    /// Whether a netcode connection request from `from` may reach netcode: it must carry a token
    /// this gate issued, unused and unexpired, first seen from this address, and the address
    /// must not have too many handshakes under way.
    pub fn admit_handshake(&mut self, request: &[u8], from: SocketAddr, now: Instant) -> bool {
        let Some(nonce) = request.get(REQUEST_NONCE_AT..REQUEST_NONCE_AT + NONCE_BYTES) else { return false };
        self.forget_expired(now);
        let pending_from_ip =
            self.issued.iter().filter(|i| i.bound.is_some_and(|b| b.ip() == from.ip() && b != from)).count();
        let Some(token) = self.issued.iter_mut().find(|i| i.nonce[..] == *nonce) else { return false };
        match token.bound {
            Some(bound) => bound == from,
            None if pending_from_ip >= MAX_PENDING_HANDSHAKES_PER_ADDRESS => false,
            None => {
                token.bound = Some(from);
                true
            }
        }
    }

    /// A WebSocket presented the token with this nonce: if this gate issued it and it is unused
    /// and unexpired, it is used up now, and the connection's client id and holder are returned.
    pub fn claim(&mut self, nonce: &[u8], now: Instant) -> Option<(u64, Holder)> {
        self.forget_expired(now);
        let at = self.issued.iter().position(|i| i.nonce[..] == *nonce && i.bound.is_none())?;
        let token = self.issued.remove(at);
        Some((token.client_id, token.holder))
    }

    /// A token's handshake completed: it is used up.
    pub fn connected(&mut self, client_id: u64) {
        self.issued.retain(|i| i.client_id != client_id);
    }

    /// Tokens issued and unused now, over every code.
    pub fn unused_tokens(&self, now: Instant) -> usize {
        self.issued.iter().filter(|i| i.expires > now).count()
    }
}

/// The gate as the game holds it (absent in games without a network).
#[derive(Resource, Clone, Debug)]
pub struct SharedGate(pub Arc<Mutex<Gate>>);

impl SharedGate {
    pub fn new(codes: Codes) -> SharedGate {
        SharedGate(Arc::new(Mutex::new(Gate::new(codes))))
    }

    /// The gate, even if another thread panicked while holding it (its state stays consistent:
    /// every change is a single push, retain or insert).
    pub fn lock(&self) -> MutexGuard<'_, Gate> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> Codes {
        Codes::generate(&[("a".into(), "A".into()), ("b".into(), "B".into())])
    }

    #[test]
    fn codes_are_readable_and_distinct() {
        let codes = codes();
        let all = [&codes.seats[0].2, &codes.seats[1].2, &codes.facilitator, &codes.observer, &codes.projector];
        for c in all {
            assert_eq!(c.len(), 9, "{c}");
            assert!(normalise(c).bytes().all(|b| ALPHABET.contains(&b)), "{c}");
        }
        let set: BTreeSet<_> = all.iter().collect();
        assert_eq!(set.len(), 5);
        let typed = codes.seats[1].2.to_lowercase().replace('-', " ");
        assert_eq!(codes.lookup(&typed), Some((Role::Player, Some("b".into()))));
    }

    fn request(nonce: u8) -> Vec<u8> {
        let mut r = vec![0u8; 1078];
        r[REQUEST_NONCE_AT..REQUEST_NONCE_AT + NONCE_BYTES].fill(nonce);
        r
    }

    #[test]
    fn unused_tokens_per_code_are_bounded_and_expire() {
        let codes = codes();
        let code = codes.observer.clone();
        let mut gate = Gate::new(codes);
        let now = Instant::now();
        for n in 0..UNUSED_TOKENS_PER_CODE {
            assert!(gate.issue(&code, now, |_| Some((n as u64, [n as u8; NONCE_BYTES], ()))).is_ok());
        }
        // One more: the oldest unused token gives way, so tokens asked for and never used keep
        // nobody out; the count stays bounded.
        assert!(gate.issue(&code, now, |_| Some((99, [99; NONCE_BYTES], ()))).is_ok());
        assert_eq!(gate.unused_tokens(now), UNUSED_TOKENS_PER_CODE);
        assert_eq!(gate.claim(&[0; NONCE_BYTES], now), None, "the oldest gave way");
        // Tokens in a handshake do not give way: with all of them bound, the asker waits.
        for n in 1..UNUSED_TOKENS_PER_CODE as u8 {
            assert!(gate.admit_handshake(&request(n), SocketAddr::from(([10, 0, 0, n], 1)), now));
        }
        assert!(gate.admit_handshake(&request(99), "10.0.0.99:1".parse().unwrap(), now));
        assert_eq!(
            gate.issue(&code, now, |_| Some((98, [98; NONCE_BYTES], ()))).err(),
            Some(NotIssued::Busy(UNUSED_TOKENS_PER_CODE))
        );
        // Using one frees its place; time frees the rest.
        gate.connected(1);
        assert!(gate.issue(&code, now, |_| Some((50, [50; NONCE_BYTES], ()))).is_ok());
        assert!(gate.issue(&code, now + TOKEN_LIFE, |_| Some((51, [51; NONCE_BYTES], ()))).is_ok());
        assert_eq!(gate.unused_tokens(now + TOKEN_LIFE), 1);
    }

    #[test]
    fn a_handshake_needs_an_issued_token_from_its_first_address() {
        let codes = codes();
        let code = codes.seats[0].2.clone();
        let mut gate = Gate::new(codes);
        let now = Instant::now();
        gate.issue(&code, now, |_| Some((7, [7; NONCE_BYTES], ()))).unwrap();
        let a: SocketAddr = "10.1.1.1:5000".parse().unwrap();
        let b: SocketAddr = "10.1.1.2:5000".parse().unwrap();
        assert!(!gate.admit_handshake(&request(8), a, now), "never issued");
        assert!(gate.admit_handshake(&request(7), a, now));
        assert!(gate.admit_handshake(&request(7), a, now), "the same client repeats its request");
        assert!(!gate.admit_handshake(&request(7), b, now), "a copy from elsewhere");
        assert!(!gate.admit_handshake(&request(7), a, now + TOKEN_LIFE), "expired");
    }

    #[test]
    fn a_websocket_uses_up_its_token_once() {
        let codes = codes();
        let code = codes.seats[1].2.clone();
        let mut gate = Gate::new(codes);
        let now = Instant::now();
        gate.issue(&code, now, |_| Some((9, [9; NONCE_BYTES], ()))).unwrap();
        gate.issue(&code, now, |_| Some((10, [10; NONCE_BYTES], ()))).unwrap();
        assert_eq!(gate.claim(&[8; NONCE_BYTES], now), None, "never issued");
        assert_eq!(gate.claim(&[9; NONCE_BYTES], now), Some((9, (Role::Player, Some("b".into())))));
        assert_eq!(gate.claim(&[9; NONCE_BYTES], now), None, "used already");
        assert!(gate.admit_handshake(&request(10), "10.0.0.1:1".parse().unwrap(), now));
        assert_eq!(gate.claim(&[10; NONCE_BYTES], now), None, "a UDP handshake holds it");
        gate.issue(&code, now, |_| Some((11, [11; NONCE_BYTES], ()))).unwrap();
        assert_eq!(gate.claim(&[11; NONCE_BYTES], now + TOKEN_LIFE), None, "expired");
    }

    #[test]
    fn barred_and_revoked_codes_get_no_token() {
        let codes = codes();
        let old = codes.seats[0].2.clone();
        let mut gate = Gate::new(codes);
        let now = Instant::now();
        let seat_a = (Role::Player, Some("a".to_string()));
        gate.bar(seat_a.clone());
        assert_eq!(gate.issue(&old, now, |_| Some((1, [1; NONCE_BYTES], ()))).err(), Some(NotIssued::Barred));
        gate.readmit(&seat_a);
        assert!(gate.issue(&old, now, |_| Some((1, [1; NONCE_BYTES], ()))).is_ok());
        let new = fresh_code();
        assert!(gate.revoke("a", &new));
        assert_eq!(gate.issue(&old, now, |_| Some((2, [2; NONCE_BYTES], ()))).err(), Some(NotIssued::Unknown));
        assert!(!gate.admit_handshake(&request(1), "10.0.0.1:1".parse().unwrap(), now), "old tokens die too");
        assert!(gate.issue(&new, now, |_| Some((3, [3; NONCE_BYTES], ()))).is_ok());
    }
}
