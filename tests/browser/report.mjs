// A report written by `truce report` as a reader opens it: one file, from disk, in headless
// Chromium. It must load nothing but itself (data: URLs are allowed, and counted), log no error,
// and show a heading and its charts as inline SVG.
//
//   node tests/browser/report.mjs target/report.html target/report.png
//
// One line per check; any failure makes the exit status 1. CHROMIUM names the browser binary
// (by default /usr/bin/chromium; nothing is downloaded).

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [REPORT, SCREENSHOT] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WHOLE_RUN_MS = 60_000;

let failures = 0;
function check(good, what, why = '') {
  console.log(good ? `ok - ${what}` : `not ok - ${what}${why ? `: ${why}` : ''}`);
  if (!good) failures += 1;
}

async function run() {
  if (!REPORT || !SCREENSHOT) throw new Error('usage: node tests/browser/report.mjs REPORT.html SCREENSHOT.png');
  if (!existsSync(REPORT)) throw new Error(`no such file: ${REPORT}`);
  const own = pathToFileURL(resolve(REPORT)).href;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests = [];
    const errors = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('dialog', async (d) => {
      errors.push(`a dialog opened (${d.type()}: ${d.message()})`);
      await d.dismiss().catch(() => {});
    });
    // Nothing leaves the machine even if the report asks for it; the request is still recorded.
    await page.route(/^(?!file:|data:)/, (route) => route.abort());
    await page.goto(own, { waitUntil: 'load' });
    await page.waitForTimeout(300);

    const data = requests.filter((u) => u.startsWith('data:'));
    const foreign = requests.filter((u) => !u.startsWith('data:') && u.split('#')[0] !== own);
    check(foreign.length === 0, `${requests.length} request(s), all to the report itself (${data.length} data: URL(s))`,
      foreign.slice(0, 5).join(', '));
    check(errors.length === 0, 'no console error, page error or dialog', errors.slice(0, 5).join('; '));

    const facts = await page.evaluate(() => {
      const urlish = ['src', 'href', 'srcset', 'poster', 'data', 'action', 'formaction', 'xlink:href', 'background'];
      const remote = [];
      for (const el of document.querySelectorAll('*')) {
        for (const name of urlish) {
          const v = el.getAttribute(name);
          if (v && /(^|[\s,])(https?:)?\/\//i.test(v)) remote.push(`<${el.localName} ${name}="${v.slice(0, 80)}">`);
        }
        const style = el.localName === 'style' ? el.textContent : el.getAttribute('style');
        if (style && /url\(\s*['"]?(https?:)?\/\//i.test(style)) remote.push(`<${el.localName}> url(...) in CSS`);
      }
      return {
        h1: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
        svgs: document.querySelectorAll('svg').length,
        scripts: document.querySelectorAll('script').length,
        remote,
      };
    });
    check(facts.h1.length > 0, `has an <h1>${facts.h1.length ? `: "${facts.h1[0]}"` : ''}`);
    check(facts.svgs > 0, `${facts.svgs} inline <svg>`);
    check(facts.remote.length === 0, 'no element loads from http(s)', facts.remote.slice(0, 5).join(', '));
    console.log(`# ${facts.scripts} <script> element(s)`);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    check(existsSync(SCREENSHOT), `full-page screenshot at ${SCREENSHOT}`);
  } finally {
    await browser.close();
  }
}

const timer = setTimeout(() => {
  console.log(`not ok - the check took longer than ${WHOLE_RUN_MS / 1000} s`);
  process.exit(1);
}, WHOLE_RUN_MS);

try {
  await run();
} catch (e) {
  check(false, 'opening the report', e.message.split('\n')[0]);
}
clearTimeout(timer);
process.exit(failures ? 1 : 0);
