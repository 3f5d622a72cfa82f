import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidBrokerOptionError } from '../../../../src/emulator/broker/errors.js';
import { clampKeepalive, resolveBrokerOptions } from '../../../../src/emulator/broker/options.js';
import { mapRefusalCode } from '../../../../src/emulator/broker/reason-codes.js';

describe('broker options', () => {
  it('defaults to the AWS IoT limits', () => {
    const o = resolveBrokerOptions();
    assert.equal(o.keepaliveMin, 30);
    assert.equal(o.keepaliveMax, 1200);
    assert.equal(o.maxClientIdBytes, 128);
    assert.equal(o.maxPayloadBytes, 128 * 1024);
    assert.equal(o.maxSubscriptionsPerConnection, 50);
    assert.equal(o.maxFiltersPerSubscribe, 8);
    assert.equal(o.connectTimeoutMs, 10_000);
  });

  it('rejects invalid values with a typed error naming the option', () => {
    assert.throws(
      () => resolveBrokerOptions({ keepaliveMin: 100, keepaliveMax: 50 }),
      (err: unknown) => err instanceof InvalidBrokerOptionError && err.code === 'BROKER_INVALID_OPTION' && err.option === 'keepaliveMin',
    );
    assert.throws(() => resolveBrokerOptions({ maxPayloadBytes: 1.5 }), InvalidBrokerOptionError);
    assert.throws(() => resolveBrokerOptions({ connectTimeoutMs: 0 }), InvalidBrokerOptionError);
  });

  it('clamps keep-alive like AWS IoT (0 or above max → max, below min → min)', () => {
    assert.equal(clampKeepalive(0, 30, 1200), 1200);
    assert.equal(clampKeepalive(5, 30, 1200), 30);
    assert.equal(clampKeepalive(60, 30, 1200), 60);
    assert.equal(clampKeepalive(5000, 30, 1200), 1200);
  });

  it('maps refusals to v5 reason codes and v3.1.1 return codes', () => {
    const expected: Array<[Parameters<typeof mapRefusalCode>[0], number, number]> = [
      ['notAuthorized', 0x87, 5],
      ['badUsernameOrPassword', 0x86, 4],
      ['serverUnavailable', 0x88, 3],
      ['clientIdNotValid', 0x85, 2],
      ['quotaExceeded', 0x97, 3],
      ['connectionRateExceeded', 0x9f, 3],
    ];
    for (const [reason, v5, v4] of expected) {
      assert.equal(mapRefusalCode(reason, 5), v5, reason);
      assert.equal(mapRefusalCode(reason, 4), v4, reason);
    }
  });
});
