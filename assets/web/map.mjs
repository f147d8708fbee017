// The map of the line: each sector drawn from the welcome's points, coloured by tension (or by the
// violations monitors recorded last turn), with troops (▲) and monitors (◉) marked. A sector is a
// button: click it, or Tab to it and press Enter, to see its details.

import { html } from './vendor/preact-htm.mjs';
import { shortName, words } from './text.mjs';

const WIDTH = 640;
// The box is as tall as the line needs, within these: a long east–west front takes less room.
const LOWEST = 240;
const HIGHEST = 420;
const PAD = 56;

// Line colours: each stands out from the map's background (3:1 or more) and keeps the white
// numbers on it readable (4.5:1 or more).
const TENSION = { low: '#1a7f37', mid: '#9a5000', high: '#c62828' };
const RECORDED = ['#6f93c4', '#4a74b5', '#2f5fa8', '#173a78'];

/** The band of a tension (0..1): the terminal client's three, green low to red high. */
export function tensionBand(t) {
  return t < 0.33 ? 'low' : t < 0.66 ? 'mid' : 'high';
}

export function tensionColour(t) {
  return TENSION[tensionBand(t)];
}

/** Colour of a share (0..1) of the most violations any sector recorded: light to deep blue. */
function recordedColour(share) {
  return RECORDED[Math.min(RECORDED.length - 1, Math.floor(share * RECORDED.length))];
}

/** Points (lat, lon) → screen (x, y): longitude east, latitude up, shrunk by the cosine of the
 * middle latitude so that a kilometre is as long either way, fitted into the box; and the box's
 * height. */
function projection(points) {
  const finite = points.filter((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (finite.length === 0) return null;
  const lats = finite.map((p) => p[0]);
  const mid = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((mid * Math.PI) / 180);
  const xs = finite.map((p) => p[1] * k);
  const ys = finite.map((p) => -p[0]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [dx, dy] = [Math.max(x1 - x0, 1e-6), Math.max(y1 - y0, 1e-6)];
  const height = Math.min(HIGHEST, Math.max(LOWEST, (dy / dx) * (WIDTH - 2 * PAD) + 2 * PAD));
  const scale = Math.min((WIDTH - 2 * PAD) / dx, (height - 2 * PAD) / dy);
  const ox = (WIDTH - (x1 - x0) * scale) / 2;
  const oy = (height - (y1 - y0) * scale) / 2;
  const at = (p) => (Array.isArray(p) ? [ox + (p[1] * k - x0) * scale, oy + (-p[0] - y0) * scale] : [NaN, NaN]);
  return { height, at };
}

function polyline(pts) {
  // A point that is not a number (JSON has no NaN: it comes as null) is left out of the line.
  return pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
}

/** Where a sector's label goes: beside its middle point, across the line from the middle of the
 * whole line, and turned back where it would run off the box. `chars` is the label's length. */
function labelAt(pts, at, centre, chars) {
  const mid = pts[at];
  const [p, q] = [pts[Math.max(0, at - 1)], pts[Math.min(pts.length - 1, at + 1)]];
  let [nx, ny] = [-(q[1] - p[1]), q[0] - p[0]];
  const len = Math.hypot(nx, ny);
  [nx, ny] = len > 0 ? [nx / len, ny / len] : [1, 0];
  if (nx * (mid[0] - centre[0]) + ny * (mid[1] - centre[1]) < 0) [nx, ny] = [-nx, -ny];
  let anchor = nx > 0.35 ? 'start' : nx < -0.35 ? 'end' : 'middle';
  const width = chars * 8.5;
  let x = mid[0] + nx * 20;
  if (anchor === 'start' && x + width > WIDTH - 4) [anchor, x] = ['end', mid[0] - 20];
  else if (anchor === 'end' && x - width < 4) [anchor, x] = ['start', mid[0] + 20];
  else if (anchor === 'middle') x = Math.min(WIDTH - 4 - width / 2, Math.max(4 + width / 2, x));
  // Below the line the text hangs from its baseline: move it down by its height.
  const y = mid[1] + ny * 20 + (ny > 0.35 ? 10 : 0);
  return { x, y, anchor };
}

function sectorColour(mode, v, most) {
  if (mode === 'recorded') return recordedColour(most > 0 ? (v?.recorded_last_turn ?? 0) / most : 0);
  return tensionColour(v?.tension ?? 0);
}

function marks(v) {
  const out = [];
  if (v?.peacekeepers > 0) out.push(`▲ ${v.peacekeepers}`);
  if (v?.monitors > 0) out.push(`◉ ${v.monitors}`);
  return out.join('  ');
}

function Sector({ s, index, screen, centre, v, colour, selected, named, onSelect }) {
  const [a, b] = s.points;
  const pts = screen.slice(a, Math.min(b, screen.length - 1) + 1).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return '';
  const at = Math.floor(pts.length / 2);
  const mid = pts[at];
  const name = shortName(s.name);
  const label = labelAt(pts, at, centre, Math.max(name.length, marks(v).length));
  const tension = v ? `tension ${v.tension.toFixed(2)}` : '';
  const keys = (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(s.id);
    }
  };
  return html`<g class=${`sector${selected ? ' selected' : ''}`} tabindex="0" role="button"
      aria-pressed=${selected ? 'true' : 'false'} aria-label=${`Sector ${index + 1}: ${s.name}, ${tension}`}
      data-testid=${`sector-${s.id}`} onClick=${() => onSelect(s.id)} onKeyDown=${keys}>
    <polyline class="halo" points=${polyline(pts)} />
    <polyline class="hit" points=${polyline(pts)} />
    <polyline class="stroke" points=${polyline(pts)} stroke=${colour} />
    <circle cx=${mid[0]} cy=${mid[1]} r="11" fill=${colour} class="dot" />
    <text x=${mid[0]} y=${mid[1] + 4} class="dot-number" text-anchor="middle">${index + 1}</text>
    ${named ? html`<text x=${label.x} y=${label.y} class="label" text-anchor=${label.anchor}>${name}</text>
      <text x=${label.x} y=${label.y + 17} class="marks" text-anchor=${label.anchor}>${marks(v)}</text>` : ''}
  </g>`;
}

function Legend({ mode, onMode }) {
  const choose = (m) => html`<button type="button" class=${mode === m ? 'on' : ''} aria-pressed=${mode === m ? 'true' : 'false'}
    data-testid=${`map-mode-${m}`} onClick=${() => onMode(m)}>${m === 'tension' ? 'Tension' : 'Violations recorded last turn'}</button>`;
  const bands = mode === 'tension'
    ? [[TENSION.low, 'low (under 0.33)'], [TENSION.mid, 'middling'], [TENSION.high, 'high (0.66 and over)']]
    : [[RECORDED[0], 'few'], [RECORDED[2], 'more'], [RECORDED[3], 'the most']];
  return html`<div class="legend">
    <div class="toggle" role="group" aria-label="Colour the sectors by" data-testid="map-mode">
      <span>Colour by:</span>${choose('tension')}${choose('recorded')}
    </div>
    <ul class="swatches">
      ${bands.map(([c, w]) => html`<li key=${w}><svg width="22" height="10" aria-hidden="true"><rect width="22" height="10" fill=${c} /></svg> ${w}</li>`)}
      <li>▲ troops deployed</li><li>◉ monitors</li>
    </ul>
  </div>`;
}

export function LineMap({ welcome, view, selected, onSelect, mode, onMode }) {
  const project = projection(welcome.map.points);
  if (!project) return html`<section class="map" data-testid="map"><p>This scenario has no map.</p></section>`;
  const screen = welcome.map.points.slice(0, 4096).map(project.at);
  const finite = screen.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const centre = finite.reduce(([x, y], [a, b]) => [x + a / finite.length, y + b / finite.length], [0, 0]);
  const views = new Map((view?.sectors ?? []).map((v) => [v.id, v]));
  const most = Math.max(0, ...[...views.values()].map((v) => v.recorded_last_turn));
  const sectors = welcome.map.sectors.slice(0, 256);
  // Past a few sectors the names would crowd: the map numbers them, names the selected one, and
  // the numbered list under it names them all.
  const dense = sectors.length > 4;
  // Sectors stay in the line's order (and so in the order Tab visits them), whichever is selected.
  const order = sectors.map((s, i) => [s, i]);
  return html`<section class="map" data-testid="map" aria-label=${`Map: ${welcome.map.line_name}`}>
    <h2>${welcome.map.line_name} <span class="muted">(${Math.round(welcome.map.length_km)} km)</span></h2>
    <svg viewBox=${`0 0 ${WIDTH} ${Math.round(project.height)}`} preserveAspectRatio="xMidYMid meet" role="group" aria-label="Sectors of the line">
      <polyline class="whole-line" points=${polyline(screen)} />
      ${order.map(([s, i]) => html`<${Sector} key=${s.id} s=${s} index=${i} screen=${screen} centre=${centre}
        v=${views.get(s.id)} colour=${sectorColour(mode, views.get(s.id), most)} selected=${s.id === selected}
        named=${!dense || s.id === selected} onSelect=${onSelect} />`)}
    </svg>
    ${dense ? html`<${SectorList} welcome=${welcome} views=${views} selected=${selected} onSelect=${onSelect} />` : ''}
    <${Legend} mode=${mode} onMode=${onMode} />
  </section>`;
}

/** The selected sector: its figures, and the seat's own contingents there. */
export function SectorDetails({ welcome, view, selected }) {
  const s = welcome.map.sectors.find((x) => x.id === selected);
  if (!s) return html`<section class="sector-details" data-testid="sector-details"><p class="muted">Pick a sector on the map to see its details.</p></section>`;
  const v = view?.sectors.find((x) => x.id === s.id);
  const index = welcome.map.sectors.indexOf(s) + 1;
  const mine = (view?.briefing.own?.contingents ?? []).filter((c) => c[3] === s.id);
  return html`<section class="sector-details" data-testid="sector-details" aria-live="polite">
    <h3>Sector ${index}: ${s.name} <span class="muted">(${Math.round(s.length_km)} km)</span></h3>
    ${v ? html`<dl class="facts">
      <div><dt>Tension</dt><dd><strong class=${`tension ${tensionBand(v.tension)}`}>${v.tension.toFixed(2)}</strong></dd></div>
      <div><dt>Recorded violations last turn</dt><dd>${v.recorded_last_turn}</dd></div>
      <div><dt>Incidents last turn</dt><dd>${v.incidents_last_turn}</dd></div>
      <div><dt>▲ Troops deployed</dt><dd>${v.peacekeepers}</dd></div>
      <div><dt>◉ Monitors</dt><dd>${v.monitors}</dd></div>
    </dl>` : ''}
    ${mine.length ? html`<p>Yours here: ${mine.map((c) => `${c[0]} (${c[2]} ${words(c[1])})`).join(', ')}</p>` : ''}
  </section>`;
}

/** The sectors as a numbered list of buttons under a crowded map: every name, and picking by name. */
function SectorList({ welcome, views, selected, onSelect }) {
  return html`<ol class="sector-list" aria-label="Sectors">
    ${welcome.map.sectors.slice(0, 256).map((s, i) => {
      const v = views.get(s.id);
      return html`<li key=${s.id}><button type="button" class=${s.id === selected ? 'on' : ''} aria-pressed=${s.id === selected ? 'true' : 'false'}
        onClick=${() => onSelect(s.id)}><span><strong>${i + 1}</strong> ${shortName(s.name)}</span>${v ? html` <span class=${`tension ${tensionBand(v.tension)}`}>${v.tension.toFixed(2)}</span>` : ''}</button></li>`;
    })}
  </ol>`;
}
