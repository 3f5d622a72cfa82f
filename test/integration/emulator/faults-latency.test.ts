/**
 * Injected latency and seeded faults through the emulator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REJECTIONS } from '../../../src/protocol/index.js';
import type { EmulatorOptions } from '../../../src/emulator/emulator.js';
import { claimOf, startTestEmulator } from '../../helpers/emulator.js';
import { acceptedBody, connect, request, tryConnect } from './emu-client.js';
import { waitForEvent } from '../../helpers/wait.js';
import type { EmulatorStats } from '../../../src/protocol/emulator-stats.js';

const totals = (emu: { stats(): EmulatorStats }) => emu.stats().totals;

test('error500: requests are answered 500 with the table errorCode', async (t) => {
  const emu = await startTestEmulator({ faults: { seed: 1, error500: 1 } });
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'e500' });
  t.after(() => c.end(true));
  const r = await request(c, 'CreateKeysAndCertificate', {});
  assert.equal(r.kind === 'rejected' && r.body.statusCode, 500);
  assert.equal(r.kind === 'rejected' && r.body.errorCode, REJECTIONS.internalError.errorCode);
  assert.equal(totals(emu)['faults{kind=error500,api=CreateKeysAndCertificate}'], 1);
});

for (const [label, opts] of [
  ['faults.dropReplies', { faults: { seed: 1, dropReplies: 1 } }],
  ['the old top-level dropReplies', { dropReplies: 1 }],
] as Array<[string, Partial<EmulatorOptions>]>) {
  test(`${label}: replies are never sent, though the work is done and counted`, async (t) => {
    const emu = await startTestEmulator(opts);
    t.after(() => emu.close());
    const c = await connect(emu, claimOf(emu), { clientId: 'dropper' });
    t.after(() => c.end(true));
    const r = await request(c, 'CreateKeysAndCertificate', {}, { ms: 400 });
    assert.equal(r.kind, 'none');
    assert.equal(totals(emu)['dropped{api=CreateKeysAndCertificate}'], 1);
    assert.equal(totals(emu)['accepted{api=CreateKeysAndCertificate}'], 1);
  });
}

test('disconnect at an API: the connection is closed instead of answered (v5: DISCONNECT 0x80)', async (t) => {
  const emu = await startTestEmulator({ faults: { seed: 1, disconnect: { ratio: 1, at: 'CreateKeysAndCertificate' } } });
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'cut', protocolVersion: 5 });
  t.after(() => c.end(true));
  const disconnect = waitForEvent<[{ reasonCode?: number }]>(c, 'disconnect');
  void request(c, 'CreateKeysAndCertificate', {}, { ms: 500 });
  assert.equal((await disconnect)[0].reasonCode, 0x80);
  assert.equal(totals(emu)['faults{kind=disconnect,api=CreateKeysAndCertificate}'], 1);
  // RegisterThing is not affected
  const d = await connect(emu, claimOf(emu), { clientId: 'other' });
  t.after(() => d.end(true));
  const r = await request(d, 'RegisterThing', { certificateOwnershipToken: 'nope' });
  assert.equal(r.kind, 'rejected');
});

test('disconnect at connect: the connection is dropped right after CONNACK', async (t) => {
  const emu = await startTestEmulator({ faults: { seed: 1, disconnect: { ratio: 1, at: 'connect' } } });
  t.after(() => emu.close());
  const o = await tryConnect(emu, claimOf(emu), { clientId: 'flaky', protocolVersion: 5 });
  t.after(() => o.client.end(true));
  assert.ok(o.connack);
  await waitForEvent(o.client, 'close');
  assert.equal(totals(emu)['faults{kind=disconnect,api=connect}'], 1);
});

test('the same seed gives the same faults through the emulator', async (t) => {
  const pattern = async (seed: number) => {
    const emu = await startTestEmulator({ faults: { seed, error500: 0.5 } });
    const c = await connect(emu, claimOf(emu), { clientId: `seed-${seed}` });
    let out = '';
    for (let i = 0; i < 16; i++) out += (await request(c, 'CreateKeysAndCertificate', {})).kind === 'accepted' ? 'A' : 'E';
    await c.endAsync();
    await emu.close();
    return out;
  };
  const a = await pattern(42);
  t.diagnostic(`seed 42: ${a}`);
  assert.equal(await pattern(42), a);
  assert.match(a, /A/);
  assert.match(a, /E/);
});

test('injected latency delays one API without holding up the others', async (t) => {
  const emu = await startTestEmulator({ latency: { RegisterThing: { fixed: 400 } } });
  t.after(() => emu.close());
  const a = await connect(emu, claimOf(emu), { clientId: 'slow' });
  const b = await connect(emu, claimOf(emu), { clientId: 'fast' });
  t.after(() => [a, b].forEach((c) => c.end(true)));
  const created = acceptedBody(await request(a, 'CreateKeysAndCertificate', {}));
  const started = performance.now();
  const slow = request(a, 'RegisterThing', { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: '071' } }).then((r) => ({
    r,
    ms: performance.now() - started,
  }));
  const fast = await request(b, 'CreateKeysAndCertificate', {});
  const fastMs = performance.now() - started;
  assert.equal(fast.kind, 'accepted');
  const { r, ms } = await slow;
  assert.equal(acceptedBody(r).thingName, 'fleet-test-071');
  assert.ok(ms >= 390, `RegisterThing took ${ms.toFixed(0)} ms with 400 ms injected`);
  assert.ok(fastMs < ms, `CreateKeysAndCertificate (${fastMs.toFixed(0)} ms) answered while RegisterThing waited`);
});
