// Drives the desk (`lightbox serve`) in a real browser (Debian's /usr/bin/chromium through
// playwright-core): a whole session on the fixture drops, and what a page on another site can do
// to it.
//
//   node tests/browser/desk.mjs URL SHOTS
//       URL: the address the desk printed (with its token); SHOTS: a folder for the screenshots
//       (desk.png, desk-review.png: the README's and the guide's).
//       1. opens URL: the token becomes a cookie and leaves the address bar;
//       2. a page on another site (served here on localhost, another port) posts a decision
//          and a run to the desk, by fetch and by a form: the desk does neither;
//       3. starts a run with the button and watches its progress to the end (every stage's
//          event arrives; the units table fills, 4 units);
//       4. opens the review page in two tabs: a photo rejected in one shows as rejected in the
//          other without a reload; a keeper chosen in the second shows in the first;
//       5. reloads: the decisions come from the catalog (no browser storage left to send);
//       6. builds the package with the button, to its end, and finds its 汇总表 and 图录 linked
//          (and the review tab still open is not told of new results: no photo changed);
//       7. verifies the package with the button: whole, nothing listed;
//       and throughout: no request leaves the desk's origin, no console error.
//
// Out: a line per step on stdout; exit code 0, or 1 with the failed step and why on stderr.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

const REJECTED = '克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg';
const GROUPED_COPY = '喀什地区科协/2018 喀什地区 科普讲座.jpg';

let step = 'start';
function check(ok, message) {
  if (!ok) throw new Error(message);
}

const current = page => page.evaluate(() => {
  const c = document.querySelector('.card.current');
  return c && { path: c.dataset.path, decision: c.dataset.decision };
});
async function keyTo(page, target) {
  await page.keyboard.press('Home');
  const total = await page.evaluate(() => document.querySelectorAll('.card').length + 1000);
  for (let n = 0; n <= total; n++) {
    const c = await current(page);
    if (c && c.path === target) return c;
    await page.keyboard.press('j');
  }
  throw new Error(`${target} is not among the cards shown`);
}
const cardOf = (page, target) => page.locator(`.card[data-path="${target}"]`);

async function main(url, shots) {
  const desk = new URL(url);
  const origin = desk.origin;
  // A page on another site: it tries to make the desk change something.
  const evil = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><body>
      <form id="f" method="POST" action="${origin}/api/run" target="sink"></form>
      <iframe name="sink"></iframe>
      <script>
        const body = JSON.stringify({client: "evil", changes: [{op: "verdict", content: "x", path: "x", decision: "reject"}]});
        Promise.allSettled([
          fetch("${origin}/api/decisions", {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"}, body}),
          fetch("${origin}/api/decisions", {method: "POST", credentials: "include", headers: {"Content-Type": "application/json", "X-Lightbox-Token": "guess"}, body}),
        ]).then(() => { document.getElementById("f").submit(); setTimeout(() => document.title = "done", 800); });
      </script></body>`);
  });
  await new Promise(r => evil.listen(0, 'localhost', r));
  const evilUrl = `http://localhost:${evil.address().port}/`;

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
  const problems = [];
  const watch = page => {
    page.on('console', m => { if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`); });
    page.on('pageerror', e => problems.push(`page error: ${e.message}`));
    page.on('request', r => {
      const u = new URL(r.url());
      if (u.origin !== origin) problems.push(`request outside the desk: ${r.url()}`);
    });
  };
  try {
    step = 'open';
    const page = await context.newPage();
    watch(page);
    await page.goto(url);
    check(new URL(page.url()).search === '', `the token stayed in the address: ${page.url()}`);
    await page.waitForSelector('#run:not([disabled])');
    const state = () => page.evaluate(() => fetch('/api/state').then(r => r.json()));
    check((await state()).job.serial === 0, 'a job ran before the test started one');
    console.log('ok open: the token became a cookie');

    step = 'another site';
    // (Its own console reports the refusals: that page is not watched.)
    const other = await context.newPage();
    await other.goto(evilUrl);
    await other.waitForFunction(() => document.title === 'done', null, { timeout: 15000 });
    await other.close();
    const after = await state();
    check(after.job.serial === 0, 'a page on another site started a run');
    check(after.decided === 0, 'a page on another site saved a decision');
    console.log('ok another site: neither its fetches nor its form changed anything');

    step = 'run';
    await page.evaluate(() => {
      window.__stages = [];
      const es = new EventSource('/api/events');
      es.addEventListener('job', e => { const j = JSON.parse(e.data); if (j.running && j.stage && !window.__stages.includes(j.stage)) window.__stages.push(j.stage); });
    });
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#run').disabled === false && /检查完成|Done/.test(document.querySelector('#job-line').textContent), null, { timeout: 240000 });
    const stages = await page.evaluate(() => window.__stages);
    for (const s of ['scan', 'inspect', 'dedupe', 'review']) check(stages.includes(s), `no progress event of stage ${s}: ${stages}`);
    await page.waitForFunction(() => document.querySelectorAll('#units tbody tr').length === 4, null, { timeout: 15000 });
    const rows = await page.locator('#units tbody tr').count();
    check(rows === 4, `${rows} units shown`);
    await page.screenshot({ path: path.join(shots, 'desk.png'), fullPage: false });
    console.log(`ok run: progress through ${stages.join(', ')}; ${rows} units`);

    step = 'review in two tabs';
    await page.click('#open-review');
    await page.waitForSelector('.card');
    const second = await context.newPage();
    watch(second);
    await second.goto(origin + '/review/');
    await second.waitForSelector('.card');
    await page.bringToFront();
    await keyTo(page, REJECTED);
    await page.keyboard.press('r');
    await second.waitForFunction(p => document.querySelector(`.card[data-path="${p}"]`)?.dataset.decision === 'reject', REJECTED, { timeout: 15000 });
    await second.bringToFront();
    await keyTo(second, GROUPED_COPY);
    await second.keyboard.press('k');
    await page.waitForFunction(p => !!document.querySelector(`.card[data-path="${p}"] .group .keeper`), GROUPED_COPY, { timeout: 15000 });
    await page.bringToFront();
    await keyTo(page, REJECTED);
    await page.screenshot({ path: path.join(shots, 'desk-review.png'), fullPage: false });
    console.log('ok review: a rejection and a keeper crossed between the tabs');

    step = 'reload';
    const outbox = await page.evaluate(() => Object.keys(localStorage).filter(k => k.endsWith(':outbox')).map(k => JSON.parse(localStorage.getItem(k)).length));
    check(outbox.every(n => n === 0), `changes left unsent: ${outbox}`);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForSelector('.card');
    check(await cardOf(page, REJECTED).getAttribute('data-decision') === 'reject', 'the rejection is not in the catalog');
    check(await cardOf(page, GROUPED_COPY).locator('.group .keeper').count() === 1, 'the keeper is not in the catalog');
    console.log('ok reload: both decisions came back from the catalog');

    step = 'package';
    await page.goto(origin + '/');
    await page.waitForSelector('#package:not([disabled])');
    check(await page.locator('a.fixlist').count() === 4, 'not every unit offers its fix-list');
    await page.click('#package');
    await page.waitForFunction(() => document.querySelector('#run').disabled === false && /打包完成|Package built/.test(document.querySelector('#job-line').textContent), null, { timeout: 240000 });
    await page.waitForSelector('#package-box a', { timeout: 15000 });
    const links = await page.$$eval('#package-box a', as => as.map(a => a.textContent));
    check(links.some(l => l.endsWith('汇总表.xlsx')) && links.some(l => l.endsWith('图录.pdf')), `package links: ${links}`);
    console.log(`ok package: built, ${links.length} files linked`);
    // Building the package changed no photo: the review tab still open says nothing of new results.
    await second.waitForTimeout(500);
    const told = await second.locator('#msg').textContent();
    check(!/新的检查结果|new results/.test(told), `the review tab was told of new results after packaging: ${told}`);
    console.log('ok package: the open review tab was not told to reload');

    step = 'verify';
    await page.click('#verify');
    await page.waitForFunction(() => document.querySelector('#run').disabled === false && /校验通过|Verified/.test(document.querySelector('#job-line').textContent), null, { timeout: 120000 });
    check((await page.locator('#job-output').textContent()) === '', 'a whole package printed findings');
    console.log('ok verify: the package checked whole from the desk');

    check(problems.length === 0, problems.join('\n'));
  } finally {
    await browser.close();
    evil.close();
  }
}

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error('usage: node tests/browser/desk.mjs URL SHOTS_DIR');
  process.exit(2);
}
fs.mkdirSync(shots, { recursive: true });
main(url, shots).catch(e => {
  console.error(`step ${step}: ${e.message}`);
  process.exit(1);
});
