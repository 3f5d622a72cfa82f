/**
 * Runs a scenario from the library (scenarios/*.yaml) through the real CLI in a shortened form:
 * the YAML is loaded, shrunk by the test (fewer devices, shorter stages, smaller quotas), written
 * to a temp workspace with the templates and hooks beside it, and run.
 */
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { RunReport } from '../../src/report/types.js';
import type { RunEvent } from '../../src/report/events.js';
import { runScenarioFile } from '../../src/index.js';
import { makeWorkspace, runCli, type CliResult } from './cli.js';
import { REPO_ROOT } from './emulator.js';

/** A scenario document as YAML gives it; the test edits it freely. */
export type ScenarioDoc = any;

export interface LibraryRun extends CliResult {
  report: RunReport;
  events: RunEvent[];
  runDir: string;
}

export function readLibraryScenario(name: string): ScenarioDoc {
  return YAML.parse(readFileSync(path.join(REPO_ROOT, 'scenarios', `${name}.yaml`), 'utf8'));
}

/** Shrink and run `scenarios/<name>.yaml`; resolves with the CLI result, report.json and events. */
export async function runLibraryScenario(
  name: string,
  shrink: (doc: ScenarioDoc) => void,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<LibraryRun> {
  const doc = readLibraryScenario(name);
  shrink(doc);
  const ws = makeWorkspace({ [`scenarios/${name}.yaml`]: YAML.stringify(doc) });
  cpSync(path.join(REPO_ROOT, 'scenarios', 'hooks'), path.join(ws, 'scenarios', 'hooks'), { recursive: true });
  const r = await runCli(['run', `scenarios/${name}.yaml`, '--out', 'out', '--quiet', '--workers', '1'], { cwd: ws, timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.env === undefined ? {} : { env: opts.env }) });
  const out = path.join(ws, 'out');
  let dirs: string[] = [];
  try {
    dirs = readdirSync(out);
  } catch {
    throw new Error(`${name}: no run folder (exit ${r.code})\n${r.stdout}\n${r.stderr}`);
  }
  const runDir = path.join(out, dirs[0] as string);
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as RunReport;
  const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RunEvent);
  return { ...r, report, events, runDir };
}

/** The same, in process through the library API (no CLI subprocess): for the analysis checks. */
export async function runLibraryInProcess(name: string, shrink: (doc: ScenarioDoc) => void): Promise<{ report: RunReport; runDir: string }> {
  const doc = readLibraryScenario(name);
  shrink(doc);
  const ws = makeWorkspace({ [`scenarios/${name}.yaml`]: YAML.stringify(doc) });
  cpSync(path.join(REPO_ROOT, 'scenarios', 'hooks'), path.join(ws, 'scenarios', 'hooks'), { recursive: true });
  return runScenarioFile(path.join(ws, 'scenarios', `${name}.yaml`), { workers: 1, outDir: path.join(ws, 'out') });
}
