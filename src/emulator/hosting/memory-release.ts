/**
 * Handing freed memory back to the operating system, for a `fleetsim emulator` left running for days.
 *
 * Every open mTLS connection holds about 45 KB outside the JavaScript heap (OpenSSL's SSL objects and
 * record buffers, Node's TLS wrap). When connections close, glibc's malloc frees that memory but keeps
 * the pages resident unless they sit at the top of its heap, so each burst of connections left RSS a
 * little higher (docs/reliability.md#soak). `malloc_trim(0)` returns every free page. Node has no
 * binding for it; the optional package koffi (a C FFI with prebuilt binaries) calls it.
 *
 * The monitor watches how many connections have closed and trims once closes pause: at once after a
 * burst, or `idleEveryMs` after the last trim for a trickle (releaseDue).
 * Where there is no glibc (macOS, Windows, musl) or koffi is not installed, it does nothing and says why.
 */

/** When to trim, in connections closed since the last trim and milliseconds. */
export interface ReleasePolicy {
  /** closes that make a burst worth a trim as soon as it settles */
  afterClosed: number;
  /** a burst has settled when no connection closed for this long; no trim happens before */
  quietMs: number;
  /** fewer closes than afterClosed: trim once settled and this long after the last trim */
  idleEveryMs: number;
  /** how often the count of closed connections is read */
  tickMs: number;
}

export const RELEASE_POLICY: ReleasePolicy = {
  afterClosed: 100,
  quietMs: 2_000,
  idleEveryMs: 60_000,
  tickMs: 1_000,
};

/** What the monitor knows between ticks. */
export interface ReleaseClock {
  /** connections closed since the last trim */
  closedSince: number;
  /** when the count of closed connections last grew */
  lastCloseAt: number;
  /** when memory was last trimmed (or the monitor started) */
  lastReleaseAt: number;
}

/** `burst`: a settled burst of closes; `trickle`: a few closes, settled, a while after the last trim. */
export type ReleaseReason = 'burst' | 'trickle';

/**
 * Whether to trim now, and why. Only once closes have paused: a trim holds the allocator's lock while
 * it walks free memory (milliseconds to a second, measured in docs/reliability.md#soak), so it waits
 * for a lull rather than stall devices that are connecting. Under nonstop churn, memory stays at the
 * level the peak number of open connections set, and goes back at the first pause. Pure: the tests
 * drive it with a fake clock.
 */
export function releaseDue(p: ReleasePolicy, c: ReleaseClock, now: number): ReleaseReason | undefined {
  if (c.closedSince === 0 || now - c.lastCloseAt < p.quietMs) return undefined;
  if (c.closedSince >= p.afterClosed) return 'burst';
  return now - c.lastReleaseAt >= p.idleEveryMs ? 'trickle' : undefined;
}

/** One trim, as `fleetsim emulator --verbose` prints it. */
export interface MemoryReleaseEvent {
  reason: ReleaseReason;
  /** connections closed since the previous trim */
  closed: number;
  rssBefore: number;
  rssAfter: number;
  /** how long malloc_trim held the event loop */
  ms: number;
  /** malloc_trim's answer: whether any memory was returned */
  returned: boolean;
}

export type MemoryReleaseStatus =
  | { active: true; how: string }
  | { active: false; why: string };

export interface MemoryRelease {
  status: MemoryReleaseStatus;
  /** trims so far */
  trims(): number;
  stop(): void;
}

/** `int malloc_trim(size_t pad)`: 1 when it returned memory to the OS. */
export type TrimFunction = (pad: number) => number;

interface KoffiLike {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
}

/** glibc's malloc_trim through koffi, or the reason it is not available. */
export async function loadMallocTrim(platform: NodeJS.Platform = process.platform): Promise<TrimFunction | string> {
  if (platform !== 'linux') return `kept by the allocator on ${platform} (malloc_trim is glibc's)`;
  let koffi: KoffiLike;
  try {
    const name = 'koffi'; // an optional dependency: resolved at run time, absent where it did not install
    const mod = (await import(name)) as { default?: KoffiLike } & KoffiLike;
    koffi = mod.default ?? mod;
  } catch {
    return 'kept by the allocator: npm install koffi to return it';
  }
  try {
    const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
    return (pad: number) => Number(trim(pad));
  } catch {
    return 'kept by the allocator: not glibc, no malloc_trim';
  }
}

export interface MemoryReleaseOptions {
  /** connections closed so far (a counter that only grows) */
  closedConnections: () => number;
  trim: TrimFunction | string;
  policy?: ReleasePolicy;
  onRelease?: (e: MemoryReleaseEvent) => void;
}

/** Starts watching closes; trims when the policy says so. The timer does not keep the process alive. */
export function startMemoryRelease(o: MemoryReleaseOptions): MemoryRelease {
  const trim = o.trim;
  if (typeof trim === 'string') return { status: { active: false, why: trim }, trims: () => 0, stop: () => {} };
  const policy = o.policy ?? RELEASE_POLICY;
  let seen = o.closedConnections();
  let atLastRelease = seen;
  const clock: ReleaseClock = { closedSince: 0, lastCloseAt: Date.now(), lastReleaseAt: Date.now() };
  let trims = 0;
  const tick = (): void => {
    const t = Date.now();
    const closed = o.closedConnections();
    if (closed !== seen) {
      seen = closed;
      clock.lastCloseAt = t;
    }
    clock.closedSince = closed - atLastRelease;
    const reason = releaseDue(policy, clock, t);
    if (reason === undefined) return;
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    const returned = trim(0) === 1;
    const ms = performance.now() - started;
    const rssAfter = process.memoryUsage.rss();
    trims++;
    const e: MemoryReleaseEvent = { reason, closed: clock.closedSince, rssBefore, rssAfter, ms, returned };
    atLastRelease = closed;
    clock.closedSince = 0;
    clock.lastReleaseAt = Date.now();
    o.onRelease?.(e);
  };
  const timer = setInterval(tick, policy.tickMs);
  timer.unref();
  return {
    status: { active: true, how: 'returned to the OS after connections close (glibc malloc_trim)' },
    trims: () => trims,
    stop: () => clearInterval(timer),
  };
}
