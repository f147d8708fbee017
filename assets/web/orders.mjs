// A player's orders: a new order built from the server's menu (a kind, then each field, or one
// pick from the list of every order the rules would take now), the verdict on it, the team's
// draft with its retractions, the lock, and the advisor's suggestions. The same form builds the
// terms a seat offers in a deal.

import { html, useEffect, useState } from './vendor/preact-htm.mjs';
import { costOf, describe, kindOf } from './text.mjs';
import { choicesAt, fieldsOf, keyOf, matching, valueWords, valuesOf, withText } from './menus.mjs';

/** The most orders the pick list shows at once; the fields narrow it down. */
const LIST_SHOWN = 60;
const MAX_TEXT_CHARS = 1000;

function KindSelect({ kinds, kind, welcome, onKind, disabled }) {
  return html`<label class="field">What kind of order
    <select data-testid="kind-select" value=${kind} disabled=${disabled} onChange=${(e) => onKind(e.target.value)}>
      <option value="">Choose a kind…</option>
      ${kinds.map((k) => {
        const cost = costOf(welcome, k);
        return html`<option key=${k} value=${k}>${cost > 0 ? `${k} (costs ${cost})` : k}</option>`;
      })}
    </select></label>`;
}

function ChoiceField({ index, prompt, what, choices, chosen, state, onChoose }) {
  const at = chosen === undefined ? '' : String(choices.findIndex((c) => keyOf(c) === keyOf(chosen)));
  return html`<label class="field">${prompt}
    <select data-testid=${`field-${index}`} value=${at} onChange=${(e) => onChoose(choices[Number(e.target.value)])}>
      <option value="" disabled>Choose…</option>
      ${choices.map((c, i) => html`<option key=${keyOf(c)} value=${String(i)}>${valueWords(what, c, state.welcome, state.view)}</option>`)}
    </select></label>`;
}

function TextField({ index, prompt, text, onText }) {
  return html`<label class="field">${prompt}
    <textarea data-testid="order-text" data-field=${index} rows="3" maxlength=${MAX_TEXT_CHARS} value=${text}
      onInput=${(e) => onText(e.target.value)} placeholder="Write it yourself: everyone it goes to reads it as you type it"></textarea>
    <span class="muted small">${text.length}/${MAX_TEXT_CHARS}</span></label>`;
}

/** The fields shown so far: each appears once every field before it has been chosen. */
function Fields({ kind, orders, chosen, texts, state, onChoose, onText }) {
  const out = [];
  for (const [i, [prompt, what]] of fieldsOf(kind).entries()) {
    if (what === 'text') {
      out.push(html`<${TextField} key=${i} index=${i} prompt=${prompt} text=${texts[i] ?? ''} onText=${(t) => onText(i, t)} />`);
      continue;
    }
    const choices = choicesAt(kind, orders, chosen, i);
    out.push(html`<${ChoiceField} key=${`${kind}-${i}`} index=${i} prompt=${prompt} what=${what} choices=${choices}
      chosen=${chosen[i]} state=${state} onChoose=${(v) => onChoose(i, v)} />`);
    if (chosen[i] === undefined) break;
  }
  return out;
}

function PickList({ kind, orders, chosen, welcome, onPick }) {
  const fit = matching(kind, orders, prefix(chosen));
  const shown = fit.slice(0, LIST_SHOWN);
  return html`<details class="pick-list" open=${fit.length <= 12}>
    <summary>Or pick one of the ${fit.length} ${fit.length === 1 ? 'order' : 'orders'} the rules would take now</summary>
    <ul>${shown.map((o, i) => html`<li key=${i}><button type="button" class="choice" data-testid="menu-choice"
      onClick=${() => onPick(o)}>${describe(withText(o, '…'), welcome)}</button></li>`)}</ul>
    ${fit.length > shown.length ? html`<p class="muted">${fit.length - shown.length} more: narrow them with the fields above.</p>` : ''}
  </details>`;
}

/** The values chosen up to the first one not chosen yet. */
function prefix(chosen) {
  const at = chosen.findIndex((v) => v === undefined);
  return at < 0 ? chosen : chosen.slice(0, at);
}

/** The order the fields make, once every field is chosen and every text written. */
function finished(kind, orders, chosen, texts) {
  const fields = fieldsOf(kind);
  const values = fields.map(([, what], i) => (what === 'text' ? texts[i] ?? '' : chosen[i]));
  if (values.some((v, i) => (fields[i][1] === 'text' ? !String(v).trim() : v === undefined))) return null;
  const order = matching(kind, orders, values)[0];
  if (!order) return null;
  const textAt = fields.findIndex(([, what]) => what === 'text');
  return textAt < 0 ? order : withText(order, values[textAt]);
}

/** The order form. By default it hands the order in; with `onBuilt` it gives the order to the
 * caller instead (a term of an offer, say), offering only the kinds `allow` lets through. */
export function Builder({ state, store, send, onBuilt = null, allow = () => true, label = 'Hand in this order' }) {
  const { welcome, view } = state;
  // The kind asked for survives a visit to another tab: the menu it brought is still held.
  const [kind, setKind] = useState(state.menuKind && allow(state.menuKind) ? state.menuKind : '');
  const [chosen, setChosen] = useState([]);
  const [texts, setTexts] = useState({});
  // A new turn (or a fresh view) forgets the kind asked for: the form starts again.
  useEffect(() => {
    if (!state.menuKind && kind) setKind('');
  }, [state.menuKind]);
  const kinds = (view.options?.kinds ?? []).filter(allow);
  const onKind = (k) => {
    setKind(k);
    setChosen([]);
    store.update(() => ({ menuKind: k || null, menu: null }));
    if (k) send({ Menu: { kind: k } });
  };
  const menu = state.menu && state.menu.kind === kind ? state.menu : null;
  const orders = (menu?.orders ?? []).filter((o) => kindOf(o) === kind);
  const onChoose = (i, v) => {
    // Choosing a field again forgets the fields after it: their choices depend on it.
    const next = chosen.slice(0, i);
    next[i] = v;
    setChosen(next);
  };
  const onText = (i, t) => setTexts({ ...texts, [i]: t });
  const onPick = (o) => setChosen(valuesOf(o).map((v, i) => (fieldsOf(kind)[i]?.[1] === 'text' ? undefined : v)));
  const order = kind && menu ? finished(kind, orders, chosen, texts) : null;
  const submit = (e) => {
    e.preventDefault();
    if (!order) return;
    if (onBuilt) onBuilt(order);
    else send({ Order: order });
    setChosen([]);
    setTexts({});
  };
  if (kinds.length === 0) return html`<p class="muted">No kind of order is open to you now.</p>`;
  return html`<form class="builder" onSubmit=${submit} aria-label=${onBuilt ? label : 'New order'}>
    <${KindSelect} kinds=${kinds} kind=${kind} welcome=${welcome} onKind=${onKind} />
    ${kind && !menu ? html`<p class="muted" role="status">Asking the server which ${kind} orders it would take…</p>` : ''}
    ${kind && menu && orders.length === 0 ? html`<p class="muted">The rules would take no ${kind} now.</p>` : ''}
    ${kind && menu && orders.length > 0 ? html`
      <${Fields} kind=${kind} orders=${orders} chosen=${chosen} texts=${texts} state=${state} onChoose=${onChoose} onText=${onText} />
      <${PickList} kind=${kind} orders=${orders} chosen=${chosen} welcome=${welcome} onPick=${onPick} />` : ''}
    <div class="row">
      <button type="submit" class="primary" data-testid="submit-order" disabled=${!order}>${label}</button>
      ${order ? html`<span class="muted">${describe(order, welcome)}</span>` : ''}
    </div>
  </form>`;
}

function Draft({ state, send, open }) {
  const d = state.view.draft;
  const orders = d?.orders ?? [];
  return html`<section><h4>Your team's orders this turn</h4>
    <ul class="draft" data-testid="draft">
      ${orders.length === 0 ? html`<li class="muted">No orders yet.</li>` : ''}
      ${orders.map((o) => html`<li key=${o.id} data-testid="draft-order" data-id=${o.id}>
        <span class="text">#${o.id} ${describe(o.order, state.welcome)} <span class="muted">(cost ${o.cost})</span></span>
        <button type="button" class="quiet" data-testid=${`retract-${o.id}`} disabled=${!open}
          onClick=${() => send({ Seat: { Retract: o.id } })}>Retract</button></li>`)}
    </ul></section>`;
}

function Advice({ state, send, open }) {
  const advice = state.view.options?.advice ?? [];
  if (!open) return '';
  return html`<section class="advice" data-testid="advice"><h4>Your advisor suggests</h4>
    ${advice.length === 0 ? html`<p class="muted">Nothing more this turn.</p>` : html`
      <ul>${advice.map((o, i) => html`<li key=${i}><span class="text">${describe(o, state.welcome)}</span>
        <button type="button" data-testid="use-advice" onClick=${() => send({ Order: o })}>Use this advice</button></li>`)}</ul>
      <button type="button" data-testid="use-all-advice" onClick=${() => advice.forEach((o) => send({ Order: o }))}>Use all the advice</button>`}
  </section>`;
}

function LockButton({ state, send }) {
  const locked = !!state.view.draft?.locked;
  const orders = state.view.phase === 'Orders';
  // Two actions, named by what the button does now: a team-mate's second press of "Lock" only
  // locks again, it never unlocks.
  return html`<button type="button" class=${locked ? '' : 'primary'} data-testid="lock-button" data-locked=${locked ? 'true' : 'false'}
    disabled=${!orders} onClick=${() => send({ Seat: locked ? 'Unlock' : 'Lock' })}>
    ${locked ? 'Unlock to revise' : 'Lock our orders'}</button>`;
}

export function OrdersPanel({ state, store, send }) {
  const { view } = state;
  const own = view.briefing.own;
  const spent = (view.draft?.orders ?? []).reduce((s, o) => s + o.cost, 0);
  const locked = !!view.draft?.locked;
  const open = view.phase === 'Orders' && !locked;
  return html`<section class="orders">
    <div class="orders-head">
      <p><strong>${locked ? 'Locked' : view.phase === 'Orders' ? 'Open' : 'Closed'}</strong>: spent ${spent}${own ? ` of ${own.capital} capital` : ''}.</p>
      <${LockButton} state=${state} send=${send} />
    </div>
    <p class=${`verdict ${state.verdict?.ok ? 'ok' : state.verdict ? 'refused' : ''}`} data-testid="verdict" role="status">${state.verdict?.text ?? ''}</p>
    ${open ? html`<${Builder} state=${state} store=${store} send=${send} />`
      : html`<p class="muted">${locked ? 'Your orders are locked; unlock them to add or retract.' : 'Orders are handed in during the orders phase.'}</p>`}
    <${Draft} state=${state} send=${send} open=${open} />
    <${Advice} state=${state} send=${send} open=${open} />
  </section>`;
}
