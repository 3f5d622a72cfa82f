/**
 * The run's throttle analysis for report.json and the console: per-API series and throttling
 * (throttle.ts), attempts per device, devices that ran out of retries, the knee table of a
 * `step` run (knee.ts) and the one-sentence verdict (verdict.ts). Pure: the same merged data
 * gives the same analysis, live, rebuilt or merged from shards.
 */
import type { MetricsView } from '../metrics/thresholds.js';
import type { OutcomeCounts } from '../metrics/snapshot.js';
import { parseCounterKey, parseFlowAttemptsKey } from '../metrics/names.js';
import { buildApiSeries, type ServerStatsLike } from './api-series.js';
import type { KneeSearch } from '../load/models/types.js';
import { analyzeKnee, type KneeAnalysis } from './knee.js';
import { analyzeApi, apiAttempts, DEFAULT_ONSET_SHARE, round, type ApiAnalysis } from './throttle.js';
import { composeVerdict } from './verdict.js';
import { hookCauseSentence } from './hook-cause.js';

export { evaluateExpectations, type Expectations, type ExpectationResult } from './expectations.js';
export { analyzeKnee, findFailingStep, type KneeAnalysis, type KneeStep } from './knee.js';
export type { ApiAnalysis } from './throttle.js';
export type { ApiSecond } from './api-series.js';

export interface RunAnalysis {
  /** throttled/offered share that marks the onset of throttling */
  onsetShare: number;
  apis: Record<string, ApiAnalysis>;
  /** step attempts per device (every request and connect counts): { attempts: devices } */
  attempts: { max: number; mean: number; perDevice: Record<string, number> };
  /** devices that gave up on a retryable failure after their last attempt */
  outOfRetries: number;
  outOfRetriesBy: Record<string, number>;
  /** end of the second in which the last device provisioned */
  lastProvisionedSec?: number;
  verdict: string;
  knee?: KneeAnalysis;
}

export interface AnalysisInput {
  metrics: MetricsView & { readonly totals: Record<string, number> };
  /** outcomes with unrecorded devices accounted for */
  outcomes: OutcomeCounts;
  devices: number;
  startMs: number;
  durationMs: number;
  status: string;
  statusReason?: string | undefined;
  /** the knee search, when the run's load model asked for one (step) */
  step?: KneeSearch | undefined;
  emulator?: ServerStatsLike | undefined;
  onsetShare?: number;
  generatorSaturated?: boolean | undefined;
}

function lastSecondOf(series: Record<string, Record<string, number>>, name: string): number | undefined {
  let last: number | undefined;
  for (const [period, counts] of Object.entries(series)) {
    if ((counts[name] ?? 0) > 0) last = Math.max(last ?? -1, Number(period));
  }
  return last === undefined ? undefined : last + 1;
}

function flowAttempts(totals: Record<string, number>): RunAnalysis['attempts'] {
  const perDevice: Record<string, number> = {};
  let n = 0;
  let sum = 0;
  for (const [k, v] of Object.entries(totals)) {
    const attempts = parseFlowAttemptsKey(k);
    if (attempts === undefined) continue;
    perDevice[String(attempts)] = v;
    n += v;
    sum += attempts * v;
  }
  const keys = Object.keys(perDevice).map(Number);
  return { max: keys.length === 0 ? 0 : Math.max(...keys), mean: n === 0 ? 0 : round(sum / n, 2), perDevice };
}

export function analyzeRun(input: AnalysisInput): RunAnalysis {
  const m = input.metrics;
  const onsetShare = input.onsetShare ?? DEFAULT_ONSET_SHARE;
  const attemptsByApi = apiAttempts(m.totals);
  const apis: Record<string, ApiAnalysis> = {};
  for (const s of buildApiSeries(m.series, { server: input.emulator, runStartMs: input.startMs })) {
    const att = attemptsByApi.get(s.api);
    apis[s.api] = analyzeApi(s, { onsetShare, ...(att === undefined ? {} : { attempts: att }) });
  }
  const outOfRetriesBy: Record<string, number> = {};
  let outOfRetries = 0;
  for (const counts of Object.values(m.series)) {
    for (const [key, v] of Object.entries(counts)) {
      const labels = parseCounterKey(key, 'exhausted');
      if (labels === undefined) continue;
      outOfRetries += v;
      const k = `${labels.step ?? '?'}: ${labels.reason ?? '?'}`;
      outOfRetriesBy[k] = (outOfRetriesBy[k] ?? 0) + v;
    }
  }
  const lastProvisionedSec = lastSecondOf(m.series, 'provisioned');
  const durationSec = Math.round(input.durationMs / 1000);
  const knee = input.step === undefined ? undefined : analyzeKnee(input.step, m, Math.floor(input.durationMs / 1000));
  const out: RunAnalysis = {
    onsetShare,
    apis,
    attempts: flowAttempts(m.totals),
    outOfRetries,
    outOfRetriesBy,
    verdict: '',
  };
  if (lastProvisionedSec !== undefined) out.lastProvisionedSec = lastProvisionedSec;
  if (knee !== undefined) out.knee = knee;
  out.verdict = composeVerdict({
    apis,
    outcomes: input.outcomes,
    devices: input.devices,
    lastProvisionedSec,
    outOfRetries,
    status: input.status,
    statusReason: input.statusReason,
    durationSec,
    knee,
    generatorSaturated: input.generatorSaturated,
  });
  // devices failed by the pre-provisioning hook: say so first, with the error and its log file
  const hookCause = knee === undefined ? hookCauseSentence(input.outcomes, input.devices, input.emulator) : undefined;
  if (hookCause !== undefined) out.verdict = `${hookCause} ${out.verdict}`;
  return out;
}
