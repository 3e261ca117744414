// Times the review page with many photos in headless Chromium.
//
// In: a work folder written by `lightbox run` (its review/index.html and derived/ thumbnails)
// and a count N (default 5000). Out: WORK/review/bench-N.html, the same page with its photos
// repeated to N items (distinct indexes and content keys, the same thumbnails), and one line
// on stdout: the first contentful paint (the cards are drawn by then: the script runs before
// DOMContentLoaded), the number of cards in the DOM, and the time for ten keyboard decisions
// and for jumping to the last photo (End), each including the test driver's round trips.
// Exits non-zero when the page fails to render.
//
//   node tests/browser/bench.mjs WORK [N]
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [work, countArg] = process.argv.slice(2);
if (!work) {
  console.error('usage: node tests/browser/bench.mjs WORK [N]');
  process.exit(2);
}
const count = Number(countArg || 5000);
const source = fs.readFileSync(path.join(work, 'review', 'index.html'), 'utf8');
const match = source.match(/(<script id="data" type="application\/json">)([\s\S]*?)(<\/script>)/);
if (!match) {
  console.error('no embedded data in review/index.html');
  process.exit(1);
}
const data = JSON.parse(match[2]);
const base = data.items;
const items = [];
for (let n = 0; items.length < count; n++) {
  const item = structuredClone(base[n % base.length]);
  const copy = Math.floor(n / base.length);
  item.index = n + 1;
  item.content_key = `${item.content_key}-${copy}`;
  if (item.content) item.content = `${item.content}-${copy}`;
  item.path = copy ? `${item.unit}/copy${copy}/${item.file_name}` : item.path;
  items.push(item);
}
data.items = items;
data.groups = data.groups.map(g => ({ ...g })); // the fixture's groups keep their first indexes
data.key = `${data.key}#bench${count}`;
const json = JSON.stringify(data).replaceAll('</', '<\\/');
const out = path.join(work, 'review', `bench-${count}.html`);
fs.writeFileSync(out, source.slice(0, match.index) + match[1] + json + match[3] + source.slice(match.index + match[0].length));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  await page.goto('file://' + path.resolve(out), { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.card');
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), fcp: paint ? Math.round(paint.startTime) : null };
  });
  const cards = await page.locator('.card').count();
  const keysStart = Date.now();
  for (let n = 0; n < 10; n++) await page.keyboard.press(n % 2 ? 'a' : 'r');
  await page.evaluate(() => new Promise(r => requestAnimationFrame(r)));
  const keys = Date.now() - keysStart;
  const endStart = Date.now();
  await page.keyboard.press('End');
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  const end = Date.now() - endStart;
  const shown = await page.locator('#count').textContent();
  if (errors.length) throw new Error('page errors: ' + errors.join('; '));
  console.log(`${count} items: first contentful paint ${timing.fcp} ms, DOMContentLoaded ${timing.domContentLoaded} ms (cards drawn); ${cards} cards in the DOM; 10 keyboard decisions ${keys} ms; End key ${end} ms; count "${shown}"`);
} finally {
  await browser.close();
}
