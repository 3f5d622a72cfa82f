/**
 * Replies: sent on the request topic as received plus /accepted|/rejected (an invalid template name
 * under a wildcard claim policy gets its 404 instead of taking the emulator down), at the QoS the
 * device was granted for the reply topic at most.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { decodePayload, replyTopics } from '../../../src/protocol/index.js';
import { claimOf, startTestEmulator } from '../../helpers/emulator.js';
import { connect, request } from './emu-client.js';
import { waitForEvent } from '../../helpers/wait.js';

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };

async function rawRequest(client: MqttClient, topic: string, body: Record<string, unknown>): Promise<{ topic: string; body: Record<string, unknown> }> {
  await client.subscribeAsync([`${topic}/accepted`, `${topic}/rejected`], { qos: 1 });
  const got = waitForEvent<[string, Buffer]>(client, 'message');
  client.publish(topic, JSON.stringify(body), { qos: 1 });
  const [t, p] = await got;
  return { topic: t, body: decodePayload('json', p) as Record<string, unknown> };
}

test('a RegisterThing topic with an invalid template name gets 404 on its own reply topic; the emulator stays up', async (t) => {
  const emu = await startTestEmulator({ claimPolicy: ALLOW_ALL });
  t.after(() => emu.close());
  const c = await connect(emu, claimOf(emu), { clientId: 'odd-names' });
  t.after(() => c.end(true));
  for (const name of ['bad.name', 'x'.repeat(37)]) {
    const topic = `$aws/provisioning-templates/${name}/provision/json`;
    const r = await rawRequest(c, topic, { certificateOwnershipToken: 'x', parameters: {} });
    assert.equal(r.topic, `${topic}/rejected`);
    assert.equal(r.body.statusCode, 404, JSON.stringify(r.body));
  }
  // still serving, on the same connection
  const ok = await request(c, 'CreateKeysAndCertificate', {});
  assert.equal(ok.kind, 'accepted');
  assert.equal(emu.stats().totals['internal_errors{api=RegisterThing}'], undefined);
});

test('a reply is delivered at the QoS granted for its topic at most (0 for a QoS 0 subscription)', async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.close());
  for (const v of [4, 5] as const) {
    for (const qos of [0, 1] as const) {
      const c = await connect(emu, claimOf(emu), { clientId: `qos-${v}-${qos}`, protocolVersion: v });
      const [accepted, rejected] = replyTopics('CreateKeysAndCertificate', 'json');
      await c.subscribeAsync([accepted, rejected], { qos });
      const got = waitForEvent<[string, Buffer, { qos: number }]>(c, 'message');
      c.publish('$aws/certificates/create/json', '{}', { qos: 1 });
      const [topic, , packet] = await got;
      assert.equal(topic, accepted);
      assert.equal(packet.qos, qos, `MQTT ${v}, subscribed at QoS ${qos}`);
      c.end(true);
    }
  }
});
