/**
 * The scenario file format (zod). Every section is strict: an unknown key is an error, so a typo
 * never silently falls back to a default. Defaults live here, next to the rule they belong to.
 */
import { z } from 'zod';
import { duration, positiveInt, ratio } from '../util/zod-fields.js';
import { TEMPLATE_NAME_PATTERN } from '../protocol/topics.js';
import { TLS_SESSION_RESUMPTION } from '../protocol/transport.js';
import { readPolicyDocument } from '../protocol/iot-policy.js';
import { loadSchema } from '../load/models/index.js';
import { expectationsSchema, thresholdsSchema } from './analysis-schema.js';

export const KEY_ALGORITHMS = ['ec-p256', 'ec-p384', 'rsa-2048'] as const;

const emulatorTarget = z.strictObject({
  type: z.literal('emulator'),
  /** where the embedded emulator listens; port 0 = any free port */
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
});

/** `<prefix>-ats.iot.<region>.amazonaws.com` (also .com.cn); group 1 is the region. */
export const AWS_ATS_ENDPOINT = /^[a-z0-9]+-ats\.iot\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const AWS_HOST = /\.amazonaws\.com(?:\.cn)?$/;

const awsTarget = z
  .strictObject({
    type: z.literal('aws'),
    /** the account's data endpoint: aws iot describe-endpoint --endpoint-type iot:Data-ATS */
    endpoint: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name such as abc123-ats.iot.eu-west-1.amazonaws.com (no scheme, no port)'),
    /** 8883 (MQTT over TLS) or 443 (ALPN x-amzn-mqtt-ca); any port for a local emulator */
    port: z.number().int().min(1, 'must be a port number').max(65535, 'must be a port number').default(8883),
    /** ALPN protocol to offer; default x-amzn-mqtt-ca on port 443, none otherwise */
    alpn: z.enum(['x-amzn-mqtt-ca', 'none'], { error: 'must be x-amzn-mqtt-ca or none' }).optional(),
    /** TLS SNI; default: the endpoint (AWS IoT refuses connections without SNI) */
    servername: z.string().min(1).optional(),
    /** for cleanup; default: from the endpoint name, else the AWS SDK's region chain */
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1').optional(),
    /** server CA bundle (Amazon Root CA 1 and/or 3); default: Node.js's built-in roots, which include them */
    caFile: z.string().min(1).optional(),
    /** the shared claim certificate and key (PEM); not used (and not needed) under flow.claim trusted-user */
    claimCertFile: z.string().min(1, 'must name the claim certificate file (PEM)').optional(),
    claimKeyFile: z.string().min(1, 'must name the claim private key file (PEM)').optional(),
    /** allow more than 100 devices without --confirm */
    confirm: z.boolean().default(false),
    /** control-plane API for cleanup (a VPC or FIPS endpoint, or a local emulator's http URL); default: AWS's */
    controlPlaneEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  })
  .superRefine((t, ctx) => {
    if (!AWS_HOST.test(t.endpoint)) return;
    const ats = AWS_ATS_ENDPOINT.exec(t.endpoint);
    if (ats === null) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'must be the ATS endpoint <prefix>-ats.iot.<region>.amazonaws.com (aws iot describe-endpoint --endpoint-type iot:Data-ATS)' });
    } else if (t.region !== undefined && t.region !== ats[1]) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: `must match the endpoint's region (${ats[1]})` });
    }
    if (t.port !== 8883 && t.port !== 443) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'must be 8883, or 443 (ALPN x-amzn-mqtt-ca), for AWS IoT' });
    }
  });

const target = z.discriminatedUnion('type', [emulatorTarget, awsTarget], {
  error: 'must have type: emulator or type: aws',
});

/**
 * The most devices one scenario may address (docs/reliability.md): device indexes, client IDs and
 * the run's counters stay exact well past it, and a run of this size already takes days at AWS's
 * default RegisterThing quota. Split a larger fleet into several runs.
 */
export const MAX_DEVICES = 100_000_000;

const fleet = z.strictObject({
  devices: positiveInt.max(MAX_DEVICES, `must be at most ${MAX_DEVICES.toLocaleString('en-US')} (the most devices one run can address; split a larger fleet into several runs)`),
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
    replyTimeout: duration.refine((ms) => ms > 0, 'must be longer than 0 (every request would time out at once)').default(30_000),
    verify: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** topic pattern for the verify publish; {thingName} and {clientId} are filled in */
        topic: z.string().default('fleetsim/{thingName}/hello'),
      })
      .default({ enabled: true, topic: 'fleetsim/{thingName}/hello' }),
    /**
     * power-cut replay: after provisioning, every device waits until `at` (from the run start)
     * and reconnects with its issued certificate, all at once (scenarios/reconnect-storm.yaml)
     */
    reconnect: z.strictObject({ at: duration }).optional(),
    /**
     * shared: every device holds the claim certificate (provisioning by claim, the default);
     * trusted-user: each device first plays its installer's app and calls CreateProvisioningClaim
     * for a temporary claim (provisioning by trusted user, src/protocol/trusted-user.ts)
     */
    claim: z.enum(['shared', 'trusted-user'], { error: 'must be shared or trusted-user' }).optional(),
    /** trusted-user: time between the app getting the claim and the device using it (a duration or a distribution) */
    handoffDelay: z
      .union([duration, z.strictObject({ uniform: z.tuple([duration, duration]) }), z.strictObject({ p50: duration, p99: duration })], {
        error: 'must be a duration (30s), {uniform: [10s, 2m]} or {p50: 30s, p99: 4m}',
      })
      .superRefine((v, ctx) => {
        if (typeof v === 'object' && 'uniform' in v && v.uniform[1] < v.uniform[0]) ctx.addIssue({ code: 'custom', message: 'uniform must be [min, max] with min <= max' });
        if (typeof v === 'object' && 'p50' in v && (v.p50 <= 0 || v.p99 < v.p50)) ctx.addIssue({ code: 'custom', message: 'needs p50 > 0 and p99 >= p50' });
      })
      .optional(),
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

/** A pre-provisioning hook run as AWS Lambda runs it (docs/hooks.md; src/emulator/hook/hook-config.ts). */
const hookSetting = z.strictObject({
  /** a Python file (.py) or a Node.js module (.mjs/.cjs/.js), relative to the scenario file */
  file: z.string().min(1),
  /** Lambda handler string module.function (default lambda_function.lambda_handler style for Python, index.handler for Node.js) */
  handler: z.string().regex(/^[A-Za-z_$][\w$/-]*(\.[A-Za-z_$][\w$-]*)+$/, 'must be module.function, e.g. lambda_function.lambda_handler').optional(),
  /** the function's environment variables */
  environment: z.record(z.string(), z.string()).optional(),
  /** Lambda reserved concurrency: invocations beyond it are throttled (TooManyRequestsException) */
  reservedConcurrency: positiveInt.optional(),
  /** local cap on execution environments (default 64): past it invocations wait, and the report says so */
  maxEnvironments: positiveInt.optional(),
  /** idle environments are reaped after this (default 10m) */
  idleTimeout: duration.optional(),
  /** modelled extra latency on a new environment's first invocation (the real init time is always paid) */
  coldStart: duration.optional(),
  /** this hook's timeout (default emulator.hookTimeout, AWS's 5 s) */
  timeout: duration.optional(),
  /** reported as the function's memory size (context.memory_limit_in_mb), default 128 */
  memorySize: z.number().int().min(128).max(10240).optional(),
});

const templateRef = z.strictObject({
  name: z.string().regex(TEMPLATE_NAME_PATTERN, 'must be 1-36 characters of 0-9 A-Z a-z _ -'),
  /** template body file (JSON), relative to the scenario file */
  file: z.string().min(1),
  enabled: z.boolean().default(true),
  /** pre-provisioning hook: a file (relative to the scenario file), or {file, handler, reservedConcurrency, ...} */
  hook: z.union([z.string().min(1), hookSetting]).optional(),
});

/** Emulator behaviour (src/emulator/quotas.ts, latency.ts, faults.ts); AWS's quota values are in src/protocol/quotas.ts. */
const QUOTA_SHAPE = 'must be requests per second (a number > 0), {rate, burst} or "unlimited"';
const quotaRate = z.number({ error: QUOTA_SHAPE }).positive('must be > 0');
const quotaSetting = z.union([z.literal('unlimited'), quotaRate, z.strictObject({ rate: quotaRate, burst: z.number().min(1, 'must be >= 1').optional() })], { error: QUOTA_SHAPE });
const emulatorQuotas = z.strictObject({
  connectPerAccount: quotaSetting.optional(),
  connectPerClientId: quotaSetting.optional(),
  publishPerConnection: quotaSetting.optional(),
  CreateKeysAndCertificate: quotaSetting.optional(),
  CreateCertificateFromCsr: quotaSetting.optional(),
  RegisterThing: quotaSetting.optional(),
  CreateProvisioningClaim: quotaSetting.optional(),
});
const latencySpec = z
  .union([z.strictObject({ fixed: duration }), z.strictObject({ uniform: z.tuple([duration, duration]) }), z.strictObject({ p50: duration, p99: duration })], {
    error: 'must be {fixed: 100ms}, {uniform: [10ms, 50ms]} or {p50: 50ms, p99: 400ms}',
  })
  .superRefine((v, ctx) => {
    if ('uniform' in v && v.uniform[1] < v.uniform[0]) ctx.addIssue({ code: 'custom', message: 'uniform must be [min, max] with min <= max' });
    if ('p50' in v && (v.p50 <= 0 || v.p99 < v.p50)) ctx.addIssue({ code: 'custom', message: 'needs p50 > 0 and p99 >= p50' });
  });
const emulatorLatency = z.strictObject({
  CreateKeysAndCertificate: latencySpec.optional(),
  CreateCertificateFromCsr: latencySpec.optional(),
  RegisterThing: latencySpec.optional(),
  hook: latencySpec.optional(),
});
const emulatorFaults = z.strictObject({
  /** seeded PRNG: the same seed gives the same faults */
  seed: z.number().int('must be an integer').optional(),
  dropReplies: ratio.optional(),
  error500: ratio.optional(),
  disconnect: z
    .strictObject({
      ratio,
      at: z.enum(['connect', 'CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing'], {
        error: 'must be connect, CreateKeysAndCertificate, CreateCertificateFromCsr or RegisterThing',
      }),
    })
    .optional(),
});

const emulator = z
  .strictObject({
    templates: z.array(templateRef).default([]),
    /** key algorithm of certificates from CreateKeysAndCertificate (AWS uses rsa-2048) */
    keyAlgorithm: z.enum(KEY_ALGORITHMS).default('ec-p256'),
    /** RSA keys are pre-generated in a pool of this size */
    keyPoolSize: positiveInt.default(64),
    tokenTtl: duration.default(3_600_000),
    /** alias of faults.dropReplies */
    dropReplies: ratio.default(0),
    quotas: emulatorQuotas.optional(),
    latency: emulatorLatency.optional(),
    faults: emulatorFaults.optional(),
    /** how long the pre-provisioning hook may take before RegisterThing is rejected (AWS: 5 s) */
    hookTimeout: duration.optional(),
    /** the thing groups and thing types that exist in the account: a template naming another fails RegisterThing (default: not checked) */
    thingGroups: z.array(z.string().min(1)).optional(),
    thingTypes: z.array(z.string().min(1)).optional(),
    /** resume TLS sessions from tickets (AWS's behaviour is undocumented; off: every connect is a full handshake) */
    tlsSessionResumption: z.boolean().default(TLS_SESSION_RESUMPTION.emulatorDefault),
    /** the claim certificate's policy document (default: AWS's walkthrough claim policy for the templates above) */
    claimPolicy: z
      .record(z.string(), z.unknown())
      .superRefine((doc, ctx) => {
        // the grammar the emulator enforces it with (protocol/iot-policy.ts); `at` is already written as a path (`Statement[0].Effect`)
        readPolicyDocument(doc, { report: (at, message) => ctx.addIssue({ code: 'custom', message, path: at === '' ? [] : [at] }) });
      })
      .optional(),
    /**
     * validity of CreateProvisioningClaim's temporary claims (default: AWS's 5 minutes,
     * src/protocol/trusted-user.ts); shorter makes claim expiry quick to show
     */
    claimValidity: duration.refine((v) => v >= 1000, 'must be at least 1s (certificate validity is in whole seconds)').optional(),
    /** the AWS IoT control-plane HTTP API over the registry (ListThings, DeleteCertificate, CreateProvisioningClaim, ...) */
    controlPlane: z
      .strictObject({
        /** 0 = any free port */
        port: z.number().int().min(0).max(65535).default(0),
        /** requests per second (ThrottlingException beyond it); default: unlimited */
        rateLimit: z.number().positive('must be > 0').optional(),
      })
      .optional(),
  })
  .default({ templates: [], keyAlgorithm: 'ec-p256', keyPoolSize: 64, tokenTtl: 3_600_000, dropReplies: 0, tlsSessionResumption: TLS_SESSION_RESUMPTION.emulatorDefault });

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  target: target.default({ type: 'emulator', host: '127.0.0.1', port: 0 }),
  fleet,
  flow,
  retry,
  /** one of the load models in load/models/ (closed, open, burst, step, trace), chosen by `model` */
  load: loadSchema,
  emulator,
  /** k6-style expressions on the merged results (scenario/analysis-schema.ts) */
  thresholds: thresholdsSchema,
  /** what the target itself should do under throttling */
  expectations: expectationsSchema,
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
export type TargetConfig = Scenario['target'];
export type EmulatorConfig = Scenario['emulator'];

