// The browser client against a real server, as people use it: students of one seat, an
// observer, the projector and the facilitator, each in their own browser context. It meets a
// fresh game of scenarios/tutorial.ron in the lobby, started with `--turn-seconds 600`.
//
//   TRUCE_URL=http://127.0.0.1:18123 TRUCE_CODES=codes.json TRUCE_ARTIFACTS=target/browser \
//     node tests/browser/run.mjs
//
// One line per check; the first failure ends the run with its reason and a non-zero exit.
// A student of France joins for the negotiation checks, which its bot then plays on.
// CHROMIUM names the browser binary (by default /usr/bin/chromium; nothing is downloaded).

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.TRUCE_URL ?? '').replace(/\/$/, '');
const CODES = process.env.TRUCE_CODES;
const ARTIFACTS = process.env.TRUCE_ARTIFACTS ?? join(HERE, '..', '..', 'target', 'browser');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCENARIO = join(HERE, '..', '..', 'scenarios', 'tutorial.ron');
const WHOLE_RUN_MS = 170_000;
const HOSTILE = '<img src=x onerror=alert(1)>';
// A private message from Ukraine to France: no observer or projector may ever be sent it.
const PRIVATE = 'BACK-CHANNEL ukr to fra: can we hold the south together?';
const PUBLIC = `On the record: ${HOSTILE}`;
const SMALL = { width: 1366, height: 768 };
const LARGE = { width: 1920, height: 1080 };

let step = 'setting up';
const pages = [];

function ok(what) {
  console.log(`ok - ${what}`);
}

class Failure extends Error {}

function fail(why) {
  throw new Failure(why);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `test` holds (it may throw meanwhile), or fails saying what did not happen. */
async function until(what, test, ms = 15_000) {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    try {
      if (await test()) return;
    } catch (e) {
      last = `: ${e.message.split('\n')[0]}`;
    }
    await sleep(100);
  }
  fail(`${what} (waited ${ms / 1000} s${last})`);
}

/** The scenario's secret objectives: `text:` of every objective with `public: false`, and the
 * nation whose it is (the nearest `Nation(id: …)` before it). */
function secretObjectives() {
  const ron = readFileSync(SCENARIO, 'utf8');
  const re = /Objective\(\s*id:\s*"[^"]*",\s*text:\s*"((?:[^"\\]|\\.)*)",\s*public:\s*false/g;
  const nations = [...ron.matchAll(/Nation\(\s*id:\s*"([^"]+)"/g)].map((m) => [m.index, m[1]]);
  return [...ron.matchAll(re)].map((m) => ({ text: m[1], nation: nations.filter(([at]) => at < m.index).at(-1)?.[1] ?? '' }));
}

/** A page in its own context, with everything it does recorded for the checks. */
async function openPage(browser, label, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const rec = { label, page, context, errors: [], requests: [], sockets: [], frames: [] };
  page.on('dialog', async (d) => {
    rec.errors.push(`a dialog opened (${d.type()}: ${d.message()})`);
    await d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    if (m.type() === 'error') rec.errors.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => rec.errors.push(`page error: ${e.message}`));
  page.on('request', (r) => rec.requests.push(r.url()));
  page.on('websocket', (ws) => {
    rec.sockets.push(ws.url());
    ws.on('framereceived', (f) => rec.frames.push(String(f.payload)));
  });
  pages.push(rec);
  return rec;
}

const byId = (rec, id) => rec.page.getByTestId(id);
const attrOf = (rec, id, name) => byId(rec, id).first().getAttribute(name, { timeout: 1000 });
const textOf = async (rec, id) => ((await byId(rec, id).first().textContent({ timeout: 1000 })) ?? '').replace(/\s+/g, ' ').trim();

async function joinAs(rec, code, name) {
  await rec.page.goto(`${BASE}/`);
  await byId(rec, 'join-code').fill(code);
  await byId(rec, 'join-name').fill(name);
  await byId(rec, 'join-button').click();
  await until(`${rec.label} is in the game`, async () => (await byId(rec, 'nation').count()) > 0);
}

async function shot(rec, name) {
  await rec.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The newest answer the facilitator's page shows: its number and its words. */
async function newestAnswer(fac) {
  const newest = byId(fac, 'answer').first();
  if ((await byId(fac, 'answer').count()) === 0) return ['', ''];
  return [await newest.getAttribute('data-n'), (await newest.textContent()) ?? ''];
}

/** Clicks a command's button and waits for the server's answer to it, which must be Done. */
async function command(fac, testid, word) {
  const [before] = await newestAnswer(fac);
  await byId(fac, testid).click();
  let words = '';
  await until(`the facilitator is answered about "${word}"`, async () => {
    const [n, text] = await newestAnswer(fac);
    words = text;
    return n !== before;
  });
  if (!words.startsWith('✔') || !words.includes(word)) fail(`the facilitator's ${word} was answered: ${words}`);
}

function noHostileImage(rec) {
  return rec.page.evaluate(() => document.querySelectorAll('img[src="x"], img').length === 0);
}

async function openTab(rec, tab) {
  await byId(rec, `tab-${tab}`).click();
}

async function clockMs(rec) {
  return Number(await attrOf(rec, 'clock', 'data-ms'));
}

// a. A student joins with Ukraine's code; the facilitator starts; nation, objectives and clock.
async function studentJoins(browser, codes) {
  step = 'a. a student joins';
  // A wrong code (B is in no code), in a page of its own: the browser logs the 403 it gets.
  const wrong = await openPage(browser, 'wrong code', SMALL);
  wrong.allowed = /the server responded with a status of 403/;
  await wrong.page.goto(`${BASE}/`);
  await byId(wrong, 'join-code').fill('BBBB-BBBB');
  await byId(wrong, 'join-button').click();
  await until('a wrong code is refused in words', async () => /no seat has that code/.test(await textOf(wrong, 'join-error')));
  ok(`a wrong code is refused with the server's words: "${await textOf(wrong, 'join-error')}"`);
  await shot(wrong, 'join-refused');

  const a = await openPage(browser, 'student A', SMALL);
  const typed = codes.ukr.toLowerCase().replace('-', '');
  await a.page.goto(`${BASE}/?code=${encodeURIComponent(typed)}`);
  if ((await byId(a, 'join-code').inputValue()) !== typed) fail('?code= in the address does not fill the code field');
  await reportLoad(a);
  await byId(a, 'join-name').fill('Ana');
  await shot(a, 'join');
  await byId(a, 'join-button').click();
  await until('the student sees the nation', async () => (await textOf(a, 'nation')) === 'Ukraine');
  ok('a student joins with Ukraine\'s code typed in lower case without its dash, from ?code=');

  const fac = await openPage(browser, 'facilitator', SMALL);
  await joinAs(fac, codes.facilitator, 'White cell');
  const obs = await openPage(browser, 'observer', SMALL);
  await joinAs(obs, codes.observer, 'Press');
  const proj = await openPage(browser, 'projector', LARGE);
  await joinAs(proj, codes.projector, 'Room 4');
  ok('the facilitator, an observer and the projector join');

  await command(fac, 'cmd-start', 'start');
  await until('the student sees turn 1 of 8', async () => (await textOf(a, 'turn')) === 'Turn 1/8');
  await until('the student sees the orders phase', async () => (await textOf(a, 'phase')) === 'Orders phase');
  await until('the clock counts down from 10 minutes', async () => {
    const ms = await clockMs(a);
    return /^\d+:\d\d left$/.test(await textOf(a, 'clock')) && ms > 500_000 && ms <= 600_000;
  });
  const first = await clockMs(a);
  await sleep(1200);
  if (!((await clockMs(a)) < first)) fail('the clock does not count down on its own');
  await openTab(a, 'goals');
  await until('the student sees Ukraine\'s objectives', async () =>
    (await textOf(a, 'objectives')).includes('Keep the ceasefire without giving up ground.'));
  ok('after Start the student sees Ukraine, turn 1/8, the orders phase, a clock counting down and the objectives');
  return { a, fac, obs, proj };
}

/** Prints how long a first visit took to load and how much it fetched (docs/performance.md). */
async function reportLoad(rec) {
  const load = await rec.page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const files = performance.getEntriesByType('resource');
    const bytes = [nav, ...files].reduce((sum, e) => sum + (e.encodedBodySize || 0), 0);
    return { ready: nav.domContentLoadedEventEnd, loaded: nav.loadEventEnd, files: files.length, bytes };
  });
  console.log(`# page load: ${load.files + 1} requests, ${(load.bytes / 1000).toFixed(1)} KB, ` +
    `DOM ready in ${load.ready.toFixed(0)} ms, loaded in ${load.loaded.toFixed(0)} ms`);
}

async function handIn(rec, expect) {
  await byId(rec, 'submit-order').click();
  await until(`the verdict on the ${expect}`, async () => /accepted as order/.test(await textOf(rec, 'verdict')));
}

async function chooseKind(rec, kind) {
  await byId(rec, 'kind-select').selectOption(kind);
}

// b and c. Orders built from the menus in one browser appear in the other's draft, as text.
async function sharedDraft(browser, codes, { a }) {
  step = 'b. two students share a seat';
  const b = await openPage(browser, 'student B', SMALL);
  await joinAs(b, codes.ukr, 'Bo');
  await until('the second student sees Ukraine', async () => (await textOf(b, 'nation')) === 'Ukraine');
  await openTab(a, 'orders');
  await openTab(b, 'orders');

  await chooseKind(a, 'public statement');
  await byId(a, 'order-text').fill(HOSTILE);
  await handIn(a, 'statement');
  await until('the statement shows in the other student\'s draft, as written', async () =>
    (await textOf(b, 'draft')).includes(`statement: ${HOSTILE}`));
  ok('a public statement handed in by one student appears in the draft of the other');

  step = 'c. a hostile statement stays text';
  for (const rec of [a, b]) {
    if (!(await textOf(rec, 'draft')).includes(HOSTILE)) fail(`${rec.label}'s draft does not show the statement's characters`);
    if (!(await noHostileImage(rec))) fail(`${rec.label}'s page holds an <img> element`);
  }
  ok('the statement <img src=x onerror=alert(1)> shows as those characters, and no <img> exists');

  step = 'b. orders built field by field and from the list';
  await chooseKind(a, 'posture');
  await byId(a, 'field-0').selectOption({ label: 'North (Kupiansk–Pokrovsk)' });
  await byId(a, 'field-1').selectOption({ label: '0.2' });
  await handIn(a, 'posture');
  await until('the posture shows in the other\'s draft', async () => (await textOf(b, 'draft')).includes('posture 0.2 in North'));
  await chooseKind(b, 'private message');
  await b.page.getByTestId('menu-choice').filter({ hasText: 'message to Russia' }).click();
  await byId(b, 'order-text').fill('We hold the line if you do.');
  await handIn(b, 'message');
  await until('the message shows in the first student\'s draft', async () =>
    (await textOf(a, 'draft')).includes('message to Russia: We hold the line if you do.'));
  ok('a posture chosen field by field and a message picked from the menu\'s list reach both students\' drafts');

  const posture = b.page.getByTestId('draft-order').filter({ hasText: 'posture 0.2' });
  await posture.getByRole('button', { name: 'Retract' }).click();
  await until('the retracted posture leaves the first student\'s draft', async () => !(await textOf(a, 'draft')).includes('posture 0.2'));
  ok('one student retracts an order and it leaves the other\'s draft');
  await shot(a, 'player-orders');

  await b.page.reload();
  await until('a reload joins the seat again', async () => (await textOf(b, 'nation')) === 'Ukraine' && (await textOf(b, 'turn')) === 'Turn 1/8');
  ok('a reload joins the same seat again without the join screen');
  return b;
}

async function selectSector({ a }) {
  step = 'the map';
  const south = byId(a, 'sector-south');
  await south.focus();
  await a.page.keyboard.press('Enter');
  await until('Enter on a sector shows its details', async () => (await textOf(a, 'sector-details')).includes('South (Pokrovsk–Orikhiv)'));
  await a.page.locator('[data-testid="sector-north"] circle').click();
  await until('a click on a sector shows its details', async () => (await textOf(a, 'sector-details')).includes('North (Kupiansk–Pokrovsk)'));
  await byId(a, 'map-mode-recorded').click();
  await byId(a, 'map-mode-tension').click();
  await south.focus();
  await a.page.keyboard.press('Enter');
  ok('a sector is picked with the keyboard (Tab to it, Enter) and with the mouse; the map recolours by violations');
  await shot(a, 'map-sector');
}

/** A deal's entry on a page, found by the state it is in ("Offered", "Accepted", …). */
const dealIn = (rec, state) => rec.page.locator(`[data-testid="deal"][data-state="${state}"]`);

/** The button of a conversation in the chat's list ('public', 'seat:fra', 'pair:fra|ukr', …). */
const conversation = (rec, key) => byId(rec, `conv-${key.replace(/[:|]/g, '-')}`);

/** Opens the chat at a conversation. */
async function converse(rec, key) {
  await openTab(rec, 'chat');
  await conversation(rec, key).click();
  await until(`${rec.label}'s chat shows ${key}`, async () => (await attrOf(rec, 'chat', 'data-conv')) === key);
}

/** The facilitator sets the press rules from the command bar; the answer must be Done. */
async function pressRules(fac, rules) {
  const [before] = await newestAnswer(fac);
  await byId(fac, 'cmd-press-rules').selectOption(rules);
  let words = '';
  await until(`the facilitator is answered about the press rules (${rules})`, async () => {
    const [n, text] = await newestAnswer(fac);
    words = text;
    return n !== before;
  });
  if (!words.startsWith('✔') || !words.includes('press')) fail(`the press rules (${rules}) were answered: ${words}`);
}

// j. Negotiation while the orders are open: press reaches the seats it is for, at once and to
// nobody else; an offer made on one seat's page is answered on the other's and binds both.
async function negotiation(browser, codes, { a, fac, obs, proj }, b) {
  step = 'j. a private message';
  const fra = await openPage(browser, 'student C', SMALL);
  fra.nation = 'fra';
  await joinAs(fra, codes.fra, 'Flo');
  await until('the third student sees France', async () => (await textOf(fra, 'nation')) === 'France');
  // Its bot held the seat until now: once its people have it, nothing answers for them.
  await until('the seat table shows France played by its people', async () => (await attrOf(fac, 'seat-fra', 'data-bot')) === 'false');
  await openTab(fra, 'chat');
  await openTab(obs, 'chat');
  await converse(a, 'seat:fra');
  await byId(a, 'chat-text').fill(PRIVATE);
  await byId(a, 'chat-send').click();
  await until('France\'s page counts one unread message from Ukraine, without a reload', async () =>
    (await conversation(fra, 'seat:ukr').getByTestId('unread').textContent({ timeout: 500 })) === '1');
  await converse(fra, 'seat:ukr');
  await until('France\'s page shows the message from Ukraine', async () => {
    const said = await textOf(fra, 'chat-messages');
    return said.includes(PRIVATE) && said.includes('Ukraine');
  });
  if ((await conversation(fra, 'seat:ukr').getByTestId('unread').count()) !== 0) fail('the conversation shown is still counted unread');
  await converse(b, 'seat:fra');
  await until('the other student of Ukraine sees the message sent', async () => (await textOf(b, 'chat-messages')).includes(PRIVATE));
  ok('a private message from Ukraine shows on France\'s page at once (counted unread until read) and on the other Ukrainian page');

  step = 'j. what observers read';
  await converse(a, 'public');
  await byId(a, 'chat-text').fill(PUBLIC);
  await byId(a, 'chat-send').click();
  await until('the observer\'s chat shows the public statement, as written', async () => (await textOf(obs, 'chat-messages')).includes(PUBLIC));
  await until('the projector shows the public statement', async () => (await textOf(proj, 'public-press')).includes(PUBLIC));
  for (const rec of [obs, proj]) {
    if ((await rec.page.content()).includes(PRIVATE)) fail(`${rec.label}'s page shows the private message`);
    if (rec.frames.some((f) => f.includes(PRIVATE))) fail(`${rec.label} was sent the private message`);
  }
  for (const rec of [a, fra, obs, proj]) if (!(await noHostileImage(rec))) fail(`${rec.label}'s page holds an <img> element`);
  await converse(fac, 'pair:fra|ukr');
  await until('the white cell reads the private message', async () => (await textOf(fac, 'chat-messages')).includes(PRIVATE));
  ok('a public statement reaches the observer and the projector as text; neither page nor any of their frames holds the private message, which the white cell reads');

  step = 'j. an offer accepted';
  await converse(a, 'seat:fra');
  await byId(a, 'offer-open').click();
  await byId(a, 'offer-give').getByLabel(/Hold fire in South/).check();
  await byId(a, 'offer-want').getByLabel(/shares intelligence with you/).check();
  await byId(a, 'offer-note').fill('A first step.');
  await byId(a, 'offer-send').click();
  await until('Ukraine\'s page lists the offer as waiting', async () => (await dealIn(a, 'Offered').count()) === 1);
  const offered = fra.page.locator('[data-testid="deal"][data-state="Offered"]');
  await until('France\'s page shows Accept and Reject for the offer', async () =>
    (await offered.getByTestId('deal-accept').isVisible()) && (await offered.getByTestId('deal-reject').isVisible()));
  const words = (await offered.textContent()) ?? '';
  if (!words.includes('if France shares intelligence with Ukraine')) fail(`the offer reads: ${words}`);
  const id = await offered.getAttribute('data-deal');
  await until('France\'s messages show the offer line', async () =>
    (await fra.page.locator(`[data-testid="chat-message"][data-deal="${id}"]`).count()) === 1);
  await offered.getByTestId('deal-reason').fill('Agreed: for this turn.');
  await offered.getByTestId('deal-accept').click();
  for (const rec of [fra, a]) {
    await until(`${rec.label}'s page shows the deal as binding`, async () =>
      (await dealIn(rec, 'Accepted').count()) === 1 && ((await dealIn(rec, 'Accepted').textContent()) ?? '').includes('binding'));
  }
  if ((await fra.page.getByTestId('deal-accept').count()) !== 0) fail('Accept is still offered once the deal is made');
  ok('an offer made in Ukraine\'s chat shows Accept and Reject on France\'s page; accepted there, both pages show the deal as binding (Accepted)');
  await shot(fra, 'chat');

  step = 'j. the chat on a phone';
  await fra.page.setViewportSize({ width: 390, height: 844 });
  await byId(fra, 'conversation').scrollIntoViewIfNeeded();
  const [scroll, inner] = await fra.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (scroll > inner) fail(`the chat scrolls sideways at 390 px (${scroll} > ${inner})`);
  await shot(fra, 'chat-narrow');
  await fra.page.setViewportSize(SMALL);
  ok('the chat fits a 390 px wide screen without scrolling sideways');

  step = 'j. press rules';
  await pressRules(fac, 'public_only');
  await until('France\'s page says private press is closed', async () =>
    (await attrOf(fra, 'press-rules', 'data-rules')) === 'public_only' && (await textOf(fra, 'chat-closed')).includes('Public press only'));
  if (!(await byId(fra, 'chat-text').isDisabled())) fail('the box to write to Ukraine stays open under public press only');
  await pressRules(fac, 'full');
  await until('France\'s page may write again', async () => (await attrOf(fra, 'press-rules', 'data-rules')) === 'full' && (await byId(fra, 'chat-text').isEnabled()));
  ok('the facilitator sets public press only (France\'s page closes its private conversation with the reason) and full press again: Done each time');

  // France's bot plays on from here, so that every turn can resolve as soon as Ukraine locks.
  await openTab(fac, 'control');
  await command(fac, 'cmd-bot-fra', 'bot');
  await until('the seat table shows France played by its bot', async () => (await attrOf(fac, 'seat-fra', 'data-bot')) === 'true');
}

/** Waits for the student's page to leave `turn`; if it does not, the facilitator ends the phase. */
async function nextTurn(a, fac, turn) {
  const moved = async () => (await textOf(a, 'turn')) !== `Turn ${turn}/8` || (await textOf(a, 'phase')) === 'Game over';
  const end = Date.now() + 8000;
  while (Date.now() < end) {
    if (await moved()) return false;
    await sleep(100);
  }
  await byId(fac, 'cmd-end-phase').click();
  await byId(fac, 'cmd-end-phase').click();
  await until(`turn ${turn} resolves after End phase`, moved, 15_000);
  return true;
}

/** Locks the student's orders: the draft shows as locked, or the turn resolves at once. */
async function lock(a, turn) {
  await openTab(a, 'orders');
  await byId(a, 'lock-button').click();
  await until('the draft shows as locked or the turn resolves', async () =>
    (await textOf(a, 'turn')) !== `Turn ${turn}/8` || (await textOf(a, 'phase')) === 'Game over'
    || (await attrOf(a, 'lock-button', 'data-locked')) === 'true');
}

// d. The student locks; the turn resolves; turn 2 and the story of turn 1.
async function firstTurn({ a, fac, obs }, b) {
  step = 'd. the turn resolves';
  await lock(a, 1);
  const ended = await nextTurn(a, fac, 1);
  await until('the student sees turn 2', async () => (await textOf(a, 'turn')) === 'Turn 2/8');
  await openTab(a, 'story');
  await until('the story of turn 1', async () => (await attrOf(a, 'story', 'data-turn')) === '1' && (await textOf(a, 'story-headline')).length > 0);
  ok(`the student locks, turn 1 resolves${ended ? ' (after End phase)' : ''}, and the page shows turn 2 and the story of turn 1`);
  await shot(a, 'player-story');

  step = 'c. the statement in the story';
  const said = `Ukraine states: ${HOSTILE}`;
  await until('the student\'s story tells the statement as written', async () => (await textOf(a, 'story-events')).includes(said));
  await openTab(obs, 'story');
  await until('the observer\'s story tells the statement as written', async () => (await textOf(obs, 'story-events')).includes(said));
  for (const rec of pages) if (!(await noHostileImage(rec))) fail(`${rec.label}'s page holds an <img> element`);
  ok('after the turn the statement shows as those characters in the story, for the seat and for the observer');
  await shot(obs, 'observer');
}

// f. The facilitator's commands, each answered Done.
async function facilitatorCommands({ a, fac, proj }) {
  step = 'f. the facilitator\'s commands';
  await command(fac, 'cmd-pause', 'pause');
  await until('the student\'s clock shows paused', async () =>
    (await attrOf(a, 'clock', 'data-paused')) === 'true' && (await textOf(a, 'clock')).includes('paused'));
  const still = await clockMs(a);
  await sleep(1100);
  if ((await clockMs(a)) !== still) fail('a paused clock still counts down');
  ok('Pause: Done, and the student\'s clock shows paused and stands still');

  await command(fac, 'cmd-resume', 'resume');
  await until('the student\'s clock runs again', async () => (await attrOf(a, 'clock', 'data-paused')) === 'false');
  ok('Resume: Done, and the clock runs again');

  const before = await clockMs(a);
  await byId(fac, 'cmd-seconds').fill('60');
  await command(fac, 'cmd-extend', 'extend');
  await until('the clock goes up by about a minute', async () => (await clockMs(a)) > before + 50_000);
  ok('Extend 60 s: Done, and the student\'s clock goes up by a minute');

  const inject = await byId(fac, 'cmd-inject-select').locator('option').first().getAttribute('value');
  await byId(fac, 'cmd-inject-select').selectOption(inject);
  await command(fac, 'cmd-inject', 'inject');
  ok(`Inject ${inject} (from the list): Done`);

  // Nobody joined Russia's seat, so its bot plays it: give it back to its (absent) team, then
  // hand it to its bot again, which leaves the game as it was.
  const played = () => attrOf(fac, 'seat-rus', 'data-bot');
  await openTab(fac, 'control');
  await command(fac, 'cmd-human-rus', 'human');
  await until('the seat table shows Russia back with its people', async () => (await played()) === 'false');
  await command(fac, 'cmd-bot-rus', 'bot');
  await until('the seat table shows Russia played by its bot', async () => (await played()) === 'true');
  ok('Russia given back to its team and handed to its bot again: Done each time');
  await openTab(fac, 'briefings');
  await shot(fac, 'facilitator');
  await shot(proj, 'projector');
}

// The rest of the game, to the debrief.
async function playToTheEnd({ a, fac, obs, proj }) {
  step = 'playing to the end';
  for (let turn = 2; turn <= 8; turn += 1) {
    if ((await textOf(a, 'phase')) === 'Game over') break;
    await until(`turn ${turn}'s orders phase`, async () => (await textOf(a, 'phase')) === 'Orders phase');
    await lock(a, turn);
    await nextTurn(a, fac, turn);
  }
  await until('the game is over', async () => (await textOf(a, 'phase')) === 'Game over', 20_000);
  await until('the student sees the debrief', async () => (await textOf(a, 'debrief')).includes('Ranking'));
  await until('the observer sees the debrief', async () => (await textOf(obs, 'debrief')).includes('Ranking'));
  await until('the projector shows the debrief', async () => (await textOf(proj, 'debrief')).includes('Ranking'));
  ok('the game plays to its end and every role sees the debrief');
  await shot(a, 'debrief');
  await shot(proj, 'projector-debrief');
}

// e. Secrets: no page of the observer, the projector or Ukraine holds another seat's secret.
async function noSecrets(secrets) {
  step = 'e. secrets';
  if (secrets.length === 0) fail(`no secret objective found in ${SCENARIO}`);
  const fac = pages.find((p) => p.label === 'facilitator');
  const told = fac.frames.join('\n');
  if (!secrets.every((s) => told.includes(s.text))) fail('the facilitator was never sent the secret objectives: the check below would prove nothing');
  if (!told.includes(PRIVATE)) fail('the facilitator was never sent the private message: the check below would prove nothing');
  for (const rec of pages.filter((p) => p.label !== 'facilitator')) {
    const htmlNow = await rec.page.content();
    // A seat's own secrets are its own to read.
    for (const { text: secret } of secrets.filter((s) => s.nation !== rec.nation)) {
      if (htmlNow.includes(secret)) fail(`${rec.label}'s page shows another seat's secret: "${secret}"`);
      if (rec.frames.some((f) => f.includes(secret))) fail(`${rec.label} was sent another seat's secret: "${secret}"`);
    }
  }
  for (const rec of pages.filter((p) => p.label === 'observer' || p.label === 'projector')) {
    if ((await rec.page.content()).includes(PRIVATE) || rec.frames.some((f) => f.includes(PRIVATE))) fail(`${rec.label} was shown the private message`);
  }
  ok(`no secret objective (${secrets.length}) of another seat is in the page or any WebSocket frame of the students, the observer or the projector, nor the private message in the observer's or the projector's`);
}

// g. Nothing goes anywhere but the game's own origin.
function sameOrigin() {
  step = 'g. requests';
  const origin = new URL(BASE).origin;
  const socket = `ws://${new URL(BASE).host}/ws?`;
  for (const rec of pages) {
    for (const url of rec.requests) {
      if (!(url === origin || url.startsWith(`${origin}/`) || url.startsWith(socket) || url.startsWith('data:'))) {
        fail(`${rec.label} asked for ${url}, outside ${origin}`);
      }
    }
    for (const url of rec.sockets) if (!url.startsWith(socket)) fail(`${rec.label} opened a socket to ${url}`);
  }
  const count = pages.reduce((n, p) => n + p.requests.length, 0);
  ok(`every request (${count}) and socket of every page went to ${origin}`);
}

// h. No horizontal scrolling at 1366×768, nor for the projector at 1920×1080.
async function layoutHolds() {
  step = 'h. layout';
  for (const rec of pages) {
    const size = rec.page.viewportSize();
    const [scroll, inner] = await rec.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    if (scroll > inner) fail(`${rec.label}'s page scrolls sideways at ${size.width}×${size.height} (${scroll} > ${inner})`);
  }
  ok('no page scrolls sideways (students, observer and facilitator at 1366×768, the projector at 1920×1080)');
}

// i. No errors in any console.
function noConsoleErrors() {
  step = 'i. console';
  for (const rec of pages) {
    const errors = rec.errors.filter((e) => !(rec.allowed && rec.allowed.test(e)));
    if (errors.length) fail(`${rec.label}: ${errors.join('; ')}`);
  }
  ok('no dialog, console error or page error on any page');
}

/** What a page showed and was sent, for reading after a failure. */
async function keepEvidence(rec) {
  const name = join(ARTIFACTS, `failed-${rec.label.replace(/\W+/g, '-')}`);
  await rec.page.screenshot({ path: `${name}.png` }).catch(() => {});
  const frames = rec.frames.slice(-30).map((f) => f.slice(0, 400));
  writeFileSync(`${name}.log`, [...rec.errors, ...rec.sockets, ...rec.requests.slice(-30), ...frames].join('\n'));
}

async function run() {
  if (!BASE || !CODES) fail('set TRUCE_URL (such as http://127.0.0.1:18123) and TRUCE_CODES (the codes JSON of a fresh game)');
  mkdirSync(ARTIFACTS, { recursive: true });
  const codes = JSON.parse(readFileSync(CODES, 'utf8'));
  const secrets = secretObjectives();
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args });
  try {
    const people = await studentJoins(browser, codes);
    const b = await sharedDraft(browser, codes, people);
    await selectSector(people);
    await negotiation(browser, codes, people, b);
    await firstTurn(people, b);
    await facilitatorCommands(people);
    await layoutHolds();
    await playToTheEnd(people);
    await noSecrets(secrets);
    sameOrigin();
    await layoutHolds();
    noConsoleErrors();
  } catch (e) {
    for (const rec of pages) await keepEvidence(rec);
    throw e;
  } finally {
    await browser.close();
  }
}

const timer = setTimeout(() => {
  console.log(`not ok - ${step}: the run took longer than ${WHOLE_RUN_MS / 1000} s`);
  process.exit(1);
}, WHOLE_RUN_MS);

try {
  await run();
  clearTimeout(timer);
  console.log(`all checks passed; screenshots in ${ARTIFACTS}`);
} catch (e) {
  console.log(`not ok - ${step}: ${e instanceof Failure ? e.message : e.stack}`);
  process.exit(1);
}
