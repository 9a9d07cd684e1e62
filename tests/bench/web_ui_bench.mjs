// How fast the web UI shows the Aktenplan on a slow office PC (CPU slowed down 4 times, a
// 10 Mbit/s line with 40 ms latency): the first visit with an empty browser cache against
// later visits, which load the page's files from the cache (they are immutable under
// /ui/<version>/) and revalidate only the page. Reports medians and the ratio warm/cold,
// measured in the same run; not run by ctest.
//   node tests/bench/web_ui_bench.mjs build/interfaces/aktenwerk [runs]
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const {chromium} = require('playwright-core');
const [binary, runsArg = '7'] = process.argv.slice(2);
const runs = Number(runsArg);
const kPassword = 'web-ui-bench-passwort';

function startServer(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--demo'],
        {env: {...process.env, AKTENWERK_ADMIN_PASSWORD: kPassword}, stdio: ['ignore', 'ignore', 'pipe']});
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60_000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listens on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) { clearTimeout(timer); resolve({child, base: m[1]}); }
    });
  });
}

// One visit: milliseconds until the tree is shown, bytes and requests that reached the server.
async function visit(context, base) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Emulation.setCPUThrottlingRate', {rate: 4});
  await cdp.send('Network.emulateNetworkConditions', {offline: false, latency: 40,
    downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8});
  let bytes = 0;
  let requests = 0;
  const cached = new Set();
  cdp.on('Network.requestServedFromCache', (e) => cached.add(e.requestId));
  cdp.on('Network.loadingFinished', (e) => {
    if (!cached.has(e.requestId) && e.encodedDataLength > 0) { bytes += e.encodedDataLength; ++requests; }
  });
  const started = performance.now();
  await page.goto(`${base}/`);
  await page.locator('ul.baum > li').first().waitFor();
  const ms = performance.now() - started;
  await page.close();
  return {ms, bytes, requests};
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aktenwerk-web-bench-'));
const {child, base} = await startServer(dataDir);
const browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true,
                                       args: ['--no-sandbox', '--disable-gpu']});
const auth = `Basic ${Buffer.from(`admin:${kPassword}`).toString('base64')}`;
const cold = [];
const warm = [];
try {
  for (let i = 0; i < runs; ++i) {
    const context = await browser.newContext();
    // Logged in already (the credentials a login leaves in sessionStorage).
    await context.addInitScript((header) => {
      sessionStorage.setItem('aktenwerk.anmeldung', JSON.stringify({name: 'admin', header}));
    }, auth);
    cold.push(await visit(context, base));
    warm.push(await visit(context, base));
    await context.close();
  }
} finally {
  await browser.close();
  child.kill('SIGTERM');
  fs.rmSync(dataDir, {recursive: true, force: true});
}
const report = (name, xs) => console.log(`${name}: ${median(xs.map((x) => x.ms)).toFixed(0)} ms to the tree, ` +
    `${median(xs.map((x) => x.bytes))} bytes in ${median(xs.map((x) => x.requests))} requests (median of ${runs})`);
report('first visit (empty cache)', cold);
report('later visit (cached files)', warm);
console.log(`ratio later/first: time ${(median(warm.map((x) => x.ms)) / median(cold.map((x) => x.ms))).toFixed(2)}, ` +
    `bytes ${(median(warm.map((x) => x.bytes)) / median(cold.map((x) => x.bytes))).toFixed(2)}`);
