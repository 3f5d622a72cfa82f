/**
 * Why `speed` scales the quotas with the arrivals: the emulator's token bucket, fed the schedule of
 * one trace at 1x and at 10x with the quota 10x higher, throttles exactly the same requests; with
 * the quota left alone, the compressed replay throttles far more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../../src/emulator/shaping/token-bucket.js';
import { resolveTrace, traceLoadSchema, type TraceLoad } from '../../../src/load/models/trace.js';
import { scaleQuotas } from '../../../src/load/trace/speed.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A power cut in miniature: 1 s of calm, 3 s at 30/s, a tail at 10/s (115 arrivals). */
const CSV = ['0,5', '1,30', '2,30', '3,30', '4,10', '5,10'].join('\n');

function schedule(speed: number): number[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-speed-'));
  writeFileSync(path.join(dir, 't.csv'), CSV);
  const load = traceLoadSchema.parse({ model: 'trace', file: 't.csv', interval: '1s', speed }) as TraceLoad;
  return resolveTrace(load, { file: path.join(dir, 's.yaml'), baseDir: dir }).resolved?.offsetsMs ?? [];
}

/** Requests at `offsetsMs` against a {rate, burst} bucket: the share refused. */
function throttledShare(offsetsMs: number[], rate: number, burst: number): number {
  const b = new TokenBucket(rate, burst, 0);
  let refused = 0;
  for (const t of offsetsMs) if (!b.tryTake(t)) refused++;
  return refused / offsetsMs.length;
}

test('at 10x with the quota scaled, the token bucket throttles the same share as at 1x', () => {
  const real = schedule(1);
  const fast = schedule(10);
  assert.equal(real.length, 115);
  assert.deepEqual(fast, real.map((t) => Math.round((t / 10) * 1000) / 1000));
  const q = scaleQuotas({ RegisterThing: { rate: 10, burst: 5 } }, 10).RegisterThing as { rate: number; burst: number };
  assert.deepEqual(q, { rate: 100, burst: 5 });
  const shareReal = throttledShare(real, 10, 5);
  const shareFast = throttledShare(fast, q.rate, q.burst);
  assert.ok(shareReal > 0.3, `the burst is throttled: ${shareReal}`);
  assert.ok(Math.abs(shareReal - shareFast) < 0.02, `${shareReal} (1x) vs ${shareFast} (10x)`);
  const unscaled = throttledShare(fast, 10, 5);
  console.log(`throttled share: ${shareReal.toFixed(3)} at 1x, ${shareFast.toFixed(3)} at 10x with the quota scaled, ${unscaled.toFixed(3)} without`);
  assert.ok(unscaled > shareReal + 0.3, `without scaling the quota the replay would throttle ${unscaled}`);
});
