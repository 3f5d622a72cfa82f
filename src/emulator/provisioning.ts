/**
 * The fleet-provisioning service behind the `$aws/...` topics: CreateKeysAndCertificate,
 * CreateCertificateFromCsr and RegisterThing. Replies go only to the requesting connection, and
 * only when it subscribed to the reply topic (AWS: results may be lost otherwise).
 */
import {
  decodePayload,
  encodePayload,
  PayloadDecodeError,
  rejection,
  replyTopic,
  type ErrorResponse,
  type ParsedProvisioningTopic,
  type ProvisioningApi,
} from '../protocol/index.js';
import type { BrokerClient } from './broker/index.js';
import { CertificateAuthority, KeyPool, generateKeyPairSyncFor, parseCsr, type KeyAlgorithm, type KeyPairPem } from './pki/index.js';
import { Registry } from './registry/index.js';
import { renderTemplate, type TemplateBody, TemplateRenderError } from './templates/index.js';
import { ServerStats } from './stats.js';
import { TokenStore, type TokenRecord } from './tokens.js';

/** QoS of reply PUBLISHes: not documented by AWS (aws-fleet-provisioning.md §1, UNCONFIRMED). */
export const REPLY_QOS: 0 | 1 = 1;

export interface LoadedTemplate {
  name: string;
  body: TemplateBody;
  enabled: boolean;
}

export interface ProvisioningOptions {
  ca: CertificateAuthority;
  registry: Registry;
  templates: LoadedTemplate[];
  keyAlgorithm: KeyAlgorithm;
  keyPoolSize: number;
  tokenTtlMs: number;
  stats: ServerStats;
  /** fraction (0-1) of replies silently dropped (fault injection) */
  dropReplies?: number;
  random?: () => number;
}

/** What the authenticate hook stores on a connection. */
export interface ConnectionIdentity {
  kind: 'claim' | 'device';
  certificateId: string;
  thingName?: string;
}

export class ProvisioningService {
  private readonly tokens: TokenStore;
  private readonly pool: KeyPool | undefined;
  private readonly templates = new Map<string, LoadedTemplate>();
  private readonly random: () => number;

  constructor(private readonly o: ProvisioningOptions) {
    for (const t of o.templates) this.templates.set(t.name, t);
    this.random = o.random ?? Math.random;
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

  /** Handle one request PUBLISH; never throws. */
  async handle(client: BrokerClient, topic: ParsedProvisioningTopic, payload: Buffer): Promise<void> {
    const { api, format } = topic;
    const stats = this.o.stats;
    stats.count(`received{api=${api}}`);
    let reply: { kind: 'accepted'; body: unknown } | { kind: 'rejected'; body: ErrorResponse };
    try {
      const request = decodePayload(format, payload);
      if (typeof request !== 'object' || request === null || Array.isArray(request)) {
        reply = { kind: 'rejected', body: rejection('invalidPayload', `${api} request must be a ${format.toUpperCase()} object`) };
      } else {
        reply = await this.dispatch(client, api, topic.templateName, request as Record<string, unknown>);
      }
    } catch (err) {
      reply =
        err instanceof PayloadDecodeError
          ? { kind: 'rejected', body: rejection('invalidPayload', err.message) }
          : { kind: 'rejected', body: rejection('internalError', `internal error: ${(err as Error).message}`) };
    }
    if (reply.kind === 'accepted') stats.count(`accepted{api=${api}}`);
    else stats.count(`rejected{api=${api},code=${reply.body.errorCode},status=${reply.body.statusCode}}`);
    if ((this.o.dropReplies ?? 0) > 0 && this.random() < (this.o.dropReplies ?? 0)) {
      stats.count(`dropped{api=${api}}`);
      return;
    }
    const out = replyTopic(api, format, reply.kind, topic.templateName);
    if (!client.isSubscribed(out)) {
      stats.count(`unsubscribed{api=${api}}`);
      return;
    }
    client.deliver(out, encodePayload(format, reply.body), REPLY_QOS);
  }

  private dispatch(
    client: BrokerClient,
    api: ProvisioningApi,
    templateName: string | undefined,
    req: Record<string, unknown>,
  ): Promise<{ kind: 'accepted'; body: unknown } | { kind: 'rejected'; body: ErrorResponse }> {
    const id = client.context as ConnectionIdentity;
    switch (api) {
      case 'CreateKeysAndCertificate':
        return this.createKeysAndCertificate(id);
      case 'CreateCertificateFromCsr':
        return this.createCertificateFromCsr(id, req);
      case 'RegisterThing':
        return Promise.resolve(this.registerThing(client, id, templateName ?? '', req));
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

  private async createKeysAndCertificate(id: ConnectionIdentity) {
    const keys = await this.takeKey();
    const { cert, token } = this.issue(keys.publicKey, id, 'CreateKeysAndCertificate');
    return {
      kind: 'accepted' as const,
      body: {
        certificateId: cert.certificateId,
        certificatePem: cert.certificatePem,
        privateKey: keys.privateKeyPem,
        certificateOwnershipToken: token,
      },
    };
  }

  private async createCertificateFromCsr(id: ConnectionIdentity, req: Record<string, unknown>) {
    const pem = req.certificateSigningRequest;
    if (typeof pem !== 'string' || pem.trim() === '') {
      return { kind: 'rejected' as const, body: rejection('invalidCsr', 'certificateSigningRequest is required and must be a PEM string') };
    }
    let publicKey;
    try {
      const csr = await parseCsr(pem);
      publicKey = csr.publicKey;
    } catch (err) {
      return { kind: 'rejected' as const, body: rejection('invalidCsr', (err as Error).message) };
    }
    const { cert, token } = this.issue(publicKey, id, 'CreateCertificateFromCsr');
    return {
      kind: 'accepted' as const,
      body: { certificateId: cert.certificateId, certificatePem: cert.certificatePem, certificateOwnershipToken: token },
    };
  }

  private registerThing(client: BrokerClient, id: ConnectionIdentity, templateName: string, req: Record<string, unknown>) {
    const reject = (kind: Parameters<typeof rejection>[0], msg: string) => ({ kind: 'rejected' as const, body: rejection(kind, msg) });
    const template = this.templates.get(templateName);
    if (template === undefined) return reject('templateNotFound', `Template ${templateName} not found.`);
    if (!template.enabled) return reject('templateNotFound', `Template ${templateName} is disabled.`);
    const params = req.parameters ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params) || !Object.values(params).every((v) => typeof v === 'string')) {
      return reject('invalidPayload', 'parameters must be a map of string to string');
    }
    const check = this.tokens.consume(req.certificateOwnershipToken, id.certificateId);
    if (!check.ok) return reject('invalidToken', check.message);
    const tokenRec: TokenRecord = check.record;
    try {
      const rendered = renderTemplate(template.body, { parameters: params as Record<string, string>, certificateId: tokenRec.certificateId });
      const applied = this.o.registry.applyProvisioning(rendered, tokenRec.certificateId);
      this.tokens.retire(tokenRec);
      const body: { deviceConfiguration: Record<string, string>; thingName?: string } = { deviceConfiguration: rendered.deviceConfiguration };
      if (applied.thingName !== undefined) body.thingName = applied.thingName;
      void client;
      return { kind: 'accepted' as const, body };
    } catch (err) {
      this.tokens.release(tokenRec);
      if (err instanceof TemplateRenderError) return reject('invalidTemplate', err.message);
      const code = (err as { code?: string }).code;
      if (code === 'RESOURCE_CONFLICT') return reject('resourceConflict', (err as Error).message);
      if (code === 'NOT_FOUND' || code === 'INVALID_REQUEST') return reject('invalidTemplate', (err as Error).message);
      return reject('internalError', `internal error: ${(err as Error).message}`);
    }
  }

  /** A token expired: its certificate is deleted unless RegisterThing activated it. */
  private expire(r: TokenRecord): void {
    const cert = this.o.registry.getCertificate(r.certificateId);
    if (cert === undefined || cert.status !== 'PENDING_ACTIVATION') return;
    try {
      this.o.registry.deleteCertificate(r.certificateId, { forceDelete: true });
      this.o.stats.count('certificates_expired');
    } catch {
      /* already attached or gone */
    }
  }

  tokenCount(): number {
    return this.tokens.size;
  }
}
