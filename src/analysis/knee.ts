/**
 * Knee search: evaluates the `step` load model's steps against its stop condition and reports
 * the highest sustainable rate with the evidence (one row per step).
 *
 * A step's numbers come from the seconds [k·D, (k+1)·D) of the run: offered, accepted and
 * throttled per API, the p99 of `p99Of` (latencies that completed in the step, recorded by the
 * generator into `<metric>{window=k}`: windowHistogramName) and failures = failed / (provisioned +
 * failed) of the devices that ended in the step. A step fails when, for any API, throttled/offered ≥ share429,
 * when p99 ≥ p99, or when failures ≥ failures.
 *
 * Per API, the sustainable rate is its plateau while throttled (the median accepted/s over its
 * throttled seconds, up to the stopping step: what the target actually sustains; bound
 * `throttled`), or, when it was never throttled, the highest step-mean accepted/s (a lower bound:
 * `not-reached`).
 */
import { buildApiSeries, type ApiSecond, type ApiSeries } from './api-series.js';
import { median, round } from './throttle.js';
import { stepRates } from '../load/models/step.js';
import type { KneeSearch } from '../load/models/types.js';
import { formatDuration } from '../util/duration.js';
import { windowHistogramName } from '../metrics/recorder.js';
import type { MetricsView } from '../metrics/thresholds.js';

export interface KneeStepApi {
  offeredPerSec: number;
  acceptedPerSec: number;
  share429: number;
}

export interface KneeStep {
  /** 1-based */
  step: number;
  /** the arrival rate the step asked for */
  ratePerSec: number;
  fromSec: number;
  toSec: number;
  /** device flows actually started per second */
  startedPerSec: number;
  apis: Record<string, KneeStepApi>;
  /** highest share429 over the APIs */
  share429: number;
  p99Ms: number | null;
  failures: number;
  passed: boolean;
  reasons: string[];
  complete: boolean;
}

export interface KneeAnalysis {
  steps: KneeStep[];
  stopWhen: KneeSearch['stopWhen'];
  p99Of: string;
  /** the last step that passed */
  knee?: { step: number; ratePerSec: number };
  stoppedAt?: { step: number; ratePerSec: number; reasons: string[] };
  apis: Record<string, { sustainablePerSec: number; bound: 'throttled' | 'not-reached' }>;
  summary: string;
}

function sumIn(series: Record<string, Record<string, number>>, name: string, from: number, to: number): number {
  let n = 0;
  for (let t = from; t < to; t++) {
    const counts = series[String(t)];
    if (counts === undefined) continue;
    for (const [k, v] of Object.entries(counts)) if (k === name || k.startsWith(`${name}{`)) n += v;
  }
  return n;
}

export const pctText = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;

interface StepApiCounts {
  api: string;
  offered: number;
  accepted: number;
  throttled: number;
}

/** Per API (in the series' order): what it was offered, accepted and throttled in seconds [fromSec, toSec). */
function apiCountsIn(apis: ApiSeries[], fromSec: number, toSec: number): StepApiCounts[] {
  return apis.map((a) => {
    const inStep = a.seconds.filter((s) => s.t >= fromSec && s.t < toSec);
    const sum = (f: (s: ApiSecond) => number) => inStep.reduce((n, s) => n + f(s), 0);
    return { api: a.api, offered: sum((s) => s.offered), accepted: sum((s) => s.accepted), throttled: sum((s) => s.throttled) };
  });
}

/**
 * The same counts read from step k's own seconds only (work bounded by the step's length, not
 * the run's): the step's seconds are moved to 0.. so the per-API series covers just them.
 */
function stepApiCounts(m: KneeSearch, k: number, series: MetricsView['series']): StepApiCounts[] {
  const secs = m.stepDuration / 1000;
  const own: Record<string, Record<string, number>> = {};
  for (let i = 0; i < secs; i++) {
    const counts = series[String(k * secs + i)];
    if (counts !== undefined) own[String(i)] = counts;
  }
  return apiCountsIn(buildApiSeries(own), 0, secs);
}

function evaluateStep(m: KneeSearch, k: number, rate: number, apis: StepApiCounts[], metrics: MetricsView, completeUntilSec: number): KneeStep {
  const secs = m.stepDuration / 1000;
  const fromSec = k * secs;
  const toSec = fromSec + secs;
  const row: KneeStep = {
    step: k + 1,
    ratePerSec: rate,
    fromSec,
    toSec,
    startedPerSec: round(sumIn(metrics.series, 'started', fromSec, toSec) / secs, 2),
    apis: {},
    share429: 0,
    p99Ms: null,
    failures: 0,
    passed: true,
    reasons: [],
    complete: toSec <= completeUntilSec,
  };
  const sw = m.stopWhen;
  for (const { api, offered, accepted, throttled } of apis) {
    if (offered === 0) continue;
    const share = throttled / offered;
    row.apis[api] = { offeredPerSec: round(offered / secs, 2), acceptedPerSec: round(accepted / secs, 2), share429: round(share, 4) };
    row.share429 = Math.max(row.share429, round(share, 4));
    if (sw.share429 !== undefined && share >= sw.share429) row.reasons.push(`${api} 429 share ${pctText(share)} ≥ ${pctText(sw.share429)}`);
  }
  const h = metrics.histogram(windowHistogramName(m.p99Of, k));
  if (h.count > 0) {
    row.p99Ms = round(h.percentileMs(99), 1);
    if (sw.p99 !== undefined && row.p99Ms >= sw.p99) row.reasons.push(`p99 ${m.p99Of} ${formatDuration(row.p99Ms)} ≥ ${formatDuration(sw.p99)}`);
  }
  const failed = sumIn(metrics.series, 'failed', fromSec, toSec);
  const ended = failed + sumIn(metrics.series, 'provisioned', fromSec, toSec);
  row.failures = ended === 0 ? 0 : round(failed / ended, 4);
  if (sw.failures !== undefined && ended > 0 && row.failures >= sw.failures) row.reasons.push(`failures ${pctText(row.failures)} ≥ ${pctText(sw.failures)}`);
  if (!row.complete) {
    row.passed = false;
    row.reasons.push('incomplete (the run ended during this step)');
  } else row.passed = row.reasons.length === 0;
  return row;
}

/** The live knee check: a step is judged once it is due, and again while late reports may arrive. */
export interface KneeWatch {
  /**
   * The first complete step that fails, judging only steps that ended at least `settleMs` ago.
   * Workers report every second, later when they are saturated, so a passed step is judged again
   * at every check until it ended `finalMs` ago; after that its verdict is final and it is never
   * read again. A failed step ends the watch.
   */
  check(metrics: MetricsView, elapsedMs: number): KneeStep | undefined;
  /** how many step evaluations it has made so far */
  readonly evaluations: number;
}

/** after this, a passed step's verdict is final (late reports older than this are not re-counted live) */
export const KNEE_FINAL_MS = 30_000;

export function createKneeWatch(m: KneeSearch, settleMs = 1500, finalMs = KNEE_FINAL_MS): KneeWatch {
  const rates = stepRates(m);
  /** steps before this one passed for good */
  let final = 0;
  let failed: KneeStep | undefined;
  let evaluations = 0;
  return {
    check(metrics, elapsedMs) {
      for (let k = final; failed === undefined && k < rates.length; k++) {
        const endMs = (k + 1) * m.stepDuration;
        if (endMs + settleMs > elapsedMs) break;
        const row = evaluateStep(m, k, rates[k] as number, stepApiCounts(m, k, metrics.series), metrics, Infinity);
        evaluations++;
        if (!row.passed) failed = row;
        else if (k === final && endMs + finalMs <= elapsedMs) final = k + 1;
      }
      return failed;
    },
    get evaluations() {
      return evaluations;
    },
  };
}

/** The first complete step that fails (a fresh evaluation of every step due at `elapsedMs`). */
export function findFailingStep(m: KneeSearch, metrics: MetricsView, elapsedMs: number, settleMs = 1500): KneeStep | undefined {
  return createKneeWatch(m, settleMs).check(metrics, elapsedMs);
}

const fmtRate = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** The whole knee table and its conclusion, for the report. `durationSec`: how far the run got. */
export function analyzeKnee(m: KneeSearch, metrics: MetricsView, durationSec: number): KneeAnalysis {
  const rates = stepRates(m);
  const apiSeries = buildApiSeries(metrics.series);
  const steps: KneeStep[] = [];
  let stoppedAt: KneeAnalysis['stoppedAt'];
  let knee: KneeAnalysis['knee'];
  const secs = m.stepDuration / 1000;
  for (let k = 0; k < rates.length; k++) {
    if (k * secs >= durationSec) break;
    const row = evaluateStep(m, k, rates[k] as number, apiCountsIn(apiSeries, k * secs, (k + 1) * secs), metrics, durationSec);
    steps.push(row);
    if (row.passed) knee = { step: row.step, ratePerSec: row.ratePerSec };
    else if (row.complete) {
      stoppedAt = { step: row.step, ratePerSec: row.ratePerSec, reasons: row.reasons };
      break;
    }
  }
  const lastSec = steps.length === 0 ? 0 : (steps[steps.length - 1] as KneeStep).toSec;
  const apis: KneeAnalysis['apis'] = {};
  for (const a of apiSeries) {
    const inRange = a.seconds.filter((s) => s.t < lastSec);
    const throttled = inRange.filter((s) => s.throttled > 0);
    if (throttled.length > 0) apis[a.api] = { sustainablePerSec: median(throttled.map((s) => s.accepted)) as number, bound: 'throttled' };
    else {
      const best = steps.reduce((mx, s) => Math.max(mx, s.complete ? (s.apis[a.api]?.acceptedPerSec ?? 0) : 0), 0);
      apis[a.api] = { sustainablePerSec: best, bound: 'not-reached' };
    }
  }
  const out: KneeAnalysis = { steps, stopWhen: m.stopWhen, p99Of: m.p99Of, apis, summary: '' };
  if (knee !== undefined) out.knee = knee;
  if (stoppedAt !== undefined) out.stoppedAt = stoppedAt;
  out.summary = summarizeKnee(out, rates);
  return out;
}

function summarizeKnee(k: KneeAnalysis, rates: number[]): string {
  const throttled = Object.entries(k.apis).filter(([, v]) => v.bound === 'throttled');
  const capacity = throttled.map(([api, v]) => `${api} sustains ${fmtRate(v.sustainablePerSec)}/s`).join(', ');
  if (k.stoppedAt !== undefined) {
    const head =
      k.knee === undefined
        ? `No sustainable rate: the first step (${fmtRate(k.stoppedAt.ratePerSec)}/s) already failed`
        : `Knee at ${fmtRate(k.knee.ratePerSec)}/s offered (step ${k.knee.step}); stopped at ${fmtRate(k.stoppedAt.ratePerSec)}/s`;
    return `${head} because ${k.stoppedAt.reasons.join(' and ')}${capacity === '' ? '' : `; ${capacity}`}.`;
  }
  const last = rates[rates.length - 1] ?? 0;
  const reached = k.steps.length === rates.length && k.steps.every((s) => s.complete);
  if (reached) return `No knee up to ${fmtRate(last)}/s: every step passed${capacity === '' ? '' : `; ${capacity}`}.`;
  const lastStep = k.knee === undefined ? 'no step passed' : `the last step that passed ran at ${fmtRate(k.knee.ratePerSec)}/s`;
  return `No knee found before the run ended (${lastStep}; raise fleet.devices to reach ${fmtRate(last)}/s)${capacity === '' ? '' : `; ${capacity}`}.`;
}
