/** Writes report files into a run folder. */
import { writeFileSync, existsSync, renameSync, unlinkSync } from 'node:fs';
import { RunError } from '../util/errors.js';
import { describeWriteErrno } from '../util/out-dir.js';
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

/** Some report files could not be written (a full disk, EIO); the others were. Exit 3. */
export class ReportWriteError extends RunError {
  override name = 'ReportWriteError';
  constructor(
    readonly written: Partial<Record<ReportFormat, string>>,
    readonly failures: Array<{ format: ReportFormat; file: string; code: string; description: string }>,
  ) {
    super(
      'REPORT_WRITE_FAILED',
      failures.map((f) => `cannot write ${f.file}: ${f.description}`).join('; '),
      { hint: 'free some space (or fix the disk), then `fleetsim report <run-dir>` rebuilds every report from events.jsonl' },
    );
  }
}

const FILE_OF: Record<ReportFormat, string> = { json: 'report.json', junit: 'junit.xml', html: 'report.html' };

/**
 * Write the chosen report files into the run folder; returns the paths written, by format.
 * Each is tried even when another fails; any failure is one ReportWriteError at the end.
 */
export function writeReports(runDir: string, report: RunReport, formats: readonly ReportFormat[] = REPORT_FORMATS): Partial<Record<ReportFormat, string>> {
  const out: Partial<Record<ReportFormat, string>> = {};
  const failures: ReportWriteError['failures'] = [];
  const writers: Record<ReportFormat, () => string> = {
    json: () => writeJsonReport(runDir, report),
    junit: () => writeJunitReport(runDir, report),
    html: () => writeHtmlReport(runDir, report),
  };
  for (const format of (['json', 'junit', 'html'] as const).filter((f) => formats.includes(f))) {
    try {
      out[format] = writers[format]();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code !== 'string' || !code.startsWith('E')) throw err; // not a file-system error: a bug, shown as one
      failures.push({ format, file: path.join(runDir, FILE_OF[format]), code, description: describeWriteErrno(code) });
    }
  }
  if (failures.length > 0) throw new ReportWriteError(out, failures);
  return out;
}

/** report.json goes to a temporary file first: on a full disk it is whole or absent, never cut short. */
export function writeJsonReport(runDir: string, report: RunReport): string {
  const file = path.join(runDir, 'report.json');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to remove */
    }
    throw err;
  }
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
