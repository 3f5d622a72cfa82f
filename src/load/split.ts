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
  const out: number[] = [];
  for (let k = seg.shard, j = 0; k < total; k += seg.shards, j++) {
    if (j % seg.workers === seg.worker) out.push(k);
  }
  return out;
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
