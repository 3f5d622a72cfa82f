/**
 * PKCS#10 certificate signing requests (RFC 2986) for CreateCertificateFromCsr: parse the PEM, check the
 * key against AWS's rule (RSA >= 2048 bits, EC P-256 or P-384) and verify the self-signature, all with
 * node:crypto and the local DER reader (synchronous and fast; parseCsr is the async facade).
 */
import crypto from 'node:crypto';
import { readBitStringBytes, readChildren, readOid, readRoot, sliceRaw } from './der-reader.js';
import { TAG } from './der.js';
import { CsrError } from './errors.js';
import { rememberSpkiDer } from './key-encoding.js';
import { classifyPublicKey, type KeyAlgorithm } from './keys.js';
import { decodeName, type DistinguishedName } from './names.js';
import { OID } from './oids.js';

export { CsrError } from './errors.js';

export interface ParsedCsr {
  publicKey: crypto.KeyObject;
  /** RSA keys of 2048 bits or more are reported as the 'rsa-2048' family; see keyBits */
  keyAlgorithm: KeyAlgorithm | 'unsupported';
  keyBits: number;
  subject: DistinguishedName;
}

/** Larger PEM input is refused before any parsing. */
export const MAX_CSR_PEM_LENGTH = 64 * 1024;

const PEM_CSR = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]*?)-----END (NEW )?CERTIFICATE REQUEST-----/;

const SIGNATURE_ALGORITHMS: Record<string, { hash: string; keyType: 'rsa' | 'ec' }> = {
  [OID.sha256WithRsa]: { hash: 'sha256', keyType: 'rsa' },
  [OID.sha384WithRsa]: { hash: 'sha384', keyType: 'rsa' },
  [OID.sha512WithRsa]: { hash: 'sha512', keyType: 'rsa' },
  [OID.ecdsaWithSha256]: { hash: 'sha256', keyType: 'ec' },
  [OID.ecdsaWithSha384]: { hash: 'sha384', keyType: 'ec' },
  [OID.ecdsaWithSha512]: { hash: 'sha512', keyType: 'ec' },
};

function decodePem(pem: unknown): Buffer {
  if (typeof pem !== 'string' || pem.length === 0) throw new CsrError('certificateSigningRequest must be a non-empty PEM string');
  if (pem.length > MAX_CSR_PEM_LENGTH) throw new CsrError(`certificateSigningRequest is longer than ${MAX_CSR_PEM_LENGTH} characters`);
  const match = PEM_CSR.exec(pem);
  if (!match) throw new CsrError('certificateSigningRequest is not a PEM "CERTIFICATE REQUEST"');
  const der = Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64');
  if (der.length === 0) throw new CsrError('certificateSigningRequest PEM has no content');
  return der;
}

interface CsrFields {
  info: Buffer;
  subject: DistinguishedName;
  spki: Buffer;
  signatureOid: string;
  signature: Buffer;
}

function readCsrFields(der: Buffer): CsrFields {
  try {
    const root = readRoot(der, TAG.SEQUENCE, 'CertificationRequest');
    const [infoNode, algorithmNode, signatureNode, ...extra] = readChildren(der, root);
    if (!infoNode || !algorithmNode || !signatureNode || extra.length > 0) throw new Error('expected 3 fields');
    const [versionNode, subjectNode, spkiNode] = readChildren(der, infoNode);
    if (!versionNode || versionNode.tag !== TAG.INTEGER || !subjectNode || !spkiNode || spkiNode.tag !== TAG.SEQUENCE) {
      throw new Error('malformed certificationRequestInfo');
    }
    const [oidNode] = readChildren(der, algorithmNode);
    if (!oidNode) throw new Error('empty signatureAlgorithm');
    return {
      info: sliceRaw(der, infoNode),
      subject: decodeName(der, subjectNode),
      spki: sliceRaw(der, spkiNode),
      signatureOid: readOid(der, oidNode),
      signature: readBitStringBytes(der, signatureNode),
    };
  } catch (err) {
    throw new CsrError(`certificateSigningRequest is not a valid PKCS#10 CSR: ${(err as Error).message}`);
  }
}

function describeKey(key: crypto.KeyObject, bits: number): string {
  if (key.asymmetricKeyType === 'ec') return `EC ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown curve'}`;
  if (key.asymmetricKeyType === 'rsa') return `RSA-${bits}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/** Synchronous parse + verify; throws CsrError. */
export function parseCsrSync(pem: string): ParsedCsr {
  const fields = readCsrFields(decodePem(pem));
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey({ key: fields.spki, format: 'der', type: 'spki' });
    // The certificate will carry the key exactly as the device submitted it.
    rememberSpkiDer(publicKey, Buffer.from(fields.spki));
  } catch (err) {
    throw new CsrError(`CSR public key cannot be read: ${(err as Error).message}`);
  }
  const { keyAlgorithm, keyBits } = classifyPublicKey(publicKey);
  if (keyAlgorithm === 'unsupported') {
    throw new CsrError(`CSR key ${describeKey(publicKey, keyBits)} is not supported: use RSA >= 2048 bits, EC P-256 or EC P-384`);
  }
  const algorithm = SIGNATURE_ALGORITHMS[fields.signatureOid];
  if (!algorithm) throw new CsrError(`CSR signature algorithm ${fields.signatureOid} is not supported`);
  if (algorithm.keyType !== publicKey.asymmetricKeyType) throw new CsrError('CSR signature algorithm does not match its key');
  let valid: boolean;
  try {
    valid = crypto.verify(algorithm.hash, fields.info, publicKey, fields.signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new CsrError('CSR signature does not verify');
  return { publicKey, keyAlgorithm, keyBits, subject: fields.subject };
}

/** Parse + verify the self-signature of a PEM PKCS#10 CSR. Rejects with CsrError. */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  return parseCsrSync(pem);
}
