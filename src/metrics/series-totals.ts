/**
 * Whole-run figures per series key, kept up to date as per-second counts are added, so that a
 * whole-run question (a counter's total, the first and last second it counted anything) costs
 * the number of distinct keys, not the length of the run. Exact, late data included: a count that
 * arrives for an old second updates the key's total and span like any other.
 */
import { parseSeriesKey } from './names.js';

export interface KeyTotal {
  key: string;
  name: string;
  labels: Record<string, string>;
  /** sum over every second */
  total: number;
  /** first and last second whose count is > 0; first > last when there is none */
  first: number;
  last: number;
}

type Series = Record<string, Record<string, number>>;

export class SeriesTotals {
  private readonly byKey = new Map<string, KeyTotal>();
  /** keys whose span must be recomputed (a second at its edge fell back to 0: negative counts) */
  private readonly stale = new Set<string>();

  /** @param series the per-second counts this index describes (read only to recompute a stale span) */
  constructor(private readonly series: Series) {}

  /** Index of an existing series (one pass over it). */
  static of(series: Series): SeriesTotals {
    const t = new SeriesTotals(series);
    for (const [period, counts] of Object.entries(series)) t.noteAdded(period, counts);
    return t;
  }

  /** Call after `counts` were added into `period` of the series. */
  noteAdded(period: string, counts: Record<string, number>): void {
    const t = Number(period);
    const merged = this.series[period] ?? {};
    for (const [key, v] of Object.entries(counts)) {
      let k = this.byKey.get(key);
      if (k === undefined) {
        k = { key, ...parseSeriesKey(key), total: 0, first: Infinity, last: -Infinity };
        this.byKey.set(key, k);
      }
      k.total += v;
      if ((merged[key] ?? 0) > 0) {
        k.first = Math.min(k.first, t);
        k.last = Math.max(k.last, t);
      } else if (t === k.first || t === k.last) this.stale.add(key);
    }
  }

  /** Every key seen so far. */
  entries(): Iterable<KeyTotal> {
    for (const key of this.stale) this.recomputeSpan(this.byKey.get(key) as KeyTotal);
    this.stale.clear();
    return this.byKey.values();
  }

  private recomputeSpan(k: KeyTotal): void {
    k.first = Infinity;
    k.last = -Infinity;
    for (const [period, counts] of Object.entries(this.series)) {
      if ((counts[k.key] ?? 0) <= 0) continue;
      k.first = Math.min(k.first, Number(period));
      k.last = Math.max(k.last, Number(period));
    }
  }
}
