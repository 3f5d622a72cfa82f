/**
 * Throwaway PKI for tests: a root CA (EC P-256) that issues server and client certificates.
 * Everything is generated in memory at test time; nothing is written to disk or logged.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export interface TestCredentials {
  certPem: string;
  /** PKCS#8 PEM; never log it */
  keyPem: string;
}

export interface IssueOptions {
  commonName: string;
  /** 'server' adds serverAuth + SAN localhost/127.0.0.1; 'client' adds clientAuth */
  usage: 'server' | 'client';
}

export interface TestCa extends TestCredentials {
  issue(opts: IssueOptions): Promise<TestCredentials>;
}

export interface TestPki {
  ca: TestCa;
  server: TestCredentials;
  issueClient(commonName: string): Promise<TestCredentials>;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function createSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(12));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function createValidity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + 24 * 3600_000) };
}

/** Creates a self-signed root CA able to issue server and client certificates. */
export async function createTestCa(commonName = 'fleetsim test CA'): Promise<TestCa> {
  const keys = await generateKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createSerial(),
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: SIGNING,
    ...createValidity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caKeyPem = await exportKeyPem(keys.privateKey);

  async function issue(opts: IssueOptions): Promise<TestCredentials> {
    const leafKeys = await generateKeys();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ];
    if (opts.usage === 'server') {
      extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
      extensions.push(
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ]),
      );
    } else {
      extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]));
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: createSerial(),
      subject: `CN=${opts.commonName}`,
      issuer: caCert.subject,
      publicKey: leafKeys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: SIGNING,
      ...createValidity(),
      extensions,
    });
    return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(leafKeys.privateKey) };
  }

  return { certPem: caCert.toString('pem'), keyPem: caKeyPem, issue };
}

/** Creates a CA, a server certificate for localhost/127.0.0.1 and a client-issuing helper. */
export async function createTestPki(): Promise<TestPki> {
  const ca = await createTestCa();
  const server = await ca.issue({ commonName: 'localhost', usage: 'server' });
  return { ca, server, issueClient: (commonName) => ca.issue({ commonName, usage: 'client' }) };
}
