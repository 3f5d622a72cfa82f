/**
 * report.json `timeline`: what happened each second besides the counters in `series`: devices in
 * flight, and each step's latency p50/p99 over the samples that completed in that second.
 *
 * Workers drain their histograms about once a second (progress events), so a sample is placed in
 * the second its progress event was written (at most ~1 s after it completed). A second's
 * histograms stay open while later events may still add to it (up to OPEN_SECONDS behind the
 * newest), then only count, p50 and p99 are kept, so memory stays bounded on long runs. For a run
 * merged from shards, a second that a later shard adds to again combines the shards'
 * figures: counts add, p50 is the count-weighted mean, p99 the highest.
 */
import { LatencyHistogram } from '../metrics/histogram.js';
import { STEP_NAMES } from '../metrics/names.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import { round } from '../util/round.js';

export interface TimelineStepSecond {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

export interface TimelineSecond {
  /** devices started and not yet finished, summed over the workers (the latest report of each) */
  inFlight: number;
  /** per step (STEP_NAMES), over the samples reported in this second */
  steps: Record<string, TimelineStepSecond>;
}

export interface Timeline {
  /** key: seconds since start */
  perSecond: Record<string, TimelineSecond>;
}

const OPEN_SECONDS = 3;
const STEPS = new Set<string>(STEP_NAMES);

export class TimelineFold {
  private readonly done: Record<string, TimelineSecond> = {};
  private readonly open = new Map<number, Map<string, LatencyHistogram>>();
  private readonly workerInFlight = new Map<number, number>();
  private newest = -1;

  /** A new shard starts: its workers and seconds are its own. */
  newShard(): void {
    this.flush();
    this.workerInFlight.clear();
    this.newest = -1;
  }

  progress(second: number, worker: number, inFlight: number, snapshot: MetricsSnapshot): void {
    this.workerInFlight.set(worker, inFlight);
    const row = this.row(second);
    let sum = 0;
    for (const v of this.workerInFlight.values()) sum += v;
    row.inFlight = Math.max(row.inFlight, sum);
    for (const [name, enc] of Object.entries(snapshot.histograms)) {
      if (!STEPS.has(name)) continue;
      let hs = this.open.get(second);
      if (hs === undefined) this.open.set(second, (hs = new Map()));
      let h = hs.get(name);
      if (h === undefined) hs.set(name, (h = new LatencyHistogram()));
      h.addEncoded(enc);
    }
    if (second > this.newest) {
      this.newest = second;
      for (const s of [...this.open.keys()]) if (s < second - OPEN_SECONDS) this.close(s);
    }
  }

  private row(second: number): TimelineSecond {
    return (this.done[String(second)] ??= { inFlight: 0, steps: {} });
  }

  private close(second: number): void {
    const hs = this.open.get(second);
    if (hs === undefined) return;
    this.open.delete(second);
    const row = this.row(second);
    for (const [name, h] of hs) {
      if (h.count > 0) {
        const add = { count: h.count, p50Ms: round(h.percentileMs(50), 1), p99Ms: round(h.percentileMs(99), 1) };
        const had = row.steps[name];
        row.steps[name] =
          had === undefined
            ? add
            : {
                count: had.count + add.count,
                p50Ms: round((had.p50Ms * had.count + add.p50Ms * add.count) / (had.count + add.count), 1),
                p99Ms: Math.max(had.p99Ms, add.p99Ms),
              };
      }
      h.destroy();
    }
  }

  private flush(): void {
    for (const s of [...this.open.keys()]) this.close(s);
  }

  /** The timeline so far (closes every open second; later progress still adds to them). */
  result(): Timeline {
    this.flush();
    return { perSecond: structuredClone(this.done) };
  }
}
