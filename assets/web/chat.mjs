// The chat: a reader's conversations with unread counts, the one shown, new channels, public press.

import { html, useEffect, useLayoutEffect, useRef, useState } from './vendor/preact-htm.mjs';
import { nameOf } from './text.mjs';
import { conversationOf } from './state.mjs';
import { DealList, OfferDialog, dealsBetween } from './offers.mjs';

const MAX_TEXT_CHARS = 1000;
const MAX_CHANNEL_NAME_CHARS = 40;

const RULES = {
  full: ['Full press', 'private messages, group channels and public statements.'],
  public_only: ['Public press only', 'every word is on the record: private messages and channels are closed.'],
  none: ['No press', 'the facilitator has closed every channel; offers of deals still go through.'],
};

const rulesOf = (view) => view.talk?.rules ?? 'full';

/** The conversations to list, each { key, label, title }: public first, then a player's other
 * seats and channels, or the white cell's pairs that spoke and every channel. */
export function conversationsFor(state) {
  const { welcome, view } = state;
  const role = welcome.role;
  const out = [{ key: 'public', label: 'Public', title: 'Everyone reads it, observers included' }];
  if (role === 'player') {
    for (const [id, name] of welcome.nations) {
      if (id !== view.seat) out.push({ key: `seat:${id}`, label: name, title: `Only ${name} and your team read it` });
    }
  } else if (role === 'facilitator') {
    const pairs = new Set(view.press.map((i) => conversationOf(i, null)).filter((k) => k.startsWith('pair:')));
    for (const key of [...pairs].sort()) {
      const [a, b] = key.slice(5).split('|');
      out.push({ key, label: `${nameOf(welcome, a)} ↔ ${nameOf(welcome, b)}`, title: 'Their private messages' });
    }
  } else {
    return out;
  }
  for (const c of view.talk?.channels ?? []) {
    const members = c.members.map((m) => nameOf(welcome, m)).join(', ');
    out.push({ key: `channel:${c.id}`, label: `# ${c.name}`, title: `Channel of ${members}` });
  }
  return out;
}

/** Press not yet read in every conversation, for the tab's label. */
export function unreadCount(state) {
  return Object.values(state.unread ?? {}).reduce((sum, n) => sum + n, 0);
}

/** Where a message to conversation `key` goes. */
function addressOf(key) {
  if (key.startsWith('seat:')) return { Seat: key.slice(5) };
  if (key.startsWith('channel:')) return { Channel: Number(key.slice(8)) };
  return 'Public';
}

/** Why nothing may be written in conversation `key` now, or '' when it may. */
function closedBecause(state, key) {
  const { view } = state;
  if (view.phase !== 'Orders') return 'Messages are sent during the orders phase.';
  const rules = rulesOf(view);
  if (rules === 'none') return 'No press: the facilitator has closed every channel. Offers of deals still go through.';
  if (rules === 'public_only' && key !== 'public') {
    return 'Public press only: private messages and channels are closed, so say it in public. Offers of deals still go through.';
  }
  return '';
}

function offerWaiting(state, key) {
  if (!key.startsWith('seat:')) return false;
  const me = state.view.seat;
  return (state.view.talk?.deals ?? []).some((d) => d.deal.to === me && d.deal.from === key.slice(5) && d.deal.state === 'Offered');
}

function ConversationList({ state, list, current, onPick }) {
  return html`<nav class="conversations" aria-label="Conversations"><ul>
    ${list.map((c) => {
      const n = state.unread[c.key] ?? 0;
      return html`<li key=${c.key}><button type="button" data-testid=${`conv-${c.key.replace(/[:|]/g, '-')}`} data-conv=${c.key}
        aria-current=${c.key === current ? 'true' : 'false'} title=${c.title} onClick=${() => onPick(c.key)}>
        <span class="label">${c.label}</span>
        ${offerWaiting(state, c.key) ? html`<span class="badge">offer</span>` : ''}
        ${n > 0 ? html`<span class="unread" data-testid="unread" aria-label=${`${n} unread`}>${n}</span>` : ''}
      </button></li>`;
    })}
  </ul></nav>`;
}

/** The first press item of each deal is its offer; the others answer it. */
function offerNumbers(press) {
  const first = new Map();
  for (const i of press) if (i.deal != null && !first.has(i.deal)) first.set(i.deal, i.n);
  return first;
}

function Message({ item, state, offers }) {
  const { welcome, view } = state;
  const mine = item.from === view.seat;
  const deal = item.deal != null;
  const tag = deal ? (offers.get(item.deal) === item.n ? `offer ${item.deal}` : `answer, offer ${item.deal}`) : '';
  return html`<li class=${`message${mine ? ' mine' : ''}${deal ? ' deal-line' : ''}`} data-testid="chat-message" data-n=${item.n}
    data-deal=${deal ? String(item.deal) : undefined}>
    <span class="who">${mine ? `${nameOf(welcome, item.from)} (you)` : nameOf(welcome, item.from)}</span>
    <span class="when">turn ${item.turn}</span>
    ${deal ? html`<span class="tag">${tag}</span>` : ''}
    <span class="text">${item.text}</span>
  </li>`;
}

/** The conversation's messages, oldest first, kept scrolled to the newest. */
function Messages({ state, items, empty }) {
  const box = useRef(null);
  const last = items.at(-1)?.n;
  useLayoutEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [last, items.length]);
  const offers = offerNumbers(state.view.press);
  return html`<ol class="messages" data-testid="chat-messages" ref=${box} aria-live="polite" aria-label="Messages">
    ${items.length === 0 ? html`<li class="muted empty">${empty}</li>` : ''}
    ${items.map((i) => html`<${Message} key=${i.n} item=${i} state=${state} offers=${offers} />`)}
  </ol>`;
}

function Composer({ state, send, convKey, label }) {
  const [texts, setTexts] = useState({});
  const [sent, setSent] = useState(null);
  const why = closedBecause(state, convKey);
  const text = texts[convKey] ?? '';
  const setText = (t) => setTexts((all) => ({ ...all, [convKey]: t }));
  // A message the server refused comes back into the box it was written in.
  const tv = state.talkVerdict;
  useEffect(() => {
    if (!sent || !tv || tv.n <= sent.after || tv.what !== 'press') return;
    if (!tv.ok) setTexts((all) => (all[sent.key] ? all : { ...all, [sent.key]: sent.text }));
    setSent(null);
  }, [tv?.n]);
  const submit = (e) => {
    e.preventDefault();
    const t = text.trim();
    if (!t || why) return;
    send({ Press: { to: addressOf(convKey), text: t } });
    setSent({ key: convKey, text: t, after: state.events.at(-1)?.n ?? 0 });
    setText('');
  };
  return html`<form class="composer" onSubmit=${submit} aria-label=${`Write to ${label}`}>
    ${why ? html`<p class="muted closed" data-testid="chat-closed">${why}</p>` : ''}
    <div class="row">
      <input type="text" data-testid="chat-text" maxlength=${MAX_TEXT_CHARS} value=${text} disabled=${!!why}
        onInput=${(e) => setText(e.target.value)} aria-label=${`Message to ${label}`}
        placeholder=${convKey === 'public' ? 'Say it on the record: everyone reads it' : `To ${label} only`} />
      <button type="submit" class="primary" data-testid="chat-send" disabled=${!!why || !text.trim()}>Send</button>
    </div>
  </form>`;
}

/** A new group channel: its name and the seats in it (the one who opens it is in it). */
function NewChannel({ state, store, send }) {
  const { welcome, view } = state;
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [members, setMembers] = useState([]);
  const [waiting, setWaiting] = useState(null);
  const channels = view.talk?.channels ?? [];
  // Once the server has opened it, the new channel is shown.
  useEffect(() => {
    if (!waiting) return;
    const want = [view.seat, ...waiting.members].sort().join(' ');
    const c = channels.find((x) => x.name === waiting.name && [...x.members].sort().join(' ') === want);
    if (c) {
      setWaiting(null);
      store.update(() => ({ chatWith: `channel:${c.id}` }));
    }
  }, [channels.length, waiting]);
  const why = view.phase !== 'Orders' ? 'Channels are opened during the orders phase.'
    : rulesOf(view) !== 'full' ? `A channel is private press, and the facilitator allows ${RULES[rulesOf(view)]?.[0].toLowerCase() ?? 'none'}.` : '';
  const others = welcome.nations.filter(([id]) => id !== view.seat);
  const toggle = (id) => setMembers((m) => (m.includes(id) ? m.filter((x) => x !== id) : [...m, id]));
  const ready = !why && name.trim() && members.length > 0;
  const submit = (e) => {
    e.preventDefault();
    if (!ready) return;
    send({ OpenChannel: { name: name.trim(), members } });
    setWaiting({ name: name.trim(), members });
    setName('');
    setMembers([]);
    setOpen(false);
  };
  return html`<details class="new-channel" open=${open} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary data-testid="new-channel">New channel</summary>
    ${why ? html`<p class="muted">${why}</p>` : html`<form onSubmit=${submit} aria-label="New channel">
      <label class="field">Name <input type="text" data-testid="channel-name" maxlength=${MAX_CHANNEL_NAME_CHARS} value=${name}
        onInput=${(e) => setName(e.target.value)} placeholder="back room" /></label>
      <fieldset class="members"><legend>With</legend>
        ${others.map(([id, n]) => html`<label key=${id}><input type="checkbox" data-testid=${`channel-member-${id}`}
          checked=${members.includes(id)} onChange=${() => toggle(id)} /> ${n}</label>`)}
      </fieldset>
      <button type="submit" data-testid="channel-create" disabled=${!ready}>Open the channel</button>
    </form>`}
  </details>`;
}

function RulesLine({ view }) {
  const rules = rulesOf(view);
  const [title, words] = RULES[rules] ?? [String(rules), ''];
  return html`<p class="press-rules" data-testid="press-rules" data-rules=${rules}><strong>${title}</strong>: ${words}</p>`;
}

function Verdict({ state }) {
  const v = state.talkVerdict;
  return html`<p class=${`verdict ${v ? (v.ok ? 'ok' : 'refused') : ''}`} data-testid="chat-verdict" role="status">${v?.text ?? ''}</p>`;
}

/** The deals of a seat's (or, for the white cell, a pair's) conversation. */
function ConversationDeals({ state, store, send, convKey, label }) {
  const me = state.view.seat;
  const player = state.welcome.role === 'player';
  let pair = null;
  if (convKey.startsWith('seat:') && me) pair = [me, convKey.slice(5)];
  if (convKey.startsWith('pair:')) pair = convKey.slice(5).split('|');
  if (!pair) return '';
  const deals = dealsBetween(state.view, pair[0], pair[1]);
  return html`<section class="conversation-deals" aria-label=${`Deals with ${label}`}>
    <h4>Deals${player ? ` with ${label}` : ''}</h4>
    <${DealList} state=${state} deals=${deals} send=${send} />
    ${player ? html`<${OfferDialog} state=${state} store=${store} send=${send} to=${pair[1]} />` : ''}
  </section>`;
}

export function ChatPanel({ state, store, send }) {
  const { welcome, view } = state;
  const role = welcome.role;
  const player = role === 'player';
  const list = conversationsFor(state);
  const current = list.find((c) => c.key === state.chatWith) ?? list[0];
  const key = current.key;
  // What is shown is read.
  const unread = state.unread[key] ?? 0;
  useEffect(() => {
    if (unread > 0) store.update((s) => ({ unread: { ...s.unread, [key]: 0 } }));
  }, [key, unread]);
  const items = view.press.filter((i) => conversationOf(i, player ? view.seat : null) === key);
  const channel = key.startsWith('channel:') ? view.talk?.channels.find((c) => `channel:${c.id}` === key) : null;
  const readOnly = !player;
  const onPick = (k) => store.update(() => ({ chatWith: k }));
  return html`<section class="chat" data-testid="chat" data-conv=${key}>
    <div class="chat-head"><h3>${list.length > 1 ? 'Chat' : 'Public statements'}</h3><${RulesLine} view=${view} /></div>
    ${player ? html`<${Verdict} state=${state} />` : ''}
    <div class=${`chat-body${list.length > 1 ? '' : ' single'}`}>
      ${list.length > 1 ? html`<div class="chat-side">
        <${ConversationList} state=${state} list=${list} current=${key} onPick=${onPick} />
        ${player ? html`<${NewChannel} state=${state} store=${store} send=${send} />` : ''}
      </div>` : ''}
      <div class="conversation" data-testid="conversation">
        ${list.length > 1 ? html`<h4 class="conversation-title">${current.label}</h4>` : ''}
        ${channel ? html`<p class="muted small">Members: ${channel.members.map((m) => nameOf(welcome, m)).join(', ')}</p>` : ''}
        <${Messages} state=${state} items=${items}
          empty=${key === 'public' ? 'Nothing said in public yet.' : 'Nothing said here yet.'} />
        ${readOnly ? html`<p class="muted small">${role === 'facilitator' ? 'You read every conversation; the seats write in them.' : 'You read what is said in public.'}</p>`
          : html`<${Composer} state=${state} send=${send} convKey=${key} label=${current.label} />`}
        <${ConversationDeals} state=${state} store=${store} send=${send} convKey=${key} label=${current.label} />
      </div>
    </div>
  </section>`;
}

/** The newest public statements, for the big screen. */
export function PublicPress({ state, limit = 4 }) {
  const items = state.view.press.filter((i) => conversationOf(i, null) === 'public').slice(-limit).reverse();
  if (items.length === 0) return '';
  return html`<section class="public-press" data-testid="public-press"><h3>Said in public</h3><ul>
    ${items.map((i) => html`<li key=${i.n}><strong>${nameOf(state.welcome, i.from)}</strong> <span class="muted">(turn ${i.turn})</span>: <span class="text">${i.text}</span></li>`)}
  </ul></section>`;
}
