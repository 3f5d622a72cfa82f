/**
 * A hook as a Lambda function: a pool of execution environments (runtimes/environment.ts).
 *
 * - An environment serves one invocation at a time and is reused while warm (the most recently
 *   used idle one first), so module state persists in it; more concurrent invocations start more.
 * - reservedConcurrency N: an invocation while N are in flight is throttled at once
 *   (TooManyRequestsException), as Lambda throttles.
 * - Without it environments scale on demand up to maxEnvironments (a local cap protecting this
 *   machine, not an AWS limit); past it invocations wait for a free one and the stats say so.
 * - A new environment's first invocation pays its real init time (reported as Init Duration) plus
 *   the optional modelled coldStart. Idle environments are reaped after idleTimeout.
 * - An invocation that times out kills its environment (Lambda does not reuse it); a crashed
 *   environment is replaced by the next invocation.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { LatencyHistogram } from '../../metrics/histogram.js';
import { LAMBDA_THROTTLE_ERROR } from '../../protocol/hook.js';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_ENVIRONMENTS, DEFAULT_MEMORY_MB, handlerOf, runtimeOf, type HookRuntime, type HookSpec } from './hook-config.js';
import { LambdaLogStream, streamNames } from './lambda-log.js';
import { Environment, type Exited, type Frame } from './runtimes/environment.js';

/**
 * Environments starting at the same time: a local protection, so that a burst of RegisterThings
 * does not start dozens of interpreters at once on a small machine (each would then take
 * seconds to init). Invocations beyond it take the first environment that is ready or freed.
 */
export const STARTS_AT_ONCE = Math.max(2, availableParallelism());

/** Lambda's limit on the INIT phase (documented: 10 s for on-demand functions). */
export const LAMBDA_INIT_LIMIT_MS = 10_000;
import { lambdaEnvironment, launchSpec, type FunctionIdentity } from './runtimes/launch.js';

export type InvokeStatus = 'ok' | 'error' | 'timeout' | 'throttled';

export interface InvokeResult {
  status: InvokeStatus;
  payload?: unknown;
  errorType?: string;
  errorMessage?: string;
  stackTrace?: string[];
  /** the invoke phase, ms (init excluded) */
  durationMs: number;
  /** this invocation started a new environment: its init, ms */
  initMs?: number;
  /** it waited for a free environment because maxEnvironments was reached */
  waitedForCap: boolean;
  /** the log file holding this invocation (shown relative to the display base) */
  logFile?: string;
  /** this invocation's log lines */
  log: string[];
}

export interface FunctionStats {
  runtime: HookRuntime;
  file: string;
  handler: string;
  environmentsStarted: number;
  environmentsLive: number;
  peakEnvironments: number;
  peakConcurrency: number;
  maxEnvironments: number;
  reservedConcurrency?: number;
  /** invocations that waited because maxEnvironments was reached (our wait, not AWS's) */
  waitedForCap: number;
  capReached: boolean;
  reaped: number;
  killedOnTimeout: number;
  crashed: number;
  logDir?: string;
}

interface Slot {
  env: Environment;
  log: LambdaLogStream;
  /** init duration, until its first invocation reports it */
  pendingInitMs?: number;
  maxMemoryMb?: number;
  idleTimer?: NodeJS.Timeout;
}

export interface LambdaFunctionOptions {
  spec: HookSpec;
  identity: FunctionIdentity;
  /** this function's log folder (<run-dir>/hook-logs/<template>); none: logs kept in memory only */
  logDir?: string;
  /** log file names in results are relative to this folder (default: absolute) */
  displayBase?: string;
}

export class LambdaFunction {
  readonly runtime: HookRuntime;
  private readonly idle: Slot[] = [];
  private readonly busy = new Set<Slot>();
  private readonly waiters: Array<(s: Slot | 'free' | 'timeout') => void> = [];
  private starting = 0;
  private inFlight = 0;
  private closed = false;
  private readonly maxEnvironments: number;
  private readonly idleTimeoutMs: number;
  private readonly initHistogram = new LatencyHistogram();
  private counts = { environmentsStarted: 0, peakEnvironments: 0, peakConcurrency: 0, waitedForCap: 0, reaped: 0, killedOnTimeout: 0, crashed: 0 };

  constructor(private readonly o: LambdaFunctionOptions) {
    this.runtime = runtimeOf(o.spec.file) as HookRuntime;
    const reserved = o.spec.reservedConcurrency;
    this.maxEnvironments = Math.max(1, Math.min(o.spec.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS, reserved ?? Infinity));
    this.idleTimeoutMs = o.spec.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  get spec(): HookSpec {
    return this.o.spec;
  }

  /** One invocation with `timeoutMs` left for it. Never throws. */
  async invoke(event: unknown, requestId: string, timeoutMs: number): Promise<InvokeResult> {
    const reserved = this.o.spec.reservedConcurrency;
    if (this.closed || (reserved !== undefined && this.inFlight >= reserved)) {
      const why = this.closed ? 'the function is shut down' : `Rate Exceeded. (reserved concurrency ${reserved} reached)`;
      return { status: 'throttled', errorType: LAMBDA_THROTTLE_ERROR, errorMessage: why, durationMs: 0, waitedForCap: false, log: [] };
    }
    this.inFlight++;
    this.counts.peakConcurrency = Math.max(this.counts.peakConcurrency, this.inFlight);
    try {
      return await this.run(event, requestId, timeoutMs);
    } finally {
      this.inFlight--;
    }
  }

  private async run(event: unknown, requestId: string, timeoutMs: number): Promise<InvokeResult> {
    let waited = false;
    let slot: Slot | undefined;
    let initMs: number | undefined;
    for (;;) {
      slot = this.idle.pop();
      if (slot !== undefined) break;
      if (this.liveCount() < this.maxEnvironments && this.starting < STARTS_AT_ONCE) {
        const started = await this.startSlot();
        if ('failure' in started) return { ...started.failure, waitedForCap: waited };
        slot = started.slot;
        break;
      }
      // at the cap (our wait, not AWS's: counted), or enough environments already starting (then the
      // first one ready or freed serves this invocation)
      if (this.liveCount() >= this.maxEnvironments) {
        if (!waited) this.counts.waitedForCap++;
        waited = true;
      }
      const signal = await this.waitForSignal();
      if (signal === 'timeout') {
        return { status: 'timeout', errorType: 'Sandbox.Timedout', errorMessage: timedOutMessage(timeoutMs), durationMs: 0, waitedForCap: true, log: [] };
      }
      if (signal !== 'free') {
        slot = signal;
        break;
      }
    }
    if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
    this.busy.add(slot);
    if (slot.pendingInitMs !== undefined) {
      initMs = slot.pendingInitMs;
      slot.pendingInitMs = undefined;
      if (this.o.spec.coldStartMs !== undefined && this.o.spec.coldStartMs > 0) await sleep(this.o.spec.coldStartMs);
    }
    const log = slot.log;
    log.start(requestId);
    // the timeout covers the invoke phase, as Lambda's function timeout does: not the init (which
    // has Lambda's own 10 s limit) and not a wait for our local environment cap
    const left = timeoutMs;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, left));
    });
    const answer = left <= 0 ? 'timeout' : await Promise.race([slot.env.invoke(requestId, event, Date.now() + left), timedOut]);
    clearTimeout(timer);
    const durationMs = performance.now() - t0;
    const memorySizeMb = this.o.spec.memorySize ?? DEFAULT_MEMORY_MB;
    const base = { durationMs, waitedForCap: waited, ...(initMs === undefined ? {} : { initMs }), ...this.fileOf(log) };
    if (answer === 'timeout') {
      log.timeout(requestId, timeoutMs);
      log.end(requestId, { durationMs, memorySizeMb, maxMemoryMb: slot.maxMemoryMb, initMs, status: 'timeout' });
      this.counts.killedOnTimeout++;
      this.retire(slot, true);
      return { ...base, status: 'timeout', errorType: 'Sandbox.Timedout', errorMessage: timedOutMessage(timeoutMs), log: log.lines() };
    }
    if (answer.type === 'exit') {
      const e = exitError(this.runtime, requestId, answer);
      log.error(this.runtime, requestId, e);
      log.end(requestId, { durationMs, memorySizeMb, maxMemoryMb: slot.maxMemoryMb, initMs, status: 'error' });
      this.counts.crashed++;
      this.retire(slot, false);
      return { ...base, status: 'error', ...e, log: log.lines() };
    }
    if (typeof answer.maxMemoryMb === 'number') slot.maxMemoryMb = answer.maxMemoryMb;
    if (answer.type === 'result') {
      log.end(requestId, { durationMs, memorySizeMb, maxMemoryMb: slot.maxMemoryMb, initMs });
      this.release(slot);
      return { ...base, status: 'ok', payload: answer.payload, log: [] };
    }
    const e = { errorType: answer.errorType ?? 'Error', errorMessage: answer.errorMessage ?? '', stackTrace: answer.stackTrace ?? [] };
    log.error(this.runtime, requestId, e);
    log.end(requestId, { durationMs, memorySizeMb, maxMemoryMb: slot.maxMemoryMb, initMs, status: 'error' });
    const lines = log.lines();
    // the environment stays warm after a handled error, as on Lambda (unless the process died)
    if (slot.env.alive) this.release(slot);
    else this.retire(slot, false);
    return { ...base, status: 'error', ...e, log: lines };
  }

  stats(): FunctionStats {
    const s: FunctionStats = {
      runtime: this.runtime,
      file: this.o.spec.file,
      handler: handlerOf(this.o.spec),
      ...this.counts,
      environmentsLive: this.liveCount(),
      maxEnvironments: this.maxEnvironments,
      capReached: this.counts.waitedForCap > 0,
    };
    if (this.o.spec.reservedConcurrency !== undefined) s.reservedConcurrency = this.o.spec.reservedConcurrency;
    if (this.o.logDir !== undefined) s.logDir = this.display(this.o.logDir);
    return s;
  }

  /** Init durations (ms) of the environments started so far. */
  initHistogramEncoded(): string {
    return this.initHistogram.encode();
  }

  initStats(): { count: number; p50: number; p99: number; max: number } {
    const s = this.initHistogram.stats();
    return { count: s.count, p50: s.p50, p99: s.p99, max: s.max };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w('timeout');
    for (const s of [...this.idle.splice(0), ...this.busy]) {
      if (s.idleTimer !== undefined) clearTimeout(s.idleTimer);
      s.env.kill();
      s.log.close();
    }
    this.busy.clear();
  }

  private liveCount(): number {
    return this.idle.length + this.busy.size + this.starting;
  }

  private display(file: string): string {
    return this.o.displayBase === undefined ? file : path.relative(this.o.displayBase, file);
  }

  private fileOf(log: LambdaLogStream): { logFile?: string } {
    return log.file === undefined ? {} : { logFile: this.display(log.file) };
  }

  private async startSlot(): Promise<{ slot: Slot } | { failure: Omit<InvokeResult, 'waitedForCap'> }> {
    this.starting++;
    const env = new Environment(launchSpec(this.o.spec));
    const names = streamNames(env.id);
    const log = new LambdaLogStream(this.o.logDir, names.streamName, names.fileName);
    env.onOutput = (text) => log.write(text);
    const slot: Slot = { env, log };
    env.onExit = () => {
      // a crash while idle: forget it, the next invocation starts a new one
      const i = this.idle.indexOf(slot);
      if (i >= 0) {
        this.idle.splice(i, 1);
        if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
        log.close();
      }
    };
    const t0 = performance.now();
    let initTimer: NodeJS.Timeout | undefined;
    const initTimedOut = new Promise<'timeout'>((resolve) => {
      initTimer = setTimeout(() => resolve('timeout'), LAMBDA_INIT_LIMIT_MS);
    });
    const raced = await Promise.race([env.start(lambdaEnvironment(this.o.spec, this.o.identity, names.streamName)), initTimedOut]);
    clearTimeout(initTimer);
    const first: Frame | Exited =
      raced === 'timeout'
        ? { type: 'initError', errorType: 'Sandbox.Timedout', errorMessage: `INIT phase timed out after ${LAMBDA_INIT_LIMIT_MS / 1000} seconds`, stackTrace: [] }
        : raced;
    const initMs = performance.now() - t0;
    this.starting--;
    // a start slot is free again: someone waiting for one may start (or take an idle environment)
    queueMicrotask(() => this.wakeWaiter());
    this.counts.environmentsStarted++;
    this.counts.peakEnvironments = Math.max(this.counts.peakEnvironments, this.liveCount() + 1);
    this.initHistogram.recordMillis(initMs);
    if (first.type === 'ready') {
      slot.pendingInitMs = initMs;
      return { slot };
    }
    // init failed: Lambda logs it in the stream and fails the invocation
    const e = first.type === 'exit' ? exitError(this.runtime, '', first, true) : { errorType: first.errorType ?? 'Runtime.Unknown', errorMessage: first.errorMessage ?? '', stackTrace: first.stackTrace ?? [] };
    log.write(`INIT_REPORT Init Duration: ${initMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${e.errorType}\n`);
    log.error(this.runtime, '', e);
    env.kill();
    const lines = log.lines();
    log.close();
    this.counts.crashed++;
    this.wakeWaiter();
    return { failure: { status: 'error', ...e, durationMs: 0, initMs, ...this.fileOf(log), log: lines } };
  }

  /**
   * Wait until a slot is handed over or capacity frees up ('free'); 'timeout' only when the
   * function shuts down. Bounded: every busy environment answers or is killed at its timeout.
   */
  private waitForSignal(): Promise<Slot | 'free' | 'timeout'> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A freed slot goes to the longest waiter, or becomes idle (and is reaped after idleTimeout). */
  private release(slot: Slot): void {
    this.busy.delete(slot);
    if (this.closed) {
      slot.env.kill();
      slot.log.close();
      return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) {
      w(slot);
      return;
    }
    slot.idleTimer = setTimeout(() => {
      const i = this.idle.indexOf(slot);
      if (i < 0) return;
      this.idle.splice(i, 1);
      this.counts.reaped++;
      slot.env.kill();
      slot.log.close();
    }, this.idleTimeoutMs);
    slot.idleTimer.unref();
    this.idle.push(slot);
  }

  /** The environment is gone (timed out, crashed): a waiter may start a new one in its place. */
  private retire(slot: Slot, kill: boolean): void {
    this.busy.delete(slot);
    if (kill) slot.env.kill();
    slot.log.close();
    this.wakeWaiter();
  }

  private wakeWaiter(): void {
    this.waiters.shift()?.('free');
  }
}

function timedOutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

function exitError(runtime: HookRuntime, requestId: string, e: Exited, init = false): { errorType: string; errorMessage: string; stackTrace: string[] } {
  if (e.spawnError !== undefined) {
    return { errorType: 'Runtime.InvalidEntrypoint', errorMessage: `could not start the ${runtime} runtime: ${e.spawnError.message}`, stackTrace: [] };
  }
  const status = e.signal !== null ? `signal: ${e.signal}` : `exit status ${e.code}`;
  const prefix = requestId === '' ? '' : `RequestId: ${requestId} `;
  return { errorType: 'Runtime.ExitError', errorMessage: `${prefix}Error: Runtime exited ${init ? 'during init ' : ''}with error: ${status}`, stackTrace: [] };
}
