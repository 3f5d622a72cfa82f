/**
 * Runs one share of the devices (a worker's, or the whole run in-process) with the runner its
 * load model names (load/models/): the `slots` runner keeps every slot busy (closed); the `timed`
 * runner starts each device at its intended time (open, burst, step), and an arrival that cannot
 * start within the start tolerance (in-flight cap reached, or the generator's timer late) is
 * dropped with its reason, never silently delayed.
 */
import pLimit from 'p-limit';
import { loadRunner, type Arrival, type LoadConfig } from '../load/models/index.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { VirtualDevice } from '../device/device.js';
import type { DeviceResult, DeviceSettings, DeviceSpec, DeviceTarget } from '../device/types.js';

export interface ShareInput {
  arrivals: Arrival[];
  load: LoadConfig;
  /** this share of the model's in-flight slots (load/models: inFlight), already split */
  slots: number;
  /** wall-clock ms of the run's t=0 (shared by every worker and shard) */
  startMs: number;
  makeSpec: (index: number, intendedStartMs: number | undefined) => DeviceSpec;
  target: DeviceTarget;
  settings: DeviceSettings;
  metrics: MetricsRecorder;
  signal: AbortSignal;
  onResult?: (r: DeviceResult) => void;
  onStart?: (index: number, lateMs: number) => void;
}

/** Threshold for counting a start as late in generator-health stats. */
export const LATE_START_MS = 100;

export async function runShare(input: ShareInput): Promise<void> {
  const runner = loadRunner(input.load);
  if (runner.kind === 'slots') return runSlots(input);
  return runTimed(input, runner.startToleranceMs);
}

function finish(input: ShareInput, r: DeviceResult): void {
  input.onResult?.(r);
}

function dropped(input: ShareInput, index: number, reason: string): void {
  input.metrics.outcome({ kind: 'dropped', reason });
  const spec = input.makeSpec(index, undefined);
  finish(input, { index, clientId: spec.clientId, outcome: { kind: 'dropped', reason }, attempts: 0 });
}

async function runOne(input: ShareInput, spec: DeviceSpec): Promise<void> {
  const device = new VirtualDevice(spec, input.target, input.settings, input.metrics, input.signal);
  finish(input, await device.run());
}

async function runSlots(input: ShareInput): Promise<void> {
  const limit = pLimit(Math.max(1, input.slots));
  await Promise.all(
    input.arrivals.map((a) =>
      limit(async () => {
        if (input.signal.aborted) return dropped(input, a.index, abortReason(input.signal));
        input.onStart?.(a.index, 0);
        await runOne(input, input.makeSpec(a.index, undefined));
      }),
    ),
  );
}

function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'interrupted';
}

async function runTimed(input: ShareInput, tolerance: number): Promise<void> {
  const queue = [...input.arrivals].sort((a, b) => (a.offsetMs ?? 0) - (b.offsetMs ?? 0));
  let next = 0;
  let inFlight = 0;
  let startedInARow = 0;
  let blockedAt = -1; // the arrival that waited for a free slot, if any
  const running = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const nudge = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  input.signal.addEventListener('abort', nudge, { once: true });

  while (next < queue.length) {
    if (input.signal.aborted) break;
    const a = queue[next] as Arrival;
    const due = input.startMs + (a.offsetMs ?? 0);
    const wait = due - Date.now();
    if (wait > 1) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(nudge, wait);
      });
      continue;
    }
    if (inFlight >= input.slots) {
      // At the cap: the arrival waits for a slot only while it is still within tolerance.
      if (Date.now() - due > tolerance) {
        dropped(input, a.index, 'max_in_flight');
        next++;
        continue;
      }
      blockedAt = next;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(nudge, Math.max(1, due + tolerance - Date.now() + 1));
      });
      continue;
    }
    const late = Date.now() - due;
    const waitedForSlot = blockedAt === next;
    next++;
    if (late > tolerance) {
      dropped(input, a.index, waitedForSlot ? 'max_in_flight' : 'generator_behind');
      continue;
    }
    input.onStart?.(a.index, late);
    inFlight++;
    const p = runOne(input, input.makeSpec(a.index, due)).finally(() => {
      inFlight--;
      running.delete(p);
      nudge();
    });
    running.add(p);
    // a burst starts thousands of TLS connections at once: let I/O run between batches so the
    // devices already started are not starved by the ones still being started
    if (++startedInARow % 32 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (; next < queue.length; next++) dropped(input, (queue[next] as Arrival).index, abortReason(input.signal));
  await Promise.all(running);
}
