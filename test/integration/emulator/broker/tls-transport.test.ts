/**
 * Transport rules of createTlsBrokerServer: mutual TLS, ALPN, CA updates, garbage on the wire.
 */
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createTestCa, type TestCa, type TestCredentials } from '../../../helpers/test-pki.js';
import { startTlsFixture, type TlsFixture } from './tls-fixture.js';
import { waitForEvent } from '../../../helpers/wait.js';

function openRawTls(fx: TlsFixture, creds: TestCredentials): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: fx.server.port,
      ca: fx.pki.ca.certPem,
      cert: creds.certPem,
      key: creds.keyPem,
      servername: 'localhost',
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('TLS transport of the broker', () => {
  let fx: TlsFixture;
  let otherCa: TestCa;
  let stranger: TestCredentials;

  before(async () => {
    fx = await startTlsFixture({ connectTimeoutMs: 2000 });
    otherCa = await createTestCa('some other CA');
    stranger = await otherCa.issue({ commonName: 'stranger', usage: 'client' });
  });

  after(async () => {
    await fx.close();
  });

  it('rejects a client without a certificate and one whose certificate is from another CA', async () => {
    const before = fx.broker.stats();
    const failuresBefore = fx.server.countHandshakeFailures();
    const noCert = await fx.tryConnect({ protocolVersion: 5, clientId: 'no-cert', cert: undefined, key: undefined });
    assert.equal(noCert.connack, undefined, 'no CONNACK without a certificate');
    const foreign = await fx.tryConnect({ protocolVersion: 4, clientId: 'foreign', cert: stranger.certPem, key: stranger.keyPem });
    assert.equal(foreign.connack, undefined, 'no CONNACK for a foreign CA');
    assert.equal(fx.broker.stats().connectsAccepted, before.connectsAccepted);
    assert.equal(fx.server.countHandshakeFailures(), failuresBefore + 2);
    assert.equal(fx.broker.getClient('no-cert'), undefined);
    assert.equal(fx.broker.getClient('foreign'), undefined);
  });

  it('updateCa() trusts a new issuing CA for new handshakes', async () => {
    fx.server.updateCa([fx.pki.ca.certPem, otherCa.certPem]);
    try {
      const client = await fx.connect({ protocolVersion: 5, clientId: 'stranger', cert: stranger.certPem, key: stranger.keyPem });
      assert.equal(fx.broker.getClient('stranger')?.transport.peerCertificate?.subject, 'CN=stranger');
      await client.endAsync();
    } finally {
      fx.server.updateCa([fx.pki.ca.certPem]);
    }
    const again = await fx.tryConnect({ protocolVersion: 5, clientId: 'stranger2', cert: stranger.certPem, key: stranger.keyPem });
    assert.equal(again.connack, undefined, 'trust removed again');
  });

  it('accepts clients that offer no ALPN and refuses an ALPN list without a supported protocol', async () => {
    const plain = await fx.connect({ protocolVersion: 4, clientId: 'no-alpn' });
    const info = fx.broker.getClient('no-alpn')!.transport;
    assert.equal(info.alpnProtocol, false);
    assert.equal(info.servername, 'localhost');
    await plain.endAsync();
    const mqttAlpn = await fx.connect({ protocolVersion: 5, clientId: 'alpn-mqtt', ALPNProtocols: ['mqtt'] });
    assert.equal(fx.broker.getClient('alpn-mqtt')!.transport.alpnProtocol, 'mqtt');
    await mqttAlpn.endAsync();
    const h2 = await fx.tryConnect({ protocolVersion: 5, clientId: 'alpn-h2', ALPNProtocols: ['h2'] });
    assert.equal(h2.connack, undefined);
  });

  it('closes a connection that sends garbage and keeps serving other clients', async () => {
    const healthy = await fx.connect({ protocolVersion: 5, clientId: 'healthy' });
    await healthy.subscribeAsync('still/alive', { qos: 1 });
    for (const garbage of [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff])]) {
      const raw = await openRawTls(fx, fx.device);
      raw.on('error', () => {});
      const closed = waitForEvent(raw, 'close');
      raw.write(garbage);
      await closed;
    }
    const got = waitForEvent<[string, Buffer]>(healthy, 'message');
    assert.equal(fx.broker.publish('still/alive', Buffer.from('yes'), 1), 1);
    assert.equal(String((await got)[1]), 'yes');
    const late = await fx.connect({ protocolVersion: 4, clientId: 'late' });
    assert.equal(fx.broker.getClient('late')?.connected, true);
    await Promise.all([healthy.endAsync(), late.endAsync()]);
  });

  it('closes a TLS connection that never sends CONNECT after connectTimeoutMs', async () => {
    const raw = await openRawTls(fx, fx.device);
    raw.on('error', () => {});
    const started = Date.now();
    await waitForEvent(raw, 'close', 5000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1500 && elapsed < 4000, `closed after ${elapsed} ms`);
  });
});

/** Connects, takes the last session the server handed out, reconnects offering it: was it resumed? */
async function resumedOnReconnect(fx: TlsFixture, maxVersion: tls.SecureVersion): Promise<{ resumed: boolean; sessions: number }> {
  const connectOnce = (session?: Buffer) =>
    new Promise<{ resumed: boolean; sessions: Buffer[] }>((resolve, reject) => {
      const sessions: Buffer[] = [];
      const socket = tls.connect({
        host: '127.0.0.1',
        port: fx.server.port,
        ca: fx.pki.ca.certPem,
        cert: fx.device.certPem,
        key: fx.device.keyPem,
        servername: 'localhost',
        maxVersion,
        ...(session === undefined ? {} : { session }),
      });
      let resumed = false;
      // TLS 1.3 tickets arrive after the handshake: leave once the server has handed one out
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ resumed, sessions });
      }, 3000);
      socket.on('session', (s: Buffer) => {
        sessions.push(s);
        resumed ||= socket.isSessionReused();
        clearTimeout(timer);
        socket.destroy();
        resolve({ resumed, sessions });
      });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        resumed = socket.isSessionReused();
      });
    });
  const first = await connectOnce();
  const offered = first.sessions.at(-1);
  if (offered === undefined) return { resumed: false, sessions: 0 };
  const second = await connectOnce(offered);
  return { resumed: second.resumed, sessions: first.sessions.length };
}

describe('TLS session resumption of the broker', () => {
  it('is off by default: a client offering an earlier session gets a full handshake (TLS 1.3 and 1.2)', async () => {
    const fx = await startTlsFixture({ connectTimeoutMs: 2000 });
    try {
      for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
        const r = await resumedOnReconnect(fx, v);
        assert.ok(r.sessions > 0, `${v}: the client got no session to offer, so nothing was tested`);
        assert.equal(r.resumed, false, `${v}: resumed although resumption is off`);
      }
    } finally {
      await fx.close();
    }
  });

  it('sessionResumption: true resumes from the tickets it issued (TLS 1.3 and 1.2)', async () => {
    const fx = await startTlsFixture({ connectTimeoutMs: 2000 }, { sessionResumption: true });
    try {
      for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
        const r = await resumedOnReconnect(fx, v);
        assert.ok(r.sessions > 0, `${v}: no session ticket issued`);
        assert.equal(r.resumed, true, `${v}: not resumed`);
      }
    } finally {
      await fx.close();
    }
  });
});
