/** `fleetsim report compare <baseline> <current> [--tolerance 10%]`: a table; exit 1 on a regression. */
import { compareReports, formatComparison, loadReportFile } from '../../index.js';
import { out, reportError } from '../output.js';
import { exitCodeFor, resolveTolerance } from '../finish-report.js';

export interface CompareArgs {
  baseline: string;
  current: string;
  tolerance: string;
  json: boolean;
}

export async function commandReportCompare(a: CompareArgs): Promise<number> {
  try {
    const tolerancePct = resolveTolerance(a.tolerance);
    const baseline = loadReportFile(a.baseline);
    const current = loadReportFile(a.current);
    const c = compareReports(baseline, current, { tolerancePct, baselineSource: a.baseline });
    out(a.json ? JSON.stringify(c, null, 2) : formatComparison(c));
    return exitCodeFor({ ...current, comparison: c }, { command: 'compare' }).code;
  } catch (e) {
    return reportError(e);
  }
}
