import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../../src/metrics/histogram.js';
import { seriesKey } from '../../../../src/metrics/names.js';
import { SnapshotAccumulator, emptySnapshot } from '../../../../src/metrics/snapshot.js';
import { evaluateThresholds, type ThresholdSource } from '../../../../src/metrics/thresholds.js';

/**
 * A synthetic run of 10 devices over seconds 0-9:
 * - RegisterThing: offered 20/s in seconds 2-6 (100), accepted 10/s (50), 429 ×8/s (40), 403 ×1/s (5), timeout ×1/s (5)
 * - Connect: offered 10 in second 0, all accepted
 * - register_thing latencies 1..100 ms; provision 500 ms ×10
 * - outcomes: 7 provisioned, 2 failed (register_thing: rejected 429 Throttled, connect: timeout), 1 dropped (max_in_flight)
 * - retries{reason=throttled,step=register_thing} 30; exhausted{reason=throttled,step=register_thing} 1
 */
function source(): ThresholdSource {
  const acc = new SnapshotAccumulator();
  const snap = emptySnapshot();
  const reg = new LatencyHistogram();
  for (let ms = 1; ms <= 100; ms++) reg.recordMillis(ms);
  const prov = new LatencyHistogram();
  for (let i = 0; i < 10; i++) prov.recordMillis(500);
  snap.histograms = { register_thing: reg.encode(), provision: prov.encode() };
  const put = (t: number, name: string, labels: Record<string, string> | undefined, n: number) => {
    const b = (snap.series[String(t)] ??= {});
    const k = seriesKey(name, labels);
    b[k] = (b[k] ?? 0) + n;
  };
  put(0, 'offered', { api: 'Connect' }, 10);
  put(0, 'accepted', { api: 'Connect' }, 10);
  put(0, 'started', undefined, 10);
  for (let t = 2; t <= 6; t++) {
    put(t, 'offered', { api: 'RegisterThing' }, 20);
    put(t, 'accepted', { api: 'RegisterThing' }, 10);
    put(t, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, 8);
    put(t, 'rejected', { api: 'RegisterThing', status: '403', code: 'AccessDenied' }, 1);
    put(t, 'timeout', { api: 'RegisterThing' }, 1);
    put(t, 'retries', { reason: 'throttled', step: 'register_thing' }, 6);
  }
  put(7, 'exhausted', { reason: 'throttled', step: 'register_thing' }, 1);
  put(9, 'provisioned', undefined, 7);
  put(9, 'failed', { reason: 'register_thing: rejected 429 Throttled' }, 1);
  put(8, 'failed', { reason: 'connect: timeout' }, 1);
  put(1, 'dropped', { reason: 'max_in_flight' }, 1);
  snap.outcomes = { provisioned: 7, failed: { 'register_thing: rejected 429 Throttled': 1, 'connect: timeout': 1 }, dropped: { max_in_flight: 1 } };
  acc.add(snap);
  return { metrics: acc, devices: 10 };
}

/** [expression, expected ok, expected actual] */
function check(cases: Array<[string, boolean, number | null]>): void {
  const src = source();
  const results = evaluateThresholds(
    cases.map((c) => c[0]),
    src,
  );
  // the accumulator's per-key totals give exactly what a scan of every second gives
  const acc = src.metrics as SnapshotAccumulator;
  const scanned = { histogram: (n: string) => acc.histogram(n), series: acc.series, outcomes: acc.outcomes };
  assert.deepEqual(results, evaluateThresholds(cases.map((c) => c[0]), { ...src, metrics: scanned }), 'same results from a plain view');
  results.forEach((r, i) => {
    const [expr, ok, actual] = cases[i] as [string, boolean, number | null];
    assert.equal(r.expression, expr);
    assert.equal(r.ok, ok, `${expr}: ok (${r.detail})`);
    if (actual === null) assert.equal(r.actual, null, expr);
    else assert.ok(r.actual !== null && Math.abs(r.actual - actual) < 1e-6 * Math.max(1, actual) + 0.01 * actual, `${expr}: actual ${r.actual} ≈ ${actual}`);
    assert.ok(r.detail.length > 0);
  });
}

test('each comparator has a passing and a failing case', () => {
  check([
    ['count(provisioned) < 8', true, 7],
    ['count(provisioned) < 7', false, 7],
    ['count(provisioned) <= 7', true, 7],
    ['count(provisioned) <= 6', false, 7],
    ['count(provisioned) > 6', true, 7],
    ['count(provisioned) > 7', false, 7],
    ['count(provisioned) >= 7', true, 7],
    ['count(provisioned) >= 8', false, 7],
    ['count(provisioned) == 7', true, 7],
    ['count(provisioned) == 0', false, 7],
    ['count(provisioned) != 0', true, 7],
    ['count(provisioned) != 7', false, 7],
  ]);
});

test('latency functions read the merged histogram in milliseconds', () => {
  check([
    ['p99(register_thing) < 2s', true, 99],
    ['p99(register_thing) < 50ms', false, 99],
    ['p50(register_thing) <= 51', true, 50],
    ['med(register_thing) < 40', false, 50],
    ['avg(register_thing) > 45', true, 50.5],
    ['max(register_thing) < 100ms', false, 100],
    ['min(register_thing) == 1', true, 1],
    ['p99(provision) < 501ms', true, 500],
    ['p99(provision) < 499ms', false, 500],
    ['p99(verify_connect) < 1s', false, null], // no samples: fails
  ]);
});

test('count, ratio and rate with every filter: api, status, code, reason, step', () => {
  check([
    // outcomes
    ['count(failed) == 0', false, 2],
    ['count(failed{reason=register_thing}) == 1', true, 1],
    ['count(failed{reason=register}) > 0', false, 0], // reasons match whole leading words only
    ['count(failed{reason="connect: timeout"}) == 1', true, 1],
    ['count(dropped{reason=max_in_flight}) == 0', false, 1],
    ['ratio(provisioned) > 0.99', false, 0.7],
    ['ratio(provisioned) >= 70%', true, 0.7],
    ['ratio(failed) < 0.25', true, 0.2],
    // rejections: share of the api's offered requests
    ['ratio(rejected{api=RegisterThing,status=429}) < 0.05', false, 0.4],
    ['ratio(rejected{api=RegisterThing,status=429}) < 0.5', true, 0.4],
    ['ratio(rejected{api=RegisterThing,code=AccessDenied}) <= 5%', true, 0.05],
    ['ratio(rejected{api=RegisterThing,code=AccessDenied}) < 1%', false, 0.05],
    ['ratio(rejected{api=Connect}) == 0', true, 0],
    ['ratio(rejected{status=429}) < 0.4', true, 40 / 110], // no api: all offered requests
    ['ratio(rejected{status=429}) < 0.3', false, 40 / 110],
    ['ratio(timeout{api=RegisterThing}) < 0.01', false, 0.05],
    ['ratio(accepted{api=CreateKeysAndCertificate}) > 0', false, null], // never offered
    ['count(rejected{status=403}) == 5', true, 5],
    ['count(rejected{code=Throttled}) < 10', false, 40],
    ['count(retries{step=register_thing}) == 30', true, 30],
    ['count(retries{reason=timeout}) > 0', false, 0],
    ['count(exhausted{reason=throttled}) == 0', false, 1],
    // rates: over the seconds the api was offered requests: 2-6, whose partial edges count as one → 4 s
    ['rate(accepted{api=RegisterThing}) >= 9/s', true, 12.5],
    ['rate(accepted{api=RegisterThing}) >= 13/s', false, 12.5],
    ['rate(accepted{api=RegisterThing}) >= 600/m', true, 12.5],
    ['rate(offered{api=Connect}) == 10', true, 10], // one second: 1 s
    ['rate(provisioned) > 1/s', false, 7 / 9], // device activity spans seconds 0-9 → 9 s
  ]);
});

test('the source may be a RunState-like object; outcomes can be overridden; bad expressions fail without throwing', () => {
  const src = source();
  const viaMeta = evaluateThresholds(['ratio(provisioned) >= 0.35'], { metrics: src.metrics, meta: { devices: 20 } });
  assert.equal(viaMeta[0]?.actual, 0.35);
  assert.equal(viaMeta[0]?.ok, true);
  const override = evaluateThresholds([{ expression: 'count(dropped{reason=interrupted}) == 0', abortOnFail: true }], {
    metrics: src.metrics,
    outcomes: { provisioned: 0, failed: {}, dropped: { interrupted: 4 } },
  });
  assert.equal(override[0]?.ok, false);
  assert.equal(override[0]?.actual, 4);
  const bad = evaluateThresholds(['p99(provision) <'], src);
  assert.equal(bad[0]?.ok, false);
  assert.match(bad[0]?.detail ?? '', /column 17/);
});
