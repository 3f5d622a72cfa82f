/**
 * The emulator's settings come from one place, the scenario schema's `emulator` section
 * (src/scenario/schema.ts), whoever starts it: a scenario run has the section already parsed; the
 * standalone `fleetsim emulator` parses what its flags say through the same schema, so every
 * default (key pool size, token TTL, key algorithm, TLS session resumption, ...) is the schema's.
 */
import { scenarioSchema, type EmulatorConfig } from '../../scenario/schema.js';
import { InputError } from '../../util/errors.js';
import type { EmulatorOptions } from '../emulator.js';

/** What the standalone emulator's flags may set; everything else takes the schema's default. */
export interface EmulatorFlagSettings {
  keyAlgorithm?: EmulatorConfig['keyAlgorithm'] | undefined;
  tlsSessionResumption?: boolean | undefined;
  thingGroups?: string[] | undefined;
  thingTypes?: string[] | undefined;
  controlPlanePort?: number | undefined;
}

/** The flag each section field comes from, for error messages. */
const FLAG_OF: Record<string, string> = {
  keyAlgorithm: '--key-algorithm',
  tlsSessionResumption: '--tls-session-resumption',
  thingGroups: '--thing-group',
  thingTypes: '--thing-type',
  controlPlane: '--control-plane-port',
};

/** The `emulator` section the flags describe, with the schema's defaults; a value the schema refuses is bad input naming its flag. */
export function resolveEmulatorSection(f: EmulatorFlagSettings): EmulatorConfig {
  const input = {
    ...(f.keyAlgorithm === undefined ? {} : { keyAlgorithm: f.keyAlgorithm }),
    ...(f.tlsSessionResumption === undefined ? {} : { tlsSessionResumption: f.tlsSessionResumption }),
    ...(f.thingGroups === undefined ? {} : { thingGroups: f.thingGroups }),
    ...(f.thingTypes === undefined ? {} : { thingTypes: f.thingTypes }),
    ...(f.controlPlanePort === undefined ? {} : { controlPlane: { port: f.controlPlanePort } }),
  };
  const parsed = scenarioSchema.shape.emulator.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: FLAG_OF[String(i.path[0])] ?? `emulator.${i.path.join('.')}`, message: i.message }));
  throw new InputError(`${issues.length} problem${issues.length === 1 ? '' : 's'} with the emulator's settings`, { issues });
}

/** startEmulator's options for a resolved `emulator` section (all but where it listens, its templates, CA and registry). */
export function emulatorOptionsFor(e: EmulatorConfig): Omit<EmulatorOptions, 'host' | 'port' | 'templates' | 'ca' | 'registry'> {
  const cp = e.controlPlane;
  return {
    keyAlgorithm: e.keyAlgorithm,
    keyPoolSize: e.keyPoolSize,
    tokenTtlMs: e.tokenTtl,
    dropReplies: e.dropReplies,
    tlsSessionResumption: e.tlsSessionResumption,
    ...(e.thingGroups === undefined ? {} : { thingGroups: e.thingGroups }),
    ...(e.thingTypes === undefined ? {} : { thingTypes: e.thingTypes }),
    ...(e.quotas === undefined ? {} : { quotas: e.quotas }),
    ...(e.latency === undefined ? {} : { latency: e.latency }),
    ...(e.faults === undefined ? {} : { faults: e.faults }),
    ...(e.hookTimeout === undefined ? {} : { hookTimeoutMs: e.hookTimeout }),
    ...(e.claimPolicy === undefined ? {} : { claimPolicy: e.claimPolicy }),
    ...(e.claimValidity === undefined ? {} : { claimValidityMs: e.claimValidity }),
    ...(cp === undefined ? {} : { controlPlane: { port: cp.port, ...(cp.rateLimit === undefined ? {} : { rateLimit: { rate: cp.rateLimit } }) } }),
  };
}
