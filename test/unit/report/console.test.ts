/** The console summary and live line: one vocabulary, fitted to the terminal, the header as the exit code will tell it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, formatSummary, makeChalk, visibleLength, type ProgressView } from '../../../src/report/console.js';
import { formatFailedChecks } from '../../../src/report/console-analysis.js';
import { sampleReport } from './sample-run.js';

const plain = makeChalk(false);
const colour = makeChalk(true, true);

const busy: ProgressView = {
  elapsedMs: 41_000,
  devices: 5000,
  startsPerSec: 0,
  provisionedPerSec: 10,
  requestsPerSec: 171,
  inFlight: 4012,
  provisioned: 288,
  throttled: 1197,
  failed: 0,
  dropped: 0,
  p99Ms: 39_100,
};

test('the live line says starts/s, provisioned/s, requests/s, throttled and provision p99 (so far)', () => {
  const line = formatProgress(busy, plain);
  for (const word of ['starts/s', 'provisioned/s  10', 'requests/s  171', 'in flight 4012', 'throttled 1197', 'provision p99 (so far) 39.1s', ' 288/5000 done']) assert.ok(line.includes(word), `${word} in ${line}`);
  assert.doesNotMatch(line, /offered|achieved/);
});

test('the live line fits the terminal, colours included, so a \\r rewrite leaves no debris', () => {
  for (const columns of [40, 60, 80, 100, 200]) {
    for (const c of [plain, colour]) {
      const line = formatProgress({ ...busy, failed: 3 }, c, columns);
      assert.ok(visibleLength(line) <= columns - 1, `${columns}: ${visibleLength(line)} ${line}`);
    }
  }
  const at80 = formatProgress({ ...busy, failed: 3 }, plain, 80);
  assert.match(at80, /throttled 1197/, 'throttling is kept');
  assert.match(at80, /failed 3/, 'failures are kept when there are some');
  assert.equal(formatProgress(busy, plain, 300), formatProgress(busy, plain), 'a wide terminal shows everything');
});

test('a failed threshold makes the header red "completed, 1 threshold failed"; the plan is printed once', () => {
  const r = sampleReport({ devices: 10 });
  r.thresholds = [{ expression: 'count(failed) == 0', ok: false, actual: 3, detail: 'count(failed) = 3' }];
  const text = formatSummary(r, colour, { planShown: true });
  const header = text.split('\n')[1] ?? '';
  assert.ok(header.includes(colour.red.bold('completed, 1 threshold failed')), header);
  assert.ok(!text.includes(r.plan), 'the plan was shown when the run started');
  assert.ok(formatSummary(r, plain).includes(r.plan), 'a rebuilt report prints it');
  assert.deepEqual(formatFailedChecks(r), ['threshold failed: count(failed) == 0 (actual 3)']);
});

test('an interrupted run says interrupted once', () => {
  const r = sampleReport({ devices: 10, status: 'interrupted' });
  r.statusReason = 'interrupted';
  const header = formatSummary(r, plain).split('\n')[1] ?? '';
  assert.equal(header.match(/interrupted/g)?.length, 1, header);
});

test('tables stay aligned for long names, and a long threshold wraps within the width', () => {
  const r = sampleReport({ devices: 20, throttle: 1 });
  r.thresholds = [
    { expression: 'p99(provision) < 5s', ok: true, actual: 300, detail: 'p99(provision) = 300 ms' },
    { expression: 'ratio(rejected{api=RegisterThing,status=429}) < 0.05 and a very long tail of words', ok: false, actual: 0.5, detail: 'ratio(rejected{api=RegisterThing,status=429}) = 20/40 requests = 50.00%' },
  ];
  const lines = formatSummary(r, plain, { columns: 80 }).split('\n');
  for (const l of lines) assert.ok(l.length <= 80, `${l.length}: ${l}`);
  const table = lines.slice(lines.findIndex((l) => l.startsWith('API ')), lines.findIndex((l) => l.startsWith('VerifyPublish')) + 1);
  const col = (l: string) => l.indexOf('offered') >= 0 ? l.indexOf('offered') + 'offered'.length : -1;
  const end = col(table[0] ?? '');
  for (const row of table.slice(1)) assert.equal(row.slice(0, end).trimEnd().length, end, `offered column ends at ${end}: ${row}`);
  assert.ok(lines.some((l) => /^Retries per device {2}1×20 {2}\(retries×devices\)$/.test(l)), 'retries per device, as retries');
  assert.ok(lines.some((l) => l === 'requests per flow without retries: 1'), 'requests per flow stated once (the sample counts one attempt a flow, plus its retries)');
});

test('NO_COLOR turns colour off unless --color asked for it', () => {
  assert.equal(makeChalk(true, false, { NO_COLOR: '1' }).level, 0);
  assert.equal(makeChalk(true, false, { NO_COLOR: '' }).level, 1);
  assert.equal(makeChalk(true, true, { NO_COLOR: '1' }).level, 1);
});
