/**
 * Folds run events into totals. The live run and `fleetsim report` (rebuild after a crash, shard
 * merge) use the same fold, so a rebuilt report equals the one the run wrote.
 */
import { SnapshotAccumulator, outcomeTotal } from '../metrics/snapshot.js';
import type { HealthRecord, ResultRecord, RunEvent, RunStatus } from './events.js';

export interface GeneratorSummary {
  workers: number;
  starts: number;
  lateStarts: number;
  /** worst per-second p99 event-loop delay of any worker, ms */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** highest per-second event-loop utilisation of any worker (0-1) */
  maxUtilization: number;
  meanUtilization: number;
  /** per second: max lag and late starts, for charts */
  perSecond: Record<string, { eventLoopP99Ms: number; lateStarts: number; starts: number; utilization: number }>;
}

export class RunState {
  meta: Extract<RunEvent, { type: 'meta' }> | undefined;
  readonly metrics = new SnapshotAccumulator();
  readonly results = new Map<number, ResultRecord>();
  end: Extract<RunEvent, { type: 'end' }> | undefined;
  crashes: Array<{ worker: number; message: string }> = [];
  emulatorStats: Record<string, unknown> | undefined;
  lastT = 0;
  private health = { starts: 0, lateStarts: 0, elP99: 0, elMax: 0, utilMax: 0, utilSum: 0, utilN: 0 };
  private healthPerSecond: GeneratorSummary['perSecond'] = {};
  private metasSeen = 0;

  apply(e: RunEvent): void {
    switch (e.type) {
      case 'meta':
        this.metasSeen++;
        if (this.meta === undefined) this.meta = e;
        break;
      case 'progress':
        this.metrics.add(e.snapshot);
        for (const r of e.results) this.results.set(r.index, r);
        this.noteHealth(e.t, e.health);
        this.lastT = Math.max(this.lastT, e.t);
        break;
      case 'crash':
        this.metrics.add(e.snapshot);
        for (const r of e.results) this.results.set(r.index, r);
        this.crashes.push({ worker: e.worker, message: e.message });
        break;
      case 'emulator':
        this.emulatorStats = e.stats;
        break;
      case 'end':
        this.end = e;
        break;
    }
  }

  private noteHealth(t: number, h: HealthRecord): void {
    const s = this.health;
    s.starts += h.starts;
    s.lateStarts += h.lateStarts;
    s.elP99 = Math.max(s.elP99, h.eventLoopP99Ms);
    s.elMax = Math.max(s.elMax, h.eventLoopMaxMs);
    s.utilMax = Math.max(s.utilMax, h.utilization);
    s.utilSum += h.utilization;
    s.utilN++;
    const start = this.meta?.startMs ?? 0;
    const key = String(Math.max(0, Math.floor((t - start) / 1000)));
    const p = (this.healthPerSecond[key] ??= { eventLoopP99Ms: 0, lateStarts: 0, starts: 0, utilization: 0 });
    p.eventLoopP99Ms = Math.max(p.eventLoopP99Ms, h.eventLoopP99Ms);
    p.lateStarts += h.lateStarts;
    p.starts += h.starts;
    p.utilization = Math.max(p.utilization, h.utilization);
  }

  generator(): GeneratorSummary {
    const s = this.health;
    return {
      workers: this.meta?.workers ?? 0,
      starts: s.starts,
      lateStarts: s.lateStarts,
      eventLoopP99Ms: round(s.elP99),
      eventLoopMaxMs: round(s.elMax),
      maxUtilization: round(s.utilMax),
      meanUtilization: s.utilN === 0 ? 0 : round(s.utilSum / s.utilN),
      perSecond: this.healthPerSecond,
    };
  }

  /** Devices with an outcome so far. */
  outcomeTotal(): number {
    return outcomeTotal(this.metrics.outcomes);
  }

  status(): RunStatus {
    return this.end?.status ?? 'failed';
  }

  shardsSeen(): number {
    return this.metasSeen;
  }
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
