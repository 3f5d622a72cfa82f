/**
 * The fleet-provisioning service behind the `$aws/...` topics: CreateKeysAndCertificate,
 * CreateCertificateFromCsr and RegisterThing. Replies go only to the requesting connection, and
 * only when it subscribed to the reply topic (AWS: results may be lost otherwise); whether its
 * policy lets it receive there (iot:Receive) is the broker's check on delivery, as for any message.
 *
 * Each API is a list of named steps (PIPELINES below), run in order on one request:
 *
 *   count → quota → disconnectFault → latency → error500Fault → decode → <the API> → countReply → dropFault → deliver
 *
 * A step before the API's own may answer the request (quota: 429 at once, error500Fault: 500,
 * decode: 400), which skips the remaining steps up to and including the API's; the reply steps
 * (countReply, dropFault, deliver) then run on whichever answer was given. A step may also end the
 * request with no reply at all (disconnectFault, dropFault; deliver when nobody subscribed).
 */
import {
  decodePayload,
  encodePayload,
  PayloadDecodeError,
  rejection,
  type ParsedProvisioningTopic,
  type RejectionKind,
  type ProvisioningApi,
} from '../../protocol/index.js';
import type { BrokerClient } from '../broker/index.js';
import type { ConnectionIdentity } from '../gateway.js';
import { FAULT_DISCONNECT_REASON, type Faults } from '../shaping/faults.js';
import type { HookHandler, HookRunner } from '../hook/hook-runner.js';
import type { Latency } from '../shaping/latency.js';
import { CertificateAuthority, KeyPool, generateKeyPairSyncFor, parseCsr, type KeyAlgorithm, type KeyPairPem } from '../pki/index.js';
import type { Quotas } from '../shaping/quota-buckets.js';
import { Registry } from '../registry/index.js';
import { registerThing, type Reply } from './register-thing.js';
import { ServerStats } from './server-stats.js';
import { TokenStore, type TokenRecord } from './ownership-tokens.js';
import type { LoadedTemplate } from '../templates/index.js';
import type { TrafficObserver } from '../traffic.js';

export type { LoadedTemplate } from '../templates/index.js';

/** QoS of reply PUBLISHes: not documented by AWS (aws-fleet-provisioning.md §1, UNCONFIRMED). */
export const REPLY_QOS: 0 | 1 = 1;

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
  /** the clock ownership tokens expire on (default Date.now) */
  now?: () => number;
  /** told of every request and reply (fleetsim emulator --verbose) */
  observe?: TrafficObserver;
}

/** Parser messages quote the bad input: keep them printable ASCII and short, so a device can log them. */
export function toReadableMessage(message: string, max = 300): string {
  const clean = message.replace(/[^\x20-\x7e]+/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/** Steps that may answer a request before its API runs; an answer skips the rest of them. */
const ADMIT = ['count', 'quota', 'disconnectFault', 'latency', 'error500Fault', 'decode'] as const;
/** Steps that run on the answer, whichever step gave it. */
const ANSWER = ['countReply', 'dropFault', 'deliver'] as const;
const ANSWER_STEPS: ReadonlySet<string> = new Set(ANSWER);

/** Each API as its named steps, in order: the whole request pipeline in one place. */
export const PIPELINES = {
  CreateKeysAndCertificate: [...ADMIT, 'createKeysAndCertificate', ...ANSWER],
  CreateCertificateFromCsr: [...ADMIT, 'createCertificateFromCsr', ...ANSWER],
  RegisterThing: [...ADMIT, 'registerThing', ...ANSWER],
} as const satisfies Record<ProvisioningApi, readonly string[]>;

export type StepName = (typeof PIPELINES)[ProvisioningApi][number];

/** One request on its way through its steps. */
interface InFlight {
  client: BrokerClient;
  topic: ParsedProvisioningTopic;
  payload: Buffer;
  requestTopic: string;
  /** the request object, once decoded */
  request: Record<string, unknown>;
  /** the answer, once a step gave one */
  reply?: Reply;
  /** set by a step that ends the request without any reply */
  ended?: true;
  /** performance.now() at arrival, when observed */
  arrivedAt?: number;
}

type Step = (r: InFlight) => void | Promise<void>;

const rejected = (kind: RejectionKind, message: string): Reply => ({ kind: 'rejected', body: rejection(kind, message) });

export class ProvisioningService {
  private readonly tokens: TokenStore;
  private readonly pool: KeyPool | undefined;
  private readonly templates = new Map<string, LoadedTemplate>();

  constructor(private readonly o: ProvisioningOptions) {
    for (const t of o.templates) this.templates.set(t.name, t);
    this.tokens = new TokenStore(o.tokenTtlMs, (r) => this.expire(r), o.now === undefined ? {} : { now: o.now });
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
   * Handle one request PUBLISH on `requestTopic` (parsed as `topic`) by running its API's steps;
   * never throws. The reply goes to `<requestTopic>/accepted|rejected` as received: a template name
   * that is not a valid one (e.g. under a wildcard claim policy) still gets its 404 there.
   */
  async handle(client: BrokerClient, topic: ParsedProvisioningTopic, payload: Buffer, requestTopic: string): Promise<void> {
    const r: InFlight = { client, topic, payload, requestTopic, request: {} };
    if (this.o.observe !== undefined) {
      r.arrivedAt = performance.now();
      this.o.observe({ kind: 'request', clientId: client.clientId, topic: requestTopic, api: topic.api });
    }
    for (const name of PIPELINES[topic.api]) {
      if (r.ended === true) return;
      if (r.reply !== undefined && !ANSWER_STEPS.has(name)) continue;
      const running = this.steps[name](r);
      if (running !== undefined) await running; // synchronous steps stay synchronous
    }
  }

  /** What each named step does. */
  private readonly steps: Record<StepName, Step> = {
    count: (r) => this.o.stats.count(`received{api=${r.topic.api}}`),

    /** the API's rate quota: 429 at once when exhausted */
    quota: (r) => {
      const { api } = r.topic;
      if (this.o.quotas.takeApi(api)) return;
      this.o.stats.count(`throttled{api=${api}}`);
      r.reply = rejected('throttled', `Rate exceeded for ${api}.`);
    },

    /** an injected disconnect at this API: the connection is closed, no reply */
    disconnectFault: (r) => {
      const { api } = r.topic;
      if (!this.o.faults.disconnectAtStep(api)) return;
      this.o.stats.count(`faults{kind=disconnect,api=${api}}`);
      r.client.disconnect(FAULT_DISCONNECT_REASON);
      r.ended = true;
    },

    /** injected latency: a timer (resolves at once when none is configured) */
    latency: (r) => this.o.latency.wait(r.topic.api),

    /** an injected 500 */
    error500Fault: (r) => {
      if (!this.o.faults.answer500()) return;
      this.o.stats.count(`faults{kind=error500,api=${r.topic.api}}`);
      r.reply = rejected('internalError', 'Internal error (injected fault).');
    },

    /** the payload in the topic's format (json or cbor) must be an object; otherwise a readable 400 */
    decode: (r) => {
      const { api, format } = r.topic;
      try {
        const request = decodePayload(format, r.payload);
        if (typeof request !== 'object' || request === null || Array.isArray(request) || request instanceof Uint8Array) {
          r.reply = rejected('invalidPayload', `${api} request must be a ${format.toUpperCase()} object`);
        } else r.request = request as Record<string, unknown>;
      } catch (err) {
        r.reply = err instanceof PayloadDecodeError ? rejected('invalidPayload', toReadableMessage(err.message)) : internalError(err);
      }
    },

    createKeysAndCertificate: api((r) => this.createKeysAndCertificate(identityOf(r))),
    createCertificateFromCsr: api((r) => this.createCertificateFromCsr(identityOf(r), r.request)),
    registerThing: api((r) => {
      const name = r.topic.templateName ?? '';
      return registerThing(
        { registry: this.o.registry, tokens: this.tokens, hookRunner: this.o.hookRunner, hook: this.o.hooks?.get(name) },
        { client: r.client, identity: identityOf(r), templateName: name, template: this.templates.get(name), request: r.request },
      );
    }),

    countReply: (r) => {
      const { api } = r.topic;
      const reply = r.reply as Reply;
      if (reply.kind === 'accepted') this.o.stats.count(`accepted{api=${api}}`);
      else this.o.stats.count(`rejected{api=${api},code=${reply.body.errorCode},status=${reply.body.statusCode}}`);
    },

    /** an injected lost reply */
    dropFault: (r) => {
      if (!this.o.faults.dropReply()) return;
      this.o.stats.count(`dropped{api=${r.topic.api}}`);
      this.observeReply(r, 'dropped');
      r.ended = true;
    },

    /** encode in the request's format and send to `<requestTopic>/accepted|rejected`, if the connection subscribed there */
    deliver: (r) => {
      const reply = r.reply as Reply;
      const out = `${r.requestTopic}/${reply.kind}`;
      const granted = r.client.grantedQos(out);
      if (granted === undefined) {
        this.o.stats.count(`unsubscribed{api=${r.topic.api}}`);
        this.observeReply(r, 'unsubscribed');
        return;
      }
      // as any MQTT delivery: never above the QoS the device was granted for the reply topic
      r.client.deliver(out, encodePayload(r.topic.format, reply.body), granted < REPLY_QOS ? granted : REPLY_QOS);
      this.observeReply(r, 'sent');
    },
  };

  private observeReply(r: InFlight, outcome: 'sent' | 'unsubscribed' | 'dropped'): void {
    if (this.o.observe === undefined || r.reply === undefined) return;
    const reply = r.reply;
    this.o.observe({
      kind: 'reply',
      clientId: r.client.clientId,
      topic: `${r.requestTopic}/${reply.kind}`,
      api: r.topic.api,
      status: reply.kind === 'accepted' ? 200 : reply.body.statusCode,
      ...(reply.kind === 'accepted' ? {} : { errorCode: reply.body.errorCode }),
      latencyMs: performance.now() - (r.arrivedAt ?? performance.now()),
      outcome,
    });
  }

  tokenCount(): number {
    return this.tokens.size;
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

const identityOf = (r: InFlight) => r.client.context as ConnectionIdentity;

function internalError(err: unknown): Reply {
  return rejected('internalError', `internal error: ${(err as Error)?.message ?? String(err)}`);
}

/** An API's own step: its answer becomes the reply; anything it throws becomes a 500. */
function api(run: (r: InFlight) => Promise<Reply>): Step {
  return async (r) => {
    try {
      r.reply = await run(r);
    } catch (err) {
      r.reply = internalError(err);
    }
  };
}
