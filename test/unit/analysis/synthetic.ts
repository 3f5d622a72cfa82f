/** Synthetic per-second series for analysis tests: a token bucket and devices that retry. */
import { seriesKey } from '../../../src/metrics/names.js';
import { SnapshotAccumulator, emptySnapshot, type MetricsSnapshot } from '../../../src/metrics/snapshot.js';

export type Series = Record<string, Record<string, number>>;

export function put(series: Series, t: number, name: string, labels: Record<string, string> | undefined, n: number): void {
  if (n === 0) return;
  const b = (series[String(t)] ??= {});
  const k = seriesKey(name, labels);
  b[k] = (b[k] ?? 0) + n;
}

export function accumulate(series: Series, extra: Partial<MetricsSnapshot> = {}): SnapshotAccumulator {
  const acc = new SnapshotAccumulator();
  acc.add({ ...emptySnapshot(), ...extra, series });
  return acc;
}

/**
 * `devices` devices all call `api` at t=0 against a token bucket (rate r/s, burst b, full at t=0);
 * a throttled device retries after `retryMs` plus a fixed per-device offset in [0, 1 s) (so
 * demand is continuous, as with jittered backoff), up to `maxAttempts`. Simulated in 10 ms ticks. Returns the series, the attempts per device and how many gave up.
 */
export function simulateBurst(o: { devices: number; rate: number; burst: number; retryMs: number; maxAttempts: number; api?: string }) {
  const api = o.api ?? 'RegisterThing';
  const series: Series = {};
  let tokens = o.burst;
  const due: number[] = new Array(o.devices).fill(0);
  const attempts: number[] = new Array(o.devices).fill(0);
  const done: boolean[] = new Array(o.devices).fill(false);
  let gaveUp = 0;
  let remaining = o.devices;
  for (let ms = 0; remaining > 0 && ms < 3_600_000; ms += 10) {
    if (ms > 0) tokens = Math.min(o.burst, tokens + (o.rate * 10) / 1000);
    const t = Math.floor(ms / 1000);
    for (let i = 0; i < o.devices; i++) {
      if (done[i] || (due[i] as number) > ms) continue;
      attempts[i] = (attempts[i] as number) + 1;
      put(series, t, 'offered', { api }, 1);
      if (tokens >= 1) {
        tokens -= 1;
        put(series, t, 'accepted', { api }, 1);
        put(series, t, 'provisioned', undefined, 1);
        done[i] = true;
        remaining--;
      } else {
        put(series, t, 'rejected', { api, status: '429', code: 'Throttled' }, 1);
        if ((attempts[i] as number) >= o.maxAttempts) {
          put(series, t, 'exhausted', { reason: 'throttled', step: 'register_thing' }, 1);
          put(series, t, 'failed', { reason: 'register_thing: rejected 429 Throttled' }, 1);
          done[i] = true;
          gaveUp++;
          remaining--;
        } else due[i] = ms + o.retryMs + ((i * 37) % 100) * 10;
      }
    }
  }
  const perDevice: Record<string, number> = {};
  for (const a of attempts) perDevice[String(a)] = (perDevice[String(a)] ?? 0) + 1;
  return { series, perDevice, gaveUp };
}
