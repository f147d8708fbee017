//! Joining: the game's join codes, and the HTTP endpoint (`POST /join`) that trades a code for a
//! short-lived connect token naming the seat and role. Wrong guesses from one address are slowed.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use renetcode::{ConnectToken, generate_random_bytes};
use serde::{Deserialize, Serialize};

use crate::protocol::{
    CONNECTION_TIMEOUT_SECONDS, JoinError, JoinReply, JoinRequest, MAX_CODE_CHARS, MAX_JOIN_BODY_BYTES,
    PROTOCOL_VERSION, Role, TOKEN_EXPIRE_SECONDS, TokenData, protocol_id,
};

/// Letters and digits that cannot be mistaken for each other when read aloud or off a board
/// (no 0/O, 1/I/L, 8/B, S).
const ALPHABET: &[u8] = b"2345679ACDEFGHJKMNPQRTUVWXYZ";
/// Characters in a code (shown as two groups of four): 28^8 ≈ 3.8e11 codes.
const CODE_LEN: usize = 8;
/// Wrong codes allowed from one address per window before it must wait.
const WRONG_CODES_ALLOWED: usize = 10;
const WRONG_CODE_WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most (the oldest are forgotten first).
const MAX_ADDRESSES_REMEMBERED: usize = 10_000;

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

    /// What a code opens: the role and, for a player, the seat.
    pub fn lookup(&self, code: &str) -> Option<(Role, Option<String>)> {
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
        let width = self.seats.iter().map(|(_, n, _)| n.chars().count()).max().unwrap_or(0).max(24);
        let mut out = format!("Join with:  truce join {address} --code CODE\n\n");
        out.push_str(&format!("  {:<width$}  {:<16}  CODE\n", "SEAT", "ID"));
        for (id, name, code) in &self.seats {
            out.push_str(&format!("  {name:<width$}  {id:<16}  {code}\n"));
        }
        out.push('\n');
        for (what, code) in [
            ("Facilitator", &self.facilitator),
            ("Observers (public view)", &self.observer),
            ("Projector (white cell view)", &self.projector),
        ] {
            out.push_str(&format!("  {what:<width$}  {:<16}  {code}\n", ""));
        }
        out
    }
}

/// Mints connect tokens for codes; the HTTP endpoint's logic without the HTTP.
pub struct JoinService {
    pub codes: Arc<Codes>,
    key: [u8; 32],
    /// The address the game's UDP socket is bound to (named in every token).
    public_addr: SocketAddr,
    wrong: HashMap<IpAddr, VecDeque<Instant>>,
}

/// An answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
}

impl Answer {
    fn error(status: u16, error: impl Into<String>) -> Answer {
        let body = serde_json::to_string(&JoinError { error: error.into() }).unwrap_or_default();
        Answer { status, body, retry_after: None }
    }
}

impl JoinService {
    pub fn new(codes: Arc<Codes>, key: [u8; 32], public_addr: SocketAddr) -> JoinService {
        JoinService { codes, key, public_addr, wrong: HashMap::new() }
    }

    /// Answers one request. `host` is the request's Host header (the address the client used).
    pub fn answer(&mut self, method: &str, path: &str, body: &[u8], from: IpAddr, host: Option<&str>) -> Answer {
        let path = path.split('?').next().unwrap_or(path);
        match (method, path) {
            ("POST", "/join") => self.join(body, from, host),
            ("GET", "/") | ("GET", "/status") => Answer {
                status: 200,
                body: serde_json::json!({ "game": "truce", "protocol_version": PROTOCOL_VERSION }).to_string(),
                retry_after: None,
            },
            (_, "/join") => Answer::error(405, "use POST /join with {\"code\": \"...\"}"),
            _ => Answer::error(404, "not found; POST /join with {\"code\": \"...\"}"),
        }
    }

    fn join(&mut self, body: &[u8], from: IpAddr, host: Option<&str>) -> Answer {
        let now = Instant::now();
        let recent = self.wrong.entry(from).or_default();
        while recent.front().is_some_and(|t| now.duration_since(*t) > WRONG_CODE_WINDOW) {
            recent.pop_front();
        }
        if recent.len() >= WRONG_CODES_ALLOWED {
            let wait = recent.front().map_or(WRONG_CODE_WINDOW, |t| WRONG_CODE_WINDOW.saturating_sub(now - *t));
            let mut a = Answer::error(429, format!("too many wrong codes; try again in {} s", wait.as_secs() + 1));
            a.retry_after = Some(wait.as_secs() + 1);
            return a;
        }
        let request: JoinRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return Answer::error(400, format!("the body must be JSON {{\"code\": \"...\"}}: {e}")),
        };
        if request.code.chars().count() > MAX_CODE_CHARS {
            return self.wrong_code(from, now);
        }
        let Some((role, seat)) = self.codes.lookup(&request.code) else {
            return self.wrong_code(from, now);
        };
        match self.token(role, seat.clone(), host) {
            Ok(token) => Answer {
                status: 200,
                body: serde_json::to_string(&JoinReply { seat, role, token }).unwrap_or_default(),
                retry_after: None,
            },
            Err(e) => Answer::error(500, format!("could not make a token: {e}")),
        }
    }

    fn wrong_code(&mut self, from: IpAddr, now: Instant) -> Answer {
        if self.wrong.len() > MAX_ADDRESSES_REMEMBERED {
            self.wrong.retain(|_, v| v.back().is_some_and(|t| now.duration_since(*t) <= WRONG_CODE_WINDOW));
        }
        self.wrong.entry(from).or_default().push_back(now);
        Answer::error(403, "no seat has that code; check it with your facilitator")
    }

    /// A fresh connect token: a new client id every time, so a player who dropped without a
    /// goodbye is never blocked by its old connection.
    fn token(&self, role: Role, seat: Option<String>, host: Option<&str>) -> Result<String, String> {
        let data = TokenData { version: PROTOCOL_VERSION, role, seat };
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
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
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

/// Requests answered at once, at most, over all addresses and from one address: a request whose
/// body never comes holds one of them, never the endpoint.
const MAX_REQUESTS_IN_FLIGHT: usize = 32;
const MAX_REQUESTS_IN_FLIGHT_PER_ADDRESS: usize = 4;

/// Serves the join endpoint on `listener` until the process ends: each request on a thread of
/// its own, within the limits above.
pub fn serve_http(listener: TcpListener, service: JoinService) -> std::io::Result<std::thread::JoinHandle<()>> {
    let server = tiny_http::Server::from_listener(listener, None).map_err(std::io::Error::other)?;
    let service = Arc::new(Mutex::new(service));
    let in_flight: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::new(Mutex::new(HashMap::new()));
    Ok(std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let from = request.remote_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
            let refusal = match request.body_length() {
                _ if request.method() != &tiny_http::Method::Post => None,
                None => Some(Answer::error(411, "send the body with a Content-Length")),
                Some(n) if n > MAX_JOIN_BODY_BYTES => {
                    Some(Answer::error(413, format!("the body is limited to {MAX_JOIN_BODY_BYTES} bytes")))
                }
                Some(_) => None,
            };
            if let Some(answer) = refusal {
                respond(request, answer);
                continue;
            }
            let admitted = {
                let Ok(mut counts) = in_flight.lock() else { continue };
                let total: usize = counts.values().sum();
                let mine = counts.entry(from).or_default();
                if total >= MAX_REQUESTS_IN_FLIGHT || *mine >= MAX_REQUESTS_IN_FLIGHT_PER_ADDRESS {
                    false
                } else {
                    *mine += 1;
                    true
                }
            };
            if !admitted {
                let mut answer = Answer::error(503, "busy; try again in a second");
                answer.retry_after = Some(1);
                respond(request, answer);
                continue;
            }
            let (service, in_flight) = (service.clone(), in_flight.clone());
            std::thread::spawn(move || {
                answer_one(request, from, &service);
                if let Ok(mut counts) = in_flight.lock()
                    && let Some(n) = counts.get_mut(&from)
                {
                    *n -= 1;
                    if *n == 0 {
                        counts.remove(&from);
                    }
                }
            });
        }
    }))
}

fn answer_one(mut request: tiny_http::Request, from: IpAddr, service: &Mutex<JoinService>) {
    let host = request.headers().iter().find(|h| h.field.equiv("Host")).map(|h| h.value.as_str().to_string());
    let mut body = Vec::new();
    let read = request.as_reader().take(MAX_JOIN_BODY_BYTES as u64 + 1).read_to_end(&mut body);
    let answer = if body.len() > MAX_JOIN_BODY_BYTES {
        Answer::error(413, format!("the body is limited to {MAX_JOIN_BODY_BYTES} bytes"))
    } else if read.is_err() {
        Answer::error(400, "could not read the body")
    } else {
        let method = request.method().as_str().to_string();
        let url = request.url().to_string();
        match service.lock() {
            Ok(mut s) => s.answer(&method, &url, &body, from, host.as_deref()),
            Err(_) => Answer::error(500, "the join service failed"),
        }
    };
    respond(request, answer);
}

fn respond(request: tiny_http::Request, answer: Answer) {
    let mut response = tiny_http::Response::from_string(answer.body).with_status_code(answer.status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "application/json") {
        response.add_header(h);
    }
    if let Some(secs) = answer.retry_after
        && let Ok(h) = tiny_http::Header::from_bytes("Retry-After", secs.to_string())
    {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_distinct() {
        let codes = Codes::generate(&[("a".into(), "A".into()), ("b".into(), "B".into())]);
        let all = [&codes.seats[0].2, &codes.seats[1].2, &codes.facilitator, &codes.observer, &codes.projector];
        for c in all {
            assert_eq!(c.len(), 9, "{c}");
            assert!(normalise(c).bytes().all(|b| ALPHABET.contains(&b)), "{c}");
        }
        let set: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(set.len(), 5);
        let typed = codes.seats[1].2.to_lowercase().replace('-', " ");
        assert_eq!(codes.lookup(&typed), Some((Role::Player, Some("b".into()))));
    }

    #[test]
    fn wrong_guesses_are_slowed() {
        let codes = Arc::new(Codes::generate(&[("a".into(), "A".into())]));
        let good = codes.seats[0].2.clone();
        let mut s = JoinService::new(codes, [7; 32], "127.0.0.1:7878".parse().unwrap());
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        for _ in 0..WRONG_CODES_ALLOWED {
            assert_eq!(s.answer("POST", "/join", br#"{"code":"AAAA-AAAA"}"#, ip, None).status, 403);
        }
        let body = format!(r#"{{"code":"{good}"}}"#);
        assert_eq!(s.answer("POST", "/join", body.as_bytes(), ip, None).status, 429);
        let other: IpAddr = "10.0.0.10".parse().unwrap();
        assert_eq!(s.answer("POST", "/join", body.as_bytes(), other, None).status, 200);
    }
}
