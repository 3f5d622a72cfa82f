/**
 * Client-side pacing for control-plane calls: one schedule per API (AWS's control-plane quotas
 * are per API), each at most `rate` calls per second, evenly spaced. After a ThrottlingException
 * the API's rate is cut (multiplicative decrease) and creeps back up on success.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const MIN_RATE = 0.5;

class Schedule {
  next = 0;
  constructor(public rate: number) {}
}

export class Pacer {
  private readonly schedules = new Map<string, Schedule>();

  constructor(private readonly maxRate: number) {
    if (!(maxRate > 0)) throw new RangeError('rate must be > 0');
  }

  private schedule(api: string): Schedule {
    let s = this.schedules.get(api);
    if (s === undefined) {
      s = new Schedule(this.maxRate);
      this.schedules.set(api, s);
    }
    return s;
  }

  /** Wait for this API's next slot; rejects if the signal aborts while waiting. */
  async take(api: string, signal?: AbortSignal): Promise<void> {
    const s = this.schedule(api);
    const now = performance.now();
    const at = Math.max(now, s.next);
    s.next = at + 1000 / s.rate;
    const wait = at - now;
    if (wait > 1) await sleep(wait, undefined, signal === undefined ? {} : { signal });
  }

  /** The target throttled this API: halve its rate (not below 0.5/s). */
  slowDown(api: string): void {
    const s = this.schedule(api);
    s.rate = Math.max(MIN_RATE, s.rate / 2);
  }

  /** A call went through: recover 5% of the configured rate. */
  speedUp(api: string): void {
    const s = this.schedule(api);
    if (s.rate < this.maxRate) s.rate = Math.min(this.maxRate, s.rate + this.maxRate * 0.05);
  }

  rateOf(api: string): number {
    return this.schedule(api).rate;
  }
}
