/**
 * One device's stop signal. It follows the generator's shared signal through a single listener
 * for the device's whole run; steps and backoff sleeps listen to the device's own signal, because
 * adding and removing a listener on the shared signal walks every other waiting device's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Interrupted } from './failure.js';

export class DeviceStop {
  private readonly controller = new AbortController();
  /** the steps waiting in abortable(), told by the stop itself: no abort listener added and removed per step */
  private readonly waiting = new Set<() => void>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Run `body` while following `parent` (one listener, removed when `body` settles). */
  async follow<T>(parent: AbortSignal | undefined, body: () => Promise<T>): Promise<T> {
    const forward = () => this.abortNow(parent?.reason);
    if (parent?.aborted === true) forward();
    else parent?.addEventListener('abort', forward, { once: true });
    try {
      return await body();
    } finally {
      parent?.removeEventListener('abort', forward);
    }
  }

  /** The only way this device's signal aborts: then every waiting step is told at once. */
  private abortNow(reason: unknown): void {
    this.controller.abort(reason);
    for (const onAbort of this.waiting) onAbort();
    this.waiting.clear();
  }

  /** Why the run stopped this device: the abort reason (interrupted, knee_found, ...). */
  reason(): string {
    const r: unknown = this.signal.reason;
    return typeof r === 'string' ? r : 'interrupted';
  }

  /**
   * `p`, unless the device is stopped first: then Interrupted at once, and what `p` still produces
   * (an open connection) is handed to `dispose` when it comes, since no caller holds it any more.
   */
  abortable<T>(p: Promise<T>, dispose?: (late: T) => void): Promise<T> {
    const signal = this.signal;
    const abandon = () => void p.then(dispose, () => undefined);
    if (signal.aborted) {
      abandon();
      return Promise.reject(new Interrupted());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        abandon();
        reject(new Interrupted());
      };
      this.waiting.add(onAbort);
      p.then(
        (v) => {
          this.waiting.delete(onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.waiting.delete(onAbort);
          reject(e);
        },
      );
    });
  }

  /** Wait `ms`; false if the device was stopped before or during the wait. */
  async pause(ms: number): Promise<boolean> {
    if (this.signal.aborted) return false;
    try {
      await sleep(ms, undefined, { signal: this.signal });
      return true;
    } catch {
      return false;
    }
  }
}
