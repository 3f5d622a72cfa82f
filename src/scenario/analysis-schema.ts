/**
 * Scenario sections for throttle analysis: `thresholds` and `expectations` (the `step` load
 * model's knee search lives with the model, load/models/step.ts). Kept apart from schema.ts,
 * which composes them.
 */
import { z } from 'zod';
import { checkThreshold } from '../metrics/threshold-parse.js';
import { duration } from '../util/zod-fields.js';
/** 0.2 or "20%" → 0.2 */
const share = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\s*\d+(\.\d+)?\s*%\s*$/.test(v) ? Number(v.replace('%', '')) / 100 : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    ctx.addIssue({ code: 'custom', message: `must be a fraction between 0 and 1 or a percentage such as 20% (got ${JSON.stringify(v)})` });
    return z.NEVER;
  }
  return n;
});

/** A threshold: `"p99(provision) < 5s"` or `{expression, abortOnFail, delayAbortEval}`. */
const threshold = z
  .union(
    [
      z.string(),
      z.strictObject({
        expression: z.string(),
        /** stop the run as soon as this threshold fails (checked every second) */
        abortOnFail: z.boolean().default(false),
        /** do not abort before this long after the start (counts need time to add up) */
        delayAbortEval: duration.optional(),
      }),
    ],
    { error: 'must be an expression such as "p99(provision) < 5s" or {expression, abortOnFail}' },
  )
  .transform((t) => (typeof t === 'string' ? { expression: t, abortOnFail: false } : t))
  .superRefine((t, ctx) => {
    const err = checkThreshold(t.expression);
    if (err !== undefined) ctx.addIssue({ code: 'custom', message: `${err.message}` });
  });

export const thresholdsSchema = z.array(threshold, { error: 'must be a list of expressions' }).default([]);

export const EXPECTATION_APIS = ['Connect', 'CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing'] as const;

const acceptedRate = z.strictObject({
  api: z.enum(EXPECTATION_APIS, { error: `must be one of ${EXPECTATION_APIS.join(', ')}` }),
  /** the quota the target is expected to enforce, requests per second */
  perSec: z.number({ error: 'must be a number' }).positive('must be > 0'),
  tolerance: share.default(0.2),
});

export const expectationsSchema = z
  .strictObject({
    /** throttled requests are answered (429) instead of timing out */
    throttledGet429: z
      .union([z.boolean(), z.strictObject({ maxTimeoutShare: share.default(0.01), requireThrottling: z.boolean().default(false) })], {
        error: 'must be true, or {maxTimeoutShare, requireThrottling}',
      })
      .optional()
      .transform((v) => (v === undefined || v === false ? undefined : v === true ? { maxTimeoutShare: 0.01, requireThrottling: false } : v)),
    /** the accepted rate under throttling stays within tolerance of the quota */
    /** one {api, perSec, tolerance} or a list of them (a single one is read as a list of one) */
    acceptedRate: z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(acceptedRate)).optional(),
    /** every device provisions within this time of the run start */
    provisionWithin: duration.optional(),
  })
  .optional();
