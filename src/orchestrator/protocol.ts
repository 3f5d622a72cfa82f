/**
 * The worker protocol: every message between the main thread and a generator worker, in one
 * file, as discriminated unions (after Artillery's local/protocol.ts).
 *
 * main → worker: `start` once, `stop` at most once.
 * worker → main: `progress` every second, `done` once at the end, `fatal` if it cannot run.
 */
import type { AppControlPlane, DeviceResult } from '../device/types.js';
import type { Segment } from '../load/split.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { Scenario } from '../scenario/schema.js';
import type { GeneratorHealth } from '../metrics/health.js';

export const WORKER_PROTOCOL_VERSION = 1;

/** Everything a worker needs to reach the target; the claim key stays in memory. */
export interface TargetInfo {
  host: string;
  port: number;
  servername?: string;
  /** server CA PEM; undefined = system store */
  caPem?: string;
  alpn?: string[];
  /** the shared claim (provisioning by claim); none against AWS under flow.claim trusted-user */
  claimCertPem?: string;
  claimKeyPem?: string;
  /** flow.claim trusted-user: the control plane the devices' apps call CreateProvisioningClaim on */
  controlPlane?: AppControlPlane;
}

export interface StartCommand {
  type: 'start';
  version: number;
  runId: string;
  scenario: Scenario;
  segment: Segment;
  startMs: number;
  target: TargetInfo;
  /** --save-credentials: the generator writes issued certificates and keys here (0600) */
  saveCredentialsDir?: string;
}

export interface StopCommand {
  type: 'stop';
  reason: string;
}

export type WorkerCommand = StartCommand | StopCommand;

export type { GeneratorHealth };

export interface ProgressEvent {
  type: 'progress';
  worker: number;
  snapshot: MetricsSnapshot;
  /** devices whose flow started since the last report */
  started: number[];
  /** devices that ended since the last report */
  results: DeviceResult[];
  inFlight: number;
  health: GeneratorHealth;
}

export interface DoneEvent {
  type: 'done';
  worker: number;
}

export interface FatalEvent {
  type: 'fatal';
  worker: number;
  message: string;
}

/** The worker's modules are loaded (and what its flow needs before t=0): it can take its start command. */
export interface ReadyEvent {
  type: 'ready';
  worker: number;
}

/** What a worker loads before it says it is ready (workerData, decided from the scenario). */
export interface WorkerPreload {
  /** flow.claim trusted-user: the apps' AWS SDK */
  appSdk: boolean;
  /** flow.certificate csr: the key and CSR code */
  csr: boolean;
}

export type WorkerEvent = ProgressEvent | DoneEvent | FatalEvent | ReadyEvent;
