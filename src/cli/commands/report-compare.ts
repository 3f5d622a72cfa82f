/** `fleetsim report compare <baseline> <current> [--tolerance 10%]`: a table; exit 1 on a regression. */
import type { RunReport } from '../../report/build.js';
import { compareReports, formatComparison, loadReportFile, parseTolerance } from '../../report/compare.js';
import { InputError } from '../../util/errors.js';
import { ExitCode } from '../exit-codes.js';
import { err, out, reportError } from '../output.js';

export interface CompareArgs {
  baseline: string;
  current: string;
  tolerance: string;
  json: boolean;
}

/** `--tolerance 10%` → percent, or bad input. */
export function resolveTolerance(text: string): number {
  const tol = parseTolerance(text);
  if (tol === undefined) {
    throw new InputError(`--tolerance ${text}: must be a percentage such as 10%`, { issues: [{ path: '--tolerance', message: 'must be a number of percent, 0-1000, e.g. 10%' }] });
  }
  return tol;
}

/** A run, rebuild or merge with --baseline: exit 1 (saying why) when it regressed, else 0. */
export function baselineVerdict(report: RunReport, tolerancePct: number): number {
  const regressions = report.comparison?.regressions ?? 0;
  if (regressions === 0) return ExitCode.Pass;
  err(`fleetsim: ${regressions} regression(s) against the baseline beyond ${tolerancePct}%`);
  return ExitCode.ThresholdsFailed;
}

export async function commandReportCompare(a: CompareArgs): Promise<number> {
  try {
    const tolerancePct = resolveTolerance(a.tolerance);
    const baseline = loadReportFile(a.baseline);
    const current = loadReportFile(a.current);
    const c = compareReports(baseline, current, { tolerancePct, baselineSource: a.baseline });
    out(a.json ? JSON.stringify(c, null, 2) : formatComparison(c));
    return c.regressions > 0 ? ExitCode.ThresholdsFailed : ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  }
}
