// Cleaning what the server sends and putting the game's ids and numbers into words. Everything
// here is pure: the same input always gives the same text.

// What a reader must never be shown, whoever sent it (docs/protocol.md §3, as src/client/guard.rs
// does): C0 and C1 controls, DEL, and the marks that reorder text. Line ends become spaces.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_ENDS = /[\t\n\r]/g;

/** Longest string kept, and most items kept of any list: a bound on what a server can make us hold. */
export const MAX_STRING = 4000;
export const MAX_LIST = 4096;
/** Deepest nesting kept (a pledge's conditions nest; nothing else goes deep). */
const MAX_DEPTH = 48;

export function cleanString(s) {
  const t = s.replace(LINE_ENDS, ' ').replace(CONTROL, '');
  return t.length > MAX_STRING ? t.slice(0, MAX_STRING) : t;
}

/** A copy of a parsed JSON value with every string cleaned and every list bounded. */
export function clean(value, depth = 0) {
  if (typeof value === 'string') return cleanString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.slice(0, MAX_LIST).map((v) => clean(v, depth + 1));
  const out = {};
  for (const [k, v] of Object.entries(value)) out[cleanString(k)] = clean(v, depth + 1);
  return out;
}

/** A join code as people read it: capitals, and a dash in the middle of eight characters. */
export function normaliseCode(raw) {
  const bare = raw.toUpperCase().replace(/[^0-9A-Z]/g, '');
  return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : bare;
}

/** The name of a nation, body, mandate template or sector, or the id itself if unknown. */
export function nameOf(welcome, id) {
  if (!welcome || id == null) return String(id ?? '');
  const pairs = [...welcome.nations, ...welcome.choices.institutions, ...welcome.choices.templates];
  const pair = pairs.find(([k]) => k === id);
  if (pair) return pair[1];
  const sector = welcome.map.sectors.find((s) => s.id === id);
  return sector ? sector.name : id;
}

/** A sector's name without its bracketed detail, for labels on the map. */
export function shortName(name) {
  const at = name.indexOf(' (');
  return at > 0 ? name.slice(0, at) : name;
}

const PHASES = {
  Lobby: 'Lobby',
  Briefing: 'Briefing',
  Orders: 'Orders phase',
  Resolution: 'Resolving',
  GameOver: 'Game over',
};

export function phaseWords(phase) {
  return PHASES[phase] ?? String(phase);
}

/** Milliseconds as m:ss (h:mm:ss past an hour), rounded up: 0:00 only when time is up. */
export function clockWords(ms) {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A change with its sign; one that rounds to nothing reads +0.00, not -0.00. */
export function signed(x, digits) {
  const t = x.toFixed(digits);
  return Number(t) === 0 ? `+${(0).toFixed(digits)}` : x > 0 ? `+${t}` : t;
}

export function percent(x) {
  return `${Math.round(x * 100)}%`;
}

/** "WeaponsSupply" → "weapons supply". */
export function words(variant) {
  return String(variant).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** An externally tagged enum value (serde's JSON): its variant and its fields. */
export function variantOf(tagged) {
  if (typeof tagged === 'string') return [tagged, null];
  const [variant] = Object.keys(tagged ?? {});
  return [variant, tagged?.[variant]];
}

/** What each order variant is called in menus and verdicts (`Order::kind`). */
export const KIND_OF = {
  PrivateMessage: 'private message',
  PublicStatement: 'public statement',
  ProposeMandate: 'mandate proposal',
  Vote: 'vote',
  Pledge: 'pledge',
  Withdraw: 'withdrawal',
  Deploy: 'deployment',
  OfferGuarantee: 'guarantee offer',
  AcceptGuarantee: 'acceptance of a guarantee',
  RejectGuarantee: 'rejection of a guarantee',
  ImposeSanctions: 'sanctions',
  LiftSanctions: 'lifting of sanctions',
  ShareIntelligence: 'intelligence sharing',
  SetPosture: 'posture',
  Recommit: 'recommitment',
  RequestAirSupport: 'request for air support',
  Accuse: 'accusation',
  RefuseTroops: 'refusal of troops',
  ConsentToTroops: 'consent to troops',
  Lobby: 'lobbying',
};

export function kindOf(order) {
  return KIND_OF[variantOf(order)[0]] ?? 'order';
}

/** The conditions a pledge menu offers, in words (`menu::pledge_conditions`). */
export function conditionWords(condition) {
  if (condition == null) return 'At once';
  const [variant, arg] = variantOf(condition);
  if (variant === 'MandateOfKind' && arg === 'Interpose') return 'When an armed (interpose) mandate is in force';
  if (variant === 'MandateOfKind' && arg === 'Enforce') return 'When an enforcement mandate is in force';
  if (variant === 'CeasefireHolds') return 'While the ceasefire holds';
  return `On a condition (${words(variant)})`;
}

function whereWords(welcome, sectors) {
  return sectors.length === 0 ? 'whole line' : sectors.map((s) => nameOf(welcome, s)).join(', ');
}

/** An order in words, with names for the ids it holds (as the terminal client's `describe`). */
export function describe(order, welcome) {
  const [variant, f] = variantOf(order);
  const name = (id) => nameOf(welcome, id);
  switch (variant) {
    case 'PrivateMessage': return `message to ${name(f.to)}: ${f.text}`;
    case 'PublicStatement': return `statement: ${f.text}`;
    case 'ProposeMandate': return `propose ${name(f.template)} to ${name(f.institution)} (${whereWords(welcome, f.sectors)})`;
    case 'Vote': return `vote ${f.ballot} on proposal ${f.proposal}`;
    case 'Pledge': return `pledge ${f.contingent} to ${name(f.sector)}: ${conditionWords(f.condition).toLowerCase()}`;
    case 'Withdraw': return `withdraw ${f.contingent}`;
    case 'Deploy': return `deploy ${f.contingent} to ${name(f.sector)}`;
    case 'OfferGuarantee': return `offer ${name(f.recipient)} a guarantee: ${f.components.map(words).join(', ')}`;
    case 'AcceptGuarantee': return `accept guarantee ${f.guarantee}`;
    case 'RejectGuarantee': return `reject guarantee ${f.guarantee}`;
    case 'ImposeSanctions': return `sanction ${name(f.target)}`;
    case 'LiftSanctions': return `lift sanctions on ${name(f.target)}`;
    case 'ShareIntelligence': return `share intelligence with ${name(f.with)}`;
    case 'SetPosture': return `posture ${Number(f.pressure).toFixed(1)} in ${name(f.sector)}`;
    case 'Recommit': return f.measures ? 'recommit, with measures' : 'recommit';
    case 'RequestAirSupport': return `request air support in ${name(f.sector)}`;
    case 'Accuse': return `accuse ${name(f.nation)}`;
    case 'RefuseTroops': return `refuse ${name(f.nation)}'s troops`;
    case 'ConsentToTroops': return `consent to ${name(f.nation)}'s troops`;
    case 'Lobby': return `lobby ${name(f.institution)} for ${name(f.template)}`;
    default: return String(variant);
  }
}

/** What a kind of order costs, from the welcome's table (0 when it says nothing). */
export function costOf(welcome, kind) {
  const row = welcome?.choices.costs.find(([k]) => k === kind);
  return row ? row[1] : 0;
}
