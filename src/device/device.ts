/**
 * One virtual device: the whole fleet-provisioning-by-claim flow, each step timed.
 *
 * connect (claim cert) → subscribe → CreateKeysAndCertificate | CreateCertificateFromCsr →
 * subscribe → RegisterThing → disconnect → verify: connect with the issued cert, publish QoS 1,
 * wait for PUBACK → disconnect. A rejected reply is an outcome with its code, never an exception.
 *
 * The parts: flow.ts runs one pass (provisioning.ts: claim phase; issued.ts: verify, and the
 * flow.reconnect replay); retry-runner.ts retries a step or restarts the flow as decisions.ts
 * decides; exchange.ts sends the requests and counts them; stop.ts follows the generator's stop.
 */
import type { MetricsRecorder, Outcome } from '../metrics/recorder.js';
import { apiAttemptsKey, deviceRetriesKey, flowAttemptsKey } from '../metrics/names.js';
import type { DeviceContext } from './context.js';
import { ProvisioningExchange } from './exchange.js';
import { runFlowOnce } from './flow.js';
import { reconnectAfterOutage } from './issued.js';
import { runWithRestarts, StepRunner } from './retry-runner.js';
import { DeviceStop } from './stop.js';
import type { DeviceSettings, DeviceSpec, DeviceTarget, DeviceResult } from './types.js';

const now = (): number => performance.now();

export class VirtualDevice {
  /** the device's own stop signal, following the generator's (see stop.ts) */
  private readonly stop = new DeviceStop();

  constructor(
    private readonly spec: DeviceSpec,
    private readonly target: DeviceTarget,
    private readonly settings: DeviceSettings,
    private readonly metrics: MetricsRecorder,
    private readonly parentSignal?: AbortSignal,
  ) {}

  run(): Promise<DeviceResult> {
    return this.stop.follow(this.parentSignal, () => this.runDevice());
  }

  private async runDevice(): Promise<DeviceResult> {
    const started = now();
    const intendedLagMs = this.spec.intendedStartMs === undefined ? 0 : Math.max(0, Date.now() - this.spec.intendedStartMs);
    const { metrics, settings } = this;
    metrics.count('started');
    const d: DeviceContext = {
      spec: this.spec,
      target: this.target,
      settings,
      metrics,
      stop: this.stop,
      steps: new StepRunner(settings.retry, metrics, this.stop, settings.onStep),
      exchange: new ProvisioningExchange(this.target, settings, metrics),
      state: {},
    };
    let restarts = 0;
    let outcome: Outcome = await runWithRestarts(settings.retry, metrics, this.stop, () => runFlowOnce(d), () => void restarts++);
    if (outcome.kind === 'provisioned') {
      const serviceMs = now() - started;
      metrics.recordMicros('provision_service', serviceMs * 1000);
      metrics.recordMicros('provision', (serviceMs + intendedLagMs) * 1000);
      if (settings.flow.reconnect !== undefined) outcome = await reconnectAfterOutage(d, settings.flow.reconnect.at);
    }
    metrics.outcome(outcome);
    const attempts = d.steps.attempts;
    metrics.total(flowAttemptsKey(attempts));
    // retries (step retries and flow restarts) per device: report.json retriesPerDevice
    metrics.total(deviceRetriesKey(d.steps.retries + restarts));
    for (const [api, n] of Object.entries(d.exchange.apiAttempts)) metrics.total(apiAttemptsKey(api, n));
    const result: DeviceResult = { index: this.spec.index, clientId: this.spec.clientId, outcome, attempts };
    if (d.state.thingName !== undefined) result.thingName = d.state.thingName;
    if (d.state.certificateId !== undefined) result.certificateId = d.state.certificateId;
    return result;
  }
}

