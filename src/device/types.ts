import type { SecureContext } from 'node:tls';
import type { Outcome } from '../metrics/recorder.js';
import type { StepName } from '../metrics/names.js';
import type { FlowConfig, RetryConfig } from '../scenario/schema.js';

/** Where devices connect. */
export interface DeviceTarget {
  host: string;
  port: number;
  /** SNI; AWS refuses connections without it */
  servername?: string;
  /** server CA PEM; undefined = the system trust store */
  ca?: string;
  alpn?: string[];
  /** one shared TLS context for the claim certificate (saves a handshake's worth of CPU per device) */
  claimSecureContext: SecureContext;
  /** flow.claim trusted-user: where the app calls CreateProvisioningClaim */
  controlPlane?: AppControlPlane;
}

/** The control plane the installer's app calls (AWS IoT's, or the emulator's). */
export interface AppControlPlane {
  /** URL; undefined = AWS's endpoint for the region */
  endpoint?: string;
  region: string;
  /** fixed credentials (the emulator takes any); undefined = the AWS SDK's default credential chain */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** CA (PEM) to trust for an https endpoint (the emulator's); undefined = the system roots */
  ca?: string;
}

export interface DeviceSettings {
  flow: FlowConfig;
  retry: RetryConfig;
  templateName: string;
  /** wall-clock ms of the run's t=0 (flow.reconnect.at is counted from it) */
  runStartMs?: number;
  /** opt-in sink for the issued certificate and key (--save-credentials); never metrics or events */
  onCredentials?: (c: IssuedCredentials) => void;
  /** every timed step attempt, as it ends (--dry-run's step-by-step printout) */
  onStep?: (o: StepObservation) => void;
}

/** What RegisterThing made of one device: its certificate and the private key that goes with it. */
export interface IssuedCredentials {
  thingName?: string;
  certificateId: string;
  certificatePem: string;
  privateKeyPem: string;
}

export interface StepObservation {
  step: StepName;
  /** 1-based attempt of this step */
  attempt: number;
  ms: number;
  ok: boolean;
  /** the failure, when not ok */
  detail?: string;
}

export interface DeviceSpec {
  /** 0-based index across the whole run (all shards) */
  index: number;
  clientId: string;
  serial: string;
  parameters: Record<string, string>;
  /** wall-clock ms the load model intended this device to start (open model) */
  intendedStartMs?: number;
}

export interface DeviceResult {
  index: number;
  clientId: string;
  outcome: Outcome;
  attempts: number;
  thingName?: string;
  certificateId?: string;
}
