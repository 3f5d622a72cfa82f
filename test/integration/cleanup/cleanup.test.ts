/**
 * The cleanup engine against the emulator's control plane, through the real AWS SDK client:
 * interrupted halfway and resumed, throttled and retried, already-gone resources, shared policies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createIotClient, runCleanup, type CleanupPlan } from '../../../src/cleanup/index.js';
import type { Emulator } from '../../../src/emulator/emulator.js';
import { runTestDevice, startTestEmulator } from '../../helpers/emulator.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function provisionFleet(emu: Emulator, n: number): Promise<{ things: string[]; certificates: string[] }> {
  const results = [];
  for (let i = 0; i < n; i += 6) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(6, n - i) }, (_, k) => runTestDevice(emu, i + k, { flow: { verify: { enabled: false, topic: 'x' } } })))));
  }
  for (const r of results) assert.equal(r.outcome.kind, 'provisioned');
  return { things: results.map((r) => r.thingName as string), certificates: results.map((r) => r.certificateId as string) };
}

function planFor(created: { things: string[]; certificates: string[] }, url: string): CleanupPlan {
  return { runDir: mkdtempSync(path.join(os.tmpdir(), 'fleetsim-cleanup-')), runId: 'test-run', source: 'test', target: { type: 'aws', controlPlaneUrl: url }, ...created };
}

function assertAllGone(emu: Emulator, created: { things: string[]; certificates: string[] }): void {
  for (const t of created.things) assert.equal(emu.registry.getThing(t), undefined, t);
  for (const c of created.certificates) assert.equal(emu.registry.getCertificate(c), undefined, c);
}

test('a cleanup interrupted halfway resumes from cleanup.json and finishes; a third run makes no call', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 } });
  t.after(() => emu.close());
  const created = await provisionFleet(emu, 12);
  const plan = planFor(created, emu.controlPlaneUrl as string);
  const iot = await createIotClient({ endpoint: emu.controlPlaneUrl as string });
  t.after(() => iot.client.destroy());
  const policiesBefore = emu.registry.counts().policies;

  const stop = new AbortController();
  const first = await runCleanup({
    plan,
    client: iot.client,
    targetLabel: 'emulator',
    rate: 200,
    concurrency: 2,
    signal: stop.signal,
    onProgress: (p) => {
      if (p.phase === 'things' && p.done >= 6) stop.abort();
    },
  });
  assert.equal(first.status, 'interrupted');
  const saved = JSON.parse(readFileSync(path.join(plan.runDir, 'cleanup.json'), 'utf8'));
  assert.equal(saved.status, 'interrupted');
  assert.ok(saved.done.things.length >= 6 && saved.done.things.length < 12, `halfway: ${saved.done.things.length} things done`);
  assert.equal(saved.done.certificates.length, 0);
  assert.ok(emu.registry.counts().things > 0, 'some things are still there');

  const second = await runCleanup({ plan, client: iot.client, targetLabel: 'emulator', rate: 200 });
  assert.equal(second.status, 'completed');
  assert.equal(second.skipped.things, saved.done.things.length, 'things done before are not touched again');
  assert.equal(second.deleted.certificates, 12);
  assertAllGone(emu, created);
  assert.equal(emu.registry.counts().certificates, 1, 'only the claim certificate is left');
  assert.equal(emu.registry.counts().policies, policiesBefore, 'the shared template policy is detached, not deleted');
  const detached = Object.entries(second.policiesDetached);
  assert.equal(detached.length, 1);
  assert.equal(detached[0]?.[1], 12, 'detached from each of the 12 certificates');
  assert.ok(emu.registry.getPolicy(detached[0]?.[0] as string));

  const third = await runCleanup({ plan, client: iot.client, targetLabel: 'emulator', rate: 200 });
  assert.equal(third.status, 'completed');
  assert.equal(third.requests, 0);
  assert.deepEqual(third.skipped, { things: 12, certificates: 12 });
});

test('ThrottlingException from the control plane is retried with backoff until everything is gone', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0, rateLimit: { rate: 40, burst: 4 } } });
  t.after(() => emu.close());
  const created = await provisionFleet(emu, 8);
  const plan = planFor(created, emu.controlPlaneUrl as string);
  const iot = await createIotClient({ endpoint: emu.controlPlaneUrl as string });
  t.after(() => iot.client.destroy());
  const result = await runCleanup({ plan, client: iot.client, targetLabel: 'emulator', rate: 500, concurrency: 8, retry: { maxAttempts: 20, baseMs: 20, maxMs: 500 } });
  assert.equal(result.status, 'completed', JSON.stringify(result.failed));
  assert.ok(result.throttled > 0, 'the client outran the 40/s limit and was throttled');
  assert.ok(result.retries >= result.throttled);
  const cp = emu.stats().controlPlane;
  assert.ok(cp !== undefined, 'the emulator runs a control plane');
  assert.equal(cp.throttled, result.throttled, 'every ThrottlingException was seen and retried');
  assertAllGone(emu, created);
});

test('resources already gone count as done; a certificate without a thing is found by DescribeCertificate', { timeout: 60_000 }, async (t) => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 } });
  t.after(() => emu.close());
  const created = await provisionFleet(emu, 2);
  // a thing deleted by someone else, and names that never existed
  const lone = created.things[1] as string;
  const loneCert = emu.registry.listThingPrincipals(lone)[0] as string;
  emu.registry.detachThingPrincipal(lone, loneCert);
  emu.registry.deleteThing(lone);
  const plan = planFor({ things: [...created.things, 'never-existed'], certificates: [...created.certificates, 'f'.repeat(64)] }, emu.controlPlaneUrl as string);
  const iot = await createIotClient({ endpoint: emu.controlPlaneUrl as string });
  t.after(() => iot.client.destroy());
  const result = await runCleanup({ plan, client: iot.client, targetLabel: 'emulator', rate: 200 });
  assert.equal(result.status, 'completed', JSON.stringify(result.failed));
  assert.deepEqual(result.deleted, { things: 1, certificates: 2 });
  assert.deepEqual(result.alreadyGone, { things: 2, certificates: 1 });
  assertAllGone(emu, created);
});

test('an unreachable control plane stops the cleanup with a clear error and keeps cleanup.json', async () => {
  const emu = await startTestEmulator({ controlPlane: { port: 0 } });
  const url = emu.controlPlaneUrl as string;
  await emu.close();
  const plan = planFor({ things: ['a', 'b'], certificates: [] }, url);
  const iot = await createIotClient({ endpoint: url });
  try {
    await assert.rejects(runCleanup({ plan, client: iot.client, targetLabel: url, rate: 100 }), /cleanup stopped: .*ECONNREFUSED/);
  } finally {
    iot.client.destroy();
  }
  const saved = JSON.parse(readFileSync(path.join(plan.runDir, 'cleanup.json'), 'utf8'));
  assert.deepEqual(saved.done.things, []);
});
