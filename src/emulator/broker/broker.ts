/**
 * Broker: a transport-agnostic MQTT 3.1.1 + 5 server for the AWS IoT Core subset (QoS 0/1).
 * `handle(stream, transport)` takes any duplex; the embedder owns the listener (see tls-server.ts).
 */
import type { Duplex } from 'node:stream';
import { Connection } from './connection.js';
import type { BrokerCore } from './core.js';
import { PublishFrameCache } from './frames.js';
import { resolveBrokerOptions, type ResolvedBrokerOptions } from './options.js';
import { ReasonCode } from './reason-codes.js';
import { SubscriptionIndex, type GrantedQos } from './subscription-index.js';
import type { BrokerClient, BrokerHooks, BrokerOptions, BrokerStats, HookName, TransportInfo } from './types.js';

/** How long close() waits for peers to hang up before streams are destroyed anyway. */
const CLOSE_WAIT_MS = 2000;

export class Broker {
  private readonly core: BrokerCore;
  private readonly clients = new Map<string, Connection>();
  private readonly streams = new Set<Connection>();
  private readonly counters: BrokerStats = {
    connections: 0,
    connectsAccepted: 0,
    connectsRefused: 0,
    publishesIn: 0,
    publishesOut: 0,
  };
  private readonly index = new SubscriptionIndex<Connection>();
  private closing = false;
  private closePromise: Promise<void> | null = null;
  private onDrained: (() => void) | null = null;

  constructor(opts?: BrokerOptions) {
    const options = resolveBrokerOptions(opts);
    this.core = this.createCore(options, options.hooks);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Serves one client over any duplex stream. Never throws; a closed broker destroys the stream. */
  handle(stream: Duplex, transport: TransportInfo): void {
    if (this.closing || stream.destroyed) {
      stream.on('error', () => {});
      stream.destroy();
      return;
    }
    const socketLike = stream as Duplex & { setNoDelay?: (noDelay?: boolean) => unknown };
    if (typeof socketLike.setNoDelay === 'function') socketLike.setNoDelay(true);
    const conn = new Connection(stream, transport, this.core);
    this.streams.add(conn);
    this.counters.connections++;
  }

  getClient(clientId: string): BrokerClient | undefined {
    return this.clients.get(clientId);
  }

  /** Broker-originated publish routed to all subscribers. Returns the number of deliveries. */
  publish(topic: string, payload: Buffer, qos: 0 | 1 = 0): number {
    return this.core.route(null, topic, payload, qos === 1 ? 1 : 0);
  }

  /** Disconnects everyone (v5: DISCONNECT 0x8B server shutting down) and waits for the streams to close. */
  close(): Promise<void> {
    this.closePromise ??= this.closeAll();
    return this.closePromise;
  }

  stats(): BrokerStats {
    return { ...this.counters };
  }

  /** Number of distinct exact / wildcard filters in the subscription index. */
  countFilters(): { exact: number; wildcard: number } {
    return this.index.countFilters();
  }

  private async closeAll(): Promise<void> {
    this.closing = true;
    for (const conn of this.streams) conn.close('server-shutdown', ReasonCode.serverShuttingDown);
    if (this.streams.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const conn of this.streams) conn.stream.destroy();
      }, CLOSE_WAIT_MS); // ref'd on purpose: a pending close() keeps the process alive, for at most this long
      this.onDrained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private createCore(options: ResolvedBrokerOptions, hooks: BrokerHooks): BrokerCore {
    return {
      options,
      hooks,
      counters: this.counters,
      index: this.index,
      registerClient: (conn) => this.registerClient(conn),
      releaseClient: (conn) => {
        if (this.clients.get(conn.clientId) === conn) this.clients.delete(conn.clientId);
      },
      releaseStream: (conn) => this.releaseStream(conn),
      route: (sender, topic, payload, qos) => this.route(sender, topic, payload, qos),
      authorizeReceive: (conn, topic) => this.authorizeReceive(conn, topic),
      reportHookError: (hook, error) => this.reportHookError(hook, error),
    };
  }

  /** One connection per clientId: the newest wins, the previous one is taken over. */
  private registerClient(conn: Connection): void {
    const previous = this.clients.get(conn.clientId);
    if (previous && previous !== conn) previous.close('takeover', ReasonCode.sessionTakenOver);
    this.clients.set(conn.clientId, conn);
  }

  private releaseStream(conn: Connection): void {
    if (!this.streams.delete(conn)) return;
    this.counters.connections--;
    if (this.streams.size === 0 && this.onDrained) {
      const done = this.onDrained;
      this.onDrained = null;
      done();
    }
  }

  private route(sender: Connection | null, topic: string, payload: Buffer, qos: 0 | 1): number {
    let deliveries = 0;
    let cache: PublishFrameCache | null = null;
    this.index.forEachMatch(topic, (conn: Connection, granted: GrantedQos) => {
      if (conn === sender || !conn.connected) return;
      const effective: 0 | 1 = qos < granted ? qos : granted;
      if (effective === 0) cache ??= new PublishFrameCache(topic, payload);
      if (conn.sendPublish(topic, payload, effective, cache)) deliveries++;
    });
    this.counters.publishesOut += deliveries;
    return deliveries;
  }

  /** No hook: yes. A throwing hook counts as 'no'. */
  private authorizeReceive(conn: Connection, topic: string): boolean {
    const hook = this.core.hooks.authorizeReceive;
    if (hook === undefined) return true;
    try {
      return hook(conn, topic) === true;
    } catch (err) {
      this.reportHookError('authorizeReceive', err);
      return false;
    }
  }

  private reportHookError(hook: HookName, error: unknown): void {
    const onHookError = this.core.hooks.onHookError;
    if (!onHookError) return;
    try {
      onHookError(hook, error);
    } catch {
      // a failing error reporter must not take the broker down
    }
  }
}
