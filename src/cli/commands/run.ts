/** `fleetsim run <scenario>`: live progress, summary, report files, exit code. */
import path from 'node:path';
import {
  checkAwsConfirmation,
  describeAwsCreation,
  describeFlow,
  describeLoad,
  formatProgress,
  InputError,
  loadReportFile,
  loadScenario,
  newRunId,
  parseShard,
  runFolder,
  runScenario,
  targetStarter,
  type ScenarioOverrides,
} from '../../index.js';
import { overridesLine } from '../overrides-options.js';
import { commandDryRun } from './dry-run.js';
import { ExitCode } from '../exit-codes.js';
import { finishReport, resolveFormats, resolveTolerance } from '../finish-report.js';
import { err, out, reportError, stdoutChalk } from '../output.js';
import { fleetsimCommand, shownPath as shown } from '../self.js';

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
  /** --set path=value and the shortcuts */
  overrides?: ScenarioOverrides;
}

export async function commandRun(a: RunArgs): Promise<number> {
  const tty = process.stdout.isTTY === true;
  const c = stdoutChalk(a.color);
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
    const tolerancePct = resolveTolerance(a.tolerance);
    const loaded = await loadScenario(a.scenario, process.env, a.overrides);
    const s = loaded.scenario;
    // read the baseline before the run, so a bad path fails at once
    const baseline = a.baseline === undefined || a.plan ? undefined : { report: loadReportFile(a.baseline), source: a.baseline, tolerancePct };
    if (a.plan) {
      out(`${a.scenario}: ${s.fleet.devices} devices, template ${s.fleet.templateName}, target ${s.target.type}`);
      out(describeLoad(s.load, s.fleet.devices));
      for (const note of loaded.notes ?? []) out(`note: ${note}`);
      for (const line of overridesLine(loaded.overrides)) out(line);
      out(describeFlow(s));
      return ExitCode.Pass;
    }
    if (s.flow.claim === 'trusted-user') {
      // the apps call CreateProvisioningClaim through the AWS SDK: its notice about future Node.js versions is not about this run
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    }
    if (a.dryRun === true) return await commandDryRun(loaded, { out: a.out, runId: a.runId, saveCredentials: a.saveCredentials, signal: abort.signal, color: c });
    checkAwsConfirmation(s, { confirm: a.confirm === true });
    const startTarget = targetStarter(loaded);
    if (s.target.type === 'aws') out(`fleetsim: this run creates ${describeAwsCreation(s)}; remove them afterwards with fleetsim cleanup <run-dir>`);
    // one shard of a run: the merge command, and a warning when the shards will not share a run ID
    let runId = a.runId;
    const mergeLines: string[] = [];
    if (shard !== undefined && shard.shards > 1) {
      const idGiven = runId !== undefined;
      runId ??= newRunId();
      const here = shown(runFolder(loaded, { outDir: a.out, runId, shard }));
      if (!idGiven) {
        err(`fleetsim: warning: --shard ${a.shard} without --run-id: this shard writes ${here}, and every other shard picks a run ID of its own.`);
        err(`  Start all ${shard.shards} shards with the same --run-id (e.g. --run-id ${runId}); then merge them with: ${fleetsimCommand()} report merge ${path.dirname(here)}`);
        err(`  To merge shards started without one: ${fleetsimCommand()} report merge ${here} <the other shards' shard-i-of-${shard.shards} folders>`);
        mergeLines.push(`merge: ${fleetsimCommand()} report merge ${here} <the other shards' shard-i-of-${shard.shards} folders>`);
      } else mergeLines.push(`merge, when all ${shard.shards} shards are done: ${fleetsimCommand()} report merge ${path.dirname(here)}`);
    }
    if (!a.quiet) out(c.dim(`fleetsim: ${s.name ?? a.scenario}: ${describeLoad(s.load, s.fleet.devices)}`));
    if (!a.quiet) for (const line of overridesLine(loaded.overrides)) out(c.dim(`fleetsim: ${line}`));
    let lastPlain = 0;
    const { report, runDir } = await runScenario({
      loaded,
      startTarget,
      ...(a.workers === undefined ? {} : { workers: a.workers }),
      ...(shard === undefined ? {} : { shard }),
      ...(a.out === undefined ? {} : { outDir: a.out }),
      ...(runId === undefined ? {} : { runId }),
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
    return finishReport(report, {
      dir: runDir,
      formats,
      baseline,
      summary: true,
      summaryOptions: { planShown: !a.quiet, columns: tty ? process.stdout.columns : undefined },
      color: c,
      after: [...mergeLines, ...(a.saveCredentials === undefined ? [] : [`credentials: ${a.saveCredentials} (issued certificates and private keys, mode 0600)`])],
      context: { command: 'run', shards: shard?.shards ?? 1 },
    });
  } catch (e) {
    return reportError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
