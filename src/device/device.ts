/**
 * One virtual device: the whole fleet-provisioning-by-claim flow, each step timed.
 *
 * connect (claim cert) → subscribe → CreateKeysAndCertificate | CreateCertificateFromCsr →
 * subscribe → RegisterThing → disconnect → verify: connect with the issued cert, publish QoS 1,
 * wait for PUBACK → disconnect. A rejected reply is an outcome with its code, never an exception.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodePayload,
  encodePayload,
  isCreateCertificateFromCsrResponse,
  isCreateKeysAndCertificateResponse,
  isErrorResponse,
  isRegisterThingResponse,
  isTransientStatus,
  replyTopics,
  requestTopic,
  type ProvisioningApi,
} from '../protocol/index.js';
import type { MetricsRecorder, Outcome } from '../metrics/recorder.js';
import type { StepName } from '../metrics/names.js';
import { backoffDelay } from './backoff.js';
import { DeviceConnection, StepFailure } from './connection.js';
import { createDeviceCsr } from './identity.js';
import type { DeviceSettings, DeviceSpec, DeviceTarget, DeviceResult, IssuedCredentials } from './types.js';

const now = (): number => performance.now();

/** What a retry policy calls each failure kind (scenario `retry.retryOn`). */
function retryClass(f: StepFailure): string {
  if (f.kind === 'rejected') {
    const s = f.detail.statusCode;
    if (s === 429) return 'throttled';
    if (s !== undefined && s >= 500) return 'server-error';
    return 'rejected';
  }
  return f.kind;
}

function failureReason(step: StepName, f: StepFailure): string {
  if (f.kind === 'rejected' && f.detail.statusCode !== undefined) return `${step}: rejected ${f.detail.statusCode} ${f.detail.errorCode ?? ''}`.trim();
  if (f.kind === 'connect-refused') return `${step}: refused (code ${f.detail.reasonCode ?? '?'})`;
  if (f.kind === 'rejected') return `${step}: refused (code 0x${(f.detail.reasonCode ?? 0).toString(16)})`;
  return `${step}: ${f.kind}`;
}

class Interrupted extends Error {}

export class VirtualDevice {
  private attempts = 0;
  /** requests (and connects) per API, for attempts-per-API in the analysis */
  private readonly apiAttempts: Record<string, number> = {};
  private certificateId: string | undefined;
  /** TLS context for the issued certificate and key (made once; verify and flow.reconnect share it) */
  private issuedContext: (() => SecureContext) | undefined;
  /** the issued certificate is kept for flow.reconnect only */
  private keepIssued = false;
  private thingName: string | undefined;

  constructor(
    private readonly spec: DeviceSpec,
    private readonly target: DeviceTarget,
    private readonly settings: DeviceSettings,
    private readonly metrics: MetricsRecorder,
    private readonly parentSignal?: AbortSignal,
  ) {}

  /**
   * The device's own stop signal, following the generator's. Steps and backoff sleeps listen to this
   * one: adding and removing a listener on the shared signal walks every other waiting device's.
   */
  private readonly stop = new AbortController();
  private get signal(): AbortSignal {
    return this.stop.signal;
  }

  async run(): Promise<DeviceResult> {
    const parent = this.parentSignal;
    const forward = () => this.stop.abort(parent?.reason);
    if (parent?.aborted === true) forward();
    else parent?.addEventListener('abort', forward, { once: true });
    try {
      return await this.runDevice();
    } finally {
      parent?.removeEventListener('abort', forward);
    }
  }

  private async runDevice(): Promise<DeviceResult> {
    const started = now();
    const intendedLagMs = this.spec.intendedStartMs === undefined ? 0 : Math.max(0, Date.now() - this.spec.intendedStartMs);
    this.metrics.count('started');
    let outcome: Outcome;
    const { retry } = this.settings;
    const flowAttempts = retry.mode === 'restart-flow' ? retry.maxAttempts : 1;
    let delay = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runFlow();
        outcome = { kind: 'provisioned' };
        const serviceMs = now() - started;
        this.metrics.recordMicros('provision_service', serviceMs * 1000);
        this.metrics.recordMicros('provision', (serviceMs + intendedLagMs) * 1000);
        break;
      } catch (err) {
        if (err instanceof Interrupted) {
          outcome = { kind: 'dropped', reason: this.stopReason() };
          break;
        }
        const { step, failure } = err as { step?: StepName; failure?: StepFailure };
        if (step === undefined || failure === undefined) {
          outcome = { kind: 'failed', reason: `internal: ${(err as Error)?.message ?? String(err)}` };
          break;
        }
        if (attempt < flowAttempts && retry.retryOn.includes(retryClass(failure) as never)) {
          this.metrics.count('retries', { reason: retryClass(failure), step: 'flow' });
          delay = backoffDelay(retry, attempt, delay);
          if (!(await this.pause(delay))) {
            outcome = { kind: 'dropped', reason: this.stopReason() };
            break;
          }
          continue;
        }
        if (flowAttempts > 1 && retry.retryOn.includes(retryClass(failure) as never)) this.metrics.count('exhausted', { reason: retryClass(failure), step });
        outcome = { kind: 'failed', reason: failureReason(step, failure) };
        break;
      }
    }
    if (outcome.kind === 'provisioned' && this.settings.flow.reconnect !== undefined) outcome = await this.reconnectAfterOutage(this.settings.flow.reconnect.at);
    this.metrics.outcome(outcome);
    this.metrics.total(`attempts:${this.attempts}`);
    for (const [api, n] of Object.entries(this.apiAttempts)) this.metrics.total(`api_attempts{api=${api},n=${n}}`);
    const result: DeviceResult = { index: this.spec.index, clientId: this.spec.clientId, outcome, attempts: this.attempts };
    if (this.thingName !== undefined) result.thingName = this.thingName;
    if (this.certificateId !== undefined) result.certificateId = this.certificateId;
    return result;
  }

  /**
   * flow.reconnect (power-cut replay): wait until `atMs` after the run start, then reconnect with
   * the issued certificate under the per-step retry policy; a device that cannot get back is failed.
   */
  private async reconnectAfterOutage(atMs: number): Promise<Outcome> {
    const issuedContext = this.keepIssued ? this.issuedContext : undefined;
    if (issuedContext === undefined) return { kind: 'failed', reason: 'reconnect: no issued certificate' };
    const wait = (this.settings.runStartMs ?? Date.now()) + atMs - Date.now();
    if (wait > 0 && !(await this.pause(wait))) return { kind: 'dropped', reason: this.stopReason() };
    const ctx = issuedContext();
    this.issuedContext = undefined;
    try {
      const conn = await this.step('reconnect', () => this.connect('Reconnect', this.thingName ?? this.spec.clientId, ctx));
      await conn.close();
      return { kind: 'provisioned' };
    } catch (err) {
      if (err instanceof Interrupted) return { kind: 'dropped', reason: this.stopReason() };
      const { step, failure } = err as { step: StepName; failure: StepFailure };
      return { kind: 'failed', reason: failureReason(step, failure) };
    }
  }

  /** Why the run stopped this device: the abort reason (interrupted, knee_found, ...). */
  private stopReason(): string {
    const r: unknown = this.signal?.reason;
    return typeof r === 'string' ? r : 'interrupted';
  }

  /** Count one request (or connect) to `api`: per second, and per device for attempts-per-API. */
  private offer(api: string): void {
    this.metrics.count('offered', { api });
    this.apiAttempts[api] = (this.apiAttempts[api] ?? 0) + 1;
  }

  /** A stop signal ends the wait at once (the flow's finally block closes the connection). */
  private abortable<T>(p: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal === undefined) return p;
    if (signal.aborted) {
      p.catch(() => undefined);
      return Promise.reject(new Interrupted());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Interrupted());
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** false if interrupted while waiting */
  private async pause(ms: number): Promise<boolean> {
    if (this.signal?.aborted === true) return false;
    try {
      await sleep(ms, undefined, this.signal === undefined ? {} : { signal: this.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Run `fn` under the per-step retry policy; failures leave as {step, failure}. */
  private async step<T>(step: StepName, fn: () => Promise<T>): Promise<T> {
    const { retry } = this.settings;
    const max = retry.mode === 'per-step' ? retry.maxAttempts : 1;
    let delay = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.signal?.aborted === true) throw new Interrupted();
      this.attempts += 1;
      const t0 = now();
      try {
        const v = await this.abortable(fn());
        this.metrics.recordMicros(step, (now() - t0) * 1000);
        this.settings.onStep?.({ step, attempt, ms: now() - t0, ok: true });
        return v;
      } catch (err) {
        if (err instanceof Interrupted) throw err;
        const failure = err instanceof StepFailure ? err : new StepFailure('protocol', (err as Error).message);
        this.settings.onStep?.({ step, attempt, ms: now() - t0, ok: false, detail: failure.message });
        const cls = retryClass(failure);
        if (attempt < max && retry.retryOn.includes(cls as never)) {
          this.metrics.count('retries', { reason: cls, step });
          delay = backoffDelay(retry, attempt, delay);
          if (!(await this.pause(delay))) throw new Interrupted();
          continue;
        }
        if (max > 1 && retry.retryOn.includes(cls as never)) this.metrics.count('exhausted', { reason: cls, step });
        throw { step, failure };
      }
    }
  }

  private async connect(api: string, clientId: string, secureContext: SecureContext): Promise<DeviceConnection> {
    const t = this.target;
    const { flow } = this.settings;
    this.offer(api);
    try {
      const c = await DeviceConnection.open({
        host: t.host,
        port: t.port,
        ...(t.servername === undefined ? {} : { servername: t.servername }),
        ...(t.alpn === undefined ? {} : { ALPNProtocols: t.alpn }),
        clientId,
        protocolVersion: flow.mqttVersion,
        keepalive: flow.keepalive,
        connectTimeoutMs: flow.connectTimeout,
        secureContext,
      });
      this.metrics.count('accepted', { api });
      return c;
    } catch (err) {
      const f = err as StepFailure;
      if (f.kind === 'timeout') this.metrics.count('timeout', { api });
      else this.metrics.count('rejected', { api, status: f.detail.reasonCode ?? f.kind, code: f.kind });
      throw err;
    }
  }

  /** Send one provisioning request and decode its reply; a rejected reply is a StepFailure. */
  private async call(conn: DeviceConnection, api: ProvisioningApi, body: unknown): Promise<unknown> {
    const { flow, templateName } = this.settings;
    const topic = requestTopic(api, flow.format, templateName);
    this.offer(api);
    let reply;
    try {
      reply = await conn.request(topic, encodePayload(flow.format, body), flow.replyTimeout);
    } catch (err) {
      const f = err as StepFailure;
      this.metrics.count(f.kind === 'timeout' ? 'timeout' : 'rejected', f.kind === 'timeout' ? { api } : { api, status: f.kind, code: f.kind });
      throw err;
    }
    let decoded: unknown;
    try {
      decoded = decodePayload(flow.format, reply.payload);
    } catch (err) {
      throw new StepFailure('protocol', `${api} reply: ${(err as Error).message}`);
    }
    if (reply.kind === 'rejected') {
      const e = isErrorResponse(decoded) ? decoded : { statusCode: 0, errorCode: 'Unparseable', errorMessage: '' };
      this.metrics.count('rejected', { api, status: e.statusCode, code: e.errorCode });
      this.metrics.rejection(api, e.statusCode, e.errorCode);
      throw new StepFailure('rejected', `${api} rejected: ${e.statusCode} ${e.errorCode} ${e.errorMessage}`, {
        statusCode: e.statusCode,
        errorCode: e.errorCode,
      });
    }
    this.metrics.count('accepted', { api });
    return decoded;
  }

  private async runFlow(): Promise<void> {
    const { flow, templateName } = this.settings;
    const spec = this.spec;
    let conn: DeviceConnection | undefined;
    const certApi: ProvisioningApi = flow.certificate === 'csr' ? 'CreateCertificateFromCsr' : 'CreateKeysAndCertificate';
    const ensure = async (topics: string[][]): Promise<DeviceConnection> => {
      if (conn?.isOpen === true) return conn;
      conn?.destroy();
      conn = await this.connect('Connect', spec.clientId, this.target.claimSecureContext);
      for (const t of topics) await conn.subscribe(t, flow.replyTimeout);
      return conn;
    };
    try {
      await this.step('connect', () => ensure([]));
      const certTopics = replyTopics(certApi, flow.format);
      await this.step('subscribe', async () => (await ensure([])).subscribe(certTopics, flow.replyTimeout));

      let privateKeyPem: string;
      let certificatePem: string;
      let token: string;
      if (certApi === 'CreateKeysAndCertificate') {
        const res = await this.step('create_certificate', async () => this.call(await ensure([certTopics]), certApi, {}));
        if (!isCreateKeysAndCertificateResponse(res)) throw { step: 'create_certificate', failure: new StepFailure('protocol', 'accepted reply lacks fields') };
        ({ privateKey: privateKeyPem, certificatePem, certificateOwnershipToken: token } = res);
        this.certificateId = res.certificateId;
      } else {
        const csr = await createDeviceCsr(flow.keyAlgorithm, spec.clientId);
        privateKeyPem = csr.privateKeyPem;
        const res = await this.step('create_certificate', async () =>
          this.call(await ensure([certTopics]), certApi, { certificateSigningRequest: csr.csrPem }),
        );
        if (!isCreateCertificateFromCsrResponse(res)) throw { step: 'create_certificate', failure: new StepFailure('protocol', 'accepted reply lacks fields') };
        ({ certificatePem, certificateOwnershipToken: token } = res);
        this.certificateId = res.certificateId;
      }

      const regTopics = replyTopics('RegisterThing', flow.format, templateName);
      await this.step('subscribe', async () => (await ensure([certTopics])).subscribe(regTopics, flow.replyTimeout));
      const body: Record<string, unknown> = { certificateOwnershipToken: token };
      if (Object.keys(spec.parameters).length > 0) body.parameters = spec.parameters;
      const reg = await this.step('register_thing', async () => this.call(await ensure([certTopics, regTopics]), 'RegisterThing', body));
      if (!isRegisterThingResponse(reg)) throw { step: 'register_thing', failure: new StepFailure('protocol', 'accepted reply is malformed') };
      this.thingName = reg.thingName;
      let context: SecureContext | undefined;
      this.issuedContext = () =>
        (context ??= createSecureContext({ cert: certificatePem, key: privateKeyPem, ...(this.target.ca === undefined ? {} : { ca: this.target.ca }) }));
      this.keepIssued = flow.reconnect !== undefined;
      if (this.settings.onCredentials !== undefined && this.certificateId !== undefined) {
        const issued: IssuedCredentials = { certificateId: this.certificateId, certificatePem, privateKeyPem };
        if (reg.thingName !== undefined) issued.thingName = reg.thingName;
        this.settings.onCredentials(issued);
      }
      await conn?.close();
      conn = undefined;

      if (!flow.verify.enabled) return;
      const deviceCtx = this.issuedContext();
      const verifyClientId = reg.thingName ?? spec.clientId;
      const vconn = await this.step('verify_connect', () => this.connect('VerifyConnect', verifyClientId, deviceCtx));
      try {
        const topic = flow.verify.topic.replaceAll('{thingName}', verifyClientId).replaceAll('{clientId}', spec.clientId);
        await this.step('verify_publish', async () => {
          this.offer('VerifyPublish');
          try {
            await vconn.publishAcked(topic, Buffer.from(JSON.stringify({ serial: spec.serial, ts: Date.now() })), flow.replyTimeout);
          } catch (err) {
            const f = err as StepFailure;
            this.metrics.count(f.kind === 'timeout' ? 'timeout' : 'rejected', { api: 'VerifyPublish', ...(f.kind === 'timeout' ? {} : { status: f.detail.reasonCode ?? f.kind, code: f.kind }) });
            throw err;
          }
          this.metrics.count('accepted', { api: 'VerifyPublish' });
        });
      } finally {
        await vconn.close();
      }
    } finally {
      conn?.destroy();
    }
  }
}

export { isTransientStatus };
