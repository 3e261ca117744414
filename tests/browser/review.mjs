// Drives the review page in a real browser (Debian's /usr/bin/chromium through playwright-core).
//
// In: a work folder written by `lightbox run fixtures/drops` and a path to write the exported
// decisions to:
//
//   node tests/browser/review.mjs WORK DECISIONS_OUT
//       opens file://WORK/review/index.html; checks every card's thumbnail loaded, no console
//       errors and no request other than file: (blob: for the export); filters by unit
//       (克拉玛依市科协) and checks the count; clears the filter; rejects one accepted photo and
//       accepts another with the keyboard; searches a caption word; opens a preview with Enter
//       (and one by clicking, and a duplicate group's side by side) and closes it with Escape;
//       makes the other copy of that group its keeper (K); splits a duplicate from its group (D:
//       "not the same photo") and checks its card shows the split and no longer reads as left
//       out, its preview the group's evidence; splits another with the card's button and undoes
//       it (U); checks an identical copy cannot be split; clicks export and saves the download
//       to DECISIONS_OUT, then checks its content (the split photo against each other member).
//
//   node tests/browser/review.mjs --check-saved WORK PATH
//       opens the page of a later run and checks the photo at PATH shows the rejection the
//       catalog holds, the keeper chosen above and the split (no browser storage: a fresh
//       profile).
//
// Out: a line per step on stdout; exit code 0, or 1 with the failed step and why on stderr.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

// The photos the test decides on (fixtures/drops).
const REJECTED = '克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg';
const ACCEPTED = '克拉玛依市科协/2016+克拉玛依市+科普大篷车进社区.jpg';
const UNIT = '克拉玛依市科协';
const UNIT_FILES = 7;
const CAPTION_WORD = '无人机';
const CAPTION_MATCH = '克拉玛依市科协/2015+克拉玛依市+科普进校园+02.jpg';
const GROUPED = '克拉玛依市科协/2018+克拉玛依市+科普讲座.jpg';
const GROUPED_COPY = '喀什地区科协/2018 喀什地区 科普讲座.jpg';
// A duplicate group of three (the first is kept): the test splits the second with D, and the third with the
// card's button, then undoes that.
const SPLIT_KEEPER = '喀什地区科协/2017+喀什地区+流动科技馆进乡村+01.jpg';
const SPLIT = '喀什地区科协/2017+喀什地区+流动科技馆进乡村+02.jpg';
const SPLIT_UNDONE = '喀什地区科协/2017+喀什地区+流动科技馆进乡村+03.jpg';

let step = 'start';
function check(ok, message) {
  if (!ok) throw new Error(message);
}

async function openPage(work) {
  const file = path.resolve(work, 'review', 'index.html');
  check(fs.existsSync(file), `no review page at ${file}`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', m => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('request', r => {
    const scheme = new URL(r.url()).protocol;
    if (scheme !== 'file:' && scheme !== 'blob:') problems.push(`request outside file://: ${r.url()}`);
  });
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  await page.goto('file://' + file);
  await page.waitForSelector('.card');
  return { browser, page, problems };
}

const count = page => page.locator('#count').textContent();
const shownCount = async page => Number((await count(page)).match(/(\d+)/)[1]);
const current = page => page.evaluate(() => {
  const c = document.querySelector('.card.current');
  return c && { path: c.dataset.path, decision: c.dataset.decision, index: Number(c.dataset.index) };
});
const blur = page => page.evaluate(() => document.activeElement && document.activeElement.blur());

// The paths of the cards marked as their group's keeper, comma-separated.
const keeperMarks = page => page.$$eval('.card .group .keeper', ks => ks.map(k => k.closest('.card').dataset.path).join(', '));
// The keeper mark of the group the test decides on (the other groups keep their own marks).
const pairKeeper = async page => (await keeperMarks(page)).split(', ').filter(p => p === GROUPED || p === GROUPED_COPY).join(', ');

// What a card shows of its split: data-split, the status badge, the card's look, the split mark, the button.
const cardSplit = (page, target) => page.locator(`.card[data-path="${target}"]`).evaluate(c => ({
  split: c.dataset.split === '1', status: c.querySelector('.status').textContent, look: c.className,
  mark: c.querySelector('.splitmark')?.textContent ?? '', button: c.querySelector('.splitbtn')?.textContent ?? null,
}));

// Moves the highlight to the card of `target` with the keyboard (Home, then J).
async function keyTo(page, target) {
  await page.keyboard.press('Home');
  const total = await shownCount(page);
  for (let n = 0; n <= total; n++) {
    const c = await current(page);
    if (c && c.path === target) return c;
    await page.keyboard.press('j');
  }
  throw new Error(`${target} is not among the cards shown`);
}

// Scrolls through the whole grid; returns item index -> naturalWidth for every card seen in view.
async function thumbnails(page) {
  const seen = new Map();
  await page.evaluate(() => window.scrollTo(0, 0));
  for (let guard = 0; guard < 1000; guard++) {
    await page.waitForFunction(() => [...document.querySelectorAll('.card img')].filter(i => {
      const r = i.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }).every(i => i.complete), null, { timeout: 15000 });
    const widths = await page.evaluate(() => [...document.querySelectorAll('.card')].filter(c => {
      const r = c.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }).map(c => { const i = c.querySelector('img'); return [Number(c.dataset.index), i ? i.naturalWidth : null]; }));
    widths.forEach(([index, width]) => seen.set(index, width));
    const atEnd = await page.evaluate(() => {
      const before = window.scrollY;
      window.scrollBy(0, window.innerHeight * 0.8);
      return window.scrollY === before;
    });
    if (atEnd) break;
    await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  return seen;
}

async function main(work, out) {
  const { browser, page, problems } = await openPage(work);
  try {
    const data = await page.evaluate(() => JSON.parse(document.getElementById('data').textContent));
    const total = data.items.length;

    step = 'thumbnails';
    const seen = await thumbnails(page);
    check(seen.size === total, `saw ${seen.size} cards while scrolling, the run has ${total} photos`);
    const broken = data.items.filter(i => i.thumb && !(seen.get(i.index) > 0)).map(i => `#${i.index} ${i.path}`);
    check(broken.length === 0, `thumbnails that did not load: ${broken.join(', ')}`);
    check(data.items.some(i => i.thumb), 'no photo has a thumbnail');
    console.log(`ok thumbnails: ${data.items.filter(i => i.thumb).length} of ${total} cards have one, all loaded`);

    step = 'filter by unit';
    check(await shownCount(page) === total, `the page shows ${await count(page)} before filtering, expected ${total}`);
    await page.selectOption('#f-unit', UNIT);
    check(await shownCount(page) === UNIT_FILES, `filtering by ${UNIT} shows "${await count(page)}", expected ${UNIT_FILES}`);
    const paths = await page.$$eval('.card', cs => cs.map(c => c.dataset.path));
    check(paths.length === UNIT_FILES && paths.every(p => p.startsWith(UNIT + '/')), `cards after filtering: ${paths.join(', ')}`);
    await page.selectOption('#f-unit', '');
    check(await shownCount(page) === total, `clearing the filter shows "${await count(page)}", expected ${total}`);
    console.log(`ok filter: ${UNIT} shows ${UNIT_FILES} of ${total}, cleared shows ${total}`);

    step = 'keyboard decisions';
    await blur(page);
    const statusOf = p => data.items.find(i => i.path === p)?.status;
    check(statusOf(REJECTED) === 'accepted' && statusOf(ACCEPTED) === 'accepted', `${REJECTED} and ${ACCEPTED} should be accepted by the run`);
    await keyTo(page, REJECTED);
    await page.keyboard.press('r');
    const afterReject = await current(page);
    check(afterReject && afterReject.path !== REJECTED, 'R did not move to the next photo');
    check(await page.locator(`.card[data-path="${REJECTED}"]`).getAttribute('data-decision') === 'reject', `R did not mark ${REJECTED} rejected`);
    await keyTo(page, ACCEPTED);
    await page.keyboard.press('a');
    check(await page.locator(`.card[data-path="${ACCEPTED}"]`).getAttribute('data-decision') === 'accept', `A did not mark ${ACCEPTED} accepted`);
    await keyTo(page, CAPTION_MATCH);
    await page.keyboard.press('r');
    await keyTo(page, CAPTION_MATCH);
    await page.keyboard.press('u');
    check(await page.locator(`.card[data-path="${CAPTION_MATCH}"]`).getAttribute('data-decision') === 'undecided', 'U did not undo a rejection');
    await page.selectOption('#f-decision', 'reject');
    check(await shownCount(page) === 1, `the decision filter shows "${await count(page)}" rejected, expected 1`);
    await page.selectOption('#f-decision', '');
    await blur(page);
    const stored = await page.evaluate(() => Object.keys(localStorage).filter(k => k.startsWith('lightbox-decisions:')).map(k => localStorage.getItem(k)));
    check(stored.length === 1 && stored[0].includes('"reject"') && stored[0].includes('"accept"'), `decisions not kept in localStorage: ${stored}`);
    console.log(`ok keyboard: rejected ${REJECTED}, accepted ${ACCEPTED}, undo works, kept in localStorage`);

    step = 'caption search';
    await page.fill('#f-search', CAPTION_WORD);
    check(await shownCount(page) === 1, `searching "${CAPTION_WORD}" shows "${await count(page)}", expected 1`);
    check(await page.locator('.card').first().getAttribute('data-path') === CAPTION_MATCH, `searching "${CAPTION_WORD}" did not find ${CAPTION_MATCH}`);
    await page.fill('#f-search', '');
    await page.keyboard.press('Escape');
    check(await shownCount(page) === total, 'clearing the search did not show every photo');
    console.log(`ok search: "${CAPTION_WORD}" finds ${CAPTION_MATCH}`);

    step = 'preview';
    await blur(page);
    await keyTo(page, ACCEPTED);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#overlay.open');
    await page.waitForFunction(() => { const i = document.querySelector('#overlay > img'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
    const facts = await page.locator('#overlay .facts').textContent();
    check(facts.includes(ACCEPTED) && facts.includes('汇总表.csv#4'), `the preview does not show the photo's path and tag sources: ${facts.slice(0, 200)}`);
    await page.keyboard.press('Escape');
    check(!(await page.locator('#overlay.open').count()), 'Escape did not close the preview');
    await page.locator(`.card[data-path="${ACCEPTED}"]`).click();
    await page.waitForSelector('#overlay.open');
    await page.keyboard.press('Escape');
    await keyTo(page, GROUPED);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#overlay.open');
    const members = await page.locator('#overlay .members figure').count();
    const keepers = await page.locator('#overlay .members figure.keeper').count();
    check(members === 2 && keepers === 1, `the duplicate group shows ${members} copies with ${keepers} keepers, expected 2 and 1`);
    await page.keyboard.press('Escape');
    check(!(await page.locator('#overlay.open').count()), 'Escape did not close the group preview');
    await page.selectOption('#f-group', 'grouped');
    await blur(page);
    const grouped = data.groups.reduce((n, g) => n + g.members.length, 0);
    check(grouped > 2 && await shownCount(page) === grouped, `the group filter shows "${await count(page)}", expected the ${grouped} photos in groups`);
    await keyTo(page, GROUPED_COPY);
    await page.keyboard.press('k');
    check(await pairKeeper(page) === GROUPED_COPY, `K marked ${await pairKeeper(page) || 'nothing'} as keeper, expected ${GROUPED_COPY}`);
    await page.selectOption('#f-group', '');
    await blur(page);
    console.log(`ok preview: Enter and click open it, Escape closes it, a duplicate group shows its copies and keeper; K made ${GROUPED_COPY} the keeper`);

    step = 'not the same photo';
    await page.selectOption('#f-group', 'grouped');
    await blur(page);
    const before = await cardSplit(page, SPLIT);
    check(!before.split && before.status === '重复' && before.button === '不是同一张照片' && before.look.includes('duplicate'),
      `before D, ${SPLIT} shows ${JSON.stringify(before)}; expected a duplicate with the "不是同一张照片" button`);
    await keyTo(page, SPLIT);
    await page.keyboard.press('d');
    const after = await cardSplit(page, SPLIT);
    check(after.split && after.mark === '已从本组拆出' && after.button === null, `D did not split ${SPLIT}: ${JSON.stringify(after)}`);
    check(after.status === '已拆出' && !after.look.includes('duplicate') && after.look.includes('split'),
      `the split duplicate still reads as left out: ${JSON.stringify(after)}`);
    const third = await cardSplit(page, SPLIT_UNDONE);
    check(!third.split && third.status === '重复', `the group's third photo no longer reads as a copy of the keeper: ${JSON.stringify(third)}`);
    const keeperCard = await cardSplit(page, SPLIT_KEEPER);
    check(!keeperCard.split && keeperCard.button !== null, `the keeper reads as split too: ${JSON.stringify(keeperCard)}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#overlay.open');
    const evidence = await page.locator('#overlay .facts').textContent();
    check(evidence.includes('同一照片的不同副本') && evidence.includes('DCT 距离') && evidence.includes('差异 0.'),
      `the group's evidence is not in the preview: ${evidence.slice(0, 400)}`);
    check(evidence.includes('#' + data.items.find(i => i.path === SPLIT).index + ' 已从本组拆出') && evidence.includes('审核人：不是同一张照片'),
      `the preview does not show the split: ${evidence.slice(0, 400)}`);
    await page.keyboard.press('Escape');
    // The card's button splits too; U undoes it.
    await page.locator(`.card[data-path="${SPLIT_UNDONE}"] .splitbtn`).click();
    check(!(await page.locator('#overlay.open').count()), 'the split button opened the preview');
    check((await cardSplit(page, SPLIT_UNDONE)).split, `the button did not split ${SPLIT_UNDONE}`);
    await keyTo(page, SPLIT_UNDONE);
    await page.keyboard.press('u');
    const undone = await cardSplit(page, SPLIT_UNDONE);
    check(!undone.split && undone.status === '重复' && undone.button !== null, `U did not undo the split of ${SPLIT_UNDONE}: ${JSON.stringify(undone)}`);
    check((await cardSplit(page, SPLIT)).split, `undoing ${SPLIT_UNDONE} undid ${SPLIT} too`);
    // Identical files are the same photo: no button, and D says why.
    check((await cardSplit(page, GROUPED_COPY)).button === null, `the identical copy ${GROUPED_COPY} has a split button`);
    await keyTo(page, GROUPED_COPY);
    await page.keyboard.press('d');
    check(!(await cardSplit(page, GROUPED_COPY)).split && (await page.locator('#msg').textContent()).includes('不能拆出'),
      `D on an identical copy: ${await page.locator('#msg').textContent()}`);
    const kept = await page.evaluate(() => Object.keys(localStorage).filter(k => k.startsWith('lightbox-decisions:')).map(k => JSON.parse(localStorage.getItem(k)).splits));
    check(kept.length === 1 && Object.keys(kept[0]).length === 1, `the split is not kept in localStorage: ${JSON.stringify(kept)}`);
    await page.selectOption('#f-group', '');
    await blur(page);
    console.log(`ok not the same photo: D split ${SPLIT} (shown split, not left out, with the evidence); the button split ${SPLIT_UNDONE} and U undid it; an identical copy cannot be split`);

    step = 'export';
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    check(download.suggestedFilename() === 'decisions.json', `the download is named ${download.suggestedFilename()}`);
    await download.saveAs(out);
    const exported = JSON.parse(fs.readFileSync(out, 'utf8'));
    const verdicts = Object.fromEntries(exported.decisions.map(d => [d.path, d.decision]));
    check(exported.format === 1 && exported.report === data.key, `decisions.json header: ${JSON.stringify({ format: exported.format, report: exported.report })}`);
    check(JSON.stringify(verdicts) === JSON.stringify({ [REJECTED]: 'reject', [ACCEPTED]: 'accept' }), `decisions.json holds ${JSON.stringify(verdicts)}`);
    check(exported.decisions.every(d => /^[0-9a-f]{64}$/.test(d.content)), 'decisions.json names photos without their content hash');
    check(exported.keepers.length === 1 && exported.keepers[0].path === GROUPED_COPY, `decisions.json keepers: ${JSON.stringify(exported.keepers)}`);
    const keyOf = p => data.items.find(i => i.path === p).content_key;
    const pairOf = (x, y) => x < y ? { a: x, b: y } : { a: y, b: x };
    const expected = [pairOf(keyOf(SPLIT), keyOf(SPLIT_KEEPER)), pairOf(keyOf(SPLIT), keyOf(SPLIT_UNDONE))]
      .sort((p, q) => p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0);
    check(JSON.stringify(exported.distinct) === JSON.stringify(expected),
      `decisions.json distinct: ${JSON.stringify(exported.distinct)}, expected ${SPLIT} against the two other members: ${JSON.stringify(expected)}`);
    console.log(`ok export: ${out}`);

    // After the export (the file is written): the keeper split from the others leaves them one photo, not two.
    step = 'keeper split';
    await page.selectOption('#f-group', 'grouped');
    await blur(page);
    await keyTo(page, SPLIT);
    await page.keyboard.press('u');
    await keyTo(page, SPLIT_KEEPER);
    await page.keyboard.press('d');
    const [second, last] = [await cardSplit(page, SPLIT), await cardSplit(page, SPLIT_UNDONE)];
    check(second.status === '已拆出' && last.status === '重复',
      `with the keeper split off, ${SPLIT} should stand for itself and ${SPLIT_UNDONE} stay its copy: ${JSON.stringify([second, last])}`);
    console.log(`ok keeper split: ${SPLIT} goes in, ${SPLIT_UNDONE} stays its copy`);

    step = 'errors and requests';
    check(problems.length === 0, problems.join('\n'));
    console.log('ok no console errors, no request outside file://');
  } finally {
    await browser.close();
  }
}

async function checkSaved(work, target) {
  const { browser, page, problems } = await openPage(work);
  try {
    step = 'saved decisions';
    await page.selectOption('#f-decision', 'reject');
    const paths = await page.$$eval('.card', cs => cs.map(c => c.dataset.path));
    check(paths.length === 1 && paths[0] === target, `a fresh browser shows these photos rejected: ${paths.join(', ') || 'none'}; expected ${target} (from the catalog)`);
    await page.selectOption('#f-decision', '');
    await page.selectOption('#f-group', 'grouped');
    check(await pairKeeper(page) === GROUPED_COPY, `a fresh browser shows ${await pairKeeper(page) || 'nothing'} as keeper; expected ${GROUPED_COPY} (from the catalog)`);
    // The split, from the catalog: shown on the card while the photo is still grouped (a later run may not
    // group it with the others any more, which is what the split asks for).
    const data = await page.evaluate(() => JSON.parse(document.getElementById('data').textContent));
    const split = data.items.find(i => i.path === SPLIT);
    const grouped = data.groups.some(g => g.members.includes(split.index) && g.members.length > 1);
    if (grouped) check((await cardSplit(page, SPLIT)).split, `a fresh browser does not show ${SPLIT} split (from the catalog)`);
    check(problems.length === 0, problems.join('\n'));
    console.log(`ok the page starts from the catalog's decisions: ${target} rejected, ${GROUPED_COPY} the keeper, ${SPLIT} ${grouped ? 'split' : 'no longer grouped'}`);
  } finally {
    await browser.close();
  }
}

const args = process.argv.slice(2);
try {
  if (args[0] === '--check-saved' && args.length === 3) await checkSaved(args[1], args[2]);
  else if (args.length === 2 && !args[0].startsWith('--')) await main(args[0], args[1]);
  else {
    console.error('usage: node tests/browser/review.mjs WORK DECISIONS_OUT\n       node tests/browser/review.mjs --check-saved WORK PATH');
    process.exit(2);
  }
} catch (e) {
  console.error(`review page test failed at "${step}": ${e.message}`);
  process.exit(1);
}
