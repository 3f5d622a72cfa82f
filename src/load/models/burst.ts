/**
 * The `burst` load model (launch day): every device arrives at t=0, or evenly over `spread`.
 * At most `maxInFlight` run at once; a device that cannot start within `startTolerance` of its
 * arrival is dropped.
 */
import { z } from 'zod';
import { formatDuration } from '../../util/duration.js';
import { duration, positiveInt } from '../../util/zod-fields.js';
import { defineLoadModel } from './types.js';

export const burstLoadSchema = z.strictObject({
  model: z.literal('burst'),
  /** all devices arrive at t=0 (launch day); spread = optional window they arrive in */
  spread: duration.default(0),
  maxInFlight: positiveInt.default(1000),
  startTolerance: duration.default(60_000),
  maxDuration: duration.optional(),
});

export type BurstLoad = z.output<typeof burstLoadSchema>;

export const burstModel = defineLoadModel({
  name: 'burst',
  schema: burstLoadSchema,
  describe: (load, devices) =>
    load.spread === 0
      ? `burst: all ${devices} devices arrive at t=0 (at most ${load.maxInFlight} in flight; later starts beyond ${formatDuration(load.startTolerance)} are dropped)`
      : `burst: ${devices} devices arrive evenly over ${formatDuration(load.spread)} (at most ${load.maxInFlight} in flight)`,
  schedule: (load, devices) =>
    Array.from({ length: devices }, (_, index) => ({
      index,
      offsetMs: load.spread === 0 || devices === 1 ? 0 : (load.spread * index) / devices,
    })),
  inFlight: (load) => load.maxInFlight,
  runner: (load) => ({ kind: 'timed', startToleranceMs: load.startTolerance }),
});
