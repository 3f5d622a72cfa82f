import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stageArrivalOffsets } from '../../../src/load/arrivals.js';
import { describeLoad, scheduleArrivals } from '../../../src/load/models/index.js';

function perSecond(offsets: number[]): number[] {
  const out: number[] = [];
  for (const o of offsets) out[Math.floor(o / 1000)] = (out[Math.floor(o / 1000)] ?? 0) + 1;
  return Array.from(out, (v) => v ?? 0);
}

test('hold: a constant rate gives exactly rate arrivals each second', () => {
  const offsets = stageArrivalOffsets([{ rate: 10, duration: 5000 }], 50);
  assert.equal(offsets.length, 50);
  assert.deepEqual(perSecond(offsets), [10, 10, 10, 10, 10]);
  assert.equal(offsets[0], 0);
  assert.equal(offsets[1], 100);
});

test('ramp: 0→20/s over 10 s gives the integral, 100 arrivals, increasing per second', () => {
  const offsets = stageArrivalOffsets([{ from: 0, rate: 20, duration: 10_000 }], 1000);
  assert.equal(offsets.length, 100); // arrivals where the integral reaches 0..99 (the stage is half-open)
  const ps = perSecond(offsets);
  for (let i = 1; i < ps.length - 1; i++) assert.ok((ps[i] ?? 0) >= (ps[i - 1] ?? 0), 'non-decreasing');
  // exact arrival time of the k-th device: t = sqrt(2k/a) with a = 2/s²
  assert.ok(Math.abs((offsets[50] as number) - Math.sqrt(50) * 1000) < 1);
});

test('stages chain: hold, then spike, then hold; the device cap stops the schedule', () => {
  const offsets = stageArrivalOffsets(
    [
      { rate: 5, duration: 2000 },
      { rate: 50, duration: 1000 },
      { rate: 5, duration: 2000 },
    ],
    10_000,
  );
  assert.deepEqual(perSecond(offsets).slice(0, 5), [5, 5, 50, 5, 5]);
  assert.equal(stageArrivalOffsets([{ rate: 100, duration: 60_000 }], 42).length, 42);
});

test('burst: everything at t=0, or evenly over the spread', () => {
  const at0 = scheduleArrivals({ model: 'burst', spread: 0, maxInFlight: 10, startTolerance: 1000 }, 5);
  assert.deepEqual(at0.map((a) => a.offsetMs), [0, 0, 0, 0, 0]);
  const spread = scheduleArrivals({ model: 'burst', spread: 1000, maxInFlight: 10, startTolerance: 1000 }, 4);
  assert.deepEqual(spread.map((a) => a.offsetMs), [0, 250, 500, 750]);
});

test('closed: no intended times; describe() says what will happen', () => {
  const a = scheduleArrivals({ model: 'closed', concurrency: 3 }, 4);
  assert.deepEqual(a.map((x) => x.offsetMs), [undefined, undefined, undefined, undefined]);
  assert.match(describeLoad({ model: 'closed', concurrency: 3 }, 4), /4 devices, at most 3 in flight/);
  assert.match(
    describeLoad({ model: 'open', stages: [{ rate: 1, duration: 1000 }], maxInFlight: 5, startTolerance: 1000 }, 10),
    /only schedule 1 of 10 devices/,
  );
});
