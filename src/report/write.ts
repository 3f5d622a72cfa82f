/** Writes report files into a run folder. */
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from './build.js';
import { buildReport } from './build.js';
import { readEvents } from './events.js';
import { RunState } from './run-state.js';

export function writeJsonReport(runDir: string, report: RunReport): string {
  const file = path.join(runDir, 'report.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Rebuild a run's report from its events.jsonl (after a crash, or to re-render). */
export function rebuildReport(runDir: string): RunReport {
  const file = path.join(runDir, 'events.jsonl');
  if (!existsSync(file)) throw Object.assign(new Error(`${runDir}: no events.jsonl (is this a fleetsim run folder?)`), { code: 'ENOENT' });
  const state = new RunState();
  for (const e of readEvents(file)) state.apply(e);
  return buildReport(state);
}
