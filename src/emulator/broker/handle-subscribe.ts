/**
 * SUBSCRIBE / UNSUBSCRIBE. Each filter of a SUBSCRIBE goes through:
 * filterCount quota → validateTopicFilter → subscription quota → authorizeSubscribe → add.
 * QoS 2 requests are granted at QoS 1 (the broker's maximum). Retain handling and No Local are
 * ignored: retained messages are not supported, and routing never echoes to the publisher.
 */
import type { ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import type { Connection } from './connection.js';
import { ReasonCode, SUBACK_FAILURE_V4 } from './reason-codes.js';
import type { GrantedQos } from './subscription-index.js';
import { validateTopicFilter } from './topic-rules.js';
import type { SubscribeDecision } from './types.js';

const NO_SUBSCRIPTION_EXISTED = 0x11;
const SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9e;

function authorizeSubscribe(conn: Connection, filter: string, qos: number): SubscribeDecision {
  const hook = conn.core.hooks.authorizeSubscribe;
  if (!hook) return 'allow';
  try {
    const decision = hook(conn, filter, qos);
    return decision === 'allow' || decision === 'disconnect' ? decision : 'deny';
  } catch (err) {
    conn.core.reportHookError('authorizeSubscribe', err);
    return 'deny';
  }
}

/** Returns the SUBACK code for one filter, or -1 when the connection must be closed. */
function subscribeOne(conn: Connection, index: number, filter: string, requestedQos: number): number {
  const v5 = conn.protocolVersion === 5;
  const { maxFiltersPerSubscribe, maxSubscriptionsPerConnection } = conn.core.options;
  if (index >= maxFiltersPerSubscribe) return v5 ? ReasonCode.quotaExceeded : SUBACK_FAILURE_V4;
  if (validateTopicFilter(filter) !== null) return v5 ? ReasonCode.topicFilterInvalid : SUBACK_FAILURE_V4;
  if (v5 && filter.startsWith('$share/')) return SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
  const isNew = !conn.subscriptions.has(filter);
  if (isNew && conn.subscriptions.size >= maxSubscriptionsPerConnection) {
    return v5 ? ReasonCode.quotaExceeded : SUBACK_FAILURE_V4;
  }
  const qos: GrantedQos = requestedQos >= 1 ? 1 : 0;
  const decision = authorizeSubscribe(conn, filter, qos);
  if (decision === 'disconnect') return -1;
  if (decision === 'deny') return v5 ? ReasonCode.notAuthorized : SUBACK_FAILURE_V4;
  conn.addSubscription(filter, qos);
  return qos;
}

export function handleSubscribe(conn: Connection, packet: ISubscribePacket): void {
  const subs = packet.subscriptions;
  const granted: number[] = new Array<number>(subs.length);
  for (let i = 0; i < subs.length; i++) {
    const sub = subs[i]!;
    const code = subscribeOne(conn, i, sub.topic, sub.qos);
    if (code < 0) {
      conn.close('not-authorized', ReasonCode.notAuthorized);
      return;
    }
    granted[i] = code;
  }
  if (packet.messageId === undefined || granted.length === 0) {
    conn.close('protocol-error', ReasonCode.protocolError);
    return;
  }
  conn.writePacket({ cmd: 'suback', messageId: packet.messageId, granted });
}

export function handleUnsubscribe(conn: Connection, packet: IUnsubscribePacket): void {
  const filters = packet.unsubscriptions;
  const codes: number[] = new Array<number>(filters.length);
  for (let i = 0; i < filters.length; i++) {
    codes[i] = conn.removeSubscription(filters[i]!) ? ReasonCode.success : NO_SUBSCRIPTION_EXISTED;
  }
  if (packet.messageId === undefined || codes.length === 0) {
    conn.close('protocol-error', ReasonCode.protocolError);
    return;
  }
  conn.writePacket({ cmd: 'unsuback', messageId: packet.messageId, granted: codes });
}
