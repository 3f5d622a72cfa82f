/**
 * One generator: runs its segment of the devices and reports every half second. Runs inside a worker
 * thread (worker-entry.ts), but knows nothing about threads: events go to a callback.
 */
import { setMaxListeners } from 'node:events';
import { MetricsRecorder } from '../metrics/recorder.js';
import { arrivalsOf, inFlightSlots, kneeSearchOf } from '../load/models/index.js';
import { inSegment, segmentIndexRange, shareCount } from '../load/split.js';
import { renderPattern } from '../util/patterns.js';
import type { DeviceResult, DeviceSettings, DeviceSpec } from '../device/types.js';
import { loadAppSdk } from '../device/app-claim.js';
import { loadCsrSupport } from '../device/csr-support.js';
import { certificateApi } from '../device/decisions.js';
import { CredentialsWriter } from './credentials.js';
import { deviceTargetFor } from './device-target.js';
import type { Scenario } from '../scenario/schema.js';
import { HealthProbe } from './health.js';
import type { StartCommand, WorkerEvent } from './protocol.js';
import { runShare } from './run-share.js';

/**
 * How often a generator reports (each report is appended to events.jsonl at once): what a kill -9
 * can lose is at most this plus the hop to the main thread (issue 12: at most 1 s).
 */
export const PROGRESS_INTERVAL_MS = 500;

/** Render one device's identity from the fleet patterns. */
export function makeDeviceSpec(s: Scenario, runId: string, shard: number, index: number, intendedStartMs?: number): DeviceSpec {
  const base = { index, runId, shard: shard + 1 };
  const serial = renderPattern(s.fleet.serial, base);
  const vars = { ...base, serial };
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.fleet.parameters)) parameters[k] = renderPattern(v, vars);
  const spec: DeviceSpec = { index, clientId: renderPattern(s.fleet.clientId, vars), serial, parameters };
  if (intendedStartMs !== undefined) spec.intendedStartMs = intendedStartMs;
  return spec;
}

export class Generator {
  private readonly abort = new AbortController();
  private readonly probe = new HealthProbe();
  private started: number[] = [];
  private results: DeviceResult[] = [];
  private readonly running = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly metrics: MetricsRecorder;

  constructor(
    private readonly cmd: StartCommand,
    private readonly emit: (e: WorkerEvent) => void,
  ) {
    // the knee search judges each step by its own p99: keep that metric per step as well
    const knee = kneeSearchOf(cmd.scenario.load);
    this.metrics = new MetricsRecorder(cmd.startMs, knee === undefined ? undefined : { metric: knee.p99Of, ms: knee.stepDuration });
    // every waiting device listens for the stop signal: thousands of listeners are expected
    setMaxListeners(0, this.abort.signal);
  }

  /** --save-credentials: files written here, in this thread; a failure is counted, never thrown */
  private credentialsSink(): Pick<DeviceSettings, 'onCredentials'> {
    const dir = this.cmd.saveCredentialsDir;
    if (dir === undefined) return {};
    const writer = new CredentialsWriter(dir);
    return {
      onCredentials: (c) => {
        if (!writer.write(c)) this.metrics.count('credentials_unsaved');
      },
    };
  }

  stop(reason: string): void {
    if (!this.abort.signal.aborted) this.abort.abort(reason);
  }

  async run(): Promise<void> {
    const { scenario: s, segment, target, runId } = this.cmd;
    // the schedule is lazy (load/models): this segment's arrivals are picked as they come, no list
    // of the fleet is ever held; the model schedules devices 0, 1, 2, ... so `scheduledEnd` is
    // where its schedule stopped once it has been read to the end
    let scheduledEnd = 0;
    const all = arrivalsOf(s.load, s.fleet.devices);
    const arrivals = {
      *[Symbol.iterator]() {
        for (const a of all) {
          scheduledEnd = a.index + 1;
          if (inSegment(a.index, segment)) yield a;
        }
      },
    };
    const totalSlots = inFlightSlots(s.load, s.fleet.devices);
    // shard first, then worker: shards may run different worker counts and still add up to the total
    const slots = Math.max(1, shareCount(shareCount(totalSlots, segment.shard, segment.shards), segment.worker, segment.workers));
    // provisioning by trusted user: the apps' AWS SDK is loaded before the first arrival
    if (s.flow.claim === 'trusted-user') await loadAppSdk();
    // CreateCertificateFromCsr: the key and CSR code too (runs on CreateKeysAndCertificate never load it)
    if (certificateApi(s.flow) === 'CreateCertificateFromCsr') await loadCsrSupport();
    this.timer = setInterval(() => this.flush(), PROGRESS_INTERVAL_MS);
    let maxTimer: NodeJS.Timeout | undefined;
    if (s.load.maxDuration !== undefined) {
      maxTimer = setTimeout(() => this.stop('max_duration'), Math.max(0, this.cmd.startMs + s.load.maxDuration - Date.now()));
    }
    try {
      await runShare({
        arrivals,
        load: s.load,
        slots,
        startMs: this.cmd.startMs,
        makeSpec: (index, intended) => makeDeviceSpec(s, runId, segment.shard, index, intended),
        target: deviceTargetFor(target),
        settings: { flow: s.flow, retry: s.retry, templateName: s.fleet.templateName, runStartMs: this.cmd.startMs, ...this.credentialsSink() },
        metrics: this.metrics,
        signal: this.abort.signal,
        onStart: (index, late) => {
          this.probe.noteStart(late);
          this.started.push(index);
          this.running.add(index);
        },
        onResult: (r) => this.record(r, false),
      });
      // runShare reads the schedule to its end (starting, or dropping what it cannot start): the
      // indices after the last scheduled one (open stages too short) still get an outcome
      for (const index of segmentIndexRange(scheduledEnd, s.fleet.devices, segment)) {
        this.record({ index, clientId: makeDeviceSpec(s, runId, segment.shard, index).clientId, outcome: { kind: 'dropped', reason: 'not_scheduled' }, attempts: 0 }, true);
      }
    } finally {
      clearInterval(this.timer);
      if (maxTimer !== undefined) clearTimeout(maxTimer);
      this.flush();
      this.probe.stop();
      this.emit({ type: 'done', worker: segment.worker });
    }
  }

  private record(r: DeviceResult, outcomeRecorded: boolean): void {
    if (outcomeRecorded) this.metrics.outcome(r.outcome);
    this.running.delete(r.index);
    this.results.push(r);
  }

  private flush(): void {
    const started = this.started;
    const results = this.results;
    this.started = [];
    this.results = [];
    this.emit({
      type: 'progress',
      worker: this.cmd.segment.worker,
      snapshot: this.metrics.drain(),
      started,
      results,
      inFlight: this.running.size,
      health: this.probe.take(),
    });
  }
}
