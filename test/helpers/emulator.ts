/**
 * Test fixtures: an in-process emulator on 127.0.0.1:0 with the example template, and a device
 * runner with test-sized timeouts. Everything is closed by the caller (t.after).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js';
import { parseTemplateBody } from '../../src/emulator/templates/index.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { VirtualDevice } from '../../src/device/device.js';
import type { DeviceResult, DeviceTarget } from '../../src/device/types.js';
import { scenarioSchema, type FlowConfig, type RetryConfig } from '../../src/scenario/schema.js';

/** Repository root (tests run from dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const TEMPLATE_NAME = 'fleet-prov-test-template';

export function exampleTemplateBody() {
  return parseTemplateBody(readFileSync(`${REPO_ROOT}scenarios/templates/fleet-prov-test-template.json`, 'utf8'));
}

/** The scenario schema's emulator defaults, as a scenario that leaves `emulator:` out gets them. */
export const EMULATOR_DEFAULTS = scenarioSchema.shape.emulator.parse(undefined);

export async function startTestEmulator(extra: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({
    templates: [{ name: TEMPLATE_NAME, body: exampleTemplateBody(), enabled: true }],
    keyAlgorithm: EMULATOR_DEFAULTS.keyAlgorithm,
    keyPoolSize: EMULATOR_DEFAULTS.keyPoolSize,
    tokenTtlMs: EMULATOR_DEFAULTS.tokenTtl,
    ...extra,
  });
}

/** A certificate and its private key, as PEM (keys stay in memory). */
export interface Credentials {
  cert: string;
  key: string;
}

/** The emulator's claim certificate and key. */
export function claimOf(emu: Emulator): Credentials {
  return { cert: emu.claim.certificatePem, key: emu.claim.privateKeyPem };
}

export function deviceTarget(emu: Emulator, claim: Credentials = claimOf(emu)): DeviceTarget {
  return {
    host: emu.host,
    port: emu.port,
    servername: 'localhost',
    ca: emu.caPem,
    claimSecureContext: createSecureContext({ cert: claim.cert, key: claim.key, ca: emu.caPem }),
  };
}

export const TEST_FLOW: FlowConfig = {
  certificate: 'create-keys',
  keyAlgorithm: 'ec-p256',
  format: 'json',
  mqttVersion: 4,
  keepalive: 60,
  connectTimeout: 5000,
  replyTimeout: 5000,
  verify: { enabled: true, topic: 'fleetsim/{thingName}/hello' },
};

export const NO_RETRY: RetryConfig = {
  mode: 'per-step',
  maxAttempts: 1,
  backoff: 'exponential',
  jitter: 'full',
  baseDelay: 100,
  maxDelay: 1000,
  retryOn: ['throttled', 'server-error', 'timeout'],
};

export async function runTestDevice(
  emu: Emulator,
  index: number,
  opts: { flow?: Partial<FlowConfig>; retry?: Partial<RetryConfig>; target?: DeviceTarget; metrics?: MetricsRecorder; templateName?: string } = {},
): Promise<DeviceResult> {
  const metrics = opts.metrics ?? new MetricsRecorder(Date.now());
  const serial = String(index).padStart(3, '0');
  const device = new VirtualDevice(
    { index, clientId: `test-device-${index}`, serial, parameters: { SerialNumber: serial } },
    opts.target ?? deviceTarget(emu),
    { flow: { ...TEST_FLOW, ...opts.flow }, retry: { ...NO_RETRY, ...opts.retry }, templateName: opts.templateName ?? TEMPLATE_NAME },
    metrics,
  );
  return device.run();
}
