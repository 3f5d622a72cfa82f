/**
 * The pre-provisioning hook (aws-fleet-provisioning.md §4.6, src/protocol/hook.ts), called on every
 * RegisterThing of its template with `{claimCertificateId, certificateId, certificatePem,
 * templateArn, clientId, parameters}`; it answers `{allowProvisioning, parameterOverrides}`. A
 * denial, an error, no answer within the timeout (AWS: 5 s) or a throttled invocation rejects
 * RegisterThing with 403.
 *
 * The hook is a LambdaFunction (environments.ts: Python or Node.js handlers in warm execution
 * environments, with CloudWatch-style log streams), or, for tests, a function called in process.
 * Failures are kept the way CloudWatch Logs would show them (error type, message, stack, the
 * event received with the certificate PEM shortened, and the log file), so a report can say why
 * devices were denied.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { LatencyHistogram } from '../../metrics/histogram.js';
import { FleetsimError } from '../../util/errors.js';
import type { Latency } from '../shaping/latency.js';
import { HOOK_TIMEOUT, hookFailureMessage } from '../../protocol/hook.js';
import { HookLog, type HookErrorSummary, type HookFailure } from './hook-log.js';
import type { FunctionStats, LambdaFunction } from './environments.js';

export interface HookEvent {
  claimCertificateId: string;
  certificateId: string;
  certificatePem: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

/** A handler called in this process (tests, and hooks loaded with loadHookModule). */
export type InProcessHandler = (event: HookEvent) => unknown;

/** A hook: a Lambda function run in execution environments, or (tests) a function called in process. */
export type HookHandler = InProcessHandler | LambdaFunction;

export type HookOutcome =
  | { allowed: true; parameterOverrides: Record<string, string> }
  | { allowed: false; reason: 'denied' | 'error' | 'timeout' | 'throttled'; message: string; errorType?: string };

/** AWS's documented deadline for the hook (src/protocol/hook.ts). */
export const HOOK_TIMEOUT_MS = HOOK_TIMEOUT.value;

export class HookLoadError extends FleetsimError {
  override name = 'HookLoadError';
  constructor(file: string, why: string, cause?: unknown) {
    super('HOOK_LOAD_FAILED', `pre-provisioning hook ${file}: ${why}`, {
      exitCategory: 'badInput',
      hint: 'a hook is a Python file with lambda_handler(event, context), or a Node.js module exporting handler(event, context); see docs/hooks.md',
      cause,
    });
  }
}

/** Import a hook module (dynamic import) and return its handler. */
export async function loadHookModule(file: string): Promise<InProcessHandler> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ERR_MODULE_NOT_FOUND' ? 'file not found' : `could not be loaded: ${(err as Error).message}`;
    throw new HookLoadError(file, why, err);
  }
  const handler = mod.handler ?? (mod.default as Record<string, unknown> | undefined)?.handler;
  if (typeof handler !== 'function') throw new HookLoadError(file, 'does not export a function named handler');
  return handler as InProcessHandler;
}

/** `allowProvisioning` as AWS reportedly accepts it: true, "true" (any case) or 1. Anything else denies. */
export function isProvisioningAllowed(value: unknown): boolean {
  return value === true || value === 1 || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

/** `parameterOverrides` as a string map: strings, numbers and booleans are kept (as strings), the rest ignored. */
export function readParameterOverrides(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

export interface HookRunnerOptions {
  timeoutMs?: number;
  latency?: Latency;
  /** how many recent failures to keep (default 50) */
  keepFailures?: number;
}

export interface HookStats {
  invocations: number;
  allowed: number;
  denied: number;
  errors: number;
  timeouts: number;
  /** invocations refused because reservedConcurrency was reached (TooManyRequestsException) */
  throttles: number;
  /** invocations that started a new execution environment */
  coldStarts: number;
  /** the whole call as RegisterThing waits for it, ms; `histogram` is the encoded HDR histogram (µs) */
  latency: { count: number; p50: number; p99: number; max: number; histogram: string };
  /** the invoke phase as the REPORT line gives it (Duration), ms */
  duration?: { count: number; p50: number; p99: number; max: number; histogram: string };
  /** Init Duration of new environments, ms */
  init?: { count: number; p50: number; p99: number; max: number; histogram: string };
  /** failures (errors, timeouts, unreadable answers) by message */
  errorsByMessage: Record<string, number>;
  /** failures by errorType: count, the first message and the log file that holds it */
  errorsByType: Record<string, HookErrorSummary>;
  /** invocations that waited for a free environment (maxEnvironments reached: our wait, not AWS's) */
  waitedForCap: number;
  /** per template: its function's runtime, handler and environments */
  functions?: Record<string, FunctionStats>;
  recentErrors: HookFailure[];
}

const TIMED_OUT = Symbol('timeout');

export class HookRunner {
  private readonly timeoutMs: number;
  private readonly histogram = new LatencyHistogram();
  private readonly durations = new LatencyHistogram();
  private readonly inits = new LatencyHistogram();
  private readonly log: HookLog;
  private readonly functions = new Map<string, LambdaFunction>();
  private counts = { invocations: 0, allowed: 0, denied: 0, errors: 0, timeouts: 0, throttles: 0, coldStarts: 0, waitedForCap: 0 };

  constructor(private readonly o: HookRunnerOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? HOOK_TIMEOUT_MS;
    this.log = new HookLog(o.keepFailures ?? 50);
  }

  /** Call the hook for one RegisterThing. Never throws. */
  async invoke(templateName: string, handler: HookHandler, event: HookEvent): Promise<HookOutcome> {
    if (typeof handler !== 'function') return this.invokeFunction(templateName, handler, event);
    this.counts.invocations++;
    const requestId = randomUUID();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.timeoutMs);
    });
    const call = (async () => {
      await this.o.latency?.wait('hook');
      return handler(structuredClone(event));
    })();
    call.catch(() => {}); // a late rejection after the deadline must not become unhandled
    let answer: unknown;
    try {
      answer = await Promise.race([call, deadline]);
    } catch (err) {
      clearTimeout(timer);
      const ms = this.record(started);
      this.counts.errors++;
      const failure = this.log.recordError(templateName, requestId, event, err, ms);
      return { allowed: false, reason: 'error', errorType: failure.errorType, message: hookFailureMessage(failure.errorType, failure.errorMessage) };
    }
    clearTimeout(timer);
    const ms = this.record(started);
    if (answer === TIMED_OUT) {
      this.counts.timeouts++;
      const f = this.log.recordTimeout(templateName, requestId, event, this.timeoutMs);
      return { allowed: false, reason: 'timeout', errorType: f.errorType, message: hookFailureMessage(f.errorType, f.errorMessage) };
    }
    return this.answer(templateName, requestId, event, answer, ms);
  }

  /** Remember a template's Lambda function, so its environments show in the stats. */
  register(templateName: string, fn: LambdaFunction): void {
    this.functions.set(templateName, fn);
  }

  private async invokeFunction(templateName: string, fn: LambdaFunction, event: HookEvent): Promise<HookOutcome> {
    this.counts.invocations++;
    if (!this.functions.has(templateName)) this.functions.set(templateName, fn);
    const requestId = randomUUID();
    const started = performance.now();
    const timeoutMs = fn.spec.timeoutMs ?? this.timeoutMs;
    await this.o.latency?.wait('hook');
    const left = timeoutMs - (performance.now() - started);
    const r = await fn.invoke(structuredClone(event), requestId, left);
    const ms = this.record(started);
    if (r.waitedForCap) this.counts.waitedForCap++;
    if (r.initMs !== undefined) {
      this.counts.coldStarts++;
      this.inits.recordMillis(r.initMs);
    }
    if (r.status !== 'throttled' && r.durationMs > 0) this.durations.recordMillis(r.durationMs);
    if (r.status === 'ok') return this.answer(templateName, requestId, event, r.payload, ms, r.log, r.logFile);
    const errorType = r.errorType ?? 'Error';
    const errorMessage = r.errorMessage ?? '';
    const kind = r.status === 'timeout' ? 'timeout' : r.status === 'throttled' ? 'throttled' : 'error';
    if (kind === 'timeout') this.counts.timeouts++;
    else if (kind === 'throttled') this.counts.throttles++;
    else this.counts.errors++;
    this.log.recordLambda(templateName, requestId, event, { kind, errorType, errorMessage, stack: (r.stackTrace ?? []).slice(0, 8), durationMs: r.durationMs, log: r.log, logFile: r.logFile });
    return { allowed: false, reason: kind, errorType, message: hookFailureMessage(errorType, errorMessage) };
  }

  private answer(templateName: string, requestId: string, event: HookEvent, answer: unknown, ms: number, log?: string[], logFile?: string): HookOutcome {
    const a = typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? (answer as Record<string, unknown>) : undefined;
    if (a === undefined || !isProvisioningAllowed(a.allowProvisioning)) {
      this.counts.denied++;
      if (a === undefined) {
        if (log === undefined) this.log.recordBadAnswer(templateName, requestId, event, answer, ms);
        else {
          const errorMessage = `handler returned ${answer === undefined || answer === null ? 'null' : JSON.stringify(answer).slice(0, 200)}, not {allowProvisioning, parameterOverrides}`;
          this.log.recordLambda(templateName, requestId, event, { kind: 'bad-answer', errorType: 'InvalidResponse', errorMessage, stack: [], durationMs: ms, log, logFile });
        }
      }
      return { allowed: false, reason: 'denied', message: 'Pre-provisioning hook denied provisioning (allowProvisioning is not true).' };
    }
    this.counts.allowed++;
    return { allowed: true, parameterOverrides: readParameterOverrides(a.parameterOverrides) };
  }

  stats(): HookStats {
    const s = this.histogram.stats();
    const out: HookStats = {
      ...this.counts,
      // the encoded histogram lets a shard merge recompute the percentiles exactly
      latency: { count: s.count, p50: s.p50, p99: s.p99, max: s.max, histogram: this.histogram.encode() },
      errorsByMessage: this.log.countsByMessage(),
      errorsByType: this.log.errorsByType(),
      recentErrors: this.log.recent(),
    };
    if (this.functions.size > 0) {
      const d = this.durations.stats();
      const i = this.inits.stats();
      out.duration = { count: d.count, p50: d.p50, p99: d.p99, max: d.max, histogram: this.durations.encode() };
      out.init = { count: i.count, p50: i.p50, p99: i.p99, max: i.max, histogram: this.inits.encode() };
      out.functions = Object.fromEntries([...this.functions].map(([name, fn]) => [name, fn.stats()]));
    }
    return out;
  }

  /** The hook latency histogram, encoded (µs), for merging into reports. */
  encodedHistogram(): string {
    return this.histogram.encode();
  }

  private record(started: number): number {
    const ms = performance.now() - started;
    this.histogram.recordMillis(ms);
    return ms;
  }
}
