/**
 * A trace replayed `speed` times faster meets quotas `speed` times higher, so each quota sees the
 * same share of the traffic as it did in the recording: every rate (the scenario's, or AWS's default
 * where the scenario sets none) is multiplied; burst sizes are request counts and stay as they are;
 * `unlimited` stays unlimited.
 */
import { QUOTA_NAMES, QUOTAS, type QuotaSetting, type QuotaSettings } from '../../protocol/quotas.js';

export function scaleQuotas(quotas: QuotaSettings | undefined, speed: number): QuotaSettings {
  const out: QuotaSettings = {};
  for (const name of QUOTA_NAMES) {
    const q: QuotaSetting = quotas?.[name] ?? QUOTAS[name].defaultRate;
    out[name] = q === 'unlimited' ? q : typeof q === 'number' ? q * speed : { ...q, rate: q.rate * speed };
  }
  return out;
}
