/**
 * The CBOR topics end to end: the device's cbor flow (both certificate APIs, MQTT 3.1.1 and 5),
 * and raw requests whose replies come back CBOR-encoded on the cbor reply topics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode as cborDecode } from 'cborg';
import { encodePayload, replyTopics, requestTopic } from '../../../src/protocol/index.js';
import { claimOf, runTestDevice, startTestEmulator, TEMPLATE_NAME } from '../../helpers/emulator.js';
import { acceptedBody, connect, request } from './emu-client.js';
import { waitForEvent } from '../../helpers/wait.js';
import { privateKeyPem } from '../../helpers/pem.js';

const isCborMap = (b: Buffer) => b.length > 0 && b[0]! >> 5 === 5;

test('devices provision over the cbor topics: create-keys on MQTT 3.1.1, csr on MQTT 5', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const [a, b] = await Promise.all([
    runTestDevice(emu, 21, { flow: { format: 'cbor', mqttVersion: 4 } }),
    runTestDevice(emu, 22, { flow: { format: 'cbor', certificate: 'csr', mqttVersion: 5 } }),
  ]);
  assert.deepEqual(a.outcome, { kind: 'provisioned' });
  assert.deepEqual(b.outcome, { kind: 'provisioned' });
  assert.equal(a.thingName, 'fleet-test-021');
  assert.equal(b.thingName, 'fleet-test-022');
  const totals = emu.stats().totals;
  assert.equal(totals['accepted{api=CreateCertificateFromCsr}'], 1);
  assert.equal(totals['accepted{api=RegisterThing}'], 2);
});

test('a cbor request gets a CBOR map on the cbor reply topic, and so does a rejection', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'cbor-raw' });
  t.after(() => c.end(true));
  const [accepted, rejected] = replyTopics('CreateKeysAndCertificate', 'cbor');
  await c.subscribeAsync([accepted, rejected], { qos: 1 });
  const first = waitForEvent<[string, Buffer]>(c, 'message');
  c.publish(requestTopic('CreateKeysAndCertificate', 'cbor'), encodePayload('cbor', {}), { qos: 1 });
  const [topic, payload] = await first;
  assert.equal(topic, accepted);
  assert.ok(isCborMap(payload), 'a CBOR map, not JSON text');
  const body = cborDecode(payload) as Record<string, unknown>;
  assert.match(String(body.certificateId), /^[0-9a-f]{64}$/);
  assert.match(String(body.privateKey), privateKeyPem());

  const second = waitForEvent<[string, Buffer]>(c, 'message');
  c.publish(requestTopic('CreateKeysAndCertificate', 'cbor'), Buffer.from('{"json": "on the cbor topic"}'), { qos: 1 });
  const [rtopic, rpayload] = await second;
  assert.equal(rtopic, rejected);
  assert.ok(isCborMap(rpayload));
  const err = cborDecode(rpayload) as Record<string, unknown>;
  assert.equal(err.statusCode, 400);
  assert.match(String(err.errorMessage), /CBOR/);

  const reg = await request(c, 'RegisterThing', { certificateOwnershipToken: body.certificateOwnershipToken, parameters: { SerialNumber: '023' } }, { format: 'cbor', templateName: TEMPLATE_NAME });
  assert.deepEqual(acceptedBody(reg), { deviceConfiguration: { 'fleet-prov': 'test' }, thingName: 'fleet-test-023' });
});
