/**
 * The `step` load model (knee search): an open arrival-rate model whose rate rises by
 * `increment` every `stepDuration`, from `start` up to `maxRate`. The orchestrator stops it early
 * when a step breaks `stopWhen` (analysis/knee.ts); the devices not started then are dropped
 * with the reason `knee_found`.
 */
import { formatDuration } from '../util/duration.js';
import { stageArrivalOffsets } from './profiles.js';

export interface StepModel {
  start: number;
  increment: number;
  /** ms, whole seconds */
  stepDuration: number;
  maxRate: number;
  stopWhen: { share429?: number | undefined; p99?: number | undefined; failures?: number | undefined };
  p99Of: string;
}

/** The steps' arrival rates: start, start+increment, ... up to maxRate. */
export function stepRates(m: Pick<StepModel, 'start' | 'increment' | 'maxRate'>): number[] {
  const out: number[] = [];
  for (let k = 0; k < 10_000; k++) {
    const r = Math.round((m.start + k * m.increment) * 1e6) / 1e6;
    if (r > m.maxRate + 1e-9) break;
    out.push(r);
  }
  return out;
}

export interface StepLoad extends StepModel {
  model: 'step';
  maxInFlight: number;
  startTolerance: number;
  maxDuration?: number | undefined;
}

/** Dropped reason of the devices a finished knee search never started. */
export const KNEE_FOUND = 'knee_found';

/** One hold stage per step. */
export function stepStages(load: Pick<StepLoad, 'start' | 'increment' | 'maxRate' | 'stepDuration'>): Array<{ from: number; rate: number; duration: number }> {
  return stepRates(load).map((rate) => ({ from: rate, rate, duration: load.stepDuration }));
}

/** Arrivals the full search needs (every step at its rate). */
export function stepArrivalsNeeded(load: Pick<StepLoad, 'start' | 'increment' | 'maxRate' | 'stepDuration'>): number {
  return Math.floor(stepRates(load).reduce((n, r) => n + (r * load.stepDuration) / 1000, 0) + 1e-9);
}

export function scheduleStep(load: StepLoad, devices: number): number[] {
  return stageArrivalOffsets(stepStages(load), devices);
}

export function describeStep(load: StepLoad, devices: number): string {
  const rates = stepRates(load);
  const needed = stepArrivalsNeeded(load);
  const stops = [
    load.stopWhen.share429 === undefined ? undefined : `429 share ≥ ${(load.stopWhen.share429 * 100).toFixed(1)}%`,
    load.stopWhen.p99 === undefined ? undefined : `p99 ${load.p99Of} ≥ ${formatDuration(load.stopWhen.p99)}`,
    load.stopWhen.failures === undefined ? undefined : `failures ≥ ${(load.stopWhen.failures * 100).toFixed(1)}%`,
  ].filter((s) => s !== undefined);
  const tail =
    devices < needed
      ? `; the ${devices} devices last until about ${reachable(load, devices)}/s (${needed} needed for every step)`
      : `; ${needed} of ${devices} devices needed for every step`;
  return `step model (knee search): ${rates[0]}/s rising by ${load.increment}/s every ${formatDuration(load.stepDuration)} up to ${rates[rates.length - 1]}/s (${rates.length} steps), stopping at the first step with ${stops.join(' or ')}; at most ${load.maxInFlight} in flight${tail}`;
}

function reachable(load: StepLoad, devices: number): number {
  let left = devices;
  let last = 0;
  for (const r of stepRates(load)) {
    left -= (r * load.stepDuration) / 1000;
    if (left < 0) break;
    last = r;
  }
  return last;
}
