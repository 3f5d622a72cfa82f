/**
 * Device-side keys and certificate signing requests (for the CreateCertificateFromCsr flow).
 * The private key never leaves the device object.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type EcKeyGenParams = import('node:crypto').webcrypto.EcKeyGenParams;
type RsaHashedKeyGenParams = import('node:crypto').webcrypto.RsaHashedKeyGenParams;
type CryptoKeyPair = import('node:crypto').webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);


export type DeviceKeyAlgorithm = 'ec-p256' | 'ec-p384' | 'rsa-2048';

const ALGS: Record<DeviceKeyAlgorithm, EcKeyGenParams | RsaHashedKeyGenParams> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
  'ec-p384': { name: 'ECDSA', namedCurve: 'P-384' } as EcKeyGenParams,
  'rsa-2048': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as RsaHashedKeyGenParams,
};

export interface DeviceCsr {
  csrPem: string;
  /** PKCS#8 PEM: stays in memory, used only to reconnect with the issued certificate */
  privateKeyPem: string;
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function createDeviceCsr(alg: DeviceKeyAlgorithm, commonName: string): Promise<DeviceCsr> {
  const params = ALGS[alg];
  const signingAlgorithm = params.name === 'ECDSA' ? { name: 'ECDSA', hash: alg === 'ec-p384' ? 'SHA-384' : 'SHA-256' } : params;
  const keys = (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName.replace(/[,+="\\<>;]/g, '_')}`,
    keys,
    signingAlgorithm,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), privateKeyPem: toPem(pkcs8, 'PRIVATE KEY') };
}
