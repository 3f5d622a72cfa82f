/**
 * The only module that imports mqtt (MQTT.js). Opens one mTLS MQTT connection and turns its
 * events into promises a device flow can await, with every failure classified.
 */
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { SecureContext } from 'node:tls';
import { formatReasonCode } from '../protocol/mqtt-reason-codes.js';
import { StepFailure } from './failure.js';

export { StepFailure, type FailureKind } from './failure.js';

/** DEBUG=mqttjs* (the `debug` package's switch) keeps MQTT.js's own logging */
const MQTTJS_DEBUG = /(^|[\s,])(mqttjs|\*)/.test(process.env.DEBUG ?? '');
const noLog = (): void => undefined;

export interface ConnectionOptions {
  host: string;
  port: number;
  servername?: string;
  ALPNProtocols?: string[];
  clientId: string;
  protocolVersion: 4 | 5;
  keepalive: number;
  connectTimeoutMs: number;
  /** shared context (claim certificate) or a per-device one (issued certificate) */
  secureContext: SecureContext;
}

export interface Reply {
  kind: 'accepted' | 'rejected';
  payload: Buffer;
}

/** One MQTT connection with a reply waiter keyed by topic. */
export class DeviceConnection {
  private waiters = new Map<string, (r: Reply) => void>();
  private closeListeners = new Set<(err: StepFailure) => void>();
  private closed = false;

  private constructor(
    readonly client: MqttClient,
    private readonly protocolVersion: 4 | 5,
  ) {
    client.on('message', (topic, payload) => {
      const w = this.waiters.get(topic);
      if (w === undefined) return;
      w({ kind: topic.endsWith('/accepted') ? 'accepted' : 'rejected', payload });
    });
    const onGone = (why: string) => {
      if (this.closed) return;
      this.closed = true;
      // built only when a step is waiting: an Error's stack trace is not free, and most closes are ours
      if (this.closeListeners.size === 0) return;
      const err = new StepFailure('disconnect', `connection closed by the server (${why})`);
      for (const l of this.closeListeners) l(err);
    };
    client.on('close', () => onGone('close'));
    // only MQTT 5 servers send DISCONNECT
    client.on('disconnect', (packet) => onGone(`DISCONNECT ${formatReasonCode('DISCONNECT', packet.reasonCode ?? 0, 5)}`));
    client.on('error', () => {
      /* errors after connect surface as close */
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.client.connected;
  }

  static open(o: ConnectionOptions): Promise<DeviceConnection> {
    const opts: IClientOptions & { secureContext: SecureContext } = {
      protocol: 'mqtts',
      host: o.host,
      port: o.port,
      clientId: o.clientId,
      protocolVersion: o.protocolVersion,
      keepalive: o.keepalive,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs,
      secureContext: o.secureContext,
      rejectUnauthorized: true,
      resubscribe: false,
      queueQoSZero: false,
    };
    // MQTT.js logs through `debug` on every packet; without DEBUG=mqttjs* those calls only cost CPU
    if (!MQTTJS_DEBUG) opts.log = noLog;
    if (o.servername !== undefined) opts.servername = o.servername;
    if (o.ALPNProtocols !== undefined) opts.ALPNProtocols = o.ALPNProtocols;
    return new Promise((resolve, reject) => {
      let settled = false;
      const client = mqtt.connect(opts);
      // MQTT.js leaves Nagle on for TLS: a PUBACK followed by the next request then waits for the
      // server's delayed ACK (~40 ms per round trip). The stream exists as soon as connect()
      // returns, and a setNoDelay before the handshake applies from the first packet (CONNECT).
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      const timer = setTimeout(() => fail(new StepFailure('timeout', `no CONNACK within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
      function fail(err: StepFailure): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end(true);
        reject(err);
      }
      const onError = (err: Error & { code?: unknown }) => {
        if (settled) return;
        if (typeof err.code === 'number') {
          fail(new StepFailure('connect-refused', `CONNACK refused: ${formatReasonCode('CONNACK', err.code, o.protocolVersion)}`, { reasonCode: err.code }));
        } else {
          fail(new StepFailure('connect-error', `connect failed: ${typeof err.code === 'string' ? err.code + ' ' : ''}${err.message}`));
        }
      };
      const onCloseEarly = () => {
        if (!settled) fail(new StepFailure('connect-error', 'connection closed before CONNACK'));
      };
      client.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // disarmed: from here on a close or an error is the open connection's (see the constructor)
        client.removeListener('error', onError);
        client.removeListener('close', onCloseEarly);
        resolve(new DeviceConnection(client, o.protocolVersion));
      });
      client.once('error', onError);
      client.once('close', onCloseEarly);
    });
  }

  /**
   * Subscribe at QoS 1 and wait for SUBACK; a failure code for any filter is a protocol failure
   * naming each refused filter and its code. MQTT.js rejects such a SUBACK (the codes are in the
   * error's packet); a client that resolves with the codes in the grant list is read the same way.
   */
  async subscribe(topics: string[], timeoutMs: number): Promise<void> {
    const suback = this.client.subscribeAsync(topics, { qos: 1 }).catch((err: unknown) => {
      const codes = (err as { packet?: { granted?: unknown } }).packet?.granted;
      if (!Array.isArray(codes)) throw err;
      throw this.subackFailure(codes.map((code, i) => ({ topic: topics[i] ?? '?', qos: typeof code === 'number' ? code : 0x80 }))) ?? err;
    });
    const granted = await this.withTimeout(suback, timeoutMs, 'SUBACK');
    const failure = this.subackFailure(granted);
    if (failure !== undefined) throw failure;
  }

  private subackFailure(granted: ReadonlyArray<{ topic: string; qos: number }>): StepFailure | undefined {
    const bad = granted.filter((g) => g.qos > 2);
    if (bad.length === 0) return undefined;
    return new StepFailure('protocol', `SUBACK refused ${bad.map((b) => `${b.topic} (${formatReasonCode('SUBACK', b.qos, this.protocolVersion)})`).join(', ')}`, {
      reasonCode: bad[0]?.qos ?? 0x80,
    });
  }

  /**
   * Publish a request (QoS 1) and wait for the reply on `<topic>/accepted` or `<topic>/rejected`.
   * Replies carry no correlation token: one request per type in flight per connection.
   */
  request(topic: string, payload: Buffer, timeoutMs: number): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const accepted = `${topic}/accepted`;
      const rejected = `${topic}/rejected`;
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(accepted);
        this.waiters.delete(rejected);
        this.closeListeners.delete(onClose);
        fn();
      };
      const onReply = (r: Reply) => done(() => resolve(r));
      const onClose = (err: StepFailure) => done(() => reject(err));
      const timer = setTimeout(() => done(() => reject(new StepFailure('timeout', `no reply within ${timeoutMs} ms`))), timeoutMs);
      if (this.closed) return done(() => reject(new StepFailure('disconnect', 'connection already closed')));
      this.waiters.set(accepted, onReply);
      this.waiters.set(rejected, onReply);
      this.closeListeners.add(onClose);
      this.client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err !== undefined && err !== null) done(() => reject(classifyPubackError(err)));
      });
    });
  }

  /** Publish at QoS 1 and wait for PUBACK. */
  async publishAcked(topic: string, payload: Buffer, timeoutMs: number): Promise<void> {
    try {
      await this.withTimeout(this.client.publishAsync(topic, payload, { qos: 1 }), timeoutMs, 'PUBACK');
    } catch (err) {
      if (err instanceof StepFailure) throw err;
      throw classifyPubackError(err as Error);
    }
  }

  /** Graceful DISCONNECT; forced after 2 s so a silent server cannot hold a device forever. */
  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.end(true);
        resolve();
      }, 2000);
      this.client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.closed = true;
    this.client.end(true);
  }

  private withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onClose = (err: StepFailure) => finish(() => reject(err));
      const timer = setTimeout(() => finish(() => reject(new StepFailure('timeout', `no ${what} within ${ms} ms`))), ms);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        this.closeListeners.delete(onClose);
        fn();
      };
      if (this.closed) return finish(() => reject(new StepFailure('disconnect', 'connection already closed')));
      this.closeListeners.add(onClose);
      p.then(
        (v) => finish(() => resolve(v)),
        (e: unknown) => finish(() => reject(e instanceof StepFailure ? e : classifyPubackError(e as Error))),
      );
    });
  }
}

/** A failed publish as MQTT.js reports it: an error with a numeric code is the server's refusal in the PUBACK (MQTT 5 only). */
function classifyPubackError(err: Error & { code?: unknown }): StepFailure {
  if (typeof err.code === 'number') {
    return new StepFailure('rejected', `PUBACK refused: ${formatReasonCode('PUBACK', err.code, 5)}`, { reasonCode: err.code });
  }
  if (/client disconnecting|connection closed|disconnect/i.test(err.message)) return new StepFailure('disconnect', err.message);
  return new StepFailure('protocol', err.message);
}
