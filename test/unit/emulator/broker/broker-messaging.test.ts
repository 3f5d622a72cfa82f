/**
 * PUBLISH / SUBSCRIBE rules over in-memory streams (packet-exact, no sockets).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '../../../../src/emulator/broker/broker.js';
import type { BrokerClient, BrokerHooks, PublishDecision } from '../../../../src/emulator/broker/types.js';
import { attachRawClient, type RawClient } from './raw-client.js';
import { withBroker } from '../../../helpers/broker.js';
import { withTimeout } from '../../../helpers/wait.js';

async function connectRaw(broker: Broker, version: 4 | 5, clientId: string): Promise<RawClient> {
  const c = attachRawClient(broker, version);
  await c.connect(clientId);
  return c;
}

async function subscribe(c: RawClient, topics: Array<[string, 0 | 1 | 2]>, messageId = 1): Promise<number[]> {
  c.send({ cmd: 'subscribe', messageId, subscriptions: topics.map(([topic, qos]) => ({ topic, qos })) });
  const suback = await c.next('suback');
  assert.equal(suback.messageId, messageId);
  return suback.granted as number[];
}

describe('broker SUBSCRIBE rules', () => {
  it('grants QoS 2 as 1, flags invalid filters and the excess beyond 8 filters (v5 and v4 codes)', async () => {
    await withBroker({}, async (broker) => {
      const nine: Array<[string, 0 | 1 | 2]> = [['q2', 2], ['bad#', 0], ['a/+/c', 0], ['d', 1], ['e', 0], ['f', 0], ['g', 0], ['h', 0], ['ninth', 0]];
      const v5 = await connectRaw(broker, 5, 'v5');
      assert.deepEqual(await subscribe(v5, nine), [1, 0x8f, 0, 1, 0, 0, 0, 0, 0x97]);
      const v4 = await connectRaw(broker, 4, 'v4');
      assert.deepEqual(await subscribe(v4, nine), [1, 0x80, 0, 1, 0, 0, 0, 0, 0x80]);
      assert.equal(broker.getClient('v5')?.isSubscribed('ninth'), false);
      assert.equal(broker.getClient('v4')?.isSubscribed('a/b/c'), true);
    });
  });

  it('caps subscriptions per connection; re-subscribing the same filter does not count twice', async () => {
    await withBroker({ maxSubscriptionsPerConnection: 2 }, async (broker) => {
      const c = await connectRaw(broker, 5, 'cap');
      assert.deepEqual(await subscribe(c, [['a', 0], ['b', 0]]), [0, 0]);
      assert.deepEqual(await subscribe(c, [['a', 1], ['c', 0]], 2), [1, 0x97]);
      c.send({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['b', 'never'] });
      assert.deepEqual((await c.next('unsuback')).granted, [0x00, 0x11]);
      assert.deepEqual(await subscribe(c, [['c', 0]], 4), [0]);
    });
  });

  it('applies authorizeSubscribe: deny → 0x87 / 0x80, disconnect → DISCONNECT 0x87', async () => {
    const hooks: BrokerHooks = {
      authorizeSubscribe: (_c, filter) => (filter === 'kick' ? 'disconnect' : filter.startsWith('$aws/') ? 'allow' : 'deny'),
    };
    await withBroker({ hooks }, async (broker) => {
      const v5 = await connectRaw(broker, 5, 'v5');
      assert.deepEqual(await subscribe(v5, [['$aws/x/accepted', 1], ['other', 1]]), [1, 0x87]);
      const v4 = await connectRaw(broker, 4, 'v4');
      assert.deepEqual(await subscribe(v4, [['other', 0]]), [0x80]);
      v5.send({ cmd: 'subscribe', messageId: 9, subscriptions: [{ topic: 'kick', qos: 0 }] });
      assert.equal((await v5.next('disconnect')).reasonCode, 0x87);
      await withTimeout(v5.closed, 2000, 'kicked');
    });
  });

  it('isSubscribed honours wildcards and the $-topic rule', async () => {
    await withBroker({}, async (broker) => {
      const c = await connectRaw(broker, 4, 'w');
      await subscribe(c, [['#', 0], ['$aws/certificates/create/json/+', 1]]);
      const client = broker.getClient('w')!;
      assert.equal(client.isSubscribed('a/b'), true);
      assert.equal(client.isSubscribed('$aws/certificates/create/json/accepted'), true);
      assert.equal(client.isSubscribed('$aws/provisioning-templates/t/provision/json/accepted'), false);
    });
  });
});

describe('broker PUBLISH rules', () => {
  it('routes to other subscribers only, at min(publish, subscription) QoS, once per client', async () => {
    await withBroker({}, async (broker) => {
      const pub = await connectRaw(broker, 5, 'pub');
      const s4 = await connectRaw(broker, 4, 's4');
      const s5 = await connectRaw(broker, 5, 's5');
      await subscribe(pub, [['t/1', 1]]);
      await subscribe(s4, [['t/1', 0], ['t/+', 1]]);
      await subscribe(s5, [['t/#', 0]]);
      pub.send({ cmd: 'publish', topic: 't/1', payload: Buffer.from('hello'), qos: 1, messageId: 5, dup: false, retain: true });
      assert.equal((await pub.next('puback')).messageId, 5);
      const m4 = await s4.next('publish');
      const m5 = await s5.next('publish');
      assert.deepEqual([m4.qos, m4.retain, String(m4.payload)], [1, false, 'hello']);
      assert.deepEqual([m5.qos, String(m5.payload)], [0, 'hello']);
      s4.send({ cmd: 'puback', messageId: m4.messageId! });
      await assert.rejects(pub.next('publish', 100), /no publish/);
      await assert.rejects(s4.next('publish', 100), /no publish/, 'no duplicate for overlapping filters');
      const stats = broker.stats();
      assert.equal(stats.publishesIn, 1);
      assert.equal(stats.publishesOut, 2);
    });
  });

  it('authorizePublish deny: v5 PUBACK 0x87, v4 PUBACK 0 and dropped; disconnect closes with 0x87', async () => {
    const decide = (topic: string): PublishDecision => (topic === 'deny' ? 'deny' : topic === 'kick' ? 'disconnect' : 'allow');
    await withBroker({ hooks: { authorizePublish: (_c, topic) => decide(topic) } }, async (broker) => {
      const sub = await connectRaw(broker, 4, 'sub');
      await subscribe(sub, [['deny', 1]]);
      const v5 = await connectRaw(broker, 5, 'v5');
      const v4 = await connectRaw(broker, 4, 'v4');
      v5.send({ cmd: 'publish', topic: 'deny', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
      assert.equal((await v5.next('puback')).reasonCode, 0x87);
      v4.send({ cmd: 'publish', topic: 'deny', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
      assert.equal((await v4.next('puback')).messageId, 2);
      await assert.rejects(sub.next('publish', 100), /no publish/);
      v5.send({ cmd: 'publish', topic: 'kick', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
      assert.equal((await v5.next('disconnect')).reasonCode, 0x87);
      v4.send({ cmd: 'publish', topic: 'kick', payload: Buffer.from('x'), qos: 1, messageId: 3, dup: false, retain: false });
      await withTimeout(Promise.all([v5.closed, v4.closed]), 2000, 'kicked publishers');
    });
  });

  it('acks before onPublish; a consumed message is not routed and the reply goes only to the requester', async () => {
    const hooks: BrokerHooks = {
      onPublish: (client: BrokerClient, topic: string) => {
        if (topic !== 'req') return false;
        if (client.isSubscribed('req/accepted')) client.deliver('req/accepted', Buffer.from('reply'), 1);
        return true;
      },
    };
    await withBroker({ hooks }, async (broker) => {
      const requester = await connectRaw(broker, 5, 'r');
      const bystander = await connectRaw(broker, 5, 'b');
      await subscribe(requester, [['req/accepted', 1]]);
      await subscribe(bystander, [['req/accepted', 1], ['req', 0]]);
      requester.send({ cmd: 'publish', topic: 'req', payload: Buffer.from('{}'), qos: 1, messageId: 11, dup: false, retain: false });
      const reply = await requester.next('publish');
      assert.equal(reply.topic, 'req/accepted');
      assert.ok(reply.messageId! > 0);
      assert.deepEqual(requester.log.slice(-2), ['puback', 'publish'], 'PUBACK precedes the reply');
      await assert.rejects(bystander.next('publish', 150), /no publish/);
    });
  });

  it('disconnects on QoS 2 (0x9B), topic alias (0x94), wildcard topic (0x90) and oversized payload (0x95)', async () => {
    await withBroker({ maxPayloadBytes: 16 }, async (broker) => {
      const cases: Array<[number, Parameters<RawClient['send']>[0]]> = [
        [0x9b, { cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 2, messageId: 1, dup: false, retain: false }],
        [0x94, { cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { topicAlias: 1 } }],
        [0x90, { cmd: 'publish', topic: 'a/+', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }],
        [0x95, { cmd: 'publish', topic: 'a', payload: Buffer.alloc(17), qos: 0, dup: false, retain: false }],
      ];
      for (const [code, packet] of cases) {
        const c = await connectRaw(broker, 5, `c${code}`);
        c.send(packet);
        assert.equal((await c.next('disconnect')).reasonCode, code);
        await withTimeout(c.closed, 2000, `close after 0x${code.toString(16)}`);
      }
      const v4 = await connectRaw(broker, 4, 'v4');
      v4.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 2, messageId: 1, dup: false, retain: false });
      await withTimeout(v4.closed, 2000, 'v4 QoS 2 close');
    });
  });

  it('closes on malformed bytes or an oversized packet header and keeps serving others', async () => {
    await withBroker({ maxPayloadBytes: 1024 }, async (broker) => {
      const good = await connectRaw(broker, 4, 'good');
      const garbage = await connectRaw(broker, 4, 'garbage');
      garbage.sendRaw(Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]));
      await withTimeout(garbage.closed, 2000, 'garbage close');
      const huge = await connectRaw(broker, 4, 'huge');
      huge.sendRaw(Buffer.concat([Buffer.from([0x30, 0xff, 0xff, 0x7f]), Buffer.alloc(20_000)]));
      await withTimeout(huge.closed, 2000, 'oversized close');
      good.send({ cmd: 'pingreq' });
      await good.next('pingresp');
      assert.equal(broker.clientCount, 1);
    });
  });

  it('deliver(): QoS 1 packet ids, in-flight window, v5 maximumPacketSize, false after close', async () => {
    await withBroker({ maxInflightOut: 2 }, async (broker) => {
      const c = attachRawClient(broker, 5);
      await c.connect('d', { properties: { maximumPacketSize: 64 } });
      const client = broker.getClient('d')!;
      assert.equal(client.deliver('t', Buffer.from('1'), 1), true);
      assert.equal(client.deliver('t', Buffer.from('2'), 1), true);
      assert.equal(client.deliver('t', Buffer.from('3'), 1), false, 'window of 2 is full');
      assert.equal(client.deliver('t', Buffer.alloc(100), 0), false, 'larger than the client maximum');
      const first = await c.next('publish');
      const second = await c.next('publish');
      assert.notEqual(first.messageId, second.messageId);
      c.send({ cmd: 'puback', messageId: first.messageId!, reasonCode: 0 });
      // the broker handles a connection's packets in order: its PINGRESP means the PUBACK was handled
      c.send({ cmd: 'pingreq' });
      await c.next('pingresp');
      assert.equal(client.deliver('t', Buffer.from('3'), 1), true);
      client.disconnect(0x98);
      assert.equal((await c.next('disconnect')).reasonCode, 0x98);
      assert.equal(client.connected, false);
      assert.equal(client.deliver('t', Buffer.from('4')), false);
    });
  });

  it('broker.publish fans out to every subscriber and counts deliveries', async () => {
    await withBroker({}, async (broker) => {
      const clients = await Promise.all([4, 5, 4, 5].map((v, i) => connectRaw(broker, v as 4 | 5, `f${i}`)));
      for (const c of clients) await subscribe(c, [['$aws/shared/accepted', 1]]);
      assert.equal(broker.publish('$aws/shared/accepted', Buffer.from('all')), 4);
      for (const c of clients) assert.equal(String((await c.next('publish')).payload), 'all');
      assert.equal(broker.publish('nobody', Buffer.from('x')), 0);
      assert.deepEqual(broker.countFilters(), { exact: 1, wildcard: 0 });
    });
  });
});

describe('broker authorizeReceive', () => {
  /** Denies topics under secret/ and counts denials, as the emulator's iot:Receive hook does; logs every call. */
  function receiveRecorder(): { hooks: BrokerHooks; calls: string[]; denied: () => number } {
    const calls: string[] = [];
    let denied = 0;
    const hooks: BrokerHooks = {
      authorizeReceive: (client, topic) => {
        calls.push(`${client.clientId} ${topic}`);
        if (!topic.startsWith('secret/')) return true;
        denied++;
        return false;
      },
    };
    return { hooks, calls, denied: () => denied };
  }

  it('routed publishes: asked once per subscriber and message; a denied subscriber gets nothing and stays connected', async () => {
    const r = receiveRecorder();
    await withBroker({ hooks: r.hooks }, async (broker) => {
      const pub = await connectRaw(broker, 5, 'pub');
      const s4 = await connectRaw(broker, 4, 's4');
      const s5 = await connectRaw(broker, 5, 's5');
      await subscribe(s4, [['secret/#', 1], ['open/#', 1]]);
      await subscribe(s5, [['#', 0]]); // QoS 0: the shared frame cache path
      for (const [messageId, topic] of [[1, 'secret/a'], [2, 'open/a']] as const) {
        pub.send({ cmd: 'publish', topic, payload: Buffer.from(topic), qos: 1, messageId, dup: false, retain: false });
        assert.equal((await pub.next('puback')).messageId, messageId);
      }
      // the secret message went out first, so if it were delivered it would come before open/a
      assert.equal((await s4.next('publish')).topic, 'open/a');
      assert.equal((await s5.next('publish')).topic, 'open/a');
      assert.deepEqual(r.calls.sort(), ['s4 open/a', 's4 secret/a', 's5 open/a', 's5 secret/a']);
      assert.equal(r.denied(), 2);
      assert.equal(broker.stats().publishesOut, 2);
      assert.equal(broker.publish('secret/b', Buffer.from('x')), 0, 'broker-originated publishes ask too');
      assert.equal(r.denied(), 4);
      assert.deepEqual([broker.getClient('s4')?.connected, broker.getClient('s5')?.connected], [true, true]);
    });
  });

  it('deliver(): asked once; a denied topic is not sent, not counted as out, and the connection stays up', async () => {
    const r = receiveRecorder();
    await withBroker({ hooks: r.hooks }, async (broker) => {
      const c = await connectRaw(broker, 5, 'd');
      const client = broker.getClient('d')!;
      assert.equal(client.deliver('secret/reply', Buffer.from('no'), 1), false);
      assert.equal(client.deliver('secret/reply', Buffer.from('no'), 0), false);
      assert.equal(client.deliver('open/reply', Buffer.from('yes'), 1), true);
      const got = await c.next('publish');
      assert.deepEqual([got.topic, String(got.payload)], ['open/reply', 'yes'], 'the denied replies were never written');
      assert.deepEqual(r.calls, ['d secret/reply', 'd secret/reply', 'd open/reply']);
      assert.equal(r.denied(), 2);
      assert.equal(broker.stats().publishesOut, 1);
      assert.equal(client.connected, true);
    });
  });

  it('a throwing authorizeReceive counts as no and is reported', async () => {
    const errors: string[] = [];
    const hooks: BrokerHooks = {
      authorizeReceive: (_c, topic) => {
        if (topic === 'boom') throw new Error('policy store down');
        return true;
      },
      onHookError: (hook, err) => errors.push(`${hook}: ${(err as Error).message}`),
    };
    await withBroker({ hooks }, async (broker) => {
      const c = await connectRaw(broker, 4, 'x');
      const client = broker.getClient('x')!;
      assert.equal(client.deliver('boom', Buffer.from('1'), 1), false);
      assert.equal(client.deliver('fine', Buffer.from('2'), 1), true);
      assert.equal((await c.next('publish')).topic, 'fine');
      assert.deepEqual(errors, ['authorizeReceive: policy store down']);
    });
  });
});
