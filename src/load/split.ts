/**
 * Exact work split (k6 execution segments, autocannon distributeNums, Playwright shards):
 * every part computes its own share from (index, total) alone, shares are floor + remainder,
 * and they add up to the whole. Devices are dealt round-robin, so an arrival-rate schedule is
 * split proportionally too: shard s of S owns global indices k with k % S == s, and inside a
 * shard worker w of W owns the shard's j-th device when j % W == w.
 */

/** Number of items part `index` (0-based) of `parts` gets out of `total`. */
export function shareCount(total: number, index: number, parts: number): number {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError('parts must be a positive integer');
  if (index < 0 || index >= parts) throw new RangeError(`index ${index} out of range for ${parts} parts`);
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export interface Segment {
  /** 0-based shard index and shard count */
  shard: number;
  shards: number;
  /** 0-based worker index and worker count within the shard */
  worker: number;
  workers: number;
}

/** Global device indices owned by one segment, ascending. */
export function segmentIndices(total: number, seg: Segment): number[] {
  return Array.from(segmentIndexRange(seg.shard, total, seg));
}

/** Whether global device index `k` belongs to the segment (the rule segmentIndices applies, without a list). */
export function inSegment(k: number, seg: Segment): boolean {
  return k % seg.shards === seg.shard && Math.floor(k / seg.shards) % seg.workers === seg.worker;
}

/** The segment's indices in [from, total), ascending, lazily. */
export function* segmentIndexRange(from: number, total: number, seg: Segment): Generator<number, void, undefined> {
  for (let k = Math.max(0, from); k < total; k++) {
    if (k % seg.shards !== seg.shard) {
      k += (seg.shard - (k % seg.shards) + seg.shards) % seg.shards - 1;
      continue;
    }
    if (Math.floor(k / seg.shards) % seg.workers === seg.worker) yield k;
    k += seg.shards - 1;
  }
}

/** Parse `i/n` (1-based, as Playwright's --shard) into a 0-based shard index. */
export function parseShard(text: string): { shard: number; shards: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return undefined;
  const i = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || i < 1 || i > n) return undefined;
  return { shard: i - 1, shards: n };
}

/**
 * The segment's devices not yet finished, one bit each (a Set of numbers would cost tens of bytes
 * per device): what a worker pool keeps to account for a crashed worker's devices.
 */
export class SegmentRemaining {
  private readonly bits: Uint8Array;
  private count: number;

  constructor(
    private readonly total: number,
    private readonly seg: Segment,
  ) {
    const n = shareCount(shareCount(total, seg.shard, seg.shards), seg.worker, seg.workers);
    this.bits = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
    this.count = n;
    // the bits past n stay unused: positions are always < n
  }

  /** The segment-local position of global index k (k must belong to the segment). */
  private position(k: number): number {
    return Math.floor(Math.floor(k / this.seg.shards) / this.seg.workers);
  }

  get size(): number {
    return this.count;
  }

  /** Mark index k finished; false when it was not pending (or is not the segment's). */
  delete(k: number): boolean {
    if (!Number.isInteger(k) || k < 0 || k >= this.total || !inSegment(k, this.seg)) return false;
    const p = this.position(k);
    const mask = 1 << (p & 7);
    const byte = this.bits[p >> 3]!;
    if ((byte & mask) === 0) return false;
    this.bits[p >> 3] = byte & ~mask;
    this.count--;
    return true;
  }

  has(k: number): boolean {
    if (!Number.isInteger(k) || k < 0 || k >= this.total || !inSegment(k, this.seg)) return false;
    const p = this.position(k);
    return (this.bits[p >> 3]! & (1 << (p & 7))) !== 0;
  }

  clear(): void {
    this.bits.fill(0);
    this.count = 0;
  }

  /** The pending indices, ascending. */
  *[Symbol.iterator](): Generator<number, void, undefined> {
    if (this.count === 0) return;
    for (const k of segmentIndexRange(0, this.total, this.seg)) if (this.has(k)) yield k;
  }
}
