// The story of a turn: how escalation moved and why, each sector's figures, what happened and the
// worst incidents; every incident the reader may read, 50 to a page; any earlier turn on request.

import { html, useEffect } from './vendor/preact-htm.mjs';
import { signed } from './text.mjs';
import { lastResolved, shownTurn } from './state.mjs';
import { tensionBand } from './map.mjs';

function Entry({ e }) {
  return html`<li class=${`entry rule-${e.rule}`}><span class="day">day ${e.day}</span> <span class="text">${e.text}</span></li>`;
}

function Entries({ title, entries, testid }) {
  if (!entries.length) return '';
  return html`<section data-testid=${testid}><h4>${title}</h4><ul class="entries">${entries.map((e) => html`<${Entry} key=${e.seq} e=${e} />`)}</ul></section>`;
}

function Causes({ causes }) {
  if (!causes.length) return '';
  return html`<section data-testid="story-causes"><h4>Why escalation moved</h4><ul class="causes">
    ${causes.map((c, i) => html`<li key=${i}><span class=${`change ${c.change > 0 ? 'up' : 'down'}`}>${signed(c.change, 4)}</span> ${c.text}</li>`)}
  </ul></section>`;
}

function Sectors({ sectors }) {
  const all = sectors.some((s) => s.violations != null);
  return html`<section><h4>Sectors</h4><div class="table-wrap"><table class="sectors">
    <thead><tr><th scope="col">Sector</th><th scope="col">Recorded</th><th scope="col">Tension</th><th scope="col">Change</th><th scope="col">Incidents</th>${all ? html`<th scope="col">Violations (all)</th>` : ''}</tr></thead>
    <tbody>${sectors.map((s) => html`<tr key=${s.name}>
      <th scope="row">${s.name}</th><td>${s.recorded}</td>
      <td><span class=${`tension ${tensionBand(s.tension)}`}>${s.tension.toFixed(2)}</span></td>
      <td>${signed(s.tension_change, 2)}</td><td>${s.incidents}</td>${all ? html`<td>${s.violations ?? ''}</td>` : ''}</tr>`)}</tbody>
  </table></div></section>`;
}

function Summary({ s, onPage }) {
  const change = s.escalation_after - s.escalation_before;
  return html`<div class="story-summary">
    <p class="headline" data-testid="story-headline">${s.headline}</p>
    <p>Escalation ${s.escalation_before.toFixed(3)} → <strong>${s.escalation_after.toFixed(3)}</strong> (${signed(change, 3)});
      ceasefire ${s.ceasefire}. Days ${s.first_day}–${s.first_day + Math.max(0, s.days - 1)}.</p>
    <${Causes} causes=${s.causes} />
    <${Sectors} sectors=${s.sectors} />
    <${Entries} title="What happened" entries=${s.events} testid="story-events" />
    <${Entries} title="Worst incidents" entries=${s.worst} testid="story-worst" />
    ${s.incidents > 0
      ? html`<p><button type="button" data-testid="incidents-open" onClick=${() => onPage(0)}>
          Read all ${s.incidents} incidents (${s.pages} ${s.pages === 1 ? 'page' : 'pages'})</button></p>`
      : html`<p class="muted">No incident you may read this turn.</p>`}
  </div>`;
}

function Page({ p, onPage, onClose }) {
  return html`<section class="incidents" data-testid="incidents" aria-label="Incidents">
    <div class="pager">
      <button type="button" data-testid="incidents-prev" disabled=${p.page === 0} onClick=${() => onPage(p.page - 1)}>← Previous page</button>
      <span>Incidents, page ${p.page + 1} of ${p.pages}</span>
      <button type="button" data-testid="incidents-next" disabled=${p.page + 1 >= p.pages} onClick=${() => onPage(p.page + 1)}>Next page →</button>
      <button type="button" class="quiet" data-testid="incidents-close" onClick=${onClose}>Back to the story</button>
    </div>
    <ul class="entries">${p.entries.map((e) => html`<${Entry} key=${e.seq} e=${e} />`)}</ul>
  </section>`;
}

function TurnPicker({ turn, last, onTurn }) {
  const turns = Array.from({ length: last }, (_, i) => i + 1);
  return html`<div class="turn-picker">
    <button type="button" data-testid="story-prev" disabled=${turn <= 1} onClick=${() => onTurn(turn - 1)}>← Turn before</button>
    <label>Turn <select data-testid="story-turn" value=${turn} onChange=${(e) => onTurn(Number(e.target.value))}>
      ${turns.map((t) => html`<option key=${t} value=${t}>${t}</option>`)}</select></label>
    <button type="button" data-testid="story-next" disabled=${turn >= last} onClick=${() => onTurn(turn + 1)}>Turn after →</button>
  </div>`;
}

/** The story panel. `store` holds which turn and page are shown; `send` asks the server. */
export function StoryPanel({ state, store, send }) {
  const turn = shownTurn(state);
  const last = lastResolved(state);
  const story = turn != null ? state.stories[turn] : null;
  const onTurn = (t) => {
    store.update(() => ({ storyTurn: t === last ? null : t, page: null }));
  };
  const wanted = turn ?? (last > 0 ? last : null);
  // A story not held (after a rejoin, say) is asked for once per turn shown.
  useEffect(() => {
    if (wanted != null && !state.stories[wanted]) send({ Story: { turn: wanted } });
  }, [wanted]);
  const onPage = (page) => send({ Incidents: { turn, page } });
  const onClose = () => store.update(() => ({ page: null }));
  if (turn == null && last === 0) {
    return html`<section class="story" data-testid="story"><p class="muted">Nothing yet: the story of each turn comes when it is resolved.</p></section>`;
  }
  const page = state.page && state.page.turn === turn ? state.page : null;
  return html`<section class="story" data-testid="story" data-turn=${turn ?? ''}>
    <div class="story-head"><h3>Turn ${turn ?? last}</h3>${last > 1 ? html`<${TurnPicker} turn=${turn ?? last} last=${last} onTurn=${onTurn} />` : ''}</div>
    ${!story ? html`<p class="muted">Asking the server for turn ${turn ?? last}…</p>`
      : page ? html`<${Page} p=${page} onPage=${onPage} onClose=${onClose} />`
      : html`<${Summary} s=${story} onPage=${onPage} />`}
  </section>`;
}
