/**
 * Payload encoding for the json and cbor topic variants. The reply uses the request topic's format.
 * CBOR: a map with text-string keys, the same field names as JSON (aws-fleet-provisioning.md §1).
 */
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { PayloadFormat } from './topics.js';

export function encodePayload(format: PayloadFormat, value: unknown): Buffer {
  if (format === 'json') return Buffer.from(JSON.stringify(value));
  return Buffer.from(cborEncode(value));
}

export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

/** Decode a payload; an empty payload decodes to `{}` (CreateKeysAndCertificate may be empty). */
export function decodePayload(format: PayloadFormat, payload: Buffer | Uint8Array): unknown {
  if (payload.length === 0) return {};
  try {
    if (format === 'json') return JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
    return cborDecode(payload instanceof Uint8Array ? payload : Buffer.from(payload)) as unknown;
  } catch (err) {
    throw new PayloadDecodeError(`payload is not valid ${format.toUpperCase()}: ${(err as Error).message}`);
  }
}
