// Building an order from the server's menu, field by field, as the terminal client does
// (src/client/form.rs): each kind of order has its fields; each field offers only the values that
// still lead to one of the orders the server said it would take now; text is the sender's to write.

import { conditionWords, nameOf, variantOf, words } from './text.mjs';

/** The fields of each kind of order: [prompt, what it asks for]. */
export const FIELDS = {
  'private message': [['To whom', 'nation'], ['Message', 'text']],
  'public statement': [['Statement', 'text']],
  'mandate proposal': [['Mandate', 'template'], ['Asked of', 'institution'], ['Where', 'sectorOrWhole']],
  vote: [['Proposal', 'proposal'], ['Ballot', 'ballot']],
  pledge: [['Contingent', 'contingent'], ['Sector', 'sector'], ['When', 'when']],
  deployment: [['Contingent', 'contingent'], ['Sector', 'sector']],
  withdrawal: [['Contingent', 'contingent']],
  'guarantee offer': [['To', 'nation'], ['What', 'component']],
  'acceptance of a guarantee': [['Guarantee', 'offer']],
  'rejection of a guarantee': [['Guarantee', 'offer']],
  sanctions: [['Target', 'nation']],
  'lifting of sanctions': [['Target', 'nation']],
  'intelligence sharing': [['With', 'nation']],
  posture: [['Sector', 'sector'], ['Pressure', 'pressure']],
  recommitment: [['With concrete measures', 'yesNo']],
  'request for air support': [['Sector', 'sector']],
  accusation: [['Accuse', 'nation']],
  'refusal of troops': [['Refuse the troops of', 'nation']],
  'consent to troops': [['Consent to the troops of', 'nation']],
  lobbying: [['Press the members of', 'institution'], ['To back a mandate like', 'template']],
};

export function fieldsOf(kind) {
  return FIELDS[kind] ?? [];
}

/** The values the fields choose for `order`, in field order (`form::values_of`). */
export function valuesOf(order) {
  const [variant, f] = variantOf(order);
  switch (variant) {
    case 'PrivateMessage': return [f.to, f.text];
    case 'PublicStatement': return [f.text];
    case 'ProposeMandate': return [f.template, f.institution, f.sectors[0] ?? null];
    case 'Vote': return [f.proposal, f.ballot];
    case 'Pledge': return [f.contingent, f.sector, f.condition ?? null];
    case 'Deploy': return [f.contingent, f.sector];
    case 'Withdraw': return [f.contingent];
    case 'OfferGuarantee': return [f.recipient, f.components[0]];
    case 'AcceptGuarantee':
    case 'RejectGuarantee': return [f.guarantee];
    case 'ImposeSanctions':
    case 'LiftSanctions': return [f.target];
    case 'ShareIntelligence': return [f.with];
    case 'SetPosture': return [f.sector, f.pressure];
    case 'Recommit': return [f.measures];
    case 'RequestAirSupport': return [f.sector];
    case 'Accuse':
    case 'RefuseTroops':
    case 'ConsentToTroops': return [f.nation];
    case 'Lobby': return [f.institution, f.template];
    default: return [];
  }
}

/** A value as a key: values are JSON (ids, numbers, booleans, conditions), so JSON compares them. */
export const keyOf = (value) => JSON.stringify(value ?? null);

/** Whether `order` agrees with the values chosen so far (text fields agree with any text). */
function agrees(kind, order, chosen) {
  const fields = fieldsOf(kind);
  const values = valuesOf(order);
  return chosen.every((v, i) => fields[i]?.[1] === 'text' || keyOf(v) === keyOf(values[i]));
}

/** The menu's orders that agree with the values chosen so far. */
export function matching(kind, orders, chosen) {
  return orders.filter((o) => agrees(kind, o, chosen));
}

/** The distinct values field `at` may take after `chosen`, in the menu's (the game's) order. */
export function choicesAt(kind, orders, chosen, at) {
  const seen = new Map();
  for (const o of matching(kind, orders, chosen.slice(0, at))) {
    const v = valuesOf(o)[at];
    if (!seen.has(keyOf(v))) seen.set(keyOf(v), v);
  }
  return [...seen.values()];
}

/** The order with its text (if it has one) set to `text`. */
export function withText(order, text) {
  const [variant, f] = variantOf(order);
  if (variant === 'PrivateMessage') return { PrivateMessage: { ...f, text } };
  if (variant === 'PublicStatement') return { PublicStatement: { ...f, text } };
  return order;
}

/** Whether the kind has a text for the sender to write. */
export function hasText(kind) {
  return fieldsOf(kind).some(([, what]) => what === 'text');
}

function proposalWords(welcome, view, id) {
  const p = view?.options?.proposals.find((x) => x.id === id);
  if (!p) return `proposal ${id}`;
  const where = p.sectors.length ? p.sectors.map((s) => nameOf(welcome, s)).join(', ') : 'whole line';
  const name = (x) => nameOf(welcome, x);
  return `proposal ${id}: ${name(p.template)} to ${name(p.institution)} by ${name(p.proposer)} (${where})`;
}

function contingentWords(welcome, view, id) {
  const c = view?.briefing.own?.contingents.find(([cid]) => cid === id);
  return c ? `${id}: ${c[2]} ${words(c[1])}, at ${nameOf(welcome, c[3])}` : id;
}

function offerWords(welcome, view, id) {
  const o = view?.briefing.own?.offers.find(([oid]) => oid === id);
  return o ? `${id} from ${nameOf(welcome, o[1])}` : id;
}

function templateWords(welcome, id) {
  const cost = welcome?.mandates.find((t) => t.id === id)?.cost ?? 0;
  return cost > 0 ? `${nameOf(welcome, id)} (costs ${cost})` : nameOf(welcome, id);
}

function pressureWords(p) {
  const mark = p === 0 ? ' (hold fire)' : p === 1 ? ' (push hard)' : '';
  return `${Number(p).toFixed(1)}${mark}`;
}

/** What a field's value reads as in a menu. */
export function valueWords(what, value, welcome, view) {
  switch (what) {
    case 'nation':
    case 'sector':
    case 'institution': return nameOf(welcome, value);
    case 'sectorOrWhole': return value == null ? 'The whole line' : nameOf(welcome, value);
    case 'template': return templateWords(welcome, value);
    case 'proposal': return proposalWords(welcome, view, value);
    case 'contingent': return contingentWords(welcome, view, value);
    case 'offer': return offerWords(welcome, view, value);
    case 'ballot': return String(value);
    case 'pressure': return pressureWords(value);
    case 'yesNo': {
      // Only a recommitment asks yes or no: with measures, it costs more.
      const cost = welcome?.choices.costs.find(([k]) => k === 'recommitment with measures')?.[1] ?? 0;
      return value ? (cost > 0 ? `Yes (costs ${cost})` : 'Yes') : 'No';
    }
    case 'component': return words(value);
    case 'when': return conditionWords(value);
    default: return String(value);
  }
}
