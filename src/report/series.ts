/**
 * Per-second views of report.series for charts and comparisons: per API and per device activity.
 * The per-API figures are not computed here: apiSeconds lays out analysis/api-series.ts
 * (buildApiSeries, meanAcceptedPerSec) as arrays, so the HTML report, `report compare` and the
 * throttle analysis cannot disagree. Pure functions of the series; no decoding, no I/O.
 */
import { parseSeriesKey } from '../metrics/names.js';
import { buildApiSeries, meanAcceptedPerSec, type ApiSecond } from '../analysis/api-series.js';

export type Series = Record<string, Record<string, number>>;

/** One API's counts per second (index = second since the start) and totals; see api-series.ts for the definitions. */
export interface ApiSeconds {
  api: string;
  offered: number[];
  accepted: number[];
  /** rejections that are throttling: 429 (or a throttling errorCode), or a CONNACK refused for rate */
  throttled: number[];
  /** every other rejection (api-series rejected − throttled) */
  rejected: number[];
  timeout: number[];
  totals: { offered: number; accepted: number; throttled: number; rejected: number; timeout: number; meanAcceptedPerSec: number };
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

/** Per-API, per-second request counts in flow order; every array has `seriesLength(series)` entries. */
export function apiSeconds(series: Series): ApiSeconds[] {
  const len = seriesLength(series);
  return buildApiSeries(series).map((s) => {
    const column = (f: (x: ApiSecond) => number) => {
      const out = new Array<number>(len).fill(0);
      for (const x of s.seconds) if (x.t < len) out[x.t] = f(x);
      return out;
    };
    const rejected = Object.values(s.totals.rejected).reduce((a, b) => a + b, 0);
    return {
      api: s.api,
      offered: column((x) => x.offered),
      accepted: column((x) => x.accepted),
      throttled: column((x) => x.throttled),
      rejected: column((x) => x.rejected - x.throttled),
      timeout: column((x) => x.timedOut),
      totals: {
        offered: s.totals.offered,
        accepted: s.totals.accepted,
        throttled: s.totals.throttled,
        rejected: rejected - s.totals.throttled,
        timeout: s.totals.timedOut,
        meanAcceptedPerSec: meanAcceptedPerSec(s),
      },
    };
  });
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
