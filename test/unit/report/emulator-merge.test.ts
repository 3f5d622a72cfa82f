/**
 * Shard merge of the embedded emulators' server-side stats: per-second counts land on the merged
 * timeline, counters add up, the hook latency comes from the added histograms, settings are kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import type { RunEvent } from '../../../src/report/events.js';
import type { EmulatorHookFailure, EmulatorStats } from '../../../src/protocol/emulator-stats.js';
import { mergeEmulatorStats } from '../../../src/report/emulator-merge.js';
import { foldReport, sampleEvents } from './sample-run.js';

const START = 1_800_000_000_000;

function hookLatency(samplesMs: number[]) {
  const h = new LatencyHistogram();
  for (const ms of samplesMs) h.recordMillis(ms);
  const s = h.stats();
  return { count: s.count, p50: s.p50, p99: s.p99, max: s.max, histogram: h.encode() };
}

function hookFailure(timestamp: string, errorMessage: string): EmulatorHookFailure {
  return { timestamp, requestId: 'r-1', templateName: 't', kind: 'error', errorType: 'Error', errorMessage, stack: [], durationMs: 3, event: { claimCertificateId: 'c', certificateId: 'd', certificatePem: '-----BEGIN CERTIFICATE-----', templateArn: 'arn', clientId: 'dev-1', parameters: {} }, log: [] };
}

/** What one shard's emulator would report: it started `leadMs` before its shard, counted `perSecond`. */
function emulatorStats(shardStartMs: number, leadMs: number, perSecond: Record<string, Record<string, number>>, hookMs: number[]): EmulatorStats {
  const totals: Record<string, number> = {};
  for (const counts of Object.values(perSecond)) for (const [k, n] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + n;
  return {
    startedAt: new Date(shardStartMs - leadMs).toISOString(),
    perSecond,
    totals,
    summary: {
      apis: { RegisterThing: { received: totals['received{api=RegisterThing}'] ?? 0, accepted: totals['accepted{api=RegisterThing}'] ?? 0, rejected: 0, throttled: 0 } },
      connects: { attempts: 4, accepted: 3, throttled: 1, refused: 0 },
      publishes: { throttled: 0, denied: 1 },
    },
    broker: { connections: 0, connectsAccepted: 3, connectsRefused: 1, publishesIn: 9, publishesOut: 9 },
    tlsHandshakeFailures: 1,
    tlsSessionResumption: false,
    registry: { things: 3, certificates: 4, policies: 1 },
    openTokens: 0,
    quotas: { RegisterThing: { rate: 10, burst: 10 } },
    faults: { seed: 7, dropReplies: 0, error500: 0 },
    hook: {
      invocations: hookMs.length,
      allowed: hookMs.length - 1,
      denied: 1,
      errors: 0,
      timeouts: 0,
      latency: hookLatency(hookMs),
      errorsByMessage: { boom: 1 },
      recentErrors: [hookFailure(new Date(shardStartMs + 500).toISOString(), 'boom')],
    },
    claimPolicy: 'fleetsim-claim-policy',
  };
}

/** sampleEvents with an emulator event before the end event. */
function shardWithEmulator(index: number, count: number, startMs: number, stats: EmulatorStats): RunEvent[] {
  const events = sampleEvents({ devices: 20, shard: { index, count }, startMs });
  const end = events.findIndex((e) => e.type === 'end');
  events.splice(end, 0, { type: 'emulator', t: startMs + 4000, stats });
  return events;
}

test('one emulator per shard: the merged report holds their sum on the merged timeline', () => {
  // shard 2 started a minute after shard 1 (wall clock); its emulator started 1.2 s before it,
  // shard 1's 0.2 s before it: both count 1 s into their own shard at different emulator seconds
  const s1 = emulatorStats(START, 200, { '0': { 'received{api=RegisterThing}': 2 }, '1': { 'received{api=RegisterThing}': 5, 'accepted{api=RegisterThing}': 5 } }, [10, 20, 30]);
  const s2 = emulatorStats(START + 60_000, 1200, { '2': { 'received{api=RegisterThing}': 7, 'accepted{api=RegisterThing}': 6 } }, [40, 50, 900]);
  const merged = foldReport(shardWithEmulator(1, 2, START, s1), shardWithEmulator(2, 2, START + 60_000, s2));
  const emu = merged.emulator;
  assert.ok(emu !== undefined, 'the merged report keeps the emulator section');
  assert.equal(emu.emulators, 2);
  // the merged timeline starts where the earliest emulator started relative to its shard
  assert.equal(emu.startedAt, new Date(START - 1200).toISOString());
  // shard 1's second 1 (0.8 s after its start) and shard 2's second 2 (0.8 s after its start) coincide
  assert.deepEqual(emu.perSecond['2'], { 'received{api=RegisterThing}': 12, 'accepted{api=RegisterThing}': 11 });
  assert.deepEqual(emu.perSecond['1'], { 'received{api=RegisterThing}': 2 });
  assert.equal(emu.totals['received{api=RegisterThing}'], 14);
  assert.equal(emu.summary.apis.RegisterThing.accepted, 11);
  assert.deepEqual(emu.broker, { connections: 0, connectsAccepted: 6, connectsRefused: 2, publishesIn: 18, publishesOut: 18 });
  assert.deepEqual(emu.summary.connects, { attempts: 8, accepted: 6, throttled: 2, refused: 0 });
  assert.deepEqual(emu.registry, { things: 6, certificates: 8, policies: 2 });
  assert.equal(emu.tlsHandshakeFailures, 2);
  assert.deepEqual(emu.quotas, s1.quotas, 'settings are the scenario\'s: kept, not added');
  assert.deepEqual(emu.faults, { seed: 7, dropReplies: 0, error500: 0 });
  assert.equal(emu.claimPolicy, 'fleetsim-claim-policy');
  // hook: counts add up; percentiles come from the added histograms, not from averaging
  assert.equal(emu.hook.invocations, 6);
  assert.equal(emu.hook.denied, 2);
  assert.deepEqual(emu.hook.errorsByMessage, { boom: 2 });
  assert.equal(emu.hook.recentErrors.length, 2);
  const all = hookLatency([10, 20, 30, 40, 50, 900]);
  assert.equal(emu.hook.latency.count, 6);
  assert.equal(emu.hook.latency.p50, all.p50);
  assert.equal(emu.hook.latency.p99, all.p99);
  // HDR keeps 3 significant digits: an encoded round trip may report the bucket's top as the max
  assert.ok(Math.abs(emu.hook.latency.max - all.max) <= all.max * 0.001, `max ${emu.hook.latency.max} vs ${all.max}`);
});

test('a single run keeps its emulator stats unchanged; a run without an emulator has none', () => {
  const s1 = emulatorStats(START, 200, { '0': { 'received{api=RegisterThing}': 2 } }, [10]);
  const single = foldReport(shardWithEmulator(1, 1, START, s1));
  assert.deepEqual(single.emulator, s1);
  assert.equal(foldReport(sampleEvents({ devices: 20 })).emulator, undefined);
  assert.equal(mergeEmulatorStats([], START, 2), undefined);
});

test('hook stats without histograms (older emulators) merge counts and max, never made-up percentiles', () => {
  const a = emulatorStats(START, 0, {}, [10, 20]);
  const b = emulatorStats(START, 0, {}, [30, 400]);
  const strip = (s: EmulatorStats): EmulatorStats => ({ ...s, hook: { ...s.hook, latency: { count: 2, p50: 1, p99: 2, max: s.hook.latency.max } } });
  const merged = mergeEmulatorStats([
    { stats: strip(a), shardStartMs: START },
    { stats: strip(b), shardStartMs: START },
  ], START, 2);
  assert.ok(merged !== undefined);
  assert.equal(merged.hook.latency.count, 4);
  assert.equal(merged.hook.latency.max, b.hook.latency.max);
  assert.equal(merged.hook.latency.p50, undefined);
  assert.equal(merged.hook.latency.p99, undefined);
});

test('a sharded run where only a later shard reported: its stats still land on the run\'s timeline', () => {
  // shard 1 was killed (no emulator event, no end); shard 2 started an hour later and finished
  const killed = sampleEvents({ devices: 20, shard: { index: 1, count: 2 }, startMs: START, noEnd: true });
  const later = START + 3_600_000;
  const s2 = emulatorStats(later, 200, { '1': { 'received{api=RegisterThing}': 4 } }, [10]);
  const merged = foldReport(killed, shardWithEmulator(2, 2, later, s2));
  const emu = merged.emulator;
  assert.ok(emu !== undefined);
  assert.equal(emu.emulators, 1);
  assert.equal(emu.startedAt, new Date(START - 200).toISOString(), 'anchored on the run\'s start, not on shard 2\'s wall clock');
  assert.deepEqual(Object.keys(emu.perSecond), ['1']);
});
