/** Issue 12 item 2: a schedule is produced lazily, so planning a large fleet holds no per-device array. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrivalsOf, describeLoad, scheduleArrivals, type LoadConfig } from '../../../src/load/models/index.js';
import { inSegment, segmentIndices, SegmentRemaining, segmentIndexRange } from '../../../src/load/split.js';

const LARGE = 10_000_000;

const loads: LoadConfig[] = [
  { model: 'closed', concurrency: 100 },
  { model: 'burst', spread: 60_000, maxInFlight: 1000, startTolerance: 60_000 },
  { model: 'open', stages: [{ rate: 1000, duration: 3_600_000 }, { from: 1000, rate: 5000, duration: 3_600_000 }], maxInFlight: 1000, startTolerance: 1000 },
  {
    model: 'step',
    start: 100,
    increment: 100,
    stepDuration: 60_000,
    maxRate: 5000,
    stopWhen: { share429: 0.05 },
    p99Of: 'provision',
    maxInFlight: 1000,
    startTolerance: 1000,
  },
];

test('every model yields a 1e7-device schedule one arrival at a time, in index and time order', () => {
  for (const load of loads) {
    const schedule = arrivalsOf(load, LARGE);
    assert.equal(Array.isArray(schedule), false, `${load.model}: not an array of ${LARGE}`);
    const it = schedule[Symbol.iterator]();
    let prev = -Infinity;
    for (let i = 0; i < 1000; i++) {
      const n = it.next();
      assert.equal(n.done, false, load.model);
      assert.equal(n.value.index, i, `${load.model}: devices 0, 1, 2, ...`);
      const off = n.value.offsetMs ?? 0;
      assert.ok(off >= prev, `${load.model}: offsets never decrease`);
      prev = off;
    }
    // the schedule is still open after 1000 arrivals: nothing was read ahead
    assert.equal(it.next().done, false);
    assert.match(describeLoad(load, LARGE), /\d/);
  }
});

test('the lazy schedule is the same schedule as before, for a small fleet', () => {
  const load: LoadConfig = { model: 'open', stages: [{ from: 0, rate: 20, duration: 5000 }], maxInFlight: 10, startTolerance: 1000 };
  const list = scheduleArrivals(load, 100);
  assert.equal(list.length, 50);
  assert.deepEqual(Array.from(arrivalsOf(load, 100)), list);
});

test('a segment\'s devices are found by rule, and its pending devices kept one bit each', () => {
  const seg = { shard: 1, shards: 3, worker: 0, workers: 2 };
  const list = segmentIndices(100, seg);
  assert.deepEqual(Array.from(segmentIndexRange(0, 100, seg)), list);
  assert.deepEqual(
    Array.from({ length: 100 }, (_, k) => k).filter((k) => inSegment(k, seg)),
    list,
  );
  const pending = new SegmentRemaining(100, seg);
  assert.equal(pending.size, list.length);
  assert.equal(pending.delete(list[3]!), true);
  assert.equal(pending.delete(list[3]!), false, 'only once');
  assert.equal(pending.delete(2), false, 'not the segment\'s');
  assert.deepEqual(Array.from(pending), list.filter((_, i) => i !== 3));
  // a fleet at the ceiling: the pending devices of one of 4 workers fit in a few MiB
  const big = new SegmentRemaining(LARGE * 10, { shard: 0, shards: 1, worker: 1, workers: 4 });
  assert.equal(big.size, LARGE * 10 / 4);
  assert.equal(big.has(5), true);
  assert.equal(big.delete(5), true);
  assert.equal(big.has(5), false);
  assert.equal(big.size, LARGE * 10 / 4 - 1);
});
