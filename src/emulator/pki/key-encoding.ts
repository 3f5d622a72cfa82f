/**
 * Fast DER encodings of keys.
 *
 * OpenSSL 3's encoders behind `keyObject.export({type:'spki'|'pkcs8'})` cost 100-300 µs per call, more
 * than an ECDSA signature. The SEC1 export of an EC private key is a cheaper legacy path, and it holds
 * everything needed, so SPKI and PKCS#8 for EC keys are assembled here from it, byte-identical to what
 * OpenSSL writes (the unit tests compare them).
 *
 * The JWK export is NOT used: on Node 20 it can deadlock. `ExportJWKEcKey` holds the key's mutex while
 * allocating JS strings; a GC in that window may finalize the KeyGenJob that produced the key, whose
 * destructor takes the same mutex (observed with gdb: main thread stuck in ~KeyGenJob under ExportJWK).
 *
 * SPKI bytes are cached per KeyObject (WeakMap): keys made here or parsed from a CSR are registered when
 * they are created, so CertificateAuthority.issue never pays for an export on them.
 */
import crypto from 'node:crypto';
import { encodeOctetString, encodeOid, encodeSequence, encodeSmallInteger, encodeTlv, TAG } from './der.js';
import { expectNode, readChildren, readRoot, sliceRaw } from './der-reader.js';
import { OID } from './oids.js';
import { formatPem } from './pem.js';

const EC_PUBLIC_KEY_OID = encodeOid(OID.ecPublicKey);
const PKCS8_VERSION = encodeSmallInteger(0);
const EC_PRIVATE_KEY_VERSION = encodeSmallInteger(1);

const spkiCache = new WeakMap<crypto.KeyObject, Buffer>();

/** Register the SPKI DER of a key whose encoding is already known. */
export function rememberSpkiDer(key: crypto.KeyObject, spkiDer: Buffer): void {
  spkiCache.set(key, spkiDer);
}

/** SubjectPublicKeyInfo DER of a public (or private) key; cached per KeyObject. */
export function exportSpkiDer(key: crypto.KeyObject): Buffer {
  let spki = spkiCache.get(key);
  if (!spki) {
    const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
    spki = publicKey.export({ type: 'spki', format: 'der' });
    spkiCache.set(key, spki);
  }
  return spki;
}

export interface EcKeyEncodings {
  spkiDer: Buffer;
  pkcs8Der: Buffer;
}

/**
 * SPKI and PKCS#8 of an EC private key, from its SEC1 ECPrivateKey
 * `SEQUENCE { version 1, privateKey OCTET STRING, [0] namedCurve OID, [1] publicKey BIT STRING }`.
 * Returns undefined if the SEC1 form lacks the curve or the public key (then use node's export).
 */
export function encodeEcKeys(privateKey: crypto.KeyObject): EcKeyEncodings | undefined {
  const sec1 = privateKey.export({ type: 'sec1', format: 'der' });
  const root = readRoot(sec1, TAG.SEQUENCE, 'ECPrivateKey');
  const fields = readChildren(sec1, root);
  const scalar = fields[1];
  const params = fields.find((node) => node.tag === 0xa0);
  const point = fields.find((node) => node.tag === 0xa1);
  if (!scalar || scalar.tag !== TAG.OCTET_STRING || !params || !point) return undefined;
  const curveOid = expectNode(sec1, params.contentStart, TAG.OID, 'namedCurve', params.end);
  const publicKeyBits = expectNode(sec1, point.contentStart, TAG.BIT_STRING, 'publicKey', point.end);
  const algorithmIdentifier = encodeSequence(EC_PUBLIC_KEY_OID, sliceRaw(sec1, curveOid));
  const publicKeyBitString = sliceRaw(sec1, publicKeyBits);
  // Inside PKCS#8, OpenSSL writes the ECPrivateKey without [0] parameters (they are in the AlgorithmIdentifier).
  const innerKey = encodeSequence(EC_PRIVATE_KEY_VERSION, sliceRaw(sec1, scalar), encodeTlv(0xa1, publicKeyBitString));
  return {
    spkiDer: encodeSequence(algorithmIdentifier, publicKeyBitString),
    pkcs8Der: encodeSequence(PKCS8_VERSION, algorithmIdentifier, encodeOctetString(innerKey)),
  };
}

/** PKCS#8 PEM of a private key (EC via SEC1, others via node's export). */
export function exportPkcs8Pem(privateKey: crypto.KeyObject): string {
  const encoded = privateKey.asymmetricKeyType === 'ec' ? encodeEcKeys(privateKey) : undefined;
  if (encoded) return formatPem(encoded.pkcs8Der, 'PRIVATE KEY');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
