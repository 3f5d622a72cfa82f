/**
 * The pre-provisioning hook (aws-fleet-provisioning.md §4.6): a Lambda-style module that exports
 * `async function handler(event)`, called on every RegisterThing of its template with
 * `{claimCertificateId, certificateId, certificatePem, templateArn, clientId, parameters}`.
 * It answers `{allowProvisioning, parameterOverrides}`. A denial, a thrown error, or no answer
 * within the timeout (AWS: 5 s) rejects RegisterThing with 403.
 *
 * Failures are kept the way CloudWatch Logs would show them (error type, message, stack, and the
 * event received, with the certificate PEM shortened), so a report can say why devices were denied.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { LatencyHistogram } from '../../metrics/histogram.js';
import { FleetsimError } from '../../util/errors.js';
import type { Latency } from '../shaping/latency.js';
import { HookLog, type HookFailure } from './hook-log.js';

export interface HookEvent {
  claimCertificateId: string;
  certificateId: string;
  certificatePem: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

export type HookHandler = (event: HookEvent) => unknown;

export type HookOutcome =
  | { allowed: true; parameterOverrides: Record<string, string> }
  | { allowed: false; reason: 'denied' | 'error' | 'timeout'; message: string };

/** AWS's documented Lambda deadline for the hook. */
export const HOOK_TIMEOUT_MS = 5000;

export class HookLoadError extends FleetsimError {
  override name = 'HookLoadError';
  constructor(file: string, why: string, cause?: unknown) {
    super('HOOK_LOAD_FAILED', `pre-provisioning hook ${file}: ${why}`, {
      exitCategory: 'badInput',
      hint: 'a hook is an ES module (or CommonJS) that exports `async function handler(event)`',
      cause,
    });
  }
}

/** Import a hook module (dynamic import) and return its handler. */
export async function loadHookModule(file: string): Promise<HookHandler> {
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
  return handler as HookHandler;
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
  /** milliseconds; `histogram` is the encoded HDR histogram (µs) */
  latency: { count: number; p50: number; p99: number; max: number; histogram: string };
  /** failures (errors, timeouts, unreadable answers) by message */
  errorsByMessage: Record<string, number>;
  recentErrors: HookFailure[];
}

const TIMED_OUT = Symbol('timeout');

export class HookRunner {
  private readonly timeoutMs: number;
  private readonly histogram = new LatencyHistogram();
  private readonly log: HookLog;
  private counts = { invocations: 0, allowed: 0, denied: 0, errors: 0, timeouts: 0 };

  constructor(private readonly o: HookRunnerOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? HOOK_TIMEOUT_MS;
    this.log = new HookLog(o.keepFailures ?? 50);
  }

  /** Call the hook for one RegisterThing. Never throws. */
  async invoke(templateName: string, handler: HookHandler, event: HookEvent): Promise<HookOutcome> {
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
      return { allowed: false, reason: 'error', message: `Pre-provisioning hook failed: ${failure.errorType}: ${failure.errorMessage}` };
    }
    clearTimeout(timer);
    const ms = this.record(started);
    if (answer === TIMED_OUT) {
      this.counts.timeouts++;
      this.log.recordTimeout(templateName, requestId, event, this.timeoutMs);
      return { allowed: false, reason: 'timeout', message: `Pre-provisioning hook did not answer within ${this.timeoutMs / 1000} seconds.` };
    }
    const a = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : undefined;
    if (a === undefined || !isProvisioningAllowed(a.allowProvisioning)) {
      this.counts.denied++;
      if (a === undefined) this.log.recordBadAnswer(templateName, requestId, event, answer, ms);
      return { allowed: false, reason: 'denied', message: 'Pre-provisioning hook denied provisioning (allowProvisioning is not true).' };
    }
    this.counts.allowed++;
    return { allowed: true, parameterOverrides: readParameterOverrides(a.parameterOverrides) };
  }

  stats(): HookStats {
    const s = this.histogram.stats();
    return {
      ...this.counts,
      // the encoded histogram lets a shard merge recompute the percentiles exactly
      latency: { count: s.count, p50: s.p50, p99: s.p99, max: s.max, histogram: this.histogram.encode() },
      errorsByMessage: this.log.countsByMessage(),
      recentErrors: this.log.recent(),
    };
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
