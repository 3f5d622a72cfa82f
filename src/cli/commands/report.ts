/**
 * `fleetsim report <run-dir>`: rebuild every report file from a run folder's events.jsonl (after a
 * crash, or to re-render); a folder holding shard-i-of-n folders is merged. The other `report`
 * subcommands are report-compare.ts and report-merge.ts; all end through cli/finish-report.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expandShardDirs, InputError, loadReportFile, mergeShardRuns, rebuildReport } from '../../index.js';
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
    if (!hasEvents) checkIsRun(runDir);
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

/** A folder with neither events.jsonl nor shard-i-of-n folders is not a run: say so, and name runs inside it. */
function checkIsRun(dir: string): void {
  if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: not a folder (give a run folder, e.g. reports/<run-id>)`);
  const isRunOrShards = (d: string): boolean => existsSync(path.join(d, 'events.jsonl')) || expandShardDirs([d])[0] !== path.resolve(d);
  if (isRunOrShards(dir)) return;
  const runs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isRunOrShards(path.join(dir, e.name)))
    .map((e) => path.join(dir, e.name))
    .sort();
  const hint =
    runs.length === 0
      ? 'a run folder is what `fleetsim run` writes, e.g. reports/<run-id>'
      : `it holds ${runs.length} run${runs.length === 1 ? '' : 's'}; the latest: fleetsim report ${runs[runs.length - 1]}`;
  throw new InputError(`${dir} is not a run folder: it has no events.jsonl and no shard-i-of-n folders`, { hint });
}
