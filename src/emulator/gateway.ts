/**
 * The gateway: AWS IoT's rules applied to the broker, in one place — what a client may do. The
 * broker speaks MQTT and asks these hooks at each decision (in the spirit of aedes' authenticate /
 * authorizePublish / authorizeSubscribe handlers):
 *
 * - authenticate: connect quota → client certificate known and ACTIVE → identity (claim or device,
 *   the connection's thing) and its policies → iot:Connect;
 * - onConnected: the `connect` disconnect fault;
 * - authorizeSubscribe: iot:Subscribe on the filter;
 * - authorizePublish: publish quota (discard) → no reply topics → iot:Publish (else disconnect);
 * - authorizeReceive: iot:Receive on every PUBLISH sent to the connection;
 * - onPublish: provisioning requests go to the provisioning service and nowhere else.
 *
 * Policy refusals (AWS documents no per-case behaviour, aws-fleet-provisioning.md §5; our choice):
 * - iot:Connect denied → CONNACK not authorized (v3 code 5, v5 0x87);
 * - iot:Subscribe denied → SUBACK failure for that filter (v3 0x80, v5 0x87), connection kept;
 * - iot:Publish denied → the connection is closed (AWS lifecycle AUTH_ERROR; v5 gets DISCONNECT 0x87 first);
 * - iot:Receive denied → the message is not delivered to that connection.
 * Quota refusals: a throttled CONNECT gets CONNACK v5 0x9F / v3 3 (see src/protocol/quotas.ts); a
 * PUBLISH over publishPerConnection is discarded without PUBACK.
 */
import type { X509Certificate } from 'node:crypto';
import { parseProvisioningTopic, type ParsedProvisioningTopic } from '../protocol/index.js';
import type { AuthenticateResult, BrokerClient, BrokerHooks, ConnectRequest, PublishDecision } from './broker/index.js';
import { PolicyAuthorizer, pickConnectionThing, type ConnectionPolicies } from './policy/authorizer.js';
import type { ServerStats } from './provisioning/server-stats.js';
import type { Registry } from './registry/index.js';
import { FAULT_DISCONNECT_REASON, type Faults } from './shaping/faults.js';
import type { Quotas } from './shaping/quota-buckets.js';

/** What authenticate stores on a connection (`client.context`), for the other hooks and the provisioning service. */
export interface ConnectionIdentity {
  kind: 'claim' | 'device';
  certificateId: string;
  thingName?: string;
  /** the certificate's policies and this connection's policy variables */
  policies?: ConnectionPolicies;
  /** epoch ms a temporary claim (provisioning by trusted user) expires at */
  expiresAt?: number;
}

export interface GatewayOptions {
  registry: Registry;
  /** certificate IDs of claim certificates: their connections may call the provisioning APIs */
  claimCertificateIds: ReadonlySet<string>;
  /** epoch ms a temporary claim certificate expires at (undefined: not a temporary claim) */
  claimExpiresAt?: (certificateId: string) => number | undefined;
  /** the clock temporary claims expire on (default Date.now) */
  now?: () => number;
  quotas: Quotas;
  faults: Faults;
  stats: ServerStats;
  /** answers one provisioning request; never rejects unless there is a bug (counted as internal_errors) */
  provision(client: BrokerClient, topic: ParsedProvisioningTopic, payload: Buffer, requestTopic: string): Promise<void>;
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

const identityOf = (client: BrokerClient) => client.context as ConnectionIdentity;

/** Distinct SNI names counted by name; clients choose them, so past this many they count as `other` (a long-running emulator stays bounded). */
const MAX_SNI_NAMES = 32;

/** The broker hooks that apply AWS IoT's certificate, policy and quota rules. */
export function createGateway(o: GatewayOptions): BrokerHooks {
  const { registry, quotas, faults, stats } = o;
  const authorizer = new PolicyAuthorizer(registry);
  const sniNames = new Set<string>();
  const sniLabel = (name: string): string => {
    if (sniNames.has(name)) return name;
    if (sniNames.size >= MAX_SNI_NAMES) return 'other';
    sniNames.add(name);
    return name;
  };
  const now = o.now ?? Date.now;
  // a temporary claim past its expiration (src/protocol/trusted-user.ts CLAIM_EXPIRY_BEHAVIOUR, assumed)
  const expired = (ctx: ConnectionIdentity) => ctx.expiresAt !== undefined && now() >= ctx.expiresAt;

  const authenticate = (req: ConnectRequest): AuthenticateResult => {
    stats.count('connect_attempts');
    // what the client offered in its TLS ClientHello (AWS requires SNI, and ALPN x-amzn-mqtt-ca on 443)
    stats.count(`tls_alpn{protocol=${req.transport.alpnProtocol || 'none'}}`);
    stats.count(`tls_sni{name=${sniLabel(req.transport.servername || 'none')}}`);
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
    const ctx: ConnectionIdentity = { kind: o.claimCertificateIds.has(id) ? 'claim' : 'device', certificateId: id };
    const expiresAt = o.claimExpiresAt?.(id);
    if (expiresAt !== undefined) ctx.expiresAt = expiresAt;
    if (expired(ctx)) return refuse('claim-expired', 'the temporary provisioning claim has expired');
    const thingName = ctx.kind === 'claim' ? undefined : pickConnectionThing(registry.listPrincipalThings(rec.certificateArn), req.clientId);
    if (thingName !== undefined) ctx.thingName = thingName;
    ctx.policies = authorizer.forCertificate(rec.certificateArn, req.clientId, thingName);
    if (authorizer.check(ctx.policies, 'iot:Connect', req.clientId) !== 'allow') return refuse('policy', `iot:Connect is not allowed for client ${req.clientId}`);
    return { ok: true, context: ctx };
  };

  return {
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
      const id = identityOf(client);
      if (expired(id)) {
        stats.count('publishes_denied{reason=claim-expired}');
        return 'disconnect';
      }
      const p = id.policies;
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
      o.provision(client, t, payload, topic).catch(() => {
        // the service answers every failure itself; anything left is a bug: counted, never a crash
        stats.count(`internal_errors{api=${t.api}}`);
      });
      return true; // requests are never routed to other subscribers
    },
  };
}
