/**
 * A trace replayed `speed` times faster meets quotas `speed` times higher, so each quota sees the
 * same share of the traffic as it did in the recording: every rate (the scenario's, or AWS's default
 * where the scenario sets none) is multiplied; burst sizes are request counts and stay as they are
 * (an unset burst is the unscaled rate, the emulator's default);
 * `unlimited` stays unlimited.
 */
import { QUOTA_NAMES, QUOTAS, type QuotaSetting, type QuotaSettings } from '../../protocol/quotas.js';

export function scaleQuotas(quotas: QuotaSettings | undefined, speed: number): QuotaSettings {
  const out: QuotaSettings = {};
  for (const name of QUOTA_NAMES) {
    const q: QuotaSetting = quotas?.[name] ?? QUOTAS[name].defaultRate;
    // the burst (a number of requests) stays; unset, it is the unscaled rate, as the emulator would make it
    out[name] = q === 'unlimited' ? q : typeof q === 'number' ? { rate: q * speed, burst: Math.max(1, q) } : { rate: q.rate * speed, burst: q.burst ?? Math.max(1, q.rate) };
  }
  return out;
}
