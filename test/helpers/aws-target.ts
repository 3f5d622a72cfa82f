/**
 * An emulator that stands in for an AWS account: started in the test process (so it outlives
 * `fleetsim run` subprocesses), with its control plane on, and its CA and claim credentials written
 * to a temp workspace so that a `target: aws` scenario can reach it. Keys stay in temp dirs (0600).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Emulator, EmulatorOptions } from '../../src/emulator/emulator.js';
import { startTestEmulator } from './emulator.js';
import { fleetYaml } from './cli.js';

export interface AwsLikeEmulator {
  emu: Emulator;
  controlPlaneUrl: string;
  /** files relative to `<ws>/scenarios` */
  files: { ca: string; cert: string; key: string };
}

export async function startAwsLikeEmulator(ws: string, extra: Partial<EmulatorOptions> = {}): Promise<AwsLikeEmulator> {
  const emu = await startTestEmulator({ controlPlane: { port: 0 }, ...extra });
  const dir = path.join(ws, 'scenarios');
  writeFileSync(path.join(dir, 'emulator-ca.pem'), emu.caPem);
  writeFileSync(path.join(dir, 'claim.cert.pem'), emu.claim.certificatePem);
  writeFileSync(path.join(dir, 'claim.private.key'), emu.claim.privateKeyPem, { mode: 0o600 });
  chmodSync(path.join(dir, 'claim.private.key'), 0o600);
  if (emu.controlPlaneUrl === undefined) throw new Error('the emulator did not start its control plane');
  return { emu, controlPlaneUrl: emu.controlPlaneUrl, files: { ca: 'emulator-ca.pem', cert: 'claim.cert.pem', key: 'claim.private.key' } };
}

/** A `target: aws` scenario (YAML) aimed at the emulator; `targetExtra` lines go under target. */
export function awsScenario(a: AwsLikeEmulator, devices: number, o: { endpoint?: string; targetExtra?: string; concurrency?: number } = {}): string {
  return `name: aws-against-emulator
target:
  type: aws
  endpoint: ${o.endpoint ?? '127.0.0.1'}
  port: ${a.emu.port}
  caFile: ${a.files.ca}
  claimCertFile: ${a.files.cert}
  claimKeyFile: ${a.files.key}
  controlPlaneEndpoint: ${a.controlPlaneUrl}
${o.targetExtra ?? ''}
${fleetYaml(devices)}load:
  model: closed
  concurrency: ${o.concurrency ?? 10}
`;
}
