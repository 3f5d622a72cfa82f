/** `fleetsim run <scenario>`: live progress, summary, report files, exit code. */
import { loadScenario, targetStarter, describeLoad, runScenario, checkAwsConfirmation, describeAwsCreation } from '../../index.js';
import { commandDryRun } from './dry-run.js';
import { parseShard } from '../../load/split.js';
import { formatProgress, formatSummary, makeChalk } from '../../report/console.js';
import { checksFailed, formatFailedChecks } from '../../report/console-analysis.js';
import { writeReports } from '../../report/write.js';
import { compareReports, formatComparison, loadReportFile } from '../../report/compare.js';
import { printWritten, resolveFormats } from './report.js';
import { baselineVerdict, resolveTolerance } from './report-compare.js';
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
  /** allow more than 100 devices against AWS */
  confirm?: boolean;
  /** one device through the flow, step by step */
  dryRun?: boolean;
  /** write issued certificates and keys here (0600) */
  saveCredentials?: string | undefined;
  /** report formats, e.g. `html,json,junit` (default: all) */
  report?: string | undefined;
  /** a previous run folder or report.json to compare with */
  baseline?: string | undefined;
  /** regression tolerance for --baseline, e.g. `10%` */
  tolerance?: string | undefined;
}

export async function commandRun(a: RunArgs): Promise<number> {
  const tty = process.stdout.isTTY === true;
  const c = makeChalk(a.color ?? tty, a.color !== undefined);
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
    const formats = resolveFormats(a.report);
    const tolerancePct = resolveTolerance(a.tolerance ?? '10%');
    const loaded = await loadScenario(a.scenario);
    const s = loaded.scenario;
    // read the baseline before the run, so a bad path fails at once
    const baseline = a.baseline === undefined || a.plan ? undefined : loadReportFile(a.baseline);
    if (a.plan) {
      out(`${a.scenario}: ${s.fleet.devices} devices, template ${s.fleet.templateName}, target ${s.target.type}`);
      out(describeLoad(s.load, s.fleet.devices));
      return ExitCode.Pass;
    }
    if (a.dryRun === true) return await commandDryRun(loaded, { out: a.out, runId: a.runId, saveCredentials: a.saveCredentials, signal: abort.signal, color: c });
    checkAwsConfirmation(s, { confirm: a.confirm === true });
    const startTarget = targetStarter(loaded);
    if (s.target.type === 'aws') out(`fleetsim: this run creates ${describeAwsCreation(s)}; remove them afterwards with fleetsim cleanup <run-dir>`);
    if (!a.quiet) out(c.dim(`fleetsim: ${s.name ?? a.scenario}: ${describeLoad(s.load, s.fleet.devices)}`));
    let lastPlain = 0;
    const { report, runDir } = await runScenario({
      loaded,
      startTarget,
      ...(a.workers === undefined ? {} : { workers: a.workers }),
      ...(shard === undefined ? {} : { shard }),
      ...(a.out === undefined ? {} : { outDir: a.out }),
      ...(a.runId === undefined ? {} : { runId: a.runId }),
      ...(a.saveCredentials === undefined ? {} : { saveCredentialsDir: a.saveCredentials }),
      signal: abort.signal,
      onStop: (d) => {
        if (!a.quiet) out(`${tty ? '\r\x1b[2K' : ''}fleetsim: ${d.detail}; stopping`);
      },
      onProgress: (p) => {
        if (a.quiet) return;
        if (tty) process.stdout.write(`\r\x1b[2K${formatProgress(p, c, process.stdout.columns)}`);
        else if (p.elapsedMs - lastPlain >= 5000) {
          lastPlain = p.elapsedMs;
          out(formatProgress(p, c));
        }
      },
    });
    if (tty && !a.quiet) process.stdout.write('\r\x1b[2K');
    if (baseline !== undefined) report.comparison = compareReports(baseline, report, { tolerancePct, baselineSource: a.baseline });
    const written = writeReports(runDir, report, formats);
    out(formatSummary(report, c, { planShown: !a.quiet, columns: tty ? process.stdout.columns : undefined }));
    if (report.comparison !== undefined) out(`\n${c.bold('Baseline comparison')}\n${formatComparison(report.comparison)}`);
    out('');
    printWritten(written);
    if (a.saveCredentials !== undefined) out(`credentials: ${a.saveCredentials} (issued certificates and private keys, mode 0600)`);
    if (report.status === 'interrupted') return ExitCode.Interrupted;
    if (report.status === 'failed') return ExitCode.RunFailed;
    if (shard !== undefined && shard.shards > 1) {
      // one shard holds a share of the data: thresholds, expectations and baselines are judged on the merge
      if (checksFailed(report) || (report.comparison?.regressions ?? 0) > 0) {
        out('fleetsim: this shard alone misses a check; checks are judged on the merged run (fleetsim report merge)');
      }
      return ExitCode.Pass;
    }
    if (checksFailed(report)) {
      for (const line of formatFailedChecks(report)) err(line);
      return ExitCode.ThresholdsFailed;
    }
    return baselineVerdict(report, tolerancePct);
  } catch (e) {
    return reportError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
