/**
 * What a worker (or shard) sends: the change since its last snapshot. Merging is associative,
 * commutative and accepts late data: counters are keyed by period (seconds since the run start)
 * and summed; histograms are added.
 */
import { LatencyHistogram, type EncodedHistogram } from './histogram.js';
import { SeriesTotals } from './series-totals.js';

export interface RejectionCount {
  api: string;
  statusCode: number;
  errorCode: string;
  count: number;
}

export interface OutcomeCounts {
  provisioned: number;
  failed: Record<string, number>;
  dropped: Record<string, number>;
}

export interface MetricsSnapshot {
  /** encoded HDR histograms (µs) by metric name */
  histograms: Record<string, EncodedHistogram>;
  /** per-period counters: period (whole seconds since run start) → series key → count */
  series: Record<string, Record<string, number>>;
  /** running totals (not per period) */
  totals: Record<string, number>;
  outcomes: OutcomeCounts;
  rejections: RejectionCount[];
}

export function emptyOutcomes(): OutcomeCounts {
  return { provisioned: 0, failed: {}, dropped: {} };
}

export function emptySnapshot(): MetricsSnapshot {
  return { histograms: {}, series: {}, totals: {}, outcomes: emptyOutcomes(), rejections: [] };
}

export function outcomeTotal(o: OutcomeCounts): number {
  let n = o.provisioned;
  for (const v of Object.values(o.failed)) n += v;
  for (const v of Object.values(o.dropped)) n += v;
  return n;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Accumulates snapshots in any order; `histogram(name)` keeps decoded histograms. */
export class SnapshotAccumulator {
  private readonly hist = new Map<string, LatencyHistogram>();
  readonly series: Record<string, Record<string, number>> = {};
  private readonly index = new SeriesTotals(this.series);
  readonly totals: Record<string, number> = {};
  readonly outcomes: OutcomeCounts = emptyOutcomes();
  private readonly rejectionMap = new Map<string, RejectionCount>();

  add(s: MetricsSnapshot): void {
    for (const [name, enc] of Object.entries(s.histograms)) this.histogram(name).addEncoded(enc);
    for (const [period, counts] of Object.entries(s.series)) {
      addCounts((this.series[period] ??= {}), counts);
      this.index.noteAdded(period, counts);
    }
    addCounts(this.totals, s.totals);
    this.outcomes.provisioned += s.outcomes.provisioned;
    addCounts(this.outcomes.failed, s.outcomes.failed);
    addCounts(this.outcomes.dropped, s.outcomes.dropped);
    for (const r of s.rejections) {
      const key = `${r.api}|${r.statusCode}|${r.errorCode}`;
      const cur = this.rejectionMap.get(key);
      if (cur === undefined) this.rejectionMap.set(key, { ...r });
      else cur.count += r.count;
    }
  }

  histogram(name: string): LatencyHistogram {
    let h = this.hist.get(name);
    if (h === undefined) {
      h = new LatencyHistogram();
      this.hist.set(name, h);
    }
    return h;
  }

  /** Whole-run total and active span per series key, kept as snapshots are added. */
  seriesTotals(): SeriesTotals {
    return this.index;
  }

  histogramNames(): string[] {
    return [...this.hist.keys()];
  }

  rejections(): RejectionCount[] {
    return [...this.rejectionMap.values()].sort((a, b) => b.count - a.count || a.api.localeCompare(b.api));
  }

  /** Everything accumulated so far, as one snapshot (for a shard's raw result). */
  toSnapshot(): MetricsSnapshot {
    const histograms: Record<string, EncodedHistogram> = {};
    for (const [k, h] of this.hist) histograms[k] = h.encode();
    return {
      histograms,
      series: structuredClone(this.series),
      totals: { ...this.totals },
      outcomes: structuredClone(this.outcomes),
      rejections: this.rejections(),
    };
  }

  /**
   * Sum of one counter over all periods, optionally filtered by labels (subset match). Reads the
   * per-key totals: the live progress line asks every second, at a cost of the number of keys.
   */
  sumSeries(name: string, filter: Record<string, string> = {}): number {
    let n = 0;
    for (const k of this.index.entries()) if (matchesKey(k.key, name, filter)) n += k.total;
    return n;
  }

  /** Periods in ascending order. */
  periods(): number[] {
    return Object.keys(this.series)
      .map(Number)
      .sort((a, b) => a - b);
  }
}

export function matchesKey(key: string, name: string, filter: Record<string, string>): boolean {
  if (key !== name && !key.startsWith(`${name}{`)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (!key.includes(`${k}=${v},`) && !key.includes(`${k}=${v}}`)) return false;
  }
  return true;
}
