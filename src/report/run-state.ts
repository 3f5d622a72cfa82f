/**
 * Folds run events into totals. The live run and `fleetsim report` (rebuild after a crash, shard
 * merge) use the same fold, so a rebuilt report equals the one the run wrote.
 *
 * Shards: the events of several shards may be applied one file after another (each file starts
 * with its meta line). Every shard has its own t=0 (its meta.startMs); their per-second series are
 * already relative to it, and wall-clock times (progress, end) are moved onto the first shard's
 * timeline, so the merged run reads as if every shard had started together. Devices and workers
 * add up; the end is the latest end with the worst status; each shard's embedded emulator stats
 * are merged the same way (emulator-merge.ts).
 */
import { SnapshotAccumulator, outcomeTotal } from '../metrics/snapshot.js';
import type { HealthRecord, ResultRecord, RunEvent, RunStatus } from './events.js';
import { round } from '../util/round.js';
import { mergeEmulatorStats } from './emulator-merge.js';
import type { EmulatorStats } from '../protocol/emulator-stats.js';
import { TimelineFold, type Timeline } from './timeline.js';

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

type MetaEvent = Extract<RunEvent, { type: 'meta' }>;
type EndEvent = Extract<RunEvent, { type: 'end' }>;

/** What one shard contributed to a merged run. */
export interface ShardSummary {
  index: number;
  count: number;
  runId: string;
  devices: number;
  workers: number;
  target: string;
  startedAt: string;
  /** `no end event` when the shard was killed before it finished */
  status: RunStatus | 'no end event';
  durationMs: number;
}

const STATUS_RANK: Record<RunStatus, number> = { completed: 0, interrupted: 1, failed: 2 };

export class RunState {
  /** the run's meta; for several shards, the first shard's with devices and workers summed */
  meta: MetaEvent | undefined;
  readonly metrics = new SnapshotAccumulator();
  readonly results = new Map<number, ResultRecord>();
  end: Extract<RunEvent, { type: 'end' }> | undefined;
  crashes: Array<{ worker: number; message: string }> = [];
  emulatorStats: EmulatorStats | undefined;
  lastT = 0;
  private health = { starts: 0, lateStarts: 0, elP99: 0, elMax: 0, utilMax: 0, utilSum: 0, utilN: 0 };
  private healthPerSecond: GeneratorSummary['perSecond'] = {};
  private metasSeen = 0;
  private readonly timelineFold = new TimelineFold();
  private readonly shards: Array<{ meta: MetaEvent; end?: EndEvent; emulator?: EmulatorStats }> = [];
  /** subtracted from the current shard's wall-clock times to put them on the first shard's timeline */
  private offsetMs = 0;

  apply(e: RunEvent): void {
    switch (e.type) {
      case 'meta':
        this.metasSeen++;
        if (this.metasSeen > 1) this.timelineFold.newShard();
        this.shards.push({ meta: e });
        if (this.meta === undefined) this.meta = e;
        else this.addShardMeta(e);
        this.combineEnds();
        break;
      case 'progress': {
        const t = e.t - this.offsetMs;
        this.metrics.add(e.snapshot);
        for (const r of e.results) this.results.set(r.index, r);
        this.noteHealth(t, e.health);
        this.timelineFold.progress(Math.max(0, Math.floor((t - (this.meta?.startMs ?? t)) / 1000)), e.worker, e.inFlight, e.snapshot);
        this.lastT = Math.max(this.lastT, t);
        break;
      }
      case 'crash':
        this.metrics.add(e.snapshot);
        for (const r of e.results) this.results.set(r.index, r);
        this.crashes.push({ worker: e.worker, message: e.message });
        break;
      case 'emulator': {
        // one embedded emulator per shard: the latest stats of each, merged onto the run's timeline
        const shard = this.shards[this.shards.length - 1];
        if (shard !== undefined) shard.emulator = e.stats;
        this.emulatorStats = mergeEmulatorStats(
          this.shards.flatMap((s) => (s.emulator === undefined ? [] : [{ stats: s.emulator, shardStartMs: s.meta.startMs }])),
          this.shards[0]?.meta.startMs ?? 0,
          this.shards.length,
        );
        break;
      }
      case 'end': {
        const shard = this.shards[this.shards.length - 1];
        if (shard !== undefined) shard.end = e;
        this.combineEnds();
        break;
      }
    }
  }

  private addShardMeta(e: MetaEvent): void {
    const first = this.shards[0]?.meta ?? e;
    this.offsetMs = e.startMs - first.startMs;
    const targets = [...new Set(this.shards.map((s) => s.meta.target))];
    this.meta = {
      ...first,
      devices: this.shards.reduce((n, s) => n + s.meta.devices, 0),
      workers: this.shards.reduce((n, s) => n + s.meta.workers, 0),
      shard: { index: 0, count: e.shard.count },
      target: targets.length === 1 ? (targets[0] as string) : targets.join(', '),
    };
  }

  /** The run's end: every shard's end on the first shard's timeline, latest time, worst status. */
  private combineEnds(): void {
    if (this.shards.length === 0 || this.shards.some((s) => s.end === undefined)) {
      this.end = undefined;
      return;
    }
    const firstStart = this.shards[0]?.meta.startMs ?? 0;
    let end: EndEvent | undefined;
    for (const s of this.shards) {
      const e = s.end as EndEvent;
      const t = e.t - (s.meta.startMs - firstStart);
      if (end === undefined) {
        end = { ...e, t };
        continue;
      }
      const worse = STATUS_RANK[e.status] > STATUS_RANK[end.status];
      end = {
        ...end,
        t: Math.max(end.t, t),
        endedAt: e.endedAt > end.endedAt ? e.endedAt : end.endedAt,
        peakRssBytes: Math.max(end.peakRssBytes, e.peakRssBytes),
        ...(worse ? { status: e.status, reason: e.reason } : {}),
      };
      if (end.reason === undefined) delete end.reason;
    }
    this.end = end;
  }

  /** Per shard: what it ran and how it ended (for a merged report). */
  shardSummaries(): ShardSummary[] {
    return this.shards.map((s) => ({
      index: s.meta.shard.index,
      count: s.meta.shard.count,
      runId: s.meta.runId,
      devices: s.meta.devices,
      workers: s.meta.workers,
      target: s.meta.target,
      startedAt: s.meta.startedAt,
      status: s.end?.status ?? 'no end event',
      durationMs: s.end === undefined ? 0 : Math.max(0, s.end.t - s.meta.startMs),
    }));
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

  /** Devices in flight and per-step latency per second (report.json `timeline`). */
  timeline(): Timeline {
    return this.timelineFold.result();
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

export { round };
