// End-to-end test of the web UI: the real server binary on a loopback port with a temporary
// data directory and the demo data, driven in Debian's headless Chromium through
// playwright-core. A clerk logs in, finds an Akte in the tree, sets a Wiedervorlage on it and
// marks it done in the personal list of what is due, creates a Vorgang, drops two German PDFs
// on it, finds one by a word of its text, previews it, uploads a new version and closes the
// Vorgang (zdA); the records office places and releases a hold, sets a rule and adds and
// renames a unit; an archivist runs an Aussonderung through to its protocol. Each main view
// is checked with axe-core (no serious or critical violation), at 200 % zoom (no horizontal
// scrolling) and saved as a screenshot.
//   node ui_test.mjs <aktenwerk binary> <artefact dir>
import assert from 'node:assert/strict';
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const [binary, artefacts] = process.argv.slice(2);
if (!binary || !artefacts) {
  console.error('usage: node ui_test.mjs <aktenwerk binary> <artefact dir>');
  process.exit(2);
}
let chromium;
try {
  ({chromium} = require('playwright-core'));
} catch {
  console.error('playwright-core is missing: run tests/web/setup.sh (npm ci in tests/web)');
  process.exit(1);
}
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const kBrowser = '/usr/bin/chromium';
const kPassword = 'web-ui-test-passwort';
const kPdfA = '/usr/share/doc/texlive-doc/latex/booktabs-de/booktabs-de.pdf';
const kPdfB = '/usr/share/doc/texlive-doc/generic/german/gerdoc.pdf';
const kDeadlineMs = 60_000;

let passed = 0;
let failed = 0;
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    ++passed;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    ++failed;
    console.log(`not ok - ${name}\n${error.stack || error}`);
    throw error;
  }
}

// Starts the server with the demo data; resolves with {process, base} once it listens.
function startServer(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--demo'],
        {env: {...process.env, AKTENWERK_ADMIN_PASSWORD: kPassword}, stdio: ['ignore', 'ignore', 'pipe']});
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), kDeadlineMs);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listens on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) { clearTimeout(timer); resolve({child, base: m[1]}); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); });
  });
}

// The most frequent long word of `file`'s text that the other file does not contain.
function distinctiveWord(file, other) {
  const text = (f) => execFileSync('pdftotext', ['-enc', 'UTF-8', f, '-'], {encoding: 'utf8'});
  const otherText = text(other).toLocaleLowerCase('de-DE');
  const counts = new Map();
  for (const w of text(file).match(/\p{L}{9,}/gu) || []) {
    const lower = w.toLocaleLowerCase('de-DE');
    if (!otherText.includes(lower)) counts.set(lower, (counts.get(lower) || 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  assert.ok(best, `no distinctive word in ${file}`);
  return best[0];
}

// The archive's appraisal (0502): `akteId` is archivwürdig (A), the rest counts as V.
function message0502(runId, akteId) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Bewertungsverzeichnis.0502 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.1.0">
 <xdomea:Kopf><xdomea:ProzessID>${runId}</xdomea:ProzessID>
  <xdomea:Nachrichtentyp><code>0502</code></xdomea:Nachrichtentyp>
  <xdomea:Erstellungszeitpunkt>2026-12-01T10:00:00Z</xdomea:Erstellungszeitpunkt>
  <xdomea:Absender/><xdomea:Empfaenger/><xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>
 </xdomea:Kopf>
 <xdomea:BewertetesObjekt><xdomea:ID>${akteId}</xdomea:ID>
  <xdomea:Aussonderungsart><xdomea:Aussonderungsart><code>A</code></xdomea:Aussonderungsart></xdomea:Aussonderungsart>
 </xdomea:BewertetesObjekt>
</xdomea:Aussonderung.Bewertungsverzeichnis.0502>
`;
}

// The archive's import confirmation (0506) of `akteId` with its Archivkennung.
function message0506(runId, akteId) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.AussonderungImportBestaetigen.0506 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.1.0">
 <xdomea:Kopf><xdomea:ProzessID>${runId}</xdomea:ProzessID>
  <xdomea:Nachrichtentyp><code>0506</code></xdomea:Nachrichtentyp>
  <xdomea:Erstellungszeitpunkt>2026-12-08T10:00:00Z</xdomea:Erstellungszeitpunkt>
  <xdomea:Absender/><xdomea:Empfaenger/>
 </xdomea:Kopf>
 <xdomea:AusgesondertesSGO><xdomea:IDSGO>${akteId}</xdomea:IDSGO><xdomea:Erfolgreich>1</xdomea:Erfolgreich>
  <xdomea:Archivkennung>LA Musterland 32/2026-1</xdomea:Archivkennung></xdomea:AusgesondertesSGO>
</xdomea:Aussonderung.AussonderungImportBestaetigen.0506>
`;
}

async function api(base, method, p, body) {
  const r = await fetch(base + p, {method, body: body && JSON.stringify(body),
    headers: {Authorization: `Basic ${Buffer.from(`admin:${kPassword}`).toString('base64')}`,
              'Content-Type': 'application/json'}});
  assert.ok(r.ok, `${method} ${p}: ${r.status}`);
  return r.json();
}

// axe-core on the current page: no serious or critical violation. The script goes in through
// the DevTools protocol, which the page's Content-Security-Policy does not govern.
async function checkAccessibility(page, view) {
  await page.evaluate(axeSource);
  // The preview frame holds the browser's own PDF viewer, not our markup: it is left out.
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
    iframes: false, rules: {'frame-tested': {enabled: false}}}));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  fs.writeFileSync(path.join(artefacts, `${view}-axe.json`), JSON.stringify(result.violations, null, 2));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`), [],
      `accessibility of ${view}`);
}

// At 200 % zoom a 1280-pixel window shows 640 CSS pixels: nothing may need sideways scrolling.
async function checkZoom(page, view) {
  const size = page.viewportSize();
  await page.setViewportSize({width: 640, height: 720});
  const {overflow, wide} = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // The elements that stick out, for the message: those none of whose children do.
    const out = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1);
    const leaves = out.filter((e) => !out.some((o) => o !== e && e.contains(o)));
    return {overflow: document.documentElement.scrollWidth - width,
            wide: leaves.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`)};
  });
  await page.screenshot({path: path.join(artefacts, `${view}-200prozent.png`), fullPage: true});
  await page.setViewportSize(size);
  assert.ok(overflow <= 0, `${view} scrolls sideways at 200 % zoom by ${overflow} px: ${wide.join(', ')}`);
}

async function checkView(page, view) {
  await page.screenshot({path: path.join(artefacts, `${view}.png`), fullPage: true});
  await checkAccessibility(page, view);
  await checkZoom(page, view);
}

// Drops files on the drop zone `zone` as a user's drag and drop does: a drop event whose
// DataTransfer carries the files.
async function dropFiles(page, zone, files) {
  const payload = files.map((f) => ({name: path.basename(f), data: fs.readFileSync(f).toString('base64')}));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const {name, data} of list) {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], name, {type: 'application/pdf'}));
    }
    return dt;
  }, payload);
  await zone.dispatchEvent('dragover', {dataTransfer: transfer});
  await zone.dispatchEvent('drop', {dataTransfer: transfer});
}

async function main() {
  fs.mkdirSync(artefacts, {recursive: true});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aktenwerk-web-'));
  const {child, base} = await startServer(dataDir);
  const browser = await chromium.launch({executablePath: kBrowser, headless: true,
                                         args: ['--no-sandbox', '--disable-gpu', '--lang=de-DE']});
  const problems = [];
  try {
    const context = await browser.newContext({locale: 'de-DE', viewport: {width: 1280, height: 900},
                                              acceptDownloads: true});
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[0-9]/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('dialog', (d) => { problems.push(`unexpected dialog: ${d.message()}`); d.dismiss(); });

    await step('the page and its files come with type, caching and a strict policy', async () => {
      const r = await fetch(`${base}/`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      const csp = r.headers.get('content-security-policy');
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
      const html = await r.text();
      const script = /src="(\/ui\/[0-9a-f]{12}\/main\.js)"/.exec(html);
      assert.ok(script, 'index.html names a versioned main.js');
      const js = await fetch(base + script[1]);
      assert.match(js.headers.get('content-type'), /^text\/javascript/);
      assert.match(js.headers.get('cache-control'), /immutable/);
      const again = await fetch(base + script[1], {headers: {'If-None-Match': js.headers.get('etag')}});
      assert.equal(again.status, 304);
      assert.equal((await fetch(`${base}/ui/gibt-es-nicht.js`)).status, 404);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
      assert.doesNotMatch(html, /https?:\/\//, 'no asset from another origin');
      // A refused login of the UI gets no Basic challenge, so no browser password dialog.
      const ui = await fetch(`${base}/api/v1/aktenplan`, {headers: {'X-Aktenwerk-Client': 'web'}});
      assert.equal(ui.status, 401);
      assert.equal(ui.headers.get('www-authenticate'), null);
      const other = await fetch(`${base}/api/v1/aktenplan`);
      assert.match(other.headers.get('www-authenticate'), /^Basic realm=/);
    });

    await step('a wrong password is explained in German and keeps the name', async () => {
      await page.goto(`${base}/`);
      await page.getByLabel('Benutzername').fill('admin');
      await page.getByLabel('Passwort').fill('falsch-falsch');
      await page.getByRole('button', {name: 'Anmelden'}).click();
      await page.getByRole('alert').getByText('Benutzername oder Passwort stimmen nicht.').waitFor();
      assert.equal(await page.getByLabel('Benutzername').inputValue(), 'admin');
      await checkView(page, 'anmeldung');
    });

    await step('login keeps the credentials in sessionStorage only', async () => {
      await page.getByLabel('Passwort').fill(kPassword);
      await page.getByRole('button', {name: 'Anmelden'}).click();
      await page.getByRole('heading', {level: 1, name: 'Aktenplan'}).waitFor();
      const stored = await page.evaluate(() => ({session: Object.keys(sessionStorage), local: Object.keys(localStorage),
                                                 cookie: document.cookie}));
      assert.deepEqual(stored, {session: ['aktenwerk.anmeldung'], local: [], cookie: ''});
    });

    await step('the tree works with the keyboard alone and shows where the focus is', async () => {
      await page.getByLabel('Im Aktenplan suchen').focus();
      await page.keyboard.press('Tab');
      const focused = () => page.evaluate(() => {
        const el = document.activeElement;
        return {cls: el.className, expanded: el.getAttribute('aria-expanded'),
                outline: getComputedStyle(el).outlineStyle, text: el.textContent.trim()};
      });
      const first = await focused();
      assert.equal(first.cls, 'baum-schalter');
      assert.equal(first.expanded, 'false');
      assert.notEqual(first.outline, 'none', 'the focus ring is visible');
      await page.keyboard.press('Enter');
      assert.equal((await focused()).expanded, 'true');
      await page.keyboard.press('Enter');
      assert.equal((await focused()).expanded, 'false');
    });

    let akteName = '';
    await step('the tree filters as one types and opens an Akte', async () => {
      // The demo's Akten reach the index moments after the start: wait for them there first.
      const deadline = Date.now() + kDeadlineMs;
      const q = new URLSearchParams({q: 'Gewerbe*', typ: 'akte'});
      while (!(await api(base, 'GET', `/api/v1/suche?${q}`)).treffer.length) {
        assert.ok(Date.now() < deadline, 'the demo Akten are not in the index');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await page.getByLabel('Im Aktenplan suchen').fill('Gewerbe');
      await page.locator('.treffer-akten a', {hasText: 'Gewerbeanmeldung Bäckerei Müller'}).waitFor();
      const unit = page.locator('li[data-kennzeichen="32.10.01"] > button');
      await unit.waitFor();
      assert.equal(await unit.getAttribute('aria-expanded'), 'true');
      assert.equal(await page.locator('li[data-kennzeichen="11"]').count(), 0, 'other units are filtered out');
      const akte = page.locator('li[data-kennzeichen="32.10.01"] .baum-akte a').first();
      await akte.waitFor();
      await checkView(page, 'aktenplan');
      akteName = (await akte.locator('.az').textContent()).trim();
      await akte.click();
      await page.getByRole('heading', {level: 1, name: `Akte ${akteName}`}).waitFor();
      await checkView(page, 'akte');
    });

    await step('a Wiedervorlage set on the Akte is due in the personal list and marked done there', async () => {
      const akteUrl = page.url();
      const akteId = decodeURIComponent(akteUrl.split('#/akte/')[1]);
      const section = page.locator('section[aria-labelledby="wiedervorlagen"]');
      await section.getByLabel('Datum der Wiedervorlage').fill('2020-03-02');
      await section.getByLabel('Notiz (freiwillig)').fill('Unterlagen nachfordern');
      await section.getByRole('button', {name: 'Wiedervorlage setzen'}).click();
      await section.locator('li', {hasText: 'Unterlagen nachfordern'}).getByText('überfällig').waitFor();
      assert.equal(await section.getByLabel('Notiz (freiwillig)').inputValue(), '', 'the form is ready for the next');

      await page.getByRole('link', {name: 'Wiedervorlagen', exact: true}).click();
      await page.getByRole('heading', {level: 1, name: 'Meine Wiedervorlagen'}).waitFor();
      const row = page.locator('tbody tr', {hasText: 'Unterlagen nachfordern'});
      await row.waitFor();
      assert.match(await row.getAttribute('class'), /ueberfaellig/);
      await row.getByText('überfällig').waitFor();
      assert.equal(await row.getByRole('link', {name: akteName}).getAttribute('href'),
                   `#/akte/${encodeURIComponent(akteId)}`);
      await checkView(page, 'wiedervorlagen');

      // With the keyboard alone: the button takes the focus and Enter marks it done.
      await row.getByRole('button', {name: 'Erledigt: Wiedervorlage zum 02.03.2020'}).focus();
      await page.keyboard.press('Enter');
      await page.getByText('Keine Wiedervorlage fällig.').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'seitentitel');
      const {wiedervorlagen} = await api(base, 'GET', `/api/v1/objekte/${akteId}/wiedervorlagen`);
      assert.deepEqual(wiedervorlagen.map((w) => [w.datum, w.notiz, w.fuer, w.erledigt]),
                       [['2020-03-02', 'Unterlagen nachfordern', 'admin', true]]);
      await page.goto(akteUrl);
      await page.getByRole('heading', {level: 1, name: `Akte ${akteName}`}).waitFor();
      await page.locator('section[aria-labelledby="wiedervorlagen"] li', {hasText: 'Unterlagen nachfordern'})
          .getByText('erledigt', {exact: true}).waitFor();
    });

    await step('a refused Vorgang is explained and the form keeps what was typed', async () => {
      // A tab is a control character, which the server refuses in a Betreff.
      await page.getByLabel('Betreff des neuen Vorgangs').fill('Prüfung\tder Unterlagen');
      await page.getByRole('button', {name: 'Vorgang anlegen'}).click();
      await page.getByRole('alert').getByText('Eine Eingabe ist nicht gültig.').waitFor();
      assert.equal(await page.getByLabel('Betreff des neuen Vorgangs').inputValue(), 'Prüfung\tder Unterlagen');
    });

    await step('a new Vorgang is created in the Akte', async () => {
      await page.getByLabel('Betreff des neuen Vorgangs').fill('Prüfung der Unterlagen Müller');
      await page.getByRole('button', {name: 'Vorgang anlegen'}).click();
      await page.getByRole('heading', {level: 1, name: 'Vorgang: Prüfung der Unterlagen Müller'}).waitFor();
    });

    await step('two PDFs dropped on the Vorgang upload with a progress bar each', async () => {
      await dropFiles(page, page.locator('[data-ablage]'), [kPdfA, kPdfB]);
      const rows = page.locator('.upload');
      await page.locator('.upload.upload-fertig').nth(1).waitFor();
      assert.equal(await rows.count(), 2);
      for (let i = 0; i < 2; ++i) assert.equal(await rows.nth(i).locator('progress').evaluate((p) => p.value), 100);
      await page.getByRole('link', {name: 'booktabs-de'}).waitFor();
      await page.getByRole('link', {name: 'gerdoc'}).waitFor();
      await checkView(page, 'vorgang');
    });
    const vorgangUrl = page.url();
    let docId = '';

    const word = distinctiveWord(kPdfA, kPdfB);
    await step(`the search finds the first PDF by the word "${word}" with a highlight`, async () => {
      // The index catches up with the upload within moments: wait for it through the API.
      const deadline = Date.now() + kDeadlineMs;
      const q = new URLSearchParams({q: word, typ: 'dokument'});
      for (;;) {
        const r = await api(base, 'GET', `/api/v1/suche?${q}`);
        if (r.treffer.some((t) => t.dateiname === 'booktabs-de.pdf')) break;
        assert.ok(Date.now() < deadline, `the index has no hit for ${word} within ${kDeadlineMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await page.getByRole('link', {name: 'Suche', exact: true}).click();
      await page.getByRole('heading', {level: 1, name: 'Suche'}).waitFor();
      await page.getByLabel('Suchbegriff').fill(word);
      await page.getByRole('button', {name: 'Suchen', exact: true}).click();
      const hit = page.locator('.treffer', {hasText: 'booktabs-de.pdf'});
      await hit.waitFor();
      assert.ok(await hit.locator('mark').count() > 0, 'the snippet marks the word');
      assert.equal(await hit.getByRole('link', {name: akteName}).getAttribute('href'),
                   `#/aktenzeichen/${encodeURIComponent(akteName)}`);
      await checkView(page, 'suche');
      await hit.getByRole('link').first().click();
      await page.getByRole('heading', {level: 1, name: 'Dokument: booktabs-de'}).waitFor();
    });

    await step('the preview shows the PDF in the browser', async () => {
      // The UI fetches the content with the user's credentials and shows it from a blob: URL
      // (the page's policy keeps its own scripts from reading blob: URLs, so the test looks at
      // the response the UI read and at the frame the browser made of it).
      const content = page.waitForResponse((r) => /\/versionen\/1\/inhalt$/.test(r.url()));
      await page.getByRole('button', {name: 'Vorschau anzeigen'}).click();
      const response = await content;
      assert.equal(response.status(), 200);
      assert.equal(response.headers()['content-type'], 'application/pdf');
      assert.equal(Number(response.headers()['content-length']), fs.statSync(kPdfA).size);
      const frame = page.locator('iframe.vorschau-rahmen');
      await frame.waitFor();
      const src = await frame.getAttribute('src');
      assert.match(src, /^blob:http:\/\/127\.0\.0\.1:\d+\//);
      assert.equal(await frame.getAttribute('title'), 'Vorschau von booktabs-de.pdf');
      const deadline = Date.now() + kDeadlineMs;
      while (!page.frames().some((f) => f.url() === src)) {
        assert.ok(Date.now() < deadline, 'the preview frame did not load');
        await page.waitForTimeout(100);
      }
      await checkView(page, 'dokument');
    });

    await step('a new version is uploaded by drag and drop', async () => {
      await page.getByLabel('Kommentar (freiwillig)').fill('Korrigierte Fassung');
      await dropFiles(page, page.locator('[data-ablage]'), [kPdfB]);
      await page.locator('tbody tr', {hasText: 'Korrigierte Fassung'}).waitFor();
      assert.equal(await page.locator('section[aria-labelledby="versionen"] tbody tr').count(), 2);
      docId = decodeURIComponent(page.url().split('#/dokument/')[1]);
      const {versionen} = await api(base, 'GET', `/api/v1/dokumente/${docId}/versionen`);
      assert.deepEqual(versionen.map((v) => v.dateiname), ['booktabs-de.pdf', 'gerdoc.pdf']);
    });

    await step('the Vorgang is closed (zdA) and says so', async () => {
      await page.goto(vorgangUrl);
      await page.getByRole('button', {name: 'zdA verfügen'}).click();
      await page.getByRole('button', {name: 'Wiedereröffnen'}).waitFor();
      const id = decodeURIComponent(vorgangUrl.split('#/vorgang/')[1]);
      const v = await api(base, 'GET', `/api/v1/vorgaenge/${id}`);
      assert.equal(v.status, 'geschlossen');
      assert.equal(await page.locator('[data-ablage]').count(), 0, 'no upload into a closed Vorgang');
    });

    await step('a closed Vorgang refuses a restored version in German; after reopening it works', async () => {
      const docUrl = `${vorgangUrl.split('#')[0]}#/dokument/${encodeURIComponent(docId)}`;
      await page.goto(docUrl);
      await page.getByRole('button', {name: 'Als neue Version wiederherstellen (Version 1.0)'}).click();
      await page.getByRole('alert').getByText('zu den Akten verfügt').waitFor();
      await page.goto(vorgangUrl);
      await page.getByRole('button', {name: 'Wiedereröffnen'}).click();
      await page.getByRole('button', {name: 'zdA verfügen'}).waitFor();
      await page.goto(docUrl);
      await page.getByRole('button', {name: 'Als neue Version wiederherstellen (Version 1.0)'}).click();
      await page.locator('tbody tr', {hasText: 'Wiederhergestellt aus Version 1.0'}).waitFor();
      const {versionen} = await api(base, 'GET', `/api/v1/dokumente/${docId}/versionen`);
      assert.equal(versionen.length, 3);
      assert.equal(versionen[2].sha256, versionen[0].sha256, 'the restored version has the old bytes');
      await page.goto(vorgangUrl);
      await page.getByRole('button', {name: 'zdA verfügen'}).click();
      await page.getByRole('button', {name: 'Wiedereröffnen'}).waitFor();
    });

    await step('the records office places a hold, sets a rule, keeps the Aktenplan and releases the hold', async () => {
      await page.goto(`${vorgangUrl.split('#')[0]}#/aktenzeichen/${encodeURIComponent(akteName)}`);
      await page.getByText('Sperre setzen …').click();
      await page.getByLabel('Grund der Sperre').fill('Auskunftsersuchen');
      await page.getByLabel('Anordnende Stelle').fill('Landesbeauftragte für Datenschutz');
      await page.getByRole('button', {name: 'Sperre setzen'}).click();
      await page.locator('dd', {hasText: 'Auskunftsersuchen (Landesbeauftragte für Datenschutz)'}).waitFor();
      await page.getByText('Eigene Aufbewahrungsregel für diese Akte …').click();
      await page.getByLabel('Aufbewahrungsfrist in Jahren').fill('30');
      await page.getByLabel('Aussonderungsart').selectOption('A');
      await page.getByLabel('Grund der Änderung').fill('Musterverfahren');
      await page.getByRole('button', {name: 'Regel speichern'}).click();
      await page.locator('dd', {hasText: 'an dieser Akte gesetzt (Musterverfahren)'}).waitFor();
      assert.equal(await page.locator('dd', {hasText: '30 Jahre, A – archivwürdig'}).count(), 1);

      await page.getByRole('link', {name: 'Registratur', exact: true}).click();
      await page.getByRole('heading', {level: 1, name: 'Registratur'}).waitFor();
      const hold = page.locator('li.sperre', {hasText: 'Auskunftsersuchen'});
      await hold.waitFor();
      const select = page.getByLabel('Aktenplaneinheit');
      const unitId = await select.evaluate((el) =>
        [...el.options].find((o) => o.textContent.trim() === '32.10.01 Gewerbeanmeldungen').value);
      await select.selectOption(unitId);
      await page.getByLabel('Aufbewahrungsfrist in Jahren').fill('10');
      await page.getByLabel('Aussonderungsart').selectOption('V');
      await page.getByLabel('Grund der Änderung').fill('Erlass vom 1. Dezember');
      await page.getByRole('button', {name: 'Regel speichern'}).click();
      await page.locator('dd', {hasText: 'an dieser Einheit gesetzt'}).waitFor();
      const a = await api(base, 'GET', `/api/v1/aktenplan/einheiten/${unitId}/aufbewahrung`);
      assert.deepEqual([a.eigene_regel.frist_jahre, a.eigene_regel.aussonderungsart, a.eigene_regel.grund],
                       [10, 'V', 'Erlass vom 1. Dezember']);
      await checkView(page, 'registratur');

      await page.getByLabel('Übergeordnete Einheit').selectOption({label: await select.evaluate((el) =>
        [...el.options].find((o) => o.textContent.trim() === '32.10 Gewerbewesen').textContent)});
      await page.getByLabel('Kennzeichen', {exact: true}).fill('32.10.04');
      await page.getByLabel('Titel', {exact: true}).fill('Spielhallen');
      await page.getByRole('button', {name: 'Einheit anlegen'}).click();
      await page.getByText('Einheit 32.10.04 Spielhallen angelegt.').waitFor();
      // The page is drawn anew with the new unit in its lists.
      await page.getByLabel('Aktenplaneinheit').locator('option', {hasText: '32.10.04 Spielhallen'})
          .waitFor({state: 'attached'});
      const newId = await page.getByLabel('Aktenplaneinheit').evaluate((el) =>
        [...el.options].find((o) => o.textContent.trim() === '32.10.04 Spielhallen').value);
      await page.getByLabel('Aktenplaneinheit').selectOption(newId);
      await page.getByLabel('Titel von 32.10.04').fill('Spielhallen und Wettbüros');
      await page.getByRole('button', {name: 'Titel speichern'}).click();
      await page.getByText('Titel geändert.').waitFor();
      const unit = await api(base, 'GET', `/api/v1/aktenplan/einheiten/${newId}`);
      assert.deepEqual([unit.kennzeichen, unit.titel], ['32.10.04', 'Spielhallen und Wettbüros']);
      const parentUnit = await api(base, 'GET', `/api/v1/objekte/${unit.parent_id}`);
      assert.equal(parentUnit.kennzeichen, '32.10');

      await hold.getByText('Aufheben …').click();
      await hold.getByRole('textbox').fill('Auskunft erteilt');
      await hold.getByRole('button', {name: 'Sperre aufheben'}).click();
      await page.getByText('Es gibt keine wirksame Sperre.').waitFor();
      const {sperren} = await api(base, 'GET', '/api/v1/sperren');
      assert.deepEqual(sperren, []);
    });

    await step('an archivist runs an Aussonderung through to its protocol', async () => {
      await page.getByRole('link', {name: 'Aussonderung', exact: true}).click();
      await page.getByRole('heading', {level: 1, name: 'Aussonderung'}).waitFor();
      await page.getByLabel('Aktenplaneinheit').selectOption('32');
      await page.getByRole('button', {name: 'Aussonderung beginnen'}).click();
      await page.locator('[aria-current="step"]', {hasText: 'Fällige Einträge prüfen'}).waitFor();
      const runId = decodeURIComponent(page.url().split('#/aussonderung/')[1]);
      const {objekte} = await api(base, 'GET', `/api/v1/aussonderungen/${runId}/objekte`);
      const weber = objekte.find((o) => o.typ === 'akte' && o.bezeichnung.startsWith('32.10.03-0001/'));
      assert.ok(weber, 'the legacy Reisegewerbe Akte is due');
      await checkView(page, 'aussonderung-faellig');

      await page.getByRole('button', {name: 'Dem Archiv anbieten (0501 erzeugen)'}).click();
      await page.locator('[aria-current="step"]', {hasText: 'Bewertung (0502) einlesen'}).waitFor();
      await page.getByRole('button', {name: 'Herunterladen 0501'}).waitFor();
      await page.getByLabel('Bewertung des Archivs (0502) auswählen').setInputFiles({name: '0502.xml',
        mimeType: 'application/xml', buffer: Buffer.from(message0502(runId, weber.id))});
      await page.getByRole('button', {name: 'Archivwürdiges abgeben (0503 erzeugen)'}).click();
      await page.getByLabel('Importbestätigung des Archivs (0506) auswählen').setInputFiles({name: '0506.xml',
        mimeType: 'application/xml', buffer: Buffer.from(message0506(runId, weber.id))});
      await page.locator('td', {hasText: 'LA Musterland 32/2026-1'}).waitFor();
      await page.getByRole('button', {name: 'Vernichtung freigeben'}).click();
      await page.getByText('Vernichtung freigegeben von admin').waitFor();

      // Before anything goes, the page names what will: the transferred A and every V.
      const list = page.locator('.vernichtungsliste li');
      await list.first().waitFor();
      const shown = await list.allTextContents();
      const top = objekte.filter((o) => o.typ === 'akte');
      for (const akte of top) assert.ok(shown.some((t) => t.startsWith(akte.bezeichnung)), `${akte.bezeichnung} is listed`);
      const destroy = page.getByRole('button', {name: 'Jetzt endgültig vernichten'});
      assert.equal(await destroy.isDisabled(), true, 'destruction waits for the confirmation');
      await checkView(page, 'aussonderung-vernichten');
      await page.getByLabel('Ich habe die Liste geprüft', {exact: false}).check();
      await destroy.click();
      await page.locator('[aria-current="step"]', {hasText: 'Abgeschlossen'}).waitFor();

      const downloaded = page.waitForEvent('download');
      await page.getByRole('button', {name: 'Protokoll 1 herunterladen'}).click();
      const file = await (await downloaded).path();
      const protokoll = fs.readFileSync(file, 'utf8');
      assert.ok(protokoll.includes(weber.id), 'the protocol names the destroyed Akte');
      const gone = await fetch(`${base}/api/v1/akten/${weber.id}`, {headers: {Authorization:
        `Basic ${Buffer.from(`admin:${kPassword}`).toString('base64')}`}});
      assert.equal(gone.status, 410, 'the Akte is gone; its stub remains');
      await api(base, 'GET', `/api/v1/ausgesondert/${weber.id}`);
      await checkView(page, 'aussonderung-protokoll');
    });

    await step('the browser saw no script error and no policy violation', async () => {
      assert.deepEqual(problems, []);
    });
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, {recursive: true, force: true});
  }
}

main().then(() => {
  console.log(`${passed} passed, ${failed} failed`);
}, (error) => {
  if (!failed) console.log(`not ok - ${error.stack || error}`);
  console.log(`${passed} passed, ${Math.max(failed, 1)} failed`);
  process.exitCode = 1;
});
