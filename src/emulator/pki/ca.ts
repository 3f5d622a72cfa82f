/**
 * The emulator's certificate authority. issue() is synchronous and builds the TBSCertificate bytes
 * directly: the issuer name, algorithm identifiers and the constant extensions of each usage are
 * encoded once per CA; per certificate only the serial, validity, subject, key, SKI and SAN are encoded,
 * then node:crypto signs (ECDSA with the curve's hash in DER form, or RSA PKCS#1 v1.5 SHA-256).
 */
import crypto from 'node:crypto';
import {
  KEY_USAGE_BIT,
  VERSION_V3,
  computeCertificateId,
  computeKeyIdentifier,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtendedKeyUsage,
  encodeKeyUsage,
  encodeSerialNumber,
  encodeSubjectAltName,
  encodeSubjectKeyIdentifier,
  encodeValidity,
  generateSerialNumber,
  readCertificateParts,
  selectSignatureProfile,
  signCertificate,
  type CertificateUsage,
  type SignatureProfile,
} from './certificate.js';
import { encodeExplicit, encodeSequence } from './der.js';
import { PkiError } from './errors.js';
import { exportPkcs8Pem, exportSpkiDer } from './key-encoding.js';
import { formatPem } from './pem.js';
import { generateKeyPairSyncFor } from './keys.js';
import { encodeName, type DistinguishedName } from './names.js';
import { OID } from './oids.js';

export type { DistinguishedName } from './names.js';
export type { CertificateUsage } from './certificate.js';

export interface IssueOptions {
  /** the subject's public key */
  publicKey: crypto.KeyObject;
  subject: DistinguishedName;
  /** EKU serverAuth / clientAuth; 'ca' = intermediate CA (keyCertSign, pathLen 0) */
  usage: CertificateUsage;
  /** SAN dNSName entries. For 'server' with neither list given: localhost, 127.0.0.1, ::1 */
  dnsNames?: string[];
  /** SAN iPAddress entries (IPv4 or IPv6 text) */
  ipAddresses?: string[];
  /** default 365; notBefore = now - 5 min */
  validityDays?: number;
}

export interface IssuedCertificate {
  certificatePem: string;
  certificateDer: Buffer;
  /** lowercase hex SHA-256 of the DER (64 chars), like an AWS IoT certificate ID */
  certificateId: string;
  serialNumberHex: string;
  notAfter: Date;
}

export interface CreateCaOptions {
  subject: DistinguishedName;
  keyAlgorithm?: 'ec-p256' | 'rsa-2048';
  /** default 3650 */
  validityDays?: number;
}

export const DEFAULT_SERVER_DNS_NAMES: readonly string[] = ['localhost'];
export const DEFAULT_SERVER_IP_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];

const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function computeValidity(validityDays: number | undefined, fallbackDays: number): { notBefore: Date; notAfter: Date } {
  const days = validityDays ?? fallbackDays;
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) {
    throw new PkiError('INVALID_ISSUE_OPTIONS', `validityDays must be a positive number, got ${String(days)}`);
  }
  const now = Math.floor(Date.now() / 1000) * 1000;
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + Math.round(days * DAY_MS / 1000) * 1000) };
}

function assertPublicKey(key: unknown): asserts key is crypto.KeyObject {
  if (!(key instanceof crypto.KeyObject) || key.type !== 'public') {
    throw new PkiError('INVALID_ISSUE_OPTIONS', 'publicKey must be a public crypto.KeyObject');
  }
}

interface CaParts {
  certificateDer: Buffer;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  subjectNameDer: Buffer;
  keyId: Buffer;
}

export class CertificateAuthority {
  readonly certificatePem: string;
  readonly certificateDer: Buffer;
  readonly certificateId: string;
  /** the CA's public key, e.g. for `X509Certificate.verify` */
  readonly publicKey: crypto.KeyObject;
  readonly #privateKey: crypto.KeyObject;
  readonly #signature: SignatureProfile;
  readonly #issuerNameDer: Buffer;
  readonly #authorityKeyId: Buffer;
  /** constant extensions (BasicConstraints, KeyUsage, EKU, AKI) per usage and subject key family */
  readonly #constantExtensions = new Map<string, Buffer>();

  private constructor(parts: CaParts) {
    this.certificateDer = parts.certificateDer;
    this.certificatePem = formatPem(parts.certificateDer, 'CERTIFICATE');
    this.certificateId = computeCertificateId(parts.certificateDer);
    this.publicKey = parts.publicKey;
    this.#privateKey = parts.privateKey;
    this.#signature = selectSignatureProfile(parts.privateKey);
    this.#issuerNameDer = parts.subjectNameDer;
    this.#authorityKeyId = encodeAuthorityKeyIdentifier(parts.keyId);
  }

  /** A new self-signed root: BasicConstraints CA critical, KeyUsage keyCertSign+cRLSign critical, SKI. */
  static create(opts: CreateCaOptions): CertificateAuthority {
    const keys = generateKeyPairSyncFor(opts.keyAlgorithm ?? 'ec-p256');
    const subjectNameDer = encodeName(opts.subject);
    const spkiDer = exportSpkiDer(keys.publicKey);
    const keyId = computeKeyIdentifier(spkiDer);
    const { notBefore, notAfter } = computeValidity(opts.validityDays, 3650);
    const profile = selectSignatureProfile(keys.privateKey);
    const extensions = encodeExplicit(
      3,
      encodeSequence(
        encodeBasicConstraints(true),
        encodeKeyUsage([KEY_USAGE_BIT.keyCertSign, KEY_USAGE_BIT.cRLSign]),
        encodeSubjectKeyIdentifier(keyId),
      ),
    );
    const tbs = encodeSequence(
      VERSION_V3,
      encodeSerialNumber(generateSerialNumber()),
      profile.algorithmIdentifier,
      subjectNameDer,
      encodeValidity(notBefore, notAfter),
      subjectNameDer,
      spkiDer,
      extensions,
    );
    const certificateDer = signCertificate(tbs, profile, keys.privateKey);
    return new CertificateAuthority({ certificateDer, privateKey: keys.privateKey, publicKey: keys.publicKey, subjectNameDer, keyId });
  }

  /** Load a saved CA (certificate + matching private key, both PEM). */
  static fromPem(certPem: string, keyPem: string): CertificateAuthority {
    let certificate: crypto.X509Certificate;
    let privateKey: crypto.KeyObject;
    try {
      certificate = new crypto.X509Certificate(certPem);
    } catch (err) {
      throw new PkiError('INVALID_CA', `CA certificate is not a valid PEM certificate: ${(err as Error).message}`);
    }
    try {
      privateKey = crypto.createPrivateKey(keyPem);
    } catch {
      throw new PkiError('INVALID_CA', 'CA private key is not a valid PEM private key');
    }
    if (!certificate.ca) throw new PkiError('INVALID_CA', 'certificate is not a CA (BasicConstraints CA:true missing)');
    if (!certificate.checkPrivateKey(privateKey)) throw new PkiError('INVALID_CA', 'private key does not match the CA certificate');
    const parts = readCertificateParts(certificate.raw);
    return new CertificateAuthority({
      certificateDer: Buffer.from(certificate.raw),
      privateKey,
      publicKey: certificate.publicKey,
      subjectNameDer: Buffer.from(parts.subjectNameDer),
      keyId: parts.subjectKeyId ? Buffer.from(parts.subjectKeyId) : computeKeyIdentifier(parts.spkiDer),
    });
  }

  /** PEM (PKCS#8) of the CA private key, only for saving the CA to a 0600 file. Never log it. */
  exportPrivateKeyPem(): string {
    return exportPkcs8Pem(this.#privateKey);
  }

  /** Issue a certificate signed by this CA (synchronous). */
  issue(opts: IssueOptions): IssuedCertificate {
    assertPublicKey(opts.publicKey);
    const spkiDer = exportSpkiDer(opts.publicKey);
    const subjectIsRsa = opts.publicKey.asymmetricKeyType === 'rsa';
    const { notBefore, notAfter } = computeValidity(opts.validityDays, 365);
    const useDefaults = opts.usage === 'server' && opts.dnsNames === undefined && opts.ipAddresses === undefined;
    const san = encodeSubjectAltName(
      useDefaults ? DEFAULT_SERVER_DNS_NAMES : (opts.dnsNames ?? []),
      useDefaults ? DEFAULT_SERVER_IP_ADDRESSES : (opts.ipAddresses ?? []),
    );
    const extensionList = [this.#selectConstantExtensions(opts.usage, subjectIsRsa), encodeSubjectKeyIdentifier(computeKeyIdentifier(spkiDer))];
    if (san) extensionList.push(san);
    const serial = generateSerialNumber();
    const tbs = encodeSequence(
      VERSION_V3,
      encodeSerialNumber(serial),
      this.#signature.algorithmIdentifier,
      this.#issuerNameDer,
      encodeValidity(notBefore, notAfter),
      encodeName(opts.subject),
      spkiDer,
      encodeExplicit(3, encodeSequence(...extensionList)),
    );
    const certificateDer = signCertificate(tbs, this.#signature, this.#privateKey);
    return {
      certificatePem: formatPem(certificateDer, 'CERTIFICATE'),
      certificateDer,
      certificateId: computeCertificateId(certificateDer),
      serialNumberHex: serial.toString('hex'),
      notAfter,
    };
  }

  #selectConstantExtensions(usage: CertificateUsage, subjectIsRsa: boolean): Buffer {
    const cacheKey = `${usage}:${subjectIsRsa ? 'rsa' : 'other'}`;
    const cached = this.#constantExtensions.get(cacheKey);
    if (cached) return cached;
    let parts: Buffer[];
    if (usage === 'ca') {
      parts = [encodeBasicConstraints(true, 0), encodeKeyUsage([KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.keyCertSign, KEY_USAGE_BIT.cRLSign])];
    } else if (usage === 'server' || usage === 'client') {
      const bits: number[] = [KEY_USAGE_BIT.digitalSignature];
      if (subjectIsRsa) bits.push(KEY_USAGE_BIT.keyEncipherment);
      parts = [encodeBasicConstraints(false), encodeKeyUsage(bits), encodeExtendedKeyUsage([usage === 'server' ? OID.serverAuth : OID.clientAuth])];
    } else {
      throw new PkiError('INVALID_ISSUE_OPTIONS', `usage must be 'server', 'client' or 'ca', got ${String(usage)}`);
    }
    parts.push(this.#authorityKeyId);
    const encoded = Buffer.concat(parts);
    this.#constantExtensions.set(cacheKey, encoded);
    return encoded;
  }
}
