/**
 * report.html in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core)
 * opens the reports of real CLI runs. Every chart must have drawn data, the page must log no error
 * and request nothing but the file itself; the first screen's cards, the quota line, the knee
 * table and the over-time charts are read from the DOM and checked against report.json. Leaves
 * report.png beside each report (path printed). Skipped with a reason when Chromium is missing,
 * except in CI.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import type { RunReport } from '../../src/report/build.js';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

const CHROMIUM = process.env.FLEETSIM_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI === undefined ? `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)` : false;
const WIDTH = 1400;
const HEIGHT = 900;

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
    focus: c.getAttribute('data-focus') === '1',
    top: c.getBoundingClientRect().top,
    datasets: sets.map((d) => ({ label: d.label || '', length: d.data.length, values: (d.label || '').startsWith('quota') || d.label === 'in flight' ? d.data : [] })),
    points: sets.reduce((n, d) => n + d.data.filter((v) => typeof v === 'number' && v > 0).length, 0),
    painted,
  };
})`;

const CARDS = `Object.fromEntries([...document.querySelectorAll('[data-card]')].map((c) => [c.getAttribute('data-card'), {
  value: c.querySelector('.value').textContent, sub: c.querySelector('.sub').textContent, bottom: c.getBoundingClientRect().bottom }]))`;

const KNEE_ROWS = `[...document.querySelectorAll('#knee tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()))`;

interface ChartCheck {
  chart: string;
  focus: boolean;
  top: number;
  datasets: Array<{ label: string; length: number; values: Array<number | null> }>;
  points: number;
  painted: number;
}
type Cards = Record<string, { value: string; sub: string; bottom: number }>;

const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;

/** Opens a run's report.html at 1400 px; checks that every chart drew data with no error and no request. */
async function openReport(t: TestContext, runDir: string): Promise<{ page: Page; charts: ChartCheck[]; report: RunReport }> {
  const html = path.join(runDir, 'report.html');
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as RunReport;
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: WIDTH, height: HEIGHT } });
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
  const charts = await page.evaluate<ChartCheck[]>(PROBE);
  for (const c of charts) {
    assert.ok(c.datasets.length > 0 && c.datasets.every((d) => d.length > 0), `${c.chart}: datasets with data (${JSON.stringify(c.datasets.map((d) => d.length))})`);
    assert.ok(c.points > 0, `${c.chart}: some non-zero value`);
    assert.ok(c.painted > 500, `${c.chart}: pixels drawn (${c.painted})`);
  }
  assert.deepEqual(errors, [], 'no console or page errors');
  assert.deepEqual(
    requests.filter((r) => r !== url),
    [],
    'no request other than the file itself',
  );
  const png = path.join(runDir, 'report.png');
  await page.screenshot({ path: png, fullPage: true });
  assert.ok(statSync(png).size > 20_000, 'a real screenshot');
  t.diagnostic(`screenshot: ${png}`);
  return { page, charts, report };
}

const BURST = smallScenario(
  40,
  'model: burst\n  maxInFlight: 40',
  `  quotas:
    RegisterThing: { rate: 5, burst: 5 }
retry:
  mode: per-step
  maxAttempts: 30
  backoff: exponential
  jitter: full
  baseDelay: 500ms
  maxDelay: 4s
  retryOn: [throttled, server-error, timeout]
`,
);

test('a throttled burst: the first screen says which API, at what rate against which quota, from when to when', { skip, timeout: 240_000 }, async (t) => {
  assert.ok(!missing, `CI must have Chromium at ${CHROMIUM}`);
  const ws = makeWorkspace({ 'scenarios/burst.yaml': BURST });
  const run = await runCli(['run', 'scenarios/burst.yaml', '--out', 'out', '-q', '--run-id', 'burst'], { cwd: ws, timeoutMs: 180_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const { page, charts, report } = await openReport(t, path.join(ws, 'out', 'burst'));
  const rt = report.analysis.apis.RegisterThing;
  assert.ok(rt !== undefined && rt.throttled > 0 && rt.plateauPerSec !== null && rt.recovery !== undefined, 'the run was throttled (precondition)');

  const cards = await page.evaluate<Cards>(CARDS);
  assert.equal(cards['throttled-RegisterThing']?.value, pct(rt.throttled / rt.offered));
  assert.equal(cards['throttled-RegisterThing']?.sub, `${rt.throttled.toLocaleString('en-US')} of ${rt.offered.toLocaleString('en-US')} requests answered 429`);
  assert.equal(cards.plateau?.value, `${rt.plateauPerSec.toFixed(1)}/s`);
  assert.match(cards.plateau?.sub ?? '', /^quota 5\/s \(emulator quota, burst 5\)$/);
  assert.equal(cards['throttled-span']?.value, `t=${rt.recovery.firstThrottledSec}–${rt.recovery.lastThrottledSec + 1} s`);
  assert.equal(cards['provision-all']?.value, `${report.analysis.lastProvisionedSec} s`);
  assert.ok(cards.p99?.value.length, 'a p99 card');
  assert.equal(cards.failures?.value, 'none');
  for (const [id, c] of Object.entries(cards)) assert.ok(c.bottom < HEIGHT, `card ${id} on the first screen`);

  // the focus chart: RegisterThing with its quota as a line, on the first screen
  const focus = charts.find((c) => c.focus);
  assert.ok(focus !== undefined && focus.chart === 'rate', 'a focus rate chart');
  assert.ok(focus.top < HEIGHT, `focus chart starts on the first screen (top ${focus.top})`);
  const quota = focus.datasets.find((d) => d.label === 'quota 5/s');
  assert.ok(quota !== undefined, `a quota line (${focus.datasets.map((d) => d.label).join(', ')})`);
  assert.ok(quota.values.every((v) => v === 5), 'the quota line is 5/s throughout');
  const story = (await page.textContent('#focus .story')) ?? '';
  assert.match(story, /Mean accepted\/s while throttled \d+\.\d\d: accepted ÷ the seconds from the first to the last 429/);

  // over time: per-step latency per second, devices per second with in flight, event-loop delay
  const kinds = charts.map((c) => c.chart);
  for (const kind of ['latency-time', 'activity', 'health', 'latency', 'retries']) assert.ok(kinds.includes(kind), `a ${kind} chart (got ${kinds.join(', ')})`);
  assert.ok(kinds.filter((k) => k === 'rate').length >= 5, 'a rate chart per API (and the focus chart)');
  const activity = charts.find((c) => c.chart === 'activity');
  const inFlight = activity?.datasets.find((d) => d.label === 'in flight');
  assert.ok(inFlight !== undefined && inFlight.values.some((v) => (v ?? 0) > 0), 'devices in flight per second');
  const timeline = report.timeline?.perSecond ?? {};
  assert.deepEqual(
    inFlight.values,
    inFlight.values.map((_, i) => timeline[String(i)]?.inFlight ?? null),
    'in flight drawn as report.json timeline says',
  );
});

const KNEE = smallScenario(
  400,
  `model: step
  start: 2
  increment: 2
  stepDuration: 2s
  maxRate: 30
  stopWhen:
    share429: 0.05
  p99Of: provision
  maxInFlight: 400`,
  `  quotas:
    RegisterThing: { rate: 5, burst: 1 }
retry:
  mode: per-step
  maxAttempts: 3
  baseDelay: 200ms
  maxDelay: 1s
  retryOn: [throttled, server-error, timeout]
`,
);

test('a knee search: the knee table on the first screen, rows as report.json has them; not-started devices named', { skip, timeout: 240_000 }, async (t) => {
  assert.ok(!missing, `CI must have Chromium at ${CHROMIUM}`);
  const ws = makeWorkspace({ 'scenarios/knee.yaml': KNEE });
  const run = await runCli(['run', 'scenarios/knee.yaml', '--out', 'out', '-q', '--run-id', 'knee'], { cwd: ws, timeoutMs: 180_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const { page, report } = await openReport(t, path.join(ws, 'out', 'knee'));
  const k = report.analysis.knee;
  assert.ok(k !== undefined && k.stoppedAt !== undefined, 'the search stopped (precondition)');
  const rows = await page.evaluate<string[][]>(KNEE_ROWS);
  assert.equal(rows.length, k.steps.length);
  k.steps.forEach((s, i) => {
    const row = rows[i] ?? [];
    assert.equal(row[0], String(s.step));
    assert.equal(row[1], String(s.ratePerSec));
    assert.equal(row[2], s.startedPerSec.toFixed(1));
    assert.match(row.at(-1) ?? '', s.passed ? /^pass/ : /share/);
  });
  if (k.knee !== undefined) assert.match(rows[k.knee.step - 1]?.at(-1) ?? '', /knee$/);
  const top = await page.evaluate<number>(`document.querySelector('#knee').getBoundingClientRect().top`);
  assert.ok(top < HEIGHT, `the knee table starts on the first screen (top ${top})`);
  const cards = await page.evaluate<Cards>(CARDS);
  assert.equal(cards.knee?.value, k.knee === undefined ? 'none' : `${k.knee.ratePerSec}/s`);
  const notStarted = report.outcomes.dropped.knee_found ?? 0;
  if (notStarted > 0) {
    assert.equal(cards['not-started']?.value, notStarted.toLocaleString('en-US'));
    // devices the search never needed are not "dropped"; arrivals the generator failed to start are
    const dropped = Object.entries(report.outcomes.dropped).reduce((n, [reason, v]) => (reason === 'knee_found' ? n : n + v), 0);
    assert.equal(cards.dropped?.value, dropped === 0 ? undefined : dropped.toLocaleString('en-US'));
  }
});
