/** The counters the analysis reads from real devices: attempts per API, and devices out of retries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import { SnapshotAccumulator } from '../../../src/metrics/snapshot.js';
import { analyzeRun } from '../../../src/analysis/index.js';
import { runTestDevice, startTestEmulator } from '../../helpers/emulator.js';

test('throttled devices: attempts per API and "out of retries" are counted; the analysis reads them', { timeout: 30_000 }, async (t) => {
  const emu = await startTestEmulator({ quotas: { RegisterThing: { rate: 0.5, burst: 1 } } });
  t.after(() => emu.close());
  const startMs = Date.now();
  const metrics = new MetricsRecorder(startMs);
  const retry = { maxAttempts: 2, baseDelay: 50, maxDelay: 100, jitter: 'none' as const };
  const results = await Promise.all([0, 1, 2, 3].map((i) => runTestDevice(emu, i, { metrics, retry, flow: { verify: { enabled: false, topic: 'x' } } })));
  const provisioned = results.filter((r) => r.outcome.kind === 'provisioned').length;
  const failed = results.filter((r) => r.outcome.kind === 'failed');
  // one token at first, then one per 2 s: with 2 attempts 50 ms apart, only the first device gets through
  assert.equal(provisioned, 1, JSON.stringify(results.map((r) => r.outcome)));
  for (const f of failed) assert.equal(f.outcome.kind === 'failed' && f.outcome.reason, 'register_thing: rejected 429 Throttled');

  const acc = new SnapshotAccumulator();
  acc.add(metrics.drain());
  assert.equal(acc.totals['api_attempts{api=RegisterThing,n=1}'], 1);
  assert.equal(acc.totals['api_attempts{api=RegisterThing,n=2}'], 3);
  assert.equal(acc.totals['api_attempts{api=CreateKeysAndCertificate,n=1}'], 4);
  assert.equal(acc.sumSeries('exhausted', { reason: 'throttled', step: 'register_thing' }), 3);

  const an = analyzeRun({
    metrics: acc,
    outcomes: acc.outcomes,
    devices: 4,
    startMs,
    durationMs: Date.now() - startMs,
    status: 'completed',
  });
  assert.equal(an.outOfRetries, 3);
  assert.deepEqual(an.apis.RegisterThing?.attempts, { max: 2, perDevice: { '1': 1, '2': 3 } });
  assert.match(an.verdict, /^RegisterThing was throttled at [\d.]+\/s from t=\d+ s; 1 of 4 devices provisioned by t=\d+ s with at most 2 attempts at RegisterThing; 3 failed \(3 ran out of retries\)\.$/);
});

test('no retries allowed: a throttled device failed, but did not "run out of retries"', { timeout: 30_000 }, async (t) => {
  const emu = await startTestEmulator({ quotas: { RegisterThing: { rate: 0.5, burst: 1 } } });
  t.after(() => emu.close());
  const metrics = new MetricsRecorder(Date.now());
  const results = await Promise.all([0, 1].map((i) => runTestDevice(emu, i, { metrics, flow: { verify: { enabled: false, topic: 'x' } } })));
  assert.equal(results.filter((r) => r.outcome.kind === 'failed').length, 1);
  const acc = new SnapshotAccumulator();
  acc.add(metrics.drain());
  assert.equal(acc.sumSeries('exhausted'), 0);
});
