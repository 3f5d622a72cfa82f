/**
 * Scenario sections for throttle analysis: `thresholds`, `expectations` and the `step` load
 * model (knee search). Kept apart from schema.ts, which composes them.
 */
import { z } from 'zod';
import { checkThreshold, LATENCY_METRICS } from '../metrics/threshold-parse.js';
import { parseDuration } from '../util/duration.js';

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as 500ms, 10s, 2m (got ${JSON.stringify(v)})` });
    return z.NEVER;
  }
  return ms;
});
const ratio = z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
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

export const EXPECTATION_APIS = ['Connect', 'CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing', 'CreateProvisioningClaim'] as const;

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
