/** A bundled scenario copied to another folder still validates and plans: its template and hook come from scenarios/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/emulator.js';

test('a bundled scenario copied elsewhere: validate and run --plan work and say where the files came from', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-travel-'));
  copyFileSync(path.join(REPO_ROOT, 'scenarios', 'hook-denylist.yaml'), path.join(dir, 'my-launch.yaml'));
  const [validate, plan] = await Promise.all([runCli(['validate', 'my-launch.yaml'], { cwd: dir }), runCli(['run', 'my-launch.yaml', '--plan'], { cwd: dir })]);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /my-launch\.yaml: OK/);
  assert.match(validate.stdout, /note: emulator\.templates\[0\]\.file: templates\/fleet-prov-test-template\.json is not beside the scenario: using the bundled .*scenarios\/templates\/fleet-prov-test-template\.json/);
  assert.match(validate.stdout, /note: emulator\.templates\[0\]\.hook: hooks\/deny-list\.mjs is not beside the scenario/);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /note: emulator\.templates\[0\]\.file: .*using the bundled/);
});
