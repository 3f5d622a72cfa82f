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

export class ServerStats {
  private readonly startMs = Date.now();
  readonly perSecond: Record<string, Record<string, number>> = {};
  readonly totals: Record<string, number> = {};

  /** Count `key` (e.g. `received{api=RegisterThing}`) in the current second. */
  count(key: string, n = 1): void {
    const sec = String(Math.floor((Date.now() - this.startMs) / 1000));
    const bucket = (this.perSecond[sec] ??= {});
    bucket[key] = (bucket[key] ?? 0) + n;
    this.totals[key] = (this.totals[key] ?? 0) + n;
  }

  /** The counts part of the emulator's stats (protocol/emulator-stats.ts). */
  snapshot(): EmulatorCounters {
    return { startedAt: new Date(this.startMs).toISOString(), perSecond: structuredClone(this.perSecond), totals: { ...this.totals }, summary: this.summarize() };
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
