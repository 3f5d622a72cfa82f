/**
 * X.501 distinguished names: encode (UTF8String values, C as PrintableString) and decode.
 */
import { encodeOid, encodePrintableString, encodeSequence, encodeSet, encodeUtf8String } from './der.js';
import { decodeDirectoryString, readChildren, readOid, type DerNode } from './der-reader.js';
import { PkiError } from './errors.js';
import { OID } from './oids.js';

export interface DistinguishedName {
  CN: string;
  O?: string;
  OU?: string;
  C?: string;
}

/** Attribute order in the encoded name (most general first, as is conventional). */
const ATTRIBUTES = [
  { key: 'C', oid: OID.countryName },
  { key: 'O', oid: OID.organizationName },
  { key: 'OU', oid: OID.organizationalUnitName },
  { key: 'CN', oid: OID.commonName },
] as const;

function encodeAttributeValue(key: keyof DistinguishedName, value: string): Buffer {
  if (key === 'C') {
    if (!/^[A-Z]{2}$/.test(value)) throw new PkiError('INVALID_NAME', `C must be a two-letter country code, got ${JSON.stringify(value)}`);
    return encodePrintableString(value);
  }
  return encodeUtf8String(value);
}

/** Encode a Name (SEQUENCE OF RelativeDistinguishedName, one attribute per RDN). */
export function encodeName(dn: DistinguishedName): Buffer {
  if (typeof dn.CN !== 'string' || dn.CN.length === 0) throw new PkiError('INVALID_NAME', 'CN must be a non-empty string');
  const rdns: Buffer[] = [];
  for (const { key, oid } of ATTRIBUTES) {
    const value = dn[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) {
      throw new PkiError('INVALID_NAME', `${key} must be a non-empty string when given`);
    }
    rdns.push(encodeSet(encodeSequence(encodeOid(oid), encodeAttributeValue(key, value))));
  }
  return encodeSequence(...rdns);
}

/** Decode a Name; attributes other than CN/O/OU/C are ignored, a missing CN becomes ''. */
export function decodeName(buf: Buffer, node: DerNode): DistinguishedName {
  const dn: DistinguishedName = { CN: '' };
  for (const rdn of readChildren(buf, node)) {
    for (const attribute of readChildren(buf, rdn)) {
      const [typeNode, valueNode] = readChildren(buf, attribute);
      if (!typeNode || !valueNode) throw new PkiError('INVALID_DER', 'malformed AttributeTypeAndValue');
      const match = ATTRIBUTES.find((entry) => entry.oid === readOid(buf, typeNode));
      if (match) dn[match.key] = decodeDirectoryString(buf, valueNode);
    }
  }
  return dn;
}
