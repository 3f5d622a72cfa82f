/**
 * The CONNACK code of each connect refusal, per protocol version. The codes and their names are
 * protocol/mqtt-reason-codes.ts, shared with the device.
 */
import { ReasonCode, ReturnCode } from '../../protocol/mqtt-reason-codes.js';
import type { ConnectRefusal, MqttVersion } from './types.js';

export { ReasonCode, ReturnCode, SUBACK_FAILURE_V4 } from '../../protocol/mqtt-reason-codes.js';

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
