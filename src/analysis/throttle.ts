/**
 * Throttle analysis of one API from its per-second series. Definitions (also in docs/throttling.md):
 * - plateau: the median accepted/s over the seconds in which the API was throttled. A token
 *   bucket of rate r answers r/s once its burst is spent, so under sustained overload the median
 *   is r; null when the API was never throttled.
 * - onset: the first second in which throttled/offered reached `onsetShare` (default 5%), with
 *   the offered rate (retries included) in that second.
 * - recovery: from the first throttled second to the end of the last second in which the API
 *   was still offered requests (the backlog drained); lastThrottledSec is the last second with
 *   any throttling.
 * - mean accepted/s: accepted over the API's active span (api-series.ts activeSpan, the same
 *   figure the HTML report and `report compare` show).
 * What counts as offered, accepted, throttled, rejected and timed out is defined in api-series.ts.
 */
import { activeSpan, meanAcceptedPerSec, type ActiveSpan, type ApiSecond, type ApiSeries } from './api-series.js';
import { round } from '../util/round.js';
import { parseApiAttemptsKey } from '../metrics/names.js';

export const DEFAULT_ONSET_SHARE = 0.05;

export interface ThrottleOnset {
  tSec: number;
  offeredPerSec: number;
  /** throttled / offered in that second */
  share429: number;
}

export interface ThrottleRecovery {
  firstThrottledSec: number;
  lastThrottledSec: number;
  /** end of the last second in which the API was offered a request */
  drainedSec: number;
  durationSec: number;
}

export interface ApiAnalysis {
  /** median accepted/s over the throttled seconds; null = never throttled */
  plateauPerSec: number | null;
  peakAcceptedPerSec: number;
  /** accepted / (activeSpan.toSec − activeSpan.fromSec); 0 when never offered */
  meanAcceptedPerSec: number;
  /** the seconds the API was in use: first offered request to the end of the last second with an offer or a completion */
  activeSpan?: ActiveSpan;
  onset?: ThrottleOnset;
  recovery?: ThrottleRecovery;
  offered: number;
  accepted: number;
  /** by `<status> <errorCode>` */
  rejected: Record<string, number>;
  throttled: number;
  timedOut: number;
  /** attempts at this API per device: { attempts: devices }, and the largest */
  attempts?: { max: number; perDevice: Record<string, number> };
  perSecond: ApiSecond[];
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function findOnset(seconds: ApiSecond[], share = DEFAULT_ONSET_SHARE): ThrottleOnset | undefined {
  for (const s of seconds) {
    if (s.offered === 0 || s.throttled === 0) continue;
    const r = s.throttled / s.offered;
    if (r >= share) return { tSec: s.t, offeredPerSec: s.offered, share429: round(r, 4) };
  }
  return undefined;
}

export function findRecovery(seconds: ApiSecond[]): ThrottleRecovery | undefined {
  const throttled = seconds.filter((s) => s.throttled > 0);
  const first = throttled[0];
  const last = throttled[throttled.length - 1];
  if (first === undefined || last === undefined) return undefined;
  let lastOffered = last.t;
  for (const s of seconds) if (s.offered > 0) lastOffered = Math.max(lastOffered, s.t);
  const drainedSec = lastOffered + 1;
  return { firstThrottledSec: first.t, lastThrottledSec: last.t, drainedSec, durationSec: drainedSec - first.t };
}

export function analyzeApi(s: ApiSeries, opts: { onsetShare?: number; attempts?: Record<string, number> } = {}): ApiAnalysis {
  const secs = s.seconds;
  const throttledSecs = secs.filter((x) => x.throttled > 0);
  const plateau = median(throttledSecs.map((x) => x.accepted));
  const out: ApiAnalysis = {
    plateauPerSec: plateau,
    peakAcceptedPerSec: secs.reduce((m, x) => Math.max(m, x.accepted), 0),
    meanAcceptedPerSec: meanAcceptedPerSec(s),
    offered: s.totals.offered,
    accepted: s.totals.accepted,
    rejected: s.totals.rejected,
    throttled: s.totals.throttled,
    timedOut: s.totals.timedOut,
    perSecond: secs,
  };
  const span = activeSpan(secs);
  if (span !== undefined) out.activeSpan = span;
  const onset = findOnset(secs, opts.onsetShare);
  if (onset !== undefined) out.onset = onset;
  const recovery = findRecovery(secs);
  if (recovery !== undefined) out.recovery = recovery;
  if (opts.attempts !== undefined && Object.keys(opts.attempts).length > 0) {
    out.attempts = { max: Math.max(...Object.keys(opts.attempts).map(Number)), perDevice: opts.attempts };
  }
  return out;
}

/**
 * Per-API attempts per device from the recorder totals `api_attempts{api=X,n=K}` (devices that
 * made K attempts at X).
 */
export function apiAttempts(totals: Record<string, number>): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const [key, v] of Object.entries(totals)) {
    const parsed = parseApiAttemptsKey(key);
    if (parsed === undefined) continue;
    const rec = out.get(parsed.api) ?? {};
    out.set(parsed.api, rec);
    const n = String(parsed.attempts);
    rec[n] = (rec[n] ?? 0) + v;
  }
  return out;
}

export { round };
