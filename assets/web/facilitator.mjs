// The white cell: every command a facilitator may give (the press rules and the injects waiting
// for approval among them), with the server's answers, the seats with what may be done to each,
// and everything the omniscient view holds (every draft, every seat's briefing, the connections
// and the log).

import { html, useEffect, useState } from './vendor/preact-htm.mjs';
import { describe, nameOf, percent, words } from './text.mjs';
import { Answers } from './panels.mjs';

const MAX_ANNOUNCEMENT_CHARS = 1000;
const MAX_CLOCK_CHANGE_SECONDS = 86400;
/** The largest size an approved inject may be given (1 = as written). */
const MAX_INJECT_SCALE = 3;
const PRESS_RULES = [['full', 'Full press'], ['public_only', 'Public only'], ['none', 'None']];

/** A button that asks "are you sure?" by changing its words, for commands that shut people out. */
function ConfirmButton({ label, confirm, onConfirm, testid, disabled = false }) {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!asking) return undefined;
    const t = setTimeout(() => setAsking(false), 4000);
    return () => clearTimeout(t);
  }, [asking]);
  const click = () => {
    if (asking) onConfirm();
    setAsking(!asking);
  };
  return html`<button type="button" class=${asking ? 'danger' : 'quiet'} data-testid=${testid} disabled=${disabled}
    onClick=${click}>${asking ? confirm : label}</button>`;
}

function ClockCommands({ phase, command }) {
  const [seconds, setSeconds] = useState(60);
  const orders = phase === 'Orders';
  const n = Math.min(MAX_CLOCK_CHANGE_SECONDS, Math.max(1, Math.round(Number(seconds) || 0)));
  return html`<div class="command-group" role="group" aria-label="The clock">
    <button type="button" data-testid="cmd-pause" disabled=${!orders} onClick=${() => command('Pause')}>Pause</button>
    <button type="button" data-testid="cmd-resume" disabled=${!orders} onClick=${() => command('Resume')}>Resume</button>
    <label class="inline">Seconds <input type="number" min="1" max=${MAX_CLOCK_CHANGE_SECONDS} data-testid="cmd-seconds"
      value=${seconds} onInput=${(e) => setSeconds(e.target.value)} /></label>
    <button type="button" data-testid="cmd-extend" disabled=${!orders} onClick=${() => command({ Extend: n })}>Extend</button>
    <button type="button" data-testid="cmd-shorten" disabled=${!orders} onClick=${() => command({ Shorten: n })}>Shorten</button>
    <${ConfirmButton} label="End the phase" confirm="End it now?" testid="cmd-end-phase" disabled=${!orders}
      onConfirm=${() => command('EndPhase')} />
  </div>`;
}

function InjectCommand({ welcome, phase, command }) {
  const injects = welcome.choices.injects;
  const [id, setId] = useState(injects[0]?.[0] ?? '');
  if (injects.length === 0) return html`<p class="muted">This scenario has no injects.</p>`;
  return html`<div class="command-group" role="group" aria-label="Injects">
    <label class="inline">Inject <select data-testid="cmd-inject-select" value=${id} onChange=${(e) => setId(e.target.value)}>
      ${injects.map(([k, name]) => html`<option key=${k} value=${k}>${name} (${k})</option>`)}</select></label>
    <button type="button" data-testid="cmd-inject" disabled=${phase !== 'Orders' || !id} onClick=${() => command({ Inject: id })}>Fire it now</button>
  </div>`;
}

function AnnounceCommand({ command }) {
  const [text, setText] = useState('');
  const submit = (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    command({ Announce: text.trim() });
    setText('');
  };
  return html`<form class="command-group" onSubmit=${submit} aria-label="Announce">
    <label class="inline grow">Announce <input type="text" data-testid="cmd-announce-text" maxlength=${MAX_ANNOUNCEMENT_CHARS}
      value=${text} onInput=${(e) => setText(e.target.value)} placeholder="Ten minutes to the vote" /></label>
    <button type="submit" data-testid="cmd-announce" disabled=${!text.trim()}>Announce</button>
  </form>`;
}

function PressCommand({ view, command }) {
  const rules = view.talk?.rules ?? 'full';
  return html`<div class="command-group" role="group" aria-label="Press rules">
    <label class="inline">Press <select data-testid="cmd-press-rules" value=${rules} disabled=${view.phase === 'GameOver'}
      onChange=${(e) => command({ Press: e.target.value })}>
      ${PRESS_RULES.map(([k, words]) => html`<option key=${k} value=${k}>${words}</option>`)}</select></label>
  </div>`;
}

function AwaitingInject({ id, words, phase, command }) {
  const [scale, setScale] = useState('1');
  const n = Number(scale);
  const fits = scale !== '' && Number.isFinite(n) && n >= 0 && n <= MAX_INJECT_SCALE;
  const orders = phase === 'Orders';
  return html`<li data-testid="awaiting-inject" data-inject=${id}>
    <span class="text">${words}</span>
    <span class="command-group">
      <label class="inline">Size <input type="number" min="0" max=${MAX_INJECT_SCALE} step="0.1" data-testid=${`cmd-approve-scale-${id}`}
        value=${scale} onInput=${(e) => setScale(e.target.value)} aria-invalid=${fits ? 'false' : 'true'} /></label>
      <button type="button" class="primary" data-testid=${`cmd-approve-${id}`} disabled=${!orders || !fits}
        onClick=${() => command({ Approve: { inject: id, scale: n } })}>Approve</button>
      <button type="button" data-testid=${`cmd-skip-${id}`} disabled=${!orders} onClick=${() => command({ Skip: id })}>Skip</button>
    </span></li>`;
}

/** Injects that fire only once the white cell says so (its author's default follows if nobody
 * answers in time). */
function Awaiting({ state, command }) {
  const awaiting = state.view.omniscient?.awaiting ?? [];
  if (awaiting.length === 0) return '';
  return html`<section class="awaiting" data-testid="awaiting" aria-label="Injects waiting for your approval" aria-live="polite">
    <h4>Waiting for your approval</h4>
    <p class="muted small">Size 1 fires it as written, 0.5 at half its effect, 0 without effect; unanswered, its author's default follows.</p>
    <ul>${awaiting.map(([id, words]) => html`<${AwaitingInject} key=${id} id=${id} words=${words} phase=${state.view.phase} command=${command} />`)}</ul>
  </section>`;
}

export function Commands({ state, command }) {
  const phase = state.view.phase;
  const lobby = phase === 'Lobby';
  return html`<section class="commands" data-testid="commands" aria-label="Commands">
    <div class="command-group" role="group" aria-label="The game">
      <button type="button" class="primary" data-testid="cmd-start" disabled=${!lobby} onClick=${() => command('Start')}>Start</button>
      <button type="button" data-testid="cmd-force-start" disabled=${!lobby} onClick=${() => command('ForceStart')}
        title="Start even with nobody in a seat: the bots then play every turn through at once">Start (force)</button>
      <button type="button" data-testid="cmd-save" onClick=${() => command('Save')}>Save now</button>
      <${ConfirmButton} label="Kick observers" confirm="Close every observer?" testid="cmd-kick-observers" onConfirm=${() => command({ Kick: 'observers' })} />
      <button type="button" class="quiet" data-testid="cmd-readmit-observers" onClick=${() => command({ Readmit: 'observers' })}>Readmit observers</button>
    </div>
    <${ClockCommands} phase=${phase} command=${command} />
    <${InjectCommand} welcome=${state.welcome} phase=${phase} command=${command} />
    <${PressCommand} view=${state.view} command=${command} />
    <${AnnounceCommand} command=${command} />
    <${Awaiting} state=${state} command=${command} />
  </section>`;
}

function SeatActions({ s, command }) {
  // A seat whose people are connected needs the forced hand-over, which keeps their draft. Both
  // buttons are always there: a seat its bot plays because nobody joined may still be handed over
  // (then only "Give back" returns it to its team).
  const toBot = s.connected > 0 ? { ForceHandToBot: s.id } : { HandToBot: s.id };
  return html`<td class="actions">
    <button type="button" data-testid=${`cmd-bot-${s.id}`} onClick=${() => command(toBot)}>To its bot${s.connected > 0 ? ' (force)' : ''}</button>
    <button type="button" data-testid=${`cmd-human-${s.id}`} onClick=${() => command({ HandBack: s.id })}>Give back</button>
    <${ConfirmButton} label="Kick" confirm="Kick them?" testid=${`cmd-kick-${s.id}`} onConfirm=${() => command({ Kick: s.id })} />
    <button type="button" class="quiet" data-testid=${`cmd-readmit-${s.id}`} onClick=${() => command({ Readmit: s.id })}>Readmit</button>
    <${ConfirmButton} label="New code" confirm="Replace the code?" testid=${`cmd-revoke-${s.id}`} onConfirm=${() => command({ Revoke: s.id })} />
  </td>`;
}

export function SeatCommands({ state, command }) {
  const drafts = state.view.omniscient?.drafts ?? {};
  return html`<section class="fac-seats"><div class="table-wrap"><table class="seats" data-testid="seat-list">
    <thead><tr><th scope="col">Seat</th><th scope="col">Orders</th><th scope="col">Played by</th><th scope="col">Actions</th></tr></thead>
    <tbody>${state.view.seats.map((s) => html`<tr key=${s.id} data-testid=${`seat-${s.id}`} data-bot=${s.bot ? 'true' : 'false'}>
      <th scope="row">${s.name}</th>
      <td>${s.locked ? '✔ locked' : 'drafting'} (${drafts[s.id]?.orders.length ?? 0})</td>
      <td>${s.bot ? 'bot' : `${s.connected} connected`}</td>
      <${SeatActions} s=${s} command=${command} /></tr>`)}</tbody>
  </table></div></section>`;
}

function Drafts({ state }) {
  const drafts = Object.entries(state.view.omniscient.drafts);
  return html`<section data-testid="drafts"><h4>Every draft</h4>
    ${drafts.map(([seat, d]) => html`<div key=${seat} class="draft-of">
      <h5>${nameOf(state.welcome, seat)} ${d.locked ? html`<span class="badge">locked</span>` : ''}</h5>
      ${d.orders.length === 0 ? html`<p class="muted">No orders.</p>` : html`<ul>
        ${d.orders.map((o) => html`<li key=${o.id}>#${o.id} ${describe(o.order, state.welcome)} <span class="muted">(cost ${o.cost})</span></li>`)}</ul>`}
    </div>`)}
  </section>`;
}

function Briefings({ state }) {
  const seats = state.view.omniscient.seats.filter((b) => b.own);
  return html`<section data-testid="briefings"><h4>Every seat's state</h4>
    ${seats.map((b) => html`<div key=${b.nation} class="briefing-of">
      <h5>${nameOf(state.welcome, b.nation)}</h5>
      <p>Capital ${b.own.capital} · support ${percent(b.own.support)} · score ${b.own.score}</p>
      <ul>${b.own.objectives.map(([text, pub, w], i) => html`<li key=${i}>${pub ? '' : html`<span class="secret">secret</span> `}+${w}: ${text}</li>`)}</ul>
      ${b.own.contingents.length ? html`<p>Contingents: ${b.own.contingents.map(([id, kind, size, at]) => `${id} (${size} ${words(kind)}, ${nameOf(state.welcome, at)})`).join('; ')}</p>` : ''}
      ${b.own.offers.length ? html`<p>Offers open: ${b.own.offers.map(([id, from]) => `${id} from ${nameOf(state.welcome, from)}`).join('; ')}</p>` : ''}
    </div>`)}
  </section>`;
}

function Connections({ state }) {
  const list = state.view.omniscient.connections;
  // Client ids are 64-bit: past 2^53 a JavaScript number cannot hold them exactly, so rows are
  // numbered instead.
  return html`<section data-testid="connections"><h4>Connections (${list.length})</h4><div class="table-wrap"><table>
    <thead><tr><th scope="col">#</th><th scope="col">Role</th><th scope="col">Seat</th><th scope="col">Name</th></tr></thead>
    <tbody>${list.map(([, role, seat, name], i) => html`<tr key=${i}><td>${i + 1}</td><td>${role}</td><td>${seat ? nameOf(state.welcome, seat) : ''}</td><td>${name}</td></tr>`)}</tbody>
  </table></div></section>`;
}

function Log({ state }) {
  const log = [...state.view.omniscient.log].reverse();
  return html`<section data-testid="log"><h4>The log, newest first</h4>
    <ul class="log">${log.map((l, i) => html`<li key=${log.length - i}>${l}</li>`)}</ul></section>`;
}

export function WhiteCell({ state, part }) {
  if (!state.view.omniscient) return html`<p class="muted">The white cell's view has not come.</p>`;
  return html`<section class="white-cell" data-testid="white-cell">
    ${part === 'drafts' ? html`<${Drafts} state=${state} />` : ''}
    ${part === 'briefings' ? html`<${Briefings} state=${state} />` : ''}
    ${part === 'connections' ? html`<h4>Answers to your commands, newest first</h4>
      <${Answers} state=${state} kinds=${['done', 'refused']} testid="answer-log" item="logged-answer" limit=${100}
        empty="None yet from this page." />
      <${Log} state=${state} /><${Connections} state=${state} />` : ''}
  </section>`;
}
