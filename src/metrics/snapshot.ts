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
  /**
   * The target's errorMessage per distinct text, most frequent first: at most
   * REJECTION_MESSAGES_SHOWN (texts cut to REJECTION_MESSAGE_CHARS). Absent in older reports and
   * when no rejection carried a message.
   */
  messages?: Array<{ message: string; count: number }>;
  /** rejections whose message is not among `messages` (more distinct texts than are kept) */
  otherMessages?: number;
}

/** Distinct rejection messages a report lists per (api, statusCode, errorCode); the rest count as other. */
export const REJECTION_MESSAGES_SHOWN = 20;
/** Distinct messages tracked per (api, statusCode, errorCode) while a run accumulates; later new texts count as other. */
export const REJECTION_MESSAGES_TRACKED = 200;
/** A message longer than this is cut (with an ellipsis) before it is counted. */
export const REJECTION_MESSAGE_CHARS = 300;

/**
 * One (api, statusCode, errorCode) rejection count with its messages, bounded: at most
 * REJECTION_MESSAGES_TRACKED distinct texts, so a target that puts a device name in every
 * message cannot grow memory or the report with the fleet.
 */
export class RejectionTally {
  count = 0;
  private readonly messages = new Map<string, number>();
  private other = 0;

  constructor(
    readonly api: string,
    readonly statusCode: number,
    readonly errorCode: string,
  ) {}

  static key(api: string, statusCode: number, errorCode: string): string {
    return `${api}|${statusCode}|${errorCode}`;
  }

  /** Count `n` rejections carrying `message` (undefined or empty: no message). */
  add(n: number, message?: string): void {
    this.count += n;
    if (message === undefined || message === '') return;
    this.addMessage(message, n);
  }

  /** Fold in a RejectionCount (a drained delta or another shard's). */
  merge(r: RejectionCount): void {
    this.count += r.count;
    for (const m of r.messages ?? []) this.addMessage(m.message, m.count);
    this.other += r.otherMessages ?? 0;
  }

  private addMessage(message: string, n: number): void {
    const text = message.length > REJECTION_MESSAGE_CHARS ? `${message.slice(0, REJECTION_MESSAGE_CHARS - 1)}…` : message;
    const cur = this.messages.get(text);
    if (cur !== undefined) this.messages.set(text, cur + n);
    else if (this.messages.size < REJECTION_MESSAGES_TRACKED) this.messages.set(text, n);
    else this.other += n;
  }

  /** The report's form: the most frequent REJECTION_MESSAGES_SHOWN messages, the rest as otherMessages. */
  toCount(shown = REJECTION_MESSAGES_SHOWN): RejectionCount {
    const out: RejectionCount = { api: this.api, statusCode: this.statusCode, errorCode: this.errorCode, count: this.count };
    if (this.messages.size === 0 && this.other === 0) return out;
    const sorted = [...this.messages].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let other = this.other;
    for (const [, n] of sorted.slice(shown)) other += n;
    out.messages = sorted.slice(0, shown).map(([message, count]) => ({ message, count }));
    if (other > 0) out.otherMessages = other;
    return out;
  }
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
  private readonly rejectionMap = new Map<string, RejectionTally>();

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
      const key = RejectionTally.key(r.api, r.statusCode, r.errorCode);
      let cur = this.rejectionMap.get(key);
      if (cur === undefined) {
        cur = new RejectionTally(r.api, r.statusCode, r.errorCode);
        this.rejectionMap.set(key, cur);
      }
      cur.merge(r);
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
    return [...this.rejectionMap.values()].map((t) => t.toCount()).sort((a, b) => b.count - a.count || a.api.localeCompare(b.api));
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
