/**
 * The pre-provisioning hook's failures, kept as CloudWatch Logs would show a Lambda's: a bounded
 * list of the most recent ones (with the event the hook received, certificate PEM shortened) and
 * counts by error message. Never holds a private key: the hook event has none.
 */
import type { HookEvent } from './hook-runner.js';

export interface HookFailure {
  timestamp: string;
  requestId: string;
  templateName: string;
  kind: 'error' | 'timeout' | 'bad-answer' | 'throttled';
  errorType: string;
  errorMessage: string;
  /** the first lines of the stack, as the Lambda runtime logs them */
  stack: string[];
  durationMs: number;
  /** the event the hook received, certificatePem shortened */
  event: HookEvent;
  /** the log lines a Lambda would write for this invocation */
  log: string[];
  /** the log stream file holding this invocation (relative to the run folder for runs) */
  logFile?: string;
}

/** The first failure of each errorType, and how often it happened. */
export interface HookErrorSummary {
  count: number;
  firstMessage: string;
  firstAt: string;
  logFile?: string;
  /** the log line that names the error, e.g. `[ERROR] KeyError: 'device_serial'` */
  logLine?: string;
}

/** Distinct messages counted before the rest go under "(other)". */
const MAX_DISTINCT_MESSAGES = 100;
const STACK_LINES = 6;

/** `-----BEGIN CERTIFICATE-----\nMIIB…` plus its length: enough to recognise, short enough to log. */
export function shortenPem(pem: string): string {
  if (pem.length <= 80) return pem;
  return `${pem.slice(0, 64)}…(${pem.length} chars)`;
}

export class HookLog {
  private readonly failures: HookFailure[] = [];
  private readonly byMessage = new Map<string, number>();
  private readonly byType = new Map<string, HookErrorSummary>();

  constructor(private readonly keep: number) {}

  recordError(templateName: string, requestId: string, event: HookEvent, err: unknown, durationMs: number): HookFailure {
    const e = err instanceof Error ? err : undefined;
    const errorType = e?.name ?? typeof err;
    const errorMessage = e?.message ?? String(err);
    const stack = (e?.stack ?? '').split('\n').slice(0, STACK_LINES).map((l) => l.trimEnd());
    const json = JSON.stringify({ errorType, errorMessage, stack });
    return this.add({ templateName, requestId, event, kind: 'error', errorType, errorMessage, stack, durationMs }, `ERROR\tInvoke Error \t${json}`);
  }

  recordTimeout(templateName: string, requestId: string, event: HookEvent, timeoutMs: number): HookFailure {
    const errorMessage = `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
    return this.add({ templateName, requestId, event, kind: 'timeout', errorType: 'Sandbox.Timedout', errorMessage, stack: [], durationMs: timeoutMs }, errorMessage);
  }

  recordBadAnswer(templateName: string, requestId: string, event: HookEvent, answer: unknown, durationMs: number): HookFailure {
    const errorMessage = `handler returned ${answer === undefined ? 'undefined' : JSON.stringify(answer)}, not {allowProvisioning, parameterOverrides}`;
    return this.add({ templateName, requestId, event, kind: 'bad-answer', errorType: 'InvalidResponse', errorMessage, stack: [], durationMs }, `WARN\t${errorMessage}`);
  }

  /** A failure reported by an execution environment, with the log lines it wrote. */
  recordLambda(
    templateName: string,
    requestId: string,
    event: HookEvent,
    f: { kind: HookFailure['kind']; errorType: string; errorMessage: string; stack: string[]; durationMs: number; log: string[]; logFile?: string | undefined },
  ): HookFailure {
    const { log, logFile, ...rest } = f;
    return this.add({ templateName, requestId, event, ...rest }, '', log, logFile);
  }

  errorsByType(): Record<string, HookErrorSummary> {
    return Object.fromEntries([...this.byType].map(([k, v]) => [k, { ...v }]));
  }

  countsByMessage(): Record<string, number> {
    return Object.fromEntries(this.byMessage);
  }

  recent(): HookFailure[] {
    return this.failures.map((f) => ({ ...f, event: { ...f.event, parameters: { ...f.event.parameters } }, stack: [...f.stack], log: [...f.log] }));
  }

  private add(f: Omit<HookFailure, 'timestamp' | 'log' | 'event' | 'logFile'> & { event: HookEvent }, line: string, lines?: string[], logFile?: string): HookFailure {
    const timestamp = new Date().toISOString();
    const event = { ...f.event, parameters: { ...f.event.parameters }, certificatePem: shortenPem(f.event.certificatePem) };
    const failure: HookFailure = {
      ...f,
      timestamp,
      event,
      log: lines ?? [
        `START RequestId: ${f.requestId} Version: $LATEST`,
        `${timestamp}\t${f.requestId}\t${line}`,
        `END RequestId: ${f.requestId}`,
        `REPORT RequestId: ${f.requestId}\tDuration: ${f.durationMs.toFixed(2)} ms`,
      ],
      ...(logFile === undefined ? {} : { logFile }),
    };
    const seen = this.byType.get(f.errorType);
    if (seen !== undefined) seen.count++;
    else if (this.byType.size < MAX_DISTINCT_MESSAGES) {
      const logLine = failure.log.find((l) => l.includes(f.errorType) && !l.startsWith('START') && !l.startsWith('REPORT'));
      this.byType.set(f.errorType, {
        count: 1,
        firstMessage: f.errorMessage,
        firstAt: timestamp,
        ...(logFile === undefined ? {} : { logFile }),
        ...(logLine === undefined ? {} : { logLine: logLine.length > 300 ? `${logLine.slice(0, 300)}...` : logLine }),
      });
    }
    this.failures.push(failure);
    if (this.failures.length > this.keep) this.failures.shift();
    const key = `${f.errorType}: ${f.errorMessage}`;
    if (this.byMessage.has(key) || this.byMessage.size < MAX_DISTINCT_MESSAGES) this.byMessage.set(key, (this.byMessage.get(key) ?? 0) + 1);
    else this.byMessage.set('(other)', (this.byMessage.get('(other)') ?? 0) + 1);
    return failure;
  }
}
