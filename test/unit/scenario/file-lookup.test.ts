/**
 * Scenarios travel: template and hook paths resolve beside the scenario file first, then in the
 * bundled scenarios/ folder; a file in neither is an error listing both places; a `target:
 * emulator` scenario with no templates gets the bundled example template, and a note says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLED_SCENARIOS_DIR, EXAMPLE_TEMPLATE, loadScenario } from '../../../src/scenario/load.js';
import { InputError } from '../../../src/util/errors.js';
import { fleetYaml } from '../../helpers/cli.js';

function scenarioIn(dir: string, emulator: string): string {
  const file = path.join(dir, 's.yaml');
  writeFileSync(file, `target:\n  type: emulator\n${fleetYaml(2)}load:\n  model: closed\n  concurrency: 2\n${emulator}`);
  return file;
}

test('a file beside the scenario wins; one missing there comes from the bundled scenarios/ folder, with a note', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-lookup-'));
  const emulator = `emulator:
  templates:
    - name: fleet-prov-test-template
      file: templates/fleet-prov-test-template.json
      hook: hooks/deny-list.mjs
`;
  const bundled = await loadScenario(scenarioIn(dir, emulator));
  const t = bundled.scenario.emulator.templates[0]!;
  assert.equal(t.file, path.join(BUNDLED_SCENARIOS_DIR, 'templates', 'fleet-prov-test-template.json'));
  assert.equal(t.hook, path.join(BUNDLED_SCENARIOS_DIR, 'hooks', 'deny-list.mjs'));
  assert.equal(bundled.notes?.length, 2, bundled.notes?.join('\n'));
  assert.match(bundled.notes![0]!, /^emulator\.templates\[0\]\.file: templates\/fleet-prov-test-template\.json is not beside the scenario: using the bundled /);

  // the scenario's own copy is used as written, without a note
  mkdirSync(path.join(dir, 'templates'));
  writeFileSync(path.join(dir, 'templates', 'fleet-prov-test-template.json'), '{}');
  const own = await loadScenario(scenarioIn(dir, emulator));
  assert.equal(own.scenario.emulator.templates[0]!.file, 'templates/fleet-prov-test-template.json');
  assert.equal(own.notes?.length, 1);
});

test('a file in neither place is an error that lists where it looked', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-lookup-'));
  const file = scenarioIn(dir, `emulator:\n  templates:\n    - name: fleet-prov-test-template\n      file: templates/mine.json\n      hook: {file: hooks/mine.py}\n`);
  const e = await loadScenario(file).then(
    () => assert.fail('should not load'),
    (x: unknown) => x,
  );
  assert.ok(e instanceof InputError);
  const byPath = Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
  assert.equal(
    byPath['emulator.templates[0].file'],
    `file not found: templates/mine.json (looked for ${path.join(dir, 'templates', 'mine.json')}, then ${path.join(BUNDLED_SCENARIOS_DIR, 'templates', 'mine.json')})`,
  );
  assert.match(byPath['emulator.templates[0].hook.file'] ?? '', /file not found: hooks\/mine\.py \(looked for .*, then .*scenarios\/hooks\/mine\.py\)/);
});

test('target emulator without templates: the bundled example template, said in a note', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-lookup-'));
  const loaded = await loadScenario(scenarioIn(dir, ''));
  assert.deepEqual(loaded.scenario.emulator.templates, [{ name: EXAMPLE_TEMPLATE.name, file: EXAMPLE_TEMPLATE.file, enabled: true }]);
  assert.match(loaded.notes?.[0] ?? '', /emulator\.templates is empty: using the bundled example template fleet-prov-test-template/);
  // a fleet naming another template is still told which one exists
  const other = scenarioIn(dir, '');
  writeFileSync(other, readFileSync(other, 'utf8').replace('templateName: fleet-prov-test-template', 'templateName: mine'));
  await assert.rejects(loadScenario(other), (x: unknown) => x instanceof InputError && x.issues.some((i) => i.path === 'fleet.templateName' && /fleet-prov-test-template/.test(i.message)));
});
