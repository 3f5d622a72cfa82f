/**
 * The retry policy carried out, with fake steps instead of sockets: per-step retries, flow
 * restarts, giving up after maxAttempts, and a stop during the backoff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import { SnapshotAccumulator } from '../../../src/metrics/snapshot.js';
import { runWithRestarts, StepRunner } from '../../../src/device/retry-runner.js';
import { Interrupted, StepFailure, type FailedStep } from '../../../src/device/failure.js';
import { DeviceStop } from '../../../src/device/stop.js';
import type { StepObservation } from '../../../src/device/types.js';
import type { RetryConfig } from '../../../src/scenario/schema.js';

/** a backoff no test waits out: a stop must end it (if one does not, the test times out first) */
const LONG = 60_000;
const RETRY: RetryConfig = {
  mode: 'per-step',
  maxAttempts: 3,
  backoff: 'constant',
  jitter: 'none',
  baseDelay: 1,
  maxDelay: 1,
  retryOn: ['throttled', 'server-error', 'timeout'],
};
const throttled = () => new StepFailure('rejected', 'RegisterThing rejected: 429 Throttled', { statusCode: 429, errorCode: 'Throttled' });

function setup(retry: RetryConfig) {
  const metrics = new MetricsRecorder(Date.now());
  const stop = new DeviceStop();
  const seen: StepObservation[] = [];
  const runner = new StepRunner(retry, metrics, stop, (o) => seen.push(o));
  const read = () => {
    const acc = new SnapshotAccumulator();
    acc.add(metrics.drain());
    return acc;
  };
  return { metrics, stop, seen, runner, read };
}

/** A step that fails with `failures` in turn, then returns 'done'. */
function scripted(failures: unknown[]) {
  let calls = 0;
  return {
    fn: async () => {
      const f = failures[calls++];
      if (f !== undefined) throw f;
      return 'done';
    },
    calls: () => calls,
  };
}

test('per-step: a retryable failure is retried until the step succeeds', async () => {
  const { runner, seen, read } = setup(RETRY);
  const step = scripted([throttled(), throttled()]);
  assert.equal(await runner.run('register_thing', step.fn), 'done');
  assert.equal(step.calls(), 3);
  assert.equal(runner.attempts, 3);
  assert.deepEqual(seen.map((o) => [o.step, o.attempt, o.ok]), [['register_thing', 1, false], ['register_thing', 2, false], ['register_thing', 3, true]]);
  const acc = read();
  assert.equal(acc.sumSeries('retries', { reason: 'throttled', step: 'register_thing' }), 2);
  assert.equal(acc.sumSeries('exhausted'), 0);
  assert.equal(acc.histogram('register_thing').count, 1, 'the successful attempt is timed');
});

test('per-step: gives up after maxAttempts, out of retries, with the failed step', async () => {
  const { runner, read } = setup(RETRY);
  const step = scripted([throttled(), throttled(), throttled(), throttled()]);
  const err = await runner.run('register_thing', step.fn).then(
    () => assert.fail('the step should fail'),
    (e: unknown) => e as FailedStep,
  );
  assert.equal(err.step, 'register_thing');
  assert.equal(err.failure.kind, 'rejected');
  assert.equal(step.calls(), 3);
  const acc = read();
  assert.equal(acc.sumSeries('retries', { step: 'register_thing' }), 2);
  assert.equal(acc.sumSeries('exhausted', { reason: 'throttled', step: 'register_thing' }), 1);
  assert.equal(acc.histogram('register_thing').count, 0, 'failed attempts are not timed');
});

test('per-step: a failure the policy does not retry, or a plain error, ends the step at once', async () => {
  const { runner, read } = setup(RETRY);
  const bad = scripted([new StepFailure('rejected', 'x', { statusCode: 400, errorCode: 'BadRequest' })]);
  await assert.rejects(runner.run('create_certificate', bad.fn), (e: FailedStep) => e.step === 'create_certificate' && e.failure.detail.statusCode === 400);
  const odd = scripted([new Error('unexpected')]);
  await assert.rejects(runner.run('subscribe', odd.fn), (e: FailedStep) => e.failure.kind === 'protocol' && e.failure.message === 'unexpected');
  assert.equal(bad.calls() + odd.calls(), 2);
  const acc = read();
  assert.equal(acc.sumSeries('retries') + acc.sumSeries('exhausted'), 0);
});

test('restart-flow: steps are not retried; the flow restarts from the top until it provisions', async () => {
  const policy: RetryConfig = { ...RETRY, mode: 'restart-flow' };
  const { runner, stop, metrics, read } = setup(policy);
  const step = scripted([throttled(), throttled()]);
  let passes = 0;
  const outcome = await runWithRestarts(policy, metrics, stop, async () => {
    passes += 1;
    await runner.run('register_thing', step.fn);
  });
  assert.deepEqual(outcome, { kind: 'provisioned' });
  assert.equal(passes, 3);
  const acc = read();
  assert.equal(acc.sumSeries('retries', { reason: 'throttled', step: 'flow' }), 2);
  assert.equal(acc.sumSeries('retries', { step: 'register_thing' }), 0);
});

test('restart-flow: gives up after maxAttempts passes, out of retries at the failing step', async () => {
  const policy: RetryConfig = { ...RETRY, mode: 'restart-flow' };
  const { runner, stop, metrics, read } = setup(policy);
  const step = scripted(Array.from({ length: 5 }, throttled));
  const outcome = await runWithRestarts(policy, metrics, stop, async () => {
    await runner.run('register_thing', step.fn);
  });
  assert.deepEqual(outcome, { kind: 'failed', reason: 'register_thing: rejected 429 Throttled' });
  assert.equal(step.calls(), 3);
  const acc = read();
  assert.equal(acc.sumSeries('retries', { step: 'flow' }), 2);
  assert.equal(acc.sumSeries('exhausted', { reason: 'throttled', step: 'register_thing' }), 1);
});

test('per-step mode: the flow is run once, whatever fails', async () => {
  const { runner, stop, metrics, read } = setup({ ...RETRY, maxAttempts: 1 });
  let passes = 0;
  const outcome = await runWithRestarts(RETRY, metrics, stop, async () => {
    passes += 1;
    await runner.run('register_thing', scripted([throttled()]).fn);
  });
  assert.deepEqual(outcome, { kind: 'failed', reason: 'register_thing: rejected 429 Throttled' });
  assert.equal(passes, 1);
  assert.equal(read().sumSeries('retries'), 0);
});

test('a flow pass that throws something other than a failed step fails as internal', async () => {
  const { stop, metrics } = setup(RETRY);
  const outcome = await runWithRestarts({ ...RETRY, mode: 'restart-flow' }, metrics, stop, async () => {
    throw new Error('sink broke');
  });
  assert.deepEqual(outcome, { kind: 'failed', reason: 'internal: sink broke' });
});

test('stop mid-backoff (per-step): the step ends with Interrupted, not after the backoff', { timeout: 10_000 }, async () => {
  const policy: RetryConfig = { ...RETRY, baseDelay: LONG, maxDelay: LONG };
  const shared = new AbortController();
  const { stop, metrics, read } = setup(policy);
  const runner = new StepRunner(policy, metrics, stop, (o) => {
    // the retry is decided and its backoff started before this fires
    if (!o.ok) setImmediate(() => shared.abort('knee_found'));
  });
  const step = scripted([throttled(), throttled()]);
  await stop.follow(shared.signal, () => assert.rejects(runner.run('register_thing', step.fn), Interrupted));
  assert.equal(step.calls(), 1);
  assert.equal(read().sumSeries('retries', { step: 'register_thing' }), 1);
});

test('stop mid-backoff (restart-flow): the device is dropped with the stop reason', { timeout: 10_000 }, async () => {
  const policy: RetryConfig = { ...RETRY, mode: 'restart-flow', baseDelay: LONG, maxDelay: LONG };
  const shared = new AbortController();
  const { runner, stop, metrics } = setup(policy);
  let passes = 0;
  const outcome = await stop.follow(shared.signal, () =>
    runWithRestarts(policy, metrics, stop, async () => {
      passes += 1;
      setImmediate(() => shared.abort('knee_found'));
      await runner.run('register_thing', scripted([throttled()]).fn);
    }),
  );
  assert.deepEqual(outcome, { kind: 'dropped', reason: 'knee_found' });
  assert.equal(passes, 1);
});

test('stop mid-step: a pending step ends with Interrupted; a stopped device starts no step', { timeout: 10_000 }, async () => {
  const shared = new AbortController();
  const { runner, stop } = setup(RETRY);
  let calls = 0;
  await stop.follow(shared.signal, async () => {
    const pending = runner.run('create_certificate', () => {
      calls += 1;
      return new Promise<never>(() => undefined);
    });
    setImmediate(() => shared.abort('interrupted'));
    await assert.rejects(pending, Interrupted);
    await assert.rejects(runner.run('connect', async () => (calls += 1)), Interrupted);
  });
  assert.equal(calls, 1);
  assert.deepEqual(await runWithRestarts(RETRY, new MetricsRecorder(Date.now()), stop, () => runner.run('connect', async () => undefined)), {
    kind: 'dropped',
    reason: 'interrupted',
  });
});
