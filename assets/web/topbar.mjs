// The top bar: who you are, the turn, the phase and the clock counting down, escalation and the
// ceasefire, and a player's capital, support and score; the link's state; the notices under it.

import { html, useEffect, useState } from './vendor/preact-htm.mjs';
import { clockWords, nameOf, percent, phaseWords } from './text.mjs';
import { remainingMs } from './state.mjs';

/** Re-renders every `ms` milliseconds: the clock moves whether or not a message comes. */
export function useNow(ms) {
  const [now, setNow] = useState(performance.now());
  useEffect(() => {
    const t = setInterval(() => setNow(performance.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function Clock({ state }) {
  const now = useNow(250);
  const v = state.view;
  const left = remainingMs(state, now);
  if (left == null) {
    const words = v?.phase === 'Orders' ? 'no clock' : '';
    return html`<span class="clock" data-testid="clock" data-ms="">${words}</span>`;
  }
  const paused = v.clock.paused;
  const low = !paused && left < 60000;
  return html`<span class=${`clock${low ? ' low' : ''}${paused ? ' paused' : ''}`} data-testid="clock"
    data-ms=${Math.round(left)} data-paused=${paused ? 'true' : 'false'} role="timer" aria-live="off">
    ${clockWords(left)} left${paused ? html` <strong class="badge">paused</strong>` : ''}</span>`;
}

function who(state) {
  const { welcome, view, role } = state;
  if (view?.seat) return nameOf(welcome, view.seat);
  if (role === 'observer') return 'Observer — the public view';
  if (role === 'projector') return 'The public view';
  if (role === 'facilitator') return 'White cell (facilitator)';
  return '';
}

function ceasefireClass(words) {
  if (words === 'holding') return 'good';
  if (words === 'fraying') return 'warn';
  return 'bad';
}

function OwnFigures({ view }) {
  const own = view.briefing.own;
  if (!own) return '';
  const spent = (view.draft?.orders ?? []).reduce((sum, d) => sum + d.cost, 0);
  return html`
    <span class="figure" data-testid="capital">Capital <strong>${own.capital}</strong> (${own.capital - spent} left)</span>
    <span class="figure" data-testid="support">Support <strong>${percent(own.support)}</strong></span>
    <span class="figure" data-testid="score">Score <strong>${own.score}</strong></span>`;
}

export function LinkStatus({ state }) {
  const words = {
    joining: state.linkWhy ? `Joining… (${state.linkWhy}; asking again)` : 'Joining…',
    reconnecting: `Connection lost (${state.linkWhy}); joining again…`,
    closed: `Disconnected by the server: ${state.linkWhy}`,
  }[state.link];
  if (!words) return '';
  return html`<p class=${`link ${state.link}`} data-testid="link-status" role="status">${words}</p>`;
}

export function TopBar({ state, onLeave }) {
  const { welcome, view } = state;
  const b = view.briefing;
  return html`<header class="topbar">
    <div class="title-row">
      <h1><span data-testid="nation">${who(state)}</span></h1>
      <span class="scenario">${welcome.title}</span>
      <button type="button" class="quiet" data-testid="leave-button" onClick=${onLeave}>Leave</button>
    </div>
    <div class="figures">
      <span class="figure" data-testid="turn">Turn <strong>${view.turn}/${welcome.turns}</strong></span>
      <span class="figure" data-testid="phase">${phaseWords(view.phase)}</span>
      <${Clock} state=${state} />
      <span class="figure" data-testid="escalation">Escalation <strong>${b.escalation.toFixed(2)}</strong></span>
      <span class=${`figure ceasefire ${ceasefireClass(b.ceasefire)}`} data-testid="ceasefire">ceasefire ${b.ceasefire}</span>
      <${OwnFigures} view=${view} />
    </div>
    <${LinkStatus} state=${state} />
  </header>`;
}

/** The announcements everyone reads (the view's), then any told to this connection alone. */
export function Notices({ state, limit = 4 }) {
  const shared = state.view?.notices ?? [];
  const known = new Set(shared);
  const own = state.events.filter((e) => e.kind === 'notice' && !known.has(e.text)).map((e) => e.text);
  const all = [...shared, ...own].slice(-limit).reverse();
  if (all.length === 0) return html`<div class="notices empty" data-testid="notices" aria-live="polite"></div>`;
  return html`<section class="notices" data-testid="notices" aria-live="polite" aria-label="Notices">
    <ul>${all.map((n, i) => html`<li key=${i}>${n}</li>`)}</ul>
  </section>`;
}
