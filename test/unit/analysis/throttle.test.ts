import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApiSeries, isThrottleRejection } from '../../../src/analysis/api-series.js';
import { analyzeApi, findOnset, median } from '../../../src/analysis/throttle.js';
import { analyzeRun } from '../../../src/analysis/index.js';
import { accumulate, put, simulateBurst, type Series } from './synthetic.js';

test('per-API series: a row per second, rejections by code, in flight, connect refusals as throttling', () => {
  const s: Series = {};
  put(s, 0, 'offered', { api: 'Connect' }, 5);
  put(s, 0, 'accepted', { api: 'Connect' }, 3);
  put(s, 1, 'rejected', { api: 'Connect', status: '159', code: 'connect-refused' }, 1);
  put(s, 1, 'rejected', { api: 'Connect', status: '5', code: 'connect-refused' }, 1);
  put(s, 3, 'offered', { api: 'RegisterThing' }, 4);
  put(s, 3, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, 1);
  put(s, 3, 'rejected', { api: 'RegisterThing', status: '403', code: 'AccessDenied' }, 1);
  put(s, 4, 'timeout', { api: 'RegisterThing' }, 1);
  const apis = buildApiSeries(s);
  assert.deepEqual(
    apis.map((a) => a.api),
    ['Connect', 'RegisterThing'],
  );
  const [connect, reg] = apis;
  assert.equal(connect?.seconds.length, 5, 'seconds 0..4 for every API');
  assert.deepEqual(
    connect?.seconds.map((x) => x.inFlight),
    [2, 0, 0, 0, 0],
  );
  assert.equal(connect?.totals.throttled, 1, 'CONNACK 0x9F (159) is throttling, 5 (not authorized) is not');
  assert.deepEqual(reg?.totals.rejected, { '429 Throttled': 1, '403 AccessDenied': 1 });
  assert.deepEqual(
    reg?.seconds.map((x) => x.inFlight),
    [0, 0, 0, 2, 1],
  );
  assert.equal(isThrottleRejection('RegisterThing', '400', 'ThrottlingException'), true);
  assert.equal(isThrottleRejection('RegisterThing', '151', ''), false);
});

test('server-side counts sit beside the device counts, aligned by the start times', () => {
  const s: Series = {};
  put(s, 0, 'offered', { api: 'RegisterThing' }, 2);
  put(s, 1, 'offered', { api: 'RegisterThing' }, 3);
  // the server started 700 ms before the run: its second 1 ([0.3, 1.3) s of the run) is run second 0
  const server = {
    startedAt: new Date(10_000 - 700).toISOString(),
    perSecond: {
      '1': { 'received{api=RegisterThing}': 2, 'accepted{api=RegisterThing}': 1, 'rejected{api=RegisterThing,code=Throttled,status=429}': 1 },
      '2': { 'received{api=RegisterThing}': 3, 'accepted{api=RegisterThing}': 3 },
      '0': { connect_attempts: 9 },
    },
  };
  const [reg] = buildApiSeries(s, { server, runStartMs: 10_000 });
  assert.deepEqual(reg?.seconds[0]?.server, { received: 2, accepted: 1, rejected: 1, throttled: 1 });
  assert.deepEqual(reg?.seconds[1]?.server, { received: 3, accepted: 3, rejected: 0, throttled: 0 });
});

test('onset needs the 429 share to reach the threshold; plateau is the median over throttled seconds', () => {
  const mk = (rows: Array<[number, number, number]>) => {
    const s: Series = {};
    rows.forEach(([offered, accepted, throttled], t) => {
      put(s, t, 'offered', { api: 'RegisterThing' }, offered);
      put(s, t, 'accepted', { api: 'RegisterThing' }, accepted);
      put(s, t, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, throttled);
    });
    return buildApiSeries(s)[0] as NonNullable<ReturnType<typeof buildApiSeries>[0]>;
  };
  const s = mk([
    [100, 96, 4], // 4%: below the default 5%
    [100, 10, 90],
    [50, 11, 39],
    [20, 9, 11],
    [5, 5, 0],
  ]);
  const a = analyzeApi(s);
  assert.deepEqual(a.onset, { tSec: 1, offeredPerSec: 100, share429: 0.9 });
  assert.equal(findOnset(s.seconds, 0.04)?.tSec, 0);
  assert.equal(a.plateauPerSec, 10.5, 'median of 96, 10, 11, 9');
  assert.deepEqual(a.recovery, { firstThrottledSec: 0, lastThrottledSec: 3, drainedSec: 5, durationSec: 5 });
  assert.equal(analyzeApi(mk([[10, 10, 0]])).plateauPerSec, null);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([]), null);
});

test('a burst against a token bucket (r=10/s, b=20) shows accepted = b + r·t, onset at t=0 and a plateau of r', () => {
  const r = 10;
  const b = 20;
  const sim = simulateBurst({ devices: 300, rate: r, burst: b, retryMs: 1000, maxAttempts: 60 });
  const acc = accumulate(sim.series, { totals: Object.fromEntries(Object.entries(sim.perDevice).map(([n, v]) => [`api_attempts{api=RegisterThing,n=${n}}`, v])) });
  const an = analyzeRun({ metrics: acc, outcomes: { provisioned: 300 - sim.gaveUp, failed: {}, dropped: {} }, devices: 300, startMs: 0, durationMs: 40_000, status: 'completed' });
  const reg = an.apis.RegisterThing;
  assert.ok(reg !== undefined);
  assert.deepEqual(reg.onset?.tSec, 0, 'throttled from the first second');
  assert.equal(reg.onset?.offeredPerSec, 300);
  assert.equal(reg.plateauPerSec, r);
  // The burst is spent at t=0; the retries start at t=1 s and from then on keep up with the refill,
  // so cumulative accepted by time τ = b + r·τ: by the end of second t (τ = t+1) within ±2 requests
  // (0.2 s of refill: tokens that accrue in a short gap between retries are spent in the next
  // second). In second 0 nobody asks after the burst, so it shows b alone. Checked while the
  // backlog keeps demand well above r (≥ 70 waiting devices retrying every 1-2 s, t < 20).
  let cumulative = 0;
  for (const s of reg.perSecond) {
    cumulative += s.accepted;
    if (s.t === 0) assert.equal(cumulative, b);
    else if (s.t < 20) assert.ok(Math.abs(cumulative - (b + r * (s.t + 1))) <= 2, `t=${s.t}: ${cumulative} vs ${b + r * (s.t + 1)}`);
  }
  assert.equal(reg.accepted, 300);
  // 300 devices at 10/s after a burst of 20: the backlog drains in (300-20)/10 = 28 s
  assert.equal(reg.recovery?.firstThrottledSec, 0);
  assert.ok(Math.abs((reg.recovery?.drainedSec ?? 0) - 28) <= 1, `drained at ${reg.recovery?.drainedSec}`);
  const maxAttempts = Math.max(...Object.keys(sim.perDevice).map(Number));
  assert.ok(maxAttempts > 10);
  assert.equal(reg.attempts?.max, maxAttempts);
  assert.equal(an.outOfRetries, 0);
  assert.equal(an.lastProvisionedSec, reg.recovery?.drainedSec);
  assert.equal(an.verdict, `RegisterThing was throttled at 10.0/s from t=0 s; all 300 devices provisioned by t=${an.lastProvisionedSec} s with at most ${maxAttempts} attempts at RegisterThing; none lost.`);
});

test('devices that give up are counted as out of retries and the verdict says so', () => {
  const sim = simulateBurst({ devices: 100, rate: 5, burst: 5, retryMs: 1000, maxAttempts: 3 });
  const acc = accumulate(sim.series);
  const failed = sim.gaveUp;
  assert.ok(failed > 50, `most give up (${failed})`);
  const an = analyzeRun({
    metrics: acc,
    outcomes: { provisioned: 100 - failed, failed: { 'register_thing: rejected 429 Throttled': failed }, dropped: {} },
    devices: 100,
    startMs: 0,
    durationMs: 5000,
    status: 'completed',
  });
  assert.equal(an.outOfRetries, failed);
  assert.deepEqual(an.outOfRetriesBy, { 'register_thing: throttled': failed });
  assert.match(an.verdict, new RegExp(`^RegisterThing was throttled at 5\\.0/s from t=0 s; ${100 - failed} of 100 devices provisioned by t=\\d+ s; ${failed} failed \\(${failed} ran out of retries\\)\\.$`));
});
