/**
 * Key generation for the emulator: sync and async (libuv thread pool) generation of EC P-256/P-384
 * and RSA-2048 key pairs, and KeyPool, which keeps slow RSA keys ready in the background.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { inspect, promisify } from 'node:util';
import { KeyPoolError } from './errors.js';
import { encodeEcKeys, exportSpkiDer, rememberSpkiDer } from './key-encoding.js';
import { formatPem } from './pem.js';

export type KeyAlgorithm = 'ec-p256' | 'ec-p384' | 'rsa-2048';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ec-p256', 'ec-p384', 'rsa-2048'];

export interface KeyPairPem {
  publicKey: crypto.KeyObject;
  privateKey: crypto.KeyObject;
  /** PKCS#8 PEM of the private key. */
  privateKeyPem: string;
}

type KeyGenArgs = ['ec', crypto.ECKeyPairKeyObjectOptions] | ['rsa', crypto.RSAKeyPairKeyObjectOptions];

function selectKeyGenArgs(alg: KeyAlgorithm): KeyGenArgs {
  switch (alg) {
    case 'ec-p256':
      return ['ec', { namedCurve: 'P-256' }];
    case 'ec-p384':
      return ['ec', { namedCurve: 'P-384' }];
    case 'rsa-2048':
      return ['rsa', { modulusLength: 2048, publicExponent: 0x10001 }];
    default:
      throw new TypeError(`unknown key algorithm ${String(alg)}`);
  }
}

/** A generated pair whose PEM is redacted when inspected (console.log, util.inspect), so it is not logged by accident. */
class GeneratedKeyPair implements KeyPairPem {
  constructor(
    readonly publicKey: crypto.KeyObject,
    readonly privateKey: crypto.KeyObject,
    readonly privateKeyPem: string,
  ) {}

  [inspect.custom](): string {
    return `KeyPairPem { ${this.publicKey.asymmetricKeyType} key, privateKeyPem: [redacted] }`;
  }
}

/** Wrap a fresh pair: PKCS#8 PEM, and the SPKI cached now so that issuing a certificate for it is cheap. */
function toKeyPairPem(pair: crypto.KeyPairKeyObjectResult): KeyPairPem {
  const ec = pair.privateKey.asymmetricKeyType === 'ec' ? encodeEcKeys(pair.privateKey) : undefined;
  if (ec) {
    rememberSpkiDer(pair.publicKey, ec.spkiDer);
    return new GeneratedKeyPair(pair.publicKey, pair.privateKey, formatPem(ec.pkcs8Der, 'PRIVATE KEY'));
  }
  exportSpkiDer(pair.publicKey);
  return new GeneratedKeyPair(pair.publicKey, pair.privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
}

export function generateKeyPairSyncFor(alg: KeyAlgorithm): KeyPairPem {
  const [type, options] = selectKeyGenArgs(alg);
  const pair = type === 'ec' ? crypto.generateKeyPairSync(type, options) : crypto.generateKeyPairSync(type, options);
  return toKeyPairPem(pair);
}

const generateKeyPairAsync = promisify(crypto.generateKeyPair);

/** Generate on the libuv thread pool, off the event loop. */
export async function generateKeyPairFor(alg: KeyAlgorithm): Promise<KeyPairPem> {
  const [type, options] = selectKeyGenArgs(alg);
  const pair = type === 'ec' ? await generateKeyPairAsync(type, options) : await generateKeyPairAsync(type, options);
  return toKeyPairPem(pair);
}

export interface PublicKeyInfo {
  keyAlgorithm: KeyAlgorithm | 'unsupported';
  /** RSA modulus bits or EC field bits; 0 when unknown. */
  keyBits: number;
}

/**
 * Classify a public key by AWS's CreateCertificateFromCsr rule: RSA >= 2048 bits (reported as the
 * 'rsa-2048' family), EC P-256 or P-384; anything else is 'unsupported'.
 */
export function classifyPublicKey(key: crypto.KeyObject): PublicKeyInfo {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return { keyAlgorithm: bits >= 2048 ? 'rsa-2048' : 'unsupported', keyBits: bits };
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return { keyAlgorithm: 'ec-p256', keyBits: 256 };
    if (details.namedCurve === 'secp384r1') return { keyAlgorithm: 'ec-p384', keyBits: 384 };
  }
  return { keyAlgorithm: 'unsupported', keyBits: 0 };
}

export interface KeyPoolOptions {
  algorithm: KeyAlgorithm;
  /** keys kept ready */
  size: number;
  /** async generations in flight at most (default: min(4, cores)) */
  concurrency?: number;
  /** when empty, hand out an already used key round-robin instead of waiting */
  reuse?: boolean;
}

export interface KeyPoolStats {
  /** keys generated so far */
  generated: number;
  /** take() calls resolved (fresh or reused) */
  handedOut: number;
  /** take() calls that had to wait for a generation */
  waited: number;
  /** hand-outs of an already used key */
  reused: number;
}

interface Waiter {
  resolve: (pair: KeyPairPem) => void;
  reject: (err: Error) => void;
}

/**
 * Keeps `size` keys ready and refills in the background with at most `concurrency` async generations.
 * take() resolves at once when a key is ready; otherwise it reuses a key (if `reuse`) or waits.
 */
export class KeyPool {
  private readonly algorithm: KeyAlgorithm;
  private readonly size: number;
  private readonly concurrency: number;
  private readonly reuse: boolean;
  private readonly readyKeys: KeyPairPem[] = [];
  /** ring of handed-out keys for reuse, at most max(size, 1) entries */
  private readonly usedKeys: KeyPairPem[] = [];
  private usedCursor = 0;
  private readonly waiters: Waiter[] = [];
  private inFlight = 0;
  private started = false;
  private closed = false;
  private readonly counters: KeyPoolStats = { generated: 0, handedOut: 0, waited: 0, reused: 0 };

  constructor(opts: KeyPoolOptions) {
    selectKeyGenArgs(opts.algorithm);
    if (!Number.isInteger(opts.size) || opts.size < 0) throw new RangeError('KeyPool size must be an integer >= 0');
    const concurrency = opts.concurrency ?? Math.max(1, Math.min(4, os.availableParallelism()));
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('KeyPool concurrency must be an integer >= 1');
    this.algorithm = opts.algorithm;
    this.size = opts.size;
    this.concurrency = concurrency;
    this.reuse = opts.reuse ?? false;
  }

  /** Number of fresh keys ready right now. */
  get ready(): number {
    return this.readyKeys.length;
  }

  /** Begin filling the pool in the background. Idempotent. */
  start(): void {
    if (this.closed) return;
    this.started = true;
    this.refill();
  }

  take(): Promise<KeyPairPem> {
    if (this.closed) return Promise.reject(new KeyPoolError('POOL_CLOSED', 'KeyPool is closed'));
    this.started = true;
    const fresh = this.readyKeys.shift();
    if (fresh) {
      this.handOut(fresh);
      this.refill();
      return Promise.resolve(fresh);
    }
    if (this.reuse && this.usedKeys.length > 0) {
      this.usedCursor = (this.usedCursor + 1) % this.usedKeys.length;
      const again = this.usedKeys[this.usedCursor]!;
      this.counters.reused++;
      this.counters.handedOut++;
      this.refill();
      return Promise.resolve(again);
    }
    this.counters.waited++;
    return new Promise<KeyPairPem>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.refill();
    });
  }

  /** Stop refilling and reject pending take() calls; generations in flight are discarded. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readyKeys.length = 0;
    this.usedKeys.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new KeyPoolError('POOL_CLOSED', 'KeyPool was closed while waiting for a key'));
  }

  stats(): KeyPoolStats {
    return { ...this.counters };
  }

  private handOut(pair: KeyPairPem): void {
    this.counters.handedOut++;
    if (!this.reuse) return;
    const capacity = Math.max(1, this.size);
    if (this.usedKeys.length < capacity) this.usedKeys.push(pair);
    else this.usedKeys[this.counters.handedOut % capacity] = pair;
  }

  private refill(): void {
    if (this.closed || !this.started) return;
    const target = this.size + this.waiters.length;
    while (this.inFlight < this.concurrency && this.readyKeys.length + this.inFlight < target) {
      this.inFlight++;
      generateKeyPairFor(this.algorithm).then(
        (pair) => this.acceptKey(pair),
        (err: unknown) => this.failGeneration(err),
      );
    }
  }

  private acceptKey(pair: KeyPairPem): void {
    this.inFlight--;
    if (this.closed) return;
    this.counters.generated++;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.handOut(pair);
      waiter.resolve(pair);
    } else {
      this.readyKeys.push(pair);
    }
    this.refill();
  }

  /** A failed generation rejects the waiters instead of retrying forever; the next take() retries. */
  private failGeneration(err: unknown): void {
    this.inFlight--;
    if (this.closed) return;
    const error = new KeyPoolError('KEYGEN_FAILED', `key generation failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
