/**
 * Server-side stats of several embedded emulators (one per shard) → one `emulator` section.
 *
 * Each shard's emulator counts per second of its own clock (`startedAt` + second). The merged
 * run puts every shard on the first shard's timeline (run-state.ts), so each emulator's seconds
 * are moved by the same amount as its shard's device series: what shard i's emulator counted
 * d seconds after shard i started lands d seconds after the merged run's start (to the nearest
 * second).
 *
 * Counters add up (per second, totals, summary, broker, registry, hook counts); the hook latency
 * is recomputed from the encoded histograms when every shard has one (never averaged); settings
 * (quotas, faults, claim policy) are the same in every shard of one scenario, so the first is kept.
 */
import { LatencyHistogram } from '../metrics/histogram.js';
import type { EmulatorHookStats, EmulatorHookTiming, EmulatorStats } from '../protocol/emulator-stats.js';
import { isPlainObject } from '../util/json-values.js';

export interface EmulatorShardStats {
  stats: EmulatorStats;
  /** the shard's meta.startMs */
  shardStartMs: number;
}

/** at most this many recent hook failures are kept, as one emulator keeps */
const RECENT_HOOK_FAILURES = 50;


/** Numbers add up, nested records merge; anything else keeps the first value seen. */
function sumInto(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (typeof v === 'number') target[k] = typeof cur === 'number' ? cur + v : cur === undefined ? v : cur;
    else if (isPlainObject(v)) {
      if (cur === undefined) target[k] = sumInto({}, v);
      else if (isPlainObject(cur)) sumInto(cur, v);
    } else if (cur === undefined) target[k] = v;
  }
  return target;
}

/**
 * The parts added up with sumInto; undefined when no part has the section. Adding records of one
 * shape gives a record of that shape (every number stays a number, every record a record), and a
 * field only some parts have (written by a newer emulator) is kept.
 */
function summed<T extends object>(parts: ReadonlyArray<T | undefined>): T | undefined {
  const records = parts.filter((p): p is T => isPlainObject(p));
  if (records.length === 0) return undefined;
  return records.reduce<Record<string, unknown>>((out, r) => sumInto(out, r as Record<string, unknown>), {}) as T;
}

/** Where each emulator's clock starts on the merged timeline (ms since epoch, the run's t=0 at runStartMs). */
function emulatorStarts(parts: EmulatorShardStats[], runStartMs: number): number[] {
  return parts.map((p) => {
    const serverStart = typeof p.stats.startedAt === 'string' ? Date.parse(p.stats.startedAt) : Number.NaN;
    // an emulator that started d ms after its own shard sits d ms after the merged run's start
    return runStartMs + (Number.isFinite(serverStart) ? serverStart - p.shardStartMs : 0);
  });
}

/**
 * Each emulator second goes into the merged second that holds its middle: a count is never moved by
 * more than half a second (the resolution of the counts themselves).
 */
function mergePerSecond(parts: EmulatorShardStats[], starts: number[], mergedStart: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  parts.forEach((p, i) => {
    if (!isPlainObject(p.stats.perSecond)) return;
    const offsetMs = starts[i]! - mergedStart;
    for (const [sec, counts] of Object.entries(p.stats.perSecond)) {
      if (!isPlainObject(counts)) continue;
      const bucket = (out[String(Math.floor((offsetMs + Number(sec) * 1000 + 500) / 1000))] ??= {});
      for (const [key, n] of Object.entries(counts)) if (typeof n === 'number') bucket[key] = (bucket[key] ?? 0) + n;
    }
  });
  return out;
}

function mergeHook(hooks: EmulatorHookStats[]): EmulatorHookStats {
  const counts = summed(hooks.map(({ latency: _latency, recentErrors: _recent, duration: _duration, init: _init, ...rest }) => rest));
  // the hook environments' Duration and Init Duration (Lambda-style hooks): re-merged from their histograms
  const timings: Pick<EmulatorHookStats, 'duration' | 'init'> = {};
  for (const key of ['duration', 'init'] as const) {
    const parts = hooks.map((h) => h[key]).filter((t): t is EmulatorHookTiming => t !== undefined);
    if (parts.length === 0 || !parts.every((t) => typeof t.histogram === 'string')) continue;
    const merged = new LatencyHistogram();
    for (const t of parts) merged.addEncoded(t.histogram);
    const st = merged.stats();
    timings[key] = { count: st.count, p50: st.p50, p99: st.p99, max: st.max, histogram: merged.encode() };
  }
  const latencies = hooks.map((h) => h.latency).filter(isPlainObject);
  let latency: EmulatorHookStats['latency'] | undefined;
  const histograms = latencies.map((l) => l.histogram);
  if (latencies.length > 0 && histograms.every((h): h is string => typeof h === 'string')) {
    const merged = new LatencyHistogram();
    for (const h of histograms) merged.addEncoded(h);
    const s = merged.stats();
    latency = { count: s.count, p50: s.p50, p99: s.p99, max: s.max, histogram: merged.encode() };
  } else if (latencies.length > 0) {
    // older emulators gave no histogram: counts and the max are exact, percentiles are unknown
    latency = {
      count: latencies.reduce((n, l) => n + (typeof l.count === 'number' ? l.count : 0), 0),
      max: Math.max(...latencies.map((l) => (typeof l.max === 'number' ? l.max : 0))),
    };
  }
  const recent = hooks
    .flatMap((h) => (Array.isArray(h.recentErrors) ? h.recentErrors : []))
    .filter(isPlainObject)
    .sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)))
    .slice(-RECENT_HOOK_FAILURES);
  // hooks that gave no latency at all (none today) leave it out rather than invent one
  return { ...(counts as Omit<EmulatorHookStats, 'latency' | 'recentErrors'>), ...timings, ...(latency === undefined ? {} : { latency }), recentErrors: recent } as EmulatorHookStats;
}

/**
 * One emulator section for a run of `shards` shards whose t=0 is `runStartMs` (the first shard's
 * start). An unsharded run's stats come back unchanged; for a sharded run every part is put on the
 * run's timeline, even when only one shard reported (e.g. shard 1 was killed before it could).
 */
export function mergeEmulatorStats(parts: EmulatorShardStats[], runStartMs: number, shards: number): EmulatorStats | undefined {
  if (parts.length === 0) return undefined;
  if (shards <= 1 && parts.length === 1) return parts[0]!.stats;
  const starts = emulatorStarts(parts, runStartMs);
  const mergedStart = Math.min(...starts);
  const first = parts[0]!.stats;
  const out: EmulatorStats = { ...first, startedAt: new Date(mergedStart).toISOString(), emulators: parts.length };
  out.perSecond = mergePerSecond(parts, starts, mergedStart);
  // counters add up, section by section
  const stats = parts.map((p) => p.stats);
  const totals = summed(stats.map((s) => s.totals));
  if (totals !== undefined) out.totals = totals;
  const summary = summed(stats.map((s) => s.summary));
  if (summary !== undefined) out.summary = summary;
  const broker = summed(stats.map((s) => s.broker));
  if (broker !== undefined) out.broker = broker;
  const registry = summed(stats.map((s) => s.registry));
  if (registry !== undefined) out.registry = registry;
  const controlPlane = summed(stats.map((s) => s.controlPlane));
  if (controlPlane !== undefined) out.controlPlane = controlPlane;
  for (const key of ['tlsHandshakeFailures', 'openTokens'] as const) {
    const values = parts.map((p) => p.stats[key]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) out[key] = values.reduce((a, b) => a + b, 0);
  }
  const hooks = parts.map((p) => p.stats.hook).filter(isPlainObject);
  if (hooks.length > 0) out.hook = mergeHook(hooks);
  // each shard had its own control plane: one URL says nothing about the others
  if (parts.some((p) => p.stats.controlPlaneUrl !== first.controlPlaneUrl)) delete out.controlPlaneUrl;
  return out;
}
