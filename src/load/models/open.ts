/**
 * The `open` load model: arrivals follow rate stages (hold, ramp, spike) whatever the target
 * does, as real devices would. At most `maxInFlight` run at once; an arrival that cannot start
 * within `startTolerance` is dropped. Devices beyond what the stages schedule are not started.
 */
import { z } from 'zod';
import { formatDuration } from '../../util/duration.js';
import { duration, positiveInt } from '../../util/zod-fields.js';
import { asArrivals, stageArrivalOffsets } from '../arrivals.js';
import { defineLoadModel } from './types.js';

const stage = z.strictObject({
  /** arrivals per second at the start of the stage (ramp) */
  from: z.number().min(0, 'must be >= 0').optional(),
  /** arrivals per second at the end of the stage; for hold/spike the constant rate */
  rate: z.number({ error: 'must be a number' }).min(0, 'must be >= 0'),
  duration,
});

export const openLoadSchema = z.strictObject({
  model: z.literal('open'),
  stages: z.array(stage).min(1, 'must have at least one stage'),
  maxInFlight: positiveInt.default(1000),
  /** an arrival that cannot start within this time of its intended start is dropped */
  startTolerance: duration.default(1000),
  maxDuration: duration.optional(),
});

export type OpenLoad = z.output<typeof openLoadSchema>;

export const openModel = defineLoadModel({
  name: 'open',
  schema: openLoadSchema,
  describe(load, devices) {
    const planned = stageArrivalOffsets(load.stages, devices).length;
    const parts = load.stages.map((s) =>
      s.from !== undefined && s.from !== s.rate ? `ramp ${s.from}→${s.rate}/s over ${formatDuration(s.duration)}` : `${s.rate}/s for ${formatDuration(s.duration)}`,
    );
    const tail = planned < devices ? `; the stages only schedule ${planned} of ${devices} devices, the rest are not started` : '';
    return `open model: ${parts.join(', then ')}; ${planned} arrivals, at most ${load.maxInFlight} in flight, arrivals more than ${formatDuration(load.startTolerance)} late are dropped${tail}`;
  },
  schedule: (load, devices) => asArrivals(stageArrivalOffsets(load.stages, devices)),
  inFlight: (load) => load.maxInFlight,
  runner: (load) => ({ kind: 'timed', startToleranceMs: load.startTolerance }),
});
