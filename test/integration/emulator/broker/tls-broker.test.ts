/**
 * MQTT.js (v4 and v5) against the broker over real mutual TLS on 127.0.0.1:0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { BrokerClient, ConnectRefusal, DisconnectReason } from '../../../../src/emulator/broker/types.js';
import { startTlsFixture, type TlsFixture } from './tls-fixture.js';
import { waitForEvent } from '../../../helpers/wait.js';

const VERSIONS = [4, 5] as const;

function nextMessage(client: MqttClient, ms = 3000): Promise<[string, Buffer]> {
  return waitForEvent<[string, Buffer]>(client, 'message', ms);
}

async function expectNoMessage(client: MqttClient, ms = 200): Promise<void> {
  await assert.rejects(nextMessage(client, ms), /no 'message'/);
}

describe('broker over mutual TLS with MQTT.js', () => {
  let fx: TlsFixture;
  const events: string[] = [];
  const refusals = new Map<string, ConnectRefusal>();

  before(async () => {
    fx = await startTlsFixture({
      hooks: {
        authenticate: (req) => {
          const reason = refusals.get(req.clientId);
          return reason ? { ok: false, reason } : { ok: true, context: req.transport.peerCertificate?.subject };
        },
        authorizeSubscribe: (_c, filter) => (filter.startsWith('forbidden/') ? 'deny' : 'allow'),
        authorizePublish: (_c, topic) => (topic === 'kick/me' ? 'disconnect' : 'allow'),
        onConnected: (c: BrokerClient) => events.push(`up:${c.clientId}`),
        onDisconnected: (c: BrokerClient, r: DisconnectReason) => events.push(`down:${c.clientId}:${r}`),
      },
    });
  });

  after(async () => {
    await fx.close();
  });

  for (const v of VERSIONS) {
    it(`v${v}: connects and records certificate, ALPN and SNI in TransportInfo`, async () => {
      const client = await fx.connect({ protocolVersion: v, clientId: `tls-v${v}`, ALPNProtocols: ['x-amzn-mqtt-ca'] });
      const bc = fx.broker.getClient(`tls-v${v}`);
      assert.ok(bc, 'registered');
      assert.equal(bc.protocolVersion, v);
      assert.equal(bc.transport.alpnProtocol, 'x-amzn-mqtt-ca');
      assert.equal(bc.transport.servername, 'localhost');
      assert.equal(bc.transport.remoteAddress, '127.0.0.1');
      assert.equal(bc.transport.peerCertificate?.subject, 'CN=device-1');
      assert.equal(bc.context, 'CN=device-1', 'authenticate context kept');
      await client.endAsync();
    });

    it(`v${v}: refuses invalid client ids with the version's CONNACK code`, async () => {
      for (const clientId of ['$reserved', 'x'.repeat(129)]) {
        const outcome = await fx.tryConnect({ protocolVersion: v, clientId });
        assert.equal(outcome.error?.code, v === 5 ? 0x85 : 2, clientId.slice(0, 9));
      }
    });

    it(`v${v}: authenticate refusals map to CONNACK codes`, async () => {
      const table: Array<[ConnectRefusal, number, number]> = [
        ['notAuthorized', 0x87, 5],
        ['badUsernameOrPassword', 0x86, 4],
        ['serverUnavailable', 0x88, 3],
        ['quotaExceeded', 0x97, 3],
        ['connectionRateExceeded', 0x9f, 3],
      ];
      for (const [reason, v5, v4] of table) {
        const clientId = `refuse-${reason}-${v}`;
        refusals.set(clientId, reason);
        const outcome = await fx.tryConnect({ protocolVersion: v, clientId });
        assert.equal(outcome.error?.code, v === 5 ? v5 : v4, reason);
      }
    });
  }

  it('routes a publish between v4 and v5 clients both ways, never back to the publisher', async () => {
    const a = await fx.connect({ protocolVersion: 4, clientId: 'route-a' });
    const b = await fx.connect({ protocolVersion: 5, clientId: 'route-b' });
    const seen: string[] = [];
    a.on('message', (topic, payload) => seen.push(`a<${topic}:${String(payload)}`));
    b.on('message', (topic, payload) => seen.push(`b<${topic}:${String(payload)}`));
    await a.subscribeAsync('chat/#', { qos: 1 });
    await b.subscribeAsync('chat/+', { qos: 1 });
    const atB = nextMessage(b);
    await a.publishAsync('chat/x', 'from-v4', { qos: 1 });
    await atB;
    const atA = nextMessage(a);
    await b.publishAsync('chat/y', 'from-v5', { qos: 0 });
    await atA;
    await expectNoMessage(a);
    assert.deepEqual(seen, ['b<chat/x:from-v4', 'a<chat/y:from-v5']);
    await Promise.all([a.endAsync(), b.endAsync()]);
  });

  it('deliver() reaches only the target even when another client subscribed the same topic', async () => {
    const topic = '$aws/certificates/create/json/accepted';
    const target = await fx.connect({ protocolVersion: 5, clientId: 'target' });
    const other = await fx.connect({ protocolVersion: 4, clientId: 'other' });
    await target.subscribeAsync(topic, { qos: 1 });
    await other.subscribeAsync(topic, { qos: 1 });
    const bc = fx.broker.getClient('target')!;
    assert.equal(bc.isSubscribed(topic), true);
    const got = nextMessage(target);
    assert.equal(bc.deliver(topic, Buffer.from('{"certificateId":"x"}'), 1), true);
    assert.equal(String((await got)[1]), '{"certificateId":"x"}');
    await expectNoMessage(other);
    await Promise.all([target.endAsync(), other.endAsync()]);
  });

  it('takes over a duplicate client id: the old v5 client gets DISCONNECT 0x8E', async () => {
    const old = await fx.connect({ protocolVersion: 5, clientId: 'dup' });
    const disconnected = waitForEvent<[{ reasonCode?: number }]>(old, 'disconnect');
    const closed = waitForEvent(old, 'close');
    const fresh = await fx.connect({ protocolVersion: 4, clientId: 'dup' });
    assert.equal((await disconnected)[0].reasonCode, 0x8e);
    await closed;
    assert.ok(events.includes('down:dup:takeover'));
    assert.equal(fx.broker.getClient('dup')?.protocolVersion, 4);
    assert.equal(fx.broker.getClient('dup')?.connected, true);
    await fresh.endAsync();
  });

  for (const v of VERSIONS) {
    it(`v${v}: authorizeSubscribe deny gives a failure SUBACK code; QoS 2 is granted as 1`, async () => {
      const client = await fx.connect({ protocolVersion: v, clientId: `sub-${v}` });
      const granted = await client.subscribeAsync('qos2/topic', { qos: 2 });
      assert.equal(granted[0]?.qos, 1);
      const err = (await client.subscribeAsync(['forbidden/a', 'ok/b'], { qos: 1 }).then(
        () => assert.fail('subscribe should fail'),
        (e: unknown) => e,
      )) as { packet?: { granted?: number[] } };
      assert.deepEqual(err.packet?.granted, [v === 5 ? 0x87 : 0x80, 1]);
      await client.endAsync();
    });

    it(`v${v}: authorizePublish 'disconnect' closes the connection`, async () => {
      const clientId = `kick-${v}`;
      const client = await fx.connect({ protocolVersion: v, clientId });
      const closed = waitForEvent(client, 'close');
      const disconnect = v === 5 ? waitForEvent<[{ reasonCode?: number }]>(client, 'disconnect') : null;
      client.publish('kick/me', 'x', { qos: 0 });
      await closed;
      if (disconnect) assert.equal((await disconnect)[0].reasonCode, 0x87);
      assert.ok(events.includes(`down:${clientId}:not-authorized`));
      assert.equal(fx.broker.getClient(clientId), undefined);
      client.end(true);
    });
  }

  it('v5: keep-alive clamping is visible as serverKeepAlive in CONNACK', async () => {
    const cases: Array<[number, number | undefined]> = [
      [5, 30],
      [0, 1200],
      [3600, 1200],
      [60, undefined],
    ];
    for (const [requested, expected] of cases) {
      const outcome = await fx.tryConnect({ protocolVersion: 5, clientId: `ka-${requested}`, keepalive: requested });
      assert.equal(outcome.connack?.properties?.serverKeepAlive, expected, `keepalive ${requested}`);
      assert.equal(fx.broker.getClient(`ka-${requested}`)?.keepalive, expected ?? requested);
    }
  });
});
