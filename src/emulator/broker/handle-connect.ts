/**
 * CONNECT handling as named steps (after aedes connectActions):
 * checkProtocol → checkClientId → setKeepalive → authenticate → registerClient → sendConnack.
 */
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { STATE_CLOSED, type Connection } from './connection.js';
import { clampKeepalive } from './options.js';
import { isConnectRefusal, mapRefusalCode, ReasonCode, ReturnCode } from './reason-codes.js';
import type { AuthenticateResult, ConnectRefusal, ConnectRequest } from './types.js';

const ACCEPTED: AuthenticateResult = { ok: true };
/** AWS IoT: at most 100 unacknowledged inbound QoS 1 publishes per client */
const RECEIVE_MAXIMUM = 100;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function writeConnack(conn: Connection, code: number, properties?: IConnackPacket['properties']): void {
  const packet: IConnackPacket =
    conn.protocolVersion === 5
      ? { cmd: 'connack', sessionPresent: false, reasonCode: code, ...(properties ? { properties } : {}) }
      : { cmd: 'connack', sessionPresent: false, returnCode: code };
  conn.writePacket(packet);
}

function refuse(conn: Connection, reason: ConnectRefusal): void {
  conn.core.counters.connectsRefused++;
  writeConnack(conn, mapRefusalCode(reason, conn.protocolVersion));
  conn.close('not-authorized');
}

/** Returns false (after refusing) when the protocol level or enhanced auth is unsupported. */
function checkProtocol(conn: Connection, packet: IConnectPacket): boolean {
  const version = packet.protocolVersion;
  if (version !== 4 && version !== 5) {
    conn.core.counters.connectsRefused++;
    conn.protocolVersion = 4;
    writeConnack(conn, ReturnCode.unacceptableProtocolVersion);
    conn.close('protocol-error');
    return false;
  }
  conn.protocolVersion = version;
  if (version === 5 && packet.properties?.authenticationMethod !== undefined) {
    conn.core.counters.connectsRefused++;
    writeConnack(conn, ReasonCode.badAuthenticationMethod);
    conn.close('protocol-error');
    return false;
  }
  return true;
}

/** AWS IoT: client id non-empty, ≤ 128 bytes UTF-8, not starting with '$'. */
function checkClientId(conn: Connection, clientId: string): boolean {
  const max = conn.core.options.maxClientIdBytes;
  const tooLong = clientId.length > max || Buffer.byteLength(clientId, 'utf8') > max;
  if (clientId.length === 0 || tooLong || clientId.charCodeAt(0) === 0x24) {
    refuse(conn, 'clientIdNotValid');
    return false;
  }
  conn.clientId = clientId;
  return true;
}

function setKeepalive(conn: Connection, packet: IConnectPacket): void {
  const { keepaliveMin, keepaliveMax } = conn.core.options;
  conn.keepalive = clampKeepalive(packet.keepalive ?? 0, keepaliveMin, keepaliveMax);
  const props = packet.properties;
  if (props?.maximumPacketSize) conn.clientMaxPacket = props.maximumPacketSize;
  if (props?.receiveMaximum) conn.inflightLimit = Math.min(conn.inflightLimit, props.receiveMaximum);
}

async function authenticate(conn: Connection, packet: IConnectPacket): Promise<AuthenticateResult> {
  const hook = conn.core.hooks.authenticate;
  if (!hook) return ACCEPTED;
  const req: ConnectRequest = {
    clientId: conn.clientId,
    protocolVersion: conn.protocolVersion,
    keepalive: conn.keepalive,
    clean: packet.clean !== false,
    transport: conn.transport,
  };
  if (packet.username !== undefined) req.username = packet.username;
  try {
    const out = hook(req);
    const result = isThenable(out) ? await out : out;
    if (result && result.ok === true) return result;
    if (result && result.ok === false && isConnectRefusal(result.reason)) return result;
    throw new TypeError('authenticate returned an invalid result');
  } catch (err) {
    conn.core.reportHookError('authenticate', err);
    return { ok: false, reason: 'serverUnavailable' };
  }
}

function buildConnackProperties(conn: Connection, requestedKeepalive: number): IConnackPacket['properties'] {
  const props: NonNullable<IConnackPacket['properties']> = {
    receiveMaximum: RECEIVE_MAXIMUM,
    maximumQoS: 1,
    retainAvailable: false,
    maximumPacketSize: conn.core.options.maxPacketBytes,
    topicAliasMaximum: 0,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: false,
    sharedSubscriptionAvailable: false,
  };
  if (conn.keepalive !== requestedKeepalive) props.serverKeepAlive = conn.keepalive;
  return props;
}

function sendConnack(conn: Connection, packet: IConnectPacket): void {
  if (conn.protocolVersion === 5) writeConnack(conn, ReasonCode.success, buildConnackProperties(conn, packet.keepalive ?? 0));
  else writeConnack(conn, ReturnCode.accepted);
}

export async function handleConnect(conn: Connection, packet: IConnectPacket): Promise<void> {
  if (!checkProtocol(conn, packet)) return;
  if (!checkClientId(conn, packet.clientId)) return;
  setKeepalive(conn, packet);
  const result = await authenticate(conn, packet);
  if (conn.state === STATE_CLOSED) return; // connection dropped or timed out while authenticating
  if (!result.ok) {
    refuse(conn, result.reason);
    return;
  }
  conn.context = result.context;
  const core = conn.core;
  core.registerClient(conn);
  sendConnack(conn, packet);
  core.counters.connectsAccepted++;
  conn.markConnected();
  if (core.hooks.onConnected && conn.connected) {
    try {
      core.hooks.onConnected(conn);
    } catch (err) {
      core.reportHookError('onConnected', err);
    }
  }
  conn.flushPending();
}
