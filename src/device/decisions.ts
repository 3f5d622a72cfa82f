/**
 * The flow's decisions as pure functions: retry or give up (per step or by restarting the whole
 * flow), how a failure is named in outcomes and metrics, and the choices a flow makes from its
 * settings. No clock, socket or signal here; the random source for jitter is injectable.
 */
import type { StepName } from '../metrics/names.js';
import type { ProvisioningApi } from '../protocol/index.js';
import type { FlowConfig, RetryConfig } from '../scenario/schema.js';
import { formatReasonCode } from '../protocol/mqtt-reason-codes.js';
import { backoffDelay } from './backoff.js';
import { Interrupted, type FailedStep, type StepFailure } from './failure.js';

/** What a retry policy calls each failure kind (scenario `retry.retryOn`). */
export function retryClass(f: StepFailure): string {
  if (f.kind === 'rejected') {
    const s = f.detail.statusCode;
    if (s === 429) return 'throttled';
    if (s !== undefined && s >= 500) return 'server-error';
    return 'rejected';
  }
  return f.kind;
}

/** The `failed` outcome's reason for a step that failed for good. */
export function failureReason(step: StepName, f: StepFailure): string {
  if (f.kind === 'rejected' && f.detail.statusCode !== undefined) {
    const hook = f.detail.hookErrorType === undefined ? '' : ` (hook ${f.detail.hookErrorType})`;
    return `${`${step}: rejected ${f.detail.statusCode} ${f.detail.errorCode ?? ''}`.trim()}${hook}`;
  }
  // an MQTT refusal: the code with its name (CONNACK codes name their protocol version; see formatReasonCode)
  if (f.kind === 'connect-refused') return `${step}: refused (${f.detail.reasonCode === undefined ? 'code ?' : formatReasonCode('CONNACK', f.detail.reasonCode)})`;
  if (f.kind === 'rejected') return `${step}: refused (${f.detail.reasonCode === undefined ? 'code ?' : formatReasonCode('PUBACK', f.detail.reasonCode)})`;
  return `${step}: ${f.kind}`;
}

/** Where a retry happens: the failed step again, or the whole flow from connect. */
export type RetryScope = 'step' | 'flow';

/** Attempts allowed at `scope`: the policy's maxAttempts where its mode retries, 1 elsewhere. */
export function attemptsAllowed(retry: RetryConfig, scope: RetryScope): number {
  const mode = scope === 'step' ? 'per-step' : 'restart-flow';
  return retry.mode === mode ? retry.maxAttempts : 1;
}

export type RetryDecision =
  /** wait `delay` ms, then try again; `reason` labels the retries counter */
  | { retry: true; reason: string; delay: number }
  /** no more tries; `exhausted` (the failure's class) when a retryable failure ran out of attempts */
  | { retry: false; exhausted?: string };

/**
 * After failed attempt number `attempt` (1-based) at `scope`: retry while attempts remain and the
 * policy retries this class of failure. `previousDelay` feeds decorrelated jitter.
 */
export function decideRetry(
  retry: RetryConfig,
  scope: RetryScope,
  attempt: number,
  failure: StepFailure,
  previousDelay: number,
  random: () => number = Math.random,
): RetryDecision {
  const max = attemptsAllowed(retry, scope);
  const reason = retryClass(failure);
  const retryable = retry.retryOn.includes(reason as never);
  if (attempt < max && retryable) return { retry: true, reason, delay: backoffDelay(retry, attempt, previousDelay, random) };
  // "out of retries" only where retries were allowed at all
  return max > 1 && retryable ? { retry: false, exhausted: reason } : { retry: false };
}

export type FlowDecision =
  /** the device was stopped: it is dropped with the stop's reason */
  | { next: 'drop' }
  /** start again from connect after `delay` ms */
  | { next: 'restart'; reason: string; delay: number }
  /** the device failed; `exhausted` labels the exhausted counter when it ran out of retries */
  | { next: 'fail'; reason: string; exhausted?: { reason: string; step: StepName } };

/** What a value thrown out of a phase means: a stop, a step that failed for good, or a fault of fleetsim's own. */
export type Thrown = { kind: 'stopped' } | ({ kind: 'step' } & FailedStep) | { kind: 'internal'; reason: string };

export function classifyThrown(err: unknown): Thrown {
  if (err instanceof Interrupted) return { kind: 'stopped' };
  const { step, failure } = err as Partial<FailedStep>;
  if (step === undefined || failure === undefined) return { kind: 'internal', reason: `internal: ${(err as Error)?.message ?? String(err)}` };
  return { kind: 'step', step, failure };
}

/** After flow attempt number `attempt` threw `err`: drop, restart the flow, or fail. */
export function decideAfterFlowError(retry: RetryConfig, attempt: number, err: unknown, previousDelay: number, random: () => number = Math.random): FlowDecision {
  const thrown = classifyThrown(err);
  if (thrown.kind === 'stopped') return { next: 'drop' };
  if (thrown.kind === 'internal') return { next: 'fail', reason: thrown.reason };
  const { step, failure } = thrown;
  const d = decideRetry(retry, 'flow', attempt, failure, previousDelay, random);
  if (d.retry) return { next: 'restart', reason: d.reason, delay: d.delay };
  const reason = failureReason(step, failure);
  return d.exhausted === undefined ? { next: 'fail', reason } : { next: 'fail', reason, exhausted: { reason: d.exhausted, step } };
}

/** The certificate API the flow calls. */
export function certificateApi(flow: FlowConfig): ProvisioningApi {
  return flow.certificate === 'csr' ? 'CreateCertificateFromCsr' : 'CreateKeysAndCertificate';
}

/** RegisterThing's request body: the ownership token, and the template parameters when there are any. */
export function registerThingBody(certificateOwnershipToken: string, parameters: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { certificateOwnershipToken };
  if (Object.keys(parameters).length > 0) body.parameters = parameters;
  return body;
}

/** The verify topic with `{thingName}` (the verify client id) and `{clientId}` filled in. */
export function verifyTopic(pattern: string, verifyClientId: string, clientId: string): string {
  return pattern.replaceAll('{thingName}', verifyClientId).replaceAll('{clientId}', clientId);
}

/** ms to wait before flow.reconnect: `atMs` after the run start (or now, without one); ≤ 0 = go now. */
export function reconnectWait(runStartMs: number | undefined, atMs: number, nowMs: number): number {
  return (runStartMs ?? nowMs) + atMs - nowMs;
}
