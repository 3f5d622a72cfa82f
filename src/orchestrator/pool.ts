/**
 * The main thread's worker pool: starts N generator workers, merges what they report, and makes
 * sure every device ends with exactly one outcome even when a worker dies.
 */
import { Worker } from 'node:worker_threads';
import { SegmentRemaining } from '../load/split.js';
import { emptySnapshot, type MetricsSnapshot } from '../metrics/snapshot.js';
import type { DeviceResult } from '../device/types.js';
import type { Scenario } from '../scenario/schema.js';
import { WORKER_PROTOCOL_VERSION, type GeneratorHealth, type ProgressEvent, type TargetInfo, type WorkerCommand, type WorkerEvent, type WorkerPreload } from './protocol.js';

/** A worker thread started ahead of its work: its module loading overlaps the target's start. */
export interface SpawnedWorker {
  worker: Worker;
  /** resolves when the worker is ready for its start command, or has failed or exited (never rejects) */
  ready: Promise<void>;
  /** what happened before the pool watched it */
  early: { error?: Error; exitCode?: number };
}

const ENTRY = new URL('./worker-entry.js', import.meta.url);

/** Start `n` generator worker threads now; `WorkerPool.run` gives them their work. */
export function spawnWorkers(n: number, preload: WorkerPreload = { appSdk: false, csr: false }): SpawnedWorker[] {
  return Array.from({ length: n }, (_, w) => {
    const worker = new Worker(ENTRY, { workerData: { worker: w, preload } });
    const early: SpawnedWorker['early'] = {};
    const ready = new Promise<void>((resolve) => {
      const onMessage = (e: WorkerEvent) => {
        if (e.type !== 'ready') return;
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => {
        early.error = err;
        resolve();
      });
      worker.once('exit', (code) => {
        early.exitCode = code;
        resolve();
      });
    });
    return { worker, ready, early };
  });
}

export interface PoolOptions {
  runId: string;
  scenario: Scenario;
  shard: number;
  shards: number;
  workers: number;
  startMs: number;
  target: TargetInfo;
  saveCredentialsDir?: string;
  /** continue with the other workers when one dies (default) or stop the run */
  onWorkerCrash: 'continue' | 'stop';
  onProgress: (e: ProgressEvent) => void;
  /** synthetic outcomes for devices of a dead worker */
  onCrashOutcomes: (worker: number, snapshot: MetricsSnapshot, results: DeviceResult[], message: string) => void;
  /** threads started earlier (spawnWorkers, one per worker); started by run() when absent */
  spawned?: SpawnedWorker[];
}

interface WorkerState {
  worker: Worker;
  index: number;
  /** the worker's devices without an outcome yet (one bit each) */
  pending: SegmentRemaining;
  started: Set<number>;
  done: boolean;
  lastHealth?: GeneratorHealth;
}

export class WorkerPool {
  private states: WorkerState[] = [];
  private stopping = false;
  private terminating = false;
  private terminateReason = 'interrupted';
  crashed: Array<{ worker: number; message: string }> = [];

  constructor(private readonly o: PoolOptions) {}

  /** Resolves when every worker has finished (or died and been accounted for). */
  run(): Promise<void> {
    const { o } = this;
    const waits: Promise<void>[] = [];
    const spawned = o.spawned ?? spawnWorkers(o.workers);
    for (let w = 0; w < o.workers; w++) {
      const pending = new SegmentRemaining(o.scenario.fleet.devices, { shard: o.shard, shards: o.shards, worker: w, workers: o.workers });
      const { worker, early } = spawned[w]!;
      const st: WorkerState = { worker, index: w, pending, started: new Set(), done: false };
      this.states.push(st);
      waits.push(this.watch(st, early));
      const cmd: WorkerCommand = {
        type: 'start',
        version: WORKER_PROTOCOL_VERSION,
        runId: o.runId,
        scenario: o.scenario,
        segment: { shard: o.shard, shards: o.shards, worker: w, workers: o.workers },
        startMs: o.startMs,
        target: o.target,
        ...(o.saveCredentialsDir === undefined ? {} : { saveCredentialsDir: o.saveCredentialsDir }),
      };
      worker.postMessage(cmd);
    }
    return Promise.all(waits).then(() => undefined);
  }

  stop(reason: string): void {
    this.stopping = true;
    for (const st of this.states) if (!st.done) st.worker.postMessage({ type: 'stop', reason } satisfies WorkerCommand);
  }

  /** Hard stop: terminate threads (after a grace period has passed); devices not done are dropped with `reason`. */
  async terminate(reason = 'interrupted'): Promise<void> {
    this.terminating = true;
    this.terminateReason = reason;
    await Promise.all(this.states.map((st) => st.worker.terminate()));
  }

  private watch(st: WorkerState, early: SpawnedWorker['early']): Promise<void> {
    return new Promise<void>((resolve) => {
      let fatal: string | undefined = early.error === undefined ? undefined : (early.error.stack ?? early.error.message);
      st.worker.on('message', (e: WorkerEvent) => {
        switch (e.type) {
          case 'progress':
            for (const i of e.started) st.started.add(i);
            for (const r of e.results) {
              st.pending.delete(r.index);
              st.started.delete(r.index);
            }
            st.lastHealth = e.health;
            this.o.onProgress(e);
            break;
          case 'done':
            st.done = true;
            // a worker exits by itself once idle; make sure a stray handle cannot keep it alive
            setTimeout(() => void st.worker.terminate(), 2000).unref();
            break;
          case 'fatal':
            fatal = e.message;
            break;
        }
      });
      st.worker.on('error', (err) => {
        fatal = err.stack ?? err.message;
      });
      const onExit = (code: number) => {
        if (this.terminating && st.pending.size > 0) {
          this.accountForCrash(st, this.terminateReason, this.terminateReason);
        } else if (!st.done || st.pending.size > 0) {
          const message = fatal ?? `worker ${st.index} exited with code ${code}`;
          this.crashed.push({ worker: st.index, message });
          this.accountForCrash(st, message, 'worker_crashed');
          if (this.o.onWorkerCrash === 'stop' && !this.stopping) this.stop('worker_crashed');
        }
        resolve();
      };
      // a thread that died before the pool watched it (while loading) is accounted for now
      if (early.exitCode !== undefined) onExit(early.exitCode);
      else st.worker.on('exit', onExit);
    });
  }

  /** Every device the dead worker had not finished gets an outcome: in flight → failed, not started → dropped. */
  private accountForCrash(st: WorkerState, message: string, reason: string): void {
    const snap = emptySnapshot();
    const results: DeviceResult[] = [];
    for (const index of st.pending) {
      const inFlight = st.started.has(index) && reason === 'worker_crashed';
      const outcome = inFlight ? { kind: 'failed' as const, reason } : { kind: 'dropped' as const, reason };
      if (inFlight) snap.outcomes.failed[reason] = (snap.outcomes.failed[reason] ?? 0) + 1;
      else snap.outcomes.dropped[reason] = (snap.outcomes.dropped[reason] ?? 0) + 1;
      results.push({ index, clientId: '', outcome, attempts: 0 });
    }
    st.pending.clear();
    this.o.onCrashOutcomes(st.index, snap, results, message);
  }

  /** Kill one worker (used by tests to check that outcomes still add up). */
  killWorker(index: number): void {
    void this.states[index]?.worker.terminate();
  }
}
