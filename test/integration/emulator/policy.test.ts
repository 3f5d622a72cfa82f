/**
 * AWS IoT policies over real connections: the claim policy, a custom claim policy, and the
 * template's policy on issued certificates. SUBSCRIBE outside the policy → SUBACK failure;
 * PUBLISH outside it → disconnect (v5: DISCONNECT 0x87 first); CONNECT → CONNACK not authorized.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimOf, startTestEmulator } from '../../helpers/emulator.js';
import { connect, provisionDevice, request, subscribeCodes, tryConnect } from './emu-client.js';
import { waitForEvent, waitUntil } from '../../helpers/wait.js';

for (const v of [4, 5] as const) {
  test(`MQTT ${v === 5 ? '5' : '3.1.1'}: a claim connection subscribing outside its policy gets a SUBACK failure and stays connected`, async (t) => {
    const emu = await startTestEmulator();
    t.after(() => emu.close());
    const c = await connect(emu, claimOf(emu), { clientId: `sub-${v}`, protocolVersion: v });
    t.after(() => c.end(true));
    const codes = await subscribeCodes(c, ['$aws/certificates/create/json/accepted', 'fleetsim/anything', '$aws/provisioning-templates/other-template/provision/json/accepted']);
    const failure = v === 5 ? 0x87 : 0x80;
    assert.deepEqual(codes, [1, failure, failure]);
    assert.equal(c.connected, true);
    const r = await request(c, 'CreateKeysAndCertificate', {});
    assert.equal(r.kind, 'accepted', 'the connection still works');
    assert.equal(emu.stats().totals.subscribes_denied, 2);
  });

  test(`MQTT ${v === 5 ? '5' : '3.1.1'}: a claim connection publishing outside its policy is disconnected`, async (t) => {
    const emu = await startTestEmulator();
    t.after(() => emu.close());
    const c = await connect(emu, claimOf(emu), { clientId: `pub-${v}`, protocolVersion: v });
    t.after(() => c.end(true));
    const disconnect = v === 5 ? waitForEvent<[{ reasonCode?: number }]>(c, 'disconnect') : null;
    const closed = waitForEvent(c, 'close');
    c.publish('fleetsim/not-allowed', 'x', { qos: 1 });
    await closed;
    if (disconnect) assert.equal((await disconnect)[0].reasonCode, 0x87);
    assert.equal(emu.stats().totals.publishes_denied, 1);
  });
}

test('a custom claim policy: iot:Connect by client ID, ${iot:ClientId} in topics, an explicit Deny on receive', async (t) => {
  const arn = 'arn:aws:iot:us-east-1:123456789012:';
  const emu = await startTestEmulator({
    claimPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}client/lab-*` },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${arn}topic/lab/*` },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${arn}topicfilter/lab/\${iot:ClientId}/#` },
        { Effect: 'Deny', Action: 'iot:Receive', Resource: `${arn}topic/lab/*/secret` },
      ],
    },
  });
  t.after(() => emu.close());
  for (const v of [4, 5] as const) {
    const refused = await tryConnect(emu, claimOf(emu), { clientId: `office-${v}`, protocolVersion: v });
    refused.client.end(true);
    assert.equal(refused.error?.code, v === 5 ? 0x87 : 5, `CONNACK not authorized for v${v}`);
  }
  const a = await connect(emu, claimOf(emu), { clientId: 'lab-a' });
  const b = await connect(emu, claimOf(emu), { clientId: 'lab-b' });
  t.after(() => [a, b].forEach((c) => c.end(true)));
  assert.deepEqual(await subscribeCodes(a, ['lab/lab-a/#', 'lab/lab-b/#'], 0), [0, 0x80], '${iot:ClientId} limits a to its own filter');
  const got: string[] = [];
  a.on('message', (topic) => got.push(topic));
  await b.publishAsync('lab/lab-a/secret', 'x', { qos: 1 });
  await b.publishAsync('lab/lab-a/public', 'x', { qos: 1 });
  // secret was routed before public on the same connection: once public is in, secret would be too
  await waitUntil(() => got.includes('lab/lab-a/public'), 3000, 'the public message delivered');
  assert.deepEqual(got, ['lab/lab-a/public'], 'the explicit Deny on iot:Receive wins over the Allow');
  assert.equal(emu.stats().totals.receives_denied, 1);
});

test('an issued certificate gets the template policy: connect as its thing, publish under fleetsim/<thing>/', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  const dev = await provisionDevice(emu, '042');
  assert.equal(dev.thingName, 'fleet-test-042');
  const creds = { cert: dev.cert, key: dev.key };
  const wrongId = await tryConnect(emu, creds, { clientId: 'someone-else', protocolVersion: 5 });
  wrongId.client.end(true);
  assert.equal(wrongId.error?.code, 0x87, 'client/${iot:Connection.Thing.ThingName} only');
  const c = await connect(emu, creds, { clientId: dev.thingName, protocolVersion: 5 });
  t.after(() => c.end(true));
  await c.publishAsync(`fleetsim/${dev.thingName}/hello`, 'hi', { qos: 1 });
  assert.deepEqual(await subscribeCodes(c, ['$aws/certificates/create/json/accepted']), [0x87], 'an issued certificate has no claim rights');
  const disconnect = waitForEvent<[{ reasonCode?: number }]>(c, 'disconnect');
  c.publish('fleetsim/fleet-test-999/hello', 'x', { qos: 1 });
  assert.equal((await disconnect)[0].reasonCode, 0x87);
  // connected under another client ID (a second policy allows any), the thing variables do not
  // resolve: AWS takes the thing name from the client ID, so publishing under the thing is refused
  const cert = emu.registry.getCertificate(dev.certificateId);
  assert.ok(cert !== undefined);
  emu.registry.createPolicy('any-client', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
  emu.registry.attachPolicy('any-client', cert.certificateArn);
  const other = await connect(emu, creds, { clientId: 'not-the-thing-name', protocolVersion: 5 });
  t.after(() => other.end(true));
  const refused = waitForEvent<[{ reasonCode?: number }]>(other, 'disconnect');
  other.publish(`fleetsim/${dev.thingName}/hello`, 'x', { qos: 1 });
  assert.equal((await refused)[0].reasonCode, 0x87, '${iot:Connection.Thing.ThingName} is unresolved for a client ID that is not the thing name');
});

test('the claim policy is in the registry, and the broker checks iot:Receive before a provisioning reply is delivered', async (t) => {
  const arn = 'arn:aws:iot:us-east-1:123456789012:';
  const emu = await startTestEmulator({
    claimPolicy: {
      Statement: [
        { Effect: 'Allow', Action: ['iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive'], Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Receive', Resource: `${arn}topic/$aws/certificates/create/json/accepted` },
      ],
    },
  });
  t.after(() => emu.close());
  const totals = () => emu.stats().totals;
  const claimArn = emu.registry.getCertificate(emu.claim.certificateId)!.certificateArn;
  assert.deepEqual(emu.registry.listAttachedPolicies(claimArn).map((p) => p.policyName), ['fleetsim-claim-policy']);
  const c = await connect(emu, claimOf(emu), { clientId: 'no-receive' });
  t.after(() => c.end(true));
  const topics: string[] = [];
  c.on('message', (topic) => topics.push(topic));
  const r = await request(c, 'CreateKeysAndCertificate', {}, { ms: 400 });
  assert.equal(r.kind, 'none', 'the accepted reply is not delivered');
  // the service counts its answer and hands it to the broker in the same tick
  await waitUntil(() => totals()['accepted{api=CreateKeysAndCertificate}'] === 1, 5000, 'the service answered');
  assert.equal(totals()['accepted{api=CreateKeysAndCertificate}'], 1, 'the service answered');
  assert.equal(totals().receives_denied, 1, "refused by the broker's iot:Receive hook");
  const rej = await request(c, 'CreateKeysAndCertificate', Buffer.from('not json'));
  assert.equal(rej.kind, 'rejected', 'the rejected topic may still be received');
  assert.deepEqual(topics, ['$aws/certificates/create/json/rejected'], 'nothing was delivered before the rejected reply');
  assert.equal(c.connected, true);
  assert.equal(totals().receives_denied, 1);
});
