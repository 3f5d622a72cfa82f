/**
 * One client connection: stream lifecycle, packet parsing, keep-alive, and the BrokerClient API.
 * Packet handling lives in handle-*.ts; this file only dispatches.
 *
 * Not supported, on purpose (AWS IoT subset): retained messages (retain flag ignored), wills
 * (ignored), persistent sessions (sessionPresent is always false, nothing is kept after close),
 * QoS 2, enhanced authentication (AUTH), topic aliases, redelivery of unacknowledged QoS 1.
 */
import mqttPacket from 'mqtt-packet';
import type { Packet, Parser } from 'mqtt-packet';
import type { Duplex } from 'node:stream';
import type { BrokerCore } from './core.js';
import { encodePacket, encodePublish, PINGRESP_FRAME, type PublishFrameCache } from './frames.js';
import { handleConnect } from './handle-connect.js';
import { handlePublish } from './handle-publish.js';
import { handleSubscribe, handleUnsubscribe } from './handle-subscribe.js';
import { ReasonCode } from './reason-codes.js';
import type { GrantedQos } from './subscription-index.js';
import { hasWildcard, isDollarTopic, matchLevels, splitLevels } from './topic-rules.js';
import type { BrokerClient, DisconnectReason, MqttVersion, TransportInfo } from './types.js';

export const STATE_AWAITING_CONNECT = 0;
export const STATE_AUTHENTICATING = 1;
export const STATE_CONNECTED = 2;
export const STATE_CLOSED = 3;
type ConnectionState = 0 | 1 | 2 | 3;

/** packets a client may pipeline behind CONNECT while authenticate() runs */
const MAX_PENDING_PACKETS = 32;
/** after end(), how long the peer gets to close before the stream is destroyed */
const CLOSE_GRACE_MS = 1000;

export class Connection implements BrokerClient {
  clientId = '';
  protocolVersion: MqttVersion = 4;
  keepalive = 0;
  context: unknown = undefined;
  state: ConnectionState = STATE_AWAITING_CONNECT;
  closeReason: DisconnectReason | null = null;
  /** filter → granted QoS */
  readonly subscriptions = new Map<string, GrantedQos>();
  /** v5 client limits */
  clientMaxPacket = Number.POSITIVE_INFINITY;
  inflightLimit: number;

  private wildcardFilters: Map<string, string[]> | null = null;
  private inflight: Set<number> | null = null;
  private nextMessageId = 1;
  private lastPacketAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private destroyTimer: NodeJS.Timeout | null = null;
  private pending: Packet[] | null = null;
  private streamOpen = true;
  private readonly parser: Parser;

  constructor(
    readonly stream: Duplex,
    readonly transport: TransportInfo,
    readonly core: BrokerCore,
  ) {
    this.inflightLimit = core.options.maxInflightOut;
    this.parser = mqttPacket.parser({});
    this.parser.on('packet', this.onPacket);
    this.parser.on('error', this.onParseError);
    stream.on('data', this.onData);
    stream.on('error', this.onStreamError);
    stream.on('end', this.onStreamEnd);
    stream.on('close', this.onStreamClose);
    this.timer = setTimeout(this.onConnectTimeout, core.options.connectTimeoutMs);
    this.timer.unref();
  }

  get connected(): boolean {
    return this.state === STATE_CONNECTED;
  }

  isSubscribed(topic: string): boolean {
    return this.grantedQos(topic) !== undefined;
  }

  grantedQos(topic: string): GrantedQos | undefined {
    let best = this.subscriptions.get(topic);
    const wild = this.wildcardFilters;
    if (best === 1 || !wild || wild.size === 0) return best;
    const levels = splitLevels(topic);
    const dollar = isDollarTopic(topic);
    for (const [filter, filterLevels] of wild) {
      if (!matchLevels(filterLevels, levels, dollar)) continue;
      const q = this.subscriptions.get(filter);
      if (q !== undefined && (best === undefined || q > best)) best = q;
      if (best === 1) break;
    }
    return best;
  }

  deliver(topic: string, payload: Buffer, qos: 0 | 1 = 0): boolean {
    if (this.state !== STATE_CONNECTED) return false;
    const sent = this.sendPublish(topic, payload, qos === 1 ? 1 : 0, null);
    if (sent) this.core.counters.publishesOut++;
    return sent;
  }

  disconnect(reasonCode: number = ReasonCode.success): void {
    this.close('server-disconnect', reasonCode);
  }

  /**
   * Writes one PUBLISH unless authorizeReceive refuses the topic (the connection stays up); QoS 0
   * frames may come from a shared cache. Internal: routed publishes and deliver() both end here.
   */
  sendPublish(topic: string, payload: Buffer, qos: 0 | 1, cache: PublishFrameCache | null): boolean {
    if (!this.core.authorizeReceive(this, topic)) return false;
    let messageId = 0;
    if (qos === 1) {
      messageId = this.allocateMessageId();
      if (messageId === 0) return false;
    }
    const frame =
      qos === 0 && cache ? cache.get(this.protocolVersion) : encodePublish(topic, payload, qos, messageId, this.protocolVersion);
    if (!frame || frame.length > this.clientMaxPacket) {
      if (messageId !== 0) this.inflight!.delete(messageId);
      return false;
    }
    return this.writeFrame(frame);
  }

  writePacket(packet: Packet): boolean {
    const frame = encodePacket(packet, this.protocolVersion);
    return frame !== null && this.writeFrame(frame);
  }

  writeFrame(frame: Buffer): boolean {
    const stream = this.stream;
    if (!this.streamOpen || stream.destroyed || stream.writableEnded) return false;
    stream.write(frame);
    return true;
  }

  addSubscription(filter: string, qos: GrantedQos): void {
    this.subscriptions.set(filter, qos);
    this.core.index.add(filter, this, qos);
    if (hasWildcard(filter)) {
      this.wildcardFilters ??= new Map();
      this.wildcardFilters.set(filter, splitLevels(filter));
    }
  }

  removeSubscription(filter: string): boolean {
    if (!this.subscriptions.delete(filter)) return false;
    this.core.index.remove(filter, this);
    this.wildcardFilters?.delete(filter);
    return true;
  }

  /** Called by handleConnect once CONNACK (success) is written. */
  markConnected(): void {
    this.state = STATE_CONNECTED;
    this.clearTimer();
    this.lastPacketAt = Date.now();
    this.armKeepalive(this.keepalive * 1500);
  }

  /** Handles packets that arrived while authenticate() ran. Called after onConnected. */
  flushPending(): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) for (const packet of pending) if (this.state === STATE_CONNECTED) this.dispatch(packet);
  }

  /**
   * Ends the connection once. v5 clients that completed CONNECT get DISCONNECT with v5Code first.
   * onDisconnected fires only for connections that were connected.
   */
  close(reason: DisconnectReason, v5Code?: number): void {
    if (this.state === STATE_CLOSED) return;
    const wasConnected = this.state === STATE_CONNECTED;
    if (wasConnected && v5Code !== undefined && this.protocolVersion === 5) {
      this.writePacket({ cmd: 'disconnect', reasonCode: v5Code });
    }
    this.state = STATE_CLOSED;
    this.closeReason = reason;
    this.clearTimer();
    this.pending = null;
    if (wasConnected) {
      for (const filter of this.subscriptions.keys()) this.core.index.remove(filter, this);
      this.core.releaseClient(this);
    }
    this.endStream();
    if (wasConnected && this.core.hooks.onDisconnected) {
      try {
        this.core.hooks.onDisconnected(this, reason);
      } catch (err) {
        this.core.reportHookError('onDisconnected', err);
      }
    }
  }

  private allocateMessageId(): number {
    const inflight = (this.inflight ??= new Set());
    if (inflight.size >= this.inflightLimit) return 0;
    for (let tries = 0; tries < 65535; tries++) {
      const id = this.nextMessageId;
      this.nextMessageId = id === 65535 ? 1 : id + 1;
      if (!inflight.has(id)) {
        inflight.add(id);
        return id;
      }
    }
    return 0;
  }

  private dispatch(packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        handlePublish(this, packet);
        return;
      case 'puback':
        if (packet.messageId !== undefined) this.inflight?.delete(packet.messageId);
        return;
      case 'subscribe':
        handleSubscribe(this, packet);
        return;
      case 'unsubscribe':
        handleUnsubscribe(this, packet);
        return;
      case 'pingreq':
        this.writeFrame(PINGRESP_FRAME);
        return;
      case 'disconnect':
        this.close('client-disconnect');
        return;
      default:
        // a second CONNECT, AUTH, QoS 2 flow packets, or server-to-client packets
        this.close('protocol-error', ReasonCode.protocolError);
    }
  }

  private readonly onPacket = (packet: Packet): void => {
    this.lastPacketAt = Date.now();
    switch (this.state) {
      case STATE_CONNECTED:
        this.dispatch(packet);
        return;
      case STATE_AWAITING_CONNECT:
        if (packet.cmd !== 'connect') {
          this.close('protocol-error');
          return;
        }
        this.state = STATE_AUTHENTICATING;
        handleConnect(this, packet).catch(() => this.close('protocol-error'));
        return;
      case STATE_AUTHENTICATING:
        this.pending ??= [];
        if (this.pending.length >= MAX_PENDING_PACKETS) this.close('protocol-error');
        else this.pending.push(packet);
        return;
      default:
    }
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === STATE_CLOSED) return;
    let buffered: number;
    try {
      buffered = this.parser.parse(chunk);
    } catch {
      this.close('protocol-error', ReasonCode.unspecifiedError);
      return;
    }
    if (buffered > this.core.options.maxPacketBytes) this.close('packet-too-large', ReasonCode.packetTooLarge);
  };

  private readonly onParseError = (): void => {
    this.close('protocol-error', ReasonCode.malformedPacket);
  };

  private readonly onConnectTimeout = (): void => {
    this.timer = null;
    this.close('protocol-error');
  };

  private readonly onKeepaliveTimer = (): void => {
    this.timer = null;
    if (this.state !== STATE_CONNECTED) return;
    const limit = this.keepalive * 1500;
    const idle = Date.now() - this.lastPacketAt;
    if (idle >= limit) this.close('keepalive-timeout', ReasonCode.keepAliveTimeout);
    else this.armKeepalive(limit - idle);
  };

  private readonly onStreamError = (): void => {
    this.close('connection-lost');
  };

  private readonly onStreamEnd = (): void => {
    this.close('connection-lost');
  };

  private readonly onStreamClose = (): void => {
    if (this.destroyTimer) clearTimeout(this.destroyTimer);
    this.destroyTimer = null;
    this.close('connection-lost');
    if (this.streamOpen) {
      this.streamOpen = false;
      this.core.releaseStream(this);
    }
  };

  private readonly onDestroyTimer = (): void => {
    this.destroyTimer = null;
    this.stream.destroy();
  };

  private armKeepalive(ms: number): void {
    this.timer = setTimeout(this.onKeepaliveTimer, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private endStream(): void {
    const stream = this.stream;
    if (!this.streamOpen || stream.destroyed) return;
    stream.end();
    this.destroyTimer = setTimeout(this.onDestroyTimer, CLOSE_GRACE_MS);
    this.destroyTimer.unref();
  }
}
