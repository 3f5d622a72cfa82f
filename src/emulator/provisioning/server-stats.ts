/** The emulator's own per-second counts, so a report can set what the server did beside what devices saw. */
import { PROVISIONING_APIS } from '../../protocol/index.js';
import type { EmulatorCounters } from '../../protocol/emulator-stats.js';

export interface ApiCounts {
  received: number;
  accepted: number;
  /** every rejected reply, throttled ones included */
  rejected: number;
  /** rejected with 429 because the API's quota was exhausted */
  throttled: number;
}

export interface ServerSummary {
  apis: Record<string, ApiCounts>;
  connects: { attempts: number; accepted: number; throttled: number; refused: number };
  publishes: { throttled: number; denied: number };
}

/** Seconds of per-second counts the standalone emulator keeps (older seconds are summed). */
export const STANDALONE_STATS_WINDOW_SECONDS = 3600;

export class ServerStats {
  private readonly startMs = Date.now();
  /** second since start → counts; insertion order is time order (a clock step back may add an older second late) */
  private readonly seconds = new Map<number, Record<string, number>>();
  readonly totals: Record<string, number> = {};
  /** the seconds dropped from `seconds`, summed */
  private earlier: { fromSecond: number; toSecond: number; seconds: number; counts: Record<string, number> } | undefined;

  /**
   * @param windowSeconds how many seconds of per-second counts to keep (default: all, as a run's
   *   report reads every second); the oldest beyond it are summed into one `perSecondEarlier` entry,
   *   so an emulator left running for days holds a bounded amount
   */
  constructor(private readonly windowSeconds = Infinity) {}

  /** Count `key` (e.g. `received{api=RegisterThing}`) in the current second. */
  count(key: string, n = 1): void {
    const sec = Math.floor((Date.now() - this.startMs) / 1000);
    let bucket = this.seconds.get(sec);
    if (bucket === undefined) {
      bucket = {};
      this.seconds.set(sec, bucket);
      if (this.seconds.size > this.windowSeconds) this.dropOldest();
    }
    bucket[key] = (bucket[key] ?? 0) + n;
    this.totals[key] = (this.totals[key] ?? 0) + n;
  }

  /** Seconds of per-second counts held now (at most the window). */
  get secondsHeld(): number {
    return this.seconds.size;
  }

  private dropOldest(): void {
    const [sec, counts] = this.seconds.entries().next().value as [number, Record<string, number>];
    this.seconds.delete(sec);
    const e = (this.earlier ??= { fromSecond: sec, toSecond: sec, seconds: 0, counts: {} });
    e.fromSecond = Math.min(e.fromSecond, sec);
    e.toSecond = Math.max(e.toSecond, sec);
    e.seconds += 1;
    for (const [k, v] of Object.entries(counts)) e.counts[k] = (e.counts[k] ?? 0) + v;
  }

  /** The counts part of the emulator's stats (protocol/emulator-stats.ts). */
  snapshot(): EmulatorCounters {
    const perSecond: Record<string, Record<string, number>> = {};
    for (const [sec, counts] of this.seconds) perSecond[String(sec)] = { ...counts };
    return {
      startedAt: new Date(this.startMs).toISOString(),
      perSecond,
      ...(this.earlier === undefined ? {} : { perSecondEarlier: structuredClone(this.earlier) }),
      totals: { ...this.totals },
      summary: this.summarize(),
    };
  }

  /** Totals by API and for connects, read from the counters. */
  summarize(): ServerSummary {
    const t = this.totals;
    const sumWhere = (prefix: string) => Object.entries(t).reduce((n, [k, v]) => (k.startsWith(prefix) ? n + v : n), 0);
    const apis: Record<string, ApiCounts> = {};
    // CreateProvisioningClaim (control plane) only once it was called, so a by-claim run's summary is unchanged
    const claimCalled = (t['received{api=CreateProvisioningClaim}'] ?? 0) > 0;
    for (const api of claimCalled ? [...PROVISIONING_APIS, 'CreateProvisioningClaim'] : PROVISIONING_APIS) {
      apis[api] = {
        received: t[`received{api=${api}}`] ?? 0,
        accepted: t[`accepted{api=${api}}`] ?? 0,
        rejected: sumWhere(`rejected{api=${api},`),
        throttled: t[`throttled{api=${api}}`] ?? 0,
      };
    }
    return {
      apis,
      connects: {
        attempts: t.connect_attempts ?? 0,
        accepted: t.connects_accepted ?? 0,
        throttled: sumWhere('connects_throttled'),
        refused: sumWhere('connects_refused'),
      },
      publishes: { throttled: t.publishes_throttled ?? 0, denied: t.publishes_denied ?? 0 },
    };
  }
}
