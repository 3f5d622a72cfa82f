import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeReplay, replaySentence } from '../../../src/analysis/replay.js';
import { SnapshotAccumulator } from '../../../src/metrics/snapshot.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';

function metrics(series: Record<string, Record<string, number>>, provisionMs: number[]): SnapshotAccumulator {
  const acc = new SnapshotAccumulator();
  const h = new LatencyHistogram();
  for (const ms of provisionMs) h.recordMicros(ms * 1000);
  acc.add({ histograms: provisionMs.length === 0 ? {} : { provision: h.encode() }, series, totals: {}, outcomes: { provisioned: 0, failed: {}, dropped: {} }, rejections: [] });
  return acc;
}

test('the backlog: its peak, and the second it last went back to zero', () => {
  const m = metrics(
    {
      '0': { started: 5, provisioned: 1 },
      '1': { started: 5, provisioned: 2 },
      '2': { provisioned: 4, 'failed{reason=throttled}': 3 }, // back to zero at the end of t=3 s
      '3': { started: 2 },
      '4': { provisioned: 2 }, // a second, smaller backlog drains at t=5 s
    },
    [100, 200, 4000],
  );
  const r = analyzeReplay(m, 4);
  assert.deepEqual(r.backlog, { peak: 7, peakSec: 2, drainedSec: 5, lastArrivalSec: 4 });
  assert.equal(r.unprovisioned?.count, 3);
  assert.equal(r.speed, 4);
  const s = replaySentence(r);
  assert.match(s, /^Devices stayed unprovisioned for p50 \d+ ms, p99 4\.0 s, max 4\.0 s after they arrived \(at 4x; as recorded, up to .* 16\.0 s, 16\.0 s where the delay was waiting\)/);
  assert.match(s, /the backlog peaked at 7 devices at t=2 s and drained at t=5 s, 1 s after the last arrival\.$/);
});

test('a backlog still there at the end has not drained; real time says no recorded times', () => {
  const r = analyzeReplay(metrics({ '0': { started: 3, provisioned: 1 } }, [50]), 1);
  assert.equal(r.backlog.drainedSec, undefined);
  const s = replaySentence(r);
  assert.match(s, /had not drained when the run ended\.$/);
  assert.doesNotMatch(s, /as recorded/);
});
