/**
 * Public types of the emulator's MQTT server core (MQTT 3.1.1 + 5, QoS 0/1, AWS IoT Core subset).
 */
import type { X509Certificate } from 'node:crypto';

export type MqttVersion = 4 | 5;

export interface TransportInfo {
  remoteAddress?: string;
  alpnProtocol?: string | false;
  servername?: string | false;
  /** client cert as node X509Certificate, null if none */
  peerCertificate: X509Certificate | null;
}

export interface ConnectRequest {
  clientId: string;
  protocolVersion: MqttVersion;
  username?: string;
  keepalive: number;
  clean: boolean;
  transport: TransportInfo;
}

export type ConnectRefusal =
  | 'notAuthorized'
  | 'badUsernameOrPassword'
  | 'serverUnavailable'
  | 'clientIdNotValid'
  | 'quotaExceeded'
  | 'connectionRateExceeded';

/**
 * allow: accepted. deny: v5 QoS1 gets PUBACK 0x87; v3 has no negative PUBACK, so the message is
 * dropped but QoS1 is still PUBACKed. disconnect: the connection is closed (v5 sends DISCONNECT 0x87 first).
 * discard: dropped silently, no PUBACK even for QoS 1 (AWS IoT's handling of publishes over the rate quota).
 */
export type PublishDecision = 'allow' | 'deny' | 'disconnect' | 'discard';

/** deny: SUBACK 0x80 (v3) / 0x87 (v5) for that filter. disconnect: close (v5 DISCONNECT 0x87 first). */
export type SubscribeDecision = 'allow' | 'deny' | 'disconnect';

export type AuthenticateResult =
  | { ok: true; context?: unknown }
  | { ok: false; reason: ConnectRefusal; message?: string };

export type DisconnectReason =
  | 'client-disconnect'
  | 'connection-lost'
  | 'keepalive-timeout'
  | 'takeover'
  | 'server-disconnect'
  | 'server-shutdown'
  | 'protocol-error'
  | 'not-authorized'
  | 'packet-too-large';

export interface BrokerClient {
  readonly clientId: string;
  readonly protocolVersion: MqttVersion;
  readonly transport: TransportInfo;
  /** effective (clamped) keep-alive seconds */
  readonly keepalive: number;
  /** free slot for the embedder (e.g. certificate identity) */
  context: unknown;
  /** true when one of this client's subscription filters matches topic (wildcards + and # honoured, $-topics not matched by a leading wildcard) */
  isSubscribed(topic: string): boolean;
  /** the highest QoS granted by this client's filters that match topic; undefined when none does */
  grantedQos(topic: string): 0 | 1 | undefined;
  /** deliver one PUBLISH to THIS client only (never fanned out); QoS 1 uses a packet id and the client PUBACKs. Passes authorizeReceive like a routed message. Returns false if it was not sent: the connection is closed, authorizeReceive refused the topic, or (QoS 1) the client's in-flight window is full. */
  deliver(topic: string, payload: Buffer, qos?: 0 | 1): boolean;
  /** server-side disconnect; v5 sends DISCONNECT with the reason code first (default 0x00 normal disconnection) */
  disconnect(reasonCode?: number): void;
  readonly connected: boolean;
}

/** Every hook is optional; the defaults are permissive (accept, allow, do not consume). */
export interface BrokerHooks {
  authenticate?(req: ConnectRequest): Promise<AuthenticateResult> | AuthenticateResult;
  authorizeSubscribe?(client: BrokerClient, topicFilter: string, qos: number): SubscribeDecision;
  authorizePublish?(client: BrokerClient, topic: string, payload: Buffer, qos: number): PublishDecision;
  /** called once before each PUBLISH the broker sends to a client, routed or through deliver(); false: not sent to that client, which stays connected */
  authorizeReceive?(client: BrokerClient, topic: string): boolean;
  /** called after an allowed PUBLISH was acknowledged; the embedder answers provisioning requests here. If it returns true the message is consumed (not routed to other subscribers). */
  onPublish?(client: BrokerClient, topic: string, payload: Buffer): boolean;
  onConnected?(client: BrokerClient): void;
  onDisconnected?(client: BrokerClient, reason: DisconnectReason): void;
  /**
   * Called when a hook throws or rejects. The broker never lets a hook error escape: a failing
   * authenticate refuses with serverUnavailable, a failing authorize* counts as 'deny', a failing
   * onPublish counts as consumed (the message is not routed).
   */
  onHookError?(hook: HookName, error: unknown): void;
}

export type HookName = Exclude<keyof BrokerHooks, 'onHookError'>;

export interface BrokerOptions {
  hooks?: BrokerHooks;
  /** default 30 s */
  keepaliveMin?: number;
  /** default 1200 s; a client keep-alive of 0 becomes this */
  keepaliveMax?: number;
  /** default 128 */
  maxClientIdBytes?: number;
  /** default 128 KiB */
  maxPayloadBytes?: number;
  /** default 50 */
  maxSubscriptionsPerConnection?: number;
  /** default 8 */
  maxFiltersPerSubscribe?: number;
  /** default 10 000 ms: the first packet must be CONNECT within this time */
  connectTimeoutMs?: number;
  /** default 100: outbound QoS 1 messages waiting for PUBACK (capped by the v5 client's receiveMaximum) */
  maxInflightOut?: number;
}

export interface BrokerStats {
  /** open transport streams, including those not yet CONNECTed */
  connections: number;
  connectsAccepted: number;
  connectsRefused: number;
  publishesIn: number;
  publishesOut: number;
}
