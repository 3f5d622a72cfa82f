/**
 * The local AWS IoT fleet-provisioning endpoint: its own root CA, a server certificate for
 * localhost/127.0.0.1, a claim certificate, an mTLS MQTT broker, and the provisioning service.
 */
import { Broker, createTlsBrokerServer, type BrokerClient, type ConnectRequest, type AuthenticateResult } from './broker/index.js';
import { CertificateAuthority, generateKeyPairSyncFor, type KeyAlgorithm } from './pki/index.js';
import { Registry } from './registry/index.js';
import { parseProvisioningTopic } from '../protocol/index.js';
import { ProvisioningService, type ConnectionIdentity, type LoadedTemplate } from './provisioning.js';
import { ServerStats } from './stats.js';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  templates: LoadedTemplate[];
  keyAlgorithm?: KeyAlgorithm;
  keyPoolSize?: number;
  tokenTtlMs?: number;
  dropReplies?: number;
  /** reuse a saved CA (standalone emulator); a new one is generated otherwise */
  ca?: { certPem: string; keyPem: string };
  registry?: Registry;
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
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** Only the fleet-provisioning topics are open to a claim certificate (AWS's claim policy, WOCERT). */
function claimMayPublish(topic: string): boolean {
  const t = parseProvisioningTopic(topic);
  return t !== null && t.reply === undefined;
}
function claimMaySubscribe(filter: string): boolean {
  const t = parseProvisioningTopic(filter);
  return t !== null && t.reply !== undefined;
}

function certificateIdOf(req: ConnectRequest): string | undefined {
  const cert = req.transport.peerCertificate;
  if (cert === null) return undefined;
  return cert.fingerprint256.replaceAll(':', '').toLowerCase();
}

export async function startEmulator(o: EmulatorOptions): Promise<Emulator> {
  const ca =
    o.ca !== undefined
      ? CertificateAuthority.fromPem(o.ca.certPem, o.ca.keyPem)
      : CertificateAuthority.create({ subject: { CN: 'fleetsim emulator root CA', O: 'fleetsim' }, keyAlgorithm: 'ec-p256' });
  const registry = o.registry ?? new Registry();
  const serverKeys = generateKeyPairSyncFor('ec-p256');
  const serverCert = ca.issue({ publicKey: serverKeys.publicKey, subject: { CN: 'localhost' }, usage: 'server' });
  const claimKeys = generateKeyPairSyncFor('ec-p256');
  const claimCert = ca.issue({ publicKey: claimKeys.publicKey, subject: { CN: 'fleetsim claim certificate', O: 'fleetsim' }, usage: 'client', validityDays: 3650 });
  const claimIds = new Set([claimCert.certificateId]);
  if (registry.getCertificate(claimCert.certificateId) === undefined) {
    registry.addCertificate({ certificateId: claimCert.certificateId, certificatePem: claimCert.certificatePem, status: 'ACTIVE', issuedVia: 'claim' });
  }
  const stats = new ServerStats();
  const service = new ProvisioningService({
    ca,
    registry,
    templates: o.templates,
    keyAlgorithm: o.keyAlgorithm ?? 'ec-p256',
    keyPoolSize: o.keyPoolSize ?? 64,
    tokenTtlMs: o.tokenTtlMs ?? 3_600_000,
    stats,
    dropReplies: o.dropReplies ?? 0,
  });

  const broker = new Broker({
    hooks: {
      authenticate(req): AuthenticateResult {
        const id = certificateIdOf(req);
        stats.count('connect_attempts');
        if (id === undefined) return { ok: false, reason: 'notAuthorized', message: 'no client certificate' };
        if (claimIds.has(id)) return { ok: true, context: { kind: 'claim', certificateId: id } satisfies ConnectionIdentity };
        const rec = registry.getCertificate(id);
        if (rec === undefined || rec.status !== 'ACTIVE') {
          stats.count('connects_refused{reason=certificate}');
          return { ok: false, reason: 'notAuthorized', message: rec === undefined ? 'unknown certificate' : `certificate is ${rec.status}` };
        }
        const thingName = registry.listPrincipalThings(rec.certificateArn)[0];
        const ctx: ConnectionIdentity = { kind: 'device', certificateId: id };
        if (thingName !== undefined) ctx.thingName = thingName;
        return { ok: true, context: ctx };
      },
      authorizeSubscribe(client: BrokerClient, filter: string) {
        const id = client.context as ConnectionIdentity;
        if (id.kind === 'claim') return claimMaySubscribe(filter) ? 'allow' : 'deny';
        return filter.startsWith('$') && parseProvisioningTopic(filter) === null ? 'deny' : 'allow';
      },
      authorizePublish(client: BrokerClient, topic: string) {
        const id = client.context as ConnectionIdentity;
        if (id.kind === 'claim') return claimMayPublish(topic) ? 'allow' : 'disconnect';
        // nobody may publish to a reply topic: replies come from the service only
        const t = parseProvisioningTopic(topic);
        if (t !== null && t.reply !== undefined) return 'disconnect';
        return 'allow';
      },
      onPublish(client: BrokerClient, topic: string, payload: Buffer) {
        const t = parseProvisioningTopic(topic);
        if (t === null || t.reply !== undefined) return false;
        void service.handle(client, t, payload);
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
  });
  return {
    host: server.host,
    port: server.port,
    caPem: ca.certificatePem,
    ca,
    claim: { certificatePem: claimCert.certificatePem, privateKeyPem: claimKeys.privateKeyPem, certificateId: claimCert.certificateId },
    registry,
    stats() {
      return { ...stats.snapshot(), broker: broker.stats(), tlsHandshakeFailures: server.countHandshakeFailures(), registry: registry.counts(), openTokens: service.tokenCount() };
    },
    async close() {
      service.close();
      await broker.close();
      await server.close();
    },
  };
}
