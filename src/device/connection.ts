/**
 * The only module that imports mqtt (MQTT.js). Opens one mTLS MQTT connection and turns its
 * events into promises a device flow can await, with every failure classified.
 */
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { SecureContext } from 'node:tls';
import { StepFailure } from './failure.js';

export { StepFailure, type FailureKind } from './failure.js';

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

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const w = this.waiters.get(topic);
      if (w === undefined) return;
      w({ kind: topic.endsWith('/accepted') ? 'accepted' : 'rejected', payload });
    });
    const onGone = (why: string) => {
      if (this.closed) return;
      this.closed = true;
      const err = new StepFailure('disconnect', `connection closed by the server (${why})`);
      for (const l of this.closeListeners) l(err);
    };
    client.on('close', () => onGone('close'));
    client.on('disconnect', (packet) => onGone(`DISCONNECT reason ${packet.reasonCode ?? 0}`));
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
      client.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new DeviceConnection(client));
      });
      client.once('error', (err: Error & { code?: unknown }) => {
        if (typeof err.code === 'number') {
          fail(new StepFailure('connect-refused', `CONNACK refused with code ${err.code}`, { reasonCode: err.code }));
        } else {
          fail(new StepFailure('connect-error', `connect failed: ${typeof err.code === 'string' ? err.code + ' ' : ''}${err.message}`));
        }
      });
      client.once('close', () => fail(new StepFailure('connect-error', 'connection closed before CONNACK')));
    });
  }

  /** Subscribe at QoS 1 and wait for SUBACK; a failure code is a protocol failure. */
  async subscribe(topics: string[], timeoutMs: number): Promise<void> {
    const granted = await this.withTimeout(this.client.subscribeAsync(topics, { qos: 1 }), timeoutMs, 'SUBACK');
    const bad = granted.filter((g) => g.qos > 2);
    if (bad.length > 0) {
      throw new StepFailure('protocol', `SUBACK refused ${bad.map((b) => `${b.topic} (0x${b.qos.toString(16)})`).join(', ')}`, {
        reasonCode: bad[0]?.qos ?? 0x80,
      });
    }
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

function classifyPubackError(err: Error & { code?: unknown }): StepFailure {
  if (typeof err.code === 'number') {
    return new StepFailure('rejected', `PUBACK reason 0x${err.code.toString(16)}`, { reasonCode: err.code });
  }
  if (/client disconnecting|connection closed|disconnect/i.test(err.message)) return new StepFailure('disconnect', err.message);
  return new StepFailure('protocol', err.message);
}
