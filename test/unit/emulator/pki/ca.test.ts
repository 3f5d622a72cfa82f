import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { before, describe, it } from 'node:test';
import { CertificateAuthority, generateKeyPairSyncFor, PkiError, type KeyAlgorithm } from '../../../../src/emulator/pki/index.js';
import { describeCertificate, hasOpenssl, runOpenssl, withTempFiles } from './helpers.js';

const SUBJECT_ALGORITHMS: KeyAlgorithm[] = ['ec-p256', 'ec-p384', 'rsa-2048'];
const CA_ALGORITHMS = ['ec-p256', 'rsa-2048'] as const;

function verifyWithOpenssl(caPem: string, leafPem: string, extraArgs: string[] = [], untrustedPem?: string): { status: number; output: string } {
  const files: Record<string, string> = { 'ca.pem': caPem, 'leaf.pem': leafPem };
  if (untrustedPem) files['inter.pem'] = untrustedPem;
  return withTempFiles(files, (p) =>
    runOpenssl(['verify', '-x509_strict', '-CAfile', p['ca.pem']!, ...(untrustedPem ? ['-untrusted', p['inter.pem']!] : []), ...extraArgs, p['leaf.pem']!]),
  );
}

for (const caAlgorithm of CA_ALGORITHMS) {
  describe(`CertificateAuthority (${caAlgorithm} CA)`, () => {
    let ca: CertificateAuthority;
    const subjectKeys = new Map<KeyAlgorithm, ReturnType<typeof generateKeyPairSyncFor>>();

    before(() => {
      ca = CertificateAuthority.create({ subject: { CN: `fleetsim test CA ${caAlgorithm}`, O: 'fleetsim', C: 'US' }, keyAlgorithm: caAlgorithm });
      for (const alg of SUBJECT_ALGORITHMS) subjectKeys.set(alg, generateKeyPairSyncFor(alg));
    });

    it('creates a self-signed root CA', () => {
      const root = new crypto.X509Certificate(ca.certificatePem);
      assert.equal(root.ca, true);
      assert.equal(root.verify(root.publicKey), true);
      assert.equal(root.checkIssued(root), true);
      assert.equal(root.subject, `C=US\nO=fleetsim\nCN=fleetsim test CA ${caAlgorithm}`);
      assert.equal(ca.certificateId, crypto.createHash('sha256').update(root.raw).digest('hex'));
      assert.equal(root.publicKey.asymmetricKeyType, caAlgorithm === 'rsa-2048' ? 'rsa' : 'ec');
      if (hasOpenssl) {
        const text = describeCertificate(ca.certificatePem);
        assert.match(text, /Basic Constraints: critical\s+CA:TRUE/);
        assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
        assert.match(text, /Subject Key Identifier/);
      }
    });

    for (const subjectAlgorithm of SUBJECT_ALGORITHMS) {
      it(`issues a client certificate for an ${subjectAlgorithm} subject that verifies`, () => {
        const keys = subjectKeys.get(subjectAlgorithm)!;
        const issued = ca.issue({ publicKey: keys.publicKey, subject: { CN: 'device-0001', O: 'Acme' }, usage: 'client' });
        const cert = new crypto.X509Certificate(issued.certificatePem);
        const root = new crypto.X509Certificate(ca.certificatePem);
        assert.equal(cert.verify(ca.publicKey), true);
        assert.equal(cert.checkIssued(root), true);
        assert.equal(cert.checkPrivateKey(keys.privateKey), true);
        assert.equal(cert.ca, false);
        assert.equal(cert.subject, 'O=Acme\nCN=device-0001');
        assert.equal(cert.issuer, root.subject);
        assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
        assert.equal(cert.subjectAltName, undefined);
        assert.match(issued.certificateId, /^[0-9a-f]{64}$/);
        assert.equal(issued.certificateId, crypto.createHash('sha256').update(issued.certificateDer).digest('hex'));
        assert.deepEqual(Buffer.from(cert.raw), issued.certificateDer);
        assert.match(issued.serialNumberHex, /^[0-9a-f]{32}$/);
        assert.equal(cert.serialNumber.toLowerCase(), issued.serialNumberHex);
        assert.equal(new Date(cert.validTo).getTime(), issued.notAfter.getTime());
        const expectedNotBefore = Date.now() - 5 * 60_000;
        assert.ok(Math.abs(new Date(cert.validFrom).getTime() - expectedNotBefore) < 5_000);
        assert.ok(Math.abs(issued.notAfter.getTime() - (Date.now() + 365 * 86_400_000)) < 5_000);
        if (hasOpenssl) {
          const result = verifyWithOpenssl(ca.certificatePem, issued.certificatePem, ['-purpose', 'sslclient']);
          assert.equal(result.status, 0, result.output);
          const text = describeCertificate(issued.certificatePem);
          assert.match(text, /Authority Key Identifier/);
          assert.match(text, /Subject Key Identifier/);
          assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
          const usage = subjectAlgorithm === 'rsa-2048' ? 'Digital Signature, Key Encipherment' : 'Digital Signature';
          assert.match(text, new RegExp(`Key Usage: critical\\s+${usage}\\n`));
          assert.match(text, caAlgorithm === 'rsa-2048' ? /Signature Algorithm: sha256WithRSAEncryption/ : /Signature Algorithm: ecdsa-with-SHA256/);
        }
      });
    }

    it('issues a server certificate with the default loopback SAN and serverAuth', () => {
      const keys = subjectKeys.get('ec-p256')!;
      const issued = ca.issue({ publicKey: keys.publicKey, subject: { CN: 'localhost' }, usage: 'server' });
      const cert = new crypto.X509Certificate(issued.certificatePem);
      assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
      assert.equal(cert.checkHost('localhost'), 'localhost');
      assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
      assert.equal(cert.checkIP('::1'), '::1');
      if (hasOpenssl) {
        const result = verifyWithOpenssl(ca.certificatePem, issued.certificatePem, ['-purpose', 'sslserver']);
        assert.equal(result.status, 0, result.output);
        assert.notEqual(verifyWithOpenssl(ca.certificatePem, issued.certificatePem, ['-purpose', 'sslclient']).status, 0);
      }
    });

    it('uses explicit SAN entries when given', () => {
      const issued = ca.issue({
        publicKey: subjectKeys.get('ec-p256')!.publicKey,
        subject: { CN: 'broker' },
        usage: 'server',
        dnsNames: ['iot.example.test', '*.example.test'],
        ipAddresses: ['10.1.2.3', '2001:db8::7'],
      });
      const cert = new crypto.X509Certificate(issued.certificatePem);
      assert.equal(cert.subjectAltName, 'DNS:iot.example.test, DNS:*.example.test, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:7');
      assert.equal(cert.checkHost('localhost'), undefined);
    });

    it('gives every certificate a unique serial and id, even for the same key', () => {
      const publicKey = subjectKeys.get('ec-p256')!.publicKey;
      const ids = new Set<string>();
      const serials = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const issued = ca.issue({ publicKey, subject: { CN: 'same' }, usage: 'client' });
        ids.add(issued.certificateId);
        serials.add(issued.serialNumberHex);
      }
      assert.equal(ids.size, 50);
      assert.equal(serials.size, 50);
    });

    it('uses GeneralizedTime for dates from 2050 on', () => {
      const issued = ca.issue({ publicKey: subjectKeys.get('ec-p256')!.publicKey, subject: { CN: 'long' }, usage: 'client', validityDays: 365 * 60 });
      const cert = new crypto.X509Certificate(issued.certificatePem);
      assert.ok(issued.notAfter.getUTCFullYear() >= 2050);
      assert.equal(new Date(cert.validTo).getTime(), issued.notAfter.getTime());
      // GeneralizedTime tag 0x18 followed by length 15 appears in the DER; UTCTime is still used for notBefore.
      assert.ok(issued.certificateDer.includes(Buffer.from([0x18, 0x0f])));
      assert.ok(issued.certificateDer.includes(Buffer.from([0x17, 0x0d])));
    });

    it('issues an intermediate CA that can be loaded and issue a verifiable chain', () => {
      const interKeys = generateKeyPairSyncFor('ec-p256');
      const inter = ca.issue({ publicKey: interKeys.publicKey, subject: { CN: 'intermediate' }, usage: 'ca', validityDays: 30 });
      const interCert = new crypto.X509Certificate(inter.certificatePem);
      assert.equal(interCert.ca, true);
      assert.equal(interCert.verify(ca.publicKey), true);
      const interCa = CertificateAuthority.fromPem(inter.certificatePem, interKeys.privateKeyPem);
      assert.equal(interCa.certificateId, inter.certificateId);
      const leaf = interCa.issue({ publicKey: subjectKeys.get('ec-p384')!.publicKey, subject: { CN: 'leaf' }, usage: 'client' });
      const leafCert = new crypto.X509Certificate(leaf.certificatePem);
      assert.equal(leafCert.verify(interCa.publicKey), true);
      assert.equal(leafCert.checkIssued(interCert), true);
      assert.equal(leafCert.verify(ca.publicKey), false);
      if (hasOpenssl) {
        const text = describeCertificate(inter.certificatePem);
        assert.match(text, /CA:TRUE, pathlen:0/);
        assert.match(text, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
        const result = verifyWithOpenssl(ca.certificatePem, leaf.certificatePem, [], inter.certificatePem);
        assert.equal(result.status, 0, result.output);
      }
    });

    it('round-trips through fromPem and keeps issuing for the same chain', () => {
      const loaded = CertificateAuthority.fromPem(ca.certificatePem, ca.exportPrivateKeyPem());
      assert.equal(loaded.certificateId, ca.certificateId);
      const issued = loaded.issue({ publicKey: subjectKeys.get('rsa-2048')!.publicKey, subject: { CN: 'after-restart' }, usage: 'client' });
      const cert = new crypto.X509Certificate(issued.certificatePem);
      assert.equal(cert.verify(ca.publicKey), true);
      assert.equal(cert.checkIssued(new crypto.X509Certificate(ca.certificatePem)), true);
      if (hasOpenssl) assert.equal(verifyWithOpenssl(ca.certificatePem, issued.certificatePem).status, 0);
    });
  });
}

describe('CertificateAuthority input checks', () => {
  const ca = CertificateAuthority.create({ subject: { CN: 'checks' } });
  const keys = generateKeyPairSyncFor('ec-p256');

  it('refuses a bad CA in fromPem', () => {
    const other = CertificateAuthority.create({ subject: { CN: 'other' } });
    assert.throws(() => CertificateAuthority.fromPem(ca.certificatePem, other.exportPrivateKeyPem()), { code: 'INVALID_CA', message: /does not match/ });
    assert.throws(() => CertificateAuthority.fromPem('garbage', ca.exportPrivateKeyPem()), { code: 'INVALID_CA' });
    assert.throws(() => CertificateAuthority.fromPem(ca.certificatePem, 'garbage'), (err: unknown) => err instanceof PkiError && err.code === 'INVALID_CA' && !err.message.includes('garbage'));
    const leaf = ca.issue({ publicKey: keys.publicKey, subject: { CN: 'leaf' }, usage: 'client' });
    assert.throws(() => CertificateAuthority.fromPem(leaf.certificatePem, keys.privateKeyPem), { code: 'INVALID_CA', message: /not a CA/ });
  });

  it('refuses bad issue options', () => {
    const base = { publicKey: keys.publicKey, subject: { CN: 'x' }, usage: 'client' as const };
    assert.throws(() => ca.issue({ ...base, ipAddresses: ['not-an-ip'] }), { code: 'INVALID_ISSUE_OPTIONS' });
    assert.throws(() => ca.issue({ ...base, dnsNames: ['bad name'] }), { code: 'INVALID_ISSUE_OPTIONS' });
    assert.throws(() => ca.issue({ ...base, validityDays: 0 }), { code: 'INVALID_ISSUE_OPTIONS' });
    assert.throws(() => ca.issue({ ...base, usage: 'other' as 'client' }), { code: 'INVALID_ISSUE_OPTIONS' });
    assert.throws(() => ca.issue({ ...base, publicKey: keys.privateKey }), { code: 'INVALID_ISSUE_OPTIONS' });
    assert.throws(() => ca.issue({ ...base, subject: { CN: '' } }), { code: 'INVALID_NAME' });
    assert.throws(() => ca.issue({ ...base, subject: { CN: 'x', C: 'USA' } }), { code: 'INVALID_NAME' });
  });

  it('encodes non-ASCII names as UTF8String', () => {
    const issued = ca.issue({ publicKey: keys.publicKey, subject: { CN: 'Gerät-ü', OU: 'Fabrik' }, usage: 'client' });
    const cert = new crypto.X509Certificate(issued.certificatePem);
    assert.equal(cert.subject, 'OU=Fabrik\nCN=Gerät-ü');
    assert.ok(issued.certificateDer.includes(Buffer.concat([Buffer.from([0x0c, Buffer.byteLength('Gerät-ü')]), Buffer.from('Gerät-ü')])));
  });
});
