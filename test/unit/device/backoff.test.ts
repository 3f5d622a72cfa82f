import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, type BackoffPolicy } from '../../../src/device/backoff.js';

const base: BackoffPolicy = { backoff: 'exponential', jitter: 'none', baseDelay: 100, maxDelay: 2000 };
const lo = () => 0;
const hi = () => 0.999999;

test('exponential without jitter doubles up to the cap', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(base, n, 0)), [100, 200, 400, 800, 1600, 2000]);
});

test('full jitter: between 0 and the exponential delay', () => {
  const p = { ...base, jitter: 'full' as const };
  assert.equal(backoffDelay(p, 3, 0, lo), 0);
  assert.ok(Math.abs(backoffDelay(p, 3, 0, hi) - 400) < 0.01);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(p, 4, 0);
    assert.ok(d >= 0 && d <= 800);
  }
});

test('equal jitter: between half and the whole exponential delay', () => {
  const p = { ...base, jitter: 'equal' as const };
  assert.equal(backoffDelay(p, 3, 0, lo), 200);
  assert.ok(Math.abs(backoffDelay(p, 3, 0, hi) - 400) < 0.01);
});

test('decorrelated jitter: between base and 3 × previous, capped', () => {
  const p = { ...base, jitter: 'decorrelated' as const };
  assert.equal(backoffDelay(p, 1, 0, lo), 100);
  assert.ok(Math.abs(backoffDelay(p, 2, 300, hi) - 900) < 0.01);
  assert.equal(backoffDelay(p, 9, 5000, hi) <= 2000, true);
  let prev = 0;
  for (let i = 1; i < 50; i++) {
    prev = backoffDelay(p, i, prev);
    assert.ok(prev >= 100 && prev <= 2000);
  }
});

test('constant backoff ignores the attempt number', () => {
  const p: BackoffPolicy = { backoff: 'constant', jitter: 'none', baseDelay: 250, maxDelay: 1000 };
  assert.deepEqual([1, 5, 10].map((n) => backoffDelay(p, n, 0)), [250, 250, 250]);
});
