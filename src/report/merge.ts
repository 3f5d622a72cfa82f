/**
 * `fleetsim report merge`: n shard folders (each with its versioned events.jsonl) → one report.
 * Refuses, with the folders named, shards from different scenarios (scenarioHash), a missing or
 * duplicated shard, and events written by a newer fleetsim. The merge is the ordinary fold
 * (RunState) over every shard's events, so counters add up, histograms are added (never
 * percentiles), and thresholds and expectations are re-evaluated on the merged data by
 * buildReport (analysis/report-fields.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, type ValidationIssue } from '../util/errors.js';
import { buildReport } from './build.js';
import type { RunReport } from './types.js';
import { EventsFileError, readEvents, type RunEvent } from './events.js';
import { RunState } from './run-state.js';

type MetaEvent = Extract<RunEvent, { type: 'meta' }>;

export interface ShardRun {
  dir: string;
  meta: MetaEvent;
  events: RunEvent[];
}

export interface MergeResult {
  report: RunReport;
  shards: ShardRun[];
  /** where the merged reports go by default: the shards' common parent folder, if they have one */
  defaultOutDir: string | undefined;
}

const SHARD_DIR = /^shard-(\d+)-of-(\d+)$/;

/** A run folder holding shard-i-of-n subfolders stands for all of them; anything else is itself. */
export function expandShardDirs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const dir = path.resolve(input);
    if (existsSync(dir) && statSync(dir).isDirectory() && !existsSync(path.join(dir, 'events.jsonl'))) {
      const subs = readdirSync(dir)
        .filter((n) => SHARD_DIR.test(n) && existsSync(path.join(dir, n, 'events.jsonl')))
        .sort((a, b) => Number(SHARD_DIR.exec(a)?.[1]) - Number(SHARD_DIR.exec(b)?.[1]));
      if (subs.length > 0) {
        out.push(...subs.map((n) => path.join(dir, n)));
        continue;
      }
    }
    out.push(dir);
  }
  return out;
}

/** Read each shard's events; every unreadable input is reported at once. */
export function readShardRuns(dirs: string[]): ShardRun[] {
  const issues: ValidationIssue[] = [];
  const runs: ShardRun[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, 'events.jsonl');
    if (!existsSync(file)) {
      issues.push({ path: dir, message: existsSync(dir) ? 'has no events.jsonl (not a fleetsim run or shard folder)' : 'does not exist' });
      continue;
    }
    try {
      const events = readEvents(file);
      runs.push({ dir, meta: events[0] as MetaEvent, events });
    } catch (err) {
      const msg = err instanceof EventsFileError ? err.message.replace(`${file}: `, '').replace(`${file}:`, 'line ') : (err as Error).message;
      issues.push({ path: dir, message: msg });
    }
  }
  if (issues.length > 0) throw new InputError(`cannot merge: ${issues.length} unreadable shard folder${issues.length === 1 ? '' : 's'}`, { issues });
  return runs;
}

/** The shard set must be exactly 1..n of one scenario; says what is wrong and what to do. */
export function checkShardSet(runs: ShardRun[]): void {
  const issues: ValidationIssue[] = [];
  const hashes = new Map<string, string[]>();
  for (const r of runs) hashes.set(r.meta.scenarioHash, [...(hashes.get(r.meta.scenarioHash) ?? []), r.dir]);
  if (hashes.size > 1) {
    for (const [hash, dirs] of hashes) {
      const meta = runs.find((r) => r.meta.scenarioHash === hash)?.meta;
      issues.push({ path: dirs.join(', '), message: `scenario hash ${hash} (${meta?.scenarioFile ?? '?'})` });
    }
    throw new InputError('cannot merge shards of different scenarios: every shard must run the same scenario file with the same settings', {
      issues,
      hint: 'merge only the shard folders of one run (they share a --run-id), or re-run the odd shard with the same scenario',
    });
  }
  const counts = new Set(runs.map((r) => r.meta.shard.count));
  if (counts.size > 1) {
    for (const r of runs) issues.push({ path: r.dir, message: `shard ${r.meta.shard.index}/${r.meta.shard.count}` });
    throw new InputError(`cannot merge: the shards disagree on the number of shards (${[...counts].join(' vs ')})`, { issues });
  }
  const n = runs[0]?.meta.shard.count ?? 0;
  const byIndex = new Map<number, string[]>();
  for (const r of runs) byIndex.set(r.meta.shard.index, [...(byIndex.get(r.meta.shard.index) ?? []), r.dir]);
  for (const [index, dirs] of byIndex) {
    if (dirs.length > 1) issues.push({ path: dirs.join(', '), message: `shard ${index}/${n} appears ${dirs.length} times` });
  }
  const missing: number[] = [];
  for (let i = 1; i <= n; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) issues.push({ path: `shards of ${n}`, message: `missing ${missing.map((i) => `${i}/${n}`).join(', ')}` });
  if (issues.length > 0) {
    throw new InputError(`cannot merge: the shard set is not complete and unique (${runs.length} folder${runs.length === 1 ? '' : 's'} for ${n} shards)`, {
      issues,
      hint: 'give every shard folder of the run exactly once, or the run folder that holds the shard-i-of-n folders',
    });
  }
}

/** Merge shard folders (or run folders holding them) into one report. */
export function mergeShardRuns(inputs: string[]): MergeResult {
  if (inputs.length === 0) throw new InputError('name the shard folders to merge (or the run folder that holds them)');
  const dirs = expandShardDirs(inputs);
  const shards = readShardRuns(dirs).sort((a, b) => a.meta.shard.index - b.meta.shard.index);
  checkShardSet(shards);
  const state = new RunState();
  for (const s of shards) for (const e of s.events) state.apply(e);
  const report = buildReport(state);
  const runIds = [...new Set(shards.map((s) => s.meta.runId))];
  if (runIds.length > 1) report.warnings.push(`the shards have different run IDs (${runIds.join(', ')}); pass the same --run-id to every shard to keep them together`);
  const parents = [...new Set(shards.map((s) => path.dirname(s.dir)))];
  return { report, shards, defaultOutDir: parents.length === 1 ? parents[0] : undefined };
}
