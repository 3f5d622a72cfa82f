/** Writes report files into a run folder. */
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from './types.js';
import { buildReport } from './build.js';
import { readEvents } from './events.js';
import { RunState } from './run-state.js';
import { writeHtmlReport } from './html.js';
import { writeJunitReport } from './junit.js';

export const REPORT_FORMATS = ['html', 'json', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `html,json,junit` (any order, any subset; `all`) → formats, or the unknown names. */
export function parseReportFormats(text: string): { formats: ReportFormat[] } | { unknown: string[] } {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.length === 0 || names.includes('all')) return { formats: [...REPORT_FORMATS] };
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (unknown.length > 0) return { unknown };
  return { formats: REPORT_FORMATS.filter((f) => names.includes(f)) };
}

/** Write the chosen report files into the run folder; returns the paths written, by format. */
export function writeReports(runDir: string, report: RunReport, formats: readonly ReportFormat[] = REPORT_FORMATS): Partial<Record<ReportFormat, string>> {
  const out: Partial<Record<ReportFormat, string>> = {};
  if (formats.includes('json')) out.json = writeJsonReport(runDir, report);
  if (formats.includes('junit')) out.junit = writeJunitReport(runDir, report);
  if (formats.includes('html')) out.html = writeHtmlReport(runDir, report);
  return out;
}

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
