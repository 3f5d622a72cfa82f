/**
 * Arrival plans shared by the load models: the `Arrival` record every model's schedule() returns,
 * and the exact arrival times of piecewise-linear rate stages (open and step models).
 */

export interface Arrival {
  /** 0-based global device index */
  index: number;
  /** intended start, ms after the run start; undefined when the model has no start times (closed: start when a slot frees) */
  offsetMs: number | undefined;
}

export interface RateStage {
  /** arrivals per second at the start of the stage; default: `rate` (a hold, or a spike when it jumps) */
  from?: number | undefined;
  /** arrivals per second at the end of the stage */
  rate: number;
  /** ms */
  duration: number;
}

/**
 * Arrival times for piecewise-linear rate stages: the k-th arrival happens when the integral of
 * the rate reaches k (k = 0, 1, 2, ...), so the counts per second match the rate exactly.
 */
export function stageArrivalOffsets(stages: RateStage[], devices: number): number[] {
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

/** Offsets as arrivals of the devices 0, 1, 2, ... */
export function asArrivals(offsets: number[]): Arrival[] {
  return offsets.map((offsetMs, index) => ({ index, offsetMs }));
}
