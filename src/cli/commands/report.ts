/**
 * `fleetsim report <run-dir>`: rebuild every report file from a run folder's events.jsonl (after a
 * crash, or to re-render); a folder holding shard-i-of-n folders is merged. The other `report`
 * subcommands are report-compare.ts and report-merge.ts; all end through cli/finish-report.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, loadReportFile, mergeShardRuns, rebuildReport } from '../../index.js';
import { reportError, stdoutChalk } from '../output.js';
import { finishReport, resolveFormats, resolveTolerance } from '../finish-report.js';

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
    const tolerancePct = resolveTolerance(opts.tolerance);
    if (!existsSync(runDir)) throw new InputError(`${runDir}: no such folder (give a run folder, e.g. reports/<run-id>)`);
    // read the baseline first: a bad path fails before anything is written
    const baseline = opts.baseline === undefined ? undefined : { report: loadReportFile(opts.baseline), source: opts.baseline, tolerancePct };
    const hasEvents = existsSync(path.join(runDir, 'events.jsonl'));
    const report = hasEvents ? rebuildReport(runDir) : mergeShardRuns([runDir]).report;
    return finishReport(report, {
      dir: runDir,
      formats,
      baseline,
      summary: !opts.quiet,
      color: stdoutChalk(),
      context: { command: hasEvents ? 'rebuild' : 'merge' },
    });
  } catch (e) {
    if (e instanceof InputError) return reportError(e);
    return reportError(new InputError(`cannot rebuild the report: ${(e as Error).message}`, { cause: e }));
  }
}
