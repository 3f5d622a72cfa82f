import { test } from 'node:test';
import assert from 'node:assert/strict';
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
