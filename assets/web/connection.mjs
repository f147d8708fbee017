// Joining a game and staying in it: trade the code for a token at POST /join, open GET /ws with
// it, and when the socket closes ask for a fresh token and open another (a token is good for one
// connection and ten seconds), pausing 0.5 s, then twice as long after each failure, up to 5 s.
// The code is kept in sessionStorage so that a reload joins the same seat again.

import { clean, cleanString } from './text.mjs';
import { initialState, receive } from './state.mjs';

export const PROTOCOL_VERSION = 7;
const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 5000;
// The longest Retry-After honoured, and how long a first join keeps trying a busy server.
const LONGEST_RETRY_AFTER_MS = 8000;
const FIRST_JOIN_GIVES_UP_MS = 30000;
const MAX_NAME_CHARS = 40;
const SAVED = 'truce.join';
// A server message is at most 1 MiB of postcard; as JSON it is larger, but not this large.
const MAX_FRAME_CHARS = 8 * 1024 * 1024;

/** The code and name this tab joined with, if it has. */
export function savedJoin() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SAVED) ?? 'null');
    return saved && typeof saved.code === 'string' ? saved : null;
  } catch {
    return null;
  }
}

/** Asks the join endpoint for a token: the reply, or why not and whether to ask again. */
async function askToken(code) {
  const res = await fetch('/join', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code }),
    cache: 'no-store',
  });
  let body = {};
  try {
    body = clean(await res.json());
  } catch {
    // A refusal without a JSON body still has its status.
  }
  if (res.ok && typeof body.token === 'string') return body;
  const why = typeof body.error === 'string' ? body.error : `the server answered ${res.status}`;
  const after = (Number(res.headers.get('Retry-After')) || 0) * 1000;
  // Busy (503), slow (408) or failing (5xx) asks to be asked again; a wrong or barred code is final.
  const again = res.status === 503 || res.status === 408 || res.status >= 500;
  return { final: !again, why, after };
}

export class Connection {
  constructor(store) {
    this.store = store;
    this.socket = null;
    this.timer = null;
    this.stopped = true;
    this.welcomed = false;
    this.goodbye = null;
    this.pause = FIRST_PAUSE_MS;
    this.since = 0;
    this.code = '';
    this.name = '';
  }

  /** Joins with `code` (any case, dashes or not), as `name` for the facilitator's list. */
  join(code, name) {
    this.stop();
    Object.assign(this, { code, name: cleanString(name).trim().slice(0, MAX_NAME_CHARS) });
    Object.assign(this, { stopped: false, welcomed: false, pause: FIRST_PAUSE_MS, since: Date.now() });
    sessionStorage.setItem(SAVED, JSON.stringify({ code, name: this.name }));
    this.store.update(() => ({ ...initialState(), link: 'joining' }));
    this.attempt();
  }

  /** Leaves the game: closes the socket and forgets the code. */
  leave() {
    this.stop();
    sessionStorage.removeItem(SAVED);
    this.store.update(() => initialState());
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
  }

  /** Sends one message; false when there is no open socket to send it on. */
  send(message) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  async attempt() {
    if (this.stopped) return;
    let answer;
    try {
      answer = await askToken(this.code);
    } catch {
      answer = { final: false, why: 'the server cannot be reached', after: 0 };
    }
    if (this.stopped) return;
    if (answer.token) this.open(answer);
    else if (answer.final) this.refused(answer.why);
    else this.retry(answer.why, answer.after);
  }

  open({ token, role, seat }) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/ws?version=${PROTOCOL_VERSION}&token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.goodbye = null;
    this.store.update(() => ({ role, seat }));
    socket.onopen = () => {
      if (this.name) this.send({ Hello: { name: this.name } });
    };
    socket.onmessage = (e) => this.onText(e.data);
    socket.onclose = () => this.closed(socket);
  }

  onText(data) {
    if (typeof data !== 'string' || data.length > MAX_FRAME_CHARS) return;
    let message;
    try {
      message = clean(JSON.parse(data));
    } catch {
      return;
    }
    if (!message || typeof message !== 'object' || Array.isArray(message)) return;
    const extra = {};
    if (message.Welcome) {
      // The pause starts over once a welcome comes.
      Object.assign(this, { welcomed: true, pause: FIRST_PAUSE_MS });
      Object.assign(extra, { link: 'open', linkWhy: '', goodbye: null });
    }
    if (message.Goodbye) this.goodbye = message.Goodbye;
    const [change, replies] = receive(this.store.get(), message, performance.now());
    this.store.update(() => ({ ...change, ...extra }));
    for (const reply of replies) this.send(reply);
  }

  closed(socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.stopped) return;
    const bye = this.goodbye;
    if (bye && !bye.rejoin) {
      // Kicked, or the code replaced: trying again would be refused. The view stays on screen.
      this.stopped = true;
      sessionStorage.removeItem(SAVED);
      this.store.update(() => ({ link: 'closed', linkWhy: bye.reason }));
      return;
    }
    this.retry(bye ? bye.reason : 'the connection was lost', 0);
  }

  /** A final refusal: before any welcome, back to the join screen with the reason. */
  refused(why) {
    this.stopped = true;
    sessionStorage.removeItem(SAVED);
    if (this.welcomed) this.store.update(() => ({ link: 'closed', linkWhy: why }));
    else this.store.update(() => ({ ...initialState(), joinError: why }));
  }

  retry(why, afterMs) {
    if (!this.welcomed && Date.now() - this.since > FIRST_JOIN_GIVES_UP_MS) {
      this.refused(`${why}; try again in a moment`);
      return;
    }
    const wait = Math.max(this.pause, Math.min(afterMs, LONGEST_RETRY_AFTER_MS));
    // Up to a quarter more at random, so that a class's laptops do not all ask at once.
    this.timer = setTimeout(() => this.attempt(), wait * (1 + Math.random() * 0.25));
    this.pause = Math.min(this.pause * 2, LONGEST_PAUSE_MS);
    this.store.update(() => ({ link: this.welcomed ? 'reconnecting' : 'joining', linkWhy: why }));
  }
}
