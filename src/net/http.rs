//! The HTTP side of the game's port: hyper, routed by axum, on a tokio runtime of its own thread,
//! with every limit a hostile network needs. It serves the join endpoint, the browser client, the
//! protocol's schema and the WebSocket upgrade; it talks to the game only through the join
//! service, the shared gate and the socket door; if it ever fails it says so and starts again.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Extension, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use bevy::log::error;
use http_body_util::{BodyExt, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::join::{Answer, JoinService};
use super::web;
use super::ws::{Ask, SocketDoor};
use crate::protocol::MAX_JOIN_BODY_BYTES;

/// Bytes of request line and headers read at most (hyper's smallest buffer); more is answered 431.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Headers in one request at most.
pub const MAX_HEADERS: usize = 32;
/// Time for a request's headers to arrive, from the connection's start or the previous answer.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for a request's body to arrive once its headers have.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a connection stays open, whatever it does (joining takes one request).
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);
/// Connections open at once, over all addresses and from one address. A new connection from an
/// address holding its most takes the place of that address's oldest; past the total, the address
/// holding the most gives up its oldest. Nobody is ever refused: a browser opens several
/// connections for one page, and a whole class may sit behind one router's address, so an address
/// that holds many can only make its own oldest connections (idle ones, most likely) give way.
pub const MAX_CONNECTIONS: usize = 512;
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 128;
/// After a failed accept (no file descriptors left, say), wait this long before the next.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What every connection task shares.
struct Shared {
    service: Mutex<JoinService>,
    open: Mutex<Open>,
    sockets: Arc<SocketDoor>,
}

/// The connections open now, oldest first for each address, each with the means to close it.
#[derive(Default)]
struct Open {
    total: usize,
    next_id: u64,
    by_address: HashMap<IpAddr, VecDeque<(u64, oneshot::Sender<()>)>>,
}

impl Shared {
    fn service(&self) -> MutexGuard<'_, JoinService> {
        self.service.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for one more connection from `ip`, and what closes it early. When the address
    /// holds its most, its own oldest connection makes room; when every place is taken, the
    /// oldest connection of the address holding the most does: a few addresses holding
    /// connections open cannot keep a student out.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> (Place, oneshot::Receiver<()>) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.by_address.get(&ip).map_or(0, VecDeque::len) >= MAX_CONNECTIONS_PER_ADDRESS {
            open.close_oldest(ip);
        }
        if open.total >= MAX_CONNECTIONS
            && let Some(greediest) = open.by_address.iter().max_by_key(|(_, c)| c.len()).map(|(a, _)| *a)
        {
            open.close_oldest(greediest);
        }
        let id = open.next_id;
        open.next_id += 1;
        open.total += 1;
        let (close, closed) = oneshot::channel();
        open.by_address.entry(ip).or_default().push_back((id, close));
        (Place { shared: self.clone(), ip, id }, closed)
    }
}

impl Open {
    /// Closes the oldest connection of `ip`, counting it out at once.
    fn close_oldest(&mut self, ip: IpAddr) {
        if let Some((_, close)) = self.by_address.get_mut(&ip).and_then(VecDeque::pop_front) {
            let _ = close.send(());
            self.total -= 1;
        }
    }
}

/// A connection's place; given back when the connection ends, however it ends.
struct Place {
    shared: Arc<Shared>,
    ip: IpAddr,
    id: u64,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.shared.open.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = open.by_address.get_mut(&self.ip) else { return };
        let before = list.len();
        list.retain(|(id, _)| *id != self.id);
        let removed = before - list.len();
        if list.is_empty() {
            open.by_address.remove(&self.ip);
        }
        // A connection closed to make room was counted out already.
        open.total -= removed;
    }
}

/// The peer of the connection a request came on.
#[derive(Clone, Copy, Debug)]
struct Peer(SocketAddr);

/// Serves the HTTP side on `listener` until the process ends, on a thread of its own.
pub fn serve_http(
    listener: std::net::TcpListener,
    service: JoinService,
    sockets: Arc<SocketDoor>,
) -> io::Result<std::thread::JoinHandle<()>> {
    listener.set_nonblocking(true)?;
    let shared = Arc::new(Shared { service: Mutex::new(service), open: Mutex::new(Open::default()), sockets });
    std::thread::Builder::new()
        .name("truce-http".into())
        .spawn(move || supervise(|| run(&listener, shared.clone()), Duration::from_millis(500)))
}

/// Runs `life` again after every failure or panic, saying so on the console, until it ends
/// without one (the HTTP side never does).
fn supervise(mut life: impl FnMut() -> io::Result<()>, pause: Duration) {
    loop {
        let why = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut life)) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(panic) => panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into()),
        };
        error!("the join endpoint failed ({why}); starting it again");
        std::thread::sleep(pause);
    }
}

/// One life of the HTTP side: a runtime and the accept loop.
fn run(listener: &std::net::TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let listener = listener.try_clone()?;
    runtime.block_on(async move { accept_loop(TcpListener::from_std(listener)?, shared).await })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let app = router(shared.clone());
    let mut last_complaint: Option<tokio::time::Instant> = None;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors or memory, or a connection reset before it was taken: none
                // of it is a reason to stop listening.
                if last_complaint.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                    error!("the join endpoint could not accept a connection: {e}");
                    last_complaint = Some(tokio::time::Instant::now());
                }
                tokio::time::sleep(ACCEPT_PAUSE).await;
                continue;
            }
        };
        let (place, closed) = shared.admit(peer.ip());
        // Answers and socket frames go out as soon as they are written, not held back to be
        // merged with the next (which would wait on the peer's delayed acknowledgement).
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let service = TowerToHyperService::new(app.layer(Extension(Peer(peer))));
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEADER_BYTES)
                .max_headers(MAX_HEADERS)
                .keep_alive(true);
            // An upgraded connection (a WebSocket) leaves this task and its place: sockets are
            // counted and timed by the socket door.
            let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
            tokio::select! {
                _ = tokio::time::timeout(CONNECTION_LIFETIME, connection) => {}
                _ = closed => {}
            }
            drop(place);
        });
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/join", post(join).fallback(misrouted))
        .route("/status", get(status))
        .route("/ws", get(socket))
        .route("/schema.json", get(schema))
        .fallback(any(misrouted))
        .with_state(shared)
}

async fn status(State(shared): State<Arc<Shared>>, Extension(Peer(peer)): Extension<Peer>) -> Response {
    let answer = shared.service().answer("GET", "/status", &[], peer.ip(), None);
    respond(answer).await
}

/// `GET /ws`: a WebSocket for a token from `POST /join` (see `ws::upgrade`).
async fn socket(
    State(shared): State<Arc<Shared>>,
    ask: Result<Query<Ask>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(e) => return respond(Answer::error(400, format!("GET /ws takes a WebSocket handshake: {e}"))).await,
    };
    let Ok(Query(ask)) = ask else {
        return respond(Answer::error(400, "GET /ws?version=N&token=T: the version is a number")).await;
    };
    match super::ws::upgrade(shared.sockets.clone(), ask, &headers, upgrade) {
        Ok(response) => response,
        Err(refusal) => respond(refusal).await,
    }
}

/// `GET /schema.json`: the JSON Schema of every message, made once from the types.
async fn schema() -> Response {
    static SCHEMA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let text = SCHEMA.get_or_init(|| serde_json::to_string_pretty(&crate::protocol::schema()).unwrap_or_default());
    let mut response = (StatusCode::OK, text.clone()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/schema+json"));
    secure(response.headers_mut());
    response
}

/// A file of the browser client.
fn page(path: &str) -> Option<Response> {
    let (bytes, kind) = web::file(path)?;
    let mut response = (StatusCode::OK, Body::from(bytes.into_owned())).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // A new server may bring a new client: the browser asks again each time (it is small).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(headers);
    Some(response)
}

/// The headers every answer carries: the pages' policy, and no sniffing, framing or referrers.
fn secure(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(web::CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// Anything else: a file of the browser client, or the join service says what (404, or 405 for
/// `/join`).
async fn misrouted(
    State(shared): State<Arc<Shared>>,
    Extension(Peer(peer)): Extension<Peer>,
    request: Request,
) -> Response {
    let (method, path) = (request.method().as_str().to_string(), request.uri().path().to_string());
    if method == "GET"
        && let Some(response) = page(path.trim_start_matches('/'))
    {
        return response;
    }
    let answer = shared.service().answer(&method, &path, &[], peer.ip(), None);
    respond(answer).await
}

async fn join(State(shared): State<Arc<Shared>>, Extension(Peer(peer)): Extension<Peer>, request: Request) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
    let (parts, body) = request.into_parts();
    let answer = match read_body(&parts.headers, body).await {
        Ok(body) => shared.service().answer("POST", "/join", &body, peer.ip(), host.as_deref()),
        Err(refusal) => refusal,
    };
    respond(answer).await
}

/// The body of a request, refused before a byte of it is read if its declared size is missing
/// or too large, and refused if it does not all come within `BODY_TIMEOUT`.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Answer> {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return Err(Answer::error(411, "send the body with a Content-Length, not in chunks"));
    }
    let Some(declared) = headers.get(header::CONTENT_LENGTH) else {
        return Err(Answer::error(411, "send the body with a Content-Length"));
    };
    let declared: u64 = declared.to_str().ok().and_then(|v| v.trim().parse().ok()).unwrap_or(u64::MAX);
    if declared > MAX_JOIN_BODY_BYTES as u64 {
        return Err(Answer::error(413, format!("the body is limited to {MAX_JOIN_BODY_BYTES} bytes")));
    }
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_JOIN_BODY_BYTES).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
        Ok(Err(_)) => Err(Answer::error(400, "could not read the body")),
        Err(_) => Err(Answer::error(408, format!("the body did not come within {} s", BODY_TIMEOUT.as_secs()))),
    }
}

async fn respond(answer: Answer) -> Response {
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    secure(headers);
    if let Some(secs) = answer.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        headers.insert(header::RETRY_AFTER, v);
    }
    if matches!(answer.status, 408 | 411 | 413) {
        // What is left of the body is not read: the connection cannot carry another request.
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_or_panicking_http_side_is_started_again() {
        let mut lives = 0;
        supervise(
            || {
                lives += 1;
                match lives {
                    1 => panic!("a bug"),
                    2 => Err(io::Error::other("no runtime")),
                    _ => Ok(()),
                }
            },
            Duration::ZERO,
        );
        assert_eq!(lives, 3);
    }
}
