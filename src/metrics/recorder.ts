/**
 * Records one generator's measurements and hands them out as deltas (drain), so the same
 * code serves a single-threaded run, a worker thread and a shard.
 */
import { LatencyHistogram } from './histogram.js';
import { counterKey, type CounterLabels, type CounterName, type TotalKey } from './names.js';
import { emptyOutcomes, RejectionTally, REJECTION_MESSAGES_TRACKED, type MetricsSnapshot, type OutcomeCounts } from './snapshot.js';

export type Outcome =
  | { kind: 'provisioned' }
  | { kind: 'failed'; reason: string }
  | { kind: 'dropped'; reason: string };

/** Name of the histogram holding `metric`'s samples of time window k (what the knee search reads). */
export function windowHistogramName(metric: string, k: number): string {
  return `${metric}{window=${k}}`;
}

export class MetricsRecorder {
  private hist = new Map<string, LatencyHistogram>();
  /** the window metric's histogram per window index (named only when drained) */
  private windows = new Map<number, LatencyHistogram>();
  private series: Record<string, Record<string, number>> = {};
  private totals: Record<string, number> = {};
  private outcomes: OutcomeCounts = emptyOutcomes();
  private rejections = new Map<string, RejectionTally>();

  /**
   * @param startMs wall-clock start of the run (period 0 begins here)
   * @param window also record `metric` per time window, drained as `<metric>{window=k}` (k = whole
   *   windows since startMs; windowHistogramName): the knee search's per-step p99
   */
  constructor(
    private readonly startMs: number,
    private readonly window?: { metric: string; ms: number },
  ) {}

  /**
   * Record a duration in microseconds into histogram `name`; a sample of the window metric also
   * goes into the histogram of the window `atMs` falls in (default now).
   */
  recordMicros(name: string, us: number, atMs?: number): void {
    histogramIn(this.hist, name).recordMicros(us);
    const w = this.window;
    if (w !== undefined && name === w.metric) {
      const k = Math.floor(((atMs ?? Date.now()) - this.startMs) / w.ms);
      if (k >= 0) histogramIn(this.windows, k).recordMicros(us);
    }
  }

  /** Window indexes that currently hold a histogram (the current one and any not drained yet). */
  openWindows(): number[] {
    return [...this.windows.keys()];
  }

  /** Count an event in its one-second period (names and labels: COUNTERS in names.ts). */
  count<N extends CounterName>(name: N, labels?: CounterLabels<N>, n = 1, atMs = Date.now()): void {
    const period = String(Math.max(0, Math.floor((atMs - this.startMs) / 1000)));
    const key = counterKey(name, labels);
    const bucket = (this.series[period] ??= {});
    bucket[key] = (bucket[key] ?? 0) + n;
  }

  /** Running total not tied to a period (gauges such as peak memory are kept elsewhere). */
  total(name: TotalKey, n = 1): void {
    this.totals[name] = (this.totals[name] ?? 0) + n;
  }

  outcome(o: Outcome): void {
    if (o.kind === 'provisioned') this.outcomes.provisioned += 1;
    else if (o.kind === 'failed') this.outcomes.failed[o.reason] = (this.outcomes.failed[o.reason] ?? 0) + 1;
    else this.outcomes.dropped[o.reason] = (this.outcomes.dropped[o.reason] ?? 0) + 1;
    this.count(o.kind === 'provisioned' ? 'provisioned' : o.kind, o.kind === 'provisioned' ? undefined : { reason: o.reason });
  }

  /** Count one rejected reply; `message` is the target's errorMessage (kept per distinct text, bounded). */
  rejection(api: string, statusCode: number, errorCode: string, message?: string): void {
    const key = RejectionTally.key(api, statusCode, errorCode);
    let cur = this.rejections.get(key);
    if (cur === undefined) {
      cur = new RejectionTally(api, statusCode, errorCode);
      this.rejections.set(key, cur);
    }
    cur.add(1, message);
  }

  /** The change since the previous drain; resets the recorder's delta state. */
  drain(atMs = Date.now()): MetricsSnapshot {
    const histograms: Record<string, string> = {};
    for (const [name, h] of this.hist) {
      if (h.count > 0) histograms[name] = h.encode();
      h.reset();
    }
    const w = this.window;
    if (w !== undefined) {
      const current = Math.floor((atMs - this.startMs) / w.ms);
      for (const [k, h] of this.windows) {
        if (h.count > 0) histograms[windowHistogramName(w.metric, k)] = h.encode();
        h.reset();
        // a past window gets no more samples: free it
        if (k < current) {
          h.destroy();
          this.windows.delete(k);
        }
      }
    }
    const snap: MetricsSnapshot = {
      histograms,
      series: this.series,
      totals: this.totals,
      outcomes: this.outcomes,
      // a delta keeps every tracked message: the accumulator decides which the report lists
      rejections: [...this.rejections.values()].map((t) => t.toCount(REJECTION_MESSAGES_TRACKED)),
    };
    this.series = {};
    this.totals = {};
    this.outcomes = emptyOutcomes();
    this.rejections = new Map();
    return snap;
  }
}

function histogramIn<K>(map: Map<K, LatencyHistogram>, key: K): LatencyHistogram {
  let h = map.get(key);
  if (h === undefined) {
    h = new LatencyHistogram();
    map.set(key, h);
  }
  return h;
}
