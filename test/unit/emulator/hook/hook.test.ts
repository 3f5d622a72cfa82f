import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HookLoadError, HookRunner, isProvisioningAllowed, loadHookModule, type HookEvent } from '../../../../src/emulator/hook/hook-runner.js';
import { resolveTemplateHook } from '../../../../src/emulator/hook/hook-config.js';
import { Latency } from '../../../../src/emulator/shaping/latency.js';
import { REPO_ROOT } from '../../../helpers/emulator.js';

const PEM = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(600)}\n-----END CERTIFICATE-----\n`;
const EVENT: HookEvent = {
  claimCertificateId: 'c'.repeat(64),
  certificateId: 'd'.repeat(64),
  certificatePem: PEM,
  templateArn: 'arn:aws:iot:us-east-1:123456789012:provisioningtemplate/t',
  clientId: 'dev-1',
  parameters: { SerialNumber: '001' },
};

test('allowProvisioning: true, "true" and 1 allow; anything else denies', () => {
  for (const v of [true, 'true', 'TRUE', 1]) assert.equal(isProvisioningAllowed(v), true, String(v));
  for (const v of [false, 'false', 0, 2, 'yes', null, undefined, {}]) assert.equal(isProvisioningAllowed(v), false, String(v));
});

test('the hook gets the event and its overrides come back as strings', async () => {
  const r = new HookRunner();
  let seen: HookEvent | undefined;
  const out = await r.invoke('t', async (e) => {
    seen = e;
    return { allowProvisioning: 'true', parameterOverrides: { SerialNumber: 'X-001', Count: 3, Drop: { nested: 1 } } };
  }, EVENT);
  assert.deepEqual(seen, EVENT);
  assert.deepEqual(out, { allowed: true, parameterOverrides: { SerialNumber: 'X-001', Count: '3' } });
  const denied = await r.invoke('t', () => ({ allowProvisioning: false }), EVENT);
  assert.equal(denied.allowed, false);
  assert.equal(!denied.allowed && denied.reason, 'denied');
  const s = r.stats();
  assert.equal(s.invocations, 2);
  assert.equal(s.allowed, 1);
  assert.equal(s.denied, 1);
  assert.equal(s.latency.count, 2, 'every call is in the hook latency histogram');
});

test('a throwing hook is denied and logged as CloudWatch would show it, certificate PEM shortened', async () => {
  const r = new HookRunner({ keepFailures: 2 });
  const buggy = await loadHookModule(path.join(REPO_ROOT, 'scenarios/hooks/buggy-hook.mjs'));
  for (let i = 0; i < 3; i++) {
    const out = await r.invoke('t', buggy, EVENT);
    assert.equal(out.allowed, false);
    assert.equal(!out.allowed && out.reason, 'error');
    assert.match(!out.allowed ? out.message : '', /^Pre-provisioning hook failed \(TypeError\): .*toUpperCase/);
  }
  const s = r.stats();
  assert.equal(s.errors, 3);
  assert.equal(s.recentErrors.length, 2, 'a bounded list of the last failures');
  const f = s.recentErrors[0]!;
  assert.equal(f.errorType, 'TypeError');
  assert.match(f.errorMessage, /toUpperCase/);
  assert.deepEqual(f.event.parameters, { SerialNumber: '001' });
  assert.equal(f.event.clientId, 'dev-1');
  assert.ok(f.event.certificatePem.length < 100 && f.event.certificatePem.startsWith('-----BEGIN CERTIFICATE-----'), f.event.certificatePem);
  assert.ok(f.stack.some((l) => l.includes('buggy-hook.mjs')), 'the stack points into the hook');
  assert.ok(f.log.some((l) => l.includes('Invoke Error') && l.includes('"errorType":"TypeError"')));
  const [[message, count]] = Object.entries(s.errorsByMessage);
  assert.match(message!, /^TypeError: .*toUpperCase/);
  assert.equal(count, 3);
});

test('no answer within the timeout is a denial; injected hook latency counts toward it', async () => {
  const r = new HookRunner({ timeoutMs: 100 });
  const out = await r.invoke('t', () => new Promise(() => {}), EVENT);
  assert.equal(!out.allowed && out.reason, 'timeout');
  const slow = new HookRunner({ timeoutMs: 100, latency: new Latency({ hook: { fixed: 300 } }) });
  const out2 = await slow.invoke('t', () => ({ allowProvisioning: true }), EVENT);
  assert.equal(!out2.allowed && out2.reason, 'timeout');
  assert.equal(slow.stats().timeouts, 1);
  assert.match(slow.stats().recentErrors[0]!.errorMessage, /timed out after 0.10 seconds/);
  const fast = new HookRunner({ latency: new Latency({ hook: { fixed: 50 } }) });
  await fast.invoke('t', () => ({ allowProvisioning: true }), EVENT);
  assert.ok(fast.stats().latency.p50 >= 45, `hook latency ${fast.stats().latency.p50} ms includes the injected 50 ms`);
});

test('the deny-list example denies listed serials (env or built-in list)', async () => {
  const h = await loadHookModule(path.join(REPO_ROOT, 'scenarios/hooks/deny-list.mjs'));
  const ask = async (serial: string) => ((await h({ ...EVENT, parameters: { SerialNumber: serial } })) as { allowProvisioning: boolean }).allowProvisioning;
  const saved = process.env.FLEETSIM_DENY_SERIALS;
  try {
    delete process.env.FLEETSIM_DENY_SERIALS;
    assert.equal(await ask('013'), false);
    assert.equal(await ask('001'), true);
    process.env.FLEETSIM_DENY_SERIALS = '001, 002';
    assert.equal(await ask('001'), false);
    assert.equal(await ask('013'), true);
    assert.equal(await ask(''), false);
  } finally {
    if (saved === undefined) delete process.env.FLEETSIM_DENY_SERIALS;
    else process.env.FLEETSIM_DENY_SERIALS = saved;
  }
});

test('loading: a module without handler, or a missing file, is a clear HookLoadError', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-hook-'));
  writeFileSync(path.join(dir, 'nohandler.mjs'), 'export const x = 1;\n');
  await assert.rejects(loadHookModule(path.join(dir, 'nohandler.mjs')), (e: Error) => e instanceof HookLoadError && /does not export a function named handler/.test(e.message));
  await assert.rejects(loadHookModule(path.join(dir, 'missing.mjs')), /file not found/);
  writeFileSync(path.join(dir, 'cjs.cjs'), 'exports.handler = async () => ({ allowProvisioning: true });\n');
  assert.equal(typeof (await loadHookModule(path.join(dir, 'cjs.cjs'))), 'function', 'CommonJS handlers work too');
});

test('a template names its hook in the scenario, or in the template file as preProvisioningHook', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetsim-hookcfg-'));
  writeFileSync(path.join(dir, 'h.mjs'), 'export async function handler() { return { allowProvisioning: true }; }\n');
  const templateFile = path.join(dir, 't.json');
  const base = { baseDir: dir, templateFile };
  assert.deepEqual(resolveTemplateHook({ ...base, scenarioHook: 'h.mjs', templateDoc: {} }), { spec: { file: path.join(dir, 'h.mjs') } });
  assert.deepEqual(resolveTemplateHook({ ...base, scenarioHook: undefined, templateDoc: { templateBody: '{}' } }), {});
  const fromFile = resolveTemplateHook({ ...base, scenarioHook: undefined, templateDoc: { preProvisioningHook: { targetArn: './h.mjs', payloadVersion: '2020-04-01' } } });
  assert.deepEqual(fromFile, { spec: { file: path.join(dir, 'h.mjs') } });
  const lambda = resolveTemplateHook({ ...base, scenarioHook: undefined, templateDoc: { preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:1:function:f' } } });
  assert.match('message' in lambda ? lambda.message : '', /Lambda ARN.*emulator.templates\[\]\.hook/);
  const missing = resolveTemplateHook({ ...base, scenarioHook: 'nope.mjs', templateDoc: {} });
  assert.deepEqual('field' in missing && missing.field, 'hook');
  const version = resolveTemplateHook({ ...base, scenarioHook: undefined, templateDoc: { preProvisioningHook: { targetArn: './h.mjs', payloadVersion: '2019' } } });
  assert.match('message' in version ? version.message : '', /2020-04-01/);
});
