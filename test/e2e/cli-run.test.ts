/** The CLI as a subprocess, as a user runs it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspace, runCli, smallScenario } from '../helpers/cli.js';

function onlyRunDir(reports: string): string {
  const dirs = readdirSync(reports);
  assert.equal(dirs.length, 1, `one run folder in ${reports}`);
  return path.join(reports, dirs[0] as string);
}

test('run: 20 devices provision; exit 0; report.json adds up', async () => {
  const ws = makeWorkspace({ 'scenarios/small.yaml': smallScenario(20) });
  const r = await runCli(['run', 'scenarios/small.yaml', '--out', 'out', '--quiet'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const report = JSON.parse(readFileSync(path.join(onlyRunDir(path.join(ws, 'out')), 'report.json'), 'utf8'));
  assert.equal(report.schemaVersion, 1);
  assert.equal(report.devices, 20);
  assert.equal(report.outcomes.provisioned, 20);
  assert.equal(report.outcomes.total, 20);
  assert.equal(report.steps.provision.count, 20);
  for (const step of ['connect', 'subscribe', 'create_certificate', 'register_thing', 'verify_connect', 'verify_publish', 'provision']) {
    const s = report.steps[step];
    assert.ok(s.count > 0 && s.p50 > 0 && s.p99 >= s.p50 && s.max >= s.p99 && typeof s.histogram === 'string', step);
  }
  assert.equal(report.created.things.length, 20);
  assert.match(r.stdout, /20 provisioned/);
  assert.doesNotMatch(readFileSync(path.join(onlyRunDir(path.join(ws, 'out')), 'report.json'), 'utf8'), /PRIVATE KEY/);
  assert.doesNotMatch(readFileSync(path.join(onlyRunDir(path.join(ws, 'out')), 'events.jsonl'), 'utf8'), /PRIVATE KEY/);
});

test('run: a broken scenario exits 2 and names every bad path, with no stack trace', async () => {
  const broken = `target:
  type: emulator
fleet:
  devices: -3
  clientId: "same-for-all"
  templateName: "bad name!"
  parameters:
    SerialNumber: "{serial}-{nope}"
flow:
  format: xml
  keepalive: 5
load:
  model: open
  stages:
    - rate: -1
      duration: soon
emulator:
  templates:
    - name: other
      file: templates/missing.json
  colour: blue
`;
  const ws = makeWorkspace({ 'scenarios/broken.yaml': broken });
  for (const cmd of ['run', 'validate']) {
    const r = await runCli([cmd, 'scenarios/broken.yaml', '--quiet'].slice(0, cmd === 'run' ? 3 : 2), { cwd: ws });
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    for (const p of ['fleet.devices', 'fleet.templateName', 'flow.format', 'flow.keepalive', 'load.stages[0].rate', 'load.stages[0].duration', 'emulator.colour']) {
      assert.match(r.stderr, new RegExp(`${p.replace(/[.[\]]/g, '\\$&')}: `), `${cmd} names ${p}`);
    }
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  // the cross-field rules run once the schema passes
  const ws2 = makeWorkspace({
    'scenarios/x.yaml': smallScenario(5).replace('t-{runId}-{index}', 'fixed').replace('file: templates/fleet-prov-test-template.json', 'file: templates/nope.json'),
  });
  const r2 = await runCli(['validate', 'scenarios/x.yaml'], { cwd: ws2 });
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /fleet\.clientId: must contain \{index\}/);
  assert.match(r2.stderr, /emulator\.templates\[0\]\.file: file not found/);
});

test('validate: a good scenario passes; a missing file and an unknown flag exit 2', async () => {
  const ws = makeWorkspace({ 'scenarios/ok.yaml': smallScenario(3) });
  const ok = await runCli(['validate', 'scenarios/ok.yaml'], { cwd: ws });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /OK/);
  const missing = await runCli(['validate', 'scenarios/none.yaml'], { cwd: ws });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read scenario file/);
  const flag = await runCli(['run', 'scenarios/ok.yaml', '--wrokers', '2'], { cwd: ws });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /wrokers/);
});
