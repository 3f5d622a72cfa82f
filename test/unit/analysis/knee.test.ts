import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeKnee, createKneeWatch, findFailingStep, type KneeStep } from '../../../src/analysis/knee.js';
import { stepRates } from '../../../src/load/models/step.js';
import type { KneeSearch as StepModel } from '../../../src/load/models/types.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { windowHistogramName } from '../../../src/metrics/recorder.js';
import { emptySnapshot } from '../../../src/metrics/snapshot.js';
import { accumulate, put, type Series } from './synthetic.js';

const model: StepModel = { start: 4, increment: 4, stepDuration: 3000, maxRate: 20, stopWhen: { share429: 0.05, p99: 2000, failures: 0.01 }, p99Of: 'provision' };

/** Steps of 3 s at 4, 8, 12, 16, 20/s against an API that accepts at most q/s (no burst). */
function synthetic(q: number, opts: { slowStep?: number; failStep?: number } = {}) {
  const series: Series = {};
  const histograms: Record<string, string> = {};
  stepRates(model).forEach((rate, k) => {
    const h = new LatencyHistogram();
    for (let t = k * 3; t < k * 3 + 3; t++) {
      put(series, t, 'started', undefined, rate);
      put(series, t, 'offered', { api: 'CreateKeysAndCertificate' }, rate);
      put(series, t, 'accepted', { api: 'CreateKeysAndCertificate' }, rate);
      const accepted = Math.min(rate, q);
      put(series, t, 'offered', { api: 'RegisterThing' }, rate);
      put(series, t, 'accepted', { api: 'RegisterThing' }, accepted);
      put(series, t, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, rate - accepted);
      const failed = opts.failStep === k + 1 ? 1 : 0;
      put(series, t, 'provisioned', undefined, accepted - failed);
      put(series, t, 'failed', { reason: 'verify_connect: timeout' }, failed);
      for (let i = 0; i < accepted; i++) h.recordMillis(opts.slowStep === k + 1 ? 2500 : 300);
    }
    histograms[windowHistogramName('provision', k)] = h.encode();
  });
  return accumulate(series, { histograms });
}

test('step rates run from start by increment up to maxRate', () => {
  assert.deepEqual(stepRates(model), [4, 8, 12, 16, 20]);
  assert.deepEqual(stepRates({ start: 0.5, increment: 0.25, maxRate: 1.1 }), [0.5, 0.75, 1]);
});

test('a knee search against a quota q stops at the first step above q and reports q as the sustainable rate', () => {
  const k = analyzeKnee(model, synthetic(10), 15);
  assert.deepEqual(k.knee, { step: 2, ratePerSec: 8 });
  assert.equal(k.stoppedAt?.step, 3);
  assert.equal(k.stoppedAt?.ratePerSec, 12);
  assert.match(k.stoppedAt?.reasons[0] ?? '', /RegisterThing 429 share 17% ≥ 5\.0%/);
  assert.equal(k.steps.length, 3, 'rows up to the stopping step');
  assert.deepEqual(k.steps[2]?.apis.RegisterThing, { offeredPerSec: 12, acceptedPerSec: 10, share429: 0.1667 });
  assert.equal(k.steps[0]?.p99Ms !== null && Math.abs((k.steps[0]?.p99Ms ?? 0) - 300) < 1, true);
  assert.deepEqual(k.apis.RegisterThing, { sustainablePerSec: 10, bound: 'throttled' });
  assert.deepEqual(k.apis.CreateKeysAndCertificate, { sustainablePerSec: 12, bound: 'not-reached' }, 'never throttled: a lower bound');
  assert.equal(k.summary, 'Knee at 8/s offered (step 2); stopped at 12/s because RegisterThing 429 share 17% ≥ 5.0%; RegisterThing sustains 10/s.');
});

test('p99 and failures stop the search too; no stop condition met means no knee up to maxRate', () => {
  const slow = analyzeKnee(model, synthetic(100, { slowStep: 2 }), 15);
  assert.equal(slow.stoppedAt?.step, 2);
  assert.match(slow.stoppedAt?.reasons.join() ?? '', /p99 provision 2\.5 s ≥ 2\.0 s/);
  const failing = analyzeKnee(model, synthetic(100, { failStep: 3 }), 15);
  assert.equal(failing.stoppedAt?.step, 3);
  assert.match(failing.stoppedAt?.reasons.join() ?? '', /failures 8\.3% ≥ 1\.0%/);
  const none = analyzeKnee(model, synthetic(100), 15);
  assert.equal(none.stoppedAt, undefined);
  assert.deepEqual(none.knee, { step: 5, ratePerSec: 20 });
  assert.match(none.summary, /^No knee up to 20\/s: every step passed/);
  const first = analyzeKnee(model, synthetic(2), 15);
  assert.equal(first.knee, undefined);
  assert.match(first.summary, /^No sustainable rate: the first step \(4\/s\) already failed because RegisterThing 429 share 50%/);
  const short = analyzeKnee(model, synthetic(100), 7);
  assert.equal(short.steps[2]?.complete, false);
  assert.match(short.summary, /No knee found before the run ended \(the last step that passed ran at 8\/s/);
});

test('the live check only judges steps that ended at least settleMs ago', () => {
  const acc = synthetic(10);
  assert.equal(findFailingStep(model, acc, 9000), undefined, 'step 3 ends at 9 s: not yet');
  assert.equal(findFailingStep(model, acc, 10_400), undefined);
  assert.equal(findFailingStep(model, acc, 10_500)?.step, 3);
});

test('the live watch re-judges a passed step while it is provisional, then never again; a failed verdict stays', () => {
  // every 250 ms: a step is judged from 1.5 s after it ends until it is final 5 s after it ends
  const passing = createKneeWatch(model, 1500, 5000);
  const all = synthetic(100);
  for (let ms = 0; ms <= 40_000; ms += 250) assert.equal(passing.check(all, ms), undefined);
  const perStep = (5000 - 1500) / 250 + 1;
  assert.equal(passing.evaluations, 5 * perStep, 'each step judged only in its provisional window (re-judging every due step at every check would make 575)');
  // default: provisional for 30 s; steps 1-2 pass (judged from 4.5 s and 7.5 s), step 3 fails at 10.5 s
  const failing = createKneeWatch(model);
  const knee = synthetic(10);
  const found: KneeStep[] = [];
  for (let ms = 0; ms <= 20_000; ms += 250) {
    const row = failing.check(knee, ms);
    if (row !== undefined) found.push(row);
  }
  const ticks = (fromMs: number) => (10_500 - fromMs) / 250 + 1;
  assert.equal(failing.evaluations, ticks(4500) + ticks(7500) + 1, 'nothing judged after the failed step');
  assert.equal(found.length, (20_000 - 10_500) / 250 + 1);
  assert.ok(found.every((r) => r === found[0] && r.step === 3));
});

test('late reports for a step that already passed still fail it while it is provisional', () => {
  const series: Series = {};
  for (let t = 0; t < 6; t++) {
    put(series, t, 'offered', { api: 'RegisterThing' }, 4);
    put(series, t, 'accepted', { api: 'RegisterThing' }, 4);
  }
  const acc = accumulate(series);
  const watch = createKneeWatch(model);
  assert.equal(watch.check(acc, 4500), undefined, 'step 1 clean when it is due');
  // a saturated worker's report for seconds 1-2 arrives 3 s after step 1 was judged
  const late: Series = {};
  put(late, 1, 'offered', { api: 'RegisterThing' }, 4);
  put(late, 1, 'rejected', { api: 'RegisterThing', status: '429', code: 'Throttled' }, 4);
  acc.add({ ...emptySnapshot(), series: late });
  const row = watch.check(acc, 7500);
  assert.equal(row?.step, 1, 'step 1 fails on its late 429s');
  assert.deepEqual(row, findFailingStep(model, acc, 7500), 'as a fresh evaluation decides');
  // once final, a step is not read again: the same late data after 30 s changes nothing
  const done = createKneeWatch(model);
  const clean = accumulate(series);
  assert.equal(done.check(clean, 50_000), undefined, 'every step ended 30 s ago or more: all final');
  clean.add({ ...emptySnapshot(), series: late });
  const evaluations = done.evaluations;
  assert.equal(done.check(clean, 50_500), undefined);
  assert.equal(done.evaluations, evaluations, 'final steps are not judged again');
});

test('a step judged live, from its own seconds, reads the same as its row in the report', () => {
  const acc = synthetic(10);
  const live = findFailingStep(model, acc, 10_500);
  assert.ok(live !== undefined);
  assert.deepEqual(live, analyzeKnee(model, acc, 15).steps[2]);
});
