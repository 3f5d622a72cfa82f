/**
 * Injected service latency, per provisioning API and for the pre-provisioning hook:
 * `{fixed: ms}`, `{uniform: [min, max]}`, or `{p50, p99}` (a log-normal fitted to the two
 * percentiles). Delays are timers, never busy waits, so the event loop keeps serving.
 */
import type { ProvisioningApi } from '../../protocol/index.js';
import { FleetsimError } from '../../util/errors.js';
import { deriveRandom, type Random } from '../../util/random.js';

export type LatencySpec = { fixed: number } | { uniform: [number, number] } | { p50: number; p99: number };

export type LatencyTarget = ProvisioningApi | 'hook';
export type LatencySettings = Partial<Record<LatencyTarget, LatencySpec>>;

/** z-score of the 99th percentile of a standard normal distribution */
const Z99 = 2.326347874;

export class LatencySettingError extends FleetsimError {
  override name = 'LatencySettingError';
  constructor(message: string) {
    super('LATENCY_INVALID', message, { exitCategory: 'badInput' });
  }
}

const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A sampler of delays in milliseconds; throws LatencySettingError on a bad spec. */
export function createLatencySampler(name: string, spec: LatencySpec, random: Random): () => number {
  if ('fixed' in spec) {
    if (!isMs(spec.fixed)) throw new LatencySettingError(`latency ${name}: fixed must be a duration >= 0`);
    return () => spec.fixed;
  }
  if ('uniform' in spec) {
    const [lo, hi] = Array.isArray(spec.uniform) ? spec.uniform : [];
    if (!isMs(lo) || !isMs(hi) || hi < lo) throw new LatencySettingError(`latency ${name}: uniform must be [min, max] with 0 <= min <= max`);
    return () => lo + random() * (hi - lo);
  }
  const { p50, p99 } = spec;
  if (!isMs(p50) || !isMs(p99) || p50 <= 0 || p99 < p50) throw new LatencySettingError(`latency ${name}: needs p50 > 0 and p99 >= p50`);
  const mu = Math.log(p50);
  const sigma = Math.log(p99 / p50) / Z99;
  return () => Math.exp(mu + sigma * sampleStandardNormal(random));
}

/** Box-Muller on two uniform samples. */
function sampleStandardNormal(random: Random): number {
  const u = 1 - random(); // (0, 1]
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export class Latency {
  private readonly samplers = new Map<LatencyTarget, () => number>();

  constructor(settings: LatencySettings = {}, seed = 0) {
    for (const [name, spec] of Object.entries(settings) as Array<[LatencyTarget, LatencySpec | undefined]>) {
      if (spec === undefined) continue;
      if (name !== 'hook' && name !== 'CreateKeysAndCertificate' && name !== 'CreateCertificateFromCsr' && name !== 'RegisterThing') {
        throw new LatencySettingError(`latency: unknown target ${name} (known: CreateKeysAndCertificate, CreateCertificateFromCsr, RegisterThing, hook)`);
      }
      this.samplers.set(name, createLatencySampler(name, spec, deriveRandom(seed, `latency:${name}`)));
    }
  }

  has(target: LatencyTarget): boolean {
    return this.samplers.has(target);
  }

  /** The next delay for `target` in ms (0 when none is configured). */
  sample(target: LatencyTarget): number {
    const s = this.samplers.get(target);
    return s === undefined ? 0 : Math.max(0, s());
  }

  /** Wait the next delay for `target` (resolves at once when none is configured). */
  wait(target: LatencyTarget): Promise<void> {
    const ms = this.sample(target);
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  }
}
