// What the client knows: the welcome, the view kept up to date by patches (and its press by each
// `Press` as it is said), the stories and pages asked for, the menu being built from, the
// conversations not yet read, and the answers the server gave. `receive` takes one server message
// into the state and says what must be sent back (a `Refresh` when a patch does not fit); it
// never touches the network, so it reads like the protocol.

import { useLayoutEffect, useState } from './vendor/preact-htm.mjs';

/** Answers, refusals and notices kept, newest last: enough for a class, bounded all the same. */
export const MAX_EVENTS = 500;
/** Turns' stories kept. */
export const MAX_STORIES = 500;
/** Press items kept in the view, newest last: as many as a full view carries. */
export const MAX_PRESS = 200;

export function initialState() {
  return {
    // 'join' (the join screen), 'joining', 'open', 'reconnecting', 'closed'.
    link: 'join',
    linkWhy: '',
    joinError: '',
    role: null,
    seat: null,
    welcome: null,
    view: null,
    // When `view.clock` was read, on this page's clock: the countdown runs from it.
    clockAt: 0,
    stories: {},
    // The turn the story panel shows; null follows the newest.
    storyTurn: null,
    page: null,
    // The kind asked for with `Menu`, and the server's answer once it came.
    menuKind: null,
    menu: null,
    verdict: null,
    // The server's last answer about press, channels, offers and answers, shown in the chat.
    talkVerdict: null,
    // The conversation the chat shows (a key of `conversationOf`), and the press not yet read
    // in each conversation since this page joined.
    chatWith: 'public',
    unread: {},
    events: [],
    goodbye: null,
  };
}

/** A tiny store: components subscribe with `useStore`, the connection updates it. */
export function createStore(state) {
  const listeners = new Set();
  return {
    get: () => state,
    update(change) {
      state = { ...state, ...change(state) };
      for (const l of listeners) l(state);
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

export function useStore(store) {
  const [state, setState] = useState(store.get());
  useLayoutEffect(() => {
    const unsubscribe = store.subscribe(setState);
    // Messages may have come between the first render and this subscription: catch up.
    setState(store.get());
    return unsubscribe;
  }, [store]);
  return state;
}

/** The events with one more at the end, the oldest forgotten past `MAX_EVENTS`. */
export function withEvent(state, kind, text) {
  const n = (state.events.at(-1)?.n ?? 0) + 1;
  const events = [...state.events, { n, kind, text, at: Date.now() }];
  return events.length > MAX_EVENTS ? events.slice(events.length - MAX_EVENTS) : events;
}

function withStory(stories, story) {
  if (!story) return stories;
  const next = { ...stories, [story.turn]: story };
  const turns = Object.keys(next).map(Number).sort((a, b) => a - b);
  for (const t of turns.slice(0, Math.max(0, turns.length - MAX_STORIES))) delete next[t];
  return next;
}

/** The newest turn whose story the client holds, or null. */
export function newestStory(state) {
  const turns = Object.keys(state.stories).map(Number);
  return turns.length ? Math.max(...turns) : null;
}

/** The turn the story panel shows. */
export function shownTurn(state) {
  return state.storyTurn ?? newestStory(state);
}

/** The last turn resolved, as far as the client can tell. */
export function lastResolved(state) {
  const v = state.view;
  const fromView = v ? (v.phase === 'GameOver' || v.phase === 'Briefing' ? v.turn : v.turn - 1) : 0;
  return Math.max(newestStory(state) ?? 0, fromView, 0);
}

export function verdictWords(v) {
  if (!v.accepted) return `✘ ${v.what} refused: ${v.reason}`;
  return v.id == null ? `✔ ${v.what} done` : `✔ ${v.what} accepted as order ${v.id} (cost ${v.cost})`;
}

// Answers about a seat's orders: a refusal of these is shown where the verdicts are.
const SEAT_WORDS = new Set(['order', 'lock', 'unlock', 'retract', 'menu']);
// Answers about negotiation: shown in the chat.
const TALK_WORDS = new Set(['press', 'channel', 'offer', 'answer']);
const TALK_DONE = /^(press|channel|offer|answer) (\d+)$/;

/** The conversation a piece of press belongs to, for a reader whose seat is `me` (null: the
 * white cell or an observer): 'public', 'channel:<id>', 'seat:<the other seat>' for a seat, or
 * 'pair:<a>|<b>' (the two seats in order) for those who read every seat's messages. */
export function conversationOf(item, me) {
  const to = item?.to;
  if (to === 'Public' || to == null || typeof to !== 'object') return 'public';
  if ('Channel' in to) return `channel:${to.Channel}`;
  const them = String(to.Seat);
  if (me) return `seat:${item.from === me ? them : item.from}`;
  const [a, b] = [String(item.from), them].sort();
  return `pair:${a}|${b}`;
}

function isPressItem(m) {
  return m && typeof m === 'object' && Number.isInteger(m.n) && typeof m.from === 'string' && typeof m.text === 'string';
}

/** The press with `item` in its place (by number), once, the oldest forgotten past `MAX_PRESS`. */
function withPress(press, item) {
  if (press.some((p) => p.n === item.n)) return press;
  const next = [...press, item].sort((a, b) => a.n - b.n);
  return next.length > MAX_PRESS ? next.slice(next.length - MAX_PRESS) : next;
}

/** A piece of press said now: into the view's press, and unread in its conversation unless this
 * page's seat said it (or it is already held). */
function takePress(state, item) {
  const v = state.view;
  if (!v || !isPressItem(item)) return {};
  const press = Array.isArray(v.press) ? v.press : [];
  const next = withPress(press, item);
  if (next === press) return {};
  const change = { view: { ...v, press: next } };
  if (item.from !== v.seat) {
    const key = conversationOf(item, v.seat);
    change.unread = { ...state.unread, [key]: (state.unread[key] ?? 0) + 1 };
  }
  return change;
}

/** The chat's line about what the server did (none for a message: it shows itself). */
function talkWords(what, n) {
  switch (what) {
    case 'channel': return `✔ channel ${n} opened`;
    case 'offer': return `✔ offer ${n} sent: it waits for their answer until the turn resolves`;
    case 'answer': return `✔ your answer to offer ${n} was sent`;
    default: return '';
  }
}

function applyPatch(state, patch, now) {
  if (!state.view || state.view.id !== patch.base) return [{}, ['Refresh']];
  const view = { ...state.view, id: patch.id };
  // A key absent did not change; a key present (even as null) holds the new value. The press is
  // never patched: it grows by `Press` messages.
  for (const [k, v] of Object.entries(patch)) if (k !== 'base' && k !== 'id' && k !== 'press') view[k] = v;
  const change = { view, stories: withStory(state.stories, patch.story) };
  if ('clock' in patch) change.clockAt = now;
  if ('turn' in patch || 'phase' in patch) {
    // Last turn's verdicts and menu say nothing of this one.
    if ('turn' in patch) Object.assign(change, { verdict: null, talkVerdict: null });
    change.menu = null;
    change.menuKind = null;
    return [change, []];
  }
  // The draft changed (a team-mate's order, say): what the rules would take may have too, so the
  // menu being built from is asked for again; the old one stays shown until the answer comes.
  const again = 'draft' in patch && state.menuKind && view.phase === 'Orders';
  return [change, again ? [{ Menu: { kind: state.menuKind } }] : []];
}

/** Takes one server message in: [the change to the state, the messages to send]. */
export function receive(state, message, now) {
  const [variant, m] = Object.entries(message)[0] ?? [];
  switch (variant) {
    case 'Welcome':
      return [{ welcome: m, role: m.role, seat: m.seat }, []];
    case 'View': {
      // A full view (on connecting, or after a refresh): a menu held may be of another turn.
      const again = state.menuKind && m.phase === 'Orders' && state.view?.turn === m.turn;
      const press = (Array.isArray(m.press) ? m.press : []).filter(isPressItem).sort((a, b) => a.n - b.n).slice(-MAX_PRESS);
      const view = { ...m, press };
      const change = { view, clockAt: now, stories: withStory(state.stories, m.story), menu: null };
      if (!again) change.menuKind = null;
      return [change, again ? [{ Menu: { kind: state.menuKind } }] : []];
    }
    case 'Patch':
      return applyPatch(state, m, now);
    case 'Verdict':
      return [{ verdict: { ok: m.accepted, text: verdictWords(m) }, events: withEvent(state, 'verdict', verdictWords(m)) }, []];
    case 'Refused': {
      const text = `✘ ${m.what} refused: ${m.reason}`;
      const events = withEvent(state, 'refused', text);
      const change = { events };
      if (SEAT_WORDS.has(m.what)) change.verdict = { ok: false, text };
      if (TALK_WORDS.has(m.what)) change.talkVerdict = { ok: false, text, what: m.what, n: events.at(-1).n };
      if (m.what === 'menu') change.menuKind = null;
      return [change, []];
    }
    case 'Done': {
      const events = withEvent(state, 'done', `✔ ${m.what}`);
      const talk = TALK_DONE.exec(String(m.what));
      if (!talk) return [{ events }, []];
      // A message sent shows itself in the conversation: only a refusal before it is cleared.
      const text = talkWords(talk[1], talk[2]);
      return [{ events, talkVerdict: text ? { ok: true, text, what: talk[1], n: events.at(-1).n } : null }, []];
    }
    case 'Press':
      return [takePress(state, m), []];
    case 'Clock':
      return [state.view ? { view: { ...state.view, clock: m }, clockAt: now } : {}, []];
    case 'Seats':
      return [state.view ? { view: { ...state.view, seats: m } } : {}, []];
    case 'Notice':
      return [{ events: withEvent(state, 'notice', m) }, []];
    case 'Goodbye':
      return [{ goodbye: m, events: withEvent(state, 'link', `The server closed this connection: ${m.reason}`) }, []];
    case 'Story':
      return [{ stories: withStory(state.stories, m) }, []];
    case 'Incidents':
      return [m.turn === shownTurn(state) ? { page: m } : {}, []];
    case 'Menu': {
      const current = state.view && m.turn === state.view.turn && m.kind === state.menuKind;
      return [current ? { menu: m } : {}, []];
    }
    default:
      return [{}, []];
  }
}

/** The time left in the phase at `now`, counted down from what the server last said. */
export function remainingMs(state, now) {
  const clock = state.view?.clock;
  if (!clock || clock.remaining_ms == null) return null;
  if (clock.paused) return clock.remaining_ms;
  return Math.max(0, clock.remaining_ms - (now - state.clockAt));
}
