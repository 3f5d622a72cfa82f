import { rebuildReport, writeJsonReport } from '../../report/write.js';
import { formatSummary, makeChalk } from '../../report/console.js';
import { ExitCode } from '../exit-codes.js';
import { err, out } from '../output.js';

export async function commandReport(runDir: string, opts: { quiet: boolean }): Promise<number> {
  try {
    const report = rebuildReport(runDir);
    const file = writeJsonReport(runDir, report);
    if (!opts.quiet) out(formatSummary(report, makeChalk(process.stdout.isTTY === true)));
    out(`report: ${file}`);
    return ExitCode.Pass;
  } catch (e) {
    err(`fleetsim: cannot rebuild the report: ${(e as Error).message}`);
    return ExitCode.BadInput;
  }
}
