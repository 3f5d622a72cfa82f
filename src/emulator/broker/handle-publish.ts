/**
 * Inbound PUBLISH as named steps (after aedes publishActions):
 * checkPacket → authorizePublish → acknowledge → onPublish → route.
 *
 * QoS 2 choice: AWS IoT documents that QoS 2 is not supported (such publishes get no ack). A client
 * that waits for PUBREC would hang, so the emulator fails fast instead: a QoS 2 PUBLISH closes the
 * connection, after DISCONNECT 0x9B (QoS not supported) for MQTT 5 clients, which were told
 * maximumQoS 1 in CONNACK.
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { Connection } from './connection.js';
import { ReasonCode } from './reason-codes.js';
import { validateTopicName } from './topic-rules.js';
import type { PublishDecision } from './types.js';

const EMPTY = Buffer.alloc(0);

function toBuffer(payload: string | Buffer | undefined): Buffer {
  if (payload === undefined) return EMPTY;
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}

/** Returns false (after closing) when the packet breaks a protocol rule or a limit. */
function checkPacket(conn: Connection, packet: IPublishPacket, payload: Buffer): boolean {
  if (packet.qos === 2) {
    conn.close('protocol-error', ReasonCode.qosNotSupported);
    return false;
  }
  if (packet.properties?.topicAlias !== undefined) {
    // topicAliasMaximum 0 was advertised, so any alias is invalid
    conn.close('protocol-error', ReasonCode.topicAliasInvalid);
    return false;
  }
  if (validateTopicName(packet.topic) !== null) {
    conn.close('protocol-error', ReasonCode.topicNameInvalid);
    return false;
  }
  if (payload.length > conn.core.options.maxPayloadBytes) {
    conn.close('packet-too-large', ReasonCode.packetTooLarge);
    return false;
  }
  return true;
}

function authorizePublish(conn: Connection, topic: string, payload: Buffer, qos: number): PublishDecision {
  const hook = conn.core.hooks.authorizePublish;
  if (!hook) return 'allow';
  try {
    const decision = hook(conn, topic, payload, qos);
    return decision === 'allow' || decision === 'disconnect' || decision === 'discard' ? decision : 'deny';
  } catch (err) {
    conn.core.reportHookError('authorizePublish', err);
    return 'deny';
  }
}

/** v5 carries the reason code; v3.1.1 has no negative PUBACK, so a denied message is acked and dropped. */
function acknowledge(conn: Connection, messageId: number | undefined, denied: boolean): void {
  if (messageId === undefined) return;
  conn.writePacket({
    cmd: 'puback',
    messageId,
    reasonCode: denied && conn.protocolVersion === 5 ? ReasonCode.notAuthorized : ReasonCode.success,
  });
}

/** Returns true when the embedder consumed the message. A throwing hook counts as consumed. */
function runOnPublish(conn: Connection, topic: string, payload: Buffer): boolean {
  const hook = conn.core.hooks.onPublish;
  if (!hook) return false;
  try {
    return hook(conn, topic, payload) === true;
  } catch (err) {
    conn.core.reportHookError('onPublish', err);
    return true;
  }
}

export function handlePublish(conn: Connection, packet: IPublishPacket): void {
  const core = conn.core;
  core.counters.publishesIn++;
  const payload = toBuffer(packet.payload);
  if (!checkPacket(conn, packet, payload)) return;
  const qos = packet.qos === 1 ? 1 : 0;
  const topic = packet.topic;
  const decision = authorizePublish(conn, topic, payload, qos);
  if (decision === 'disconnect') {
    conn.close('not-authorized', ReasonCode.notAuthorized);
    return;
  }
  if (decision === 'discard') return;
  if (qos === 1) acknowledge(conn, packet.messageId, decision === 'deny');
  if (decision === 'deny' || !conn.connected) return;
  if (runOnPublish(conn, topic, payload) || !conn.connected) return;
  core.route(conn, topic, payload, qos);
}
