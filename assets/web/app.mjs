// The browser client of Truce: the join screen, then the screen of the role the code gives — a
// player's seat, the public view for observers and the projector, or the facilitator's white cell.

import { html, render, useEffect, useState } from './vendor/preact-htm.mjs';
import { Connection, savedJoin } from './connection.mjs';
import { createStore, initialState, useStore, withEvent } from './state.mjs';
import { nameOf, normaliseCode } from './text.mjs';
import { LineMap, SectorDetails } from './map.mjs';
import { StoryPanel } from './story.mjs';
import { Answers, DebriefPanel, GoalsPanel, SeatChips, SeatsPanel, Tabs } from './panels.mjs';
import { OrdersPanel } from './orders.mjs';
import { Commands, SeatCommands, WhiteCell } from './facilitator.mjs';
import { ChatPanel, PublicPress, unreadCount } from './chat.mjs';
import { LinkStatus, Notices, TopBar } from './topbar.mjs';

const store = createStore(initialState());
const connection = new Connection(store);
/** Sends a message; when there is no connection to send it on, says so where answers are shown. */
function send(message) {
  if (connection.send(message)) return;
  const text = '✘ not sent: the connection is down; joining again…';
  store.update((s) => ({ verdict: { ok: false, text }, events: withEvent(s, 'refused', text) }));
}

function JoinScreen({ state }) {
  const params = new URLSearchParams(location.search);
  const [code, setCode] = useState(params.get('code') ?? '');
  const [name, setName] = useState('');
  const [why, setWhy] = useState('');
  const joining = state.link === 'joining';
  const submit = (e) => {
    e.preventDefault();
    const clean = normaliseCode(code);
    if (!clean) {
      setWhy('Type the code your facilitator gave you (such as K7QM-3RXP).');
      return;
    }
    setWhy('');
    connection.join(clean, name);
  };
  const error = why || state.joinError;
  return html`<main class="join-screen">
    <h1>Truce</h1>
    <p>A game about guarding a ceasefire. Join with the code your facilitator gave you; case and dashes do not matter.</p>
    <form onSubmit=${submit} aria-label="Join a game">
      <label>Join code
        <input type="text" data-testid="join-code" value=${code} onInput=${(e) => setCode(e.target.value)}
          autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32" placeholder="K7QM-3RXP" /></label>
      <label><span>Your name <span class="muted">(shown to the facilitator)</span></span>
        <input type="text" data-testid="join-name" value=${name} onInput=${(e) => setName(e.target.value)} maxlength="40" autocomplete="nickname" /></label>
      <button type="submit" class="primary" data-testid="join-button" disabled=${joining}>${joining ? 'Joining…' : 'Join'}</button>
      <p class="error" data-testid="join-error" role="alert">${error}</p>
    </form>
  </main>`;
}

function Waiting({ state }) {
  return html`<main class="join-screen">
    <h1>Truce</h1>
    <p role="status">${state.link === 'closed' ? state.linkWhy : 'Joining the game…'}</p>
    <${LinkStatus} state=${state} />
    <button type="button" data-testid="leave-button" onClick=${() => connection.leave()}>Cancel</button>
  </main>`;
}

/** The sector shown in the details box, and how the map colours sectors: the same for every role. */
function useMapChoices(welcome, pickFirst = true) {
  const [selected, setSelected] = useState(pickFirst ? welcome.map.sectors[0]?.id ?? null : null);
  const [mode, setMode] = useState('tension');
  return { selected, onSelect: setSelected, mode, onMode: setMode };
}

function MapColumn({ state, map, details = true, children }) {
  return html`<div class="column map-column">
    <${LineMap} welcome=${state.welcome} view=${state.view} ...${map} />
    ${details ? html`<${SectorDetails} welcome=${state.welcome} view=${state.view} selected=${map.selected} />` : ''}
    ${children}
  </div>`;
}

/** The tab shown, switching to the debrief once when the game ends. */
function useTab(first, debrief) {
  const [tab, setTab] = useState(first);
  useEffect(() => {
    if (debrief) setTab('debrief');
  }, [debrief]);
  return [tab, setTab];
}

function Panel({ tab, state }) {
  switch (tab) {
    case 'story': return html`<${StoryPanel} state=${state} store=${store} send=${send} />`;
    case 'goals': return html`<${GoalsPanel} state=${state} />`;
    case 'orders': return html`<${OrdersPanel} state=${state} store=${store} send=${send} />`;
    case 'seats': return html`<${SeatsPanel} state=${state} />`;
    case 'chat': return html`<${ChatPanel} state=${state} store=${store} send=${send} />`;
    case 'control': return html`<${SeatCommands} state=${state} command=${(c) => send({ Command: c })} />`;
    case 'debrief': return html`<${DebriefPanel} state=${state} />`;
    case 'drafts':
    case 'briefings':
    case 'connections': return html`<${WhiteCell} state=${state} part=${tab} />`;
    default: return '';
  }
}

function TabbedColumn({ state, tabs, first }) {
  const debrief = !!state.view.debrief;
  const [tab, setTab] = useTab(first, debrief);
  // The chat's tab counts what has not been read.
  const unread = unreadCount(state);
  const named = tabs.map(([id, label]) => (id === 'chat' && unread > 0 ? [id, `${label} (${unread})`] : [id, label]));
  const shown = debrief ? [...named, ['debrief', 'Debrief']] : named;
  const current = shown.some(([id]) => id === tab) ? tab : shown[0][0];
  return html`<div class="column panel-column">
    <${Tabs} tabs=${shown} current=${current} onPick=${setTab} />
    <div class="panel" role="tabpanel" aria-label=${shown.find(([id]) => id === current)[1]}>
      <${Panel} tab=${current} state=${state} /></div>
  </div>`;
}

const PLAYER_TABS = [['story', 'Story'], ['goals', 'Goals'], ['orders', 'Orders'], ['chat', 'Chat'], ['seats', 'Seats']];
const PUBLIC_TABS = [['story', 'Story'], ['chat', 'Chat'], ['seats', 'Seats']];
const WHITE_CELL_TABS = [['control', 'Seats'], ['drafts', 'Drafts'], ['briefings', 'Briefings'], ['chat', 'Chat'], ['connections', 'Log'], ['story', 'Story'], ['seats', 'Public']];

/** A player's or an observer's screen: the map on the left, tabs on the right. */
function ColumnsScreen({ state, kind, tabs }) {
  const map = useMapChoices(state.welcome);
  return html`<div class=${`app ${kind}`}>
    <${TopBar} state=${state} onLeave=${() => connection.leave()} />
    <${Notices} state=${state} />
    <main class="columns"><${MapColumn} state=${state} map=${map} />
      <${TabbedColumn} state=${state} tabs=${tabs} first="story" /></main>
  </div>`;
}

const PlayerScreen = ({ state }) => html`<${ColumnsScreen} state=${state} kind="player" tabs=${PLAYER_TABS} />`;
const ObserverScreen = ({ state }) => html`<${ColumnsScreen} state=${state} kind="observer" tabs=${PUBLIC_TABS} />`;

/** The big screen: map and seats on the left, the story (or the debrief) on the right, no tabs. */
function ProjectorScreen({ state }) {
  // Nobody picks sectors on the big screen: none is picked, none is marked.
  const map = useMapChoices(state.welcome, false);
  // Everything on the big screen is measured from the root's size: one class makes it all larger.
  useEffect(() => {
    document.documentElement.classList.add('big');
    return () => document.documentElement.classList.remove('big');
  }, []);
  return html`<div class="app projector">
    <${TopBar} state=${state} onLeave=${() => connection.leave()} />
    <${Notices} state=${state} limit=${2} />
    <main class="columns">
      <${MapColumn} state=${state} map=${map} details=${false}><section><h3>Seats</h3><${SeatChips} seats=${state.view.seats} /></section>
        <${PublicPress} state=${state} /><//>
      <div class="column panel-column"><div class="panel">
        ${state.view.debrief ? html`<${DebriefPanel} state=${state} />` : html`<${StoryPanel} state=${state} store=${store} send=${send} />`}
      </div></div>
    </main>
  </div>`;
}

function FacilitatorScreen({ state }) {
  const map = useMapChoices(state.welcome);
  const command = (c) => send({ Command: c });
  return html`<div class="app facilitator">
    <${TopBar} state=${state} onLeave=${() => connection.leave()} />
    <${Commands} state=${state} command=${command} />
    <${Answers} state=${state} kinds=${['done', 'refused']} limit=${1} />
    <${Notices} state=${state} limit=${1} />
    <main class="columns">
      <${MapColumn} state=${state} map=${map} />
      <${TabbedColumn} state=${state} tabs=${WHITE_CELL_TABS} first="control" />
    </main>
  </div>`;
}

function App() {
  const state = useStore(store);
  useEffect(() => {
    const seat = state.view?.seat;
    const who = seat ? nameOf(state.welcome, seat) : state.role;
    document.title = who ? `Truce — ${who}` : 'Truce';
  }, [state.view?.seat, state.role, state.welcome]);
  if (state.link === 'join') return html`<${JoinScreen} state=${state} />`;
  if (!state.welcome || !state.view) return html`<${Waiting} state=${state} />`;
  switch (state.welcome.role) {
    case 'player': return html`<${PlayerScreen} state=${state} />`;
    case 'projector': return html`<${ProjectorScreen} state=${state} />`;
    case 'facilitator': return html`<${FacilitatorScreen} state=${state} />`;
    default: return html`<${ObserverScreen} state=${state} />`;
  }
}

// A reload joins the same seat again with the code this tab used.
const saved = savedJoin();
if (saved) connection.join(saved.code, saved.name ?? '');
render(html`<${App} />`, document.getElementById('app'));
