/** fleetsimCommand(): the command we print is one that starts this fleetsim from the user's folder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fleetsimCommand, shownPath } from '../../../src/cli/self.js';
import { CLI } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/emulator.js';

test('fleetsimCommand: npx in the checkout or a project that installed it, fleetsim on PATH, else node <bin>', () => {
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-self-'));
  assert.equal(fleetsimCommand(REPO_ROOT, { PATH: '' }), 'npx fleetsim');
  assert.equal(fleetsimCommand(path.join(REPO_ROOT, 'scenarios'), { PATH: '' }), 'npx fleetsim');
  assert.equal(fleetsimCommand(elsewhere, { PATH: '/usr/bin' }), `node ${CLI}`);

  const globalBin = path.join(elsewhere, 'prefix', 'bin');
  mkdirSync(globalBin, { recursive: true });
  symlinkSync(CLI, path.join(globalBin, 'fleetsim'));
  assert.equal(fleetsimCommand(elsewhere, { PATH: `/usr/bin${path.delimiter}${globalBin}` }), 'fleetsim');

  const project = path.join(elsewhere, 'project');
  mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(CLI, path.join(project, 'node_modules', '.bin', 'fleetsim'));
  assert.equal(fleetsimCommand(path.join(project), { PATH: '' }), 'npx fleetsim');
});

test('shownPath: relative under the folder, absolute outside it', () => {
  assert.equal(shownPath('/a/b/c', '/a'), 'b/c');
  assert.equal(shownPath('/x/y', '/a'), '/x/y');
  assert.equal(shownPath('/a', '/a'), '/a');
});
