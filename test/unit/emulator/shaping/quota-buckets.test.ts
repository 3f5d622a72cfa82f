import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUOTA_NAMES, QUOTAS, THROTTLED_CONNECT } from '../../../../src/protocol/quotas.js';
import { Quotas, QuotaSettingError, resolveQuotas } from '../../../../src/emulator/shaping/quota-buckets.js';
import { mapRefusalCode } from '../../../../src/emulator/broker/index.js';

test('the quota table says, for every quota, its value, how sure we are and where it comes from', () => {
  for (const name of QUOTA_NAMES) {
    const q = QUOTAS[name];
    assert.ok(['documented', 'assumed', 'unconfirmed'].includes(q.status), name);
    assert.ok(q.source.length > 10, `${name} has a source`);
  }
  assert.equal(QUOTAS.connectPerAccount.value, 500);
  assert.equal(QUOTAS.connectPerClientId.value, 1);
  assert.equal(QUOTAS.publishPerConnection.value, 100);
  for (const api of ['CreateKeysAndCertificate', 'CreateCertificateFromCsr', 'RegisterThing'] as const) {
    assert.equal(QUOTAS[api].status, 'unconfirmed');
    assert.equal(QUOTAS[api].defaultRate, 'unlimited', `${api} is off by default`);
  }
  assert.equal(QUOTAS.RegisterThing.suggestedRate, 10);
  assert.equal(QUOTAS.CreateCertificateFromCsr.suggestedRate, 15);
});

test('the throttled-CONNECT codes in the table are the ones the broker sends', () => {
  assert.equal(THROTTLED_CONNECT.status, 'assumed');
  assert.equal(mapRefusalCode('connectionRateExceeded', 5), THROTTLED_CONNECT.mqtt5ReasonCode);
  assert.equal(mapRefusalCode('connectionRateExceeded', 4), THROTTLED_CONNECT.mqtt311ReturnCode);
});

test('defaults are the documented values for connects and publishes, and off for the provisioning APIs', () => {
  const q = resolveQuotas();
  assert.deepEqual(q.connectPerAccount, { rate: 500, burst: 500 });
  assert.deepEqual(q.connectPerClientId, { rate: 1, burst: 1 });
  assert.deepEqual(q.publishPerConnection, { rate: 100, burst: 100 });
  assert.equal(q.RegisterThing, 'unlimited');
  assert.equal(q.CreateKeysAndCertificate, 'unlimited');
  assert.equal(q.CreateCertificateFromCsr, 'unlimited');
});

test('settings: a number (burst = rate), {rate, burst}, or unlimited; bad ones are named', () => {
  const q = resolveQuotas({ RegisterThing: 10, CreateCertificateFromCsr: { rate: 2, burst: 7 }, connectPerAccount: 'unlimited', connectPerClientId: 0.5 });
  assert.deepEqual(q.RegisterThing, { rate: 10, burst: 10 });
  assert.deepEqual(q.CreateCertificateFromCsr, { rate: 2, burst: 7 });
  assert.equal(q.connectPerAccount, 'unlimited');
  assert.deepEqual(q.connectPerClientId, { rate: 0.5, burst: 1 }, 'burst is at least one request');
  assert.throws(() => resolveQuotas({ RegisterThing: 0 }), (e: Error) => e instanceof QuotaSettingError && /RegisterThing/.test(e.message));
  assert.throws(() => resolveQuotas({ RegisterThing: { rate: 5, burst: 0 } }), /burst/);
  assert.throws(() => resolveQuotas({ registerThing: 5 } as never), /unknown quota registerThing/);
});

test('API quotas throttle beyond the burst and refill at the rate', () => {
  let now = 0;
  const q = new Quotas({ RegisterThing: { rate: 10, burst: 10 } }, () => now);
  const first = Array.from({ length: 15 }, () => q.takeApi('RegisterThing'));
  assert.equal(first.filter(Boolean).length, 10);
  now = 500;
  const second = Array.from({ length: 15 }, () => q.takeApi('RegisterThing'));
  assert.equal(second.filter(Boolean).length, 5, '0.5 s at 10/s');
  assert.ok(Array.from({ length: 1000 }, () => q.takeApi('CreateKeysAndCertificate')).every(Boolean), 'off by default');
});

test('connect quotas: 1/s per client ID, and a refused connect does not use the other quota', () => {
  let now = 0;
  const q = new Quotas({ connectPerAccount: { rate: 1000, burst: 3 } }, () => now);
  assert.equal(q.takeConnect('a'), 'ok');
  assert.equal(q.takeConnect('a'), 'connectPerClientId');
  assert.equal(q.takeConnect('a'), 'connectPerClientId');
  assert.equal(q.takeConnect('b'), 'ok');
  assert.equal(q.takeConnect('c'), 'ok', 'the two refusals of a took no account tokens');
  assert.equal(q.takeConnect('d'), 'connectPerAccount');
  now = 1; // one account token back; a client-ID token would need a whole second
  assert.equal(q.takeConnect('d'), 'ok', 'd was not charged a client-ID token when the account refused it');
});

test('publishes are counted per connection', () => {
  const q = new Quotas({ publishPerConnection: { rate: 100, burst: 2 } }, () => 0);
  const a = {};
  const b = {};
  assert.deepEqual([q.takePublish(a), q.takePublish(a), q.takePublish(a)], [true, true, false]);
  assert.equal(q.takePublish(b), true);
});
