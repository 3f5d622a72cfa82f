/** `fleetsim run <scenario>`: live progress, summary, report files, exit code. */
import { loadScenario, targetStarter, describeLoad, runScenario } from '../../index.js';
import { parseShard } from '../../load/split.js';
import { formatProgress, formatSummary, makeChalk } from '../../report/console.js';
import { writeJsonReport } from '../../report/write.js';
import { InputError } from '../../util/errors.js';
import { ExitCode } from '../exit-codes.js';
import { err, out, reportError } from '../output.js';

export interface RunArgs {
  scenario: string;
  workers: number | undefined;
  out: string | undefined;
  shard: string | undefined;
  runId: string | undefined;
  plan: boolean;
  quiet: boolean;
  color: boolean | undefined;
}

export async function commandRun(a: RunArgs): Promise<number> {
  const tty = process.stdout.isTTY === true;
  const c = makeChalk(a.color ?? tty);
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      err(`\n${sig}: stopping devices and writing a partial report (again to quit at once)`);
      abort.abort('interrupted');
    } else {
      process.exit(ExitCode.Interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (a.workers !== undefined && (!Number.isInteger(a.workers) || a.workers < 1)) {
      throw new InputError('--workers must be a positive integer', { issues: [{ path: '--workers', message: 'must be a positive integer' }] });
    }
    let shard: { shard: number; shards: number } | undefined;
    if (a.shard !== undefined) {
      shard = parseShard(a.shard);
      if (shard === undefined) throw new InputError(`--shard ${a.shard}: must be current/all, 1-based, e.g. 2/4`);
    }
    const loaded = await loadScenario(a.scenario);
    const s = loaded.scenario;
    if (a.plan) {
      out(`${a.scenario}: ${s.fleet.devices} devices, template ${s.fleet.templateName}, target ${s.target.type}`);
      out(describeLoad(s.load, s.fleet.devices));
      return ExitCode.Pass;
    }
    const startTarget = targetStarter(loaded);
    if (!a.quiet) out(c.dim(`fleetsim: ${s.name ?? a.scenario}: ${describeLoad(s.load, s.fleet.devices)}`));
    let lastPlain = 0;
    const { report, runDir } = await runScenario({
      loaded,
      startTarget,
      ...(a.workers === undefined ? {} : { workers: a.workers }),
      ...(shard === undefined ? {} : { shard }),
      ...(a.out === undefined ? {} : { outDir: a.out }),
      ...(a.runId === undefined ? {} : { runId: a.runId }),
      signal: abort.signal,
      onProgress: (p) => {
        if (a.quiet) return;
        if (tty) process.stdout.write(`\r\x1b[2K${formatProgress(p, c)}`);
        else if (p.elapsedMs - lastPlain >= 5000) {
          lastPlain = p.elapsedMs;
          out(formatProgress(p, c));
        }
      },
    });
    if (tty && !a.quiet) process.stdout.write('\r\x1b[2K');
    const file = writeJsonReport(runDir, report);
    out(formatSummary(report, c));
    out('');
    out(`report: ${file}`);
    if (report.status === 'interrupted') return ExitCode.Interrupted;
    if (report.status === 'failed') return ExitCode.RunFailed;
    return ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
