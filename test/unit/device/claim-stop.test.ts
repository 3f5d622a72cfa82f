/**
 * The claim phase stopped while its connect is still opening: the step ends as Interrupted at once
 * and the connection that opens afterwards is destroyed (the phase's cleanup has already run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceContext } from '../../../src/device/context.js';
import type { ProvisioningExchange } from '../../../src/device/exchange.js';
import { Interrupted } from '../../../src/device/failure.js';
import { provisionWithClaim } from '../../../src/device/provisioning.js';
import { StepRunner } from '../../../src/device/retry-runner.js';
import { DeviceStop } from '../../../src/device/stop.js';
import type { DeviceSettings, DeviceTarget } from '../../../src/device/types.js';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import type { RetryConfig } from '../../../src/scenario/schema.js';

const RETRY: RetryConfig = { mode: 'per-step', maxAttempts: 1, backoff: 'constant', jitter: 'none', baseDelay: 1, maxDelay: 1, retryOn: ['timeout'] };

test('a claim connection that opens after the device was stopped is destroyed', async () => {
  let destroyed = 0;
  let open!: () => void;
  const connect = () => new Promise((r) => (open = () => r({ isOpen: true, destroy: () => destroyed++, subscribe: async () => undefined, close: async () => undefined })));
  const metrics = new MetricsRecorder(Date.now());
  const stop = new DeviceStop();
  const settings = { flow: { certificate: 'create-keys', format: 'json', replyTimeout: 1000 }, retry: RETRY, templateName: 't', runStartMs: Date.now() } as unknown as DeviceSettings;
  const d: DeviceContext = {
    spec: { index: 0, clientId: 'dev-0', serial: '0', parameters: {} },
    target: { claimSecureContext: {} } as unknown as DeviceTarget,
    settings,
    metrics,
    stop,
    steps: new StepRunner(RETRY, metrics, stop),
    exchange: { connect } as unknown as ProvisioningExchange,
    state: {},
  };
  const shared = new AbortController();
  const claim = stop.follow(shared.signal, async () => {
    const running = provisionWithClaim(d, () => assert.fail('never registered'));
    await new Promise((r) => setImmediate(r));
    shared.abort('interrupted');
    return running;
  });
  await assert.rejects(claim, Interrupted);
  assert.equal(destroyed, 0, 'nothing open yet');
  open();
  await new Promise((r) => setImmediate(r));
  assert.equal(destroyed, 1, 'the late claim connection was destroyed');
});
