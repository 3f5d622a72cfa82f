import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedTokenBuckets, TokenBucket } from '../../../../src/emulator/shaping/token-bucket.js';

test('a bucket gives its burst at once, then refills at its rate', () => {
  const b = new TokenBucket(10, 3, 0);
  assert.deepEqual([b.tryTake(0), b.tryTake(0), b.tryTake(0), b.tryTake(0)], [true, true, true, false]);
  assert.equal(b.tryTake(50), false, 'half a token after 50 ms at 10/s');
  assert.equal(b.tryTake(100), true, 'one token after 100 ms');
  assert.equal(b.tryTake(100), false);
  assert.equal(b.isFull(10_000), true, 'never more than burst');
  assert.deepEqual([b.tryTake(10_000), b.tryTake(10_000), b.tryTake(10_000), b.tryTake(10_000)], [true, true, true, false]);
});

test('canTake does not use up a token', () => {
  const b = new TokenBucket(1, 1, 0);
  assert.equal(b.canTake(0), true);
  assert.equal(b.canTake(0), true);
  assert.equal(b.tryTake(0), true);
  assert.equal(b.canTake(0), false);
});

test('keyed buckets are independent per key and forget idle keys', () => {
  const k = new KeyedTokenBuckets(1, 1, 0);
  assert.equal(k.tryTake('a', 0), true);
  assert.equal(k.tryTake('a', 500), false);
  assert.equal(k.tryTake('b', 500), true, 'another key has its own bucket');
  assert.equal(k.canTake('a', 999), false);
  assert.equal(k.tryTake('a', 1000), true);
  assert.equal(k.size, 2);
  k.canTake('c', 20_000); // triggers the sweep: both buckets are full again
  assert.equal(k.size, 0);
});
