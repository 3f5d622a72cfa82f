/** The device flow's decisions, without sockets: retry or give up, restart the flow, name the failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attemptsAllowed,
  certificateApi,
  decideAfterFlowError,
  decideRetry,
  failureReason,
  reconnectWait,
  registerThingBody,
  retryClass,
  verifyTopic,
} from '../../../src/device/decisions.js';
import { Interrupted, StepFailure, type FailedStep } from '../../../src/device/failure.js';
import type { FlowConfig, RetryConfig } from '../../../src/scenario/schema.js';

const PER_STEP: RetryConfig = {
  mode: 'per-step',
  maxAttempts: 3,
  backoff: 'exponential',
  jitter: 'none',
  baseDelay: 100,
  maxDelay: 1000,
  retryOn: ['throttled', 'server-error', 'timeout'],
};
const RESTART: RetryConfig = { ...PER_STEP, mode: 'restart-flow' };

const throttled = () => new StepFailure('rejected', 'x', { statusCode: 429, errorCode: 'Throttled' });
const badRequest = () => new StepFailure('rejected', 'x', { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken' });

test('retryClass names failures as retry.retryOn does', () => {
  assert.equal(retryClass(throttled()), 'throttled');
  assert.equal(retryClass(new StepFailure('rejected', 'x', { statusCode: 503 })), 'server-error');
  assert.equal(retryClass(new StepFailure('rejected', 'x', { statusCode: 500 })), 'server-error');
  assert.equal(retryClass(badRequest()), 'rejected');
  assert.equal(retryClass(new StepFailure('rejected', 'PUBACK', { reasonCode: 0x87 })), 'rejected');
  for (const kind of ['timeout', 'disconnect', 'connect-refused', 'connect-error', 'protocol'] as const) {
    assert.equal(retryClass(new StepFailure(kind, 'x')), kind);
  }
});

test('failureReason: the step, then the status and code, the refusal code with its name, or the kind', () => {
  assert.equal(failureReason('register_thing', throttled()), 'register_thing: rejected 429 Throttled');
  assert.equal(failureReason('register_thing', new StepFailure('rejected', 'x', { statusCode: 500 })), 'register_thing: rejected 500');
  // MQTT 3.1.1 return code 5 and MQTT 5 reason codes: every MQTT 5 CONNACK refusal is 0x80 or above
  assert.equal(failureReason('connect', new StepFailure('connect-refused', 'x', { reasonCode: 5 })), 'connect: refused (0x05 Not authorized)');
  assert.equal(failureReason('connect', new StepFailure('connect-refused', 'x', { reasonCode: 0x87 })), 'connect: refused (0x87 Not authorized)');
  assert.equal(failureReason('connect', new StepFailure('connect-refused', 'x', { reasonCode: 0x9f })), 'connect: refused (0x9F Connection rate exceeded)');
  assert.equal(failureReason('connect', new StepFailure('connect-refused', 'x', { reasonCode: 3 })), 'connect: refused (0x03 Server unavailable)');
  assert.equal(failureReason('connect', new StepFailure('connect-refused', 'x')), 'connect: refused (code ?)');
  assert.equal(failureReason('verify_publish', new StepFailure('rejected', 'x', { reasonCode: 0x87 })), 'verify_publish: refused (0x87 Not authorized)');
  assert.equal(failureReason('verify_publish', new StepFailure('rejected', 'x', { reasonCode: 0x97 })), 'verify_publish: refused (0x97 Quota exceeded)');
  assert.equal(failureReason('create_certificate', new StepFailure('timeout', 'x')), 'create_certificate: timeout');
});

test('the policy mode picks the scope that retries; the other scope gets one attempt', () => {
  assert.equal(attemptsAllowed(PER_STEP, 'step'), 3);
  assert.equal(attemptsAllowed(PER_STEP, 'flow'), 1);
  assert.equal(attemptsAllowed(RESTART, 'step'), 1);
  assert.equal(attemptsAllowed(RESTART, 'flow'), 3);
});

test('per-step: retries a retryable failure with exponential backoff, then gives up as out of retries', () => {
  assert.deepEqual(decideRetry(PER_STEP, 'step', 1, throttled(), 0), { retry: true, reason: 'throttled', delay: 100 });
  assert.deepEqual(decideRetry(PER_STEP, 'step', 2, throttled(), 100), { retry: true, reason: 'throttled', delay: 200 });
  assert.deepEqual(decideRetry(PER_STEP, 'step', 3, throttled(), 200), { retry: false, exhausted: 'throttled' });
});

test('a failure the policy does not retry ends at once, and is not "out of retries"', () => {
  assert.deepEqual(decideRetry(PER_STEP, 'step', 1, badRequest(), 0), { retry: false });
  assert.deepEqual(decideRetry(PER_STEP, 'step', 1, new StepFailure('disconnect', 'x'), 0), { retry: false });
  assert.deepEqual(decideRetry({ ...PER_STEP, retryOn: ['disconnect'] }, 'step', 1, new StepFailure('disconnect', 'x'), 0).retry, true);
});

test('maxAttempts 1: no retry, and no "out of retries" either', () => {
  assert.deepEqual(decideRetry({ ...PER_STEP, maxAttempts: 1 }, 'step', 1, throttled(), 0), { retry: false });
});

test('restart-flow: a step is never retried on its own; the flow is', () => {
  assert.deepEqual(decideRetry(RESTART, 'step', 1, throttled(), 0), { retry: false });
  assert.deepEqual(decideRetry(RESTART, 'flow', 1, throttled(), 0), { retry: true, reason: 'throttled', delay: 100 });
  assert.deepEqual(decideRetry(PER_STEP, 'flow', 1, throttled(), 0), { retry: false });
});

test('the backoff gets the attempt, the previous delay and the random source', () => {
  const decorrelated: RetryConfig = { ...PER_STEP, maxAttempts: 5, jitter: 'decorrelated' };
  // between base and 3 × previous: the top of the range with random() → 1
  assert.deepEqual(decideRetry(decorrelated, 'step', 2, throttled(), 300, () => 1), { retry: true, reason: 'throttled', delay: 900 });
  const full: RetryConfig = { ...PER_STEP, jitter: 'full' };
  assert.deepEqual(decideRetry(full, 'step', 2, throttled(), 0, () => 0.5), { retry: true, reason: 'throttled', delay: 100 });
});

const failed = (f: StepFailure, step: FailedStep['step'] = 'register_thing'): FailedStep => ({ step, failure: f });

test('after a flow attempt: restart while restart-flow allows it, then fail as out of retries', () => {
  assert.deepEqual(decideAfterFlowError(RESTART, 1, failed(throttled()), 0), { next: 'restart', reason: 'throttled', delay: 100 });
  assert.deepEqual(decideAfterFlowError(RESTART, 2, failed(throttled()), 100), { next: 'restart', reason: 'throttled', delay: 200 });
  assert.deepEqual(decideAfterFlowError(RESTART, 3, failed(throttled()), 200), {
    next: 'fail',
    reason: 'register_thing: rejected 429 Throttled',
    exhausted: { reason: 'throttled', step: 'register_thing' },
  });
});

test('after a flow attempt under per-step: the step already spent its retries, the flow just fails', () => {
  assert.deepEqual(decideAfterFlowError(PER_STEP, 1, failed(throttled()), 0), { next: 'fail', reason: 'register_thing: rejected 429 Throttled' });
});

test('after a flow attempt: a stop drops the device, anything but a failed step is internal', () => {
  assert.deepEqual(decideAfterFlowError(RESTART, 1, new Interrupted(), 0), { next: 'drop' });
  assert.deepEqual(decideAfterFlowError(RESTART, 1, new Error('sink broke'), 0), { next: 'fail', reason: 'internal: sink broke' });
  assert.deepEqual(decideAfterFlowError(RESTART, 1, 'odd', 0), { next: 'fail', reason: 'internal: odd' });
  assert.deepEqual(decideAfterFlowError(RESTART, 1, failed(badRequest()), 0), { next: 'fail', reason: 'register_thing: rejected 400 InvalidCertificateOwnershipToken' });
});

test('the flow choices made from the settings', () => {
  assert.equal(certificateApi({ certificate: 'csr' } as FlowConfig), 'CreateCertificateFromCsr');
  assert.equal(certificateApi({ certificate: 'create-keys' } as FlowConfig), 'CreateKeysAndCertificate');
  assert.deepEqual(registerThingBody('tok', {}), { certificateOwnershipToken: 'tok' });
  assert.deepEqual(registerThingBody('tok', { SerialNumber: '7' }), { certificateOwnershipToken: 'tok', parameters: { SerialNumber: '7' } });
  assert.equal(verifyTopic('fleetsim/{thingName}/{clientId}/{thingName}', 'thing-1', 'dev-1'), 'fleetsim/thing-1/dev-1/thing-1');
  assert.equal(reconnectWait(1_000, 5_000, 2_000), 4_000);
  assert.equal(reconnectWait(undefined, 5_000, 2_000), 5_000);
  assert.ok(reconnectWait(1_000, 500, 2_000) <= 0);
});
