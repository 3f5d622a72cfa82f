/**
 * Live stop conditions, checked by the main thread every second on the merged results:
 * - the knee search (a load model with `kneeSearch`, i.e. `step`) stops at the first step that breaks `stopWhen`
 *   (reason `knee_found`: the devices not yet done are dropped with that reason; not an interruption);
 * - a threshold with `abortOnFail` stops the run as soon as it fails (after `delayAbortEval`)
 *   (reason `threshold_aborted`; the run then exits 1, as its thresholds failed).
 * Neither re-reads the whole run each second: the knee search judges each step once, when it is
 * due, and thresholds read whole-run counters from the totals the metrics keep per series key.
 */
import { createKneeWatch } from '../analysis/knee.js';
import { kneeSearchOf } from '../load/models/index.js';
import { KNEE_FOUND } from '../load/models/step.js';
import { evaluateThresholds, type MetricsView } from '../metrics/thresholds.js';
import type { Scenario } from '../scenario/schema.js';

export const THRESHOLD_ABORTED = 'threshold_aborted';

export interface StopDecision {
  /** the dropped reason of the devices not done, and the report's statusReason */
  reason: string;
  /** one line for the user */
  detail: string;
}

export interface RunGuard {
  /** undefined = keep going */
  check(metrics: MetricsView, devices: number, elapsedMs: number): StopDecision | undefined;
}

export function createRunGuard(s: Scenario): RunGuard | undefined {
  const search = kneeSearchOf(s.load);
  const aborting = s.thresholds.filter((t) => t.abortOnFail);
  if (search === undefined && aborting.length === 0) return undefined;
  const knee = search === undefined ? undefined : createKneeWatch(search);
  return {
    check(metrics, devices, elapsedMs) {
      const due = aborting.filter((t) => elapsedMs >= (t.delayAbortEval ?? 0));
      if (due.length > 0) {
        const failed = evaluateThresholds(due, { metrics, devices }).find((r) => !r.ok);
        if (failed !== undefined) return { reason: THRESHOLD_ABORTED, detail: `threshold failed: ${failed.expression} (${failed.detail})` };
      }
      const step = knee?.check(metrics, elapsedMs);
      if (step !== undefined) return { reason: KNEE_FOUND, detail: `knee found: step ${step.step} (${step.ratePerSec}/s) failed: ${step.reasons.join(', ')}` };
      return undefined;
    },
  };
}
