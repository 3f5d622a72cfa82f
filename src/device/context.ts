/** What the parts of one device's flow share: its settings, its stop, its counters and what it has learned. */
import type { SecureContext } from 'node:tls';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { ProvisioningExchange } from './exchange.js';
import type { StepRunner } from './retry-runner.js';
import type { DeviceStop } from './stop.js';
import type { DeviceSettings, DeviceSpec, DeviceTarget } from './types.js';

/** What the device has learned so far; the ids stay in its result even when a later step fails. */
export interface DeviceState {
  certificateId?: string;
  thingName?: string;
  /** TLS context for the issued certificate, kept for flow.reconnect only (made once, shared with verify) */
  issuedContext?: () => SecureContext;
}

export interface DeviceContext {
  readonly spec: DeviceSpec;
  readonly target: DeviceTarget;
  readonly settings: DeviceSettings;
  readonly metrics: MetricsRecorder;
  readonly stop: DeviceStop;
  readonly steps: StepRunner;
  readonly exchange: ProvisioningExchange;
  readonly state: DeviceState;
}
