/**
 * The `step` load model (knee search): an open arrival-rate model whose rate rises by
 * `increment` every `stepDuration`, from `start` up to `maxRate`. The run guard stops it early
 * when a step breaks `stopWhen` (analysis/knee.ts judges the steps); the devices not started then
 * are dropped with the reason `knee_found`.
 */
import { z } from 'zod';
import { LATENCY_METRICS } from '../../metrics/threshold-parse.js';
import { formatDuration } from '../../util/duration.js';
import { duration, ratio } from '../../util/zod-fields.js';
import { asArrivals, stageArrivalOffsets, type RateStage } from '../arrivals.js';
import { defineLoadModel, type KneeSearch } from './types.js';

/** The knee search: the arrival rate rises in steps until a stop condition holds. */
export const stepLoadSchema = z
  .strictObject({
    model: z.literal('step'),
    /** arrivals per second in the first step */
    start: z.number({ error: 'must be a number' }).positive('must be > 0'),
    /** added to the rate at each step */
    increment: z.number({ error: 'must be a number' }).positive('must be > 0'),
    /** how long each step lasts (whole seconds) */
    stepDuration: duration,
    /** the last step's rate is at most this */
    maxRate: z.number({ error: 'must be a number' }).positive('must be > 0'),
    /** a step fails (and the search stops) when any of these holds; default share429 5%, failures 1% */
    stopWhen: z
      .strictObject({ share429: ratio.optional(), p99: duration.optional(), failures: ratio.optional() })
      .default({ share429: 0.05, failures: 0.01 }),
    /** the latency metric `stopWhen.p99` applies to */
    p99Of: z.enum(LATENCY_METRICS, { error: `must be one of ${LATENCY_METRICS.join(', ')}` }).default('provision'),
    maxInFlight: z.number().int('must be an integer').positive('must be a positive integer').default(1000),
    startTolerance: duration.default(1000),
    maxDuration: duration.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.stepDuration < 1000 || s.stepDuration % 1000 !== 0) ctx.addIssue({ code: 'custom', path: ['stepDuration'], message: 'must be whole seconds, at least 1s' });
    if (s.maxRate < s.start) ctx.addIssue({ code: 'custom', path: ['maxRate'], message: 'must be >= start' });
    if (Object.keys(s.stopWhen).length === 0) ctx.addIssue({ code: 'custom', path: ['stopWhen'], message: 'needs at least one of share429, p99, failures' });
  });

export type StepLoad = z.output<typeof stepLoadSchema>;

/** Dropped reason of the devices a finished knee search never started. */
export const KNEE_FOUND = 'knee_found';

type StepRange = Pick<KneeSearch, 'start' | 'increment' | 'maxRate' | 'stepDuration'>;

/** The steps' arrival rates: start, start+increment, ... up to maxRate. */
export function stepRates(m: Pick<KneeSearch, 'start' | 'increment' | 'maxRate'>): number[] {
  const out: number[] = [];
  for (let k = 0; k < 10_000; k++) {
    const r = Math.round((m.start + k * m.increment) * 1e6) / 1e6;
    if (r > m.maxRate + 1e-9) break;
    out.push(r);
  }
  return out;
}

/** One hold stage per step. */
export function stepStages(load: StepRange): RateStage[] {
  return stepRates(load).map((rate) => ({ from: rate, rate, duration: load.stepDuration }));
}

/** Arrivals the full search needs (every step at its rate). */
export function stepArrivalsNeeded(load: StepRange): number {
  return Math.floor(stepRates(load).reduce((n, r) => n + (r * load.stepDuration) / 1000, 0) + 1e-9);
}

/** The highest step rate `devices` arrivals last through. */
function reachableRate(load: StepRange, devices: number): number {
  let left = devices;
  let last = 0;
  for (const r of stepRates(load)) {
    left -= (r * load.stepDuration) / 1000;
    if (left < 0) break;
    last = r;
  }
  return last;
}

export const stepModel = defineLoadModel({
  name: 'step',
  schema: stepLoadSchema,
  describe(load, devices) {
    const rates = stepRates(load);
    const needed = stepArrivalsNeeded(load);
    const stops = [
      load.stopWhen.share429 === undefined ? undefined : `429 share ≥ ${(load.stopWhen.share429 * 100).toFixed(1)}%`,
      load.stopWhen.p99 === undefined ? undefined : `p99 ${load.p99Of} ≥ ${formatDuration(load.stopWhen.p99)}`,
      load.stopWhen.failures === undefined ? undefined : `failures ≥ ${(load.stopWhen.failures * 100).toFixed(1)}%`,
    ].filter((s) => s !== undefined);
    const tail =
      devices < needed
        ? `; the ${devices} devices last until about ${reachableRate(load, devices)}/s (${needed} needed for every step)`
        : `; ${needed} of ${devices} devices needed for every step`;
    return `step model (knee search): ${rates[0]}/s rising by ${load.increment}/s every ${formatDuration(load.stepDuration)} up to ${rates[rates.length - 1]}/s (${rates.length} steps), stopping at the first step with ${stops.join(' or ')}; at most ${load.maxInFlight} in flight${tail}`;
  },
  schedule: (load, devices) => asArrivals(stageArrivalOffsets(stepStages(load), devices)),
  inFlight: (load) => load.maxInFlight,
  runner: (load) => ({ kind: 'timed', startToleranceMs: load.startTolerance }),
  kneeSearch: ({ start, increment, stepDuration, maxRate, stopWhen, p99Of }) => ({ start, increment, stepDuration, maxRate, stopWhen, p99Of }),
});
