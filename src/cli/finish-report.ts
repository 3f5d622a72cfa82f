/**
 * How every report command ends (`run`, `report`, `report merge`, `report compare`): compare with
 * the baseline, write the report files, print the summary, and turn the report into an exit code
 * (cli/exit-codes.ts, the README's table). The rules for the exit code are all in exitCodeFor.
 */
import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import {
  checksFailed,
  compareReports,
  formatComparison,
  formatFailedChecks,
  formatSummary,
  InputError,
  parseReportFormats,
  parseTolerance,
  writeReports,
  type ReportFormat,
  type SummaryOptions,
  type RunReport,
} from '../index.js';
import { ExitCode } from './exit-codes.js';
import { err, out } from './output.js';

/** `--tolerance` when none is given. */
export const DEFAULT_TOLERANCE = '10%';

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

/** `--tolerance 10%` → percent, or bad input. */
export function resolveTolerance(text: string = DEFAULT_TOLERANCE): number {
  const tol = parseTolerance(text);
  if (tol === undefined) {
    throw new InputError(`--tolerance ${text}: must be a percentage such as 10%`, { issues: [{ path: '--tolerance', message: 'must be a number of percent, 0-1000, e.g. 10%' }] });
  }
  return tol;
}

/** What a report is, for its exit code. */
export type ReportContext =
  /** `fleetsim run`: a whole run (shards 1), or one shard of a run */
  | { command: 'run'; shards: number }
  /** `fleetsim report <run-dir>` on one run's events.jsonl: the files are rebuilt; only a baseline can fail it */
  | { command: 'rebuild' }
  /** `fleetsim report merge`, or `fleetsim report <dir>` on a folder of shard folders */
  | { command: 'merge' }
  /** `fleetsim report compare`: only the comparison counts */
  | { command: 'compare' };

export interface Verdict {
  code: number;
  /** why, for stdout */
  out: string[];
  /** why, for stderr */
  err: string[];
}

const verdict = (code: number, why: { out?: string[]; err?: string[] } = {}): Verdict => ({ code, out: why.out ?? [], err: why.err ?? [] });

/** Exit 1 when the comparison with the baseline found a regression. */
function regressionVerdict(report: RunReport, say: boolean): Verdict {
  const c = report.comparison;
  if (c === undefined || c.regressions === 0) return verdict(ExitCode.Pass);
  return verdict(ExitCode.ThresholdsFailed, say ? { err: [`fleetsim: ${c.regressions} regression(s) against the baseline beyond ${c.tolerancePct}%`] } : {});
}

/**
 * The exit code of a finished report, and what to print about it:
 * - 130 a run interrupted by a signal; 3 a run that failed, or a merge of shards one of which did not complete;
 * - 1 a failed threshold or expectation (or a threshold that aborted the run), or a regression against the baseline;
 * - 0 otherwise. One shard of a run is never judged alone (its checks are the merged run's), and a
 *   rebuilt run is judged only against a baseline.
 */
export function exitCodeFor(report: RunReport, ctx: ReportContext): Verdict {
  switch (ctx.command) {
    case 'compare':
      return regressionVerdict(report, false);
    case 'rebuild':
      return regressionVerdict(report, true);
    case 'merge': {
      const failed = checksFailed(report);
      if (report.status !== 'completed') {
        return verdict(failed ? ExitCode.ThresholdsFailed : ExitCode.RunFailed, { err: [`fleetsim: the merged run is ${report.status}: a shard did not complete`] });
      }
      return failed ? verdict(ExitCode.ThresholdsFailed) : regressionVerdict(report, true);
    }
    case 'run': {
      if (report.status === 'interrupted') return verdict(ExitCode.Interrupted);
      if (report.status === 'failed') return verdict(ExitCode.RunFailed);
      if (ctx.shards > 1) {
        const missed = checksFailed(report) || (report.comparison?.regressions ?? 0) > 0;
        return verdict(ExitCode.Pass, missed ? { out: ['fleetsim: this shard alone misses a check; checks are judged on the merged run (fleetsim report merge)'] } : {});
      }
      if (checksFailed(report)) return verdict(ExitCode.ThresholdsFailed, { err: formatFailedChecks(report) });
      return regressionVerdict(report, true);
    }
  }
}

export interface FinishOptions {
  /** the folder the report files go to */
  dir: string;
  formats: readonly ReportFormat[];
  /** compare with this earlier run first (the comparison goes into every report file) */
  baseline?: { report: RunReport; source: string; tolerancePct: number } | undefined;
  /** print the summary (false: --quiet) */
  summary: boolean;
  /** how the summary is laid out (plan already shown, terminal width) */
  summaryOptions?: SummaryOptions;
  color: ChalkInstance;
  /** lines printed just before the list of files written */
  before?: string[];
  /** lines printed just after it */
  after?: string[];
  context: ReportContext;
}

/** Print where each report went, one line per file. */
function printWritten(written: Partial<Record<ReportFormat, string>>): void {
  for (const [format, file] of Object.entries(written)) {
    const rel = path.relative(process.cwd(), file);
    out(`${format === 'json' ? 'report' : format}: ${rel === '' || rel.startsWith('..') ? file : rel}`);
  }
}

/** Compare with the baseline, write the report files, print the summary and the verdict; returns the exit code. */
export function finishReport(report: RunReport, o: FinishOptions): number {
  if (o.baseline !== undefined) report.comparison = compareReports(o.baseline.report, report, { tolerancePct: o.baseline.tolerancePct, baselineSource: o.baseline.source });
  const written = writeReports(o.dir, report, o.formats);
  if (o.summary) out(formatSummary(report, o.color, o.summaryOptions));
  if (report.comparison !== undefined) out(`\n${o.color.bold('Baseline comparison')}\n${formatComparison(report.comparison)}`);
  out('');
  for (const line of o.before ?? []) out(line);
  printWritten(written);
  for (const line of o.after ?? []) out(line);
  const v = exitCodeFor(report, o.context);
  for (const line of v.out) out(line);
  for (const line of v.err) err(line);
  return v.code;
}
