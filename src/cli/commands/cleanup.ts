/** `fleetsim cleanup <run-dir>`: delete the things and certificates one run created. */
import {
  createIotClient,
  DEFAULT_CLEANUP_RATE,
  InputError,
  loadCleanupPlan,
  pendingWork,
  regionOfEndpoint,
  runCleanup,
  type CleanupPlan,
  type CleanupProgress,
} from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { err, out, reportError, stdoutChalk } from '../output.js';

export interface CleanupArgs {
  runDir: string;
  dryRun: boolean;
  region: string | undefined;
  endpoint: string | undefined;
  rate: number | undefined;
  concurrency: number | undefined;
  color: boolean | undefined;
}

const POLICY_NOTE = 'policies are left in place: the template attaches the same policies to every device, so they are shared';

function formatBar(p: CleanupProgress, width = 30): string {
  const share = p.total === 0 ? 1 : p.done / p.total;
  const filled = Math.round(share * width);
  const rate = p.elapsedMs > 0 ? (p.requests / p.elapsedMs) * 1000 : 0;
  return `${p.phase.padEnd(12)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}  ${rate.toFixed(1)} req/s  throttled ${p.throttled}${p.failed > 0 ? `  failed ${p.failed}` : ''}`;
}

function printDryRun(plan: CleanupPlan, where: string): void {
  const pending = pendingWork(plan);
  out(`dry run: cleanup of run ${plan.runId} on ${where} would delete ${pending.things.length} things and ${pending.certificates.length} certificates`);
  out('  (each thing: detach its certificates, delete it; each certificate: detach its policies, set INACTIVE, delete it)');
  for (const t of pending.things) out(`  thing        ${t}`);
  for (const c of pending.certificates) out(`  certificate  ${c}`);
  const skipped = plan.things.length - pending.things.length + plan.certificates.length - pending.certificates.length;
  if (skipped > 0) out(`  ${skipped} more are already gone (cleanup.json)`);
  out(`  ${POLICY_NOTE}`);
}

function checkNumber(v: number | undefined, flag: string): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new InputError(`${flag} must be a number > 0`, { issues: [{ path: flag, message: 'must be a number > 0' }] });
}

export async function commandCleanup(a: CleanupArgs): Promise<number> {
  const tty = process.stdout.isTTY === true;
  const c = stdoutChalk(a.color);
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(ExitCode.Interrupted);
    err(`\n${sig}: finishing the calls in flight and saving cleanup.json (again to quit at once)`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    checkNumber(a.rate, '--rate');
    checkNumber(a.concurrency, '--concurrency');
    const plan = loadCleanupPlan(a.runDir);
    const t = plan.target;
    if (t.type === 'emulator' && a.endpoint === undefined) {
      out(`run ${plan.runId} used the embedded emulator: its registry ended with the run, so nothing is left to clean up (${plan.things.length} things, ${plan.certificates.length} certificates were created there).`);
      out('To clean up a standalone emulator, give its control-plane URL with --endpoint.');
      return ExitCode.Pass;
    }
    const endpoint = a.endpoint ?? t.controlPlaneUrl;
    const region = a.region ?? t.region ?? (t.endpoint === undefined ? undefined : regionOfEndpoint(t.endpoint));
    const where = endpoint ?? (region === undefined ? 'AWS (region from the AWS SDK chain)' : `AWS ${region}`);
    if (a.dryRun) {
      printDryRun(plan, where);
      return ExitCode.Pass;
    }
    const pending = pendingWork(plan);
    if (pending.things.length === 0 && pending.certificates.length === 0) {
      out(`nothing to do: the ${plan.things.length} things and ${plan.certificates.length} certificates of run ${plan.runId} are already gone (${plan.runDir}/cleanup.json)`);
      return ExitCode.Pass;
    }
    // the SDK's notice about future Node.js versions is not about this cleanup
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const iot = await createIotClient({ ...(region === undefined ? {} : { region }), ...(endpoint === undefined ? {} : { endpoint }) });
    const rate = a.rate ?? DEFAULT_CLEANUP_RATE;
    out(`cleanup of run ${plan.runId} on ${endpoint ?? `AWS ${iot.region}`}: ${pending.things.length} things, ${pending.certificates.length} certificates, at most ${rate} calls/s per API`);
    let lastLine = 0;
    let lastPhase = '';
    let result;
    try {
      result = await runCleanup({
        plan,
        client: iot.client,
        targetLabel: endpoint ?? iot.region,
        rate,
        ...(a.concurrency === undefined ? {} : { concurrency: a.concurrency }),
        signal: abort.signal,
        onProgress: (p) => {
          const now = performance.now();
          if (tty) {
            if (p.phase !== lastPhase && lastPhase !== '') process.stdout.write('\n');
            if (now - lastLine > 100 || p.done === p.total) process.stdout.write(`\r\x1b[2K${formatBar(p)}`);
          } else if (p.phase !== lastPhase || now - lastLine > 5000 || p.done === p.total) out(formatBar(p));
          else return;
          lastLine = now;
          lastPhase = p.phase;
        },
      });
    } finally {
      iot.client.destroy();
      if (tty) process.stdout.write('\n');
    }
    const r = result;
    out(
      `${r.status === 'completed' ? c.green('done') : r.status === 'interrupted' ? c.yellow('interrupted') : c.red('incomplete')}: ` +
        `things ${r.deleted.things} deleted, ${r.alreadyGone.things} already gone; certificates ${r.deleted.certificates} deleted, ${r.alreadyGone.certificates} already gone` +
        `${r.skipped.things + r.skipped.certificates > 0 ? `; ${r.skipped.things + r.skipped.certificates} done by an earlier cleanup` : ''}`,
    );
    out(`  ${r.requests} calls in ${(r.durationMs / 1000).toFixed(1)} s, ${r.throttled} throttled, ${r.retries} retried`);
    const detached = Object.entries(r.policiesDetached);
    if (detached.length > 0) out(`  detached policies ${detached.map(([n, k]) => `${n} (${k})`).join(', ')}; ${POLICY_NOTE}`);
    for (const f of r.failed.slice(0, 10)) err(`  failed: ${f.resource}: ${f.message}`);
    if (r.failed.length > 10) err(`  … and ${r.failed.length - 10} more`);
    out(`progress: ${plan.runDir}/cleanup.json`);
    if (r.status === 'interrupted') {
      out('run the same command again to continue');
      return ExitCode.Interrupted;
    }
    return r.status === 'completed' ? ExitCode.Pass : ExitCode.RunFailed;
  } catch (e) {
    return reportError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
