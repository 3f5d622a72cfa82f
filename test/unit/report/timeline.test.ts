/** report.json timeline: devices in flight and per-step p50/p99 per second, folded from progress events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { emptyOutcomes, type MetricsSnapshot } from '../../../src/metrics/snapshot.js';
import { TimelineFold } from '../../../src/report/timeline.js';

function snap(step: string, ms: number[]): MetricsSnapshot {
  const h = new LatencyHistogram();
  for (const v of ms) h.recordMicros(v * 1000);
  const enc = h.encode();
  h.destroy();
  return { histograms: { [step]: enc, 'provision{window=0}': enc }, series: {}, totals: {}, outcomes: emptyOutcomes(), rejections: [] };
}

test('per second: in flight summed over workers, step percentiles merged over workers, window histograms left out', () => {
  const f = new TimelineFold();
  f.progress(0, 0, 5, snap('register_thing', [10, 10, 10, 10]));
  f.progress(0, 1, 7, snap('register_thing', [1000]));
  f.progress(1, 0, 2, snap('register_thing', [20]));
  const t = f.result().perSecond;
  assert.equal(t['0']?.inFlight, 12);
  assert.equal(t['1']?.inFlight, 9, 'worker 1 still reports 7');
  assert.equal(t['0']?.steps.register_thing?.count, 5);
  assert.ok(Math.abs((t['0']?.steps.register_thing?.p50Ms ?? 0) - 10) < 0.1);
  assert.ok(Math.abs((t['0']?.steps.register_thing?.p99Ms ?? 0) - 1000) < 2);
  assert.equal(Object.keys(t['0']?.steps ?? {}).length, 1, 'no window histogram');
});

test('a second that a later shard adds to again combines counts, weighted p50 and the highest p99', () => {
  const f = new TimelineFold();
  f.progress(0, 0, 1, snap('connect', [10, 10, 10]));
  for (let s = 1; s <= 5; s++) f.progress(s, 0, 0, snap('connect', [5]));
  f.newShard();
  f.progress(0, 0, 4, snap('connect', [30]));
  const c = f.result().perSecond['0']?.steps.connect;
  assert.equal(c?.count, 4);
  assert.ok(Math.abs((c?.p50Ms ?? 0) - 15) < 0.2, `weighted p50 ${c?.p50Ms}`);
  assert.ok(Math.abs((c?.p99Ms ?? 0) - 30) < 0.2);
});
