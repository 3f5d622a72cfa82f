/** `fleetsim report merge <dirs…> [--out DIR]`: merge shard folders into one run's reports. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { compareReports, formatComparison, loadReportFile } from '../../report/compare.js';
import { formatSummary, makeChalk } from '../../report/console.js';
import { mergeShardRuns } from '../../report/merge.js';
import { writeReports } from '../../report/write.js';
import { InputError } from '../../util/errors.js';
import { err, out, reportError } from '../output.js';
import { ExitCode } from '../exit-codes.js';
import { baselineVerdict, resolveTolerance } from './report-compare.js';
import { exitCodeOf, printWritten, resolveFormats } from './report.js';

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
    const tolerancePct = resolveTolerance(a.tolerance ?? '10%');
    const baseline = a.baseline === undefined ? undefined : loadReportFile(a.baseline);
    const { report, shards, defaultOutDir } = mergeShardRuns(a.dirs);
    if (baseline !== undefined) report.comparison = compareReports(baseline, report, { tolerancePct, baselineSource: a.baseline });
    const outDir = a.out === undefined ? defaultOutDir : path.resolve(a.out);
    if (outDir === undefined) {
      throw new InputError('the shard folders have no common parent folder: say where the merged reports go with --out DIR');
    }
    mkdirSync(outDir, { recursive: true });
    const written = writeReports(outDir, report, formats);
    if (!a.quiet) out(formatSummary(report, makeChalk(process.stdout.isTTY === true)));
    if (report.comparison !== undefined) out(`\nBaseline comparison\n${formatComparison(report.comparison)}`);
    out('');
    out(`merged ${shards.length} shard${shards.length === 1 ? '' : 's'} of run ${report.runId}: ${report.devices} devices`);
    printWritten(written);
    const code = exitCodeOf(report);
    if (code !== 0 && report.status !== 'completed') err(`fleetsim: the merged run is ${report.status}: a shard did not complete`);
    return code === ExitCode.Pass ? baselineVerdict(report, tolerancePct) : code;
  } catch (e) {
    return reportError(e);
  }
}
