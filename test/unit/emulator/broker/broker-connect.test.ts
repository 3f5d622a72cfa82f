/**
 * CONNECT-phase rules over in-memory streams (packet-exact, no sockets).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '../../../../src/emulator/broker/broker.js';
import type { BrokerClient, ConnectRequest, DisconnectReason } from '../../../../src/emulator/broker/types.js';
import { attachRawClient } from './raw-client.js';
import { withBroker } from '../../../helpers/broker.js';
import { withTimeout } from '../../../helpers/wait.js';

describe('broker CONNECT handling', () => {
  it('advertises the AWS IoT subset in the v5 CONNACK', async () => {
    await withBroker({}, async (broker) => {
      const c = attachRawClient(broker, 5);
      const connack = await c.connect('dev-1', { keepalive: 60 });
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, false);
      const p = connack.properties!;
      assert.equal(p.maximumQoS, 1);
      assert.equal(p.retainAvailable, false);
      assert.equal(p.wildcardSubscriptionAvailable, true);
      assert.equal(p.sharedSubscriptionAvailable, false);
      assert.equal(p.maximumPacketSize, 128 * 1024 + 8 * 1024);
      assert.equal(p.serverKeepAlive, undefined, 'keep-alive 60 is within limits, so no override');
      assert.equal(broker.getClient('dev-1')?.keepalive, 60);
      assert.equal(broker.clientCount, 1);
    });
  });

  it('clamps keep-alive and reports it as serverKeepAlive (v5) or silently (v4)', async () => {
    await withBroker({}, async (broker) => {
      const low = attachRawClient(broker, 5);
      assert.equal((await low.connect('low', { keepalive: 5 })).properties?.serverKeepAlive, 30);
      const zero = attachRawClient(broker, 5);
      assert.equal((await zero.connect('zero', { keepalive: 0 })).properties?.serverKeepAlive, 1200);
      const v4 = attachRawClient(broker, 4);
      assert.equal((await v4.connect('v4', { keepalive: 0 })).returnCode, 0);
      assert.equal(broker.getClient('v4')?.keepalive, 1200);
      assert.equal(broker.getClient('low')?.keepalive, 30);
    });
  });

  it('refuses invalid client ids: empty, too long, $-prefixed (v4 code 2, v5 0x85)', async () => {
    await withBroker({}, async (broker) => {
      for (const id of ['', 'x'.repeat(129), '$aws']) {
        const v4 = attachRawClient(broker, 4);
        assert.equal((await v4.connect(id)).returnCode, 2, `v4 ${id.slice(0, 5)}`);
        await withTimeout(v4.closed, 2000, 'v4 close');
        const v5 = attachRawClient(broker, 5);
        assert.equal((await v5.connect(id)).reasonCode, 0x85, `v5 ${id.slice(0, 5)}`);
        await withTimeout(v5.closed, 2000, 'v5 close');
      }
      const ok = attachRawClient(broker, 4);
      assert.equal((await ok.connect('x'.repeat(128))).returnCode, 0, '128 bytes is allowed');
      assert.equal(broker.stats().connectsRefused, 6);
      assert.equal(broker.stats().connectsAccepted, 1);
    });
  });

  it('passes the request to authenticate and keeps its context', async () => {
    let seen: ConnectRequest | undefined;
    const hooks = {
      authenticate: async (req: ConnectRequest) => {
        seen = req;
        return { ok: true as const, context: { identity: 'claim' } };
      },
    };
    await withBroker({ hooks }, async (broker) => {
      const c = attachRawClient(broker, 5);
      await c.connect('dev-ctx', { username: 'sdk-metrics', keepalive: 45, clean: true });
      assert.deepEqual(
        { id: seen?.clientId, v: seen?.protocolVersion, u: seen?.username, k: seen?.keepalive, clean: seen?.clean },
        { id: 'dev-ctx', v: 5, u: 'sdk-metrics', k: 45, clean: true },
      );
      assert.deepEqual(broker.getClient('dev-ctx')?.context, { identity: 'claim' });
    });
  });

  it('maps an authenticate hook that throws to serverUnavailable and reports it', async () => {
    const errors: string[] = [];
    const hooks = {
      authenticate: (): never => {
        throw new Error('boom');
      },
      onHookError: (hook: string) => errors.push(hook),
    };
    await withBroker({ hooks }, async (broker) => {
      assert.equal((await attachRawClient(broker, 5).connect('a')).reasonCode, 0x88);
      assert.equal((await attachRawClient(broker, 4).connect('b')).returnCode, 3);
      assert.deepEqual(errors, ['authenticate', 'authenticate']);
    });
  });

  it('queues packets pipelined behind CONNECT while an async authenticate runs', async () => {
    const hooks = { authenticate: () => new Promise<{ ok: true }>((r) => setTimeout(() => r({ ok: true }), 50)) };
    await withBroker({ hooks }, async (broker) => {
      const c = attachRawClient(broker, 4);
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'pipe', clean: true, keepalive: 60 });
      c.send({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 't', qos: 1 }] });
      assert.equal((await c.next('connack')).returnCode, 0);
      assert.deepEqual((await c.next('suback')).granted, [1]);
      assert.equal(broker.getClient('pipe')?.isSubscribed('t'), true);
    });
  });

  it('refuses MQTT 3.1 (MQIsdp) with return code 1 and enhanced auth with 0x8C', async () => {
    await withBroker({}, async (broker) => {
      const v3 = attachRawClient(broker, 4);
      v3.send({ cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'old', clean: true, keepalive: 60 });
      assert.equal((await v3.next('connack')).returnCode, 1);
      await withTimeout(v3.closed, 2000, 'v3 close');
      const auth = attachRawClient(broker, 5);
      assert.equal((await auth.connect('enh', { properties: { authenticationMethod: 'SCRAM' } })).reasonCode, 0x8c);
    });
  });

  it('closes when the first packet is not CONNECT, on a second CONNECT, and on connect timeout', async () => {
    const reasons: DisconnectReason[] = [];
    const hooks = { onDisconnected: (_c: BrokerClient, r: DisconnectReason) => reasons.push(r) };
    await withBroker({ hooks, connectTimeoutMs: 100 }, async (broker) => {
      const early = attachRawClient(broker, 4);
      early.send({ cmd: 'pingreq' });
      await withTimeout(early.closed, 2000, 'non-CONNECT first packet');

      const twice = attachRawClient(broker, 5);
      await twice.connect('twice');
      twice.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 60 });
      assert.equal((await twice.next('disconnect')).reasonCode, 0x82);
      await withTimeout(twice.closed, 2000, 'second CONNECT');
      assert.deepEqual(reasons, ['protocol-error']);

      const silent = attachRawClient(broker, 4);
      const started = Date.now();
      await withTimeout(silent.closed, 2000, 'connect timeout');
      assert.ok(Date.now() - started >= 90, 'closed by the connect timer, not at once');
      assert.equal(broker.stats().connections, 0);
    });
  });

  it('closes an idle client after 1.5 × keep-alive (v5 DISCONNECT 0x8D) but not a pinging one', async () => {
    const reasons: DisconnectReason[] = [];
    const hooks = { onDisconnected: (c: BrokerClient, r: DisconnectReason) => reasons.push(`${c.clientId}:${r}` as DisconnectReason) };
    await withBroker({ hooks, keepaliveMin: 1 }, async (broker) => {
      const idle = attachRawClient(broker, 5);
      const pinging = attachRawClient(broker, 4);
      await idle.connect('idle', { keepalive: 1 });
      await pinging.connect('pinging', { keepalive: 1 });
      const started = Date.now();
      const pinger = setInterval(() => pinging.send({ cmd: 'pingreq' }), 400);
      try {
        assert.equal((await idle.next('disconnect', 3000)).reasonCode, 0x8d);
        await withTimeout(idle.closed, 2000, 'keep-alive close');
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 1400 && elapsed < 2500, `closed after ${elapsed} ms`);
        await pinging.next('pingresp');
        assert.equal(broker.getClient('pinging')?.connected, true);
      } finally {
        clearInterval(pinger);
      }
      assert.deepEqual(reasons, ['idle:keepalive-timeout']);
    });
  });

  it('takes over a duplicate client id: the old connection gets DISCONNECT 0x8E', async () => {
    const events: string[] = [];
    const hooks = {
      onConnected: (c: BrokerClient) => events.push(`up:${c.protocolVersion}`),
      onDisconnected: (c: BrokerClient, r: DisconnectReason) => events.push(`down:${c.protocolVersion}:${r}`),
    };
    await withBroker({ hooks }, async (broker) => {
      const first = attachRawClient(broker, 5);
      await first.connect('same');
      first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'old/topic', qos: 0 }] });
      await first.next('suback');
      const second = attachRawClient(broker, 4);
      await second.connect('same');
      assert.equal((await first.next('disconnect')).reasonCode, 0x8e);
      await withTimeout(first.closed, 2000, 'taken-over close');
      assert.deepEqual(events, ['up:5', 'down:5:takeover', 'up:4']);
      assert.equal(broker.clientCount, 1);
      assert.equal(broker.getClient('same')?.protocolVersion, 4);
      assert.equal(broker.publish('old/topic', Buffer.from('x')), 0, 'old subscriptions are gone');
    });
  });

  it('close() sends DISCONNECT 0x8B to v5 clients and refuses new streams', async () => {
    const reasons: string[] = [];
    const broker = new Broker({ hooks: { onDisconnected: (_c, r) => reasons.push(r) } });
    const c5 = attachRawClient(broker, 5);
    const c4 = attachRawClient(broker, 4);
    await c5.connect('a');
    await c4.connect('b');
    await withTimeout(broker.close(), 3000, 'broker.close');
    assert.equal((await c5.next('disconnect')).reasonCode, 0x8b);
    await withTimeout(Promise.all([c5.closed, c4.closed]), 2000, 'clients closed');
    assert.deepEqual(reasons, ['server-shutdown', 'server-shutdown']);
    const late = attachRawClient(broker, 4);
    await withTimeout(late.closed, 2000, 'late stream destroyed');
    assert.equal(broker.stats().connections, 0);
  });
});
