/**
 * A minimal, bounds-checked DER reader: enough to walk certificates, CSRs and SubjectPublicKeyInfo.
 * Every malformed input raises PkiError('INVALID_DER'); nothing reads past the end of the buffer.
 */
import { PkiError } from './errors.js';
import { TAG } from './der.js';

/** One TLV inside `buf`: the value is buf[contentStart, end). */
export interface DerNode {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function failDer(message: string): never {
  throw new PkiError('INVALID_DER', message);
}

/** Read the TLV starting at `offset`; it must end at or before `limit`. */
export function readNode(buf: Uint8Array, offset: number, limit: number = buf.length): DerNode {
  if (offset + 2 > limit) failDer('truncated DER header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) failDer('multi-byte DER tags are not supported');
  const first = buf[offset + 1]!;
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) failDer('indefinite length is not DER');
    if (count > 4) failDer('DER length too large');
    if (contentStart + count > limit) failDer('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) failDer('DER value runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** Read `node` and check its tag. */
export function expectNode(buf: Uint8Array, offset: number, tag: number, what: string, limit?: number): DerNode {
  const node = readNode(buf, offset, limit);
  if (node.tag !== tag) failDer(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** The direct children of a constructed node. */
export function readChildren(buf: Uint8Array, node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) failDer('not a constructed DER value');
  const children: DerNode[] = [];
  let offset = node.contentStart;
  while (offset < node.end) {
    const child = readNode(buf, offset, node.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Read a whole buffer that must hold exactly one top-level TLV. */
export function readRoot(buf: Uint8Array, tag: number, what: string): DerNode {
  const node = expectNode(buf, 0, tag, what);
  if (node.end !== buf.length) failDer(`${what}: trailing bytes after the DER value`);
  return node;
}

export function sliceContent(buf: Buffer, node: DerNode): Buffer {
  return buf.subarray(node.contentStart, node.end);
}

export function sliceRaw(buf: Buffer, node: DerNode): Buffer {
  return buf.subarray(node.start, node.end);
}

/** The bytes of a BIT STRING with no unused bits (keys, signatures). */
export function readBitStringBytes(buf: Buffer, node: DerNode): Buffer {
  if (node.tag !== TAG.BIT_STRING) failDer('expected a BIT STRING');
  if (node.end === node.contentStart || buf[node.contentStart] !== 0) failDer('BIT STRING has unused bits');
  return buf.subarray(node.contentStart + 1, node.end);
}

/** Decode OBJECT IDENTIFIER content to dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) failDer('empty OID');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) failDer('OID arc too large');
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      failDer('truncated OID');
    }
  }
  return arcs.join('.');
}

export function readOid(buf: Buffer, node: DerNode): string {
  if (node.tag !== TAG.OID) failDer('expected an OBJECT IDENTIFIER');
  return decodeOid(sliceContent(buf, node));
}

/** Decode one of the ASN.1 string types used in names. */
export function decodeDirectoryString(buf: Buffer, node: DerNode): string {
  const content = sliceContent(buf, node);
  switch (node.tag) {
    case TAG.UTF8_STRING:
      return content.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.T61_STRING:
      return content.toString('latin1');
    case TAG.BMP_STRING: {
      if (content.length % 2 !== 0) failDer('odd-length BMPString');
      const swapped = Buffer.from(content);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    default:
      return failDer(`unsupported string type 0x${node.tag.toString(16)}`);
  }
}
