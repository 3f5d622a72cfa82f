import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { windowHistogramName } from '../../../src/metrics/recorder.js';
import { SnapshotAccumulator, emptySnapshot, type MetricsSnapshot, type OutcomeCounts } from '../../../src/metrics/snapshot.js';
import type { MetricsView } from '../../../src/metrics/thresholds.js';
import { createRunGuard } from '../../../src/orchestrator/run-guard.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { REPO_ROOT } from '../../helpers/emulator.js';
import { accumulate, put, type Series } from './synthetic.js';

const base = {
  fleet: { devices: 100, templateName: 'fleet-prov-test-template', parameters: { SerialNumber: '{serial}' } },
  load: { model: 'closed', concurrency: 2 },
  emulator: { templates: [{ name: 'fleet-prov-test-template', file: 'templates/fleet-prov-test-template.json' }] },
};
const scenario = (extra: object) => parseScenario({ ...base, ...extra }, { file: 'x.yaml', baseDir: `${REPO_ROOT}scenarios`, env: {} });

test('no guard without a step model or an abortOnFail threshold', () => {
  assert.equal(createRunGuard(scenario({ thresholds: ['count(failed) == 0'] })), undefined);
});

test('abortOnFail: stops once the threshold fails, not before delayAbortEval', () => {
  const s: Series = {};
  put(s, 0, 'failed', { reason: 'x' }, 1);
  const metrics = accumulate(s, { outcomes: { provisioned: 0, failed: { x: 1 }, dropped: {} } });
  const guard = createRunGuard(scenario({ thresholds: ['p99(provision) < 1ms', { expression: 'count(failed) == 0', abortOnFail: true, delayAbortEval: '3s' }] }));
  assert.ok(guard !== undefined);
  assert.equal(guard.check(metrics, 100, 2000), undefined, 'too early');
  const d = guard.check(metrics, 100, 3000);
  assert.equal(d?.reason, 'threshold_aborted');
  assert.match(d?.detail ?? '', /count\(failed\) == 0 \(count\(failed\) = 1\)/);
  assert.equal(guard.check(accumulate({}), 100, 5000), undefined, 'passing: keep going');
});

test('step model: stops with knee_found once a finished step breaks stopWhen', () => {
  const guard = createRunGuard(scenario({ load: { model: 'step', start: 5, increment: 5, stepDuration: '2s', maxRate: 20 } }));
  assert.ok(guard !== undefined);
  const s: Series = {};
  for (let t = 0; t < 4; t++) {
    const rate = t < 2 ? 5 : 10;
    put(s, t, 'offered', { api: 'RegisterThing' }, rate);
    put(s, t, 'accepted', { api: 'RegisterThing' }, Math.min(rate, 8));
    put(s, t, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, rate - Math.min(rate, 8));
  }
  const m = accumulate(s);
  assert.equal(guard.check(m, 100, 5000), undefined, 'step 2 ends at 4 s + 1.5 s settle');
  const d = guard.check(m, 100, 5500);
  assert.equal(d?.reason, 'knee_found');
  assert.match(d?.detail ?? '', /step 2 \(10\/s\) failed: RegisterThing 429 share 20% ≥ 5\.0%/);
});

/**
 * A step search (3 s steps at 5, 10, ... 40/s) against an API that accepts 22/s, latency rising
 * with the rate, a failure every 7 s, fed as the run feeds it: each second's counts come from three
 * workers, delivered 0, 1 and 2 ticks late (within the knee search's 1.5 s settle).
 */
function syntheticRun(seconds: number): Array<Array<Partial<MetricsSnapshot>>> {
  const ticks: Array<Array<Partial<MetricsSnapshot>>> = Array.from({ length: seconds + 2 }, () => []);
  for (let t = 0; t < seconds; t++) {
    const rate = 5 * (Math.floor(t / 3) + 1);
    const accepted = Math.min(rate, 22);
    const failed = t % 7 === 6 ? 1 : 0;
    for (let w = 0; w < 3; w++) {
      const share = (n: number) => Math.floor(n / 3) + (w < n % 3 ? 1 : 0);
      const s: Series = {};
      put(s, t, 'started', undefined, share(rate));
      put(s, t, 'offered', { api: 'RegisterThing' }, share(rate));
      put(s, t, 'accepted', { api: 'RegisterThing' }, share(accepted));
      put(s, t, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, share(rate - accepted));
      put(s, t, 'provisioned', undefined, share(accepted - failed));
      put(s, t, 'failed', { reason: 'verify_connect: timeout' }, w === 0 ? failed : 0);
      const h = new LatencyHistogram();
      for (let i = 0; i < share(accepted); i++) h.recordMillis(40 * rate + i);
      const histograms: Record<string, string> = h.count === 0 ? {} : { provision: h.encode(), [windowHistogramName('provision', Math.floor(t / 3))]: h.encode() };
      h.destroy();
      const outcomes: OutcomeCounts = { provisioned: share(accepted - failed), failed: w === 0 && failed > 0 ? { 'verify_connect: timeout': failed } : {}, dropped: {} };
      (ticks[t + w] as Array<Partial<MetricsSnapshot>>).push({ series: s, histograms, outcomes });
    }
  }
  return ticks;
}

/** The same data without the per-key totals: thresholds then scan every second, as before. */
const plainView = (acc: SnapshotAccumulator): MetricsView => ({ histogram: (n) => acc.histogram(n), series: acc.series, outcomes: acc.outcomes });

const STEP = { model: 'step', start: 5, increment: 5, stepDuration: '3s', maxRate: 40 };
/** stops on the 429 share only (the default also stops on failures ≥ 1%: step 3 here) */
const STEP_429 = { ...STEP, stopWhen: { share429: 0.05 } };
const GUARDED = [
  { load: STEP },
  { load: STEP_429 },
  { thresholds: [{ expression: 'count(failed) < 3', abortOnFail: true }, { expression: 'rate(provisioned) > 1', abortOnFail: true }] },
  { load: STEP, thresholds: [{ expression: 'ratio(rejected{api=RegisterThing}) < 0.02', abortOnFail: true, delayAbortEval: '5s' }, 'p99(provision) < 1ms'] },
  { load: STEP, thresholds: [{ expression: 'p99(provision) < 700ms', abortOnFail: true }, { expression: 'rate(offered{api=RegisterThing}) < 30', abortOnFail: true }] },
  { thresholds: [{ expression: 'rate(offered{api=RegisterThing}) < 14', abortOnFail: true }, { expression: 'ratio(provisioned) < 1', abortOnFail: true }] },
];

test('the incremental guard decides as a fresh full evaluation of the same data, at every tick', () => {
  for (const extra of GUARDED) {
    const s = scenario(extra);
    const guard = createRunGuard(s);
    assert.ok(guard !== undefined);
    const acc = new SnapshotAccumulator();
    const decisions = new Set<string>();
    syntheticRun(30).forEach((deliveries, t) => {
      for (const d of deliveries) acc.add({ ...emptySnapshot(), ...d });
      const elapsedMs = (t + 1) * 1000;
      const fresh = createRunGuard(s)?.check(plainView(acc), 100, elapsedMs);
      const live = guard.check(acc, 100, elapsedMs);
      assert.deepEqual(live, fresh, `${JSON.stringify(extra)} at ${elapsedMs} ms`);
      decisions.add(live?.reason ?? 'go on');
    });
    assert.ok(decisions.has('go on') && decisions.size >= 2, `${JSON.stringify(extra)}: going on and a stop both seen (${[...decisions].join(', ')})`);
  }
});

test('each tick reads only the seconds of the steps that are due and not final, and no whole-run scan', () => {
  const guard = createRunGuard(scenario({ load: STEP_429, thresholds: [{ expression: 'count(failed) < 100', abortOnFail: true }, { expression: 'rate(offered) > 1', abortOnFail: true }] }));
  assert.ok(guard !== undefined);
  const acc = new SnapshotAccumulator();
  const read = new Set<string>();
  let scans = 0;
  const series = new Proxy(acc.series, {
    get: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key);
    },
    ownKeys: (target) => {
      scans++;
      return Reflect.ownKeys(target);
    },
  });
  const view: MetricsView = { histogram: (n) => acc.histogram(n), series, outcomes: acc.outcomes, seriesTotals: () => acc.seriesTotals() };
  syntheticRun(12).forEach((deliveries, t) => {
    for (const d of deliveries) acc.add({ ...emptySnapshot(), ...d });
    read.clear();
    assert.equal(guard.check(view, 100, (t + 1) * 1000), undefined, 'steps 1-4 (5-20/s) pass');
    // step k (seconds 3k..3k+2) is due 1.5 s after it ends, at tick 3k+4, and stays provisional
    // (re-read at every tick) for 30 s: in these 12 s, every due step's seconds and nothing else
    const dueSteps = t >= 4 ? Math.floor((t - 4) / 3) + 1 : 0;
    const due = Array.from({ length: dueSteps * 3 }, (_, i) => String(i));
    assert.deepEqual([...read].sort(), due.sort(), `seconds read at tick ${t}`);
  });
  assert.equal(scans, 0);
});
