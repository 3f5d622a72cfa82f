/**
 * The only module that imports hdr-histogram-js. Values are recorded in microseconds and
 * summarised in milliseconds. Histograms cross a thread or shard boundary only encoded,
 * and are merged with add(): percentiles are never averaged.
 */
import * as hdr from 'hdr-histogram-js';

export type EncodedHistogram = string;

export interface HistogramStats {
  count: number;
  /** milliseconds */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

const BUILD: hdr.BuildRequest = {
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000, // one hour in µs; autoResize covers more
  numberOfSignificantValueDigits: 3,
};

export class LatencyHistogram {
  private readonly h: hdr.Histogram;

  constructor(h?: hdr.Histogram) {
    this.h = h ?? hdr.build(BUILD);
  }

  static decode(encoded: EncodedHistogram): LatencyHistogram {
    const decoded = hdr.decodeFromCompressedBase64(encoded, 32);
    const h = new LatencyHistogram();
    h.h.add(decoded);
    decoded.destroy();
    return h;
  }

  /** Record one duration in microseconds (fractions rounded, negatives clamped to 0). */
  recordMicros(us: number): void {
    this.h.recordValue(Math.max(0, Math.round(us)));
  }

  recordMillis(ms: number): void {
    this.recordMicros(ms * 1000);
  }

  /**
   * Coordinated-omission correction for a fixed expected interval (autocannon/wrk2 style):
   * back-fills the samples a stalled request hid.
   */
  recordMicrosWithExpectedInterval(us: number, expectedIntervalUs: number): void {
    this.h.recordValueWithExpectedInterval(Math.max(0, Math.round(us)), Math.max(1, Math.round(expectedIntervalUs)));
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  addEncoded(encoded: EncodedHistogram): void {
    if (encoded === '') return;
    const decoded = hdr.decodeFromCompressedBase64(encoded, 32);
    this.h.add(decoded);
    decoded.destroy();
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** percentile (0-100) in milliseconds */
  percentileMs(p: number): number {
    if (this.h.totalCount === 0) return 0;
    return this.h.getValueAtPercentile(p) / 1000;
  }

  stats(): HistogramStats {
    const h = this.h;
    if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const ms = (v: number) => Math.round(v) / 1000;
    return {
      count: h.totalCount,
      min: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue),
      mean: Math.round(h.mean) / 1000,
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p95: ms(h.getValueAtPercentile(95)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
    };
  }

  /** Value (ms) at each percentile in `percentiles`, for charts. */
  distribution(percentiles: number[]): Array<{ percentile: number; valueMs: number }> {
    return percentiles.map((p) => ({ percentile: p, valueMs: this.percentileMs(p) }));
  }

  encode(): EncodedHistogram {
    if (this.h.totalCount === 0) return '';
    return hdr.encodeIntoCompressedBase64(this.h);
  }

  reset(): void {
    this.h.reset();
  }

  destroy(): void {
    this.h.destroy();
  }
}
