/**
 * MQTT 5 reason codes and MQTT 3.1.1 return codes used by the broker.
 */
import type { ConnectRefusal, MqttVersion } from './types.js';

export const ReasonCode = {
  success: 0x00,
  grantedQos1: 0x01,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  unsupportedProtocolVersion: 0x84,
  clientIdNotValid: 0x85,
  badUsernameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  qosNotSupported: 0x9b,
  connectionRateExceeded: 0x9f,
} as const;

/** MQTT 3.1.1 CONNACK return codes */
export const ReturnCode = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** MQTT 3.1.1 SUBACK failure */
export const SUBACK_FAILURE_V4 = 0x80;

const REFUSAL_V5: Record<ConnectRefusal, number> = {
  notAuthorized: ReasonCode.notAuthorized,
  badUsernameOrPassword: ReasonCode.badUsernameOrPassword,
  serverUnavailable: ReasonCode.serverUnavailable,
  clientIdNotValid: ReasonCode.clientIdNotValid,
  quotaExceeded: ReasonCode.quotaExceeded,
  connectionRateExceeded: ReasonCode.connectionRateExceeded,
};

const REFUSAL_V4: Record<ConnectRefusal, number> = {
  notAuthorized: ReturnCode.notAuthorized,
  badUsernameOrPassword: ReturnCode.badUsernameOrPassword,
  serverUnavailable: ReturnCode.serverUnavailable,
  clientIdNotValid: ReturnCode.identifierRejected,
  quotaExceeded: ReturnCode.serverUnavailable,
  connectionRateExceeded: ReturnCode.serverUnavailable,
};

/** Maps a refusal to the CONNACK code of the client's protocol version. */
export function mapRefusalCode(reason: ConnectRefusal, version: MqttVersion): number {
  return version === 5 ? REFUSAL_V5[reason] : REFUSAL_V4[reason];
}

export function isConnectRefusal(value: unknown): value is ConnectRefusal {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REFUSAL_V5, value);
}
