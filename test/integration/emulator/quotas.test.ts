/**
 * Quotas over real connections: provisioning APIs (429), connects (CONNACK), publishes (discarded).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REJECTIONS } from '../../../src/protocol/index.js';
import { claimOf, startTestEmulator } from '../../helpers/emulator.js';
import { waitUntil } from '../../helpers/wait.js';
import { acceptedBody, connect, request, tryConnect, type ConnectOutcome } from './emu-client.js';
import type { EmulatorStats } from '../../../src/protocol/emulator-stats.js';

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
const summaryOf = (emu: { stats(): EmulatorStats }) => emu.stats().summary;

test('RegisterThing over its quota is rejected 429 with the table errorCode, and the server counts it', async (t) => {
  const emu = await startTestEmulator({ quotas: { RegisterThing: { rate: 1, burst: 3 } } });
  t.after(() => emu.close());
  const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => connect(emu, claimOf(emu), { clientId: `rt-${i}` })));
  t.after(() => clients.forEach((c) => c.end(true)));
  const tokens = await Promise.all(clients.map(async (c) => acceptedBody(await request(c, 'CreateKeysAndCertificate', {}))));
  const replies = await Promise.all(
    clients.map((c, i) => request(c, 'RegisterThing', { certificateOwnershipToken: tokens[i]!.certificateOwnershipToken, parameters: { SerialNumber: `10${i}` } })),
  );
  const accepted = replies.filter((r) => r.kind === 'accepted').length;
  const throttled = replies.filter((r) => r.kind === 'rejected' && r.body.statusCode === 429);
  assert.ok(accepted === 3 || accepted === 4, `burst 3 (+1 if a second passed): ${accepted} accepted`);
  assert.equal(accepted + throttled.length, 6);
  for (const r of throttled) {
    assert.equal(r.kind === 'rejected' && r.body.errorCode, REJECTIONS.throttled.errorCode);
    assert.match(String(r.kind === 'rejected' && r.body.errorMessage), /Rate exceeded for RegisterThing/);
  }
  const s = summaryOf(emu).apis.RegisterThing!;
  assert.deepEqual(s, { received: 6, accepted, rejected: throttled.length, throttled: throttled.length });
  assert.equal(summaryOf(emu).apis.CreateKeysAndCertificate!.throttled, 0, 'CreateKeysAndCertificate is unlimited by default');
});

test('a throttled request counts against the quota when it arrives, not after the injected latency', async (t) => {
  const emu = await startTestEmulator({ quotas: { CreateKeysAndCertificate: { rate: 0.2, burst: 1 } }, latency: { CreateKeysAndCertificate: { fixed: 600 } } });
  t.after(() => emu.close());
  const a = await connect(emu, claimOf(emu), { clientId: 'lat-a' });
  const b = await connect(emu, claimOf(emu), { clientId: 'lat-b' });
  t.after(() => [a, b].forEach((c) => c.end(true)));
  const started = performance.now();
  const first = request(a, 'CreateKeysAndCertificate', {}, { ms: 4000 }).then((r) => ({ r, ms: performance.now() - started }));
  await waitUntil(() => (emu.stats().totals as Record<string, number>)['received{api=CreateKeysAndCertificate}'] === 1, 3000, 'the first request received');
  const second = await request(b, 'CreateKeysAndCertificate', {}, { ms: 4000 });
  const secondMs = performance.now() - started;
  assert.equal(second.kind === 'rejected' && second.body.statusCode, 429);
  assert.ok(secondMs < 550, `the 429 came at once (${secondMs.toFixed(0)} ms), while the first request was still delayed`);
  const { r, ms } = await first;
  assert.equal(r.kind, 'accepted');
  assert.ok(ms >= 580, `the accepted request took the injected 600 ms (${ms.toFixed(0)} ms)`);
});

for (const v of [5, 4] as const) {
  test(`MQTT ${v === 5 ? '5' : '3.1.1'}: a second CONNECT with the same client ID within a second is refused (${v === 5 ? '0x9F' : 'code 3'})`, async (t) => {
    const emu = await startTestEmulator();
    t.after(() => emu.close());
    const first = await tryConnect(emu, claimOf(emu), { clientId: 'same-id', protocolVersion: v });
    assert.ok(first.connack, 'first connect accepted');
    first.client.end(true);
    const second = await tryConnect(emu, claimOf(emu), { clientId: 'same-id', protocolVersion: v });
    second.client.end(true);
    assert.equal(second.error?.code, v === 5 ? 0x9f : 3);
    const other = await tryConnect(emu, claimOf(emu), { clientId: 'other-id', protocolVersion: v });
    other.client.end(true);
    assert.ok(other.connack, 'another client ID is not affected');
    const s = summaryOf(emu).connects;
    assert.equal(s.throttled, 1);
    assert.equal(s.accepted, 2);
    assert.equal(emu.stats().totals['connects_throttled{quota=connectPerClientId}'], 1);
  });
}

test('connects per account: beyond the burst, CONNACK 0x9F', async (t) => {
  const emu = await startTestEmulator({ quotas: { connectPerAccount: { rate: 0.1, burst: 2 } } });
  t.after(() => emu.close());
  const outcomes: ConnectOutcome[] = [];
  for (const id of ['acct-1', 'acct-2', 'acct-3']) outcomes.push(await tryConnect(emu, claimOf(emu), { clientId: id, protocolVersion: 5 }));
  t.after(() => outcomes.forEach((o) => o.client.end(true)));
  assert.ok(outcomes[0]!.connack && outcomes[1]!.connack);
  assert.equal(outcomes[2]!.error?.code, 0x9f);
  assert.equal(emu.stats().totals['connects_throttled{quota=connectPerAccount}'], 1);
});

test('publishes over the per-connection rate are discarded: no PUBACK, the connection stays up', async (t) => {
  const emu = await startTestEmulator({ claimPolicy: ALLOW_ALL, quotas: { publishPerConnection: { rate: 0.1, burst: 3 } } });
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'pub-rate', protocolVersion: 5 });
  t.after(() => c.end(true));
  const acked = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      Promise.race([c.publishAsync(`test/${i}`, 'x', { qos: 1 }).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]),
    ),
  );
  assert.equal(acked.filter(Boolean).length, 3);
  assert.equal(c.connected, true);
  assert.equal(summaryOf(emu).publishes.throttled, 2);
});
