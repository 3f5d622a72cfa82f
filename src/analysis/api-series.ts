/**
 * Per-API time series, one row per second of the run, from the devices' counters
 * (`offered|accepted|rejected|timeout{api=...}`) and, when the target is the emulator, its own
 * server-side counts for the same seconds (`received|accepted|rejected{api=...}`).
 *
 * This module is the one definition of the per-API figures. The throttle analysis (report.json
 * `analysis`), the HTML rates table and charts (report/series.ts derives its arrays from
 * buildApiSeries) and `fleetsim report compare` all read them from here:
 * - offered: requests sent (connect attempts for Connect-like APIs), retries included;
 * - accepted: requests answered on `/accepted` (a CONNACK that accepted, for connects);
 * - throttled: rejections that are throttling (isThrottleRejection): statusCode 429 or a
 *   throttling errorCode for the provisioning APIs, and for connects a CONNACK refused for the
 *   connection rate (aws-fleet-provisioning.md §6; protocol/quotas.ts THROTTLED_CONNECT);
 * - rejected: every rejected reply or refused connect, throttled ones included; "other
 *   rejections" (the HTML column) are rejected − throttled;
 * - timed out: no answer within the timeout;
 * - mean accepted/s: accepted / the API's active span, in whole seconds: from the start of the
 *   first second with an offered request to the end of the last second in which the API was
 *   offered a request or one completed (accepted, rejected or timed out). See activeSpan.
 * A request is counted in the second it was sent (offered) and in the second it completed.
 */
import { parseSeriesKey } from '../metrics/names.js';
import { THROTTLED_CONNECT } from '../protocol/quotas.js';
import type { EmulatorCounters } from '../protocol/emulator-stats.js';
import { round } from '../util/round.js';

/** APIs in flow order; anything else the series name comes after these. */
export const API_ORDER = ['CreateProvisioningClaim', 'Connect', 'CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing', 'VerifyConnect', 'VerifyPublish', 'Reconnect'];

/** Connect-like APIs: a throttled connect is refused in CONNACK, not answered with 429. */
export const CONNECT_APIS = new Set(['Connect', 'VerifyConnect', 'Reconnect']);

const THROTTLED_CONNECT_CODES = new Set([String(THROTTLED_CONNECT.mqtt5ReasonCode), String(THROTTLED_CONNECT.mqtt311ReturnCode), '151']);

/**
 * Whether a rejection counts as throttling: statusCode 429 for the provisioning APIs, or an
 * errorCode that says so; for connects, the CONNACK codes of a throttled CONNECT
 * (protocol/quotas.ts THROTTLED_CONNECT: MQTT 5 0x9F = 159, MQTT 3.1.1 3 "server unavailable";
 * also MQTT 5 0x97 = 151 "quota exceeded").
 */
export function isThrottleRejection(api: string, status: string, code = ''): boolean {
  if (status === '429') return true;
  if (/throttl|rate.?exceeded|quota/i.test(code)) return true;
  return CONNECT_APIS.has(api) && THROTTLED_CONNECT_CODES.has(status);
}

/** Throttled requests and connects so far, from the per-key totals (the live progress line). */
export function throttledTotal(keys: Iterable<{ name: string; labels: Record<string, string>; total: number }>): number {
  let n = 0;
  for (const k of keys) if (k.name === 'rejected' && isThrottleRejection(k.labels.api ?? '', k.labels.status ?? '', k.labels.code)) n += k.total;
  return n;
}

export interface ServerSecond {
  received: number;
  accepted: number;
  rejected: number;
  throttled: number;
}

export interface ApiSecond {
  /** second since the run start */
  t: number;
  /** requests sent (retries included) */
  offered: number;
  accepted: number;
  /** every rejected reply or refusal, throttled ones included */
  rejected: number;
  /** rejections that are throttling (429, or a throttled connect) */
  throttled: number;
  timedOut: number;
  /** requests sent and not yet answered at the end of this second (cumulative offered - answered) */
  inFlight: number;
  /**
   * the emulator's own counts for this second, when the target is the emulator; for Connect,
   * every CONNECT the server saw (claim, verify and reconnect connections alike)
   */
  server?: ServerSecond;
}

export interface ApiTotals {
  offered: number;
  accepted: number;
  /** by `<status> <errorCode>`, e.g. `429 Throttled` */
  rejected: Record<string, number>;
  throttled: number;
  timedOut: number;
}

export interface ApiSeries {
  api: string;
  seconds: ApiSecond[];
  totals: ApiTotals;
}

/**
 * The emulator's stats (report.emulator) as far as the series need them. Stats read back from a
 * file are checked before use: an older or hand-edited file may lack either field.
 */
export type ServerStatsLike = Pick<EmulatorCounters, 'startedAt' | 'perSecond'>;

/** Sort order of API names: flow order first, then alphabetical. */
export function compareApis(a: string, b: string): number {
  const ia = API_ORDER.indexOf(a);
  const ib = API_ORDER.indexOf(b);
  return (ia < 0 ? API_ORDER.length : ia) - (ib < 0 ? API_ORDER.length : ib) || a.localeCompare(b);
}

/** A server stats key as (received|accepted|rejected, api): provisioning counts and connects. */
function serverKey(key: string): { name: string; api: string; labels: Record<string, string> } | undefined {
  const { name, labels } = parseSeriesKey(key);
  if (labels.api !== undefined && (name === 'received' || name === 'accepted' || name === 'rejected')) return { name, api: labels.api, labels };
  if (name === 'connect_attempts') return { name: 'received', api: 'Connect', labels };
  if (name === 'connects_accepted') return { name: 'accepted', api: 'Connect', labels };
  if (name === 'connects_throttled') return { name: 'rejected', api: 'Connect', labels: { ...labels, code: 'throttled' } };
  if (name === 'connects_refused') return { name: 'rejected', api: 'Connect', labels };
  return undefined;
}

/** Server-side counts per API per run second; seconds are aligned by the two start times. */
export function serverSeconds(stats: ServerStatsLike | undefined, runStartMs: number): Map<string, Map<number, ServerSecond>> {
  const out = new Map<string, Map<number, ServerSecond>>();
  if (stats === undefined || typeof stats.startedAt !== 'string' || typeof stats.perSecond !== 'object' || stats.perSecond === null) return out;
  const serverStart = Date.parse(stats.startedAt);
  if (!Number.isFinite(serverStart)) return out;
  for (const [sec, counts] of Object.entries(stats.perSecond)) {
    // the middle of the server's second, in run seconds
    const t = Math.floor((serverStart + Number(sec) * 1000 + 500 - runStartMs) / 1000);
    if (t < 0) continue;
    for (const [key, v] of Object.entries(counts)) {
      const parsed = serverKey(key);
      if (parsed === undefined) continue;
      const { name, api, labels } = parsed;
      const perApi = out.get(api) ?? new Map<number, ServerSecond>();
      out.set(api, perApi);
      const row = perApi.get(t) ?? { received: 0, accepted: 0, rejected: 0, throttled: 0 };
      perApi.set(t, row);
      if (name === 'received') row.received += v;
      else if (name === 'accepted') row.accepted += v;
      else {
        row.rejected += v;
        if (isThrottleRejection(api, labels.status ?? '', labels.code ?? '')) row.throttled += v;
      }
    }
  }
  return out;
}

/**
 * One series per API seen in the counters, each with a row for every second from 0 to the last
 * second with data (so gaps are explicit zeros).
 */
export function buildApiSeries(series: Record<string, Record<string, number>>, opts: { server?: ServerStatsLike; runStartMs?: number } = {}): ApiSeries[] {
  const rows = new Map<string, Map<number, ApiSecond>>();
  const totals = new Map<string, ApiTotals>();
  let lastT = -1;
  for (const [period, counts] of Object.entries(series)) {
    const t = Number(period);
    if (!Number.isInteger(t) || t < 0) continue;
    for (const [key, v] of Object.entries(counts)) {
      const { name, labels } = parseSeriesKey(key);
      const api = labels.api;
      if (api === undefined || !['offered', 'accepted', 'rejected', 'timeout'].includes(name)) continue;
      lastT = Math.max(lastT, t);
      const perApi = rows.get(api) ?? new Map<number, ApiSecond>();
      rows.set(api, perApi);
      const row = perApi.get(t) ?? { t, offered: 0, accepted: 0, rejected: 0, throttled: 0, timedOut: 0, inFlight: 0 };
      perApi.set(t, row);
      const tot = totals.get(api) ?? { offered: 0, accepted: 0, rejected: {}, throttled: 0, timedOut: 0 };
      totals.set(api, tot);
      if (name === 'offered') {
        row.offered += v;
        tot.offered += v;
      } else if (name === 'accepted') {
        row.accepted += v;
        tot.accepted += v;
      } else if (name === 'timeout') {
        row.timedOut += v;
        tot.timedOut += v;
      } else {
        row.rejected += v;
        const status = labels.status ?? '?';
        const code = labels.code ?? '';
        const rk = `${status} ${code}`.trim();
        tot.rejected[rk] = (tot.rejected[rk] ?? 0) + v;
        if (isThrottleRejection(api, status, code)) {
          row.throttled += v;
          tot.throttled += v;
        }
      }
    }
  }
  const server = opts.server === undefined || opts.runStartMs === undefined ? new Map<string, Map<number, ServerSecond>>() : serverSeconds(opts.server, opts.runStartMs);
  // server seconds are aligned to the nearest run second: keep a server count that lands past the devices' last second
  for (const [api, perApi] of server) if (rows.has(api)) for (const t of perApi.keys()) lastT = Math.max(lastT, t);
  const out: ApiSeries[] = [];
  for (const api of [...rows.keys()].sort(compareApis)) {
    const perApi = rows.get(api) as Map<number, ApiSecond>;
    const srv = server.get(api) as Map<number, ServerSecond> | undefined;
    const seconds: ApiSecond[] = [];
    let open = 0;
    for (let t = 0; t <= lastT; t++) {
      const row = perApi.get(t) ?? { t, offered: 0, accepted: 0, rejected: 0, throttled: 0, timedOut: 0, inFlight: 0 };
      open += row.offered - row.accepted - row.rejected - row.timedOut;
      row.inFlight = Math.max(0, open);
      const s = srv?.get(t);
      if (s !== undefined) row.server = s;
      else if (srv !== undefined) row.server = { received: 0, accepted: 0, rejected: 0, throttled: 0 };
      seconds.push(row);
    }
    out.push({ api, seconds, totals: totals.get(api) as ApiTotals });
  }
  return out;
}

/** The seconds an API was in use: [fromSec, toSec), whole seconds since the run start. */
export interface ActiveSpan {
  /** the first second with an offered request */
  fromSec: number;
  /** the end of the last second with an offered request or a completion (accepted, rejected, timed out) */
  toSec: number;
}

/** The API's active span (see the module comment); undefined when it was never offered a request. */
export function activeSpan(seconds: readonly ApiSecond[]): ActiveSpan | undefined {
  const first = seconds.find((s) => s.offered > 0);
  if (first === undefined) return undefined;
  let last = first.t;
  for (const s of seconds) if (s.offered + s.accepted + s.rejected + s.timedOut > 0) last = Math.max(last, s.t);
  return { fromSec: first.t, toSec: last + 1 };
}

/**
 * Accepted requests per second over the active span, rounded to 3 decimals; 0 when the API was
 * never offered a request. The one implementation: the analysis, the HTML and compare use it.
 */
export function meanAcceptedPerSec(s: ApiSeries): number {
  const span = activeSpan(s.seconds);
  return span === undefined ? 0 : round(s.totals.accepted / (span.toSec - span.fromSec), 3);
}
