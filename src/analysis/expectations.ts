/**
 * Expectations a scenario states about the target itself (scenario `expectations:`), so a
 * nightly run catches a changed quota or a regression in the firmware's backoff:
 * - throttledGet429: throttled provisioning requests are answered (429) rather than left to time
 *   out: timed-out requests / offered requests of the provisioning APIs stay below
 *   maxTimeoutShare (default 1%); with requireThrottling, at least one 429 must have been seen.
 * - acceptedRate: the API's accepted-rate plateau under throttling (see throttle.ts) is within
 *   tolerance of the expected quota; an API that was never throttled fails (nothing measured).
 * - provisionWithin: every device provisioned, the last one before the deadline (from t=0).
 */
import { CONNECT_APIS } from './api-series.js';
import type { ApiAnalysis } from './throttle.js';

export interface AcceptedRateExpectation {
  api: string;
  perSec: number;
  /** 0-1 */
  tolerance: number;
}

export interface Expectations {
  throttledGet429?: { maxTimeoutShare: number; requireThrottling: boolean } | undefined;
  acceptedRate?: AcceptedRateExpectation[] | undefined;
  /** ms */
  provisionWithin?: number | undefined;
}

export interface ExpectationResult {
  name: string;
  ok: boolean;
  actual: number | string | null;
  expected: string;
  detail: string;
}

export interface ExpectationInput {
  apis: Record<string, ApiAnalysis>;
  devices: number;
  provisioned: number;
  /** end of the second in which the last device provisioned (s since start); undefined if none */
  lastProvisionedSec: number | undefined;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const rate = (v: number) => `${Number.isInteger(v) ? v : v.toFixed(1)}/s`;

function checkThrottled429(e: NonNullable<Expectations['throttledGet429']>, input: ExpectationInput): ExpectationResult {
  let offered = 0;
  let timedOut = 0;
  let throttled = 0;
  for (const [api, a] of Object.entries(input.apis)) {
    if (CONNECT_APIS.has(api) || api === 'VerifyPublish') continue;
    offered += a.offered;
    timedOut += a.timedOut;
    throttled += a.throttled;
  }
  const share = offered === 0 ? 0 : timedOut / offered;
  const expected = `timeouts < ${pct(e.maxTimeoutShare)} of provisioning requests${e.requireThrottling ? ', and throttling seen' : ''}`;
  const okTimeouts = share < e.maxTimeoutShare;
  const okSeen = !e.requireThrottling || throttled > 0;
  const parts = [`${timedOut} of ${offered} provisioning requests timed out (${pct(share)})`, `${throttled} were answered 429`];
  if (!okSeen) parts.push('no request was throttled, so the 429 behaviour was not exercised');
  return { name: 'throttledGet429', ok: okTimeouts && okSeen, actual: Math.round(share * 1e6) / 1e6, expected, detail: parts.join('; ') };
}

function checkAcceptedRate(e: AcceptedRateExpectation, input: ExpectationInput): ExpectationResult {
  const a = input.apis[e.api];
  const expected = `${rate(e.perSec)} ± ${(e.tolerance * 100).toFixed(0)}%`;
  const name = `acceptedRate(${e.api})`;
  if (a === undefined) return { name, ok: false, actual: null, expected, detail: `${e.api} was never called` };
  if (a.plateauPerSec === null) {
    return {
      name,
      ok: false,
      actual: null,
      expected,
      detail: `${e.api} was never throttled (peak ${rate(a.peakAcceptedPerSec)} accepted), so its quota was not measured; offer more load`,
    };
  }
  const dev = Math.abs(a.plateauPerSec - e.perSec) / e.perSec;
  return {
    name,
    ok: dev <= e.tolerance + 1e-9,
    actual: a.plateauPerSec,
    expected,
    detail: `${e.api} accepted ${rate(a.plateauPerSec)} while throttled (median of ${a.perSecond.filter((s) => s.throttled > 0).length} throttled seconds), ${(dev * 100).toFixed(1)}% from ${rate(e.perSec)}`,
  };
}

function checkWithin(deadlineMs: number, input: ExpectationInput): ExpectationResult {
  const deadlineSec = deadlineMs / 1000;
  const expected = `all ${input.devices} devices provisioned by t ≤ ${deadlineSec} s`;
  const all = input.provisioned === input.devices;
  const last = input.lastProvisionedSec;
  const inTime = last !== undefined && last <= deadlineSec;
  const when = last === undefined ? 'none provisioned' : `the last provisioned by t=${last} s`;
  return {
    name: 'provisionWithin',
    ok: all && inTime,
    actual: last ?? null,
    expected,
    detail: `${input.provisioned} of ${input.devices} devices provisioned; ${when}`,
  };
}

export function evaluateExpectations(e: Expectations | undefined, input: ExpectationInput): ExpectationResult[] {
  if (e === undefined) return [];
  const out: ExpectationResult[] = [];
  if (e.throttledGet429 !== undefined) out.push(checkThrottled429(e.throttledGet429, input));
  for (const r of e.acceptedRate ?? []) out.push(checkAcceptedRate(r, input));
  if (e.provisionWithin !== undefined) out.push(checkWithin(e.provisionWithin, input));
  return out;
}
