/**
 * What a run created, read back from its folder: report.json (or events.jsonl when the run died
 * before writing it), dry-run.json, or the shard folders of a sharded run. Only the thing names
 * and certificate IDs the devices got back are listed: nothing else is ever deleted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rebuildReport } from '../report/write.js';
import { InputError } from '../util/errors.js';

export interface CleanupTarget {
  type: 'aws' | 'emulator';
  endpoint?: string;
  region?: string;
  /** aws: target.controlPlaneEndpoint; emulator: its control plane while it ran */
  controlPlaneUrl?: string;
}

export interface CleanupPlan {
  runDir: string;
  runId: string;
  /** where the lists came from */
  source: string;
  target: CleanupTarget;
  things: string[];
  certificates: string[];
}

interface RunRecord {
  runId?: string;
  scenario?: { target?: { type?: string; endpoint?: string; region?: string; controlPlaneEndpoint?: string } };
  emulator?: { controlPlaneUrl?: unknown };
  created?: { things?: unknown; certificates?: unknown };
}

function readJson(file: string): RunRecord {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function targetOf(r: RunRecord): CleanupTarget {
  const t = r.scenario?.target;
  if (t?.type === 'aws') {
    const out: CleanupTarget = { type: 'aws' };
    if (t.endpoint !== undefined) out.endpoint = t.endpoint;
    if (t.region !== undefined) out.region = t.region;
    if (t.controlPlaneEndpoint !== undefined) out.controlPlaneUrl = t.controlPlaneEndpoint;
    return out;
  }
  const url = r.emulator?.controlPlaneUrl;
  return typeof url === 'string' ? { type: 'emulator', controlPlaneUrl: url } : { type: 'emulator' };
}

function readRecord(dir: string): { record: RunRecord; source: string } | undefined {
  const report = path.join(dir, 'report.json');
  if (existsSync(report)) return { record: readJson(report), source: report };
  const dry = path.join(dir, 'dry-run.json');
  if (existsSync(dry)) return { record: readJson(dry), source: dry };
  if (existsSync(path.join(dir, 'events.jsonl'))) {
    try {
      return { record: rebuildReport(dir) as unknown as RunRecord, source: path.join(dir, 'events.jsonl') };
    } catch (err) {
      throw new InputError(`cannot read ${path.join(dir, 'events.jsonl')}: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** Read a run folder (or the parent folder of its shards). */
export function loadCleanupPlan(runDir: string): CleanupPlan {
  const dir = path.resolve(runDir);
  if (!existsSync(dir)) throw new InputError(`run folder not found: ${dir}`, { hint: 'give the folder of one run, e.g. reports/<run-id>' });
  const records: Array<{ record: RunRecord; source: string }> = [];
  const own = readRecord(dir);
  if (own !== undefined) records.push(own);
  else {
    for (const name of readdirSync(dir).filter((n) => /^shard-\d+-of-\d+$/.test(n)).sort()) {
      const r = readRecord(path.join(dir, name));
      if (r !== undefined) records.push(r);
    }
  }
  const first = records[0];
  if (first === undefined) {
    throw new InputError(`${dir} is not a fleetsim run folder: no report.json, events.jsonl or dry-run.json`, {
      hint: 'give the folder of one run, e.g. reports/<run-id>',
    });
  }
  const things = new Set<string>();
  const certificates = new Set<string>();
  for (const { record } of records) {
    for (const t of strings(record.created?.things)) things.add(t);
    for (const c of strings(record.created?.certificates)) certificates.add(c);
  }
  return {
    runDir: dir,
    runId: first.record.runId ?? path.basename(dir),
    source: records.length === 1 ? first.source : `${records.length} shard folders`,
    target: targetOf(first.record),
    things: [...things],
    certificates: [...certificates],
  };
}
