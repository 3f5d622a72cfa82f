/**
 * The local AWS IoT fleet-provisioning endpoint, wired from its parts: its own root CA, a server
 * certificate for localhost/127.0.0.1 and a claim certificate (pki/), the registry (registry/), the
 * templates' claim policy and hooks (templates/, policy/, hook/), an mTLS MQTT broker (broker/)
 * applying AWS IoT's rules (gateway.ts), the provisioning service (provisioning/) with AWS IoT's
 * quotas, injected latency and faults (shaping/), and the control-plane API (control-plane/).
 *
 * startEmulator runs these as named steps; its options are resolved values (the defaults live in
 * the scenario schema, src/scenario/schema.ts).
 */
import { Broker, createTlsBrokerServer, type TlsBrokerServer } from './broker/index.js';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane/index.js';
import { createGateway } from './gateway.js';
import { CertificateAuthority, generateKeyPairSyncFor, type IssuedCertificate, type KeyAlgorithm, type KeyPairPem } from './pki/index.js';
import { Registry } from './registry/index.js';
import type { QuotaSettings } from '../protocol/quotas.js';
import { TLS_SESSION_RESUMPTION } from '../protocol/transport.js';
import { observeHooks, type TrafficObserver } from './traffic.js';
import type { EmulatorStats } from '../protocol/emulator-stats.js';
import { Faults, type FaultSettings } from './shaping/faults.js';
import { HookRunner, type HookHandler } from './hook/hook-runner.js';
import { closeHooks, startHookFunctions, type HookLogOptions } from './hook/functions.js';
import { Latency, type LatencySettings } from './shaping/latency.js';
import { attachClaimPolicy } from './policy/claim-policy.js';
import { ProvisioningService } from './provisioning/service.js';
import { TrustedUserClaims } from './provisioning/trusted-user-claims.js';
import { Quotas } from './shaping/quota-buckets.js';
import { ServerStats } from './provisioning/server-stats.js';
import type { LoadedTemplate } from './templates/index.js';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  templates: LoadedTemplate[];
  /** key algorithm of CreateKeysAndCertificate's keys (scenario default: ec-p256) */
  keyAlgorithm: KeyAlgorithm;
  /** RSA keys kept ready (scenario default: 64) */
  keyPoolSize: number;
  /** ownership-token lifetime (scenario default and AWS: 3 600 000 ms) */
  tokenTtlMs: number;
  /** alias of faults.dropReplies (faults.dropReplies wins when both are given) */
  dropReplies?: number;
  /** per-quota overrides of AWS's defaults (src/protocol/quotas.ts) */
  quotas?: QuotaSettings;
  /** injected latency per provisioning API and for the hook */
  latency?: LatencySettings;
  faults?: FaultSettings;
  /** how long the pre-provisioning hook may take (AWS: 5000 ms) */
  hookTimeoutMs?: number;
  /** where hook environments write their log streams (<dir>/<template>/<stream>.log); none: in memory only */
  hookLogs?: HookLogOptions;
  /** replaces the default claim policy document (AWS's walkthrough claim policy) */
  claimPolicy?: Record<string, unknown>;
  /** reuse a saved CA (standalone emulator); a new one is generated otherwise */
  ca?: { certPem: string; keyPem: string };
  registry?: Registry;
  /** start the control-plane HTTP API over the registry; `https`: over TLS with the emulator's server certificate (as AWS serves it) */
  controlPlane?: Omit<ControlPlaneOptions, 'tls' | 'claims'> & { https?: boolean };
  /** the account's thing groups and thing types: provisioning into others fails (default: not checked) */
  thingGroups?: string[];
  thingTypes?: string[];
  /** resume TLS sessions from tickets (default: src/protocol/transport.ts, off, as in the scenario schema; AWS does not document it) */
  tlsSessionResumption?: boolean;
  /** the clock ownership tokens and temporary claims expire on (default Date.now; tests pass a fake one) */
  now?: () => number;
  /** seconds of per-second stats kept, older ones summed (default: all, as a run's report reads every second; the standalone emulator keeps an hour) */
  statsWindowSeconds?: number;
  /** validity of CreateProvisioningClaim's temporary claims (default: AWS's 5 minutes, src/protocol/trusted-user.ts) */
  claimValidityMs?: number;
  /** told of every connect, disconnect, subscribe, request and reply (fleetsim emulator --verbose) */
  observe?: TrafficObserver;
}

export interface ClaimCredentials {
  certificatePem: string;
  /** PKCS#8 PEM: handed to the load generator in memory, written to disk only by `fleetsim emulator` (0600) */
  privateKeyPem: string;
  certificateId: string;
}

export interface Emulator {
  host: string;
  port: number;
  caPem: string;
  claim: ClaimCredentials;
  registry: Registry;
  ca: CertificateAuthority;
  /** the control-plane API's base URL, when started */
  controlPlaneUrl?: string;
  stats(): EmulatorStats;
  /** MQTT (TCP) connections closed so far, failed TLS handshakes included */
  closedConnections(): number;
  close(): Promise<void>;
}

/** Quotas, faults, latency and the templates' hook functions: checked first, so a bad setting or hook fails before anything listens. */
interface Shaping {
  quotas: Quotas;
  faults: Faults;
  latency: Latency;
  hooks: Map<string, HookHandler>;
  hookRunner: HookRunner;
}

async function shapingFrom(o: EmulatorOptions, registry: Registry): Promise<Shaping> {
  const quotas = new Quotas(o.quotas);
  const faults = new Faults({ ...o.faults, dropReplies: o.faults?.dropReplies ?? o.dropReplies });
  const latency = new Latency(o.latency, faults.seed);
  const hookRunner = new HookRunner({ latency, ...(o.hookTimeoutMs !== undefined ? { timeoutMs: o.hookTimeoutMs } : {}) });
  // each hook a Lambda-style function named in the registry's region and account
  const hooks = startHookFunctions(o.templates, { region: registry.region, accountId: registry.accountId, runner: hookRunner, ...(o.hookLogs === undefined ? {} : { logs: o.hookLogs }) });
  return { quotas, faults, latency, hooks, hookRunner };
}

interface KeyedCertificate {
  keys: KeyPairPem;
  cert: IssuedCertificate;
}

/** The root CA (saved or new), the server certificate for localhost and the claim certificate. */
interface Pki {
  ca: CertificateAuthority;
  server: KeyedCertificate;
  claim: KeyedCertificate;
}

function loadCa(o: EmulatorOptions): CertificateAuthority {
  return o.ca !== undefined
    ? CertificateAuthority.fromPem(o.ca.certPem, o.ca.keyPem)
    : CertificateAuthority.create({ subject: { CN: 'fleetsim emulator root CA', O: 'fleetsim' }, keyAlgorithm: 'ec-p256' });
}

function issueEndpointCertificates(ca: CertificateAuthority): Pki {
  const serverKeys = generateKeyPairSyncFor('ec-p256');
  const serverCert = ca.issue({ publicKey: serverKeys.publicKey, subject: { CN: 'localhost' }, usage: 'server' });
  const claimKeys = generateKeyPairSyncFor('ec-p256');
  const claimCert = ca.issue({ publicKey: claimKeys.publicKey, subject: { CN: 'fleetsim claim certificate', O: 'fleetsim' }, usage: 'client', validityDays: 3650 });
  return { ca, server: { keys: serverKeys, cert: serverCert }, claim: { keys: claimKeys, cert: claimCert } };
}

/** The given (e.g. restored) registry or a new one, with the account's declared thing groups and types. */
function prepareRegistry(o: EmulatorOptions): Registry {
  const registry = o.registry ?? new Registry();
  if (o.thingGroups !== undefined) registry.declareThingGroups(o.thingGroups);
  if (o.thingTypes !== undefined) registry.declareThingTypes(o.thingTypes);
  return registry;
}

/** The claim certificate in the registry (kept when restored), with the claim policy for the templates; returns the policy's name. */
function registerClaim(registry: Registry, claimCert: IssuedCertificate, o: EmulatorOptions): string {
  const record =
    registry.getCertificate(claimCert.certificateId) ??
    registry.addCertificate({ certificateId: claimCert.certificateId, certificatePem: claimCert.certificatePem, status: 'ACTIVE', issuedVia: 'claim' });
  return attachClaimPolicy(registry, record.certificateArn, o.templates.map((t) => t.name), o.claimPolicy);
}

/** Listen for MQTT over mutual TLS, with the server certificate. */
function listen(broker: Broker, pki: Pki, host: string, port: number, sessionResumption: boolean): Promise<TlsBrokerServer> {
  return createTlsBrokerServer(broker, {
    host,
    port,
    key: pki.server.keys.privateKeyPem,
    cert: pki.server.cert.certificatePem,
    ca: [pki.ca.certificatePem],
    sessionResumption,
  });
}

/** Start the control plane when asked for; when it fails, what started before it is closed. */
async function startControlPlaneIfAsked(registry: Registry, pki: Pki, o: EmulatorOptions, claims: TrustedUserClaims, closeRest: () => Promise<void>): Promise<ControlPlane | undefined> {
  if (o.controlPlane === undefined) return undefined;
  const { https, ...cp } = o.controlPlane;
  const tls = https === true ? { tls: { key: pki.server.keys.privateKeyPem, cert: pki.server.cert.certificatePem } } : {};
  try {
    return await startControlPlane(registry, { host: o.host ?? '127.0.0.1', ...cp, ...tls, claims });
  } catch (err) {
    await closeRest();
    throw err;
  }
}

interface Running {
  tlsSessionResumption: boolean;
  shaping: Shaping;
  registry: Registry;
  claimPolicyName: string;
  stats: ServerStats;
  service: ProvisioningService;
  broker: Broker;
  server: TlsBrokerServer;
  controlPlane: ControlPlane | undefined;
}

/** One snapshot of everything the emulator counts and how it is set up. */
function snapshotStats(r: Running): EmulatorStats {
  const { registry, stats, broker, server, service, controlPlane } = r;
  const { quotas, faults, hookRunner } = r.shaping;
  const account = registry.declaredAccount();
  return {
    ...stats.snapshot(),
    broker: broker.stats(),
    tlsHandshakeFailures: server.countHandshakeFailures(),
    tlsSessionResumption: r.tlsSessionResumption,
    // what the registry takes to exist in the account (only what was declared)
    ...(account === undefined ? {} : { account }),
    registry: registry.counts(),
    openTokens: service.tokenCount(),
    quotas: quotas.effective,
    faults: faults.describe(),
    hook: hookRunner.stats(),
    claimPolicy: r.claimPolicyName,
    ...(controlPlane === undefined ? {} : { controlPlaneUrl: controlPlane.url, controlPlane: controlPlane.stats() }),
  };
}

/**
 * Start the emulator, step by step: registry → settings (shaping, hook functions) → CA → endpoint certificates →
 * claim certificate and policy → provisioning service → gateway → broker listening → control plane.
 */
export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  const registry = prepareRegistry(o);
  const shaping = await shapingFrom(o, registry);
  const ca = loadCa(o);
  const pki = issueEndpointCertificates(ca);
  const claimPolicyName = registerClaim(registry, pki.claim.cert, o);
  const stats = new ServerStats(o.statsWindowSeconds);
  const service = new ProvisioningService({
    ca,
    registry,
    templates: o.templates,
    keyAlgorithm: o.keyAlgorithm,
    keyPoolSize: o.keyPoolSize,
    tokenTtlMs: o.tokenTtlMs,
    stats,
    quotas: shaping.quotas,
    latency: shaping.latency,
    faults: shaping.faults,
    hookRunner: shaping.hookRunner,
    hooks: shaping.hooks,
    ...(o.now === undefined ? {} : { now: o.now }),
    ...(o.observe === undefined ? {} : { observe: o.observe }),
  });
  // claim certificates: the built-in one, and every temporary claim CreateProvisioningClaim issues
  const claimCertificateIds = new Set([pki.claim.cert.certificateId]);
  const claims = new TrustedUserClaims({
    ca,
    registry,
    templates: o.templates,
    quotas: shaping.quotas,
    stats,
    claimCertificateIds,
    ...(o.claimValidityMs === undefined ? {} : { validityMs: o.claimValidityMs }),
    ...(o.now === undefined ? {} : { now: o.now }),
  });
  const gateway = createGateway({
    registry,
    claimCertificateIds,
    claimExpiresAt: (id) => claims.expiresAt(id),
    ...(o.now === undefined ? {} : { now: o.now }),
    quotas: shaping.quotas,
    faults: shaping.faults,
    stats,
    provision: (client, topic, payload, requestTopic) => service.handle(client, topic, payload, requestTopic),
  });
  const broker = new Broker({ hooks: o.observe === undefined ? gateway : observeHooks(gateway, o.observe) });
  const tlsSessionResumption = o.tlsSessionResumption ?? TLS_SESSION_RESUMPTION.emulatorDefault;
  const server = await listen(broker, pki, o.host ?? '127.0.0.1', o.port ?? 0, tlsSessionResumption);
  // MQTT side and the hook functions' environments
  const closeMqtt = async () => {
    service.close();
    await broker.close();
    await server.close();
    await closeHooks(shaping.hooks);
  };
  const controlPlane = await startControlPlaneIfAsked(registry, pki, o, claims, closeMqtt);
  const running: Running = { tlsSessionResumption, shaping, registry, claimPolicyName, stats, service, broker, server, controlPlane };
  return {
    ...(controlPlane === undefined ? {} : { controlPlaneUrl: controlPlane.url }),
    host: server.host,
    port: server.port,
    caPem: ca.certificatePem,
    ca,
    claim: { certificatePem: pki.claim.cert.certificatePem, privateKeyPem: pki.claim.keys.privateKeyPem, certificateId: pki.claim.cert.certificateId },
    registry,
    stats: () => snapshotStats(running),
    closedConnections: () => server.countClosedConnections(),
    async close() {
      await controlPlane?.close();
      await closeMqtt();
    },
  };
}
