import type { SecureContext } from 'node:tls';
import type { Outcome } from '../metrics/recorder.js';
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
}

export interface DeviceSettings {
  flow: FlowConfig;
  retry: RetryConfig;
  templateName: string;
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
