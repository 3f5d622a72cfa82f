/** `fleetsim sweep <scenario> --set path=v1,v2,...`: one run per value, then the sweep table, sweep.json and sweep.html. */
import path from 'node:path';
import { formatSweepTable, makeChalk, runSweepFile, writeSweepReport, type ScenarioOverrides } from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { err, out, reportError } from '../output.js';

export interface SweepArgs {
  scenario: string;
  overrides: ScenarioOverrides;
  until: string | undefined;
  out: string | undefined;
  quiet: boolean;
  color: boolean | undefined;
}

const rel = (p: string) => {
  const r = path.relative(process.cwd(), p);
  return r === '' || r.startsWith('..') ? p : r;
};

export async function commandSweep(a: SweepArgs): Promise<number> {
  const c = makeChalk(a.color ?? process.stdout.isTTY === true, a.color !== undefined);
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(ExitCode.Interrupted);
    err(`\n${sig}: stopping this run; the sweep report covers the runs so far (again to quit at once)`);
    abort.abort('interrupted');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { report, sweepDir } = await runSweepFile({
      file: a.scenario,
      overrides: a.overrides,
      until: a.until,
      outDir: a.out,
      signal: abort.signal,
      onRunStart: (value, i, total) => {
        if (!a.quiet) out(c.dim(`fleetsim sweep: run ${i + 1}/${total}: ${value}`));
      },
      onRunEnd: (row, _report, runDir) => {
        out(`  ${row.value}: ${row.provisioned}/${row.devices} provisioned, ${row.status} → ${rel(runDir)}`);
      },
    });
    const files = writeSweepReport(sweepDir, report);
    out('');
    out(formatSweepTable(report));
    out('');
    out(`sweep: ${rel(files.json)}`);
    out(`html: ${rel(files.html)}`);
    if (report.interrupted === true) return ExitCode.Interrupted;
    // with --until, not finding a value is the answer "none of these", not a failure of the tool
    return ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
