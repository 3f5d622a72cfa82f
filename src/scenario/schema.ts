/**
 * The scenario file format (zod). Every section is strict: an unknown key is an error, so a typo
 * never silently falls back to a default. Defaults live here, next to the rule they belong to.
 */
import { z } from 'zod';
import { parseDuration } from '../util/duration.js';
import { TEMPLATE_NAME_PATTERN } from '../protocol/topics.js';

/** A duration: milliseconds as a number, or `500ms` / `10s` / `2m` / `1h`. Parsed to milliseconds. */
const duration = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as 500ms, 10s, 2m (got ${JSON.stringify(v)})` });
      return z.NEVER;
    }
    return ms;
  });

const positiveInt = z.number({ error: 'must be a number' }).int('must be an integer').positive('must be a positive integer');
const ratio = z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

export const KEY_ALGORITHMS = ['ec-p256', 'ec-p384', 'rsa-2048'] as const;

const emulatorTarget = z.strictObject({
  type: z.literal('emulator'),
  /** where the embedded emulator listens; port 0 = any free port */
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
});

const awsTarget = z.strictObject({
  type: z.literal('aws'),
  endpoint: z.string().min(1, 'must not be empty'),
  port: z.union([z.literal(8883), z.literal(443)]).default(8883),
  region: z.string().optional(),
  caFile: z.string().optional(),
  claimCertFile: z.string().min(1),
  claimKeyFile: z.string().min(1),
  confirm: z.boolean().default(false),
});

const target = z.discriminatedUnion('type', [emulatorTarget, awsTarget], {
  error: 'must have type: emulator or type: aws',
});

const fleet = z.strictObject({
  devices: positiveInt,
  /** MQTT client ID pattern; must be unique per device ({index} or {serial}) */
  clientId: z.string().default('fleetsim-{runId}-{index}'),
  /** the serial number pattern, available to parameters as {serial} */
  serial: z.string().default('{index:6}'),
  templateName: z.string().regex(TEMPLATE_NAME_PATTERN, 'must be 1-36 characters of 0-9 A-Z a-z _ -'),
  /** RegisterThing parameters; values are patterns */
  parameters: z.record(z.string(), z.string()).default({}),
});

const flow = z
  .strictObject({
    certificate: z.enum(['create-keys', 'csr'], { error: 'must be create-keys or csr' }).default('create-keys'),
    /** device-side key for the csr flow */
    keyAlgorithm: z.enum(KEY_ALGORITHMS, { error: `must be one of ${KEY_ALGORITHMS.join(', ')}` }).default('ec-p256'),
    format: z.enum(['json', 'cbor'], { error: 'must be json or cbor' }).default('json'),
    mqttVersion: z.union([z.literal(4), z.literal(5)], { error: 'must be 4 (MQTT 3.1.1) or 5' }).default(4),
    keepalive: z.number().int().min(30, 'must be 30-1200 (AWS IoT limits)').max(1200, 'must be 30-1200 (AWS IoT limits)').default(60),
    connectTimeout: duration.default(10_000),
    replyTimeout: duration.default(30_000),
    verify: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** topic pattern for the verify publish; {thingName} and {clientId} are filled in */
        topic: z.string().default('fleetsim/{thingName}/hello'),
      })
      .default({ enabled: true, topic: 'fleetsim/{thingName}/hello' }),
  })
  .default({
    certificate: 'create-keys',
    keyAlgorithm: 'ec-p256',
    format: 'json',
    mqttVersion: 4,
    keepalive: 60,
    connectTimeout: 10_000,
    replyTimeout: 30_000,
    verify: { enabled: true, topic: 'fleetsim/{thingName}/hello' },
  });

export const RETRYABLE = ['throttled', 'server-error', 'timeout', 'disconnect', 'connect-refused', 'connect-error'] as const;

const retry = z
  .strictObject({
    /** per-step: retry the failed request; restart-flow: start again from connect */
    mode: z.enum(['per-step', 'restart-flow']).default('per-step'),
    /** total attempts per step (per-step) or per flow (restart-flow); 1 = no retries */
    maxAttempts: positiveInt.default(1),
    backoff: z.enum(['exponential', 'constant']).default('exponential'),
    jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).default('full'),
    baseDelay: duration.default(1000),
    maxDelay: duration.default(30_000),
    retryOn: z.array(z.enum(RETRYABLE)).default(['throttled', 'server-error', 'timeout']),
  })
  .default({
    mode: 'per-step',
    maxAttempts: 1,
    backoff: 'exponential',
    jitter: 'full',
    baseDelay: 1000,
    maxDelay: 30_000,
    retryOn: ['throttled', 'server-error', 'timeout'],
  });

const stage = z.strictObject({
  /** arrivals per second at the start of the stage (ramp) */
  from: z.number().min(0, 'must be >= 0').optional(),
  /** arrivals per second at the end of the stage; for hold/spike the constant rate */
  rate: z.number({ error: 'must be a number' }).min(0, 'must be >= 0'),
  duration,
});

const closedLoad = z.strictObject({
  model: z.literal('closed'),
  /** devices in flight at once */
  concurrency: positiveInt,
  maxDuration: duration.optional(),
});

const openLoad = z.strictObject({
  model: z.literal('open'),
  stages: z.array(stage).min(1, 'must have at least one stage'),
  maxInFlight: positiveInt.default(1000),
  /** an arrival that cannot start within this time of its intended start is dropped */
  startTolerance: duration.default(1000),
  maxDuration: duration.optional(),
});

const burstLoad = z.strictObject({
  model: z.literal('burst'),
  /** all devices arrive at t=0 (launch day); spread = optional window they arrive in */
  spread: duration.default(0),
  maxInFlight: positiveInt.default(1000),
  startTolerance: duration.default(60_000),
  maxDuration: duration.optional(),
});

const load = z.discriminatedUnion('model', [closedLoad, openLoad, burstLoad], {
  error: 'must have model: closed, open or burst',
});

const templateRef = z.strictObject({
  name: z.string().regex(TEMPLATE_NAME_PATTERN, 'must be 1-36 characters of 0-9 A-Z a-z _ -'),
  /** template body file (JSON), relative to the scenario file */
  file: z.string().min(1),
  enabled: z.boolean().default(true),
  /** pre-provisioning hook module (exports handler), relative to the scenario file */
  hook: z.string().optional(),
});

const emulator = z
  .strictObject({
    templates: z.array(templateRef).default([]),
    /** key algorithm of certificates from CreateKeysAndCertificate (AWS uses rsa-2048) */
    keyAlgorithm: z.enum(KEY_ALGORITHMS).default('ec-p256'),
    /** RSA keys are pre-generated in a pool of this size */
    keyPoolSize: positiveInt.default(64),
    tokenTtl: duration.default(3_600_000),
    dropReplies: ratio.default(0),
  })
  .default({ templates: [], keyAlgorithm: 'ec-p256', keyPoolSize: 64, tokenTtl: 3_600_000, dropReplies: 0 });

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  target: target.default({ type: 'emulator', host: '127.0.0.1', port: 0 }),
  fleet,
  flow,
  retry,
  load,
  emulator,
  thresholds: z.array(z.string()).default([]),
  generator: z
    .strictObject({
      /** generator worker threads (the --workers flag overrides); default: cores, minus one for the embedded emulator */
      workers: z.number().int('must be an integer').positive('must be a positive integer').optional(),
      /** when a worker thread dies: keep going with the others, or stop the run (exit 3) */
      onWorkerCrash: z.enum(['continue', 'stop'], { error: 'must be continue or stop' }).default('continue'),
    })
    .default({ onWorkerCrash: 'continue' }),
  report: z
    .strictObject({ dir: z.string().default('reports') })
    .default({ dir: 'reports' }),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type LoadConfig = Scenario['load'];
export type RetryConfig = Scenario['retry'];
export type FlowConfig = Scenario['flow'];
export type FleetConfig = Scenario['fleet'];
export type TargetConfig = Scenario['target'];
export type EmulatorConfig = Scenario['emulator'];

