import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeRun, evaluateExpectations } from '../../../src/analysis/index.js';
import { accumulate, put, simulateBurst, type Series } from './synthetic.js';

function burstRun(opts: { timeouts?: number } = {}) {
  const sim = simulateBurst({ devices: 100, rate: 10, burst: 10, retryMs: 1000, maxAttempts: 60 });
  if (opts.timeouts !== undefined) put(sim.series, 1, 'timeout', { api: 'RegisterThing' }, opts.timeouts);
  return analyzeRun({ metrics: accumulate(sim.series), outcomes: { provisioned: 100, failed: {}, dropped: {} }, devices: 100, startMs: 0, durationMs: 12_000, status: 'completed' });
}

test('acceptedRate passes within the tolerance of the quota and fails outside it or when never throttled', () => {
  const an = burstRun();
  const input = { apis: an.apis, devices: 100, provisioned: 100, lastProvisionedSec: an.lastProvisionedSec };
  const [ok, off, wrongApi] = evaluateExpectations(
    {
      acceptedRate: [
        { api: 'RegisterThing', perSec: 11, tolerance: 0.2 },
        { api: 'RegisterThing', perSec: 20, tolerance: 0.2 },
        { api: 'CreateKeysAndCertificate', perSec: 10, tolerance: 0.2 },
      ],
    },
    input,
  );
  assert.equal(ok?.ok, true, ok?.detail);
  assert.equal(ok?.actual, 10);
  assert.equal(ok?.name, 'acceptedRate(RegisterThing)');
  assert.equal(ok?.expected, '11/s ± 20%');
  assert.equal(off?.ok, false);
  assert.match(off?.detail ?? '', /50\.0% from 20\/s/);
  assert.equal(wrongApi?.ok, false);
  assert.equal(wrongApi?.actual, null);
  const s: Series = {};
  put(s, 0, 'offered', { api: 'RegisterThing' }, 5);
  put(s, 0, 'accepted', { api: 'RegisterThing' }, 5);
  const calm = analyzeRun({ metrics: accumulate(s), outcomes: { provisioned: 5, failed: {}, dropped: {} }, devices: 5, startMs: 0, durationMs: 1000, status: 'completed' });
  const [never] = evaluateExpectations({ acceptedRate: [{ api: 'RegisterThing', perSec: 5, tolerance: 0.2 }] }, { apis: calm.apis, devices: 5, provisioned: 5, lastProvisionedSec: 1 });
  assert.equal(never?.ok, false);
  assert.match(never?.detail ?? '', /never throttled/);
});

test('throttledGet429 fails when throttled requests time out, or when throttling is required and absent', () => {
  const good = burstRun();
  const bad = burstRun({ timeouts: 20 });
  const e = { throttledGet429: { maxTimeoutShare: 0.01, requireThrottling: true } };
  const [r1] = evaluateExpectations(e, { apis: good.apis, devices: 100, provisioned: 100, lastProvisionedSec: 10 });
  assert.equal(r1?.ok, true, r1?.detail);
  assert.equal(r1?.actual, 0);
  const [r2] = evaluateExpectations(e, { apis: bad.apis, devices: 100, provisioned: 100, lastProvisionedSec: 10 });
  assert.equal(r2?.ok, false);
  assert.ok(typeof r2?.actual === 'number' && r2.actual > 0.01);
  const s: Series = {};
  put(s, 0, 'offered', { api: 'RegisterThing' }, 5);
  const calm = analyzeRun({ metrics: accumulate(s), outcomes: { provisioned: 5, failed: {}, dropped: {} }, devices: 5, startMs: 0, durationMs: 1000, status: 'completed' });
  const [r3] = evaluateExpectations(e, { apis: calm.apis, devices: 5, provisioned: 5, lastProvisionedSec: 1 });
  assert.equal(r3?.ok, false);
  assert.match(r3?.detail ?? '', /not exercised/);
  const [r4] = evaluateExpectations({ throttledGet429: { maxTimeoutShare: 0.01, requireThrottling: false } }, { apis: calm.apis, devices: 5, provisioned: 5, lastProvisionedSec: 1 });
  assert.equal(r4?.ok, true);
});

test('provisionWithin needs every device provisioned before the deadline', () => {
  const [ok, late, missing] = [
    evaluateExpectations({ provisionWithin: 10_000 }, { apis: {}, devices: 10, provisioned: 10, lastProvisionedSec: 9 }),
    evaluateExpectations({ provisionWithin: 10_000 }, { apis: {}, devices: 10, provisioned: 10, lastProvisionedSec: 11 }),
    evaluateExpectations({ provisionWithin: 10_000 }, { apis: {}, devices: 10, provisioned: 9, lastProvisionedSec: 3 }),
  ].map((r) => r[0]);
  assert.equal(ok?.ok, true);
  assert.equal(ok?.actual, 9);
  assert.equal(late?.ok, false);
  assert.equal(missing?.ok, false);
  assert.match(missing?.detail ?? '', /9 of 10 devices provisioned/);
});

test('verdicts: no throttling, interrupted, losses with reasons', () => {
  const s: Series = {};
  put(s, 0, 'offered', { api: 'RegisterThing' }, 5);
  put(s, 0, 'accepted', { api: 'RegisterThing' }, 5);
  put(s, 2, 'provisioned', undefined, 3);
  const base = { metrics: accumulate(s), devices: 5, startMs: 0, durationMs: 3000 };
  const a = analyzeRun({ ...base, outcomes: { provisioned: 3, failed: { 'register_thing: rejected 403 AccessDenied': 2 }, dropped: {} }, status: 'completed' });
  assert.equal(a.verdict, 'No API was throttled; 3 of 5 devices provisioned by t=3 s; 2 failed (register_thing: rejected 403 AccessDenied).');
  const b = analyzeRun({ ...base, outcomes: { provisioned: 3, failed: {}, dropped: { interrupted: 2 } }, status: 'interrupted' });
  assert.equal(b.verdict, 'Interrupted at t=3 s: no API was throttled; 3 of 5 devices provisioned by t=3 s; 2 dropped (interrupted).');
});
