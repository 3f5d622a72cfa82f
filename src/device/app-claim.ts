/**
 * Provisioning by trusted user, the app's side: each virtual device plays its installer's app and
 * calls CreateProvisioningClaim through the AWS SDK (SigV4 with the SDK's credential chain against
 * AWS, fixed credentials against the emulator), then waits the hand-off delay before the device
 * uses the temporary claim. Facts in src/protocol/trusted-user.ts.
 */
import { Agent } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { IoTClient } from '@aws-sdk/client-iot';
import { CREATE_PROVISIONING_CLAIM } from '../protocol/trusted-user.js';
import type { FlowConfig } from '../scenario/schema.js';
import type { DeviceContext } from './context.js';
import { Interrupted, StepFailure, type FailedStep } from './failure.js';
import type { AppControlPlane } from './types.js';

/** A temporary claim as the device receives it from the app. */
export interface TemporaryClaim {
  certificateId: string;
  certificatePem: string;
  privateKeyPem: string;
  /** epoch ms */
  expiresAtMs: number;
}

type Sdk = typeof import('@aws-sdk/client-iot');
let sdk: Sdk | undefined;

/**
 * Load the AWS SDK (a few hundred ms): only flows that use it pay, and the generator loads it
 * before the first arrival so that no device's create_provisioning_claim includes it.
 */
export async function loadAppSdk(): Promise<Sdk> {
  sdk ??= await import('@aws-sdk/client-iot');
  return sdk;
}

/** One SDK client per control plane in a worker: its connection pool is shared by the devices. */
const clients = new Map<string, IoTClient>();

function clientFor(cp: AppControlPlane, { IoTClient }: Sdk): IoTClient {
  const key = `${cp.endpoint ?? ''}|${cp.region}|${cp.credentials?.accessKeyId ?? ''}|${cp.ca === undefined ? '' : 'ca'}`;
  let c = clients.get(key);
  if (c === undefined) {
    // maxAttempts 1: the scenario's retry policy retries, and every attempt is counted
    c = new IoTClient({
      region: cp.region,
      maxAttempts: 1,
      ...(cp.endpoint === undefined ? {} : { endpoint: cp.endpoint }),
      ...(cp.credentials === undefined ? {} : { credentials: cp.credentials }),
      // the emulator's control plane serves HTTPS with the emulator's own CA
      ...(cp.ca === undefined ? {} : { requestHandler: { httpsAgent: new Agent({ ca: cp.ca, keepAlive: true }) } }),
    });
    clients.set(key, c);
  }
  return c;
}

/** Close the SDK clients of this thread (end of a run). */
export function closeAppClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}

/** The app's CreateProvisioningClaim, timed as the step create_provisioning_claim. */
export async function requestTemporaryClaim(d: DeviceContext): Promise<TemporaryClaim> {
  const cp = d.target.controlPlane;
  if (cp === undefined) {
    throw { step: 'create_provisioning_claim', failure: new StepFailure('protocol', 'flow.claim trusted-user needs a control plane (target)') } satisfies FailedStep;
  }
  const aws = await loadAppSdk();
  const iot = clientFor(cp, aws);
  const res = await d.steps.run('create_provisioning_claim', () =>
    d.exchange.callControlPlane(CREATE_PROVISIONING_CLAIM, (abortSignal) =>
      iot.send(new aws.CreateProvisioningClaimCommand({ templateName: d.settings.templateName }), { abortSignal }),
    ),
  );
  const { certificateId, certificatePem, keyPair, expiration } = res;
  if (certificateId === undefined || certificatePem === undefined || keyPair?.PrivateKey === undefined || expiration === undefined) {
    throw { step: 'create_provisioning_claim', failure: new StepFailure('protocol', 'CreateProvisioningClaim answer lacks fields') } satisfies FailedStep;
  }
  return { certificateId, certificatePem, privateKeyPem: keyPair.PrivateKey, expiresAtMs: expiration.getTime() };
}

type HandoffDelay = NonNullable<FlowConfig['handoffDelay']>;

/** One hand-off delay in ms: fixed, uniform, or log-normal through p50 and p99. */
export function sampleHandoffDelay(spec: HandoffDelay, random: () => number = Math.random): number {
  if (typeof spec === 'number') return spec;
  if ('uniform' in spec) return spec.uniform[0] + (spec.uniform[1] - spec.uniform[0]) * random();
  // log-normal: median p50, and p99 = p50 · e^(2.326·σ)
  const sigma = Math.log(spec.p99 / spec.p50) / 2.3263;
  const u1 = Math.max(random(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
  return spec.p50 * Math.exp(sigma * z);
}

/** Wait the hand-off delay (the app passing the claim to the device); a stop ends it. */
export async function handOff(d: DeviceContext): Promise<void> {
  const spec = d.settings.flow.handoffDelay;
  if (spec === undefined) return;
  const ms = sampleHandoffDelay(spec);
  if (ms > 0 && !(await d.stop.pause(ms))) throw new Interrupted();
}

/** The TLS context of a temporary claim. */
export function claimContext(claim: TemporaryClaim, ca: string | undefined): SecureContext {
  return createSecureContext({ cert: claim.certificatePem, key: claim.privateKeyPem, ...(ca === undefined ? {} : { ca }) });
}

const EXPIRY_SYMPTOMS = new Set(['connect-error', 'connect-refused', 'disconnect', 'timeout']);

/**
 * A step that failed after the claim expired, in a way an expired claim fails (refused or broken
 * connect, closed connection, no answer), is reported as claim-expired, so the report says why.
 */
export function asClaimExpiry(err: unknown, claim: TemporaryClaim, nowMs: number): unknown {
  const f = err as Partial<FailedStep>;
  if (f.step === undefined || !(f.failure instanceof StepFailure) || nowMs < claim.expiresAtMs || !EXPIRY_SYMPTOMS.has(f.failure.kind)) return err;
  const late = Math.round((nowMs - claim.expiresAtMs) / 1000);
  return {
    step: f.step,
    failure: new StepFailure('claim-expired', `temporary claim ${claim.certificateId.slice(0, 12)}… expired ${late} s before this ${f.step} failed (${f.failure.message})`, f.failure.detail),
  } satisfies FailedStep;
}
