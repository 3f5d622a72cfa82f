/**
 * Device ⇄ emulator over real mutual TLS on an ephemeral loopback port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { getEventListeners } from 'node:events';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { CertificateAuthority } from '../../src/emulator/pki/index.js';
import { decodePayload, replyTopics, requestTopic } from '../../src/protocol/index.js';
import { VirtualDevice } from '../../src/device/device.js';
import { DeviceConnection, StepFailure } from '../../src/device/connection.js';
import { failureReason } from '../../src/device/decisions.js';
import { deviceTarget, NO_RETRY, runTestDevice, startTestEmulator, TEMPLATE_NAME, TEST_FLOW } from '../helpers/emulator.js';
import { waitUntil } from '../helpers/wait.js';

test('one device provisions, registers its thing and verifies with the issued certificate', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const metrics = new MetricsRecorder(Date.now());
  const r = await runTestDevice(emu, 1, { metrics });
  assert.deepEqual(r.outcome, { kind: 'provisioned' });
  assert.equal(r.thingName, 'fleet-test-001');
  assert.match(r.certificateId ?? '', /^[0-9a-f]{64}$/);
  const cert = emu.registry.getCertificate(r.certificateId ?? '');
  assert.equal(cert?.status, 'ACTIVE');
  assert.deepEqual(emu.registry.listThingPrincipals('fleet-test-001'), [cert?.certificateArn]);
  const snap = metrics.drain();
  for (const step of ['connect', 'subscribe', 'create_certificate', 'register_thing', 'verify_connect', 'verify_publish', 'provision']) {
    assert.ok(snap.histograms[step] !== undefined && snap.histograms[step] !== '', `step ${step} was timed`);
  }
  assert.equal(snap.outcomes.provisioned, 1);
});

test('the csr flow and MQTT 5 provision as well', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const r = await runTestDevice(emu, 7, { flow: { certificate: 'csr', keyAlgorithm: 'ec-p256', mqttVersion: 5 } });
  assert.deepEqual(r.outcome, { kind: 'provisioned' });
  assert.equal(r.thingName, 'fleet-test-007');
});

/** A raw MQTT.js claim connection, for tests that look at replies directly. */
async function claimClient(emu: Awaited<ReturnType<typeof startTestEmulator>>, clientId: string) {
  return mqtt.connectAsync({
    protocol: 'mqtts',
    host: emu.host,
    port: emu.port,
    servername: 'localhost',
    ca: emu.caPem,
    cert: emu.claim.certificatePem,
    key: emu.claim.privateKeyPem,
    clientId,
    reconnectPeriod: 0,
  });
}

function nextMessage(client: mqtt.MqttClient, timeoutMs = 3000): Promise<{ topic: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message')), timeoutMs);
    client.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, body: decodePayload('json', payload) as Record<string, unknown> });
    });
  });
}

test('replies go only to the requesting connection, even when another device subscribed the same topics', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const a = await claimClient(emu, 'device-a');
  const b = await claimClient(emu, 'device-b');
  t.after(() => {
    a.end(true);
    b.end(true);
  });
  const topics = replyTopics('CreateKeysAndCertificate', 'json');
  await a.subscribeAsync(topics, { qos: 1 });
  await b.subscribeAsync(topics, { qos: 1 });
  const seenByA: string[] = [];
  const seenByB: string[] = [];
  a.on('message', (_t, p) => seenByA.push(String((decodePayload('json', p) as { certificateId: string }).certificateId)));
  b.on('message', (_t, p) => seenByB.push(String((decodePayload('json', p) as { certificateId: string }).certificateId)));
  // both ask at once
  await Promise.all([
    a.publishAsync(requestTopic('CreateKeysAndCertificate', 'json'), '{}', { qos: 1 }),
    b.publishAsync(requestTopic('CreateKeysAndCertificate', 'json'), '', { qos: 1 }), // empty payload is valid too
  ]);
  await waitUntil(() => seenByA.length >= 1 && seenByB.length >= 1, 3000, 'a reply on each connection');
  // a stray copy of one's reply would have been written to the other at the same time; an UNSUBACK
  // comes after anything the broker wrote to that connection before it
  await Promise.all([a.unsubscribeAsync('fleetsim/barrier'), b.unsubscribeAsync('fleetsim/barrier')]);
  assert.equal(seenByA.length, 1, 'A got exactly one reply');
  assert.equal(seenByB.length, 1, 'B got exactly one reply');
  assert.notEqual(seenByA[0], seenByB[0], 'each got its own certificate');
});

test('a reused ownership token is rejected with 400 InvalidCertificateOwnershipToken', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const c = await claimClient(emu, 'token-reuser');
  t.after(() => c.end(true));
  await c.subscribeAsync([...replyTopics('CreateKeysAndCertificate', 'json'), ...replyTopics('RegisterThing', 'json', TEMPLATE_NAME)], { qos: 1 });
  const created = nextMessage(c);
  await c.publishAsync(requestTopic('CreateKeysAndCertificate', 'json'), '{}', { qos: 1 });
  const { body: keys } = await created;
  const token = keys.certificateOwnershipToken as string;
  const register = async () => {
    const reply = nextMessage(c);
    await c.publishAsync(requestTopic('RegisterThing', 'json', TEMPLATE_NAME), JSON.stringify({ certificateOwnershipToken: token, parameters: { SerialNumber: '042' } }), { qos: 1 });
    return reply;
  };
  const first = await register();
  assert.match(first.topic, /\/accepted$/);
  assert.equal(first.body.thingName, 'fleet-test-042');
  const second = await register();
  assert.match(second.topic, /\/rejected$/);
  assert.equal(second.body.statusCode, 400);
  assert.equal(second.body.errorCode, 'InvalidCertificateOwnershipToken');
  // an unknown token too
  const reply = nextMessage(c);
  await c.publishAsync(requestTopic('RegisterThing', 'json', TEMPLATE_NAME), JSON.stringify({ certificateOwnershipToken: 'nope' }), { qos: 1 });
  const third = await reply;
  assert.equal(third.body.statusCode, 400);
  assert.equal(third.body.errorCode, 'InvalidCertificateOwnershipToken');
});

test('a certificate the emulator did not issue is refused at connect; an issued but unregistered one too', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  // a certificate from a foreign CA: the TLS handshake fails
  const foreignCa = CertificateAuthority.create({ subject: { CN: 'someone else' } });
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const foreign = foreignCa.issue({ publicKey: keys.publicKey, subject: { CN: 'intruder' }, usage: 'client' });
  const r = await runTestDevice(emu, 2, {
    target: deviceTarget(emu, { cert: foreign.certificatePem, key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }),
  });
  assert.equal(r.outcome.kind, 'failed');
  assert.match((r.outcome as { reason: string }).reason, /^connect: (connect-error|refused)/);
  assert.equal(new X509Certificate(foreign.certificatePem).checkIssued(new X509Certificate(emu.caPem)), false);

  // signed by the emulator's CA but never registered (PENDING_ACTIVATION): CONNACK refuses it
  const c = await claimClient(emu, 'creator');
  t.after(() => c.end(true));
  await c.subscribeAsync(replyTopics('CreateKeysAndCertificate', 'json'), { qos: 1 });
  const created = nextMessage(c);
  await c.publishAsync(requestTopic('CreateKeysAndCertificate', 'json'), '{}', { qos: 1 });
  const { body } = await created;
  await assert.rejects(
    mqtt.connectAsync({
      protocol: 'mqtts', host: emu.host, port: emu.port, servername: 'localhost', ca: emu.caPem,
      cert: body.certificatePem as string, key: body.privateKey as string, clientId: 'pending-cert', reconnectPeriod: 0,
    }),
    (err: Error & { code?: number }) => err.code === 5, // MQTT 3.1.1 CONNACK 5: not authorized
  );
});

for (const v of [4, 5] as const) {
  test(`MQTT ${v === 5 ? '5' : '3.1.1'}: the device names the CONNACK and SUBACK codes it was refused with`, async (t) => {
    const emu = await startTestEmulator();
    t.after(() => emu.close());
    const open = (cert: string, key: string, clientId: string) =>
      DeviceConnection.open({
        host: emu.host, port: emu.port, servername: 'localhost', clientId, protocolVersion: v, keepalive: 30, connectTimeoutMs: 3000,
        secureContext: createSecureContext({ ca: emu.caPem, cert, key }),
      });
    // signed by the emulator's CA but never registered: CONNACK not authorized
    const c = await claimClient(emu, `creator-${v}`);
    t.after(() => c.end(true));
    await c.subscribeAsync(replyTopics('CreateKeysAndCertificate', 'json'), { qos: 1 });
    const created = nextMessage(c);
    await c.publishAsync(requestTopic('CreateKeysAndCertificate', 'json'), '{}', { qos: 1 });
    const { body } = await created;
    await assert.rejects(open(body.certificatePem as string, body.privateKey as string, `pending-${v}`), (err: StepFailure) => {
      assert.equal(err.kind, 'connect-refused');
      assert.equal(err.message, `CONNACK refused: ${v === 5 ? '0x87' : '0x05'} Not authorized`);
      assert.equal(failureReason('connect', err), `connect: refused (${v === 5 ? '0x87' : '0x05'} Not authorized)`);
      return true;
    });
    // the claim certificate may subscribe to its own template's replies only
    const conn = await open(emu.claim.certificatePem, emu.claim.privateKeyPem, `claim-${v}`);
    t.after(() => conn.close());
    const filter = `$aws/provisioning-templates/not-${TEMPLATE_NAME}/provision/json/accepted`;
    await assert.rejects(conn.subscribe([filter], 3000), (err: StepFailure) => {
      assert.equal(err.kind, 'protocol');
      assert.equal(err.message, `SUBACK refused ${filter} (${v === 5 ? '0x87 Not authorized' : '0x80 Failure'})`);
      assert.equal(err.detail.reasonCode, v === 5 ? 0x87 : 0x80);
      return true;
    });
  });
}

test('a device puts one listener on the generator\'s shared stop signal for its whole run, whatever its steps', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const shared = new AbortController();
  const listeners: number[] = [];
  const device = new VirtualDevice(
    { index: 3, clientId: 'test-device-3', serial: '003', parameters: { SerialNumber: '003' } },
    deviceTarget(emu),
    {
      flow: { ...TEST_FLOW, reconnect: { at: 0 } },
      retry: NO_RETRY,
      templateName: TEMPLATE_NAME,
      onStep: () => listeners.push(getEventListeners(shared.signal, 'abort').length),
    },
    new MetricsRecorder(Date.now()),
    shared.signal,
  );
  await device.run();
  // connect, subscribe, create_certificate, subscribe, register_thing, verify_connect, verify_publish, reconnect
  assert.deepEqual(listeners, [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0, 'removed when the device is done');
});
