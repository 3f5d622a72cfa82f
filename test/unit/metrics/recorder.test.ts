import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import { SnapshotAccumulator } from '../../../src/metrics/snapshot.js';

const START = 1_000_000;
const count = (encoded: string | undefined) => (encoded === undefined ? 0 : LatencyHistogram.decode(encoded).count);

test('samples of the window metric go into their window, drained as <metric>{window=k}', () => {
  const r = new MetricsRecorder(START, { metric: 'provision', ms: 3000 });
  r.recordMicros('provision', 1000, START - 1); // before the start: no window
  r.recordMicros('provision', 2000, START); // window 0
  r.recordMicros('provision', 3000, START + 2999); // window 0
  r.recordMicros('provision', 4000, START + 3000); // window 1
  r.recordMicros('provision', 5000, START + 7500); // window 2
  r.recordMicros('connect', 5000, START + 7500); // not the window metric
  assert.deepEqual(r.openWindows().sort(), [0, 1, 2]);
  const snap = r.drain(START + 7600);
  assert.deepEqual(Object.keys(snap.histograms).sort(), ['connect', 'provision', 'provision{window=0}', 'provision{window=1}', 'provision{window=2}']);
  assert.equal(count(snap.histograms.provision), 5);
  assert.equal(count(snap.histograms['provision{window=0}']), 2);
  assert.equal(count(snap.histograms['provision{window=1}']), 1);
  assert.equal(count(snap.histograms['provision{window=2}']), 1);
});

test('a drain frees the windows that have ended and keeps the current one, which then sends only its new samples', () => {
  const r = new MetricsRecorder(START, { metric: 'provision', ms: 1000 });
  r.recordMicros('provision', 1000, START + 500); // window 0
  r.recordMicros('provision', 1000, START + 1500); // window 1
  r.drain(START + 1600);
  assert.deepEqual(r.openWindows(), [1], 'window 0 has ended: freed');
  const quiet = r.drain(START + 1700);
  assert.equal(quiet.histograms['provision{window=1}'], undefined, 'no new sample: not sent');
  r.recordMicros('provision', 1000, START + 1800);
  r.recordMicros('provision', 1000, START + 1900);
  const next = r.drain(START + 2100);
  assert.equal(count(next.histograms['provision{window=1}']), 2, 'only the samples since the previous drain');
  assert.deepEqual(r.openWindows(), [], 'window 1 ended at 2 s');
  assert.deepEqual(Object.keys(r.drain(START + 2200).histograms), []);
});

test('the drained windows merge into the histograms the knee search reads', () => {
  const r = new MetricsRecorder(START, { metric: 'provision', ms: 2000 });
  const acc = new SnapshotAccumulator();
  for (let s = 0; s < 6; s++) {
    for (let i = 0; i <= s; i++) r.recordMicros('provision', (s + 1) * 1000, START + s * 1000 + i);
    acc.add(r.drain(START + s * 1000 + 999));
  }
  // window k holds seconds 2k and 2k+1: (2k+1) + (2k+2) samples
  assert.deepEqual([0, 1, 2].map((k) => acc.histogram(`provision{window=${k}}`).count), [3, 7, 11]);
  assert.equal(acc.histogram('provision').count, 21);
  assert.deepEqual(r.openWindows(), [2]);
});

test('without a window metric no window histograms are kept', () => {
  const r = new MetricsRecorder(START);
  r.recordMicros('provision', 1000, START + 500);
  assert.deepEqual(r.openWindows(), []);
  assert.deepEqual(Object.keys(r.drain(START + 600).histograms), ['provision']);
});
