/**
 * The one template loader (emulator/hosting/template-files.ts) and where the emulator's settings
 * come from (settings.ts): the scenario schema's defaults, for scenario runs and `fleetsim emulator` alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readTemplateFiles, type TemplateFileEntry } from '../../../../src/emulator/hosting/template-files.js';
import { emulatorOptionsFor, resolveEmulatorSection } from '../../../../src/emulator/hosting/settings.js';
import { scenarioSchema } from '../../../../src/scenario/schema.js';
import { InputError } from '../../../../src/util/errors.js';
import { REPO_ROOT } from '../../../helpers/emulator.js';

const BODY = readFileSync(path.join(REPO_ROOT, 'scenarios/templates/fleet-prov-test-template.json'), 'utf8');

function entry(name: string, file: string, hook?: string): TemplateFileEntry {
  return {
    name,
    file,
    enabled: name !== 'off',
    hook,
    names: { file: `[${name}].file`, body: (at, abs) => `[${name}] ${path.basename(abs)}: ${at}`, hook: (field) => `[${name}].${field}` },
  };
}

test('readTemplateFiles: a body file and a CreateProvisioningTemplate input both load, relative to the base folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-tpl-'));
  writeFileSync(path.join(dir, 'body.json'), BODY);
  writeFileSync(path.join(dir, 'input.json'), JSON.stringify({ templateBody: BODY }));
  const r = readTemplateFiles([entry('a', 'body.json'), entry('off', 'input.json')], dir);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(
    r.templates.map((t) => [t.name, t.enabled, t.hook]),
    [
      ['a', true, undefined],
      ['off', false, undefined],
    ],
  );
  assert.ok(Object.keys(r.templates[0]!.body.Resources).length > 0);
});

test('readTemplateFiles: every problem at once, each named by its entry', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-tpl-'));
  writeFileSync(path.join(dir, 'body.json'), BODY);
  writeFileSync(path.join(dir, 'broken.json'), '{"Resources": ');
  writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ Parameters: {}, Resources: { r: { Type: 'AWS::Nope' } } }));
  const r = readTemplateFiles([entry('gone', 'missing.json'), entry('json', 'broken.json'), entry('rules', 'bad.json'), entry('hook', 'body.json', 'no-hook.mjs')], dir);
  assert.equal(r.templates.length, 0);
  const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
  assert.match(byPath['[gone].file'] ?? '', /file not found: .*missing\.json/);
  assert.match(byPath['[json].file'] ?? '', /broken\.json is not valid JSON/);
  assert.ok(r.issues.some((i) => i.path.startsWith('[rules] bad.json: Resources')), JSON.stringify(r.issues));
  assert.match(byPath['[hook].hook'] ?? '', /hook file not found: .*no-hook\.mjs/);
});

test('resolveEmulatorSection: unset flags take the scenario schema defaults', () => {
  const fromSchema = scenarioSchema.shape.emulator.parse(undefined);
  const resolved = resolveEmulatorSection({});
  assert.deepEqual(resolved, fromSchema);
  assert.equal(resolveEmulatorSection({ keyAlgorithm: 'rsa-2048' }).keyAlgorithm, 'rsa-2048');
  assert.deepEqual(resolveEmulatorSection({ controlPlanePort: 0 }).controlPlane, { port: 0 });
});

test('resolveEmulatorSection: a value the schema refuses is bad input naming the flag', () => {
  assert.throws(
    () => resolveEmulatorSection({ thingGroups: [''] }),
    (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === '--thing-group'),
  );
});

test('emulatorOptionsFor: the section reaches startEmulator with its units, optional parts only when given', () => {
  const base = resolveEmulatorSection({});
  const o = emulatorOptionsFor(base);
  assert.deepEqual(o, {
    keyAlgorithm: base.keyAlgorithm,
    keyPoolSize: base.keyPoolSize,
    tokenTtlMs: base.tokenTtl,
    dropReplies: base.dropReplies,
    tlsSessionResumption: base.tlsSessionResumption,
  });
  const full = emulatorOptionsFor({ ...base, hookTimeout: 2000, thingGroups: ['g'], controlPlane: { port: 9443, rateLimit: 5 } });
  assert.equal(full.hookTimeoutMs, 2000);
  assert.deepEqual(full.thingGroups, ['g']);
  assert.deepEqual(full.controlPlane, { port: 9443, rateLimit: { rate: 5 } });
});
