/**
 * Carries out the retry policy, at both scopes: StepRunner retries one named step (per-step
 * mode), runWithRestarts reruns the whole flow (restart-flow mode). Both count retries and "out of
 * retries", and back off between attempts; a stop ends a backoff at once. The decisions
 * themselves are in decisions.ts.
 */
import type { MetricsRecorder, Outcome } from '../metrics/recorder.js';
import type { StepName } from '../metrics/names.js';
import type { RetryConfig } from '../scenario/schema.js';
import { decideAfterFlowError, decideRetry } from './decisions.js';
import { Interrupted, StepFailure, type FailedStep } from './failure.js';
import type { DeviceStop } from './stop.js';
import type { StepObservation } from './types.js';

const now = (): number => performance.now();

/** Runs steps under the per-step policy: times each attempt into the step's histogram and reports it to onStep. */
export class StepRunner {
  /** step attempts so far, across all steps and flow restarts */
  attempts = 0;
  /** step retries so far (attempts after a failure of the same step) */
  retries = 0;

  constructor(
    private readonly retry: RetryConfig,
    private readonly metrics: MetricsRecorder,
    private readonly stop: DeviceStop,
    private readonly onStep?: (o: StepObservation) => void,
  ) {}

  /**
   * Run `fn` as `step`; a failure leaves as a FailedStep once its retries are spent, a stop as
   * Interrupted. `dispose` closes what an attempt cut short by a stop still produces.
   */
  async run<T>(step: StepName, fn: () => Promise<T>, dispose?: (late: T) => void): Promise<T> {
    let delay = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.stop.aborted) throw new Interrupted();
      this.attempts += 1;
      const t0 = now();
      try {
        const v = await this.stop.abortable(fn(), dispose);
        this.metrics.recordMicros(step, (now() - t0) * 1000);
        this.onStep?.({ step, attempt, ms: now() - t0, ok: true });
        return v;
      } catch (err) {
        if (err instanceof Interrupted) throw err;
        const failure = err instanceof StepFailure ? err : new StepFailure('protocol', (err as Error).message);
        this.onStep?.({ step, attempt, ms: now() - t0, ok: false, detail: failure.message });
        const d = decideRetry(this.retry, 'step', attempt, failure, delay);
        if (d.retry) {
          this.metrics.count('retries', { reason: d.reason, step });
          this.retries += 1;
          delay = d.delay;
          if (!(await this.stop.pause(delay))) throw new Interrupted();
          continue;
        }
        if (d.exhausted !== undefined) this.metrics.count('exhausted', { reason: d.exhausted, step });
        throw { step, failure } satisfies FailedStep;
      }
    }
  }
}

/**
 * Run the flow (`once`) until it provisions, fails for good, or the device is stopped, restarting
 * it from the top under the restart-flow policy.
 */
export async function runWithRestarts(retry: RetryConfig, metrics: MetricsRecorder, stop: DeviceStop, once: () => Promise<void>, onRestart?: () => void): Promise<Outcome> {
  let delay = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await once();
      return { kind: 'provisioned' };
    } catch (err) {
      const next = decideAfterFlowError(retry, attempt, err, delay);
      if (next.next === 'drop') return { kind: 'dropped', reason: stop.reason() };
      if (next.next === 'fail') {
        if (next.exhausted !== undefined) metrics.count('exhausted', next.exhausted);
        return { kind: 'failed', reason: next.reason };
      }
      metrics.count('retries', { reason: next.reason, step: 'flow' });
      onRestart?.();
      delay = next.delay;
      if (!(await stop.pause(delay))) return { kind: 'dropped', reason: stop.reason() };
    }
  }
}
