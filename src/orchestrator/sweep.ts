/**
 * `fleetsim sweep`: the same scenario once per value of one `--set path=v1,v2,...`, sequentially,
 * against the embedded emulator, each run a normal run folder under one sweep folder
 * (reports/sweep-<id>/<n>-<value>/). What each run is judged by (report/sweep.ts): time to
 * provision all, p99 provision, throttled share, devices out of retries; `until` stops at the first
 * value that meets an expression such as `p99(provision) < 10m`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parsePath } from '../scenario/overrides.js';
import { loadScenario, type ScenarioOverrides } from '../scenario/load.js';
import { writeReports } from '../report/write.js';
import { sweepRow, parseSweepUntil, meetsUntil, type SweepReport, type SweepRow, type SweepUntil } from '../report/sweep.js';
import { InputError } from '../util/errors.js';
import { newRunId, runScenario, type RunOptions } from './run.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { RunReport } from '../report/types.js';

export interface SweepAxis {
  path: string;
  /** the values as written, each read as YAML when applied */
  values: string[];
}

/** Split `v1,v2,[a,b],{x: 1, y: 2}` on the commas outside brackets and quotes. */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = '';
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** The one `--set` with several values is the axis; every other `--set` applies to every run. */
export function sweepAxis(set: readonly string[]): { axis: SweepAxis; fixed: string[] } {
  const axes: SweepAxis[] = [];
  const fixed: string[] = [];
  for (const arg of set) {
    const eq = arg.indexOf('=');
    const values = eq > 0 ? splitValues(arg.slice(eq + 1)) : [];
    if (eq > 0 && values.length > 1) {
      const p = arg.slice(0, eq).trim();
      if (parsePath(p) === undefined) throw new InputError(`--set ${arg}: ${JSON.stringify(p)} is not a path`, { issues: [{ path: '--set', message: `${arg}: not a path such as emulator.quotas.RegisterThing.rate` }] });
      if (values.some((v) => v === '')) throw new InputError(`--set ${arg}: an empty value in the list`, { issues: [{ path: '--set', message: `${arg}: every value between commas must be given` }] });
      axes.push({ path: p, values });
    } else fixed.push(arg);
  }
  if (axes.length !== 1) {
    throw new InputError(axes.length === 0 ? 'sweep: name the values to try with --set path=v1,v2,...' : 'sweep: only one --set may list several values', {
      issues: [{ path: '--set', message: axes.length === 0 ? 'e.g. --set emulator.quotas.RegisterThing.rate=5,10,20,40' : `${axes.map((a) => a.path).join(' and ')} both list values; sweep one at a time` }],
    });
  }
  return { axis: axes[0] as SweepAxis, fixed };
}

export interface SweepOptions {
  file: string;
  /** how each run's target starts (target/index.ts targetStarter; given by the caller, target/ sits beside orchestrator/) */
  startTarget: (loaded: LoadedScenario) => RunOptions['startTarget'];
  overrides: ScenarioOverrides;
  until?: string | undefined;
  /** folder for the sweep folder (default: the scenario's report dir) */
  outDir?: string | undefined;
  sweepId?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** before each run */
  onRunStart?: (value: string, i: number, total: number) => void;
  /** after each run, its report written */
  onRunEnd?: (row: SweepRow, report: RunReport, runDir: string) => void;
}

export interface SweepOutcome {
  report: SweepReport;
  sweepDir: string;
}

function folderName(i: number, value: string): string {
  const safe = value.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  return `${String(i + 1).padStart(2, '0')}-${safe === '' ? 'value' : safe}`;
}

/** Every value checked first (each scenario loads), then run one after another. */
export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const { axis, fixed } = sweepAxis(o.overrides.set ?? []);
  const until: SweepUntil | undefined = o.until === undefined ? undefined : parseSweepUntil(o.until);
  const env = o.env ?? process.env;
  const loadFor = (v: string) => loadScenario(o.file, env, { ...o.overrides, set: [...fixed, `${axis.path}=${v}`] });
  // a bad value fails before the first run starts
  const loadedAll = [];
  for (const v of axis.values) loadedAll.push(await loadFor(v));
  const first = loadedAll[0];
  if (first === undefined) throw new InputError('sweep: no values');
  if (loadedAll.some((l) => l.scenario.target.type !== 'emulator')) {
    throw new InputError(`${o.file}: sweep runs against the embedded emulator only`, { file: o.file, issues: [{ path: 'target.type', message: 'must be emulator for a sweep (each run would create real things on AWS)' }] });
  }
  const sweepId = o.sweepId ?? `sweep-${newRunId()}`;
  const outDir = path.resolve(o.outDir ?? path.resolve(first.baseDir, '..', first.scenario.report.dir));
  const sweepDir = path.join(outDir, sweepId);
  mkdirSync(sweepDir, { recursive: true });
  const rows: SweepRow[] = [];
  let stoppedAt: string | undefined;
  for (const [i, value] of axis.values.entries()) {
    if (o.signal?.aborted === true) break;
    o.onRunStart?.(value, i, axis.values.length);
    const loaded = loadedAll[i] as (typeof loadedAll)[number];
    const { report, runDir } = await runScenario({
      loaded,
      startTarget: o.startTarget(loaded),
      outDir: sweepDir,
      runId: folderName(i, value),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
    writeReports(runDir, report);
    const row = sweepRow(value, report, path.relative(sweepDir, runDir));
    if (until !== undefined) row.meetsUntil = meetsUntil(until, row);
    rows.push(row);
    o.onRunEnd?.(row, report, runDir);
    if (row.meetsUntil === true) {
      stoppedAt = value;
      break;
    }
  }
  const report: SweepReport = {
    schemaVersion: 1,
    sweepId,
    scenarioFile: first.file,
    path: axis.path,
    values: axis.values,
    fixed: (first.overrides ?? []).filter((t) => !t.startsWith(`${axis.path}=`)),
    devices: first.scenario.fleet.devices,
    rows,
    ...(until === undefined ? {} : { until: until.source }),
    ...(stoppedAt === undefined ? {} : { stoppedAt }),
    ...(o.signal?.aborted === true ? { interrupted: true } : {}),
  };
  return { report, sweepDir };
}
