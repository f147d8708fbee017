// Deals between two seats: where each stands, Accept/Reject, and the dialog that makes an offer.

import { html, useEffect, useState } from './vendor/preact-htm.mjs';
import { describe, nameOf, variantOf } from './text.mjs';
import { keyOf } from './menus.mjs';
import { Builder } from './orders.mjs';

const MAX_TERMS = 4;
const MAX_DEAL_TURNS = 6;
const MAX_NOTE_CHARS = 1000;
/** Holding fire: a posture term binds its promiser to this pressure or less. */
const HOLD_FIRE = 0.2;
// Orders whose keeping the rules cannot see are no term of a deal.
const NOT_TERMS = new Set(['private message', 'public statement', 'accusation', 'request for air support']);

/** The deals between seats `a` and `b` that the view holds, in the order they were offered. */
export function dealsBetween(view, a, b) {
  return (view.talk?.deals ?? []).filter((d) => [d.deal.from, d.deal.to].sort().join(' ') === [a, b].sort().join(' '));
}

/** Where a deal stands, in words: [class, words, reason]. */
function standing(welcome, state) {
  const [variant, f] = variantOf(state);
  switch (variant) {
    case 'Offered': return ['offered', 'offered, waiting for an answer', ''];
    case 'Accepted': return ['accepted', 'binding (accepted)', ''];
    case 'Kept': return ['kept', 'kept', ''];
    case 'Rejected': return ['rejected', 'rejected', f?.reason ?? ''];
    case 'Lapsed': return ['lapsed', 'lapsed', f?.reason ?? ''];
    case 'Breached': return ['breached', `breached by ${nameOf(welcome, f?.by)}`, f?.reason ?? ''];
    default: return ['', String(variant), ''];
  }
}

function AnswerForm({ state, send, deal }) {
  const [reason, setReason] = useState('');
  const open = state.view.phase === 'Orders';
  const answer = (accept) => send({ Answer: { deal: deal.id, accept, reason: reason.trim() } });
  return html`<div class="answer-form" role="group" aria-label=${`Your answer to offer ${deal.id}`}>
    <label class="inline grow">Reason <span class="muted">(optional)</span>
      <input type="text" data-testid="deal-reason" maxlength=${MAX_NOTE_CHARS} value=${reason} onInput=${(e) => setReason(e.target.value)} /></label>
    <button type="button" class="primary" data-testid="deal-accept" disabled=${!open} onClick=${() => answer(true)}>Accept</button>
    <button type="button" data-testid="deal-reject" disabled=${!open} onClick=${() => answer(false)}>Reject</button>
  </div>`;
}

function Deal({ state, send, view: d }) {
  const { welcome, view } = state;
  const deal = d.deal;
  const [cls, words, reason] = standing(welcome, deal.state);
  const [variant] = variantOf(deal.state);
  const met = (deal.met ?? []).filter(Boolean).length;
  const mine = deal.to === view.seat && variant === 'Offered';
  return html`<li class=${`deal ${cls}`} data-testid="deal" data-deal=${deal.id} data-state=${variant}>
    <p><strong>Deal ${deal.id}</strong> <span class="deal-state">${words}</span>
      <span class="muted small"> · offered by ${nameOf(welcome, deal.from)} on turn ${deal.turn}</span></p>
    <p class="text">${d.words}</p>
    ${deal.note ? html`<p class="text note">“${deal.note}”</p>` : ''}
    ${reason ? html`<p class="text reason">${reason}</p>` : ''}
    ${variant === 'Accepted' ? html`<p class="muted small">Terms met so far: ${met} of ${(deal.met ?? []).length}.</p>` : ''}
    ${variant === 'Offered' && deal.from === view.seat ? html`<p class="muted small">
      Waiting for ${nameOf(welcome, deal.to)}'s answer; unanswered, it lapses when the turn resolves.</p>` : ''}
    ${mine ? html`<${AnswerForm} state=${state} send=${send} deal=${deal} />` : ''}
  </li>`;
}

export function DealList({ state, deals, send }) {
  if (deals.length === 0) return html`<p class="muted">No deal yet.</p>`;
  return html`<ul class="deals" data-testid="deals">${deals.map((d) => html`<${Deal} key=${d.deal.id} state=${state} send=${send} view=${d} />`)}</ul>`;
}

/** The sectors where the seat has forces (its standing postures), by id. */
function ownSectors(welcome, view) {
  const names = new Set((view.goals?.postures ?? []).map(([name]) => name));
  const sectors = welcome.map.sectors.filter((s) => names.has(s.name));
  return sectors.length > 0 || !(view.options?.kinds ?? []).includes('posture') ? sectors : welcome.map.sectors;
}

function proposalName(welcome, p) {
  return `${nameOf(welcome, p.template)} to ${nameOf(welcome, p.institution)}`;
}

/** Terms the seat may promise: [order, words], as far as its view tells what it can do. */
export function giveTerms(state, them) {
  const { welcome, view } = state;
  const kinds = view.options?.kinds ?? [];
  const party = kinds.includes('posture') || kinds.includes('recommitment') || (view.goals?.postures ?? []).length > 0;
  const other = nameOf(welcome, them);
  const out = [];
  if (party) {
    for (const s of ownSectors(welcome, view)) {
      out.push([{ SetPosture: { sector: s.id, pressure: HOLD_FIRE } }, `Hold fire in ${s.name} (pressure at most ${HOLD_FIRE})`]);
    }
    out.push([{ Recommit: { measures: true } }, 'Recommit to the ceasefire, with concrete measures']);
  }
  for (const p of view.options?.proposals ?? []) {
    out.push([{ Vote: { proposal: p.id, ballot: 'Yes' } }, `Vote yes on proposal ${p.id} (${proposalName(welcome, p)})`]);
  }
  if (kinds.includes('lifting of sanctions')) out.push([{ LiftSanctions: { target: them } }, `Lift your sanctions on ${other}`]);
  if (kinds.includes('consent to troops')) out.push([{ ConsentToTroops: { nation: them } }, `Consent to ${other}'s troops`]);
  out.push([{ ShareIntelligence: { with: them } }, `Share intelligence with ${other}`]);
  return out;
}

/** Terms the seat may ask of `them`: [order, words]. What they can do is theirs to know: a term
 * they cannot keep is refused with the reason. */
export function wantTerms(state, them) {
  const { welcome, view } = state;
  const me = view.seat;
  const who = nameOf(welcome, them);
  const out = welcome.map.sectors.map((s) => [
    { SetPosture: { sector: s.id, pressure: HOLD_FIRE } }, `${who} holds fire in ${s.name} (pressure at most ${HOLD_FIRE})`]);
  out.push([{ Recommit: { measures: true } }, `${who} recommits to the ceasefire, with concrete measures`]);
  for (const p of view.options?.proposals ?? []) {
    out.push([{ Vote: { proposal: p.id, ballot: 'Yes' } }, `${who} votes yes on proposal ${p.id} (${proposalName(welcome, p)})`]);
  }
  out.push([{ LiftSanctions: { target: me } }, `${who} lifts its sanctions on you`]);
  out.push([{ ConsentToTroops: { nation: me } }, `${who} consents to your troops`]);
  out.push([{ ShareIntelligence: { with: me } }, `${who} shares intelligence with you`]);
  return out;
}

function TermBoxes({ terms, chosen, onToggle, testid, full }) {
  return html`<ul class="terms">${terms.map(([order, words]) => {
    const k = keyOf(order);
    const on = chosen.includes(k);
    return html`<li key=${k}><label><input type="checkbox" data-testid=${testid} checked=${on} disabled=${!on && full}
      onChange=${() => onToggle(k)} /> <span>${words}</span></label></li>`;
  })}</ul>`;
}

function UntilSelect({ state, until, setUntil }) {
  const { welcome, view } = state;
  const last = Math.min(welcome.turns, view.turn + MAX_DEAL_TURNS - 1);
  const turns = Array.from({ length: Math.max(0, last - view.turn + 1) }, (_, i) => view.turn + i);
  return html`<label class="inline">Binding until the end of
    <select data-testid="offer-until" value=${until} onChange=${(e) => setUntil(e.target.value)}>
      <option value="">next turn (the usual)</option>
      ${turns.map((t) => html`<option key=${t} value=${String(t)}>turn ${t}${t === view.turn ? ' (this one)' : ''}</option>`)}
    </select></label>`;
}

const toggled = (list, k) => (list.includes(k) ? list.filter((x) => x !== k) : [...list, k]);

/** The offer dialog of a seat's conversation: what you give, what you ask, until when, a note. */
export function OfferDialog({ state, store, send, to }) {
  const { welcome, view } = state;
  const [open, setOpen] = useState(false);
  const [give, setGive] = useState([]);
  const [built, setBuilt] = useState([]);
  const [want, setWant] = useState([]);
  const [until, setUntil] = useState('');
  const [note, setNote] = useState('');
  // The number of the last answer before the offer was sent, while it waits for its own.
  const [sentAfter, setSentAfter] = useState(null);
  const [refusal, setRefusal] = useState('');
  const reset = () => {
    for (const set of [setGive, setBuilt, setWant]) set([]);
    for (const set of [setUntil, setNote, setRefusal]) set('');
    setSentAfter(null);
  };
  // A new seat's conversation starts a new offer.
  useEffect(() => {
    reset();
    setOpen(false);
  }, [to]);
  // Once the server takes the offer the dialog closes; a refusal keeps it open to mend.
  const tv = state.talkVerdict;
  useEffect(() => {
    if (sentAfter == null || !tv || tv.n <= sentAfter || tv.what !== 'offer') return;
    setSentAfter(null);
    if (tv.ok) {
      reset();
      setOpen(false);
    } else {
      setRefusal(tv.text);
    }
  }, [tv?.n]);
  // An answer that never comes (the connection dropped) does not keep the button waiting.
  useEffect(() => {
    if (sentAfter == null) return undefined;
    const t = setTimeout(() => setSentAfter(null), 8000);
    return () => clearTimeout(t);
  }, [sentAfter]);
  const other = nameOf(welcome, to);
  const ordersOpen = view.phase === 'Orders';
  if (!open) {
    return html`<div class="row"><button type="button" data-testid="offer-open" disabled=${!ordersOpen} onClick=${() => setOpen(true)}>
      Make an offer to ${other}…</button>${ordersOpen ? '' : html`<span class="muted">Offers are made during the orders phase.</span>`}</div>`;
  }
  const gives = giveTerms(state, to);
  const wants = wantTerms(state, to);
  const giveOrders = [...gives.filter(([o]) => give.includes(keyOf(o))).map(([o]) => o), ...built];
  const wantOrders = wants.filter(([o]) => want.includes(keyOf(o))).map(([o]) => o);
  const ready = ordersOpen && sentAfter == null && giveOrders.length >= 1 && giveOrders.length <= MAX_TERMS
    && wantOrders.length >= 1 && wantOrders.length <= MAX_TERMS;
  const locked = !!view.draft?.locked;
  const submit = () => {
    if (!ready) return;
    setRefusal('');
    send({ Offer: { to, give: giveOrders, want: wantOrders, until_turn: until === '' ? null : Number(until), note: note.trim() } });
    setSentAfter(state.events.at(-1)?.n ?? 0);
  };
  return html`<section class="offer-form" data-testid="offer-dialog" aria-label=${`Make an offer to ${other}`}>
    <h5>An offer to ${other}</h5>
    <p class="muted small">If they accept, the deal binds you both; the rules check every term at each resolution until it ends.</p>
    <fieldset data-testid="offer-give"><legend>You give (${giveOrders.length} of at most ${MAX_TERMS})</legend>
      <${TermBoxes} terms=${gives} chosen=${give} onToggle=${(k) => setGive((g) => toggled(g, k))} testid="offer-give-term"
        full=${giveOrders.length >= MAX_TERMS} />
      ${built.length ? html`<ul class="terms built">${built.map((o, i) => html`<li key=${i}><span class="text">${describe(o, welcome)}</span>
        <button type="button" class="quiet" onClick=${() => setBuilt(built.filter((_, j) => j !== i))}>Remove</button></li>`)}</ul>` : ''}
      ${ordersOpen && !locked && giveOrders.length < MAX_TERMS ? html`<details class="term-builder"><summary>Another term, built like an order</summary>
        <${Builder} state=${state} store=${store} send=${send} label="Add this term"
          allow=${(k) => !NOT_TERMS.has(k)} onBuilt=${(o) => setBuilt((b) => (b.some((x) => keyOf(x) === keyOf(o)) ? b : [...b, o]))} />
      </details>` : ''}
    </fieldset>
    <fieldset data-testid="offer-want"><legend>You ask of ${other} (${wantOrders.length} of at most ${MAX_TERMS})</legend>
      <${TermBoxes} terms=${wants} chosen=${want} onToggle=${(k) => setWant((w) => toggled(w, k))} testid="offer-want-term"
        full=${wantOrders.length >= MAX_TERMS} />
    </fieldset>
    <${UntilSelect} state=${state} until=${until} setUntil=${setUntil} />
    <label class="field">A note <span class="muted">(optional, they read it with the offer)</span>
      <input type="text" data-testid="offer-note" maxlength=${MAX_NOTE_CHARS} value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
    ${refusal ? html`<p class="verdict refused" data-testid="offer-refused" role="alert">${refusal}</p>` : ''}
    <div class="row">
      <button type="button" class="primary" data-testid="offer-send" disabled=${!ready} onClick=${submit}>
        ${sentAfter != null ? 'Sending…' : 'Send the offer'}</button>
      <button type="button" class="quiet" data-testid="offer-cancel" onClick=${() => {
        reset();
        setOpen(false);
      }}>Cancel</button>
    </div>
  </section>`;
}
