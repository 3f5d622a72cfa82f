/**
 * Seeded generator of random and malformed provisioning payloads: random bytes, truncated JSON and
 * CBOR, wrong types, huge strings, deep nesting, CBOR garbage, and a few valid requests.
 * Every payload stays under AWS IoT's 128 KB message limit.
 */
import { encode as cborEncode } from 'cborg';
import { createRandom, type Random } from '../../../src/util/random.js';

const cbor = { encode: (v: unknown): Uint8Array => cborEncode(v) };

function randomBytes(rnd: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function randomString(rnd: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(32 + Math.floor(rnd() * 95));
  return s;
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v, b: [v === 'leaf' ? 1 : null] };
  return v;
}

/** Values of the wrong type for any field. */
function oddValue(rnd: Random): unknown {
  const options: Array<() => unknown> = [
    () => 123,
    () => -1.5e308,
    () => null,
    () => true,
    () => [],
    () => [1, 'two', { three: 3 }],
    () => ({}),
    () => ({ a: 1 }),
    () => '',
    () => randomString(rnd, 1 + Math.floor(rnd() * 40)),
    () => '-----BEGIN CERTIFICATE REQUEST-----\n' + Buffer.from(randomBytes(rnd, 200)).toString('base64') + '\n-----END CERTIFICATE REQUEST-----\n',
    () => 'A'.repeat(60_000),
    () => nested(20),
  ];
  return options[Math.floor(rnd() * options.length)]!();
}

const FIELDS = ['certificateOwnershipToken', 'parameters', 'certificateSigningRequest', 'templateName', '__proto__', 'constructor', 'SerialNumber'];

/** A request-shaped object with odd values. */
function oddObject(rnd: Random): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) o[FIELDS[Math.floor(rnd() * FIELDS.length)]!] = oddValue(rnd);
  if (rnd() < 0.3) o.parameters = { SerialNumber: oddValue(rnd), Other: oddValue(rnd) };
  return o;
}

/** `count` payloads; `kind` says what each is, for failure messages. */
export function generateFuzzPayloads(seed: number, count: number): Array<{ kind: string; payload: Buffer }> {
  const rnd = createRandom(seed);
  const makers: Array<[string, () => Buffer]> = [
    ['random-bytes', () => randomBytes(rnd, Math.floor(rnd() * 2048))],
    ['truncated-json', () => {
      const s = JSON.stringify({ certificateOwnershipToken: randomString(rnd, 64), parameters: { SerialNumber: '001' } });
      return Buffer.from(s.slice(0, Math.floor(rnd() * s.length)));
    }],
    ['truncated-cbor', () => {
      const b = Buffer.from(cbor.encode({ certificateOwnershipToken: randomString(rnd, 64), parameters: { SerialNumber: '001' } }));
      return b.subarray(0, Math.floor(rnd() * b.length));
    }],
    ['wrong-types-json', () => Buffer.from(JSON.stringify(oddObject(rnd)))],
    ['wrong-types-cbor', () => Buffer.from(cbor.encode(oddObject(rnd)))],
    ['not-an-object', () => Buffer.from(JSON.stringify(oddValue(rnd)))],
    ['cbor-not-an-object', () => Buffer.from(cbor.encode(oddValue(rnd)))],
    ['huge-string', () => Buffer.from(JSON.stringify({ certificateSigningRequest: 'B'.repeat(100_000), certificateOwnershipToken: 'C'.repeat(10_000) }))],
    ['deep-nesting-json', () => Buffer.from(JSON.stringify({ parameters: nested(200) }))],
    ['deep-nesting-cbor', () => Buffer.from(cbor.encode({ parameters: nested(200) }))],
    ['cbor-garbage', () => Buffer.concat([Buffer.from([0xa0 + Math.floor(rnd() * 32)]), randomBytes(rnd, Math.floor(rnd() * 64))])],
    ['cbor-tags', () => Buffer.from([0xd9, 0xd9, 0xf7, 0xc1, 0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0])],
    ['cbor-bytes-values', () => Buffer.from(cbor.encode({ certificateOwnershipToken: randomBytes(rnd, 16), parameters: { SerialNumber: randomBytes(rnd, 4) } }))],
    ['json-with-bom', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')])],
    ['invalid-utf8', () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['empty', () => Buffer.alloc(0)],
    ['valid-empty-object', () => Buffer.from('{}')],
  ];
  const out: Array<{ kind: string; payload: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    const [kind, make] = makers[i < makers.length ? i : Math.floor(rnd() * makers.length)]!;
    out.push({ kind, payload: make() });
  }
  return out;
}
