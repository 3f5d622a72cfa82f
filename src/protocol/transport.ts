/**
 * Transport facts of the AWS IoT data endpoint that the emulator copies, with how sure we are
 * (same statuses as quotas.ts). Correct a value here and nowhere else.
 */
import type { QuotaStatus } from './quotas.js';

/**
 * TLS session resumption. AWS's transport-security page lists TLS 1.2 and 1.3 and their ciphers,
 * nothing about session tickets or IDs, so whether a device's reconnect can resume is unknown. The
 * emulator does not resume by default (every connect is a full handshake, the conservative cost
 * for a load test); scenarios can turn it on (`emulator.tlsSessionResumption`).
 */
export const TLS_SESSION_RESUMPTION = {
  emulatorDefault: false,
  status: 'assumed' as QuotaStatus,
  source: 'AWS IoT developer guide, "Transport security in AWS IoT Core": TLS 1.2/1.3 and ciphers only; resumption not mentioned',
} as const;
