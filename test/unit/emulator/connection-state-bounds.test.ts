/**
 * What a long-running emulator keeps per connection must stay bounded however many devices come
 * and go (issue 12, item 8): the parsed peer certificates (one per distinct certificate, at most
 * the cache's capacity) and the TLS SNI labels clients choose (at most 32 by name, then `other`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { PeerCertificateCache } from '../../../src/emulator/broker/peer-certificate.js';
import type { ConnectRequest } from '../../../src/emulator/broker/index.js';
import { createGateway } from '../../../src/emulator/gateway.js';
import { CertificateAuthority, generateKeyPairSyncFor } from '../../../src/emulator/pki/index.js';
import { ServerStats } from '../../../src/emulator/provisioning/server-stats.js';
import { Registry } from '../../../src/emulator/registry/index.js';
import { Faults } from '../../../src/emulator/shaping/faults.js';
import { Quotas } from '../../../src/emulator/shaping/quota-buckets.js';

/** DER type-length-value, long-form lengths as needed */
function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

/** A socket whose encoded TLS session carries `certDer` as the peer certificate ([3]), as OpenSSL encodes it. */
function socketPresenting(certDer: Buffer): TLSSocket {
  const session = tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([1])), tlv(0x02, Buffer.from([3])), tlv(0xa3, certDer)]));
  return { getSession: () => session, getPeerX509Certificate: () => undefined } as unknown as TLSSocket;
}

test('the peer-certificate cache holds at most its capacity, dropping the least recently used', () => {
  const ca = CertificateAuthority.create({ subject: { CN: 'bounds CA' }, keyAlgorithm: 'ec-p256' });
  const key = generateKeyPairSyncFor('ec-p256');
  const ders = Array.from({ length: 6 }, (_, i) =>
    Buffer.from(ca.issue({ publicKey: key.publicKey, subject: { CN: `device-${i}` }, usage: 'client' }).certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
  );
  const cache = new PeerCertificateCache(3);
  const seen = ders.map((d) => cache.lookup(socketPresenting(d)));
  assert.deepEqual(
    seen.map((c) => c?.subject),
    ders.map((_, i) => `CN=device-${i}`),
  );
  assert.equal(cache.size, 3, 'six distinct certificates, capacity 3');
  // device-3 is the least recently used of those kept; using it moves it to the front
  assert.equal(cache.lookup(socketPresenting(ders[3]!)), seen[3]);
  assert.equal(cache.hits, 1);
  // device-0 was dropped: parsed again (a miss), and device-4 (now the oldest) makes room
  cache.lookup(socketPresenting(ders[0]!));
  assert.deepEqual({ hits: cache.hits, misses: cache.misses, size: cache.size }, { hits: 1, misses: 7, size: 3 });
  assert.equal(cache.lookup(socketPresenting(ders[3]!)), seen[3], 'the recently used certificate was kept');
  cache.lookup(socketPresenting(ders[4]!));
  assert.equal(cache.misses, 8, 'device-4 had been dropped');
});

test('SNI names chosen by clients are counted by name for the first 32, then as other', async () => {
  const stats = new ServerStats();
  const gateway = createGateway({
    registry: new Registry(),
    claimCertificateIds: new Set(),
    quotas: new Quotas({ connectPerAccount: 'unlimited', connectPerClientId: 'unlimited' }),
    faults: new Faults(),
    stats,
    provision: async () => undefined,
  });
  const connect = (servername: string): ConnectRequest => ({
    clientId: `c-${servername}`,
    protocolVersion: 4,
    keepalive: 60,
    clean: true,
    transport: { remoteAddress: '127.0.0.1', alpnProtocol: false, servername, peerCertificate: null },
  });
  for (let i = 0; i < 100; i++) {
    const r = await gateway.authenticate!(connect(`host-${i}.example`));
    assert.equal(r.ok, false); // no certificate: refused, after the TLS labels were counted
  }
  const sni = Object.keys(stats.totals).filter((k) => k.startsWith('tls_sni{'));
  assert.equal(sni.length, 33, '32 names and other');
  assert.equal(stats.totals['tls_sni{name=other}'], 68);
  assert.equal(stats.totals['tls_sni{name=host-0.example}'], 1);
  // a name seen before the bound keeps its own label
  await gateway.authenticate!(connect('host-5.example'));
  assert.equal(stats.totals['tls_sni{name=host-5.example}'], 2);
});
