/**
 * The broker reads the client certificate from the TLS session (peer-certificate.ts) instead of
 * getPeerX509Certificate(): it must be the same certificate, for TLS 1.2 and 1.3, parsed once per
 * distinct certificate, and malformed session bytes must fall back, not throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { PeerCertificateCache, peerCertificateDer } from '../../../../src/emulator/broker/peer-certificate.js';
import { createTestPki } from '../../../helpers/test-pki.js';

test('the peer certificate from the session equals getPeerX509Certificate(), TLS 1.2 and 1.3; one parse per certificate', { timeout: 20_000 }, async (t) => {
  const pki = await createTestPki();
  const alice = await pki.issueClient('alice');
  const bob = await pki.issueClient('bob');
  const cache = new PeerCertificateCache(8);
  const seen: { fromCache: X509Certificate | null; direct: X509Certificate | undefined; protocol: string | null }[] = [];
  const server = tls.createServer({ key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true }, (s) => {
    seen.push({ fromCache: cache.lookup(s), direct: s.getPeerX509Certificate(), protocol: s.getProtocol() });
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const connectAs = (c: { certPem: string; keyPem: string }, maxVersion: tls.SecureVersion) =>
    new Promise<void>((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem, cert: c.certPem, key: c.keyPem, maxVersion });
      s.on('error', reject);
      s.on('close', () => resolve());
      s.resume();
    });
  for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
    await connectAs(alice, v);
    await connectAs(alice, v);
    await connectAs(bob, v);
  }
  assert.deepEqual(
    seen.map((x) => x.protocol),
    ['TLSv1.3', 'TLSv1.3', 'TLSv1.3', 'TLSv1.2', 'TLSv1.2', 'TLSv1.2'],
  );
  for (const x of seen) {
    assert.ok(x.fromCache !== null && x.direct !== undefined);
    assert.equal(x.fromCache.fingerprint256, x.direct.fingerprint256);
    assert.equal(x.fromCache.subject, x.direct.subject);
  }
  assert.equal(seen[0]!.fromCache!.subject, 'CN=alice');
  assert.equal(seen[2]!.fromCache!.subject, 'CN=bob');
  assert.equal(seen[0]!.fromCache, seen[1]!.fromCache, 'the same certificate object is reused');
  assert.deepEqual({ hits: cache.hits, misses: cache.misses }, { hits: 4, misses: 2 });
});

test('peerCertificateDer: no [3] field, truncated or non-DER input gives undefined', () => {
  const seq = (...parts: Buffer[]) => Buffer.concat([Buffer.from([0x30, parts.reduce((n, p) => n + p.length, 0)]), ...parts]);
  const int = Buffer.from([0x02, 0x01, 0x01]);
  const cert = seq(int); // stands in for a Certificate SEQUENCE
  const peer = Buffer.concat([Buffer.from([0xa3, cert.length]), cert]);
  assert.deepEqual(peerCertificateDer(seq(int, int, peer)), cert);
  assert.equal(peerCertificateDer(seq(int, int)), undefined);
  assert.equal(peerCertificateDer(seq(int, int, peer).subarray(0, 7)), undefined);
  assert.equal(peerCertificateDer(Buffer.from('not der at all')), undefined);
  assert.equal(peerCertificateDer(Buffer.alloc(0)), undefined);
  assert.equal(peerCertificateDer(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), undefined);
});
