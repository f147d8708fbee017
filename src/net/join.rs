//! Joining: trading a code for a short-lived connect token naming the seat and role, as the
//! HTTP side's `POST /join` does. Wrong guesses from one address are slowed.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use renetcode::{ConnectToken, generate_random_bytes};

use crate::access::{Holder, NotIssued, SharedGate};
use crate::protocol::{
    CONNECTION_TIMEOUT_SECONDS, JoinError, JoinReply, JoinRequest, MAX_CODE_CHARS, PROTOCOL_VERSION,
    TOKEN_EXPIRE_SECONDS, TokenData, protocol_id,
};

/// Wrong codes allowed from one address per window; past them, every answer to that address
/// (a right code's too) comes only after `PENALTY`, so guessing stays slow while a student behind
/// the same router still gets in.
const WRONG_CODES_ALLOWED: usize = 10;
const WRONG_CODE_WINDOW: Duration = Duration::from_secs(60);
const PENALTY: Duration = Duration::from_secs(1);
const WRONG_CODE: &str = "no seat has that code; check it with your facilitator";
/// Addresses remembered at most; past it the one whose last wrong code is oldest is forgotten.
const MAX_ADDRESSES_REMEMBERED: usize = 10_000;

/// Mints connect tokens for codes; the HTTP endpoint's logic without the HTTP.
pub struct JoinService {
    pub gate: SharedGate,
    key: [u8; 32],
    /// The address the game's UDP socket is bound to (named in every token).
    public_addr: SocketAddr,
    /// Recent wrong codes by address (at most `WRONG_CODES_ALLOWED` kept for each).
    wrong: HashMap<IpAddr, VecDeque<Instant>>,
}

/// An answer: HTTP status and JSON body, and how long to hold it back first.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
    pub delay: Duration,
}

impl Answer {
    pub fn error(status: u16, error: impl Into<String>) -> Answer {
        let body = serde_json::to_string(&JoinError { error: error.into() }).unwrap_or_default();
        Answer { status, body, retry_after: None, delay: Duration::ZERO }
    }

    pub fn busy(error: impl Into<String>) -> Answer {
        Answer { retry_after: Some(1), ..Answer::error(503, error) }
    }

    fn ok(body: String) -> Answer {
        Answer { status: 200, body, retry_after: None, delay: Duration::ZERO }
    }
}

impl JoinService {
    pub fn new(gate: SharedGate, key: [u8; 32], public_addr: SocketAddr) -> JoinService {
        JoinService { gate, key, public_addr, wrong: HashMap::new() }
    }

    /// Answers one request. `host` is the request's Host header (the address the client used).
    pub fn answer(&mut self, method: &str, path: &str, body: &[u8], from: IpAddr, host: Option<&str>) -> Answer {
        let path = path.split('?').next().unwrap_or(path);
        match (method, path) {
            ("POST", "/join") => self.join(body, from, host, Instant::now()),
            ("GET", "/status") => {
                Answer::ok(serde_json::json!({ "game": "truce", "protocol_version": PROTOCOL_VERSION }).to_string())
            }
            (_, "/join") => Answer::error(405, "use POST /join with {\"code\": \"...\"}"),
            _ => Answer::error(404, "not found; POST /join with {\"code\": \"...\"}"),
        }
    }

    /// Whether `from` has used up its wrong codes for now.
    fn penalised(&mut self, from: IpAddr, now: Instant) -> bool {
        let Some(recent) = self.wrong.get_mut(&from) else { return false };
        while recent.front().is_some_and(|t| now.duration_since(*t) > WRONG_CODE_WINDOW) {
            recent.pop_front();
        }
        if recent.is_empty() {
            self.wrong.remove(&from);
            return false;
        }
        recent.len() >= WRONG_CODES_ALLOWED
    }

    fn join(&mut self, body: &[u8], from: IpAddr, host: Option<&str>, now: Instant) -> Answer {
        if !self.penalised(from, now) {
            return self.join_now(body, from, host, now);
        }
        let answer = self.join_now(body, from, host, now);
        let answer = if answer.status == 403 && answer.body.contains(WRONG_CODE) {
            let wait = WRONG_CODE_WINDOW.as_secs();
            Answer {
                retry_after: Some(wait),
                ..Answer::error(429, format!("too many wrong codes from this address; try again in up to {wait} s"))
            }
        } else {
            answer
        };
        Answer { delay: PENALTY, ..answer }
    }

    fn join_now(&mut self, body: &[u8], from: IpAddr, host: Option<&str>, now: Instant) -> Answer {
        let request: JoinRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return Answer::error(400, format!("the body must be JSON {{\"code\": \"...\"}}: {e}")),
        };
        if request.code.chars().count() > MAX_CODE_CHARS {
            return self.wrong_code(from, now);
        }
        let gate = self.gate.clone();
        let issued = gate.lock().issue(&request.code, now, |holder| self.token(holder, host).ok());
        match issued {
            Ok(((role, seat), Some(token))) => {
                Answer::ok(serde_json::to_string(&JoinReply { seat, role, token }).unwrap_or_default())
            }
            Ok((_, None)) => Answer::error(500, "could not make a token"),
            Err(NotIssued::Unknown) => self.wrong_code(from, now),
            Err(NotIssued::Barred) => {
                Answer::error(403, "the facilitator has closed this code; ask them to readmit you or for a new code")
            }
            Err(NotIssued::Busy(n)) => {
                Answer::busy(format!("{n} joins with this code are under way; try again in a second"))
            }
        }
    }

    fn wrong_code(&mut self, from: IpAddr, now: Instant) -> Answer {
        if !self.wrong.contains_key(&from) && self.wrong.len() >= MAX_ADDRESSES_REMEMBERED {
            self.wrong.retain(|_, v| v.back().is_some_and(|t| now.duration_since(*t) <= WRONG_CODE_WINDOW));
            if self.wrong.len() >= MAX_ADDRESSES_REMEMBERED
                && let Some(oldest) = self.wrong.iter().min_by_key(|(_, v)| v.back().copied()).map(|(ip, _)| *ip)
            {
                self.wrong.remove(&oldest);
            }
        }
        let recent = self.wrong.entry(from).or_default();
        recent.push_back(now);
        while recent.len() > WRONG_CODES_ALLOWED {
            recent.pop_front();
        }
        Answer::error(403, WRONG_CODE)
    }

    /// Addresses the wrong-code table remembers now.
    pub fn remembered(&self) -> usize {
        self.wrong.len()
    }

    /// A fresh connect token: a new client id every time, so a player who dropped without a
    /// goodbye is never blocked by its old connection. Returns the client id, the token's nonce
    /// (which the UDP screen checks) and the token as base64.
    fn token(&self, holder: &Holder, host: Option<&str>) -> Result<(u64, [u8; 24], String), String> {
        let data = TokenData { version: PROTOCOL_VERSION, role: holder.0, seat: holder.1.clone() };
        let user_data = data.to_user_data().ok_or("the seat id is too long for a token")?;
        let client_id = u64::from_le_bytes(generate_random_bytes::<8>());
        // The address the client reached us at comes first (standard clients connect to it);
        // the bound address is the one the server checks.
        let mut addresses = Vec::new();
        if let Some(reached) = host.and_then(|h| reached_addr(h, self.public_addr.port())) {
            addresses.push(reached);
        }
        if !addresses.contains(&self.public_addr) {
            addresses.push(self.public_addr);
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?;
        let token = ConnectToken::generate(
            now,
            protocol_id(),
            TOKEN_EXPIRE_SECONDS,
            client_id,
            CONNECTION_TIMEOUT_SECONDS,
            addresses,
            Some(&user_data),
            &self.key,
        )
        .map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        token.write(&mut bytes).map_err(|e| e.to_string())?;
        Ok((client_id, token.xnonce, base64::engine::general_purpose::STANDARD.encode(bytes)))
    }
}

/// The game address as the client named the host, when it named it by address. Names are not
/// looked up: a lookup would let any request make the server wait on a name server.
fn reached_addr(host: &str, port: u16) -> Option<SocketAddr> {
    let name = match host.rsplit_once(':') {
        Some((name, p)) if p.chars().all(|c| c.is_ascii_digit()) && !name.ends_with(':') => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Codes;

    #[test]
    fn wrong_guesses_slow_an_address_but_never_refuse_a_right_code() {
        let codes = Codes::generate(&[("a".into(), "A".into())]);
        let good = codes.seats[0].2.clone();
        let mut s = JoinService::new(SharedGate::new(codes), [7; 32], "127.0.0.1:7878".parse().unwrap());
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        for _ in 0..WRONG_CODES_ALLOWED {
            let a = s.answer("POST", "/join", br#"{"code":"AAAA-AAAA"}"#, ip, None);
            assert_eq!((a.status, a.delay), (403, Duration::ZERO));
        }
        let body = format!(r#"{{"code":"{good}"}}"#);
        let a = s.answer("POST", "/join", body.as_bytes(), ip, None);
        assert_eq!((a.status, a.delay), (200, PENALTY), "a right code gets in, after the penalty");
        let a = s.answer("POST", "/join", br#"{"code":"AAAA-AAAA"}"#, ip, None);
        assert_eq!((a.status, a.delay), (429, PENALTY));
        let other: IpAddr = "10.0.0.10".parse().unwrap();
        assert_eq!(s.answer("POST", "/join", body.as_bytes(), other, None).delay, Duration::ZERO);
    }

    #[test]
    fn the_wrong_code_table_is_bounded() {
        let codes = Codes::generate(&[("a".into(), "A".into())]);
        let mut s = JoinService::new(SharedGate::new(codes), [7; 32], "127.0.0.1:7878".parse().unwrap());
        for n in 0..(MAX_ADDRESSES_REMEMBERED as u32 + 500) {
            let ip = IpAddr::from(std::net::Ipv6Addr::from(u128::from(n)));
            s.answer("POST", "/join", br#"{"code":"AAAA-AAAA"}"#, ip, None);
        }
        assert!(s.remembered() <= MAX_ADDRESSES_REMEMBERED);
    }
}
