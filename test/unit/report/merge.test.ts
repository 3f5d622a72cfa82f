/**
 * Shard merge on synthetic events: the fold of shards equals the unsharded fold (counts, histogram
 * totals, series), each shard's t=0 is aligned, and the shard set is checked before anything merges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeShardRuns } from '../../../src/report/merge.js';
import type { RunEvent } from '../../../src/report/events.js';
import { InputError } from '../../../src/util/errors.js';
import { foldReport, sampleEvents, sampleScenario } from './sample-run.js';

const DEVICES = 45;

function writeShard(root: string, events: RunEvent[], name?: string): string {
  const meta = events[0] as Extract<RunEvent, { type: 'meta' }>;
  const dir = path.join(root, name ?? `shard-${meta.shard.index}-of-${meta.shard.count}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return dir;
}

function shards(count: number, o: { hash?: string; startGapMs?: number } = {}): RunEvent[][] {
  return Array.from({ length: count }, (_, i) =>
    sampleEvents({ devices: DEVICES, shard: { index: i + 1, count }, startMs: 1_800_000_000_000 + i * (o.startGapMs ?? 60_000), ...(o.hash === undefined ? {} : { scenarioHash: o.hash }) }),
  );
}

test('three shards folded together equal the unsharded run, whatever their wall-clock start', () => {
  const whole = foldReport(sampleEvents({ devices: DEVICES }));
  const merged = foldReport(...shards(3));
  assert.equal(merged.devices, DEVICES);
  assert.deepEqual(merged.outcomes, whole.outcomes);
  for (const [step, s] of Object.entries(whole.steps)) {
    assert.equal(merged.steps[step]?.count, s.count, step);
    assert.equal(merged.steps[step]?.p99, s.p99, `${step} p99 from added histograms`);
  }
  assert.deepEqual(merged.series, whole.series, 'per-second series on the shared t=0');
  assert.deepEqual(merged.attempts, whole.attempts);
  assert.equal(merged.created.things.length, DEVICES);
  assert.equal(new Set(merged.created.things).size, DEVICES);
  // shards started a minute apart: the merged duration is one shard's, not the span of wall clocks
  assert.ok(merged.durationMs < 10_000, `duration ${merged.durationMs}`);
  assert.deepEqual(merged.shard, { index: 0, count: 3 });
  assert.equal(merged.merged?.shards.length, 3);
  assert.deepEqual(merged.merged?.shards.map((s) => s.devices), [15, 15, 15]);
  assert.equal(merged.generator.workers, 3);
  assert.equal(merged.generator.starts, DEVICES);
  assert.equal(whole.merged, undefined);
});

test('the worst shard status wins; a shard without an end makes the merged run incomplete', () => {
  const [a, b] = shards(2);
  const failed = sampleEvents({ devices: DEVICES, shard: { index: 2, count: 2 }, status: 'failed' });
  assert.equal(foldReport(a as RunEvent[], failed).status, 'failed');
  assert.equal(foldReport(a as RunEvent[], b as RunEvent[]).status, 'completed');
  const killed = sampleEvents({ devices: DEVICES, shard: { index: 2, count: 2 }, noEnd: true });
  const r = foldReport(a as RunEvent[], killed);
  assert.equal(r.status, 'interrupted');
  assert.equal(r.merged?.shards[1]?.status, 'no end event');
});

test('mergeShardRuns reads shard folders (or their run folder) and equals the unsharded fold', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-merge-'));
  const run = path.join(root, 'run-1');
  const dirs = shards(2).map((ev) => writeShard(run, ev));
  const whole = foldReport(sampleEvents({ devices: DEVICES }));
  for (const input of [dirs, [run], [...dirs].reverse()]) {
    const { report, defaultOutDir } = mergeShardRuns(input);
    assert.deepEqual(report.outcomes, whole.outcomes);
    assert.equal(report.steps.provision?.count, DEVICES);
    assert.equal(defaultOutDir, run);
  }
});

function mergeError(inputs: string[]): InputError {
  try {
    mergeShardRuns(inputs);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  assert.fail('merge should refuse');
}

test('merge refuses mixed scenarios, missing and duplicated shards, mixed counts, newer versions', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fleetsim-merge-bad-'));
  const [s1, s2, s3] = shards(3).map((ev, i) => writeShard(path.join(root, 'ok'), ev, `s${i + 1}`)) as [string, string, string];
  const other = writeShard(path.join(root, 'other'), sampleEvents({ devices: DEVICES, shard: { index: 3, count: 3 }, scenarioHash: 'hash-other' }), 's3');
  let e = mergeError([s1, s2, other]);
  assert.match(e.message, /different scenarios/);
  assert.match(e.describe(), /hash-other/);
  e = mergeError([s1, s3]);
  assert.match(e.describe(), /missing 2\/3/);
  e = mergeError([s1, s2, s3, path.join(root, 'ok', 's2')]);
  assert.match(e.describe(), /shard 2\/3 appears 2 times/);
  const two = writeShard(path.join(root, 'two'), sampleEvents({ devices: DEVICES, shard: { index: 2, count: 2 } }), 's2');
  e = mergeError([s1, two]);
  assert.match(e.message, /disagree on the number of shards \(3 vs 2\)/);
  const newer = sampleEvents({ devices: DEVICES, shard: { index: 2, count: 3 } });
  (newer[0] as { schemaVersion: number }).schemaVersion = 99;
  e = mergeError([s1, writeShard(path.join(root, 'newer'), newer, 's2'), s3]);
  assert.match(e.describe(), /newer fleetsim \(events schema 99 > 1\)/);
  e = mergeError([s1, path.join(root, 'nothing-here')]);
  assert.match(e.describe(), /does not exist/);
  assert.throws(() => mergeShardRuns([]), InputError);
});

test('thresholds are re-evaluated on the merged data, not taken from the shards', () => {
  const scenario = sampleScenario(DEVICES, { thresholds: ['rate(accepted{api=RegisterThing}) >= 9/s', 'count(provisioned) == 45'] });
  const parts = [1, 2, 3].map((i) => sampleEvents({ devices: DEVICES, scenario, shard: { index: i, count: 3 }, startMs: 1_800_000_000_000 + i * 7_000 }));
  const shard1 = foldReport(parts[0] as RunEvent[]);
  assert.deepEqual(shard1.thresholds.map((t) => t.ok), [false, false], 'one shard alone: a third of the rate and of the devices');
  const merged = foldReport(...parts);
  assert.deepEqual(merged.thresholds.map((t) => t.ok), [true, true]);
  assert.equal(merged.thresholds[1]?.actual, 45);
  assert.ok((merged.thresholds[0]?.actual ?? 0) >= 9 && (shard1.thresholds[0]?.actual ?? 99) < 9 / 2, 'the merged rate is the sum of the shards\' rates');
});
