import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyOverrides, parseOverride, parsePath, shortcutOverrides } from '../../../src/scenario/overrides.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { InputError, type ValidationIssue } from '../../../src/util/errors.js';
import { makeWorkspace } from '../../helpers/cli.js';

const SCENARIO = `
fleet:
  devices: 10
  templateName: fleet-prov-test-template
load:
  model: open
  stages:
    - rate: 5
      duration: 2s
emulator:
  templates:
    - name: fleet-prov-test-template
      file: templates/fleet-prov-test-template.json
`;

function workspace(text = SCENARIO): string {
  const dir = makeWorkspace({ 'scenarios/s.yaml': text });
  return path.join(dir, 'scenarios', 's.yaml');
}

test('paths: dots and list indexes', () => {
  assert.deepEqual(parsePath('emulator.templates[0].file'), ['emulator', 'templates', 0, 'file']);
  assert.deepEqual(parsePath('a[1][2]'), ['a', 1, 2]);
  assert.equal(parsePath('a..b'), undefined);
  assert.equal(parsePath('a[x]'), undefined);
  assert.equal(parsePath(''), undefined);
});

test('values are read as YAML scalars and flow collections', () => {
  assert.equal(parseOverride('fleet.devices=50').value, 50);
  assert.equal(parseOverride('load.stages[0].duration=10s').value, '10s');
  assert.equal(parseOverride('flow.verify.enabled=false').value, false);
  assert.deepEqual(parseOverride('emulator.quotas.RegisterThing={rate: 5, burst: 10}').value, { rate: 5, burst: 10 });
  assert.deepEqual(parseOverride('retry.retryOn=[throttled, timeout]').value, ['throttled', 'timeout']);
  assert.throws(() => parseOverride('fleet.devices'), /must be path=value/);
  assert.throws(() => parseOverride('fleet.devices='), /needs a value/);
  assert.throws(() => parseOverride('=5'), /must be path=value/);
});

test('applyOverrides sets nested values, creates missing mappings and leaves the input alone', () => {
  const doc = { fleet: { devices: 1 }, emulator: { templates: [{ name: 'a', file: 'x.json' }] } };
  const issues: ValidationIssue[] = [];
  const out = applyOverrides(doc, ['fleet.devices=5', 'emulator.templates[0].file=y.json', 'emulator.quotas.RegisterThing.rate=7'].map((s) => parseOverride(s)), issues);
  assert.deepEqual(issues, []);
  assert.deepEqual(out, { fleet: { devices: 5 }, emulator: { templates: [{ name: 'a', file: 'y.json' }], quotas: { RegisterThing: { rate: 7 } } } });
  assert.equal(doc.fleet.devices, 1);
});

test('applyOverrides names the path it cannot go through', () => {
  const issues: ValidationIssue[] = [];
  applyOverrides({ fleet: { devices: 1 }, list: [1] }, ['fleet.devices.x=1', 'list[3]=2'].map((s) => parseOverride(s)), issues);
  assert.deepEqual(issues.map((i) => i.path), ['fleet.devices.x', 'list[3]']);
  assert.match(issues[0]?.message ?? '', /not a mapping/);
  assert.match(issues[1]?.message ?? '', /the list has 1/);
});

test('shortcuts follow the model: concurrency and rate', () => {
  const closed = { load: { model: 'closed', concurrency: 2 } };
  assert.deepEqual(shortcutOverrides(closed, { devices: 50, concurrency: 8 }).map((o) => o.text), ['fleet.devices=50', 'load.concurrency=8']);
  const open = { load: { model: 'open', stages: [{ rate: 1, duration: '1s' }] } };
  assert.deepEqual(shortcutOverrides(open, { concurrency: 8, rate: 20 }).map((o) => o.text), ['load.maxInFlight=8', 'load.stages[0].rate=20']);
  assert.deepEqual(shortcutOverrides({ load: { model: 'step' } }, { rate: 3 }).map((o) => o.text), ['load.start=3']);
  assert.throws(() => shortcutOverrides(closed, { rate: 5 }), (e: unknown) => e instanceof InputError && /closed load model has no arrival rate/.test(e.message));
  assert.throws(() => shortcutOverrides({ load: { model: 'open', stages: [{}, {}] } }, { rate: 5 }), /has 2 stages/);
  assert.throws(() => shortcutOverrides({ load: { model: 'trace' } }, { rate: 5 }), /trace file/);
  assert.throws(() => shortcutOverrides(closed, { devices: 0 }), /must be a number > 0/);
});

test('loadScenario applies overrides before validation and records them', async () => {
  const file = workspace();
  const loaded = await loadScenario(file, {}, { set: ['load.stages[0].rate=9'], devices: 20 });
  assert.equal(loaded.scenario.fleet.devices, 20);
  assert.equal(loaded.scenario.load.model === 'open' && loaded.scenario.load.stages[0]?.rate, 9);
  assert.deepEqual(loaded.overrides, ['load.stages[0].rate=9', 'fleet.devices=20']);
  const plain = await loadScenario(file, {});
  assert.equal(plain.overrides, undefined);
});

test('a bad override value is reported at its path, as a bad value in the file would be', async () => {
  const file = workspace();
  await assert.rejects(loadScenario(file, {}, { set: ['fleet.devices=-3', 'load.stages[0].rate=fast'] }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.deepEqual(e.issues.map((i) => i.path).sort(), ['fleet.devices', 'load.stages[0].rate']);
    return true;
  });
  await assert.rejects(loadScenario(file, {}, { set: ['load.nonsense=1'] }), (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'load.nonsense' && /not a known setting/.test(i.message)));
});

test('a scenario file that is not a mapping still gets a clear error', async () => {
  const file = workspace('- 1\n- 2\n');
  writeFileSync(file, '- 1\n');
  await assert.rejects(loadScenario(file, {}, { set: ['fleet.devices=1'] }), (e: unknown) => e instanceof InputError);
});
