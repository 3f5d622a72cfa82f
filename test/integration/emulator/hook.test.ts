/**
 * The pre-provisioning hook through the emulator: denials and failures reject RegisterThing with
 * 403, overrides change what the template renders, and the server keeps the failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REJECTIONS } from '../../../src/protocol/index.js';
import type { EmulatorOptions } from '../../../src/emulator/emulator.js';
import { claimOf, exampleTemplateBody, REPO_ROOT, runTestDevice, startTestEmulator, TEMPLATE_NAME } from '../../helpers/emulator.js';
import { acceptedBody, connect, request } from './emu-client.js';

function withHook(hook: string, extra: Partial<EmulatorOptions> = {}) {
  return startTestEmulator({ templates: [{ name: TEMPLATE_NAME, body: exampleTemplateBody(), enabled: true, hook }], ...extra });
}

function writeHook(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-hook-it-'));
  const file = path.join(dir, 'hook.mjs');
  writeFileSync(file, source);
  return file;
}

test('the deny-list hook: listed serials get 403, the rest provision', async (t) => {
  const saved = process.env.FLEETSIM_DENY_SERIALS;
  process.env.FLEETSIM_DENY_SERIALS = '002';
  t.after(() => {
    if (saved === undefined) delete process.env.FLEETSIM_DENY_SERIALS;
    else process.env.FLEETSIM_DENY_SERIALS = saved;
  });
  const emu = await withHook(path.join(REPO_ROOT, 'scenarios/hooks/deny-list.mjs'));
  t.after(() => emu.close());
  const results = await Promise.all([1, 2, 3].map((i) => runTestDevice(emu, i)));
  assert.deepEqual(results.map((r) => r.outcome.kind), ['provisioned', 'failed', 'provisioned']);
  const failed = results[1]!.outcome;
  assert.equal(failed.kind === 'failed' && failed.reason, `register_thing: rejected 403 ${REJECTIONS.accessDenied.errorCode}`);
  const hook = emu.stats().hook;
  assert.equal(hook.invocations, 3);
  assert.equal(hook.denied, 1);
  assert.equal(hook.latency.count, 3);
  assert.equal(emu.registry.getThing('fleet-test-002'), undefined, 'nothing was created for the denied device');
});

test('the buggy hook: every device is denied 403, and the stats show the TypeError and the event', async (t) => {
  const emu = await withHook(path.join(REPO_ROOT, 'scenarios/hooks/buggy-hook.mjs'));
  t.after(() => emu.close());
  const r = await runTestDevice(emu, 7);
  assert.equal(r.outcome.kind === 'failed' && r.outcome.reason, `register_thing: rejected 403 ${REJECTIONS.accessDenied.errorCode} (hook TypeError)`, 'the reason names the hook error');
  const hook = emu.stats().hook;
  assert.equal(hook.errors, 1);
  const f = hook.recentErrors[0]!;
  assert.equal(f.errorType, 'TypeError');
  assert.deepEqual(f.event.parameters, { SerialNumber: '007' });
  assert.equal(f.event.clientId, 'test-device-7');
  assert.match(f.event.templateArn, /^arn:aws:iot:us-east-1:\d{12}:provisioningtemplate\/fleet-prov-test-template$/);
  assert.equal(f.event.claimCertificateId, emu.claim.certificateId);
  assert.match(f.event.certificateId, /^[0-9a-f]{64}$/);
  assert.ok(f.event.certificatePem.length < 100, 'PEM shortened');
  assert.ok(!JSON.stringify(hook).includes('PRIVATE KEY'), 'no private key anywhere in the hook stats');
});

test('parameterOverrides go over the device parameters before the template renders', async (t) => {
  const file = writeHook(`export async function handler(event) {
    return { allowProvisioning: 1, parameterOverrides: { SerialNumber: 'X' + event.parameters.SerialNumber } };
  }\n`);
  const emu = await withHook(file);
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'override-me' });
  t.after(() => c.end(true));
  const created = acceptedBody(await request(c, 'CreateKeysAndCertificate', {}));
  const reg = await request(c, 'RegisterThing', { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: '123' } });
  assert.equal(acceptedBody(reg).thingName, 'fleet-test-X123');
});

test('a hook that does not answer in time rejects with 403, and the token can be used again', async (t) => {
  // the timed-out environment is killed (module state gone): a marker file says "second call"
  const file = writeHook(`import { existsSync, writeFileSync } from 'node:fs';
  const marker = new URL('./called', import.meta.url);
  export async function handler() {
    if (!existsSync(marker)) {
      writeFileSync(marker, '1');
      await new Promise((r) => setTimeout(r, 2000));
    }
    return { allowProvisioning: true };
  }\n`);
  const emu = await withHook(file, { hookTimeoutMs: 200 });
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'slow-hook' });
  t.after(() => c.end(true));
  const created = acceptedBody(await request(c, 'CreateKeysAndCertificate', {}));
  const body = { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: '321' } };
  const first = await request(c, 'RegisterThing', body);
  assert.equal(first.kind === 'rejected' && first.body.statusCode, 403);
  assert.match(String(first.kind === 'rejected' && first.body.errorMessage), /^Pre-provisioning hook failed \(Sandbox\.Timedout\): Task timed out after 0\.20 seconds/);
  const second = await request(c, 'RegisterThing', body);
  assert.equal(acceptedBody(second).thingName, 'fleet-test-321', 'a retry with the same token succeeds once the hook answers');
  const hook = emu.stats().hook;
  assert.equal(hook.timeouts, 1);
  assert.equal(hook.allowed, 1);
});
