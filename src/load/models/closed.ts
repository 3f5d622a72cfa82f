/**
 * The `closed` load model: `concurrency` devices run at once, and the next starts as soon as one
 * finishes. No start times, so nothing is ever late or dropped for being late.
 *
 * Rule: a concurrency above `fleet.devices` is capped at `fleet.devices` (there are no more devices
 * to run at once); the scenario keeps the value it was given and the plan says so.
 */
import { z } from 'zod';
import { duration, positiveInt } from '../../util/zod-fields.js';
import { defineLoadModel } from './types.js';

export const closedLoadSchema = z.strictObject({
  model: z.literal('closed'),
  /** devices in flight at once (at most fleet.devices: a higher value is capped) */
  concurrency: positiveInt,
  maxDuration: duration.optional(),
});

export type ClosedLoad = z.output<typeof closedLoadSchema>;

export const closedModel = defineLoadModel({
  name: 'closed',
  schema: closedLoadSchema,
  describe(load, devices) {
    const slots = Math.min(load.concurrency, devices);
    const capped = load.concurrency > devices ? ` (concurrency ${load.concurrency} capped at the ${devices} devices)` : '';
    return `closed model: ${devices} devices, at most ${slots} in flight${capped}; the next device starts when one finishes`;
  },
  schedule: (_load, devices) => Array.from({ length: devices }, (_, index) => ({ index, offsetMs: undefined })),
  inFlight: (load, devices) => Math.min(load.concurrency, devices),
  runner: () => ({ kind: 'slots' }),
});
