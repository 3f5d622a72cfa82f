/**
 * MQTT reason codes and their names, shared by the emulator's broker (which sends them) and the
 * device (which prints them: `0x87 Not authorized` rather than a bare number).
 *
 * Sources:
 * - MQTT Version 5.0 (OASIS Standard, 7 March 2019), §2.4 "Reason Code", Table 2-6; the
 *   packet-specific names of the codes below 0x80 from §3.2.2.2 (CONNACK), §3.4.2.1 (PUBACK),
 *   §3.9.3 (SUBACK), §3.11.3 (UNSUBACK) and §3.14.2.1 (DISCONNECT).
 * - MQTT Version 3.1.1 (OASIS Standard, 29 October 2014), §3.2.2.3 Table 3.1 (CONNACK return
 *   codes) and §3.9.3 (SUBACK return codes: 0x80 = Failure). 3.1.1 has no negative PUBACK and no
 *   server DISCONNECT.
 *
 * Names are the spec's, shortened for 3.1.1 ("Connection Refused, not authorized" → "Not
 * authorized"): a formatted code ends up in outcome reasons, which are series label values,
 * where a comma would split the key.
 */

/** MQTT 5 reason codes (Table 2-6), by the names the broker uses. */
export const ReasonCode = {
  success: 0x00,
  grantedQos1: 0x01,
  grantedQos2: 0x02,
  disconnectWithWill: 0x04,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  continueAuthentication: 0x18,
  reAuthenticate: 0x19,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdNotValid: 0x85,
  badUsernameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  banned: 0x8a,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdentifierInUse: 0x91,
  packetIdentifierNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  messageRateTooHigh: 0x96,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  payloadFormatInvalid: 0x99,
  retainNotSupported: 0x9a,
  qosNotSupported: 0x9b,
  useAnotherServer: 0x9c,
  serverMoved: 0x9d,
  sharedSubscriptionsNotSupported: 0x9e,
  connectionRateExceeded: 0x9f,
  maximumConnectTime: 0xa0,
  subscriptionIdentifiersNotSupported: 0xa1,
  wildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** MQTT 3.1.1 CONNACK return codes (Table 3.1). */
export const ReturnCode = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** MQTT 3.1.1 SUBACK failure return code. */
export const SUBACK_FAILURE_V4 = 0x80;

/** The packets whose reason codes fleetsim names. */
export type ReasonCodePacket = 'CONNACK' | 'SUBACK' | 'PUBACK' | 'UNSUBACK' | 'DISCONNECT';

const MQTT5_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Success',
  0x01: 'Granted QoS 1',
  0x02: 'Granted QoS 2',
  0x04: 'Disconnect with Will Message',
  0x10: 'No matching subscribers',
  0x11: 'No subscription existed',
  0x18: 'Continue authentication',
  0x19: 'Re-authenticate',
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8b: 'Server shutting down',
  0x8c: 'Bad authentication method',
  0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over',
  0x8f: 'Topic Filter invalid',
  0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use',
  0x92: 'Packet Identifier not found',
  0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid',
  0x95: 'Packet too large',
  0x96: 'Message rate too high',
  0x97: 'Quota exceeded',
  0x98: 'Administrative action',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9e: 'Shared Subscriptions not supported',
  0x9f: 'Connection rate exceeded',
  0xa0: 'Maximum connect time',
  0xa1: 'Subscription Identifiers not supported',
  0xa2: 'Wildcard Subscriptions not supported',
};

/** Where a code below 0x80 means something else in one packet (0x00 is "Success" elsewhere). */
const MQTT5_PACKET_NAMES: Partial<Record<ReasonCodePacket, Readonly<Record<number, string>>>> = {
  SUBACK: { 0x00: 'Granted QoS 0' },
  DISCONNECT: { 0x00: 'Normal disconnection' },
};

const MQTT311_CONNACK_NAMES: Readonly<Record<number, string>> = {
  0: 'Connection Accepted',
  1: 'Unacceptable protocol version',
  2: 'Identifier rejected',
  3: 'Server unavailable',
  4: 'Bad user name or password',
  5: 'Not authorized',
};

const MQTT311_SUBACK_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Success - Maximum QoS 0',
  0x01: 'Success - Maximum QoS 1',
  0x02: 'Success - Maximum QoS 2',
  0x80: 'Failure',
};

/**
 * The spec's name of `code` in `packet` for the protocol version (4 = MQTT 3.1.1, 5 = MQTT 5);
 * undefined for a code the spec does not define there. Without a version, a CONNACK code below
 * 0x80 is read as a 3.1.1 return code (every MQTT 5 CONNACK refusal is 0x80 or above), anything
 * else as MQTT 5.
 */
export function reasonCodeName(packet: ReasonCodePacket, code: number, protocolVersion?: 4 | 5): string | undefined {
  const version = protocolVersion ?? (packet === 'CONNACK' && code < 0x80 ? 4 : 5);
  if (version === 4) {
    if (packet === 'CONNACK') return MQTT311_CONNACK_NAMES[code];
    if (packet === 'SUBACK') return MQTT311_SUBACK_NAMES[code];
    return undefined;
  }
  return MQTT5_PACKET_NAMES[packet]?.[code] ?? MQTT5_NAMES[code];
}

/** `0x87 Not authorized`; a code the spec does not define there reads e.g. `0xA7 (no such CONNACK reason code)`. */
export function formatReasonCode(packet: ReasonCodePacket, code: number, protocolVersion?: 4 | 5): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
  return `${hex} ${reasonCodeName(packet, code, protocolVersion) ?? `(no such ${packet} reason code)`}`;
}
