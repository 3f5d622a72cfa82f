/**
 * The scenario's emulator section reaches the emulator thread: quotas, latency, faults, the hook
 * timeout, and hooks named in the scenario or in the template file (preProvisioningHook).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadScenario } from '../../../src/scenario/load.js';
import { loadTemplates, targetStarter } from '../../../src/index.js';
import { InputError } from '../../../src/util/errors.js';
import { REPO_ROOT } from '../../helpers/emulator.js';

function workspace(emulatorYaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-emu-wiring-'));
  cpSync(path.join(REPO_ROOT, 'scenarios'), path.join(dir, 'scenarios'), { recursive: true });
  const template = JSON.parse(readFileSync(path.join(REPO_ROOT, 'scenarios/templates/fleet-prov-test-template.json'), 'utf8')) as unknown;
  writeFileSync(
    path.join(dir, 'scenarios/templates/with-hook.json'),
    JSON.stringify({ templateBody: JSON.stringify(template), preProvisioningHook: { targetArn: '../hooks/deny-list.mjs', payloadVersion: '2020-04-01' } }),
  );
  writeFileSync(
    path.join(dir, 'scenarios/s.yaml'),
    `fleet: {devices: 1, templateName: fleet-prov-test-template, parameters: {SerialNumber: "{serial}"}}
load: {model: closed, concurrency: 1}
emulator:
${emulatorYaml}`,
  );
  return path.join(dir, 'scenarios/s.yaml');
}

const GOOD = `  templates:
    - {name: fleet-prov-test-template, file: templates/fleet-prov-test-template.json, hook: hooks/buggy-hook.mjs}
    - {name: from-file, file: templates/with-hook.json}
  quotas: {RegisterThing: {rate: 10, burst: 10}, connectPerClientId: unlimited, publishPerConnection: 50}
  latency: {CreateKeysAndCertificate: {fixed: 100ms}, RegisterThing: {p50: 40ms, p99: 300ms}, hook: {uniform: [5ms, 20ms]}}
  faults: {seed: 42, dropReplies: 0.01, error500: 0.01, disconnect: {ratio: 0.05, at: CreateKeysAndCertificate}}
  hookTimeout: 2s
  tlsSessionResumption: true
  thingGroups: [fleet-a, fleet-b]
`;

test('the emulator section is parsed, hooks are resolved, and the options reach the emulator thread', async () => {
  const file = workspace(GOOD);
  const loaded = await loadScenario(file);
  const e = loaded.scenario.emulator;
  assert.deepEqual(e.quotas, { RegisterThing: { rate: 10, burst: 10 }, connectPerClientId: 'unlimited', publishPerConnection: 50 });
  assert.deepEqual(e.latency?.RegisterThing, { p50: 40, p99: 300 });
  assert.deepEqual(e.latency?.hook, { uniform: [5, 20] });
  assert.equal(e.hookTimeout, 2000);
  const templates = loadTemplates(loaded);
  assert.deepEqual(templates[0]!.hook, { file: path.join(path.dirname(file), 'hooks/buggy-hook.mjs') });
  assert.deepEqual(templates[1]!.hook, { file: path.join(path.dirname(file), 'hooks/deny-list.mjs') }, 'preProvisioningHook.targetArn, relative to the template file');
  const target = await targetStarter(loaded)();
  try {
    assert.ok(target.stats !== undefined, 'an emulator target has stats');
    const stats = await target.stats();
    assert.deepEqual(stats.quotas.RegisterThing, { rate: 10, burst: 10 });
    assert.equal(stats.quotas.connectPerClientId, 'unlimited');
    assert.deepEqual(stats.quotas.publishPerConnection, { rate: 50, burst: 50 });
    assert.deepEqual(stats.faults, { seed: 42, dropReplies: 0.01, error500: 0.01, disconnect: { ratio: 0.05, at: 'CreateKeysAndCertificate' } });
    assert.equal(stats.hook.invocations, 0);
    assert.equal(stats.tlsSessionResumption, true, 'emulator.tlsSessionResumption reaches the TLS listener');
    assert.deepEqual(stats.account, { thingGroups: ['fleet-a', 'fleet-b'] }, 'declared thing groups reach the registry; types stay unchecked');
  } finally {
    await target.close();
  }
});

test('bad emulator settings are input errors naming the path and the rule', async (t) => {
  const file = workspace(`  quotas: {RegisterThing: 0, CreateKeys: 5, connectPerAccount: {rate: 5, burst: 0}}
  latency: {RegisterThing: {p50: 300ms, p99: 40ms}, hook: {gaussian: 5}}
  faults: {dropReplies: 2, disconnect: {ratio: 0.1, at: verify}}
`);
  const err = await loadScenario(file).then(
    () => assert.fail('should not load'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof InputError);
  const paths = err.issues.map((i) => i.path);
  t.diagnostic(err.describe());
  for (const p of ['emulator.quotas.RegisterThing', 'emulator.quotas', 'emulator.quotas.connectPerAccount', 'emulator.latency.RegisterThing', 'emulator.latency.hook', 'emulator.faults.dropReplies', 'emulator.faults.disconnect.at']) {
    assert.ok(paths.some((x) => x.startsWith(p)), `an issue at ${p} (got ${paths.join(', ')})`);
  }
});

test('a template file that names a Lambda ARN as its hook is an input error with a way out', async () => {
  const file = workspace(`  templates:
    - {name: fleet-prov-test-template, file: templates/lambda.json}
`);
  writeFileSync(path.join(path.dirname(file), 'templates/lambda.json'), JSON.stringify({ templateBody: readFileSync(path.join(REPO_ROOT, 'scenarios/templates/fleet-prov-test-template.json'), 'utf8'), preProvisioningHook: { targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:check' } }));
  const loaded = await loadScenario(file);
  assert.throws(
    () => loadTemplates(loaded),
    (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'emulator.templates[0].file' && /Lambda ARN/.test(i.message)),
  );
});

test('a hook module without a handler is bad input before the run starts, not a crash', async () => {
  const file = workspace(`  templates:
    - {name: fleet-prov-test-template, file: templates/fleet-prov-test-template.json, hook: hooks/no-handler.mjs}
`);
  writeFileSync(path.join(path.dirname(file), 'hooks/no-handler.mjs'), 'export const handle = () => ({ allowProvisioning: true });\n');
  const loaded = await loadScenario(file);
  assert.throws(
    () => targetStarter(loaded),
    (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'emulator.templates[0].hook' && /Runtime\.HandlerNotFound: no-handler\.handler is undefined or not exported/.test(i.message)),
  );
});
