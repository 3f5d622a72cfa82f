/**
 * The fleet-provisioning service behind the `$aws/...` topics: CreateKeysAndCertificate,
 * CreateCertificateFromCsr and RegisterThing. Replies go only to the requesting connection, and
 * only when it subscribed to the reply topic (AWS: results may be lost otherwise); whether its
 * policy lets it receive there (iot:Receive) is the broker's check on delivery, as for any message.
 *
 * One request, as named steps: count it → quota (429 at once when throttled) → disconnect fault →
 * injected latency (a timer) → 500 fault or the API → count the answer → drop fault → deliver.
 */
import {
  decodePayload,
  encodePayload,
  PayloadDecodeError,
  rejection,
  type ParsedProvisioningTopic,
  type ProvisioningApi,
} from '../../protocol/index.js';
import type { BrokerClient } from '../broker/index.js';
import type { Faults } from '../shaping/faults.js';
import type { HookHandler, HookRunner } from '../hook/hook-runner.js';
import type { HookSpec } from '../hook/hook-config.js';
import type { Latency } from '../shaping/latency.js';
import { CertificateAuthority, KeyPool, generateKeyPairSyncFor, parseCsr, type KeyAlgorithm, type KeyPairPem } from '../pki/index.js';
import type { ConnectionPolicies } from '../policy/authorizer.js';
import type { Quotas } from '../shaping/quota-buckets.js';
import { ReasonCode } from '../broker/index.js';
import { Registry } from '../registry/index.js';
import { registerThing, type Reply } from './register-thing.js';
import { ServerStats } from './server-stats.js';
import { TokenStore, type TokenRecord } from './ownership-tokens.js';
import type { TemplateBody } from '../templates/index.js';

/** QoS of reply PUBLISHes: not documented by AWS (aws-fleet-provisioning.md §1, UNCONFIRMED). */
export const REPLY_QOS: 0 | 1 = 1;

/** MQTT 5 DISCONNECT reason code of an injected disconnect (AWS's is not documented). */
export const FAULT_DISCONNECT_REASON = ReasonCode.unspecifiedError;

export interface LoadedTemplate {
  name: string;
  body: TemplateBody;
  enabled: boolean;
  /** the pre-provisioning hook: an absolute file path, or its settings (hook/hook-config.ts) */
  hook?: string | HookSpec;
}

export interface ProvisioningOptions {
  ca: CertificateAuthority;
  registry: Registry;
  templates: LoadedTemplate[];
  keyAlgorithm: KeyAlgorithm;
  keyPoolSize: number;
  tokenTtlMs: number;
  stats: ServerStats;
  quotas: Quotas;
  latency: Latency;
  faults: Faults;
  hookRunner: HookRunner;
  /** template name → loaded hook handler */
  hooks?: ReadonlyMap<string, HookHandler>;
}

/** What the authenticate hook stores on a connection. */
export interface ConnectionIdentity {
  kind: 'claim' | 'device';
  certificateId: string;
  thingName?: string;
  /** the certificate's policies and this connection's policy variables */
  policies?: ConnectionPolicies;
}

/** Parser messages quote the bad input: keep them printable ASCII and short, so a device can log them. */
export function toReadableMessage(message: string, max = 300): string {
  const clean = message.replace(/[^\x20-\x7e]+/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

export class ProvisioningService {
  private readonly tokens: TokenStore;
  private readonly pool: KeyPool | undefined;
  private readonly templates = new Map<string, LoadedTemplate>();

  constructor(private readonly o: ProvisioningOptions) {
    for (const t of o.templates) this.templates.set(t.name, t);
    this.tokens = new TokenStore(o.tokenTtlMs, (r) => this.expire(r));
    if (o.keyAlgorithm === 'rsa-2048') {
      // ~7 RSA keys/s per core: keep a pool, and reuse keys round-robin when it runs dry (certs stay unique)
      this.pool = new KeyPool({ algorithm: 'rsa-2048', size: o.keyPoolSize, reuse: true });
      this.pool.start();
    }
  }

  close(): void {
    this.tokens.close();
    this.pool?.close();
  }

  /**
   * Handle one request PUBLISH on `requestTopic` (parsed as `topic`); never throws. The reply goes to
   * `<requestTopic>/accepted|rejected` as received: a template name that is not a valid one (e.g. under a
   * wildcard claim policy) still gets its 404 there.
   */
  async handle(client: BrokerClient, topic: ParsedProvisioningTopic, payload: Buffer, requestTopic: string): Promise<void> {
    const { api, format } = topic;
    const { stats, faults } = this.o;
    stats.count(`received{api=${api}}`);
    let reply: Reply;
    if (!this.o.quotas.takeApi(api)) {
      stats.count(`throttled{api=${api}}`);
      reply = { kind: 'rejected', body: rejection('throttled', `Rate exceeded for ${api}.`) };
    } else if (faults.disconnectAtStep(api)) {
      stats.count(`faults{kind=disconnect,api=${api}}`);
      client.disconnect(FAULT_DISCONNECT_REASON);
      return;
    } else {
      await this.o.latency.wait(api);
      if (faults.answer500()) {
        stats.count(`faults{kind=error500,api=${api}}`);
        reply = { kind: 'rejected', body: rejection('internalError', 'Internal error (injected fault).') };
      } else reply = await this.answer(client, topic, payload);
    }
    if (reply.kind === 'accepted') stats.count(`accepted{api=${api}}`);
    else stats.count(`rejected{api=${api},code=${reply.body.errorCode},status=${reply.body.statusCode}}`);
    if (faults.dropReply()) {
      stats.count(`dropped{api=${api}}`);
      return;
    }
    const out = `${requestTopic}/${reply.kind}`;
    const granted = client.grantedQos(out);
    if (granted === undefined) {
      stats.count(`unsubscribed{api=${api}}`);
      return;
    }
    // as any MQTT delivery: never above the QoS the device was granted for the reply topic
    client.deliver(out, encodePayload(format, reply.body), granted < REPLY_QOS ? granted : REPLY_QOS);
  }

  tokenCount(): number {
    return this.tokens.size;
  }

  /** Decode and dispatch; any failure becomes a rejected reply with a readable message. */
  private async answer(client: BrokerClient, topic: ParsedProvisioningTopic, payload: Buffer): Promise<Reply> {
    const { api, format } = topic;
    try {
      const request = decodePayload(format, payload);
      if (typeof request !== 'object' || request === null || Array.isArray(request) || request instanceof Uint8Array) {
        return { kind: 'rejected', body: rejection('invalidPayload', `${api} request must be a ${format.toUpperCase()} object`) };
      }
      return await this.dispatch(client, api, topic.templateName, request as Record<string, unknown>);
    } catch (err) {
      return err instanceof PayloadDecodeError
        ? { kind: 'rejected', body: rejection('invalidPayload', toReadableMessage(err.message)) }
        : { kind: 'rejected', body: rejection('internalError', `internal error: ${(err as Error)?.message ?? String(err)}`) };
    }
  }

  private dispatch(client: BrokerClient, api: ProvisioningApi, templateName: string | undefined, req: Record<string, unknown>): Promise<Reply> {
    const id = client.context as ConnectionIdentity;
    switch (api) {
      case 'CreateKeysAndCertificate':
        return this.createKeysAndCertificate(id);
      case 'CreateCertificateFromCsr':
        return this.createCertificateFromCsr(id, req);
      case 'RegisterThing': {
        const name = templateName ?? '';
        const template = this.templates.get(name);
        return registerThing(
          { registry: this.o.registry, tokens: this.tokens, hookRunner: this.o.hookRunner, hook: this.o.hooks?.get(name) },
          { client, identity: id, templateName: name, template, request: req },
        );
      }
    }
  }

  private async takeKey(): Promise<KeyPairPem> {
    return this.pool !== undefined ? this.pool.take() : generateKeyPairSyncFor(this.o.keyAlgorithm);
  }

  private issue(publicKey: KeyPairPem['publicKey'], id: ConnectionIdentity, via: 'CreateKeysAndCertificate' | 'CreateCertificateFromCsr') {
    const cert = this.o.ca.issue({ publicKey, subject: { CN: 'AWS IoT Certificate' }, usage: 'client', validityDays: 3650 });
    this.o.registry.addCertificate({
      certificateId: cert.certificateId,
      certificatePem: cert.certificatePem,
      status: 'PENDING_ACTIVATION',
      issuedVia: via,
      claimCertificateId: id.certificateId,
    });
    const token = this.tokens.issue(cert.certificateId, id.certificateId);
    return { cert, token };
  }

  private async createKeysAndCertificate(id: ConnectionIdentity): Promise<Reply> {
    const keys = await this.takeKey();
    const { cert, token } = this.issue(keys.publicKey, id, 'CreateKeysAndCertificate');
    return {
      kind: 'accepted',
      body: {
        certificateId: cert.certificateId,
        certificatePem: cert.certificatePem,
        privateKey: keys.privateKeyPem,
        certificateOwnershipToken: token,
      },
    };
  }

  private async createCertificateFromCsr(id: ConnectionIdentity, req: Record<string, unknown>): Promise<Reply> {
    const pem = req.certificateSigningRequest;
    if (typeof pem !== 'string' || pem.trim() === '') {
      return { kind: 'rejected', body: rejection('invalidCsr', 'certificateSigningRequest is required and must be a PEM string') };
    }
    let publicKey;
    try {
      const csr = await parseCsr(pem);
      publicKey = csr.publicKey;
    } catch (err) {
      return { kind: 'rejected', body: rejection('invalidCsr', (err as Error).message) };
    }
    const { cert, token } = this.issue(publicKey, id, 'CreateCertificateFromCsr');
    return { kind: 'accepted', body: { certificateId: cert.certificateId, certificatePem: cert.certificatePem, certificateOwnershipToken: token } };
  }

  /**
   * A token expired: its certificate is deleted unless it was activated or attached to a policy or a
   * thing (AWS: "deleted if not activated and not attached to a policy or IoT thing").
   */
  private expire(r: TokenRecord): void {
    const cert = this.o.registry.getCertificate(r.certificateId);
    if (cert === undefined || cert.status !== 'PENDING_ACTIVATION') return;
    try {
      // no forceDelete: the registry refuses to delete a certificate that has attachments
      this.o.registry.deleteCertificate(r.certificateId);
      this.o.stats.count('certificates_expired');
    } catch {
      this.o.stats.count('certificates_expired_kept');
    }
  }
}

