/**
 * `fleetsim report <run-dir>`: rebuild every report file from a run folder's events.jsonl (after a
 * crash, or to re-render); a folder holding shard-i-of-n folders is merged. Also the shared
 * helpers of the `report` subcommands (compare: report-compare.ts, merge: report-merge.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from '../../report/build.js';
import { compareReports, formatComparison, loadReportFile } from '../../report/compare.js';
import { checksFailed } from '../../report/console-analysis.js';
import { formatSummary, makeChalk } from '../../report/console.js';
import { mergeShardRuns } from '../../report/merge.js';
import { parseReportFormats, rebuildReport, writeReports, type ReportFormat } from '../../report/write.js';
import { InputError } from '../../util/errors.js';
import { ExitCode } from '../exit-codes.js';
import { out, reportError } from '../output.js';
import { baselineVerdict, resolveTolerance } from './report-compare.js';

/** `--report html,json,junit` → formats (default: all three); unknown names are bad input. */
export function resolveFormats(text: string | undefined): ReportFormat[] {
  const parsed = parseReportFormats(text ?? 'all');
  if ('unknown' in parsed) {
    throw new InputError(`--report ${text}: unknown format${parsed.unknown.length === 1 ? '' : 's'} ${parsed.unknown.join(', ')}`, {
      issues: [{ path: '--report', message: 'must be a comma-separated list of html, json, junit (or all)' }],
    });
  }
  return parsed.formats;
}

/** Print where each report went, one line per file. */
export function printWritten(written: Partial<Record<ReportFormat, string>>): void {
  for (const [format, file] of Object.entries(written)) {
    const rel = path.relative(process.cwd(), file);
    out(`${format === 'json' ? 'report' : format}: ${rel === '' || rel.startsWith('..') ? file : rel}`);
  }
}

/** Exit code of a finished (rebuilt or merged) report: 1 for a failed check, 3 for a run that did not complete. */
export function exitCodeOf(report: RunReport): number {
  if (checksFailed(report)) return ExitCode.ThresholdsFailed;
  if (report.status !== 'completed') return ExitCode.RunFailed;
  return ExitCode.Pass;
}

export interface RebuildArgs {
  quiet: boolean;
  report?: string | undefined;
  /** a previous run folder or report.json to compare the rebuilt run with */
  baseline?: string | undefined;
  tolerance?: string | undefined;
}

export async function commandReport(runDir: string, opts: RebuildArgs): Promise<number> {
  try {
    const formats = resolveFormats(opts.report);
    const tolerancePct = resolveTolerance(opts.tolerance ?? '10%');
    if (!existsSync(runDir)) throw new InputError(`${runDir}: no such folder (give a run folder, e.g. reports/<run-id>)`);
    // read the baseline first: a bad path fails before anything is written
    const baseline = opts.baseline === undefined ? undefined : loadReportFile(opts.baseline);
    const hasEvents = existsSync(path.join(runDir, 'events.jsonl'));
    const report = hasEvents ? rebuildReport(runDir) : mergeShardRuns([runDir]).report;
    if (baseline !== undefined) report.comparison = compareReports(baseline, report, { tolerancePct, baselineSource: opts.baseline });
    const written = writeReports(runDir, report, formats);
    if (!opts.quiet) out(formatSummary(report, makeChalk(process.stdout.isTTY === true)));
    if (report.comparison !== undefined) out(`\nBaseline comparison\n${formatComparison(report.comparison)}`);
    printWritten(written);
    const code = hasEvents ? ExitCode.Pass : exitCodeOf(report);
    return code === ExitCode.Pass ? baselineVerdict(report, tolerancePct) : code;
  } catch (e) {
    if (e instanceof InputError) return reportError(e);
    return reportError(new InputError(`cannot rebuild the report: ${(e as Error).message}`, { cause: e }));
  }
}
