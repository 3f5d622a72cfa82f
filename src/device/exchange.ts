/**
 * The device's traffic with the target, counted per API: connects, provisioning requests and
 * their accepted/rejected replies, and the verify publish. Every request is `offered` once;
 * it then ends as `accepted`, `rejected` (with its status and code) or `timeout`.
 */
import type { SecureContext } from 'node:tls';
import {
  decodePayload,
  encodePayload,
  isErrorResponse,
  requestTopic,
  type ProvisioningApi,
  parseHookFailure,
} from '../protocol/index.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { DeviceConnection } from './connection.js';
import { StepFailure } from './failure.js';
import type { DeviceSettings, DeviceTarget } from './types.js';

export class ProvisioningExchange {
  /** requests (and connects) per API, for attempts-per-API in the analysis */
  readonly apiAttempts: Record<string, number> = {};

  constructor(
    private readonly target: DeviceTarget,
    private readonly settings: DeviceSettings,
    private readonly metrics: MetricsRecorder,
  ) {}

  /** Count one request (or connect) to `api`: per second, and per device for attempts-per-API. */
  private offer(api: string): void {
    this.metrics.count('offered', { api });
    this.apiAttempts[api] = (this.apiAttempts[api] ?? 0) + 1;
  }

  /**
   * A request with no answer, or refused below the provisioning API (CONNACK, PUBACK, closed).
   * `status` is the MQTT reason code when `withReasonCode` and there is one, else the failure kind.
   */
  private countFailure(api: string, f: StepFailure, withReasonCode: boolean): void {
    if (f.kind === 'timeout') this.metrics.count('timeout', { api });
    else this.metrics.count('rejected', { api, status: withReasonCode ? (f.detail.reasonCode ?? f.kind) : f.kind, code: f.kind });
  }

  /** Connect with `secureContext` (claim or issued certificate), counted as `api`. */
  async connect(api: string, clientId: string, secureContext: SecureContext): Promise<DeviceConnection> {
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
      this.countFailure(api, err as StepFailure, true);
      throw err;
    }
  }

  /** Send one provisioning request and decode its reply; a rejected reply is a StepFailure. */
  async call(conn: DeviceConnection, api: ProvisioningApi, body: unknown): Promise<unknown> {
    const { flow, templateName } = this.settings;
    const topic = requestTopic(api, flow.format, templateName);
    this.offer(api);
    let reply;
    try {
      reply = await conn.request(topic, encodePayload(flow.format, body), flow.replyTimeout);
    } catch (err) {
      this.countFailure(api, err as StepFailure, false);
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
      // a pre-provisioning hook failure names the hook's errorType (src/protocol/hook.ts)
      const hook = parseHookFailure(e.errorMessage);
      throw new StepFailure('rejected', `${api} rejected: ${e.statusCode} ${e.errorCode} ${e.errorMessage}`, {
        statusCode: e.statusCode,
        errorCode: e.errorCode,
        ...(hook === undefined ? {} : { hookErrorType: hook.errorType }),
      });
    }
    this.metrics.count('accepted', { api });
    return decoded;
  }

  /** The verify publish (QoS 1, wait for PUBACK), counted as VerifyPublish. */
  async publishVerify(conn: DeviceConnection, topic: string, payload: Buffer): Promise<void> {
    const api = 'VerifyPublish';
    this.offer(api);
    try {
      await conn.publishAcked(topic, payload, this.settings.flow.replyTimeout);
    } catch (err) {
      this.countFailure(api, err as StepFailure, true);
      throw err;
    }
    this.metrics.count('accepted', { api });
  }
}
