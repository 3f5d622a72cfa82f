/**
 * The issued certificate's TLS context (made on first use, then the same one for verify and
 * reconnect), and the flow.reconnect phase with a fake connect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issuedContext, reconnectAfterOutage } from '../../../src/device/issued.js';
import type { DeviceContext } from '../../../src/device/context.js';
import type { ProvisioningExchange } from '../../../src/device/exchange.js';
import { StepFailure } from '../../../src/device/failure.js';
import { StepRunner } from '../../../src/device/retry-runner.js';
import { DeviceStop } from '../../../src/device/stop.js';
import type { DeviceSettings, DeviceTarget } from '../../../src/device/types.js';
import { MetricsRecorder } from '../../../src/metrics/recorder.js';
import type { RetryConfig } from '../../../src/scenario/schema.js';
import { createTestPki } from '../../helpers/test-pki.js';

const RETRY: RetryConfig = {
  mode: 'per-step',
  maxAttempts: 1,
  backoff: 'constant',
  jitter: 'none',
  baseDelay: 1,
  maxDelay: 1,
  retryOn: ['throttled', 'server-error', 'timeout'],
};

test('made once, on the first call, and shared by every later call', async () => {
  const pki = await createTestPki();
  const client = await pki.issueClient('device-1');
  const ctx = issuedContext(client.certPem, client.keyPem, pki.ca.certPem);
  const first = ctx();
  assert.equal(ctx(), first);
  // nothing is parsed before the first call: a bad certificate only fails then
  const lazy = issuedContext('not a certificate', 'not a key', undefined);
  assert.throws(() => lazy());
});

/** A device context for reconnectAfterOutage with no target behind it: `connect` is the only traffic. */
function reconnectContext(connect: () => Promise<unknown>, onStep?: () => void): DeviceContext {
  const metrics = new MetricsRecorder(Date.now());
  const stop = new DeviceStop();
  const settings = { flow: { reconnect: { at: 0 } }, retry: RETRY, templateName: 't', runStartMs: Date.now() } as unknown as DeviceSettings;
  return {
    spec: { index: 0, clientId: 'dev-0', serial: '0', parameters: {} },
    target: {} as DeviceTarget,
    settings,
    metrics,
    stop,
    steps: new StepRunner(RETRY, metrics, stop, onStep),
    exchange: { connect } as unknown as ProvisioningExchange,
    state: { thingName: 'thing-0' },
  };
}

test('reconnect: back with the issued certificate is provisioned; a refusal fails it with the step and code', async () => {
  const pki = await createTestPki();
  const client = await pki.issueClient('device-1');
  const ok = reconnectContext(async () => ({ close: async () => undefined }));
  ok.state.issuedContext = issuedContext(client.certPem, client.keyPem, undefined);
  assert.deepEqual(await reconnectAfterOutage(ok, 0), { kind: 'provisioned' });
  assert.equal(ok.state.issuedContext, undefined, 'the issued key is not kept after the reconnect');
  const refused = reconnectContext(async () => {
    throw new StepFailure('connect-refused', 'x', { reasonCode: 5 });
  });
  refused.state.issuedContext = issuedContext(client.certPem, client.keyPem, undefined);
  assert.deepEqual(await reconnectAfterOutage(refused, 0), { kind: 'failed', reason: 'reconnect: refused (0x05 Not authorized)' });
});

test('reconnect: an issued certificate that cannot be loaded fails the device as internal (run() does not reject)', async () => {
  const d = reconnectContext(async () => assert.fail('no connect without a TLS context'));
  d.state.issuedContext = issuedContext('not a certificate', 'not a key', undefined);
  const outcome = await reconnectAfterOutage(d, 0);
  assert.equal(outcome.kind, 'failed');
  assert.match(outcome.kind === 'failed' ? outcome.reason : '', /^internal: /);
});

test('reconnect: an error that is not a failed step (a throwing onStep) is internal, as in the flow', async () => {
  const pki = await createTestPki();
  const client = await pki.issueClient('device-1');
  const d = reconnectContext(
    async () => ({ close: async () => undefined }),
    () => {
      throw new Error('printer broke');
    },
  );
  d.state.issuedContext = issuedContext(client.certPem, client.keyPem, undefined);
  assert.deepEqual(await reconnectAfterOutage(d, 0), { kind: 'failed', reason: 'internal: printer broke' });
});

test('reconnect: a connection that opens after the device was stopped is destroyed, not leaked', async () => {
  const pki = await createTestPki();
  const client = await pki.issueClient('device-1');
  let destroyed = 0;
  let open!: () => void;
  const d = reconnectContext(() => new Promise((r) => (open = () => r({ close: async () => undefined, destroy: () => destroyed++ }))));
  d.state.issuedContext = issuedContext(client.certPem, client.keyPem, undefined);
  const shared = new AbortController();
  const outcome = d.stop.follow(shared.signal, async () => {
    const running = reconnectAfterOutage(d, 0);
    await new Promise((r) => setImmediate(r));
    shared.abort('interrupted');
    return running;
  });
  assert.deepEqual(await outcome, { kind: 'dropped', reason: 'interrupted' });
  assert.equal(destroyed, 0);
  open();
  await new Promise((r) => setImmediate(r));
  assert.equal(destroyed, 1, 'the late connection was destroyed');
});
