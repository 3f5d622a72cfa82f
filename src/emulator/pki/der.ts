/**
 * A small DER (ASN.1 Distinguished Encoding Rules) encoder: just what X.509 certificates need.
 * Every function returns a complete TLV (tag, length, value) as a Buffer; constructed values take
 * their already-encoded children, so constant parts can be encoded once and reused.
 */
import { PkiError } from './errors.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Number of bytes the header of a TLV with `length` content bytes takes (single-byte tag). */
function measureHeader(length: number): number {
  if (length < 0x80) return 2;
  if (length < 0x100) return 3;
  if (length < 0x10000) return 4;
  if (length < 0x1000000) return 5;
  return 6;
}

function writeHeader(out: Buffer, tag: number, length: number): number {
  out[0] = tag;
  if (length < 0x80) {
    out[1] = length;
    return 2;
  }
  const headerLength = measureHeader(length);
  const lengthBytes = headerLength - 2;
  out[1] = 0x80 | lengthBytes;
  for (let i = 0; i < lengthBytes; i++) out[2 + i] = (length >>> (8 * (lengthBytes - 1 - i))) & 0xff;
  return headerLength;
}

/** Encode one TLV whose value is the concatenation of `parts` (no intermediate copies). */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = Buffer.allocUnsafe(measureHeader(length) + length);
  let offset = writeHeader(out, tag, length);
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function encodeSequence(...children: Uint8Array[]): Buffer {
  return encodeTlv(TAG.SEQUENCE, ...children);
}

/** A SET OF; children are sorted by their encoding as DER requires. */
export function encodeSet(...children: Buffer[]): Buffer {
  const sorted = children.length > 1 ? [...children].sort(Buffer.compare) : children;
  return encodeTlv(TAG.SET, ...sorted);
}

/** An INTEGER from unsigned big-endian magnitude bytes (leading zeros trimmed, sign byte added if needed). */
export function encodeUnsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return Buffer.from([TAG.INTEGER, 1, 0]);
  return (trimmed[0]! & 0x80) !== 0 ? encodeTlv(TAG.INTEGER, Buffer.of(0), trimmed) : encodeTlv(TAG.INTEGER, trimmed);
}

/** An INTEGER from a small non-negative JavaScript integer. */
export function encodeSmallInteger(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new PkiError('INVALID_DER', `cannot encode integer ${value}`);
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return encodeUnsignedInteger(Uint8Array.from(bytes));
}

export function encodeBoolean(value: boolean): Buffer {
  return Buffer.from([TAG.BOOLEAN, 1, value ? 0xff : 0x00]);
}

export function encodeNull(): Buffer {
  return Buffer.from([TAG.NULL, 0]);
}

/** An OBJECT IDENTIFIER from dotted form, e.g. '2.5.4.3'. */
export function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new PkiError('INVALID_DER', `invalid OID ${dotted}`);
    return Number(arc);
  });
  const [first, second] = arcs;
  if (arcs.length < 2 || first === undefined || second === undefined || first > 2 || (first < 2 && second > 39)) {
    throw new PkiError('INVALID_DER', `invalid OID ${dotted}`);
  }
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...arcs.slice(2)]) {
    if (!Number.isSafeInteger(arc)) throw new PkiError('INVALID_DER', `invalid OID ${dotted}`);
    const group: number[] = [arc % 128];
    let rest = Math.floor(arc / 128);
    while (rest > 0) {
      group.unshift((rest % 128) | 0x80);
      rest = Math.floor(rest / 128);
    }
    bytes.push(...group);
  }
  return encodeTlv(TAG.OID, Uint8Array.from(bytes));
}

export function encodeOctetString(value: Uint8Array): Buffer {
  return encodeTlv(TAG.OCTET_STRING, value);
}

/** A BIT STRING holding whole bytes (no unused bits), as used for keys and signatures. */
export function encodeBitString(value: Uint8Array): Buffer {
  return encodeTlv(TAG.BIT_STRING, Buffer.of(0), value);
}

/**
 * A named-bit BIT STRING (KeyUsage): bit 0 is the most significant bit of the first byte.
 * DER drops trailing zero bits and records how many bits of the last byte are unused.
 */
export function encodeNamedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return Buffer.from([TAG.BIT_STRING, 1, 0]);
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return encodeTlv(TAG.BIT_STRING, Buffer.of(unused), bytes);
}

export function encodeUtf8String(value: string): Buffer {
  return encodeTlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function encodePrintableString(value: string): Buffer {
  if (!PRINTABLE.test(value)) throw new PkiError('INVALID_DER', `not a PrintableString: ${JSON.stringify(value)}`);
  return encodeTlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1'));
}

export function encodeIa5String(value: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(value)) throw new PkiError('INVALID_DER', `not an IA5String: ${JSON.stringify(value)}`);
  return encodeTlv(TAG.IA5_STRING, Buffer.from(value, 'latin1'));
}

/** Context-specific constructed tag [n] EXPLICIT around already-encoded children. */
export function encodeExplicit(tagNumber: number, ...children: Uint8Array[]): Buffer {
  return encodeTlv(0xa0 | tagNumber, ...children);
}

/** Context-specific primitive tag [n] IMPLICIT with raw content bytes. */
export function encodeImplicit(tagNumber: number, content: Uint8Array): Buffer {
  return encodeTlv(0x80 | tagNumber, content);
}

function padTwo(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * An X.509 Time: UTCTime (YYMMDDHHMMSSZ) for years 1950-2049, GeneralizedTime (YYYYMMDDHHMMSSZ)
 * otherwise, as RFC 5280 section 4.1.2.5 requires. Sub-second precision is dropped.
 */
export function encodeTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (!Number.isFinite(year) || year < 0 || year > 9999) throw new PkiError('INVALID_DER', 'date out of range');
  const rest =
    padTwo(date.getUTCMonth() + 1) +
    padTwo(date.getUTCDate()) +
    padTwo(date.getUTCHours()) +
    padTwo(date.getUTCMinutes()) +
    padTwo(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return encodeTlv(TAG.UTC_TIME, Buffer.from(padTwo(year % 100) + rest, 'latin1'));
  return encodeTlv(TAG.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}
