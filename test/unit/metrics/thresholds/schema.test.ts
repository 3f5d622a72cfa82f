import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../../../src/scenario/load.js';
import { InputError } from '../../../../src/util/errors.js';
import { REPO_ROOT } from '../../../helpers/emulator.js';

const base = {
  fleet: { devices: 10, templateName: 'fleet-prov-test-template', parameters: { SerialNumber: '{serial}' } },
  load: { model: 'closed', concurrency: 2 },
  emulator: { templates: [{ name: 'fleet-prov-test-template', file: 'templates/fleet-prov-test-template.json' }] },
};
const opts = { file: 'x.yaml', baseDir: `${REPO_ROOT}scenarios`, env: {} };

function issues(doc: object): Array<{ path: string; message: string }> {
  try {
    parseScenario(doc, opts);
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.issues;
  }
  assert.fail('the scenario was accepted');
}

test('thresholds: strings and {expression, abortOnFail} objects; a bad one names its index, the expression and the column', () => {
  const s = parseScenario({ ...base, thresholds: ['p99(provision) < 5s', { expression: 'count(failed) == 0', abortOnFail: true, delayAbortEval: '10s' }] }, opts);
  assert.deepEqual(s.thresholds, [
    { expression: 'p99(provision) < 5s', abortOnFail: false },
    { expression: 'count(failed) == 0', abortOnFail: true, delayAbortEval: 10_000 },
  ]);
  const found = issues({ ...base, thresholds: ['count(failed) == 0', 'p99(provision) < 5s', 'p99(provision) < 2x', { expression: 'rate(accepted) >= 9/x' }, 42] });
  assert.deepEqual(
    found.map((i) => i.path),
    ['thresholds[2]', 'thresholds[3]', 'thresholds[4]'],
  );
  assert.match(found[0]?.message ?? '', /^"p99\(provision\) < 2x": .* at column 19$/);
  assert.match(found[1]?.message ?? '', /^"rate\(accepted\) >= 9\/x": .* at column 20$/);
  assert.match(found[2]?.message ?? '', /must be an expression/);
});

test('expectations: shorthand forms are normalised; bad values are named', () => {
  const s = parseScenario({ ...base, expectations: { throttledGet429: true, acceptedRate: { api: 'RegisterThing', perSec: 10, tolerance: '20%' }, provisionWithin: '10m' } }, opts);
  assert.deepEqual(s.expectations, {
    throttledGet429: { maxTimeoutShare: 0.01, requireThrottling: false },
    acceptedRate: [{ api: 'RegisterThing', perSec: 10, tolerance: 0.2 }],
    provisionWithin: 600_000,
  });
  const found = issues({ ...base, expectations: { acceptedRate: { api: 'Nope', perSec: 0, tolerance: '200%' }, provisionWithin: 'soon', extra: 1 } });
  assert.deepEqual(found.map((i) => i.path).sort(), [
    'expectations.acceptedRate[0].api',
    'expectations.acceptedRate[0].perSec',
    'expectations.acceptedRate[0].tolerance',
    'expectations.extra',
    'expectations.provisionWithin',
  ]);
  assert.match(found.find((i) => i.path.endsWith('.api'))?.message ?? '', /must be one of Connect, CreateKeysAndCertificate/);
});

test('step load model: defaults, and the rules a schema alone cannot say', () => {
  const s = parseScenario({ ...base, load: { model: 'step', start: 5, increment: 5, stepDuration: '10s', maxRate: 50 } }, opts);
  assert.equal(s.load.model, 'step');
  if (s.load.model === 'step') {
    assert.deepEqual(s.load.stopWhen, { share429: 0.05, failures: 0.01 });
    assert.equal(s.load.p99Of, 'provision');
    assert.equal(s.load.stepDuration, 10_000);
  }
  const found = issues({ ...base, load: { model: 'step', start: 5, increment: 0, stepDuration: '1500ms', maxRate: 2, stopWhen: {}, p99Of: 'nope' } });
  const paths = found.map((i) => i.path);
  for (const p of ['load.increment', 'load.p99Of']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  const found2 = issues({ ...base, load: { model: 'step', start: 5, increment: 1, stepDuration: '1500ms', maxRate: 2, stopWhen: {} } });
  assert.deepEqual(found2.map((i) => i.path).sort(), ['load.maxRate', 'load.stepDuration', 'load.stopWhen']);
});
