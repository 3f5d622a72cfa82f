/**
 * Firmware-style retry delays (AWS Architecture Blog "Exponential Backoff And Jitter" variants).
 * Pure: the random source is injected so tests can check exact bounds.
 */

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export interface BackoffPolicy {
  backoff: 'exponential' | 'constant';
  jitter: Jitter;
  baseDelay: number;
  maxDelay: number;
}

/**
 * Delay (ms) before retry number `attempt` (1 = first retry). `previous` is the previous delay,
 * used by decorrelated jitter.
 */
export function backoffDelay(p: BackoffPolicy, attempt: number, previous: number, random: () => number = Math.random): number {
  if (p.backoff === 'constant') {
    const d = Math.min(p.maxDelay, p.baseDelay);
    return p.jitter === 'none' ? d : applyJitter(p.jitter === 'decorrelated' ? 'full' : p.jitter, d, random);
  }
  if (p.jitter === 'decorrelated') {
    // sleep = min(cap, random_between(base, previous * 3))
    const prev = Math.max(p.baseDelay, previous);
    const upper = Math.min(p.maxDelay, prev * 3);
    return Math.min(p.maxDelay, p.baseDelay + random() * Math.max(0, upper - p.baseDelay));
  }
  const exp = Math.min(p.maxDelay, p.baseDelay * 2 ** Math.max(0, attempt - 1));
  return applyJitter(p.jitter, exp, random);
}

function applyJitter(jitter: Exclude<Jitter, 'decorrelated'>, d: number, random: () => number): number {
  switch (jitter) {
    case 'none':
      return d;
    case 'full':
      return random() * d;
    case 'equal':
      return d / 2 + random() * (d / 2);
  }
}
