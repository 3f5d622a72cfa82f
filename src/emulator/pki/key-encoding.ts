/**
 * Fast DER encodings of keys. OpenSSL 3's encoder path behind `keyObject.export({type:'spki'})` and
 * `export({type:'pkcs8'})` costs 100-250 µs per call, more than an ECDSA signature, while the JWK export is
 * a few µs. So SPKI (RSA, EC) and EC PKCS#8 are assembled here from the JWK fields, byte-identical to
 * what OpenSSL writes (the unit tests compare them); other key types fall back to node's export.
 */
import crypto from 'node:crypto';
import {
  encodeBitString,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSmallInteger,
  encodeTlv,
  encodeUnsignedInteger,
} from './der.js';
import { formatPem } from './certificate.js';
import { OID } from './oids.js';

interface CurveInfo {
  /** the curve's AlgorithmIdentifier for id-ecPublicKey */
  algorithmIdentifier: Buffer;
  /** field size in bytes */
  size: number;
}

function describeCurve(oid: string, size: number): CurveInfo {
  return { algorithmIdentifier: encodeSequence(encodeOid(OID.ecPublicKey), encodeOid(oid)), size };
}

const CURVES: Record<string, CurveInfo> = {
  'P-256': describeCurve('1.2.840.10045.3.1.7', 32),
  'P-384': describeCurve('1.3.132.0.34', 48),
  'P-521': describeCurve('1.3.132.0.35', 66),
};

const RSA_ALGORITHM_IDENTIFIER = encodeSequence(encodeOid(OID.rsaEncryption), encodeNull());
const PKCS8_VERSION = encodeSmallInteger(0);
const EC_PRIVATE_KEY_VERSION = encodeSmallInteger(1);

function decodeFixed(base64url: string | undefined, size: number): Buffer {
  const bytes = Buffer.from(base64url ?? '', 'base64url');
  if (bytes.length === size) return bytes;
  if (bytes.length > size) throw new RangeError('JWK coordinate longer than the curve size');
  return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}

function encodeEcPoint(jwk: crypto.JsonWebKey, curve: CurveInfo): Buffer {
  return Buffer.concat([Buffer.of(0x04), decodeFixed(jwk.x, curve.size), decodeFixed(jwk.y, curve.size)]);
}

function buildSpkiDer(key: crypto.KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec' || key.asymmetricKeyType === 'rsa') {
    const jwk = key.export({ format: 'jwk' });
    if (jwk.kty === 'EC' && jwk.crv && CURVES[jwk.crv]) {
      const curve = CURVES[jwk.crv]!;
      return encodeSequence(curve.algorithmIdentifier, encodeBitString(encodeEcPoint(jwk, curve)));
    }
    if (jwk.kty === 'RSA' && jwk.n && jwk.e) {
      const rsaPublicKey = encodeSequence(
        encodeUnsignedInteger(Buffer.from(jwk.n, 'base64url')),
        encodeUnsignedInteger(Buffer.from(jwk.e, 'base64url')),
      );
      return encodeSequence(RSA_ALGORITHM_IDENTIFIER, encodeBitString(rsaPublicKey));
    }
  }
  return key.export({ type: 'spki', format: 'der' });
}

const spkiCache = new WeakMap<crypto.KeyObject, Buffer>();

/** SubjectPublicKeyInfo DER of a public (or private) key; cached per KeyObject. */
export function exportSpkiDer(key: crypto.KeyObject): Buffer {
  let spki = spkiCache.get(key);
  if (!spki) {
    spki = buildSpkiDer(key);
    spkiCache.set(key, spki);
  }
  return spki;
}

/** PKCS#8 PEM of a private key (EC built from JWK; others via node). */
export function exportPkcs8Pem(privateKey: crypto.KeyObject): string {
  if (privateKey.asymmetricKeyType === 'ec') {
    const jwk = privateKey.export({ format: 'jwk' });
    const curve = jwk.crv ? CURVES[jwk.crv] : undefined;
    if (curve && jwk.d) {
      // ECPrivateKey (RFC 5915) without the optional parameters, as OpenSSL writes it inside PKCS#8.
      const ecPrivateKey = encodeSequence(
        EC_PRIVATE_KEY_VERSION,
        encodeOctetString(decodeFixed(jwk.d, curve.size)),
        encodeTlv(0xa1, encodeBitString(encodeEcPoint(jwk, curve))),
      );
      const der = encodeSequence(PKCS8_VERSION, curve.algorithmIdentifier, encodeOctetString(ecPrivateKey));
      return formatPem(der, 'PRIVATE KEY');
    }
  }
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
