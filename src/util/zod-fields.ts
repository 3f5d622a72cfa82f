/**
 * Field schemas the scenario sections share (scenario/schema.ts, scenario/analysis-schema.ts and
 * the load models in load/models/), so a duration or a count is read the same way everywhere.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

/** A duration: milliseconds as a number, or `500ms` / `10s` / `2m` / `1h`. Parsed to milliseconds. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as 500ms, 10s, 2m (got ${JSON.stringify(v)})` });
    return z.NEVER;
  }
  return ms;
});

export const positiveInt = z.number({ error: 'must be a number' }).int('must be an integer').positive('must be a positive integer');

export const ratio = z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
