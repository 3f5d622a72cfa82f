/**
 * MQTT reason-code names (protocol/mqtt-reason-codes.ts): the spec's names per packet and
 * protocol version, the formatted `0x87 Not authorized`, and the codes the broker sends all named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReasonCode, reasonCodeName, ReasonCode, ReturnCode, SUBACK_FAILURE_V4 } from '../../../src/protocol/mqtt-reason-codes.js';
import { ReasonCode as BrokerReasonCode, mapRefusalCode } from '../../../src/emulator/broker/index.js';
import { parseSeriesKey, seriesKey } from '../../../src/metrics/names.js';

test('formatted: two hex digits, upper case, then the MQTT 5 name', () => {
  assert.equal(formatReasonCode('CONNACK', 0x87), '0x87 Not authorized');
  assert.equal(formatReasonCode('CONNACK', ReasonCode.connectionRateExceeded, 5), '0x9F Connection rate exceeded');
  assert.equal(formatReasonCode('PUBACK', 0x97, 5), '0x97 Quota exceeded');
  assert.equal(formatReasonCode('SUBACK', 0x8f, 5), '0x8F Topic Filter invalid');
  assert.equal(formatReasonCode('DISCONNECT', 0x8e, 5), '0x8E Session taken over');
});

test('a code below 0x80 is named for its packet', () => {
  assert.equal(reasonCodeName('SUBACK', 0x00, 5), 'Granted QoS 0');
  assert.equal(reasonCodeName('SUBACK', 0x01, 5), 'Granted QoS 1');
  assert.equal(reasonCodeName('DISCONNECT', 0x00, 5), 'Normal disconnection');
  assert.equal(reasonCodeName('PUBACK', 0x00, 5), 'Success');
  assert.equal(reasonCodeName('PUBACK', 0x10, 5), 'No matching subscribers');
});

test('MQTT 3.1.1: CONNACK return codes and the SUBACK failure; the version is inferred for CONNACK when not given', () => {
  assert.equal(formatReasonCode('CONNACK', ReturnCode.notAuthorized, 4), '0x05 Not authorized');
  assert.equal(formatReasonCode('CONNACK', ReturnCode.serverUnavailable), '0x03 Server unavailable', 'below 0x80 a CONNACK code is a 3.1.1 return code');
  assert.equal(formatReasonCode('CONNACK', 1), '0x01 Unacceptable protocol version');
  assert.equal(formatReasonCode('SUBACK', SUBACK_FAILURE_V4, 4), '0x80 Failure');
  assert.equal(formatReasonCode('SUBACK', 0x80, 5), '0x80 Unspecified error');
  assert.equal(reasonCodeName('PUBACK', 0x87, 4), undefined, '3.1.1 has no negative PUBACK');
});

test('a code the spec does not define says so, with its number', () => {
  assert.equal(formatReasonCode('CONNACK', 0xa7, 5), '0xA7 (no such CONNACK reason code)');
  assert.equal(formatReasonCode('CONNACK', 9), '0x09 (no such CONNACK reason code)');
  assert.equal(formatReasonCode('CONNACK', 0x87, 4), '0x87 (no such CONNACK reason code)');
});

test('every code the broker sends has a name, and the broker uses the shared table', () => {
  assert.equal(BrokerReasonCode, ReasonCode);
  for (const [key, code] of Object.entries(ReasonCode)) assert.ok(reasonCodeName('DISCONNECT', code, 5) !== undefined, `${key} (0x${code.toString(16)}) is named`);
  for (const [key, code] of Object.entries(ReturnCode)) assert.ok(reasonCodeName('CONNACK', code, 4) !== undefined, `${key} (${code}) is named`);
  for (const refusal of ['notAuthorized', 'badUsernameOrPassword', 'serverUnavailable', 'clientIdNotValid', 'quotaExceeded', 'connectionRateExceeded'] as const) {
    for (const v of [4, 5] as const) assert.ok(reasonCodeName('CONNACK', mapRefusalCode(refusal, v), v) !== undefined, `${refusal} in MQTT ${v}`);
  }
});

test('a formatted code survives as a series label value (outcome reasons are labels)', () => {
  const all = [
    ...Object.values(ReasonCode).flatMap((c) => [formatReasonCode('CONNACK', c, 5), formatReasonCode('SUBACK', c, 5), formatReasonCode('DISCONNECT', c, 5)]),
    ...Object.values(ReturnCode).map((c) => formatReasonCode('CONNACK', c, 4)),
    formatReasonCode('SUBACK', SUBACK_FAILURE_V4, 4),
  ];
  for (const text of all) {
    const reason = `connect: refused (${text})`;
    assert.deepEqual(parseSeriesKey(seriesKey('failed', { reason })).labels, { reason }, text);
  }
});
