/**
 * One run (or one shard of a run): start the target, start the worker pool, merge and record what
 * the workers report every second, stop cleanly on a signal, and leave events.jsonl + report.json.
 */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describeLoad } from '../load/profiles.js';
import { shareCount } from '../load/split.js';
import { buildReport, type RunReport } from '../report/build.js';
import { EventsWriter, type EventsWriterDeps, type ResultRecord, type RunEvent } from '../report/events.js';
import { RunState } from '../report/run-state.js';
import type { ProgressView } from '../report/console.js';
import { redactScenario, type LoadedScenario } from '../scenario/load.js';
import { InputError, RunError } from '../util/errors.js';
import { ensureOutputDir } from '../util/out-dir.js';
import { checkCapacity } from './preflight.js';
import { prepareCredentialsDir } from './credentials.js';
import type { DeviceResult } from '../device/types.js';
import { WorkerPool } from './pool.js';
import { throttledTotal } from '../analysis/api-series.js';
import { createRunGuard, type StopDecision } from './run-guard.js';
import type { TargetInfo } from './protocol.js';
import type { EmulatorStats } from '../protocol/emulator-stats.js';

export interface StartedTarget {
  info: TargetInfo;
  /** e.g. `emulator 127.0.0.1:40211` */
  label: string;
  stats?: () => Promise<EmulatorStats>;
  close: () => Promise<void>;
}

export interface RunOptions {
  loaded: LoadedScenario;
  startTarget: () => Promise<StartedTarget>;
  /** generator worker threads; default: cores, minus one when the emulator shares the machine */
  workers?: number;
  shard?: { shard: number; shards: number };
  /** parent folder for the run folder */
  outDir?: string;
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: ProgressView) => void;
  onWorkerCrash?: 'continue' | 'stop';
  /** delay before the first arrival, so every worker is ready at t=0 */
  warmupMs?: number;
  /** test seam: called once the worker pool has started */
  onPoolStarted?: (pool: WorkerPool) => void;
  /** opt-in: write each issued certificate and key to this folder (mode 0600) */
  saveCredentialsDir?: string;
  /** test seam: the file operations events.jsonl is written with (a test makes them fail like a full disk) */
  eventsWriterDeps?: EventsWriterDeps;
  /** the run stops itself: knee found, or a threshold with abortOnFail failed */
  onStop?: (d: StopDecision) => void;
}

export interface RunOutcome {
  report: RunReport;
  runDir: string;
}

/** Status reason (and dropped reason) of a run stopped because events.jsonl could not be written. */
export const EVENTS_WRITE_FAILED = 'events_write_failed';

function eventsFailureWarning(file: string, description: string, runDir: string): string {
  return `cannot write ${file}: ${description}; the run was stopped. This report is built from memory and is complete up to the stop; ` +
    `events.jsonl ends at the failure. Once there is space, \`fleetsim report ${runDir}\` rebuilds the reports from events.jsonl (up to the failure).`;
}

export function defaultWorkers(embeddedEmulator: boolean): number {
  const cores = os.availableParallelism();
  return Math.max(1, embeddedEmulator ? cores - 1 : cores);
}

export function newRunId(): string {
  const d = new Date();
  const stamp = d.toISOString().replace(/[-:]/g, '').replace(/\..+/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function scenarioHash(loaded: LoadedScenario): string {
  return createHash('sha256').update(JSON.stringify(loaded.scenario)).digest('hex').slice(0, 16);
}

function toRecord(r: DeviceResult): ResultRecord {
  const out: ResultRecord = { index: r.index, outcome: r.outcome, attempts: r.attempts };
  if (r.thingName !== undefined) out.thingName = r.thingName;
  if (r.certificateId !== undefined) out.certificateId = r.certificateId;
  return out;
}

export async function runScenario(o: RunOptions): Promise<RunOutcome> {
  const { scenario } = o.loaded;
  const shard = o.shard ?? { shard: 0, shards: 1 };
  const runId = o.runId ?? newRunId();
  const outDir = path.resolve(o.outDir ?? path.resolve(o.loaded.baseDir, '..', scenario.report.dir));
  const runDir = shard.shards === 1 ? path.join(outDir, runId) : path.join(outDir, runId, `shard-${shard.shard + 1}-of-${shard.shards}`);
  // checked before anything starts: a file, /proc or a read-only mount is a clear exit 2, not a hang
  const outName = o.outDir !== undefined ? '--out' : `${o.loaded.file}: report.dir`;
  ensureOutputDir(outDir, outName);
  ensureOutputDir(runDir, outName);
  const devicesInShard = shareCount(scenario.fleet.devices, shard.shard, shard.shards);
  const wanted = o.workers ?? scenario.generator.workers ?? defaultWorkers(scenario.target.type === 'emulator');
  const workers = Math.max(1, Math.min(wanted, Math.max(1, devicesInShard)));

  const capacity = checkCapacity({
    concurrentDevices: Math.min(devicesInShard, scenario.load.model === 'closed' ? scenario.load.concurrency : scenario.load.maxInFlight),
    embeddedEmulator: scenario.target.type === 'emulator',
    totalConnections: devicesInShard * (scenario.flow.verify.enabled ? 2 : 1),
  });
  if (capacity.problems.length > 0) {
    throw new InputError(`${o.loaded.file}: this run does not fit this machine`, {
      file: o.loaded.file,
      issues: capacity.problems.map((message) => ({ path: 'load', message })),
    });
  }

  const credentialsDir = o.saveCredentialsDir === undefined ? undefined : prepareCredentialsDir(o.saveCredentialsDir);
  const events = new EventsWriter(path.join(runDir, 'events.jsonl'), o.eventsWriterDeps);
  const target = await o.startTarget();
  const state = new RunState();
  const record = (e: RunEvent) => {
    events.append(e);
    state.apply(e);
  };

  const startMs = Date.now() + (o.warmupMs ?? 300);
  record({
    type: 'meta',
    schemaVersion: 1,
    runId,
    startedAt: new Date(startMs).toISOString(),
    startMs,
    scenarioFile: o.loaded.file,
    scenarioHash: scenarioHash(o.loaded),
    scenario: redactScenario(scenario),
    shard: { index: shard.shard + 1, count: shard.shards },
    devices: devicesInShard,
    workers,
    target: target.label,
    plan: describeLoad(scenario.load, scenario.fleet.devices),
    warnings: capacity.warnings,
  });
  const metaFailure = events.failure;
  if (metaFailure !== undefined) {
    await target.close().catch(() => undefined);
    throw new RunError('EVENTS_WRITE_FAILED', `cannot write ${events.file}: ${metaFailure.description}; the run was not started`);
  }

  let peakRss = process.memoryUsage().rss;
  const inFlight = new Map<number, number>();
  let tickStarts = 0;
  let tickProvisioned = 0;
  const pool = new WorkerPool({
    runId,
    scenario,
    shard: shard.shard,
    shards: shard.shards,
    workers,
    startMs,
    target: target.info,
    ...(credentialsDir === undefined ? {} : { saveCredentialsDir: credentialsDir }),
    onWorkerCrash: o.onWorkerCrash ?? scenario.generator.onWorkerCrash,
    onProgress: (e) => {
      inFlight.set(e.worker, e.inFlight);
      tickStarts += e.health.starts;
      tickProvisioned += e.snapshot.outcomes.provisioned;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      record({ type: 'progress', t: Date.now(), worker: e.worker, snapshot: e.snapshot, results: e.results.map(toRecord), inFlight: e.inFlight, health: e.health });
    },
    onCrashOutcomes: (worker, snapshot, results, message) => {
      inFlight.set(worker, 0);
      record({ type: 'crash', t: Date.now(), worker, message, snapshot, results: results.map(toRecord) });
    },
  });

  let interrupted: string | undefined;
  let stopped: StopDecision | undefined;
  let hardStop: NodeJS.Timeout | undefined;
  // a full disk (or EIO) under events.jsonl stops the run cleanly; the report is still built from memory
  events.onFailure = () => {
    if (stopped !== undefined || interrupted !== undefined) return;
    stopped = { reason: EVENTS_WRITE_FAILED, detail: `cannot write ${events.file}: ${events.failure?.description ?? 'write failed'}` };
    o.onStop?.(stopped);
    pool.stop(EVENTS_WRITE_FAILED);
    const grace = Math.max(scenario.flow.connectTimeout, scenario.flow.replyTimeout) + 2000;
    hardStop = setTimeout(() => void pool.terminate(EVENTS_WRITE_FAILED), grace);
  };
  const onAbort = () => {
    interrupted = typeof o.signal?.reason === 'string' ? o.signal.reason : 'interrupted';
    pool.stop('interrupted');
    // devices get a grace period to close their connections; then the threads are terminated
    hardStop = setTimeout(() => void pool.terminate(), 5000);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // knee search and abortOnFail thresholds: checked on the merged results every second
  const guard = createRunGuard(scenario);
  const checkGuard = (elapsed: number) => {
    if (guard === undefined || stopped !== undefined || interrupted !== undefined) return;
    stopped = guard.check(state.metrics, devicesInShard, elapsed);
    if (stopped === undefined) return;
    o.onStop?.(stopped);
    const reason = stopped.reason;
    pool.stop(reason);
    // devices stop between steps: give a pending connect or reply its timeout before terminating
    const grace = Math.max(scenario.flow.connectTimeout, scenario.flow.replyTimeout) + 2000;
    hardStop = setTimeout(() => void pool.terminate(reason), grace);
  };
  const ticker = setInterval(() => {
    const elapsed = Date.now() - startMs;
    checkGuard(elapsed);
    const o2 = state.metrics.outcomes;
    o.onProgress?.({
      elapsedMs: Math.max(0, elapsed),
      devices: devicesInShard,
      offeredPerSec: tickStarts,
      achievedPerSec: tickProvisioned,
      inFlight: [...inFlight.values()].reduce((a, b) => a + b, 0),
      provisioned: o2.provisioned,
      throttled: throttledTotal(state.metrics.seriesTotals().entries()),
      failed: Object.values(o2.failed).reduce((a, b) => a + b, 0),
      dropped: Object.values(o2.dropped).reduce((a, b) => a + b, 0),
      p99Ms: state.metrics.histogram('provision').percentileMs(99),
    });
    tickStarts = 0;
    tickProvisioned = 0;
  }, 1000);

  let runError: unknown;
  try {
    const running = pool.run();
    o.onPoolStarted?.(pool);
    await running;
  } catch (err) {
    runError = err;
  } finally {
    clearInterval(ticker);
    if (hardStop !== undefined) clearTimeout(hardStop);
    o.signal?.removeEventListener('abort', onAbort);
  }
  try {
    if (target.stats !== undefined) record({ type: 'emulator', t: Date.now(), stats: await target.stats() });
  } catch {
    /* stats are optional */
  }
  await target.close().catch(() => undefined);

  const crashedStop = pool.crashed.length > 0 && (o.onWorkerCrash ?? scenario.generator.onWorkerCrash) === 'stop';
  const writeFailed = events.failure !== undefined;
  const status = interrupted !== undefined ? 'interrupted' : runError !== undefined || crashedStop || writeFailed ? 'failed' : 'completed';
  const endEvent: RunEvent = {
    type: 'end',
    t: Date.now(),
    endedAt: new Date().toISOString(),
    status,
    peakRssBytes: peakRss,
    ...(interrupted !== undefined ? { reason: interrupted } : crashedStop ? { reason: 'worker_crashed' } : stopped !== undefined ? { reason: stopped.reason } : writeFailed ? { reason: EVENTS_WRITE_FAILED } : {}),
    ...(events.failure === undefined ? {} : { warnings: [eventsFailureWarning(events.file, events.failure.description, runDir)] }),
  };
  record(endEvent);
  events.sync();
  const report = buildReport(state);
  if (runError !== undefined) throw new RunError('RUN_FAILED', `run failed: ${(runError as Error).message}`, { cause: runError });
  return { report, runDir };
}
