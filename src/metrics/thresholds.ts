/**
 * Threshold evaluation on merged results (k6-style). The same function runs at the end of a run,
 * during it (abortOnFail), on a rebuilt report and on merged shards: its input is anything that
 * holds merged metrics (a RunState, a SnapshotAccumulator built from a report).
 *
 * Semantics (docs/thresholds.md says the same):
 * - pNN / med / avg / min / max (latency metric): milliseconds over every sample of the run.
 * - count(x{labels}): total over the run. Outcomes (provisioned, failed, dropped) count devices;
 *   counters (offered, accepted, rejected, timeout, started, retries, exhausted) count events.
 * - ratio(outcome{reason}): devices with that outcome / devices in the run.
 *   ratio(accepted|rejected|timeout{labels}): those replies / requests offered to the same api
 *   (only the `api` label carries over to the denominator; all apis when none is given).
 * - rate(x{labels}): count / active seconds. The active span runs from the first to the last
 *   second in which the api (the `api` label, or any api) was offered a request; for outcomes,
 *   started, retries and exhausted, from the first to the last second with device activity. Its
 *   first and last seconds are usually partial and together count as one: active seconds =
 *   max(1, last - first), so a steady 10/s reads 10/s however the seconds fall.
 * - `reason` matches a reason exactly or as its leading words: failed{reason=register_thing} counts
 *   every failure at register_thing. Other labels match exactly.
 * A latency metric with no samples and a ratio with nothing to divide by fail (actual null).
 */
import type { HistogramStats } from './histogram.js';
import { SeriesTotals } from './series-totals.js';
import type { OutcomeCounts } from './snapshot.js';
import { parseThreshold, ThresholdParseError, type Comparator, type ParsedThreshold } from './threshold-parse.js';

export { parseThreshold, checkThreshold, ThresholdParseError, type ParsedThreshold } from './threshold-parse.js';

export interface ThresholdResult {
  expression: string;
  ok: boolean;
  /** canonical units: ms (latency), per second (rate), 0-1 (ratio), count; null = no data */
  actual: number | null;
  detail: string;
}

/** A threshold as the scenario states it (a bare string is `{expression}`). */
export interface ThresholdSpec {
  expression: string;
  abortOnFail?: boolean;
  /** ms after the run start before abortOnFail is evaluated */
  delayAbortEval?: number;
}

/** Merged metrics: a SnapshotAccumulator (RunState.metrics) satisfies this. */
export interface MetricsView {
  histogram(name: string): { count: number; percentileMs(p: number): number; stats(): HistogramStats };
  readonly series: Record<string, Record<string, number>>;
  readonly outcomes: OutcomeCounts;
  /**
   * Whole-run totals per series key, kept up to date as data is added (SnapshotAccumulator):
   * counters are then read in time proportional to the number of keys, not the run's length.
   * Without it, each evaluation indexes `series` once.
   */
  seriesTotals?(): SeriesTotals;
}

/** What thresholds are evaluated on: a RunState satisfies this, as does `{ metrics, devices }`. */
export interface ThresholdSource {
  metrics: MetricsView;
  /** devices in the run (denominator of outcome ratios); default meta.devices, else the outcome total */
  devices?: number;
  meta?: { devices: number } | undefined;
  /** outcomes to use instead of metrics.outcomes (e.g. with unrecorded devices counted as dropped) */
  outcomes?: OutcomeCounts;
}

const API_COUNTERS = new Set(['offered', 'accepted', 'rejected', 'timeout']);
const ACTIVITY_KEYS = ['started', 'provisioned', 'failed', 'dropped'];

export function compare(actual: number, op: Comparator, expected: number): boolean {
  const eps = 1e-9 * Math.max(1, Math.abs(expected));
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected + eps;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected - eps;
    case '==':
      return Math.abs(actual - expected) <= eps;
    case '!=':
      return Math.abs(actual - expected) > eps;
  }
}

/** `reason` matches exactly or as leading words; other labels exactly. */
export function labelsMatch(labels: Record<string, string>, filters: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(filters)) {
    const have = labels[k];
    if (have === undefined) return false;
    if (have === v) continue;
    if (k === 'reason' && have.startsWith(v) && /^[\s:]/.test(have.slice(v.length))) continue;
    return false;
  }
  return true;
}

/** Whole-run sum of a counter, filtered. */
function sumCounter(totals: SeriesTotals, name: string, filters: Record<string, string> = {}): number {
  let n = 0;
  for (const k of totals.entries()) if (k.name === name && labelsMatch(k.labels, filters)) n += k.total;
  return n;
}

function sumOutcome(o: OutcomeCounts, metric: string, filters: Record<string, string>): number {
  if (metric === 'provisioned') return filters.reason === undefined ? o.provisioned : 0;
  const bucket = metric === 'failed' ? o.failed : o.dropped;
  let n = 0;
  for (const [reason, v] of Object.entries(bucket)) if (labelsMatch({ reason }, filters)) n += v;
  return n;
}

/** First and last second (inclusive) in which a counter for which `active` holds counted anything; undefined if never. */
function activeSpan(totals: SeriesTotals, active: (name: string, labels: Record<string, string>) => boolean): { first: number; last: number } | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const k of totals.entries()) {
    if (k.first > k.last || !active(k.name, k.labels)) continue;
    first = Math.min(first, k.first);
    last = Math.max(last, k.last);
  }
  return first === Infinity ? undefined : { first, last };
}

function devicesOf(src: ThresholdSource, outcomes: OutcomeCounts): number {
  if (src.devices !== undefined) return src.devices;
  if (src.meta !== undefined) return src.meta.devices;
  return outcomes.provisioned + [...Object.values(outcomes.failed), ...Object.values(outcomes.dropped)].reduce((a, b) => a + b, 0);
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3).replace(/\.?0+$/, ''));
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The measured value of a parsed threshold, with a sentence saying what it is. */
export function measureThreshold(t: ParsedThreshold, src: ThresholdSource): { actual: number | null; detail: string } {
  const m = src.metrics;
  const outcomes = src.outcomes ?? m.outcomes;
  let index: SeriesTotals | undefined;
  const totals = () => (index ??= m.seriesTotals?.() ?? SeriesTotals.of(m.series));
  const label = `${t.fnName}(${t.metric}${Object.keys(t.filters).length === 0 ? '' : `{${Object.entries(t.filters).map(([k, v]) => `${k}=${v}`).join(',')}}`})`;
  const isOutcome = t.metric === 'provisioned' || t.metric === 'failed' || t.metric === 'dropped';
  const total = () => (isOutcome ? sumOutcome(outcomes, t.metric, t.filters) : sumCounter(totals(), t.metric, t.filters));
  switch (t.fn) {
    case 'percentile':
    case 'avg':
    case 'min':
    case 'max': {
      const h = m.histogram(t.metric);
      if (h.count === 0) return { actual: null, detail: `${label}: no samples` };
      // stats() walks the histogram once per percentile it reports: a percentile needs only its own
      const v = t.fn === 'percentile' ? h.percentileMs(t.percentile ?? 50) : t.fn === 'avg' ? h.stats().mean : t.fn === 'min' ? h.stats().min : h.stats().max;
      return { actual: v, detail: `${label} = ${fmt(v)} ms over ${h.count} samples` };
    }
    case 'count': {
      const n = total();
      return { actual: n, detail: `${label} = ${n}` };
    }
    case 'ratio': {
      const n = total();
      if (isOutcome) {
        const d = devicesOf(src, outcomes);
        if (d === 0) return { actual: null, detail: `${label}: no devices` };
        return { actual: n / d, detail: `${label} = ${n}/${d} devices = ${pct(n / d)}` };
      }
      const apiFilter: Record<string, string> = t.filters.api === undefined ? {} : { api: t.filters.api };
      const d = sumCounter(totals(), 'offered', apiFilter);
      const what = t.filters.api === undefined ? 'requests' : `${t.filters.api} requests`;
      if (d === 0) return { actual: null, detail: `${label}: no ${what} were offered` };
      return { actual: n / d, detail: `${label} = ${n}/${d} ${what} = ${pct(n / d)}` };
    }
    case 'rate': {
      const n = total();
      const api = t.filters.api;
      const span = API_COUNTERS.has(t.metric)
        ? activeSpan(totals(), (name, labels) => name === 'offered' && (api === undefined || labels.api === api))
        : activeSpan(totals(), (name) => ACTIVITY_KEYS.includes(name));
      if (span === undefined) return { actual: 0, detail: `${label} = 0/s (never active)` };
      const secs = Math.max(1, span.last - span.first);
      const v = n / secs;
      return { actual: v, detail: `${label} = ${n} over ${secs} active s (t=${span.first}-${span.last + 1} s) = ${fmt(v)}/s` };
    }
  }
}

export function toSpec(t: string | ThresholdSpec): ThresholdSpec {
  return typeof t === 'string' ? { expression: t } : t;
}

/** Evaluate every expression; a malformed one is a failed result naming the column (never a throw). */
export function evaluateThresholds(expressions: ReadonlyArray<string | ThresholdSpec>, src: ThresholdSource): ThresholdResult[] {
  return expressions.map((e) => {
    const expression = toSpec(e).expression;
    let parsed: ParsedThreshold;
    try {
      parsed = parseThreshold(expression);
    } catch (err) {
      if (!(err instanceof ThresholdParseError)) throw err;
      return { expression, ok: false, actual: null, detail: `cannot parse: ${err.reason} at column ${err.column}` };
    }
    const { actual, detail } = measureThreshold(parsed, src);
    const ok = actual !== null && compare(actual, parsed.op, parsed.value);
    return { expression, ok, actual: actual === null ? null : Math.round(actual * 1e6) / 1e6, detail };
  });
}
