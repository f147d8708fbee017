// The panels beside the map: tabs, a player's goals, the seats and the public picture, the
// debrief at game over, and the answers the server gave.

import { html } from './vendor/preact-htm.mjs';
import { nameOf } from './text.mjs';

/** Tabs that switch the panel under them (←/→ move between them, as in any tab list). */
export function Tabs({ tabs, current, onPick }) {
  const keys = (e) => {
    const at = tabs.findIndex(([id]) => id === current);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = tabs[(at + step + tabs.length) % tabs.length][0];
    onPick(next);
    e.currentTarget.parentElement.querySelector(`[data-tab="${next}"]`)?.focus();
  };
  return html`<div class="tabs" role="tablist" onKeyDown=${keys}>
    ${tabs.map(([id, label]) => html`<button type="button" key=${id} role="tab" data-tab=${id} data-testid=${`tab-${id}`}
      aria-selected=${id === current ? 'true' : 'false'} tabindex=${id === current ? 0 : -1}
      onClick=${() => onPick(id)}>${label}</button>`)}
  </div>`;
}

const STATUS = {
  Met: ['met', '✔ met'],
  AtRisk: ['at-risk', '! at risk'],
  Missed: ['missed', '✘ missed'],
};

function Objectives({ goals }) {
  return html`<ul class="objectives" data-testid="objectives">
    ${goals.objectives.map((o, i) => {
      const [cls, words] = STATUS[o.status] ?? ['', String(o.status)];
      return html`<li key=${i} class=${`objective ${cls}`} data-status=${o.status}>
        <span class="status">${words}</span>
        <span class="weight">+${o.weight}/turn</span>
        ${o.public ? '' : html`<span class="secret">secret</span>`}
        <span class="text">${o.text}</span></li>`;
    })}
  </ul>`;
}

function Offers({ offers }) {
  if (!offers.length) return '';
  return html`<section><h4>Guarantees offered to you</h4>
    ${offers.map((o) => html`<div key=${o.id} class="offer"><p><strong>${o.from}</strong> offers a guarantee (${o.id}):</p>
      <ul>${o.components.map((c, i) => html`<li key=${i}>${c}</li>`)}</ul></div>`)}
  </section>`;
}

function RuleBook({ welcome }) {
  return html`<details class="rule-book"><summary>The bodies that vote and the mandates they may give</summary>
    ${welcome.bodies.map((b) => html`<div key=${b.id}><h5>${b.name}</h5><p>Decides: ${b.rule}</p><p>Members: ${b.members.join(', ')}</p></div>`)}
    ${welcome.mandates.map((t) => html`<div key=${t.id}><h5>${t.name}</h5>
      <p>Costs ${t.cost}, lasts ${t.duration_turns} turns; ${t.kind}; takes ${t.contingents.join(', ')}.</p>
      <ul>${t.responses.map(([sev, rs]) => html`<li key=${sev}>${sev}: ${rs.length ? rs.join(', ') : 'nothing'}</li>`)}</ul></div>`)}
  </details>`;
}

export function GoalsPanel({ state }) {
  const { welcome, view } = state;
  const goals = view.goals;
  return html`<section class="goals" data-testid="goals">
    <h3>Your objectives</h3>
    ${goals ? html`<${Objectives} goals=${goals} />` : html`<p class="muted">No objectives to show.</p>`}
    ${goals ? html`<${Offers} offers=${goals.offers} />` : ''}
    ${goals?.postures.length ? html`<section><h4>Your pressure on the line (secret)</h4><ul>
      ${goals.postures.map(([s, p]) => html`<li key=${s}>${s}: ${p.toFixed(2)}</li>`)}</ul></section>` : ''}
    <section><h4>The situation</h4><p class="premise">${welcome.premise}</p></section>
    <${RuleBook} welcome=${welcome} />
  </section>`;
}

function SeatRow({ s }) {
  const who = s.bot ? 'bot' : `${s.connected} connected`;
  return html`<tr data-testid=${`seat-${s.id}`} class=${s.locked ? 'locked' : ''}>
    <th scope="row">${s.name}</th><td>${s.locked ? '✔ locked' : 'drafting'}</td><td>${who}</td></tr>`;
}

export function SeatTable({ seats }) {
  return html`<div class="table-wrap"><table class="seats" data-testid="seat-list">
    <thead><tr><th scope="col">Seat</th><th scope="col">Orders</th><th scope="col">Played by</th></tr></thead>
    <tbody>${seats.map((s) => html`<${SeatRow} key=${s.id} s=${s} />`)}</tbody>
  </table></div>`;
}

/** The seats in a few words each, for the big screen: who has locked, and who is a bot. */
export function SeatChips({ seats }) {
  return html`<ul class="seat-chips" data-testid="seat-list">
    ${seats.map((s) => html`<li key=${s.id} data-testid=${`seat-${s.id}`} class=${s.locked ? 'locked' : ''}>
      ${s.name}: ${s.locked ? '✔ locked' : 'drafting'}${s.bot ? ' (bot)' : ''}</li>`)}
  </ul>`;
}

/** The seats and what everyone may know: mandates, recorded violations, each nation's public aims. */
export function SeatsPanel({ state, brief = false }) {
  const { welcome, view } = state;
  const b = view.briefing;
  return html`<section class="seats-panel">
    <h3>Seats</h3>
    <${SeatTable} seats=${view.seats} />
    ${b.mandates.length ? html`<h4>Mandates in force</h4><ul>${b.mandates.map((m, i) => html`<li key=${i}>${m}</li>`)}</ul>` : ''}
    ${b.recorded.length ? html`<h4>Recorded violations last turn</h4><ul>
      ${b.recorded.map(([s, n]) => html`<li key=${s}>${nameOf(welcome, s)}: ${n}</li>`)}</ul>` : ''}
    ${brief ? '' : html`<h4>Nations and their public aims</h4><ul class="nations">
      ${b.nations.map((n) => html`<li key=${n.id}><strong>${n.name}</strong>${n.public_objectives.length ? ': ' : ''}${n.public_objectives.join(' · ')}</li>`)}</ul>`}
  </section>`;
}

/** Escalation at the end of each turn, as bars with their values, on a scale from 0 to the
 * peak rounded up to a quarter (a calm game's bars are not lost at the foot of a 0–1 scale). */
function EscalationChart({ values }) {
  const [w, h, top] = [28, 100, 16];
  const scale = Math.max(0.25, Math.ceil(Math.max(0, ...values) * 4) / 4);
  const [vw, vh] = [Math.max(1, values.length) * w + 40, h + top + 22];
  const y = (x) => top + h - (Math.min(x, scale) / scale) * h;
  return html`<figure class="chart"><svg viewBox=${`0 0 ${vw} ${vh}`} width=${vw * 1.5} height=${vh * 1.5} role="img"
      aria-label=${`Escalation by turn: ${values.map((x) => x.toFixed(2)).join(', ')}`}>
    <line x1="34" x2=${vw} y1=${y(scale)} y2=${y(scale)} stroke="#c3c9d2" />
    <line x1="34" x2=${vw} y1=${y(0)} y2=${y(0)} stroke="#6b7584" />
    <text x="30" y=${y(scale) + 3} text-anchor="end" class="axis">${scale.toFixed(2)}</text>
    <text x="30" y=${y(0) + 3} text-anchor="end" class="axis">0</text>
    ${values.map((x, i) => {
      const cx = 36 + i * w + (w - 6) / 2;
      return html`<g key=${i}><rect x=${36 + i * w} y=${y(x)} width=${w - 6} height=${Math.max(1, y(0) - y(x))} fill="#2f5fa8" />
        <text x=${cx} y=${y(0) + 14} text-anchor="middle" class="axis">${i + 1}</text>
        <text x=${cx} y=${y(x) - 3} text-anchor="middle" class="axis">${x.toFixed(2)}</text></g>`;
    })}
  </svg><figcaption>Escalation at the end of each turn (turn numbers below)</figcaption></figure>`;
}

export function DebriefPanel({ state }) {
  const d = state.view.debrief;
  const me = state.view.seat;
  return html`<section class="debrief" data-testid="debrief">
    <h3>Debrief</h3>
    <p class="headline">${d.ended}</p>
    <p>${d.turns_played} turns played.</p>
    <${EscalationChart} values=${d.escalation} />
    <h4>Ranking</h4>
    <ol class="ranking">${d.ranking.map((s) => html`<li key=${s.id} class=${s.id === me ? 'me' : ''}>
      <strong>${s.name}</strong> — ${s.score} points
      <ul>${s.objectives.map((o, i) => html`<li key=${i}>met ${o.turns_met} of ${d.turns_played} turns, +${o.weight} each${o.public ? '' : ' (secret)'}: ${o.text}</li>`)}</ul>
    </li>`)}</ol>
  </section>`;
}

/** The server's answers (verdicts, refusals, commands done), newest first. */
export function Answers({ state, kinds, testid = 'answers', item = 'answer', limit = 12, empty = '' }) {
  const shown = state.events.filter((e) => kinds.includes(e.kind)).slice(-limit).reverse();
  return html`<section class="answers" aria-live="polite" aria-label="Answers from the server">
    ${shown.length === 0 && empty ? html`<p class="muted">${empty}</p>` : ''}
    <ul data-testid=${testid}>${shown.map((e) => html`<li key=${e.n} data-testid=${item} data-n=${e.n} data-ok=${e.text.startsWith('✔') ? 'true' : 'false'}
      class=${e.text.startsWith('✔') ? 'ok' : 'refused'}>${e.text}</li>`)}</ul>
  </section>`;
}

