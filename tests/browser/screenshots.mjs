// Takes the README's screenshots with Debian's /usr/bin/chromium (through playwright-core).
//
// In: a work folder written by `lightbox run fixtures/drops` and an output folder.
// Out: OUT/review.png, the review page at 1280×800 after two keyboard decisions, and
// OUT/sheet.png, page 1 of the 喀什地区科协 contact sheet scaled to 1240 px wide.
// Exits non-zero when a file is missing or the browser fails.
//
//   node tests/browser/screenshots.mjs WORK docs/screenshots
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [work, out] = process.argv.slice(2);
if (!work || !out) {
  console.error('usage: node tests/browser/screenshots.mjs WORK OUT_DIR');
  process.exit(2);
}
const review = path.resolve(work, 'review', 'index.html');
const sheet = path.resolve(work, 'sheets', '喀什地区科协', '喀什地区科协-01.jpg');
for (const file of [review, sheet]) {
  if (!fs.existsSync(file)) {
    console.error(`missing ${file}: run \`lightbox run fixtures/drops --out ${work}\` first`);
    process.exit(1);
  }
}
fs.mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const settle = page => page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
try {
  // The review page: a couple of decisions, the highlight on the third photo.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(pathToFileURL(review).href);
  await page.waitForSelector('.card');
  await page.keyboard.press('r');
  await page.keyboard.press('a');
  await page.waitForFunction(() => [...document.querySelectorAll('.card img')].filter(i => i.getBoundingClientRect().top < window.innerHeight).every(i => i.complete));
  await settle(page);
  await page.screenshot({ path: path.join(out, 'review.png') });

  // The contact sheet page, drawn at 1240 px wide (half its 300 dpi size).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-shot-'));
  const html = path.join(dir, 'sheet.html');
  fs.writeFileSync(html, `<!doctype html><meta charset="utf-8"><style>body{margin:0}img{display:block;width:1240px}</style><img src="${pathToFileURL(sheet).href}">`);
  const sheetPage = await browser.newPage({ viewport: { width: 1240, height: 800 } });
  await sheetPage.goto(pathToFileURL(html).href);
  await sheetPage.waitForFunction(() => { const i = document.querySelector('img'); return i.complete && i.naturalWidth > 0; });
  await settle(sheetPage);
  await sheetPage.locator('img').screenshot({ path: path.join(out, 'sheet.png') });
  fs.rmSync(dir, { recursive: true });
  console.log(`wrote ${path.join(out, 'review.png')} and ${path.join(out, 'sheet.png')}`);
} finally {
  await browser.close();
}
