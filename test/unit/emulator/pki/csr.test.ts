import 'reflect-metadata';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority, CsrError, formatPem, parseCsr, parseCsrSync } from '../../../../src/emulator/pki/index.js';
import { hasOpenssl, runOpenssl } from './helpers.js';

// webcrypto is the Crypto the library expects; the DOM type name is not in our lib setting.
x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const subtle = crypto.webcrypto.subtle;

type CsrKeySpec =
  | { kind: 'ec'; namedCurve: 'P-256' | 'P-384' | 'P-521' }
  | { kind: 'rsa'; modulusLength: number };

async function generateCsr(spec: CsrKeySpec, name = 'CN=device-0042, O=Acme Corp'): Promise<{ pem: string; spki: Buffer }> {
  const keyAlgorithm =
    spec.kind === 'ec'
      ? { name: 'ECDSA', namedCurve: spec.namedCurve }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const signingAlgorithm = spec.kind === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const keys = (await subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm });
  const spki = Buffer.from(await subtle.exportKey('spki', keys.publicKey));
  return { pem: csr.toString('pem'), spki };
}

function rewritePem(pem: string, edit: (der: Buffer) => void): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  edit(der);
  return formatPem(der, 'CERTIFICATE REQUEST');
}

async function assertCsrRejected(pem: unknown, message: RegExp): Promise<void> {
  await assert.rejects(parseCsr(pem as string), (err: unknown) => {
    assert.ok(err instanceof CsrError, `expected CsrError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_CSR');
    assert.match(err.message, message);
    return true;
  });
}

describe('parseCsr', () => {
  const accepted = [
    { spec: { kind: 'ec', namedCurve: 'P-256' }, keyAlgorithm: 'ec-p256', keyBits: 256 },
    { spec: { kind: 'ec', namedCurve: 'P-384' }, keyAlgorithm: 'ec-p384', keyBits: 384 },
    { spec: { kind: 'rsa', modulusLength: 2048 }, keyAlgorithm: 'rsa-2048', keyBits: 2048 },
  ] as const;

  for (const { spec, keyAlgorithm, keyBits } of accepted) {
    it(`accepts a ${keyAlgorithm} CSR, returns its key and subject, and the key can be certified`, async () => {
      const { pem, spki } = await generateCsr(spec);
      const parsed = await parseCsr(pem);
      assert.equal(parsed.keyAlgorithm, keyAlgorithm);
      assert.equal(parsed.keyBits, keyBits);
      assert.deepEqual(parsed.subject, { CN: 'device-0042', O: 'Acme Corp' });
      assert.deepEqual(parsed.publicKey.export({ type: 'spki', format: 'der' }), spki);

      const ca = CertificateAuthority.create({ subject: { CN: 'csr CA' } });
      const issued = ca.issue({ publicKey: parsed.publicKey, subject: parsed.subject, usage: 'client' });
      const cert = new crypto.X509Certificate(issued.certificatePem);
      assert.equal(cert.verify(ca.publicKey), true);
      assert.deepEqual(Buffer.from(cert.publicKey.export({ type: 'spki', format: 'der' })), spki);
    });
  }

  it('accepts the NEW CERTIFICATE REQUEST label and surrounding text', async () => {
    const { pem } = await generateCsr({ kind: 'ec', namedCurve: 'P-256' }, 'CN=legacy');
    const legacy = `note\n${pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')}trailer\n`;
    assert.equal(parseCsrSync(legacy).subject.CN, 'legacy');
  });

  it('rejects a tampered CSR whose signature no longer verifies', async () => {
    const { pem } = await generateCsr({ kind: 'ec', namedCurve: 'P-256' });
    const tampered = rewritePem(pem, (der) => {
      const at = der.indexOf('device-0042');
      assert.ok(at > 0);
      der[at + 10] = '3'.charCodeAt(0);
    });
    await assertCsrRejected(tampered, /signature does not verify/);
  });

  it('rejects a tampered RSA CSR signature', async () => {
    const { pem } = await generateCsr({ kind: 'rsa', modulusLength: 2048 });
    const tampered = rewritePem(pem, (der) => {
      der[der.length - 5] ^= 0x01;
    });
    await assertCsrRejected(tampered, /signature does not verify/);
  });

  it('rejects an RSA-1024 CSR (AWS requires RSA >= 2048)', async () => {
    const { pem } = await generateCsr({ kind: 'rsa', modulusLength: 1024 });
    await assertCsrRejected(pem, /RSA-1024 is not supported/);
  });

  it('rejects an EC P-521 CSR', async () => {
    const { pem } = await generateCsr({ kind: 'ec', namedCurve: 'P-521' });
    await assertCsrRejected(pem, /secp521r1 is not supported/);
  });

  it('rejects garbage, non-strings, certificates and truncated DER', async () => {
    await assertCsrRejected('hello world', /not a PEM/);
    await assertCsrRejected('', /non-empty/);
    await assertCsrRejected(42, /non-empty PEM string/);
    await assertCsrRejected('x'.repeat(70_000), /longer than/);
    await assertCsrRejected('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', /not a valid PKCS#10/);
    const ca = CertificateAuthority.create({ subject: { CN: 'x' } });
    await assertCsrRejected(ca.certificatePem, /not a PEM "CERTIFICATE REQUEST"/);
    const { pem } = await generateCsr({ kind: 'ec', namedCurve: 'P-256' });
    const truncated = rewritePem(pem, () => undefined).replace(/\n[^\n]+\n-----END/, '\n-----END');
    await assertCsrRejected(truncated, /not a valid PKCS#10/);
  });

  it('accepts CSRs written by the openssl CLI and refuses its RSA-1024 ones', { skip: !hasOpenssl }, async () => {
    const request = (newkey: string[]): string => {
      const result = runOpenssl(['req', '-new', ...newkey, '-nodes', '-keyout', '/dev/null', '-subj', '/C=DE/O=Acme/CN=ossl-device']);
      assert.equal(result.status, 0, result.output);
      return result.output.slice(result.output.indexOf('-----BEGIN'));
    };
    const ec = await parseCsr(request(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']));
    assert.equal(ec.keyAlgorithm, 'ec-p384');
    assert.deepEqual(ec.subject, { C: 'DE', O: 'Acme', CN: 'ossl-device' });
    const rsa = await parseCsr(request(['-newkey', 'rsa:3072']));
    assert.equal(rsa.keyAlgorithm, 'rsa-2048');
    assert.equal(rsa.keyBits, 3072);
    await assertCsrRejected(request(['-newkey', 'rsa:1024']), /RSA-1024 is not supported/);
  });
});
