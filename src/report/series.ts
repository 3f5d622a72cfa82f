/**
 * Per-second views of report.series for charts and comparisons: per API (offered, accepted,
 * throttled = rejected with status 429, other rejections, timeouts) and per device activity.
 * Pure functions of the series; no decoding, no I/O.
 */
import { parseSeriesKey } from '../metrics/names.js';

export type Series = Record<string, Record<string, number>>;

export interface ApiSeconds {
  api: string;
  offered: number[];
  accepted: number[];
  /** rejected with statusCode 429 */
  throttled: number[];
  /** rejected with any other statusCode */
  rejected: number[];
  timeout: number[];
}

/** The flow's order; APIs not listed here follow alphabetically. */
const API_ORDER = ['Connect', 'CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing', 'VerifyConnect', 'VerifyPublish', 'Reconnect'];

function orderApis(a: string, b: string): number {
  const ia = API_ORDER.indexOf(a);
  const ib = API_ORDER.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0) return -1;
  if (ib >= 0) return 1;
  return a.localeCompare(b);
}

/** Number of seconds the series covers (last period + 1); 0 when empty. */
export function seriesLength(series: Series): number {
  let last = -1;
  for (const k of Object.keys(series)) {
    const n = Number(k);
    if (Number.isInteger(n) && n > last) last = n;
  }
  return last + 1;
}

/** Per-API, per-second request counts; every array has `seriesLength(series)` entries. */
export function apiSeconds(series: Series): ApiSeconds[] {
  const len = seriesLength(series);
  const apis = new Map<string, ApiSeconds>();
  const get = (api: string): ApiSeconds => {
    let a = apis.get(api);
    if (a === undefined) {
      const zeros = () => new Array<number>(len).fill(0);
      a = { api, offered: zeros(), accepted: zeros(), throttled: zeros(), rejected: zeros(), timeout: zeros() };
      apis.set(api, a);
    }
    return a;
  };
  for (const [period, counts] of Object.entries(series)) {
    const t = Number(period);
    if (!Number.isInteger(t) || t < 0) continue;
    for (const [key, v] of Object.entries(counts)) {
      const { name, labels } = parseSeriesKey(key);
      const api = labels.api;
      if (api === undefined) continue;
      if (name === 'offered') get(api).offered[t] += v;
      else if (name === 'accepted') get(api).accepted[t] += v;
      else if (name === 'timeout') get(api).timeout[t] += v;
      else if (name === 'rejected') {
        if (labels.status === '429') get(api).throttled[t] += v;
        else get(api).rejected[t] += v;
      }
    }
  }
  return [...apis.values()].sort((a, b) => orderApis(a.api, b.api));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Mean accepted requests per second over the seconds the API was active (first to last second
 * with an offered request, inclusive); 0 when the API was never offered.
 */
export function meanAcceptedPerSec(a: ApiSeconds): number {
  const first = a.offered.findIndex((v) => v > 0);
  if (first < 0) return 0;
  let last = first;
  for (let t = a.offered.length - 1; t >= first; t--) {
    if ((a.offered[t] ?? 0) > 0 || (a.accepted[t] ?? 0) > 0) {
      last = t;
      break;
    }
  }
  return sum(a.accepted) / (last - first + 1);
}

export interface ActivitySeconds {
  started: number[];
  provisioned: number[];
  failed: number[];
  dropped: number[];
}

/** Devices started and finished per second. */
export function activitySeconds(series: Series): ActivitySeconds {
  const len = seriesLength(series);
  const out: ActivitySeconds = { started: new Array<number>(len).fill(0), provisioned: new Array<number>(len).fill(0), failed: new Array<number>(len).fill(0), dropped: new Array<number>(len).fill(0) };
  for (const [period, counts] of Object.entries(series)) {
    const t = Number(period);
    if (!Number.isInteger(t) || t < 0) continue;
    for (const [key, v] of Object.entries(counts)) {
      const { name } = parseSeriesKey(key);
      if (name === 'started' || name === 'provisioned' || name === 'failed' || name === 'dropped') out[name][t] += v;
    }
  }
  return out;
}

export function totalOf(xs: number[]): number {
  return sum(xs);
}
