/**
 * Payload encoding for the json and cbor topic variants. The reply uses the request topic's format.
 * CBOR: a map with text-string keys, the same field names as JSON (aws-fleet-provisioning.md §1).
 */
import { Encoder, decode as cborDecode } from 'cbor-x';
import type { PayloadFormat } from './topics.js';

// Plain maps (not records/structures) so other CBOR implementations read our output.
const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export function encodePayload(format: PayloadFormat, value: unknown): Buffer {
  if (format === 'json') return Buffer.from(JSON.stringify(value));
  return Buffer.from(cborEncoder.encode(value));
}

export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

/** Decode a payload; an empty payload decodes to `{}` (CreateKeysAndCertificate may be empty). */
export function decodePayload(format: PayloadFormat, payload: Buffer | Uint8Array): unknown {
  if (payload.length === 0) return {};
  try {
    if (format === 'json') return JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
    return cborDecode(Buffer.from(payload)) as unknown;
  } catch (err) {
    throw new PayloadDecodeError(`payload is not valid ${format.toUpperCase()}: ${(err as Error).message}`);
  }
}
