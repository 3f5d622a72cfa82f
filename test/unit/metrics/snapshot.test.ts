import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import { SnapshotAccumulator, type MetricsSnapshot } from '../../../src/metrics/snapshot.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';

function makeSnapshots(): MetricsSnapshot[] {
  const start = 1_000_000;
  const out: MetricsSnapshot[] = [];
  for (let w = 0; w < 3; w++) {
    const r = new MetricsRecorder(start);
    for (let i = 0; i < 100; i++) {
      r.recordMicros('provision', (w + 1) * 1000 + i * 10);
      r.count('offered', { api: 'RegisterThing' }, 1, start + (i % 4) * 1000);
    }
    r.outcome({ kind: 'provisioned' });
    r.outcome({ kind: 'failed', reason: 'register_thing: rejected 429 Throttled' });
    r.rejection('RegisterThing', 429, 'Throttled');
    out.push(r.drain());
    // a second, later delta from the same worker
    r.count('offered', { api: 'RegisterThing' }, 5, start + 500);
    out.push(r.drain());
  }
  return out;
}

function digest(acc: SnapshotAccumulator) {
  return {
    series: JSON.stringify(Object.fromEntries(Object.entries(acc.series).sort())),
    outcomes: acc.outcomes,
    rejections: acc.rejections(),
    count: acc.histogram('provision').count,
    p99: acc.histogram('provision').percentileMs(99),
  };
}

test('merge is order-independent and keeps late data for an earlier period', () => {
  const snaps = makeSnapshots();
  const a = new SnapshotAccumulator();
  for (const s of snaps) a.add(s);
  const b = new SnapshotAccumulator();
  for (const s of [...snaps].reverse()) b.add(s);
  assert.deepEqual(digest(a), digest(b));
  assert.equal(a.histogram('provision').count, 300);
  // period 0 got 25 per worker from the first delta and 5 late ones from the second
  assert.equal(a.series['0']?.['offered{api=RegisterThing}'], 3 * (25 + 5));
  assert.equal(a.sumSeries('offered', { api: 'RegisterThing' }), 3 * 105);
  assert.equal(a.outcomes.provisioned, 3);
  assert.equal(a.outcomes.failed['register_thing: rejected 429 Throttled'], 3);
  assert.deepEqual(a.rejections(), [{ api: 'RegisterThing', statusCode: 429, errorCode: 'Throttled', count: 3 }]);
});

test('histograms merge by add(), not by averaging percentiles', () => {
  const fast = new LatencyHistogram();
  const slow = new LatencyHistogram();
  for (let i = 0; i < 99; i++) fast.recordMillis(10);
  slow.recordMillis(1000);
  const merged = LatencyHistogram.decode(fast.encode());
  merged.addEncoded(slow.encode());
  assert.equal(merged.count, 100);
  assert.ok(Math.abs(merged.percentileMs(99) - 10) < 0.1, 'p99 of 99×10 ms + 1×1 s is 10 ms');
  assert.ok(Math.abs(merged.stats().max - 1000) < 1);
});

test('a recorder drain resets its deltas', () => {
  const r = new MetricsRecorder(Date.now());
  r.recordMicros('connect', 5000);
  r.outcome({ kind: 'dropped', reason: 'max_in_flight' });
  const first = r.drain();
  const second = r.drain();
  assert.ok(first.histograms.connect !== undefined);
  assert.deepEqual(second.histograms, {});
  assert.deepEqual(second.outcomes, { provisioned: 0, failed: {}, dropped: {} });
  assert.equal(first.outcomes.dropped.max_in_flight, 1);
});
