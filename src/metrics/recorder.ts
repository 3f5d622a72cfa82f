/**
 * Records one generator's measurements and hands them out as deltas (drain), so the same
 * code serves a single-threaded run, a worker thread and a shard.
 */
import { LatencyHistogram } from './histogram.js';
import { seriesKey } from './names.js';
import { emptyOutcomes, type MetricsSnapshot, type OutcomeCounts, type RejectionCount } from './snapshot.js';

export type Outcome =
  | { kind: 'provisioned' }
  | { kind: 'failed'; reason: string }
  | { kind: 'dropped'; reason: string };

export class MetricsRecorder {
  private hist = new Map<string, LatencyHistogram>();
  private series: Record<string, Record<string, number>> = {};
  private totals: Record<string, number> = {};
  private outcomes: OutcomeCounts = emptyOutcomes();
  private rejections = new Map<string, RejectionCount>();

  /**
   * @param startMs wall-clock start of the run (period 0 begins here)
   * @param window also record `metric` per time window into `<metric>{window=k}` (k = whole
   *   windows since startMs): the knee search's per-step p99
   */
  constructor(
    private readonly startMs: number,
    private readonly window?: { metric: string; ms: number },
  ) {}

  /** Record a duration in microseconds into histogram `name`. */
  recordMicros(name: string, us: number): void {
    this.histogramFor(name).recordMicros(us);
    const w = this.window;
    if (w !== undefined && name === w.metric) {
      const k = Math.floor((Date.now() - this.startMs) / w.ms);
      if (k >= 0) this.histogramFor(`${name}{window=${k}}`).recordMicros(us);
    }
  }

  private histogramFor(name: string): LatencyHistogram {
    let h = this.hist.get(name);
    if (h === undefined) {
      h = new LatencyHistogram();
      this.hist.set(name, h);
    }
    return h;
  }

  /** Count an event in its one-second period. */
  count(name: string, labels?: Record<string, string | number>, n = 1, atMs = Date.now()): void {
    const period = String(Math.max(0, Math.floor((atMs - this.startMs) / 1000)));
    const key = seriesKey(name, labels);
    const bucket = (this.series[period] ??= {});
    bucket[key] = (bucket[key] ?? 0) + n;
  }

  /** Running total not tied to a period (gauges such as peak memory are kept elsewhere). */
  total(name: string, n = 1): void {
    this.totals[name] = (this.totals[name] ?? 0) + n;
  }

  outcome(o: Outcome): void {
    if (o.kind === 'provisioned') this.outcomes.provisioned += 1;
    else if (o.kind === 'failed') this.outcomes.failed[o.reason] = (this.outcomes.failed[o.reason] ?? 0) + 1;
    else this.outcomes.dropped[o.reason] = (this.outcomes.dropped[o.reason] ?? 0) + 1;
    this.count(o.kind === 'provisioned' ? 'provisioned' : o.kind, o.kind === 'provisioned' ? undefined : { reason: o.reason });
  }

  rejection(api: string, statusCode: number, errorCode: string): void {
    const key = `${api}|${statusCode}|${errorCode}`;
    const cur = this.rejections.get(key);
    if (cur === undefined) this.rejections.set(key, { api, statusCode, errorCode, count: 1 });
    else cur.count += 1;
  }

  /** The change since the previous drain; resets the recorder's delta state. */
  drain(): MetricsSnapshot {
    const histograms: Record<string, string> = {};
    const w = this.window;
    const current = w === undefined ? 0 : Math.floor((Date.now() - this.startMs) / w.ms);
    for (const [name, h] of this.hist) {
      if (h.count > 0) histograms[name] = h.encode();
      h.reset();
      // a past window gets no more samples: free it
      const k = /\{window=(\d+)\}$/.exec(name)?.[1];
      if (k !== undefined && Number(k) < current) {
        h.destroy();
        this.hist.delete(name);
      }
    }
    const snap: MetricsSnapshot = {
      histograms,
      series: this.series,
      totals: this.totals,
      outcomes: this.outcomes,
      rejections: [...this.rejections.values()],
    };
    this.series = {};
    this.totals = {};
    this.outcomes = emptyOutcomes();
    this.rejections = new Map();
    return snap;
  }
}
