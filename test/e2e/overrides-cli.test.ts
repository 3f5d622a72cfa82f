/** --set and its shortcuts through the real CLI: applied before validation, shown in --plan, errors at their path (exit 2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

const ws = makeWorkspace({ 'scenarios/s.yaml': smallScenario(10, 'model: open\n  stages:\n    - rate: 5\n      duration: 2s') });
const file = path.join(ws, 'scenarios', 's.yaml');

test('run --plan shows the plan with the overrides applied and lists them', async () => {
  // --set before the scenario must not swallow it
  const r = await runCli(['run', '--set', 'load.stages[0].duration=4s', file, '--plan', '--rate', '10', '--devices', '40']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /40 devices/);
  assert.match(r.stdout, /10\/s for 4\.0 s; 40 arrivals/);
  assert.match(r.stdout, /overrides: load.stages\[0\].duration=4s, fleet.devices=40, load.stages\[0\].rate=10/);
});

test('validate: a bad override names its path and exits 2; a shortcut the model lacks says what to use', async () => {
  const bad = await runCli(['validate', file, '--set', 'fleet.devices=-1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /fleet\.devices: must be a positive integer/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
  const closed = makeWorkspace({ 'scenarios/c.yaml': smallScenario(10) });
  const rate = await runCli(['validate', path.join(closed, 'scenarios', 'c.yaml'), '--rate', '5']);
  assert.equal(rate.code, 2);
  assert.match(rate.stderr, /--rate: the closed load model has no arrival rate: use --concurrency/);
});

test('sweep refuses a --set without a list of values (exit 2)', async () => {
  const r = await runCli(['sweep', file, '--set', 'fleet.devices=5']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /name the values to try with --set path=v1,v2/);
});
