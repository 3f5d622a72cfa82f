/**
 * The local AWS IoT fleet-provisioning endpoint: its own root CA, a server certificate for
 * localhost/127.0.0.1, a claim certificate, an mTLS MQTT broker, and the provisioning service,
 * with AWS IoT's quotas, policies, a pre-provisioning hook, injected latency and faults.
 *
 * Policy refusals (AWS documents no per-case behaviour, aws-fleet-provisioning.md §5; our choice):
 * - iot:Connect denied → CONNACK not authorized (v3 code 5, v5 0x87);
 * - iot:Subscribe denied → SUBACK failure for that filter (v3 0x80, v5 0x87), connection kept;
 * - iot:Publish denied → the connection is closed (AWS lifecycle AUTH_ERROR; v5 gets DISCONNECT 0x87 first);
 * - iot:Receive denied → the message is not delivered to that connection.
 * Quota refusals: a throttled CONNECT gets CONNACK v5 0x9F / v3 3 (see src/protocol/quotas.ts); a
 * PUBLISH over publishPerConnection is discarded without PUBACK; a provisioning request over its
 * API quota gets a 429 rejected reply.
 */
import type { X509Certificate } from 'node:crypto';
import { Broker, createTlsBrokerServer, type AuthenticateResult, type BrokerClient, type ConnectRequest, type PublishDecision } from './broker/index.js';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane/index.js';
import { CertificateAuthority, generateKeyPairSyncFor, type KeyAlgorithm } from './pki/index.js';
import { Registry } from './registry/index.js';
import { parseProvisioningTopic } from '../protocol/index.js';
import type { QuotaSettings } from '../protocol/quotas.js';
import { TLS_SESSION_RESUMPTION } from '../protocol/transport.js';
import { Faults, type FaultSettings } from './shaping/faults.js';
import { HookRunner } from './hook/hook-runner.js';
import { closeHooks, startHookFunctions, type HookLogOptions } from './hook/functions.js';
import { Latency, type LatencySettings } from './shaping/latency.js';
import { attachClaimPolicy } from './policy/claim-policy.js';
import { PolicyAuthorizer, pickConnectionThing } from './policy/authorizer.js';
import { FAULT_DISCONNECT_REASON, ProvisioningService, type ConnectionIdentity, type LoadedTemplate } from './provisioning/service.js';
import { Quotas } from './shaping/quota-buckets.js';
import { ServerStats } from './provisioning/server-stats.js';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  templates: LoadedTemplate[];
  keyAlgorithm?: KeyAlgorithm;
  keyPoolSize?: number;
  tokenTtlMs?: number;
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
  /** start the control-plane HTTP API over the registry */
  controlPlane?: ControlPlaneOptions;
  /** the account's thing groups and thing types: provisioning into others fails (default: not checked) */
  thingGroups?: string[];
  thingTypes?: string[];
  /** resume TLS sessions from tickets (default: src/protocol/transport.ts, off; AWS does not document it) */
  tlsSessionResumption?: boolean;
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
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** certificate ID by parsed certificate: the TLS layer hands out one object per distinct certificate */
const certificateIds = new WeakMap<X509Certificate, string>();

function certificateIdOf(req: ConnectRequest): string | undefined {
  const cert = req.transport.peerCertificate;
  if (cert === null) return undefined;
  let id = certificateIds.get(cert);
  if (id === undefined) {
    id = cert.fingerprint256.replaceAll(':', '').toLowerCase();
    certificateIds.set(cert, id);
  }
  return id;
}

export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  // settings first: a bad quota, latency, fault or hook fails before anything listens
  const quotas = new Quotas(o.quotas);
  const faults = new Faults({ ...o.faults, dropReplies: o.faults?.dropReplies ?? o.dropReplies });
  const latency = new Latency(o.latency, faults.seed);
  const registry = o.registry ?? new Registry();
  const hookRunner = new HookRunner({ latency, ...(o.hookTimeoutMs !== undefined ? { timeoutMs: o.hookTimeoutMs } : {}) });
  const hooks = startHookFunctions(o.templates, { region: registry.region, accountId: registry.accountId, runner: hookRunner, ...(o.hookLogs === undefined ? {} : { logs: o.hookLogs }) });

  const ca =
    o.ca !== undefined
      ? CertificateAuthority.fromPem(o.ca.certPem, o.ca.keyPem)
      : CertificateAuthority.create({ subject: { CN: 'fleetsim emulator root CA', O: 'fleetsim' }, keyAlgorithm: 'ec-p256' });
  const tlsSessionResumption = o.tlsSessionResumption ?? TLS_SESSION_RESUMPTION.emulatorDefault;
  if (o.thingGroups !== undefined) registry.declareThingGroups(o.thingGroups);
  if (o.thingTypes !== undefined) registry.declareThingTypes(o.thingTypes);
  const serverKeys = generateKeyPairSyncFor('ec-p256');
  const serverCert = ca.issue({ publicKey: serverKeys.publicKey, subject: { CN: 'localhost' }, usage: 'server' });
  const claimKeys = generateKeyPairSyncFor('ec-p256');
  const claimCert = ca.issue({ publicKey: claimKeys.publicKey, subject: { CN: 'fleetsim claim certificate', O: 'fleetsim' }, usage: 'client', validityDays: 3650 });
  const claimIds = new Set([claimCert.certificateId]);
  const claimRecord =
    registry.getCertificate(claimCert.certificateId) ??
    registry.addCertificate({ certificateId: claimCert.certificateId, certificatePem: claimCert.certificatePem, status: 'ACTIVE', issuedVia: 'claim' });
  const claimPolicyName = attachClaimPolicy(registry, claimRecord.certificateArn, o.templates.map((t) => t.name), o.claimPolicy);
  const authorizer = new PolicyAuthorizer(registry);
  const stats = new ServerStats();
  const identityOf = (client: BrokerClient) => client.context as ConnectionIdentity;
  const service = new ProvisioningService({
    ca,
    registry,
    templates: o.templates,
    keyAlgorithm: o.keyAlgorithm ?? 'ec-p256',
    keyPoolSize: o.keyPoolSize ?? 64,
    tokenTtlMs: o.tokenTtlMs ?? 3_600_000,
    stats,
    quotas,
    latency,
    faults,
    hookRunner,
    hooks,
  });

  const authenticate = (req: ConnectRequest): AuthenticateResult => {
    stats.count('connect_attempts');
    // what the client offered in its TLS ClientHello (AWS requires SNI, and ALPN x-amzn-mqtt-ca on 443)
    stats.count(`tls_alpn{protocol=${req.transport.alpnProtocol || 'none'}}`);
    stats.count(`tls_sni{name=${req.transport.servername || 'none'}}`);
    const quota = quotas.takeConnect(req.clientId);
    if (quota !== 'ok') {
      stats.count(`connects_throttled{quota=${quota}}`);
      return { ok: false, reason: 'connectionRateExceeded', message: `${quota} quota exceeded` };
    }
    const id = certificateIdOf(req);
    const refuse = (reason: string, message: string): AuthenticateResult => {
      stats.count(`connects_refused{reason=${reason}}`);
      return { ok: false, reason: 'notAuthorized', message };
    };
    if (id === undefined) return refuse('certificate', 'no client certificate');
    const rec = registry.getCertificate(id);
    if (rec === undefined || rec.status !== 'ACTIVE') return refuse('certificate', rec === undefined ? 'unknown certificate' : `certificate is ${rec.status}`);
    const ctx: ConnectionIdentity = { kind: claimIds.has(id) ? 'claim' : 'device', certificateId: id };
    const thingName = ctx.kind === 'claim' ? undefined : pickConnectionThing(registry.listPrincipalThings(rec.certificateArn), req.clientId);
    if (thingName !== undefined) ctx.thingName = thingName;
    ctx.policies = authorizer.forCertificate(rec.certificateArn, req.clientId, thingName);
    if (authorizer.check(ctx.policies, 'iot:Connect', req.clientId) !== 'allow') return refuse('policy', `iot:Connect is not allowed for client ${req.clientId}`);
    return { ok: true, context: ctx };
  };

  const broker = new Broker({
    hooks: {
      authenticate,
      onConnected(client: BrokerClient) {
        stats.count('connects_accepted');
        if (faults.disconnectAtStep('connect')) {
          stats.count('faults{kind=disconnect,api=connect}');
          client.disconnect(FAULT_DISCONNECT_REASON);
        }
      },
      authorizeSubscribe(client: BrokerClient, filter: string) {
        const p = identityOf(client).policies;
        if (p !== undefined && authorizer.check(p, 'iot:Subscribe', filter) === 'allow') return 'allow';
        stats.count('subscribes_denied');
        return 'deny';
      },
      authorizePublish(client: BrokerClient, topic: string): PublishDecision {
        if (!quotas.takePublish(client)) {
          stats.count('publishes_throttled');
          return 'discard';
        }
        // nobody may publish to a reply topic: replies come from the service only
        const t = parseProvisioningTopic(topic);
        const p = identityOf(client).policies;
        if ((t === null || t.reply === undefined) && p !== undefined && authorizer.check(p, 'iot:Publish', topic) === 'allow') return 'allow';
        stats.count('publishes_denied');
        return 'disconnect';
      },
      // every PUBLISH to a connection passes here once: routed messages and the service's replies
      authorizeReceive(client: BrokerClient, topic: string) {
        const p = identityOf(client).policies;
        if (p !== undefined && authorizer.check(p, 'iot:Receive', topic) === 'allow') return true;
        stats.count('receives_denied');
        return false;
      },
      onPublish(client: BrokerClient, topic: string, payload: Buffer) {
        const t = parseProvisioningTopic(topic);
        if (t === null || t.reply !== undefined) return false;
        service.handle(client, t, payload, topic).catch(() => {
          // handle() answers every failure itself; anything left is a bug: counted, never a crash
          stats.count(`internal_errors{api=${t.api}}`);
        });
        return true; // requests are never routed to other subscribers
      },
    },
  });
  const server = await createTlsBrokerServer(broker, {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    key: serverKeys.privateKeyPem,
    cert: serverCert.certificatePem,
    ca: [ca.certificatePem],
    sessionResumption: tlsSessionResumption,
  });
  let controlPlane: ControlPlane | undefined;
  if (o.controlPlane !== undefined) {
    try {
      controlPlane = await startControlPlane(registry, { host: o.host ?? '127.0.0.1', ...o.controlPlane });
    } catch (err) {
      service.close();
      await broker.close();
      await server.close();
      await closeHooks(hooks);
      throw err;
    }
  }
  return {
    ...(controlPlane === undefined ? {} : { controlPlaneUrl: controlPlane.url }),
    host: server.host,
    port: server.port,
    caPem: ca.certificatePem,
    ca,
    claim: { certificatePem: claimCert.certificatePem, privateKeyPem: claimKeys.privateKeyPem, certificateId: claimCert.certificateId },
    registry,
    stats() {
      const account = registry.declaredAccount();
      return {
        ...stats.snapshot(),
        broker: broker.stats(),
        tlsHandshakeFailures: server.countHandshakeFailures(),
        tlsSessionResumption,
        // what the registry takes to exist in the account (only what was declared)
        ...(account === undefined ? {} : { account }),
        registry: registry.counts(),
        openTokens: service.tokenCount(),
        quotas: quotas.effective,
        faults: faults.describe(),
        hook: hookRunner.stats(),
        claimPolicy: claimPolicyName,
        ...(controlPlane === undefined ? {} : { controlPlaneUrl: controlPlane.url, controlPlane: controlPlane.stats() }),
      };
    },
    async close() {
      await controlPlane?.close();
      service.close();
      await broker.close();
      await server.close();
      await closeHooks(hooks);
    },
  };
}
