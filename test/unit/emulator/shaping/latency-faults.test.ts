import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLatencySampler, Latency, LatencySettingError } from '../../../../src/emulator/shaping/latency.js';
import { Faults, FaultSettingError } from '../../../../src/emulator/shaping/faults.js';
import { createRandom } from '../../../../src/util/random.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

test('latency: fixed, uniform within its bounds, and a log-normal that hits p50 and p99', () => {
  assert.equal(createLatencySampler('x', { fixed: 100 }, createRandom(1))(), 100);
  const u = createLatencySampler('x', { uniform: [10, 50] }, createRandom(2));
  const us = Array.from({ length: 5000 }, u);
  assert.ok(us.every((v) => v >= 10 && v <= 50));
  assert.ok(Math.min(...us) < 12 && Math.max(...us) > 48, 'spans the range');
  const ln = createLatencySampler('x', { p50: 40, p99: 300 }, createRandom(3));
  const ls = Array.from({ length: 40_000 }, ln).sort((a, b) => a - b);
  assert.ok(Math.abs(percentile(ls, 50) - 40) < 4, `p50 ${percentile(ls, 50)}`);
  assert.ok(Math.abs(percentile(ls, 99) - 300) < 45, `p99 ${percentile(ls, 99)}`);
});

test('latency: the same seed gives the same delays; bad specs are named', () => {
  const a = new Latency({ RegisterThing: { p50: 50, p99: 400 } }, 42);
  const b = new Latency({ RegisterThing: { p50: 50, p99: 400 } }, 42);
  const sa = Array.from({ length: 20 }, () => a.sample('RegisterThing'));
  assert.deepEqual(sa, Array.from({ length: 20 }, () => b.sample('RegisterThing')));
  assert.equal(a.sample('CreateKeysAndCertificate'), 0, 'nothing configured: no delay');
  assert.throws(() => new Latency({ hook: { uniform: [50, 10] } }), (e: Error) => e instanceof LatencySettingError && /hook/.test(e.message));
  assert.throws(() => new Latency({ RegisterThing: { p50: 100, p99: 50 } }), /p99 >= p50/);
});

test('latency: waiting is a timer, so the event loop keeps running meanwhile', async () => {
  const l = new Latency({ CreateKeysAndCertificate: { fixed: 150 } });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const started = performance.now();
  await l.wait('CreateKeysAndCertificate');
  clearInterval(ticker);
  assert.ok(performance.now() - started >= 140);
  assert.ok(ticks >= 5, `the loop ran ${ticks} interval ticks during the wait`);
});

test('faults: the same seed gives the same decisions, a different seed different ones', () => {
  const run = (seed: number) => {
    const f = new Faults({ seed, dropReplies: 0.3, error500: 0.3, disconnect: { ratio: 0.3, at: 'RegisterThing' } });
    return Array.from({ length: 64 }, () => [f.dropReply(), f.answer500(), f.disconnectAtStep('RegisterThing')].map(Number).join('')).join(',');
  };
  assert.equal(run(42), run(42));
  assert.notEqual(run(42), run(43));
});

test('faults: ratios are respected, disconnects only at their step, and settings are checked', () => {
  const f = new Faults({ seed: 7, dropReplies: 0.1, disconnect: { ratio: 1, at: 'CreateKeysAndCertificate' } });
  const drops = Array.from({ length: 10_000 }, () => f.dropReply()).filter(Boolean).length;
  assert.ok(drops > 800 && drops < 1200, `${drops} drops of 10,000 at 10%`);
  assert.equal(f.answer500(), false);
  assert.equal(f.disconnectAtStep('RegisterThing'), false);
  assert.equal(f.disconnectAtStep('connect'), false);
  assert.equal(f.disconnectAtStep('CreateKeysAndCertificate'), true);
  assert.equal(typeof new Faults().seed, 'number', 'a seed is picked and can be reported');
  assert.throws(() => new Faults({ error500: 1.5 }), (e: Error) => e instanceof FaultSettingError && /error500/.test(e.message));
  assert.throws(() => new Faults({ disconnect: { ratio: 0.1, at: 'verify' as never } }), /disconnect.at/);
});
