/**
 * Load models. Each is pure: validate() is done by the scenario schema; describe() says in one
 * sentence what will happen; schedule() gives every device's intended start offset (ms from the
 * run start) for the whole run, so any share of it can be taken exactly.
 */
import type { LoadConfig } from '../scenario/schema.js';
import { formatDuration } from '../util/duration.js';
import { describeStep, scheduleStep } from './step.js';

export interface Arrival {
  /** 0-based global device index */
  index: number;
  /** intended start, ms after the run start; undefined in the closed model (start when a slot frees) */
  offsetMs: number | undefined;
}

type Stage = { from?: number | undefined; rate: number; duration: number };

/**
 * Arrival times for piecewise-linear rate stages: the k-th arrival happens when the integral of
 * the rate reaches k (k = 0, 1, 2, ...), so the counts per second match the rate exactly.
 */
export function stageArrivalOffsets(stages: Stage[], devices: number): number[] {
  const out: number[] = [];
  let t0 = 0;
  let cumulative = 0; // arrivals accumulated at the start of the stage
  for (const st of stages) {
    // {rate} holds the rate (a spike is a jump); {from, rate} ramps linearly from `from` to `rate`
    const r0 = st.from ?? st.rate;
    const r1 = st.rate;
    const d = st.duration / 1000; // seconds
    const stageTotal = ((r0 + r1) / 2) * d;
    while (out.length < devices) {
      const k = out.length;
      const need = k - cumulative; // arrivals needed into this stage
      // half-open stage [start, end): an arrival exactly at the end belongs to the next stage
      if (need > stageTotal - 1e-9) break;
      // solve r0 t + (r1 - r0) t^2 / (2d) = need for t in [0, d]
      let t: number;
      const a = (r1 - r0) / (2 * d);
      if (Math.abs(a) < 1e-12) t = r0 === 0 ? d : need / r0;
      else t = (-r0 + Math.sqrt(Math.max(0, r0 * r0 + 4 * a * need))) / (2 * a);
      out.push(Math.round((t0 + t * 1000) * 1000) / 1000);
    }
    cumulative += stageTotal;
    t0 += st.duration;
    if (out.length >= devices) break;
  }
  return out;
}

export function scheduleArrivals(load: LoadConfig, devices: number): Arrival[] {
  switch (load.model) {
    case 'closed':
      return Array.from({ length: devices }, (_, index) => ({ index, offsetMs: undefined }));
    case 'burst': {
      const spread = load.spread;
      return Array.from({ length: devices }, (_, index) => ({
        index,
        offsetMs: spread === 0 || devices === 1 ? 0 : (spread * index) / devices,
      }));
    }
    case 'open': {
      const offsets = stageArrivalOffsets(load.stages, devices);
      return offsets.map((offsetMs, index) => ({ index, offsetMs }));
    }
    case 'step':
      return scheduleStep(load, devices).map((offsetMs, index) => ({ index, offsetMs }));
  }
}

export function describeLoad(load: LoadConfig, devices: number): string {
  switch (load.model) {
    case 'closed':
      return `closed model: ${devices} devices, at most ${load.concurrency} in flight; the next device starts when one finishes`;
    case 'burst':
      return load.spread === 0
        ? `burst: all ${devices} devices arrive at t=0 (at most ${load.maxInFlight} in flight; later starts beyond ${formatDuration(load.startTolerance)} are dropped)`
        : `burst: ${devices} devices arrive evenly over ${formatDuration(load.spread)} (at most ${load.maxInFlight} in flight)`;
    case 'open': {
      const offsets = stageArrivalOffsets(load.stages, devices);
      const parts = load.stages.map((s) =>
        s.from !== undefined && s.from !== s.rate ? `ramp ${s.from}→${s.rate}/s over ${formatDuration(s.duration)}` : `${s.rate}/s for ${formatDuration(s.duration)}`,
      );
      const planned = offsets.length;
      const tail = planned < devices ? `; the stages only schedule ${planned} of ${devices} devices, the rest are not started` : '';
      return `open model: ${parts.join(', then ')}; ${planned} arrivals, at most ${load.maxInFlight} in flight, arrivals more than ${formatDuration(load.startTolerance)} late are dropped${tail}`;
    }
    case 'step':
      return describeStep(load, devices);
  }
}
