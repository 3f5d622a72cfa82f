/**
 * One run (or one shard of a run), in four steps: plan it (folder, share of the devices, workers,
 * will it fit this machine), start the target and open the run's record (events.jsonl), drive the
 * load (the worker pool, merged progress every second, stops on a signal, a knee or an aborting
 * threshold), and finish (target stats, the end event, report.json).
 */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describeLoad, inFlightSlots } from '../load/models/index.js';
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
import { spawnWorkers, WorkerPool, type SpawnedWorker } from './pool.js';
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
  /** test seam: the file operations events.jsonl is written with (a test makes them fail like a full disk) */
  eventsWriterDeps?: EventsWriterDeps;
  loaded: LoadedScenario;
  /** starts the target; `runDir` is the run's folder (the emulator writes hook logs under it) */
  startTarget: (ctx?: { runDir: string }) => Promise<StartedTarget>;
  /** generator worker threads; default: cores, minus one when the emulator shares the machine */
  workers?: number;
  shard?: { shard: number; shards: number };
  /** parent folder for the run folder */
  outDir?: string;
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: ProgressView) => void;
  onWorkerCrash?: 'continue' | 'stop';
  /** delay from every worker thread being ready (modules loaded) to t=0 (default 50 ms: the start command's hop) */
  warmupMs?: number;
  /** test seam: called once the worker pool has started */
  onPoolStarted?: (pool: WorkerPool) => void;
  /** opt-in: write each issued certificate and key to this folder (mode 0600) */
  saveCredentialsDir?: string;
  /** the run stops itself: knee found, or a threshold with abortOnFail failed */
  onStop?: (d: StopDecision) => void;
}

export interface RunOutcome {
  report: RunReport;
  runDir: string;
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

/** What the run is, decided before anything starts. */
interface RunPlan {
  runId: string;
  runDir: string;
  shard: { shard: number; shards: number };
  devicesInShard: number;
  workers: number;
  capacityWarnings: string[];
  onWorkerCrash: 'continue' | 'stop';
}

/** The run's record: every event goes to events.jsonl and into the state the report is built from. */
interface RunLog {
  events: EventsWriter;
  startMs: number;
  state: RunState;
  record(e: RunEvent): void;
  sync(): void;
}

/** How driving the load ended. */
interface Driven {
  pool: WorkerPool;
  runError: unknown;
  interrupted: string | undefined;
  stopped: StopDecision | undefined;
  peakRss: number;
}

/** Status reason (and dropped reason) of a run stopped because events.jsonl could not be written. */
export const EVENTS_WRITE_FAILED = 'events_write_failed';

function eventsFailureWarning(file: string, description: string, runDir: string): string {
  return `cannot write ${file}: ${description}; the run was stopped. This report is built from memory and is complete up to the stop; ` +
    `events.jsonl ends at the failure. Once there is space, \`fleetsim report ${runDir}\` rebuilds the reports from events.jsonl (up to the failure).`;
}

export async function runScenario(o: RunOptions): Promise<RunOutcome> {
  const plan = planRun(o);
  const credentialsDir = o.saveCredentialsDir === undefined ? undefined : prepareCredentialsDir(o.saveCredentialsDir);
  // the worker threads load their modules while the target starts; t=0 follows the later of the two
  const { scenario } = o.loaded;
  const spawned = spawnWorkers(plan.workers, { appSdk: scenario.flow.claim === 'trusted-user', csr: scenario.flow.certificate === 'csr' });
  const discard = () => Promise.all(spawned.map((sp) => sp.worker.terminate())).then(() => undefined);
  let target: StartedTarget;
  try {
    target = await o.startTarget({ runDir: plan.runDir });
  } catch (err) {
    await discard();
    throw err;
  }
  await workersReady(spawned);
  const log = openRunLog(o, plan, target);
  const metaFailure = log.events.failure;
  if (metaFailure !== undefined) {
    await Promise.all([target.close().catch(() => undefined), discard()]);
    throw new RunError('EVENTS_WRITE_FAILED', `cannot write ${log.events.file}: ${metaFailure.description}; the run was not started`);
  }
  const driven = await driveLoad(o, plan, target, log, credentialsDir, spawned);
  await closeTarget(target, log);
  return finishRun(plan, log, driven);
}

/** The folder a run, or one shard of it, writes into: <out>/<run-id>, or <out>/<run-id>/shard-i-of-n. */
export function runFolder(loaded: LoadedScenario, o: { outDir?: string | undefined; runId: string; shard?: { shard: number; shards: number } | undefined }): string {
  const shard = o.shard ?? { shard: 0, shards: 1 };
  const outDir = path.resolve(o.outDir ?? path.resolve(loaded.baseDir, '..', loaded.scenario.report.dir));
  return shard.shards === 1 ? path.join(outDir, o.runId) : path.join(outDir, o.runId, `shard-${shard.shard + 1}-of-${shard.shards}`);
}

/** How long t=0 waits for a worker thread that has not said it is ready (it is then watched like any other). */
const READY_TIMEOUT_MS = 30_000;

/** Every spawned worker ready (or dead: the pool accounts for it), at most READY_TIMEOUT_MS. */
async function workersReady(spawned: SpawnedWorker[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, READY_TIMEOUT_MS);
  });
  await Promise.race([Promise.all(spawned.map((sp) => sp.ready)), timeout]);
  clearTimeout(timer);
}

/** The run folder, this shard's devices and workers; throws (InputError) when the run does not fit this machine. */
function planRun(o: RunOptions): RunPlan {
  const { scenario } = o.loaded;
  const shard = o.shard ?? { shard: 0, shards: 1 };
  const runId = o.runId ?? newRunId();
  const runDir = runFolder(o.loaded, { outDir: o.outDir, runId, shard });
  const outDir = shard.shards === 1 ? path.dirname(runDir) : path.dirname(path.dirname(runDir));
  // checked before anything starts: a file, /proc or a read-only mount is a clear exit 2, not a hang
  const outName = o.outDir !== undefined ? '--out' : `${o.loaded.file}: report.dir`;
  ensureOutputDir(outDir, outName);
  ensureOutputDir(runDir, outName);
  const devicesInShard = shareCount(scenario.fleet.devices, shard.shard, shard.shards);
  const wanted = o.workers ?? scenario.generator.workers ?? defaultWorkers(scenario.target.type === 'emulator');
  const workers = Math.max(1, Math.min(wanted, Math.max(1, devicesInShard)));

  const capacity = checkCapacity({
    concurrentDevices: Math.min(devicesInShard, inFlightSlots(scenario.load, scenario.fleet.devices)),
    embeddedEmulator: scenario.target.type === 'emulator',
    totalConnections: devicesInShard * (scenario.flow.verify.enabled ? 2 : 1),
  });
  if (capacity.problems.length > 0) {
    throw new InputError(`${o.loaded.file}: this run does not fit this machine`, {
      file: o.loaded.file,
      issues: capacity.problems.map((message) => ({ path: 'load', message })),
    });
  }
  const onWorkerCrash = o.onWorkerCrash ?? scenario.generator.onWorkerCrash;
  return { runId, runDir, shard, devicesInShard, workers, capacityWarnings: capacity.warnings, onWorkerCrash };
}

/** events.jsonl and the run state, opened with the meta event (t=0 is `warmupMs` from now). */
function openRunLog(o: RunOptions, plan: RunPlan, target: StartedTarget): RunLog {
  const { scenario } = o.loaded;
  const events = new EventsWriter(path.join(plan.runDir, 'events.jsonl'), o.eventsWriterDeps);
  const state = new RunState();
  const record = (e: RunEvent) => {
    events.append(e);
    state.apply(e);
  };
  const startMs = Date.now() + (o.warmupMs ?? 50);
  record({
    type: 'meta',
    schemaVersion: 1,
    runId: plan.runId,
    startedAt: new Date(startMs).toISOString(),
    startMs,
    scenarioFile: o.loaded.file,
    scenarioHash: scenarioHash(o.loaded),
    scenario: redactScenario(scenario),
    shard: { index: plan.shard.shard + 1, count: plan.shard.shards },
    devices: plan.devicesInShard,
    workers: plan.workers,
    target: target.label,
    plan: describeLoad(scenario.load, scenario.fleet.devices),
    warnings: plan.capacityWarnings,
    ...(o.loaded.overrides === undefined ? {} : { overrides: o.loaded.overrides }),
  });
  return { events, startMs, state, record, sync: () => events.sync() };
}

/** What the main thread keeps between progress ticks. */
interface LiveCounters {
  peakRss: number;
  /** devices in flight, by worker */
  inFlight: Map<number, number>;
  /** since the last tick */
  starts: number;
  provisioned: number;
  /** provisioning requests sent */
  requests: number;
}

/** Runs the worker pool to the end, recording its reports; never throws (the pool's error is returned). */
async function driveLoad(o: RunOptions, plan: RunPlan, target: StartedTarget, log: RunLog, credentialsDir: string | undefined, spawned: SpawnedWorker[]): Promise<Driven> {
  const live: LiveCounters = { peakRss: process.memoryUsage().rss, inFlight: new Map(), starts: 0, provisioned: 0, requests: 0 };
  const pool = createPool(o, plan, target, log, credentialsDir, live, spawned);
  const stops = watchStops(o, plan, pool, log);
  const ticker = setInterval(() => {
    const elapsed = Date.now() - log.startMs;
    stops.check(elapsed);
    tickProgress(o, plan, log, live, elapsed);
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
    stops.dispose();
  }
  return { pool, runError, interrupted: stops.interrupted, stopped: stops.stopped, peakRss: live.peakRss };
}

function createPool(o: RunOptions, plan: RunPlan, target: StartedTarget, log: RunLog, credentialsDir: string | undefined, live: LiveCounters, spawned: SpawnedWorker[]): WorkerPool {
  return new WorkerPool({
    spawned,
    runId: plan.runId,
    scenario: o.loaded.scenario,
    shard: plan.shard.shard,
    shards: plan.shard.shards,
    workers: plan.workers,
    startMs: log.startMs,
    target: target.info,
    ...(credentialsDir === undefined ? {} : { saveCredentialsDir: credentialsDir }),
    onWorkerCrash: plan.onWorkerCrash,
    onProgress: (e) => {
      live.inFlight.set(e.worker, e.inFlight);
      live.starts += e.health.starts;
      live.provisioned += e.snapshot.outcomes.provisioned;
      for (const counts of Object.values(e.snapshot.series)) for (const [k, v] of Object.entries(counts)) if (k.startsWith('offered{')) live.requests += v;
      live.peakRss = Math.max(live.peakRss, process.memoryUsage().rss);
      log.record({ type: 'progress', t: Date.now(), worker: e.worker, snapshot: e.snapshot, results: e.results.map(toRecord), inFlight: e.inFlight, health: e.health });
    },
    onCrashOutcomes: (worker, snapshot, results, message) => {
      live.inFlight.set(worker, 0);
      log.record({ type: 'crash', t: Date.now(), worker, message, snapshot, results: results.map(toRecord) });
    },
  });
}

/** The ways a run stops early: a signal (interrupted), or the run guard (knee found, aborting threshold). */
interface StopWatch {
  readonly interrupted: string | undefined;
  readonly stopped: StopDecision | undefined;
  /** the run guard's check, every second on the merged results */
  check(elapsedMs: number): void;
  dispose(): void;
}

function watchStops(o: RunOptions, plan: RunPlan, pool: WorkerPool, log: RunLog): StopWatch {
  const { scenario } = o.loaded;
  let interrupted: string | undefined;
  let stopped: StopDecision | undefined;
  let hardStop: NodeJS.Timeout | undefined;
  const onAbort = () => {
    interrupted = typeof o.signal?.reason === 'string' ? o.signal.reason : 'interrupted';
    pool.stop('interrupted');
    // devices get a grace period to close their connections; then the threads are terminated
    hardStop = setTimeout(() => void pool.terminate(), 5000);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // a full disk (or EIO) under events.jsonl stops the run cleanly; the report is still built from memory
  log.events.onFailure = (f) => {
    if (stopped !== undefined || interrupted !== undefined) return;
    stopped = { reason: EVENTS_WRITE_FAILED, detail: `cannot write ${log.events.file}: ${f.description}` };
    o.onStop?.(stopped);
    pool.stop(EVENTS_WRITE_FAILED);
    const grace = Math.max(scenario.flow.connectTimeout, scenario.flow.replyTimeout) + 2000;
    hardStop = setTimeout(() => void pool.terminate(EVENTS_WRITE_FAILED), grace);
  };
  // knee search and abortOnFail thresholds: checked on the merged results every second
  const guard = createRunGuard(scenario);
  return {
    get interrupted() {
      return interrupted;
    },
    get stopped() {
      return stopped;
    },
    check(elapsed) {
      if (guard === undefined || stopped !== undefined || interrupted !== undefined) return;
      stopped = guard.check(log.state.metrics, plan.devicesInShard, elapsed);
      if (stopped === undefined) return;
      o.onStop?.(stopped);
      const reason = stopped.reason;
      pool.stop(reason);
      // devices stop between steps: give a pending connect or reply its timeout before terminating
      const grace = Math.max(scenario.flow.connectTimeout, scenario.flow.replyTimeout) + 2000;
      hardStop = setTimeout(() => void pool.terminate(reason), grace);
    },
    dispose() {
      if (hardStop !== undefined) clearTimeout(hardStop);
      o.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The console's progress line for the last second; resets the per-tick counters. */
function tickProgress(o: RunOptions, plan: RunPlan, log: RunLog, live: LiveCounters, elapsed: number): void {
  const metrics = log.state.metrics;
  const outcomes = metrics.outcomes;
  o.onProgress?.({
    elapsedMs: Math.max(0, elapsed),
    devices: plan.devicesInShard,
    startsPerSec: live.starts,
    provisionedPerSec: live.provisioned,
    requestsPerSec: live.requests,
    inFlight: [...live.inFlight.values()].reduce((a, b) => a + b, 0),
    provisioned: outcomes.provisioned,
    throttled: throttledTotal(metrics.seriesTotals().entries()),
    failed: Object.values(outcomes.failed).reduce((a, b) => a + b, 0),
    dropped: Object.values(outcomes.dropped).reduce((a, b) => a + b, 0),
    p99Ms: metrics.histogram('provision').percentileMs(99),
  });
  live.starts = 0;
  live.provisioned = 0;
  live.requests = 0;
}

/** The target's own statistics into the record (optional), then the target is closed. */
async function closeTarget(target: StartedTarget, log: RunLog): Promise<void> {
  try {
    if (target.stats !== undefined) log.record({ type: 'emulator', t: Date.now(), stats: await target.stats() });
  } catch {
    /* stats are optional */
  }
  await target.close().catch(() => undefined);
}

/** The end event and report.json's content; a pool error is rethrown as RUN_FAILED after the record is complete. */
function finishRun(plan: RunPlan, log: RunLog, d: Driven): RunOutcome {
  const crashedStop = d.pool.crashed.length > 0 && plan.onWorkerCrash === 'stop';
  const writeFailure = log.events.failure;
  const status = d.interrupted !== undefined ? 'interrupted' : d.runError !== undefined || crashedStop || writeFailure !== undefined ? 'failed' : 'completed';
  const endEvent: RunEvent = {
    type: 'end',
    t: Date.now(),
    endedAt: new Date().toISOString(),
    status,
    peakRssBytes: d.peakRss,
    ...(d.interrupted !== undefined ? { reason: d.interrupted } : crashedStop ? { reason: 'worker_crashed' } : d.stopped !== undefined ? { reason: d.stopped.reason } : writeFailure !== undefined ? { reason: EVENTS_WRITE_FAILED } : {}),
    ...(writeFailure === undefined ? {} : { warnings: [eventsFailureWarning(log.events.file, writeFailure.description, plan.runDir)] }),
  };
  log.record(endEvent);
  log.sync();
  const report = buildReport(log.state);
  if (d.runError !== undefined) throw new RunError('RUN_FAILED', `run failed: ${(d.runError as Error).message}`, { cause: d.runError });
  return { report, runDir: plan.runDir };
}
