/**
 * One execution environment's log stream, written as CloudWatch Logs shows a Lambda function's:
 *
 *   START RequestId: <id> Version: $LATEST
 *   ...everything the handler printed (stdout and stderr, as written)...
 *   [ERROR] KeyError: 'device_serial'            (Python; Node.js: <time> <id> ERROR Invoke Error {...})
 *   END RequestId: <id>
 *   REPORT RequestId: <id>  Duration: 1.23 ms  Billed Duration: 2 ms  Memory Size: 128 MB  Max Memory Used: 20 MB  Init Duration: 45.67 ms
 *
 * Each write goes to the file at once (a synchronous append), so an environment that crashes
 * leaves everything it wrote. Without a folder, nothing is written to disk; the lines of the
 * current invocation are still kept, for the report's recent failures.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { HookRuntime } from './hook-config.js';

/** Characters of one invocation's log kept in memory (for the report). */
const KEEP_CHARS = 8000;

export interface ReportLine {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryMb?: number | undefined;
  initMs?: number | undefined;
  status?: 'timeout' | 'error' | undefined;
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

/** `2026/12/05/[$LATEST]<32 hex>`, as Lambda names a stream; and a file name without `/` or `$`. */
export function streamNames(id: string, now = new Date()): { streamName: string; fileName: string } {
  const day = now.toISOString().slice(0, 10);
  return { streamName: `${day.replaceAll('-', '/')}/[$LATEST]${id}`, fileName: `${day}-LATEST-${id}.log` };
}

/** Lambda bills whole milliseconds, rounded up. */
export function billedMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export class LambdaLogStream {
  readonly file: string | undefined;
  private fd: number | undefined;
  private current = '';
  private endsWithNewline = true;

  constructor(
    dir: string | undefined,
    readonly streamName: string,
    fileName: string,
  ) {
    if (dir !== undefined) {
      mkdirSync(dir, { recursive: true });
      this.file = path.join(dir, fileName);
      this.fd = openSync(this.file, 'a', 0o644);
    }
  }

  /** Text written outside an invocation (init output) or inside one (handler output). */
  write(text: string): void {
    if (text === '') return;
    this.endsWithNewline = text.endsWith('\n');
    if (this.current.length < KEEP_CHARS) this.current += text.slice(0, KEEP_CHARS - this.current.length);
    if (this.fd !== undefined) {
      try {
        writeSync(this.fd, text);
      } catch {
        // a full disk must not fail the hook; the report still has the lines kept in memory
      }
    }
  }

  start(requestId: string): void {
    this.current = '';
    this.write(`START RequestId: ${requestId} Version: $LATEST\n`);
  }

  /** The unhandled error, as each runtime logs it. */
  error(runtime: HookRuntime, requestId: string, e: LambdaError): void {
    this.ensureNewline();
    if (runtime === 'python') {
      const trace = e.stackTrace.length > 0 ? `Traceback (most recent call last):\n${e.stackTrace.join('')}` : '';
      const head = e.errorMessage === '' ? e.errorType : `${e.errorType}: ${e.errorMessage}`;
      this.write(`[ERROR] ${head}\n${trace}`);
      this.ensureNewline();
      this.write(`${JSON.stringify({ errorMessage: e.errorMessage, errorType: e.errorType, requestId, stackTrace: e.stackTrace })}\n`);
    } else {
      const json = JSON.stringify({ errorType: e.errorType, errorMessage: e.errorMessage, stack: e.stackTrace });
      this.write(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${json}\n`);
    }
  }

  timeout(requestId: string, timeoutMs: number): void {
    this.ensureNewline();
    this.write(`${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds\n`);
  }

  end(requestId: string, r: ReportLine): void {
    this.ensureNewline();
    const parts = [
      `REPORT RequestId: ${requestId}`,
      `Duration: ${r.durationMs.toFixed(2)} ms`,
      `Billed Duration: ${billedMs(r.durationMs + (r.initMs ?? 0))} ms`,
      `Memory Size: ${r.memorySizeMb} MB`,
      ...(r.maxMemoryMb === undefined ? [] : [`Max Memory Used: ${r.maxMemoryMb} MB`]),
      ...(r.initMs === undefined ? [] : [`Init Duration: ${r.initMs.toFixed(2)} ms`]),
      ...(r.status === undefined ? [] : [`Status: ${r.status}`]),
    ];
    this.write(`END RequestId: ${requestId}\n${parts.join('\t')}\t\n`);
  }

  /** This invocation's log so far, as lines. */
  lines(): string[] {
    return this.current.replace(/\n$/, '').split('\n');
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
  }

  private ensureNewline(): void {
    if (!this.endsWithNewline) this.write('\n');
  }
}
