/**
 * Token buckets: `rate` tokens per second refill a bucket of `burst` tokens; a request takes one.
 * Times are milliseconds from any monotonic clock, passed in so tests control time.
 */

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Take one token if there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when a token is available, without taking it. */
  canTake(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** A full bucket carries no state worth keeping: it can be forgotten and recreated. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}

/** Forget full buckets at most this often, so per-key maps stay as small as the active keys. */
const SWEEP_EVERY_MS = 10_000;

/** One bucket per key (e.g. per client ID), created on first use and forgotten once full again. */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.lastSweep = now;
  }

  canTake(key: string, now: number): boolean {
    this.sweep(now);
    const b = this.buckets.get(key);
    return b === undefined || b.canTake(now);
  }

  tryTake(key: string, now: number): boolean {
    this.sweep(now);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, b);
    }
    return b.tryTake(now);
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) if (b.isFull(now)) this.buckets.delete(key);
  }
}
