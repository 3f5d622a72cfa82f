/**
 * report.html in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core)
 * opens the report of a real 30-device CLI run, and every chart must have drawn data, the page must
 * log no error, and it must request nothing but the file itself. Leaves report.png beside the
 * report (path printed). Skipped with a reason when Chromium is missing, except in CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

const CHROMIUM = process.env.FLEETSIM_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI === undefined ? `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)` : false;

/** Runs in the page (a string: this project compiles without the DOM library). */
const PROBE = `[...document.querySelectorAll('canvas')].map((c) => {
  const chart = Chart.getChart(c);
  const ctx = c.getContext('2d');
  let painted = 0;
  if (ctx !== null && c.width > 0 && c.height > 0) {
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
  }
  const sets = chart === undefined ? [] : chart.data.datasets;
  return {
    chart: c.getAttribute('data-chart') || '?',
    datasets: sets.map((d) => d.data.length),
    points: sets.reduce((n, d) => n + d.data.filter((v) => typeof v === 'number' && v > 0).length, 0),
    painted,
  };
})`;

interface ChartCheck {
  chart: string;
  datasets: number[];
  points: number;
  painted: number;
}

test('report.html renders every chart with data, no errors, no network', { skip, timeout: 180_000 }, async (t) => {
  assert.ok(!missing, `CI must have Chromium at ${CHROMIUM}`);
  const ws = makeWorkspace({ 'scenarios/small.yaml': smallScenario(30) });
  const run = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '-q', '--run-id', 'browser'], { cwd: ws });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const html = path.join(ws, 'out', 'browser', 'report.html');

  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1280, height: 900 } });
  // after hooks run in the order they were added: Chromium must have exited before its profile folder goes
  t.after(async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  context.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(html).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-charts-ready]', { timeout: 20_000 });

  const checks = await page.evaluate<ChartCheck[]>(PROBE);
  const kinds = checks.map((c) => c.chart);
  for (const kind of ['rate', 'latency', 'outcomes', 'attempts', 'activity', 'health']) assert.ok(kinds.includes(kind), `a ${kind} chart (got ${kinds.join(', ')})`);
  assert.ok(kinds.filter((k) => k === 'rate').length >= 4, 'one rate chart per API');
  for (const c of checks) {
    assert.ok(c.datasets.length > 0 && c.datasets.every((n) => n > 0), `${c.chart}: datasets with data (${JSON.stringify(c.datasets)})`);
    assert.ok(c.points > 0, `${c.chart}: some non-zero value`);
    assert.ok(c.painted > 500, `${c.chart}: pixels drawn (${c.painted})`);
  }
  const text = await page.textContent('#summary');
  assert.match(text ?? '', /30\s*provisioned|provisioned\s*30/i);
  assert.deepEqual(errors, [], 'no console or page errors');
  assert.deepEqual(
    requests.filter((r) => r !== url),
    [],
    'no request other than the file itself',
  );
  const png = path.join(path.dirname(html), 'report.png');
  await page.screenshot({ path: png, fullPage: true });
  assert.ok(statSync(png).size > 20_000, 'a real screenshot');
  t.diagnostic(`screenshot: ${png}`);
});
