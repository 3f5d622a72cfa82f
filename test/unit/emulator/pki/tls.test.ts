import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { before, describe, it } from 'node:test';
import { CertificateAuthority, generateKeyPairSyncFor, type KeyAlgorithm } from '../../../../src/emulator/pki/index.js';
import type { Credentials } from '../../../helpers/emulator.js';

function issueCredentials(ca: CertificateAuthority, usage: 'server' | 'client', alg: KeyAlgorithm, cn: string): Credentials {
  const keys = generateKeyPairSyncFor(alg);
  return { cert: ca.issue({ publicKey: keys.publicKey, subject: { CN: cn }, usage }).certificatePem, key: keys.privateKeyPem };
}

interface HandshakeResult {
  /** the server accepted the client certificate and the client read its greeting */
  greeted: boolean;
  serverSawPeerCn?: string;
  serverError?: string;
  clientError?: string;
}

/** Start an mTLS server on 127.0.0.1:0, connect once, report what happened, close everything. */
async function runHandshake(caPem: string, server: Credentials, client: Credentials, servername?: string): Promise<HandshakeResult> {
  const result: HandshakeResult = { greeted: false };
  const tlsServer = tls.createServer({ requestCert: true, rejectUnauthorized: true, ca: [caPem], cert: server.cert, key: server.key }, (socket) => {
    const peer = socket.getPeerCertificate();
    result.serverSawPeerCn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined;
    socket.end('hello');
  });
  tlsServer.on('tlsClientError', (err) => {
    result.serverError = err.message;
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const { port } = tlsServer.address() as AddressInfo;
  try {
    await new Promise<void>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: [caPem], cert: client.cert, key: client.key, servername });
      let received = '';
      const timer = setTimeout(() => socket.destroy(new Error('handshake test timed out')), 5_000);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', (err) => {
        result.clientError = err.message;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        result.greeted = received === 'hello';
        resolve();
      });
    });
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
  return result;
}

for (const caAlgorithm of ['ec-p256', 'rsa-2048'] as const) {
  describe(`mTLS with certificates from a ${caAlgorithm} CA`, () => {
    let ca: CertificateAuthority;
    let otherCa: CertificateAuthority;
    let server: Credentials;

    before(() => {
      ca = CertificateAuthority.create({ subject: { CN: 'mtls CA' }, keyAlgorithm: caAlgorithm });
      otherCa = CertificateAuthority.create({ subject: { CN: 'mtls CA' }, keyAlgorithm: caAlgorithm });
      server = issueCredentials(ca, 'server', 'ec-p256', 'localhost');
    });

    for (const clientAlgorithm of ['ec-p256', 'rsa-2048'] as const) {
      it(`accepts a ${clientAlgorithm} client certificate it issued (hostname check via IP SAN)`, async () => {
        const client = issueCredentials(ca, 'client', clientAlgorithm, `device-${clientAlgorithm}`);
        const result = await runHandshake(ca.certificatePem, server, client);
        assert.equal(result.clientError, undefined);
        assert.equal(result.serverError, undefined);
        assert.equal(result.greeted, true);
        assert.equal(result.serverSawPeerCn, `device-${clientAlgorithm}`);
      });
    }

    it('accepts the server by DNS name too (servername localhost)', async () => {
      const client = issueCredentials(ca, 'client', 'ec-p256', 'device-sni');
      const result = await runHandshake(ca.certificatePem, server, client, 'localhost');
      assert.equal(result.greeted, true);
    });

    it('rejects a client certificate from a different CA with the same name', async () => {
      const stranger = issueCredentials(otherCa, 'client', 'ec-p256', 'intruder');
      const result = await runHandshake(ca.certificatePem, server, stranger);
      assert.equal(result.greeted, false);
      assert.equal(result.serverSawPeerCn, undefined);
      assert.ok(result.serverError, 'the server must report the refused client certificate');
    });

    it('rejects a server-usage certificate presented as a client certificate', async () => {
      const wrongUsage = issueCredentials(ca, 'server', 'ec-p256', 'not-a-client');
      const result = await runHandshake(ca.certificatePem, server, wrongUsage);
      assert.equal(result.greeted, false);
      assert.equal(result.serverSawPeerCn, undefined);
    });
  });
}
