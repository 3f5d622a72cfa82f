/**
 * Bounded waits for tests: on an event, on a condition (polled), or on a promise. Each fails with a
 * message naming what it waited for, instead of hanging, and none asserts how long anything took.
 */

type Once<T extends unknown[]> = { once(event: string, fn: (...args: T) => void): unknown };

/** The next `event` from `emitter` (its arguments), or a rejection after `ms`. */
export function waitForEvent<T extends unknown[]>(emitter: Once<T>, event: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, (...args: T) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Poll `predicate` every `everyMs` until it holds, or reject after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 3000, what = 'condition', everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A clock that moves only when told: pass `now` where code takes one (TokenStore, Quotas). */
export class ManualClock {
  constructor(private t = 0) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
