/**
 * Building blocks of an X.509 v3 certificate (RFC 5280): extensions, validity, SAN, signature
 * algorithm selection, signing and the certificate ID. CertificateAuthority composes them and caches the constant ones.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import {
  encodeBoolean,
  encodeExplicit,
  encodeIa5String,
  encodeImplicit,
  encodeNamedBits,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSmallInteger,
  encodeTime,
  encodeTlv,
  encodeBitString,
  TAG,
} from './der.js';
import { expectNode, readBitStringBytes, readChildren, readOid, readRoot } from './der-reader.js';
import { PkiError } from './errors.js';
import { OID } from './oids.js';

export type CertificateUsage = 'server' | 'client' | 'ca';

/** `[0] EXPLICIT INTEGER 2`: the version field of every v3 certificate. */
export const VERSION_V3 = encodeExplicit(0, encodeSmallInteger(2));

export const KEY_USAGE_BIT = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export function encodeExtension(oid: string, critical: boolean, value: Buffer): Buffer {
  // DER omits `critical` when it has its DEFAULT value FALSE.
  return critical
    ? encodeSequence(encodeOid(oid), encodeBoolean(true), encodeOctetString(value))
    : encodeSequence(encodeOid(oid), encodeOctetString(value));
}

export function encodeBasicConstraints(isCa: boolean, pathLength?: number): Buffer {
  const parts: Buffer[] = [];
  if (isCa) parts.push(encodeBoolean(true));
  if (isCa && pathLength !== undefined) parts.push(encodeSmallInteger(pathLength));
  return encodeExtension(OID.basicConstraints, true, encodeSequence(...parts));
}

export function encodeKeyUsage(bits: readonly number[]): Buffer {
  return encodeExtension(OID.keyUsage, true, encodeNamedBits(bits));
}

export function encodeExtendedKeyUsage(purposes: readonly string[]): Buffer {
  return encodeExtension(OID.extKeyUsage, false, encodeSequence(...purposes.map(encodeOid)));
}

export function encodeSubjectKeyIdentifier(keyId: Buffer): Buffer {
  return encodeExtension(OID.subjectKeyIdentifier, false, encodeOctetString(keyId));
}

export function encodeAuthorityKeyIdentifier(keyId: Buffer): Buffer {
  return encodeExtension(OID.authorityKeyIdentifier, false, encodeSequence(encodeImplicit(0, keyId)));
}

/**
 * Key identifier method (1) of RFC 5280 4.2.1.2: SHA-1 of the subjectPublicKey BIT STRING value.
 */
export function computeKeyIdentifier(spkiDer: Buffer): Buffer {
  const root = readRoot(spkiDer, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  const children = readChildren(spkiDer, root);
  const bits = children[1];
  if (children.length !== 2 || !bits) throw new PkiError('INVALID_DER', 'SubjectPublicKeyInfo must have two fields');
  return crypto.createHash('sha1').update(readBitStringBytes(spkiDer, bits)).digest();
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : NaN));
  return bytes.every((byte) => byte >= 0 && byte <= 255) ? bytes : undefined;
}

function parseIpv6Groups(text: string): number[] {
  if (text === '') return [];
  const groups: number[] = [];
  for (const piece of text.split(':')) {
    const v4 = piece.includes('.') ? parseIpv4(piece) : undefined;
    if (v4) groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    else groups.push(Number.parseInt(piece, 16));
  }
  return groups;
}

/** The 4- or 16-byte form of an IP address for an iPAddress GeneralName. */
export function parseIpAddress(text: string): Buffer {
  if (net.isIPv4(text)) return Buffer.from(parseIpv4(text)!);
  if (net.isIPv6(text) && !text.includes('%')) {
    const split = text.indexOf('::');
    const left = parseIpv6Groups(split >= 0 ? text.slice(0, split) : text);
    const right = split >= 0 ? parseIpv6Groups(text.slice(split + 2)) : [];
    const zeros = split >= 0 ? 8 - left.length - right.length : 0;
    const groups = [...left, ...new Array<number>(Math.max(0, zeros)).fill(0), ...right];
    if (groups.length === 8 && groups.every((group) => group >= 0 && group <= 0xffff)) {
      const out = Buffer.alloc(16);
      groups.forEach((group, i) => out.writeUInt16BE(group, i * 2));
      return out;
    }
  }
  throw new PkiError('INVALID_ISSUE_OPTIONS', `not an IP address: ${JSON.stringify(text)}`);
}

const DNS_NAME = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** The subjectAltName extension, or undefined when there are no names. */
export function encodeSubjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): Buffer | undefined {
  if (dnsNames.length === 0 && ipAddresses.length === 0) return undefined;
  const names: Buffer[] = [];
  for (const dns of dnsNames) {
    if (typeof dns !== 'string' || dns.length > 253 || !DNS_NAME.test(dns)) {
      throw new PkiError('INVALID_ISSUE_OPTIONS', `not a DNS name: ${JSON.stringify(dns)}`);
    }
    // dNSName [2] IMPLICIT IA5String: reuse the IA5 check, then retag.
    const ia5 = encodeIa5String(dns);
    ia5[0] = 0x82;
    names.push(ia5);
  }
  for (const ip of ipAddresses) names.push(encodeImplicit(7, parseIpAddress(ip)));
  return encodeExtension(OID.subjectAltName, false, encodeSequence(...names));
}

export function encodeValidity(notBefore: Date, notAfter: Date): Buffer {
  return encodeSequence(encodeTime(notBefore), encodeTime(notAfter));
}

export interface SignatureProfile {
  /** digest passed to crypto.sign */
  hash: 'sha256' | 'sha384' | 'sha512';
  /** encoded AlgorithmIdentifier for tbsCertificate.signature and Certificate.signatureAlgorithm */
  algorithmIdentifier: Buffer;
}

/** The signature algorithm a CA key signs with: RSA PKCS#1 v1.5 SHA-256, or ECDSA with the curve's hash. */
export function selectSignatureProfile(key: crypto.KeyObject): SignatureProfile {
  if (key.asymmetricKeyType === 'rsa') {
    return { hash: 'sha256', algorithmIdentifier: encodeSequence(encodeOid(OID.sha256WithRsa), encodeNull()) };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { hash: 'sha256', algorithmIdentifier: encodeSequence(encodeOid(OID.ecdsaWithSha256)) };
    if (curve === 'secp384r1') return { hash: 'sha384', algorithmIdentifier: encodeSequence(encodeOid(OID.ecdsaWithSha384)) };
    if (curve === 'secp521r1') return { hash: 'sha512', algorithmIdentifier: encodeSequence(encodeOid(OID.ecdsaWithSha512)) };
  }
  throw new PkiError('UNSUPPORTED_KEY', `a CA key must be RSA or EC P-256/P-384/P-521, got ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** Sign a TBSCertificate and wrap it into a Certificate. */
export function signCertificate(tbs: Buffer, profile: SignatureProfile, privateKey: crypto.KeyObject): Buffer {
  const signature = crypto.sign(profile.hash, tbs, privateKey);
  return encodeSequence(tbs, profile.algorithmIdentifier, encodeBitString(signature));
}

/** Lowercase hex SHA-256 of the DER, the form of an AWS IoT certificate ID. */
export function computeCertificateId(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex');
}

const serialPool = { bytes: Buffer.alloc(0), offset: 0 };

/** 16 random bytes as a positive INTEGER with a non-zero first byte (so always exactly 16 bytes). */
export function generateSerialNumber(): Buffer {
  if (serialPool.offset + 16 > serialPool.bytes.length) {
    serialPool.bytes = crypto.randomBytes(16 * 256);
    serialPool.offset = 0;
  }
  const serial = Buffer.from(serialPool.bytes.subarray(serialPool.offset, serialPool.offset + 16));
  serialPool.offset += 16;
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/** Encode an INTEGER whose content is exactly `serial` (already positive and minimal). */
export function encodeSerialNumber(serial: Buffer): Buffer {
  return encodeTlv(TAG.INTEGER, serial);
}

/** The pieces of a parsed certificate that an issuer needs. */
export interface CertificateParts {
  subjectNameDer: Buffer;
  spkiDer: Buffer;
  /** the subjectKeyIdentifier extension's key id, if present */
  subjectKeyId?: Buffer;
}

/** Pull the subject Name, SPKI and subjectKeyIdentifier out of a DER certificate. */
export function readCertificateParts(der: Buffer): CertificateParts {
  const certificate = readRoot(der, TAG.SEQUENCE, 'Certificate');
  const [tbsNode] = readChildren(der, certificate);
  if (!tbsNode) throw new PkiError('INVALID_DER', 'Certificate has no tbsCertificate');
  const fields = readChildren(der, tbsNode);
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  const spki = fields[base + 5];
  if (!subject || subject.tag !== TAG.SEQUENCE || !spki || spki.tag !== TAG.SEQUENCE) {
    throw new PkiError('INVALID_DER', 'tbsCertificate is missing subject or subjectPublicKeyInfo');
  }
  const parts: CertificateParts = {
    subjectNameDer: der.subarray(subject.start, subject.end),
    spkiDer: der.subarray(spki.start, spki.end),
  };
  const extensionsWrapper = fields.find((node) => node.tag === 0xa3);
  if (!extensionsWrapper) return parts;
  const [extensions] = readChildren(der, extensionsWrapper);
  if (!extensions) return parts;
  for (const extension of readChildren(der, extensions)) {
    const items = readChildren(der, extension);
    const oid = items[0];
    const value = items[items.length - 1];
    if (!oid || !value || value.tag !== TAG.OCTET_STRING || readOid(der, oid) !== OID.subjectKeyIdentifier) continue;
    const keyId = expectNode(der, value.contentStart, TAG.OCTET_STRING, 'subjectKeyIdentifier', value.end);
    parts.subjectKeyId = der.subarray(keyId.contentStart, keyId.end);
  }
  return parts;
}
