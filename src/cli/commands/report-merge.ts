/** `fleetsim report merge <dirs…> [--out DIR]`: merge shard folders into one run's reports. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { InputError, loadReportFile, mergeShardRuns } from '../../index.js';
import { reportError, stdoutChalk } from '../output.js';
import { finishReport, resolveFormats, resolveTolerance } from '../finish-report.js';

export interface MergeArgs {
  dirs: string[];
  out: string | undefined;
  report: string | undefined;
  quiet: boolean;
  /** a previous run folder or report.json to compare the merged run with */
  baseline?: string | undefined;
  tolerance?: string | undefined;
}

export async function commandReportMerge(a: MergeArgs): Promise<number> {
  try {
    const formats = resolveFormats(a.report);
    const tolerancePct = resolveTolerance(a.tolerance);
    const baseline = a.baseline === undefined ? undefined : { report: loadReportFile(a.baseline), source: a.baseline, tolerancePct };
    const { report, shards, defaultOutDir } = mergeShardRuns(a.dirs);
    const outDir = a.out === undefined ? defaultOutDir : path.resolve(a.out);
    if (outDir === undefined) {
      throw new InputError('the shard folders have no common parent folder: say where the merged reports go with --out DIR');
    }
    mkdirSync(outDir, { recursive: true });
    return finishReport(report, {
      dir: outDir,
      formats,
      baseline,
      summary: !a.quiet,
      color: stdoutChalk(),
      before: [`merged ${shards.length} shard${shards.length === 1 ? '' : 's'} of run ${report.runId}: ${report.devices} devices`],
      context: { command: 'merge' },
    });
  } catch (e) {
    return reportError(e);
  }
}
